#include "mock_llm/protocol.h"

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/json_text.h"
#include "mock_llm/random.h"
#include "mock_llm/text.h"

namespace mock_llm {
namespace {

using nlohmann::json;

bool IsGoogle(Api api) { return api == Api::kGemini || api == Api::kVertex; }

bool IsModelChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '@';
}

// "{model}:{method}" of the Gemini and Vertex paths.
std::optional<Route> MatchModelMethod(Api api, std::string_view rest) {
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  const std::string_view model = rest.substr(0, colon);
  const std::string_view method = rest.substr(colon + 1);
  for (char c : model) {
    if (!IsModelChar(c)) return std::nullopt;
  }
  Route route;
  route.api = api;
  route.model = std::string(model);
  if (method == "generateContent") {
    route.action = Action::kGenerate;
  } else if (method == "streamGenerateContent") {
    route.action = Action::kGenerate;
    route.stream = true;
  } else if (method == "countTokens") {
    route.action = Action::kCountTokens;
  } else {
    return std::nullopt;
  }
  return route;
}

bool ConsumePrefix(std::string_view* text, std::string_view prefix) {
  if (text->substr(0, prefix.size()) != prefix) return false;
  text->remove_prefix(prefix.size());
  return true;
}

// Skips one non-empty path segment and its slash.
bool ConsumeSegment(std::string_view* text) {
  const size_t slash = text->find('/');
  if (slash == 0 || slash == std::string_view::npos) return false;
  text->remove_prefix(slash + 1);
  return true;
}

// Text of a content value: a string, or an array of parts with "text".
bool AppendContentText(const json& content, std::string* out,
                       std::string* error) {
  if (content.is_null()) return true;
  if (content.is_string()) {
    out->append(content.get_ref<const std::string&>());
    return true;
  }
  if (!content.is_array()) {
    *error = "content must be a string or an array of parts";
    return false;
  }
  for (const json& part : content) {
    if (!part.is_object()) {
      *error = "each content part must be an object";
      return false;
    }
    auto text = part.find("text");
    if (text != part.end()) {
      if (!text->is_string()) {
        *error = "part.text must be a string";
        return false;
      }
      out->append(text->get_ref<const std::string&>());
    }
  }
  return true;
}

bool ReadMaxTokens(const json& body, const char* key, int* out,
                   std::string* error) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return true;
  if (!it->is_number_integer() || it->get<int64_t>() < 1) {
    *error = std::string(key) + " must be a positive integer";
    return false;
  }
  *out = static_cast<int>(std::min<int64_t>(it->get<int64_t>(), 1 << 20));
  return true;
}

bool ReadModel(const json& body, Route* route, std::string* error) {
  auto it = body.find("model");
  if (it == body.end() || !it->is_string() || it->get<std::string>().empty()) {
    *error = "you must provide a model parameter";
    return false;
  }
  route->model = it->get<std::string>();
  return true;
}

bool ReadStream(const json& body, Route* route, std::string* error) {
  auto it = body.find("stream");
  if (it == body.end() || it->is_null()) return true;
  if (!it->is_boolean()) {
    *error = "stream must be a boolean";
    return false;
  }
  route->stream = it->get<bool>();
  return true;
}

// stream_options.include_usage of the OpenAI APIs.
bool ReadIncludeUsage(const json& body, GenerationRequest* request,
                      std::string* error) {
  auto options = body.find("stream_options");
  if (options == body.end() || !options->is_object()) return true;
  auto include = options->find("include_usage");
  if (include == options->end() || include->is_null()) return true;
  if (!include->is_boolean()) {
    *error = "stream_options.include_usage must be a boolean";
    return false;
  }
  request->include_usage = include->get<bool>();
  return true;
}

bool ParseGoogleContents(const json& contents, GenerationRequest* request,
                         std::string* error) {
  if (!contents.is_array() || contents.empty()) {
    *error = "contents is not specified";
    return false;
  }
  for (const json& content : contents) {
    if (!content.is_object()) {
      *error = "each of contents must be an object";
      return false;
    }
    auto parts = content.find("parts");
    if (parts == content.end() || !parts->is_array()) {
      *error = "contents.parts must be an array";
      return false;
    }
    if (!request->prompt.empty()) request->prompt.push_back('\n');
    if (!AppendContentText(*parts, &request->prompt, error)) return false;
  }
  return true;
}

