#include "app/llm_client.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "common/flags.h"
#include "common/json_text.h"

namespace loadgate::services::app {
namespace {

using nlohmann::json;

// The provider's own error message, when its error body has one.
std::string ProviderMessage(std::string_view body) {
  const json parsed = json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("error")) {
    const json& error = parsed["error"];
    if (error.is_object() && error.contains("message") &&
        error["message"].is_string())
      return error["message"].get<std::string>();
    if (error.is_string()) return error.get<std::string>();
  }
  return std::string(body.substr(0, 200));
}

int IntOr(const json& object, const char* key) {
  if (!object.is_object()) return 0;
  auto found = object.find(key);
  return found != object.end() && found->is_number_integer() ? found->get<int>()
                                                             : 0;
}

// `object[key]` when it is a string, else "" (providers send null freely).
std::string StringOr(const json& object, const char* key) {
  if (!object.is_object()) return {};
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>()
                                                     : std::string();
}

}  // namespace

std::optional<LlmApi> ParseLlmApi(std::string_view name) {
  if (name == "gemini") return LlmApi::kGemini;
  if (name == "openai") return LlmApi::kOpenAi;
  return std::nullopt;
}

Status ParseLlmUrl(std::string_view url, LlmSettings* settings) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) {
    return Status::Error("the LLM URL must start with http:// (got '" +
                         std::string(url) + "')");
  }
  url.remove_prefix(kScheme.size());
  const size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  std::string_view prefix =
      slash == std::string_view::npos ? std::string_view() : url.substr(slash);
  while (prefix.ends_with('/')) prefix.remove_suffix(1);
  std::optional<int64_t> port = 80;
  std::string_view host = authority;
  if (!authority.empty() && authority.front() == '[') {  // [::1]:port
    const size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return Status::Error("bad IPv6 address in the LLM URL");
    host = authority.substr(1, close - 1);
    authority.remove_prefix(close + 1);
    if (authority.starts_with(':')) port = ParseInt64(authority.substr(1));
  } else if (const size_t colon = authority.rfind(':');
             colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = ParseInt64(authority.substr(colon + 1));
  }
  if (!port) return Status::Error("bad port in the LLM URL");
  if (host.empty() || *port <= 0 || *port > 65535)
    return Status::Error("the LLM URL needs a host and a valid port");
  settings->host = host;
  settings->port = static_cast<int>(*port);
  settings->path_prefix = prefix;
  return Status::Ok();
}

std::string LlmRequestTarget(const LlmSettings& settings) {
  if (settings.api == LlmApi::kOpenAi)
    return settings.path_prefix + "/v1/chat/completions";
  return settings.path_prefix + "/v1beta/models/" + settings.model +
         ":generateContent";
}

std::string LlmRequestBody(LlmApi api, const std::string& model,
                           const LlmPrompt& prompt) {
  json body;
  if (api == LlmApi::kOpenAi) {
    json messages = json::array();
    if (!prompt.system.empty())
      messages.push_back({{"role", "system"}, {"content", prompt.system}});
    for (const LlmMessage& message : prompt.messages) {
      messages.push_back({{"role", message.from_user ? "user" : "assistant"},
                          {"content", message.text}});
    }
    body = {{"model", model}, {"messages", std::move(messages)}};
  } else {
    json contents = json::array();
    for (const LlmMessage& message : prompt.messages) {
      contents.push_back({{"role", message.from_user ? "user" : "model"},
                          {"parts", {{{"text", message.text}}}}});
    }
    body = {{"contents", std::move(contents)}};
    if (!prompt.system.empty())
      body["systemInstruction"] = {{"parts", {{{"text", prompt.system}}}}};
  }
  return services::DumpJson(body);
}

