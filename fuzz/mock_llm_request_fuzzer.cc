// The mock LLM's side of a request, for every API it speaks (OpenAI chat,
// completions and embeddings, Gemini, Vertex AI, Anthropic): the route from
// the method and path, the request body, and every response written from
// what the request said (the model from the path or body, the prompt echoed
// back), as the server does for a client it cannot trust. Input: the
// method, a space and the path on the first line, then the body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "mock_llm/metrics.h"
#include "mock_llm/protocol.h"
#include "mock_llm/text.h"

namespace {

using namespace loadgate::services::mock_llm;

// Streams an echo of `text` in every framing the API has, as the server's
// echo content mode does.
void WriteResponses(const Route& route, const GenerationRequest& request,
                    std::string_view text) {
  const int prompt_tokens = CountTokens(request.prompt);
  for (Framing framing : {Framing::kJson, Framing::kSse, Framing::kJsonArray}) {
    ResponseContext context;
    context.api = route.api;
    context.framing = framing;
    context.crlf = framing == Framing::kSse;
    context.include_usage = request.include_usage;
    context.model = route.model;
    context.id = "mock-1";
    context.prompt_tokens = prompt_tokens;
    if (framing == Framing::kJson) {
      FullResponse(context, text, CountTokens(text), false);
      continue;
    }
    std::string out;
    AppendStreamOpen(context, &out);
    TokenSource tokens = TokenSource::FromText(text);
    std::string token;
    int sent = 0;
    // Bounded like a max_tokens limit, whatever the prompt's length.
    while (sent < 64 && tokens.Next(&token)) {
      ++sent;
      AppendStreamChunk(context, token, sent, tokens.remaining() == 0, false,
                        &out);
      token.clear();
    }
    AppendStreamError(context, 500, text, &out);
    AppendStreamClose(context, sent, sent == 64, &out);
    AppendSseComment(context, text, &out);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input = loadgate::fuzz::AsText(data, size);
  const size_t newline = input.find('\n');
  if (newline == std::string_view::npos) return 0;
  const std::string_view request_line = input.substr(0, newline);
  const size_t space = request_line.find(' ');
  if (space == std::string_view::npos) return 0;
  const loadgate::fuzz::ExactCopy method(request_line.substr(0, space));
  const loadgate::fuzz::ExactCopy path(request_line.substr(space + 1));
  const loadgate::fuzz::ExactCopy body(input.substr(newline + 1));

  Metrics metrics;
  std::optional<Route> route = MatchRoute(method.view(), path.view());
  if (!route) {
    // The 404 names the path, whatever its bytes.
    ErrorBody(Api::kOpenAiChat, 404,
              "mock-llm: no such route: " + std::string(path.view()));
    return 0;
  }
  if (route->action == Action::kListModels) {
    ModelsResponse(route->api, {route->model.empty() ? "m" : route->model});
    return 0;
  }
  GenerationRequest request;
  if (const loadgate::services::Status parsed =
          ParseRequest(&*route, body.view(), &request);
      !parsed.ok()) {
    ErrorBody(route->api, 400, parsed.message());
    metrics.RequestDone(ApiName(route->api), route->model, 400);
    metrics.RenderPrometheus();
    return 0;
  }
  metrics.RequestDone(ApiName(route->api), route->model, 200);
  switch (route->action) {
    case Action::kCountTokens:
      CountTokensResponse(CountTokens(request.prompt));
      break;
    case Action::kEmbed:
      EmbeddingsResponse(route->model, request,
                         request.dimensions > 0 ? request.dimensions : 8, 1);
      break;
    default: {
      // Echo repeats the last line of the prompt.
      std::string_view prompt = request.prompt;
      const size_t last_line = prompt.rfind('\n');
      WriteResponses(*route, request,
                     last_line == std::string_view::npos
                         ? prompt
                         : prompt.substr(last_line + 1));
      break;
    }
  }
  // Rendering is where label values (the model) meet the metrics text.
  metrics.RenderPrometheus();
  return 0;
}