bool ParseGoogle(Route* route, const json& body, GenerationRequest* request,
                 std::string* error) {
  if (route->action == Action::kCountTokens) {
    auto nested = body.find("generateContentRequest");
    const json& source =
        nested != body.end() && nested->is_object() ? *nested : body;
    auto contents = source.find("contents");
    if (contents == source.end()) {
      *error = "contents is not specified";
      return false;
    }
    return ParseGoogleContents(*contents, request, error);
  }
  auto contents = body.find("contents");
  if (contents == body.end()) {
    *error = "contents is not specified";
    return false;
  }
  if (auto system = body.find("systemInstruction"); system != body.end()) {
    if (!system->is_object() || !system->contains("parts") ||
        !AppendContentText((*system)["parts"], &request->prompt, error)) {
      if (error->empty()) *error = "systemInstruction must have parts";
      return false;
    }
  }
  if (!ParseGoogleContents(*contents, request, error)) return false;
  if (auto config = body.find("generationConfig"); config != body.end()) {
    if (!config->is_object()) {
      *error = "generationConfig must be an object";
      return false;
    }
    if (!ReadMaxTokens(*config, "maxOutputTokens", &request->max_tokens, error))
      return false;
  }
  return true;
}

bool ParseMessages(const json& body, GenerationRequest* request,
                   std::string* error) {
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array() || messages->empty()) {
    *error = "messages must be a non-empty array";
    return false;
  }
  for (const json& message : *messages) {
    if (!message.is_object() || !message.contains("role") ||
        !message["role"].is_string()) {
      *error = "each message must be an object with a role";
      return false;
    }
    if (!request->prompt.empty()) request->prompt.push_back('\n');
    auto content = message.find("content");
    if (content != message.end() &&
        !AppendContentText(*content, &request->prompt, error)) {
      return false;
    }
  }
  return true;
}

bool ParseOpenAiChat(Route* route, const json& body, GenerationRequest* request,
                     std::string* error) {
  if (!ReadModel(body, route, error) || !ReadStream(body, route, error) ||
      !ParseMessages(body, request, error) ||
      !ReadMaxTokens(body, "max_tokens", &request->max_tokens, error) ||
      !ReadMaxTokens(body, "max_completion_tokens", &request->max_tokens,
                     error)) {
    return false;
  }
  if (!ReadIncludeUsage(body, request, error)) return false;
  return true;
}

bool ParseOpenAiCompletions(Route* route, const json& body,
                            GenerationRequest* request, std::string* error) {
  if (!ReadModel(body, route, error) || !ReadStream(body, route, error) ||
      !ReadMaxTokens(body, "max_tokens", &request->max_tokens, error)) {
    return false;
  }
  auto prompt = body.find("prompt");
  if (prompt == body.end()) {
    *error = "you must provide a prompt parameter";
    return false;
  }
  if (prompt->is_string()) {
    request->prompt = prompt->get<std::string>();
  } else if (prompt->is_array()) {
    for (const json& item : *prompt) {
      if (!item.is_string()) {
        *error = "prompt must be a string or an array of strings";
        return false;
      }
      if (!request->prompt.empty()) request->prompt.push_back('\n');
      request->prompt += item.get<std::string>();
    }
  } else {
    *error = "prompt must be a string or an array of strings";
    return false;
  }
  if (!ReadIncludeUsage(body, request, error)) return false;
  return true;
}

bool ParseOpenAiEmbeddings(Route* route, const json& body,
                           GenerationRequest* request, std::string* error) {
  if (!ReadModel(body, route, error)) return false;
  auto input = body.find("input");
  if (input == body.end()) {
    *error = "you must provide an input parameter";
    return false;
  }
  if (input->is_string()) {
    request->inputs.push_back(input->get<std::string>());
  } else if (input->is_array() && !input->empty()) {
    if (input->size() > kMaxEmbeddingInputs) {
      *error = "input must have at most " +
               std::to_string(kMaxEmbeddingInputs) + " items";
      return false;
    }
    for (const json& item : *input) {
      // Token arrays are embedded by their JSON text.
      request->inputs.push_back(item.is_string() ? item.get<std::string>()
                                                 : services::DumpJson(item));
    }
  } else {
    *error = "input must be a string or a non-empty array";
    return false;
  }
  auto encoding = body.find("encoding_format");
  const std::string format =
      encoding == body.end() || encoding->is_null() ? "float"
      : encoding->is_string() ? encoding->get<std::string>()
                              : "";
  if (format != "float" && format != "base64") {
    *error = "encoding_format must be float or base64";
    return false;
  }
  request->base64 = format == "base64";
  if (auto dims = body.find("dimensions"); dims != body.end()) {
    if (!dims->is_number_integer() || dims->get<int64_t>() < 1 ||
        dims->get<int64_t>() > 8192) {
      *error = "dimensions must be an integer in [1, 8192]";
      return false;
    }
    request->dimensions = dims->get<int>();
  }
  for (const std::string& text : request->inputs) {
    if (!request->prompt.empty()) request->prompt.push_back('\n');
    request->prompt += text;
  }
  return true;
}