namespace {

Status ParseParsedResponse(LlmApi api, const json& parsed, LlmResult* result) {
  if (api == LlmApi::kOpenAi) {
    const json choices = parsed.value("choices", json::array());
    const json message =
        choices.is_array() && !choices.empty() && choices[0].is_object()
            ? choices[0].value("message", json::object())
            : json::object();
    if (!message.is_object() || !message.contains("content") ||
        !message["content"].is_string()) {
      return Status::Error("the LLM answer has no choices[0].message.content");
    }
    result->text = message["content"].get<std::string>();
    result->model = StringOr(parsed, "model");
    const json usage = parsed.value("usage", json::object());
    result->prompt_tokens = IntOr(usage, "prompt_tokens");
    result->completion_tokens = IntOr(usage, "completion_tokens");
    result->total_tokens = IntOr(usage, "total_tokens");
    return Status::Ok();
  }
  auto candidates = parsed.find("candidates");
  if (candidates == parsed.end() || !candidates->is_array() ||
      candidates->empty()) {
    return Status::Error("the LLM answer has no candidates");
  }
  const json content = (*candidates)[0].value("content", json::object());
  const json parts = content.value("parts", json::array());
  if (!parts.is_array() || parts.empty()) {
    return Status::Error("the LLM answer has no candidates[0].content.parts");
  }
  result->text.clear();
  for (const json& part : parts) {
    if (part.is_object() && part.contains("text") && part["text"].is_string())
      result->text += part["text"].get<std::string>();
  }
  result->model = StringOr(parsed, "modelVersion");
  const json usage = parsed.value("usageMetadata", json::object());
  result->prompt_tokens = IntOr(usage, "promptTokenCount");
  result->completion_tokens = IntOr(usage, "candidatesTokenCount");
  result->total_tokens = IntOr(usage, "totalTokenCount");
  return Status::Ok();
}

}  // namespace

Status ParseLlmResponse(LlmApi api, std::string_view body, LlmResult* result) {
  // Depth-limited: the fields are copied below, and a copy recurses once
  // per level of nesting.
  Result<json> parsed = ParseJsonBody(body);
  if (!parsed.ok() || !parsed->is_object()) {
    return Status::Error(
        "the LLM answered with a body that is not a JSON object");
  }
  // Fields of an unexpected type are the provider's fault: a 502, not a
  // crash. nlohmann::json reports them by throwing; they end here.
  try {
    return ParseParsedResponse(api, *parsed, result);
  } catch (const json::exception& e) {
    return Status::Error(std::string("unexpected LLM answer: ") + e.what());
  }
}

void CallLlm(services::HttpClient& http, const LlmSettings& settings,
             const LlmPrompt& prompt, const std::string& trace_id,
             std::function<void(LlmResult result)> done) {
  services::HttpClientRequest request;
  request.host = settings.host;
  request.port = settings.port;
  request.target = LlmRequestTarget(settings);
  request.body = LlmRequestBody(settings.api, settings.model, prompt);
  request.timeout = settings.timeout;
  request.headers = {
      {"Content-Type", "application/json"},
      {"traceparent", "00-" + trace_id + "-" + trace_id.substr(0, 16) + "-01"}};
  if (!settings.api_key.empty()) {
    if (settings.api == LlmApi::kOpenAi) {
      request.headers.emplace_back("Authorization",
                                   "Bearer " + settings.api_key);
    } else {
      request.headers.emplace_back("x-goog-api-key", settings.api_key);
    }
  }
  const auto start = std::chrono::steady_clock::now();
  http.Send(std::move(request),
            [api = settings.api, model = settings.model, start,
             done = std::move(done)](services::HttpClientResponse response) {
              LlmResult result;
              result.latency_ms = std::chrono::duration<double, std::milli>(
                                      std::chrono::steady_clock::now() - start)
                                      .count();
              using Outcome = services::HttpClientResponse::Outcome;
              if (response.outcome == Outcome::kTimeout) {
                result.outcome = LlmResult::Outcome::kTimeout;
                result.error = "LLM call timed out: " + response.error;
              } else if (response.outcome == Outcome::kConnectionError) {
                result.error = "LLM unreachable: " + response.error;
              } else if (response.status != 200) {
                result.upstream_status = response.status;
                result.error = "LLM answered " +
                               std::to_string(response.status) + ": " +
                               ProviderMessage(response.body);
              } else {
                result.upstream_status = 200;
                if (Status read = ParseLlmResponse(api, response.body, &result);
                    read.ok()) {
                  result.outcome = LlmResult::Outcome::kOk;
                  if (result.model.empty()) result.model = model;
                } else {
                  result.error = read.message();
                }
              }
              done(std::move(result));
            });
}

}  // namespace loadgate::services::app
