// Provider routes (which API and action a method and path name), the
// finish reasons and the JSON string escaping shared by the request and
// response halves of protocol.h.
#include "mock_llm/protocol.h"

namespace loadgate::services::mock_llm {
namespace {

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

}  // namespace loadgate::services::mock_llm