bool ParseAnthropic(Route* route, const json& body, GenerationRequest* request,
                    std::string* error) {
  if (!ReadModel(body, route, error) || !ReadStream(body, route, error)) {
    return false;
  }
  if (!body.contains("max_tokens")) {
    *error = "max_tokens: Field required";
    return false;
  }
  if (!ReadMaxTokens(body, "max_tokens", &request->max_tokens, error))
    return false;
  if (auto system = body.find("system"); system != body.end()) {
    if (!AppendContentText(*system, &request->prompt, error)) return false;
  }
  return ParseMessages(body, request, error);
}

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

std::string_view Eol(const ResponseContext& context) {
  return context.crlf ? "\r\n" : "\n";
}

// Frames one event: an SSE event (optionally named) or a JSON-array element.
void AppendEvent(ResponseContext& context, std::string_view name,
                 std::string_view data, std::string* out) {
  if (context.framing == Framing::kJsonArray) {
    out->append(context.events == 0 ? "[" : ",\r\n");
    out->append(data);
  } else {
    const std::string_view eol = Eol(context);
    if (!name.empty()) {
      out->append("event: ").append(name).append(eol);
    }
    out->append("data: ").append(data).append(eol).append(eol);
  }
  ++context.events;
}

void AppendInt(int64_t value, std::string* out) {
  char digits[24];
  const int n = std::snprintf(digits, sizeof(digits), "%lld",
                              static_cast<long long>(value));
  out->append(digits, n);
}

// The common head of an OpenAI chunk, up to the choices array.
void AppendOpenAiChunkHead(const ResponseContext& context, std::string* out) {
  const bool chat = context.api == Api::kOpenAiChat;
  out->append("{\"id\":");
  AppendJsonString(context.id, out);
  out->append(chat ? ",\"object\":\"chat.completion.chunk\",\"created\":"
                   : ",\"object\":\"text_completion\",\"created\":");
  AppendInt(context.created, out);
  out->append(",\"model\":");
  AppendJsonString(context.model, out);
  if (chat) out->append(",\"system_fingerprint\":null");
}

void AppendOpenAiUsage(const ResponseContext& context, int completion_tokens,
                       std::string* out) {
  out->append("{\"prompt_tokens\":");
  AppendInt(context.prompt_tokens, out);
  out->append(",\"completion_tokens\":");
  AppendInt(completion_tokens, out);
  out->append(",\"total_tokens\":");
  AppendInt(context.prompt_tokens + completion_tokens, out);
  out->append("}");
}

// An OpenAI chunk with one choice; `delta_or_text` is the chat delta object
// or the completion text (already JSON).
void AppendOpenAiChoiceChunk(ResponseContext& context,
                             std::string_view delta_or_text,
                             std::string_view finish, std::string* out) {
  thread_local std::string data;
  data.clear();
  AppendOpenAiChunkHead(context, &data);
  data.append(context.api == Api::kOpenAiChat
                  ? ",\"choices\":[{\"index\":0,\"delta\":"
                  : ",\"choices\":[{\"text\":");
  data.append(delta_or_text);
  if (context.api != Api::kOpenAiChat) data.append(",\"index\":0");
  data.append(",\"logprobs\":null,\"finish_reason\":");
  if (finish.empty()) {
    data.append("null");
  } else {
    AppendJsonString(finish, &data);
  }
  data.append("}]");
  if (context.include_usage) data.append(",\"usage\":null");
  data.append("}");
  AppendEvent(context, "", data, out);
}

