#ifndef SERVICES_APP_LLM_CLIENT_H_
#define SERVICES_APP_LLM_CLIENT_H_

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_client.h"
#include "common/status.h"

namespace loadgate::services::app {

enum class LlmApi { kGemini, kOpenAi };
std::optional<LlmApi> ParseLlmApi(std::string_view name);  // gemini, openai

struct LlmSettings {
  LlmApi api = LlmApi::kGemini;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string path_prefix;  // from the base URL, without a trailing '/'
  std::string model = "gemini-2.0-flash";
  std::string api_key;
  std::chrono::milliseconds timeout{30000};
};

// Fills host, port and path_prefix from "http://host[:port][/prefix]".
Status ParseLlmUrl(std::string_view url, LlmSettings* settings);

struct LlmMessage {
  bool from_user = true;  // false: an earlier answer of the model
  std::string text;
};

struct LlmPrompt {
  std::string system;
  std::vector<LlmMessage> messages;
};

struct LlmResult {
  enum class Outcome { kOk, kError, kTimeout };
  Outcome outcome = Outcome::kError;
  std::string text;
  std::string model;
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int total_tokens = 0;
  int upstream_status = 0;  // the provider's HTTP status, 0 without one
  std::string error;
  double latency_ms = 0;
};

// The provider request: path and JSON body.
std::string LlmRequestTarget(const LlmSettings& settings);
std::string LlmRequestBody(LlmApi api, const std::string& model,
                           const LlmPrompt& prompt);
// Reads text, model and usage from a 200 response body into `result`; fails
// for a body that is not the provider's shape.
Status ParseLlmResponse(LlmApi api, std::string_view body, LlmResult* result);

// Asks the model; `done` runs later on the thread that owns `http`. The
// call is bounded by settings.timeout and carries the trace id as a W3C
// traceparent header.
void CallLlm(services::HttpClient& http, const LlmSettings& settings,
             const LlmPrompt& prompt, const std::string& trace_id,
             std::function<void(LlmResult result)> done);

}  // namespace loadgate::services::app

#endif  // SERVICES_APP_LLM_CLIENT_H_
