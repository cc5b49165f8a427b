// Whole (non-streaming) responses of each provider (protocol.h): error
// bodies, completions, token counts, embeddings and model lists.
#include <cmath>
#include <nlohmann/json.hpp>

#include "common/json_text.h"
#include "mock_llm/protocol.h"
#include "mock_llm/random.h"
#include "mock_llm/text.h"

namespace loadgate::services::mock_llm {
namespace {

using nlohmann::json;

bool IsGoogle(Api api) { return api == Api::kGemini || api == Api::kVertex; }

std::string_view GoogleStatus(int status) {
  switch (status) {
    case 400:
    case 413:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 503:
      return "UNAVAILABLE";
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      return "INTERNAL";
  }
}

std::string_view OpenAiErrorType(int status) {
  switch (status) {
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 429:
      return "requests";
    default:
      return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

std::string_view AnthropicErrorType(int status) {
  switch (status) {
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

}  // namespace

std::string ErrorBody(Api api, int status, std::string_view message) {
  json body;
  if (IsGoogle(api)) {
    body = {{"error",
             {{"code", status},
              {"message", message},
              {"status", GoogleStatus(status)}}}};
  } else if (api == Api::kAnthropic) {
    body = {{"type", "error"},
            {"error",
             {{"type", AnthropicErrorType(status)}, {"message", message}}}};
  } else {
    body = {{"error",
             {{"message", message},
              {"type", OpenAiErrorType(status)},
              {"param", nullptr},
              {"code", status == 429   ? json("rate_limit_exceeded")
                       : status == 404 ? json("not_found")
                                       : json(nullptr)}}}};
  }
  return DumpJson(body);
}

std::string FullResponse(const ResponseContext& context, std::string_view text,
                         int completion_tokens, bool hit_limit) {
  const std::string_view finish = FinishReason(context.api, hit_limit);
  const int total = context.prompt_tokens + completion_tokens;
  json body;
  switch (context.api) {
    case Api::kGemini:
    case Api::kVertex:
      body = {
          {"candidates",
           {{{"content", {{"parts", {{{"text", text}}}}, {"role", "model"}}},
             {"finishReason", finish},
             {"index", 0}}}},
          {"usageMetadata",
           {{"promptTokenCount", context.prompt_tokens},
            {"candidatesTokenCount", completion_tokens},
            {"totalTokenCount", total}}},
          {"modelVersion", context.model},
          {"responseId", context.id}};
      break;
    case Api::kOpenAiChat:
    case Api::kOpenAiCompletions: {
      const bool chat = context.api == Api::kOpenAiChat;
      json choice = {
          {"index", 0}, {"logprobs", nullptr}, {"finish_reason", finish}};
      if (chat) {
        choice["message"] = {
            {"role", "assistant"}, {"content", text}, {"refusal", nullptr}};
      } else {
        choice["text"] = text;
      }
      body = {{"id", context.id},
              {"object", chat ? "chat.completion" : "text_completion"},
              {"created", context.created},
              {"model", context.model},
              {"choices", {choice}},
              {"usage",
               {{"prompt_tokens", context.prompt_tokens},
                {"completion_tokens", completion_tokens},
                {"total_tokens", total}}}};
      if (chat) body["system_fingerprint"] = nullptr;
      break;
    }
    case Api::kAnthropic:
      body = {{"id", context.id},
              {"type", "message"},
              {"role", "assistant"},
              {"model", context.model},
              {"content", {{{"type", "text"}, {"text", text}}}},
              {"stop_reason", finish},
              {"stop_sequence", nullptr},
              {"usage",
               {{"input_tokens", context.prompt_tokens},
                {"output_tokens", completion_tokens}}}};
      break;
    case Api::kOpenAiEmbeddings:
      break;
  }
  return DumpJson(body);
}

std::string CountTokensResponse(int tokens) {
  return DumpJson(json{{"totalTokens", tokens}});
}

std::string EmbeddingsResponse(const std::string& model,
                               const GenerationRequest& request, int dimensions,
                               uint64_t seed) {
  static constexpr char kBase64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  json data = json::array();
  int tokens = 0;
  std::vector<float> vector(dimensions);
  for (size_t i = 0; i < request.inputs.size(); ++i) {
    const std::string& input = request.inputs[i];
    tokens += CountTokens(input);
    // A deterministic unit vector per input text.
    Rng rng(HashText(input, seed));
    double norm = 0;
    for (float& x : vector) {
      x = static_cast<float>(rng.Gaussian());
      norm += static_cast<double>(x) * x;
    }
    norm = std::sqrt(norm);
    for (float& x : vector) x = static_cast<float>(x / norm);
    json embedding;
    if (request.base64) {
      // Little-endian float32s, as the OpenAI SDK decodes them.
      std::string bytes(reinterpret_cast<const char*>(vector.data()),
                        vector.size() * sizeof(float));
      std::string encoded;
      encoded.reserve((bytes.size() + 2) / 3 * 4);
      for (size_t j = 0; j < bytes.size(); j += 3) {
        uint32_t n = static_cast<uint8_t>(bytes[j]) << 16;
        if (j + 1 < bytes.size()) n |= static_cast<uint8_t>(bytes[j + 1]) << 8;
        if (j + 2 < bytes.size()) n |= static_cast<uint8_t>(bytes[j + 2]);
        encoded.push_back(kBase64[(n >> 18) & 63]);
        encoded.push_back(kBase64[(n >> 12) & 63]);
        encoded.push_back(j + 1 < bytes.size() ? kBase64[(n >> 6) & 63] : '=');
        encoded.push_back(j + 2 < bytes.size() ? kBase64[n & 63] : '=');
      }
      embedding = encoded;
    } else {
      embedding = vector;
    }
    data.push_back({{"object", "embedding"},
                    {"index", i},
                    {"embedding", std::move(embedding)}});
  }
  return DumpJson(
      json{{"object", "list"},
           {"data", std::move(data)},
           {"model", model},
           {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}});
}

std::string ModelsResponse(Api api, const std::vector<std::string>& models) {
  json list = json::array();
  for (const std::string& model : models) {
    if (IsGoogle(api)) {
      list.push_back(
          {{"name", "models/" + model},
           {"displayName", model},
           {"description", "mock-llm model"},
           {"inputTokenLimit", 1048576},
           {"outputTokenLimit", 65536},
           {"supportedGenerationMethods",
            {"generateContent", "streamGenerateContent", "countTokens"}}});
    } else {
      list.push_back({{"id", model},
                      {"object", "model"},
                      {"created", 1700000000},
                      {"owned_by", "mock-llm"}});
    }
  }
  if (IsGoogle(api)) return DumpJson(json{{"models", std::move(list)}});
  return DumpJson(json{{"object", "list"}, {"data", std::move(list)}});
}

}  // namespace loadgate::services::mock_llm