void AppendGoogleChunk(ResponseContext& context, std::string_view text,
                       int completion_tokens, bool last, bool hit_limit,
                       std::string* out) {
  thread_local std::string data;
  data.clear();
  data.append("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":");
  AppendJsonString(text, &data);
  data.append("}],\"role\":\"model\"}");
  if (last) {
    data.append(",\"finishReason\":");
    AppendJsonString(FinishReason(context.api, hit_limit), &data);
  }
  data.append(",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":");
  AppendInt(context.prompt_tokens, &data);
  if (last) {
    data.append(",\"candidatesTokenCount\":");
    AppendInt(completion_tokens, &data);
  }
  data.append(",\"totalTokenCount\":");
  AppendInt(context.prompt_tokens + (last ? completion_tokens : 0), &data);
  data.append("},\"modelVersion\":");
  AppendJsonString(context.model, &data);
  data.append(",\"responseId\":");
  AppendJsonString(context.id, &data);
  data.append("}");
  AppendEvent(context, "", data, out);
}

}  // namespace

std::string_view ApiName(Api api) {
  switch (api) {
    case Api::kGemini:
      return "gemini";
    case Api::kVertex:
      return "vertex";
    case Api::kOpenAiChat:
      return "openai_chat";
    case Api::kOpenAiCompletions:
      return "openai_completions";
    case Api::kOpenAiEmbeddings:
      return "openai_embeddings";
    case Api::kAnthropic:
      return "anthropic";
  }
  return "unknown";
}

std::optional<Route> MatchRoute(std::string_view method,
                                std::string_view path) {
  const bool post = method == "POST";
  const bool get = method == "GET";
  if (post) {
    if (path == "/v1/chat/completions") return Route{Api::kOpenAiChat};
    if (path == "/v1/completions") return Route{Api::kOpenAiCompletions};
    if (path == "/v1/embeddings")
      return Route{Api::kOpenAiEmbeddings, Action::kEmbed};
    if (path == "/v1/messages") return Route{Api::kAnthropic};
  }
  if (get && path == "/v1/models")
    return Route{Api::kOpenAiChat, Action::kListModels};
  if (get && path == "/v1beta/models")
    return Route{Api::kGemini, Action::kListModels};
  if (!post) return std::nullopt;

  std::string_view rest = path;
  if (ConsumePrefix(&rest, "/v1beta/models/") ||
      ConsumePrefix(&rest, "/v1/models/")) {
    return MatchModelMethod(Api::kGemini, rest);
  }
  if (!ConsumePrefix(&rest, "/v1beta1/") && !ConsumePrefix(&rest, "/v1/")) {
    return std::nullopt;
  }
  // Vertex AI: projects/{p}/locations/{l}/publishers/google/models/... or
  // the collection-scoped publishers/google/models/...
  if (ConsumePrefix(&rest, "projects/")) {
    if (!ConsumeSegment(&rest) || !ConsumePrefix(&rest, "locations/") ||
        !ConsumeSegment(&rest)) {
      return std::nullopt;
    }
  }
  if (!ConsumePrefix(&rest, "publishers/google/models/")) return std::nullopt;
  return MatchModelMethod(Api::kVertex, rest);
}

bool ParseRequest(Route* route, std::string_view body,
                  GenerationRequest* request, std::string* error) {
  json parsed;
  std::string detail;
  if (!services::ParseJsonBody(body, &parsed, &detail)) {
    *error = "Invalid JSON payload received: " + detail;
    return false;
  }
  if (!parsed.is_object()) {
    *error = "the request body must be a JSON object";
    return false;
  }
  switch (route->api) {
    case Api::kGemini:
    case Api::kVertex:
      return ParseGoogle(route, parsed, request, error);
    case Api::kOpenAiChat:
      return ParseOpenAiChat(route, parsed, request, error);
    case Api::kOpenAiCompletions:
      return ParseOpenAiCompletions(route, parsed, request, error);
    case Api::kOpenAiEmbeddings:
      return ParseOpenAiEmbeddings(route, parsed, request, error);
    case Api::kAnthropic:
      return ParseAnthropic(route, parsed, request, error);
  }
  return false;
}

std::string_view FinishReason(Api api, bool hit_limit) {
  switch (api) {
    case Api::kGemini:
    case Api::kVertex:
      return hit_limit ? "MAX_TOKENS" : "STOP";
    case Api::kAnthropic:
      return hit_limit ? "max_tokens" : "end_turn";
    default:
      return hit_limit ? "length" : "stop";
  }
}

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
  return services::DumpJson(body);
}

void AppendStreamOpen(ResponseContext& context, std::string* out) {
  if (context.api == Api::kOpenAiChat) {
    AppendOpenAiChoiceChunk(context,
                            context.role_content_null
                                ? "{\"role\":\"assistant\",\"content\":null}"
                                : "{\"role\":\"assistant\",\"content\":\"\"}",
                            "", out);
  } else if (context.api == Api::kAnthropic) {
    thread_local std::string data;
    data.assign("{\"type\":\"message_start\",\"message\":{\"id\":");
    AppendJsonString(context.id, &data);
    data.append(",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
    AppendJsonString(context.model, &data);
    data.append(
        ",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
        "\"usage\":{\"input_tokens\":");
    AppendInt(context.prompt_tokens, &data);
    data.append(",\"output_tokens\":1}}}");
    AppendEvent(context, "message_start", data, out);
    AppendEvent(context, "content_block_start",
                "{\"type\":\"content_block_start\",\"index\":0,"
                "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                out);
  }
}

void AppendStreamChunk(ResponseContext& context, std::string_view text,
                       int completion_tokens, bool last, bool hit_limit,
                       std::string* out) {
  thread_local std::string piece;
  switch (context.api) {
    case Api::kGemini:
    case Api::kVertex:
      AppendGoogleChunk(context, text, completion_tokens, last, hit_limit, out);
      return;
    case Api::kOpenAiChat:
      piece.assign("{\"content\":");
      AppendJsonString(text, &piece);
      piece.append("}");
      AppendOpenAiChoiceChunk(context, piece, "", out);
      return;
    case Api::kOpenAiCompletions:
      piece.clear();
      AppendJsonString(text, &piece);
      AppendOpenAiChoiceChunk(context, piece, "", out);
      return;
    case Api::kAnthropic:
      piece.assign(
          "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
          "\"text_delta\",\"text\":");
      AppendJsonString(text, &piece);
      piece.append("}}");
      AppendEvent(context, "content_block_delta", piece, out);
      return;
    case Api::kOpenAiEmbeddings:
      return;
  }
}

void AppendStreamClose(ResponseContext& context, int completion_tokens,
                       bool hit_limit, std::string* out) {
  const std::string_view finish = FinishReason(context.api, hit_limit);
  thread_local std::string data;
  switch (context.api) {
    case Api::kGemini:
    case Api::kVertex:
      if (context.framing == Framing::kJsonArray)
        out->append(context.events == 0 ? "[]" : "]");
      return;
    case Api::kOpenAiChat:
    case Api::kOpenAiCompletions:
      AppendOpenAiChoiceChunk(context,
                              context.api == Api::kOpenAiChat ? "{}" : "\"\"",
                              finish, out);
      if (context.include_usage) {
        data.clear();
        AppendOpenAiChunkHead(context, &data);
        data.append(",\"choices\":[],\"usage\":");
        AppendOpenAiUsage(context, completion_tokens, &data);
        data.append("}");
        AppendEvent(context, "", data, out);
      }
      AppendEvent(context, "", "[DONE]", out);
      return;
    case Api::kAnthropic:
      AppendEvent(context, "content_block_stop",
                  "{\"type\":\"content_block_stop\",\"index\":0}", out);
      data.assign("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":");
      AppendJsonString(finish, &data);
      data.append(",\"stop_sequence\":null},\"usage\":{\"input_tokens\":");
      AppendInt(context.prompt_tokens, &data);
      data.append(",\"output_tokens\":");
      AppendInt(completion_tokens, &data);
      data.append("}}");
      AppendEvent(context, "message_delta", data, out);
      AppendEvent(context, "message_stop", "{\"type\":\"message_stop\"}", out);
      return;
    case Api::kOpenAiEmbeddings:
      return;
  }
}

void AppendStreamError(ResponseContext& context, int status,
                       std::string_view message, std::string* out) {
  const std::string body = ErrorBody(context.api, status, message);
  AppendEvent(context, context.api == Api::kAnthropic ? "error" : "", body,
              out);
  if (context.framing == Framing::kJsonArray) out->append("]");
}

void AppendSseComment(const ResponseContext& context, std::string_view text,
                      std::string* out) {
  if (context.framing != Framing::kSse) return;
  const std::string_view eol = Eol(context);
  out->append(": ").append(text).append(eol).append(eol);
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
  return services::DumpJson(body);
}

std::string CountTokensResponse(int tokens) {
  return services::DumpJson(json{{"totalTokens", tokens}});
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
  return services::DumpJson(
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
  if (IsGoogle(api))
    return services::DumpJson(json{{"models", std::move(list)}});
  return services::DumpJson(
      json{{"object", "list"}, {"data", std::move(list)}});
}

void AppendJsonString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20) {
      switch (c) {
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        default:
          out->append("\\u00");
          out->push_back(kHex[u >> 4]);
          out->push_back(kHex[u & 15]);
      }
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

}  // namespace mock_llm
