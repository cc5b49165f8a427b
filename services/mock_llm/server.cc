#include "mock_llm/server.h"

#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/http.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "common/http_util.h"
#include "common/json_text.h"
#include "mock_llm/exchange.h"
#include "mock_llm/plan.h"
#include "mock_llm/text.h"

namespace loadgate::services::mock_llm {
namespace {

void AddHeader(evhttp_request* request, const char* name, int64_t value) {
  char text[24];
  std::snprintf(text, sizeof(text), "%lld", static_cast<long long>(value));
  services::AddResponseHeader(request, name, text);
}

// "1s", "6m0s", "250ms": the duration format of OpenAI's reset headers.
std::string ResetDuration(double seconds) {
  char text[48];
  if (seconds < 1) {
    std::snprintf(text, sizeof(text), "%dms",
                  static_cast<int>(std::ceil(seconds * 1000)));
  } else if (seconds < 60) {
    std::snprintf(text, sizeof(text), "%.3gs", seconds);
  } else {
    std::snprintf(text, sizeof(text), "%dm%ds", static_cast<int>(seconds / 60),
                  static_cast<int>(std::fmod(seconds, 60)));
  }
  return text;
}

void AddQuotaHeaders(evhttp_request* request,
                     const QuotaLimiter::Decision& decision) {
  for (const auto& [unit, limit, remaining, reset_seconds] :
       {std::tuple{"requests", decision.limit_requests,
                   decision.remaining_requests,
                   decision.reset_requests_seconds},
        std::tuple{"tokens", decision.limit_tokens, decision.remaining_tokens,
                   decision.reset_tokens_seconds}}) {
    if (limit <= 0) continue;
    const std::string suffix = unit;
    AddHeader(request, ("x-ratelimit-limit-" + suffix).c_str(), limit);
    AddHeader(request, ("x-ratelimit-remaining-" + suffix).c_str(), remaining);
    services::AddResponseHeader(request,
                                ("x-ratelimit-reset-" + suffix).c_str(),
                                ResetDuration(reset_seconds).c_str());
  }
  if (!decision.allowed) {
    const double retry = std::max(decision.retry_after_seconds, 0.001);
    AddHeader(request, "retry-after-ms",
              static_cast<int64_t>(std::ceil(retry * 1000)));
    AddHeader(request, "Retry-After", static_cast<int64_t>(std::ceil(retry)));
  }
}

// The API whose error shape a path most likely expects (for 404s).
Api GuessApi(std::string_view path) {
  if (path.substr(0, 8) == "/v1beta/" || path.substr(0, 9) == "/v1beta1/" ||
      path.find("/publishers/") != std::string_view::npos) {
    return Api::kGemini;
  }
  if (path.substr(0, 12) == "/v1/messages") return Api::kAnthropic;
  return Api::kOpenAiChat;
}

Rng& TimingRng(uint64_t seed) {
  thread_local Rng rng(seed ^ HashText("timing") ^
                       static_cast<uint64_t>(MonotonicNs()));
  return rng;
}

}  // namespace

MockLlmServer::MockLlmServer(Config config,
                             services::HttpServerOptions http_options)
    : config_(std::make_shared<const Config>(std::move(config))),
      http_(std::move(http_options),
            [this](evhttp_request* request) { Handle(request); }) {
  http_.SetInFlightProbe([this] { return metrics_.in_flight().load(); });
  http_.SetWorkerStopHook([](event_base*) {
    // Streams still open at shutdown: libevent frees their connections and
    // requests with the evhttp; only our state is left to release.
    Exchange*& head = Exchange::ThreadList();
    while (head != nullptr) {
      Exchange* exchange = head;
      if (exchange->request != nullptr)
        services::UnwatchClient(&exchange->watch);
      exchange->Finish(0);
    }
  });
}

MockLlmServer::~MockLlmServer() = default;

Status MockLlmServer::Start() { return http_.Start(); }

void MockLlmServer::SetConfig(Config config) {
  config_.store(std::make_shared<const Config>(std::move(config)));
}

void MockLlmServer::SendError(evhttp_request* request, Api api, int status,
                              std::string_view message,
                              std::string_view model) {
  services::SendResponse(request, status, "application/json",
                         ErrorBody(api, status, message));
  metrics_.RequestDone(ApiName(api), model, status);
}

void MockLlmServer::Handle(evhttp_request* request) {
  const std::string_view path = services::RequestPath(request);
  const std::string_view method = services::RequestMethod(request);
  if (path == "/health" && method == "GET") {
    services::SendResponse(request, 200, "application/json",
                           "{\"status\":\"ok\"}");
    return;
  }
  if (path == "/metrics" && method == "GET") {
    services::SendResponse(request, 200, "text/plain; version=0.0.4",
                           metrics_.RenderPrometheus());
    return;
  }
  if (path == "/admin/config") {
    HandleAdmin(request);
    return;
  }
  if (path == "/admin/journal") {
    HandleJournal(request);
    return;
  }
  HandleProvider(request);
}

bool MockLlmServer::RefuseRemoteAdmin(evhttp_request* request) {
  if (services::FromLoopback(request)) return false;
  services::SendResponse(request, 403, "application/json",
                         "{\"error\":\"admin API is loopback-only\"}");
  return true;
}

void MockLlmServer::HandleJournal(evhttp_request* request) {
  if (RefuseRemoteAdmin(request)) return;
  const std::string_view method = services::RequestMethod(request);
  if (method == "GET") {
    services::SendResponse(request, 200, "application/json",
                           journal_.RenderJson());
  } else if (method == "DELETE") {
    const size_t cleared = journal_.Clear();
    services::SendResponse(request, 200, "application/json",
                           services::DumpJson({{"cleared", cleared}}));
  } else {
    services::SendResponse(request, 405, "application/json",
                           "{\"error\":\"use GET or DELETE\"}");
  }
}

void MockLlmServer::HandleAdmin(evhttp_request* request) {
  if (RefuseRemoteAdmin(request)) return;
  const std::string_view method = services::RequestMethod(request);
  if (method == "GET") {
    services::SendResponse(request, 200, "application/json",
                           services::DumpJson(ToJson(*config())));
    return;
  }
  if (method != "POST") {
    services::SendResponse(request, 405, "application/json",
                           "{\"error\":\"use GET or POST\"}");
    return;
  }
  Config next = *config();
  Result<nlohmann::json> update = ParseJsonBody(services::RequestBody(request));
  const Status applied =
      update.ok() ? ApplyJson(*update, &next) : update.status();
  if (!applied.ok()) {
    services::SendResponse(request, 400, "application/json",
                           services::DumpJson({{"error", applied.message()}}));
    return;
  }
  nlohmann::json body = ToJson(next);
  SetConfig(std::move(next));
  services::SendResponse(request, 200, "application/json",
                         services::DumpJson(body));
}

void MockLlmServer::HandleProvider(evhttp_request* request) {
  const std::string_view path = services::RequestPath(request);
  std::optional<Route> route =
      MatchRoute(services::RequestMethod(request), path);
  if (!route) {
    SendError(request, GuessApi(path), 404,
              "mock-llm: no such route: " + std::string(path), "");
    return;
  }
  std::shared_ptr<const Config> config = this->config();
  if (route->action == Action::kListModels) {
    services::SendResponse(request, 200, "application/json",
                           ModelsResponse(route->api, config->models));
    return;
  }

  GenerationRequest parsed;
  RequestOverrides overrides;
  Status valid = ParseRequest(&*route, services::RequestBody(request), &parsed);
  if (valid.ok()) {
    valid = ParseOverrides(
        [request](const char* name) {
          return services::RequestHeader(request, name);
        },
        &overrides);
  }
  if (!valid.ok()) {
    SendError(request, route->api, 400, valid.message(), route->model);
    return;
  }
  const int prompt_tokens = CountTokens(parsed.prompt);
  if (route->action == Action::kCountTokens) {
    services::SendResponse(request, 200, "application/json",
                           CountTokensResponse(prompt_tokens));
    metrics_.RequestDone(ApiName(route->api), route->model, 200);
    return;
  }
  const Admission admission{*route,        parsed,          overrides,
                            prompt_tokens, ApiKey(request), std::move(config)};
  if (route->action == Action::kEmbed) {
    HandleEmbeddings(request, admission);
  } else {
    StartGeneration(request, admission);
  }
}

std::string MockLlmServer::ApiKey(evhttp_request* request) {
  // The first of these headers that is present; when it is empty, the
  // ?key= query parameter.
  for (const char* name : {"x-goog-api-key", "x-api-key", "authorization"}) {
    const char* value = services::RequestHeader(request, name);
    if (value == nullptr) continue;
    if (*value != '\0') return value;
    break;
  }
  return services::QueryParam(request, "key").value_or("");
}

void MockLlmServer::HandleEmbeddings(evhttp_request* request,
                                     const Admission& in) {
  const Config& config = *in.config;
  const QuotaLimiter::Decision decision = quotas_.Admit(
      in.api_key, in.route.model, in.prompt_tokens, config.requests_per_minute,
      config.tokens_per_minute, QuotaLimiter::Clock::now());
  AddQuotaHeaders(request, decision);
  if (!decision.allowed) {
    SendError(request, in.route.api, 429, "mock-llm: quota exceeded",
              in.route.model);
    return;
  }
  const int dimensions = in.parsed.dimensions > 0 ? in.parsed.dimensions
                                                  : config.embedding_dimensions;
  if (in.parsed.inputs.size() * static_cast<size_t>(dimensions) >
      kMaxEmbeddingValues) {
    SendError(request, in.route.api, 400,
              "mock-llm: inputs x dimensions must be at most " +
                  std::to_string(kMaxEmbeddingValues),
              in.route.model);
    return;
  }
  services::SendResponse(
      request, 200, "application/json",
      EmbeddingsResponse(in.route.model, in.parsed, dimensions, config.seed));
  metrics_.RequestDone(ApiName(in.route.api), in.route.model, 200);
}

namespace {

// Where the response text comes from; returns its length in tokens, or -1
// for generated text (whose length the plan draws).
int ChooseContent(const GenerationRequest& parsed, const Config& config,
                  ContentMode content, Rng& content_rng, Exchange& x) {
  if (content == ContentMode::kEcho) {
    // Echo repeats the last message (the user's turn), not the system text.
    std::string_view prompt = parsed.prompt;
    const size_t newline = prompt.rfind('\n');
    x.echo_text = std::string(newline == std::string_view::npos
                                  ? prompt
                                  : prompt.substr(newline + 1));
    x.tokens = TokenSource::FromText(x.echo_text);
    return x.tokens.remaining();
  }
  if (content == ContentMode::kCanned && !config.canned.empty()) {
    x.tokens = TokenSource::FromText(
        config.canned[content_rng.Next() % config.canned.size()]);
    return x.tokens.remaining();
  }
  x.tokens = TokenSource::Generated(content_rng.Next());
  return -1;
}

// The journal's record of a request, before its answer.
std::unique_ptr<JournalEntry> NewJournalEntry(evhttp_request* request,
                                              const Route& route,
                                              int prompt_tokens,
                                              int max_tokens) {
  auto entry = std::make_unique<JournalEntry>();
  entry->api = std::string(JournalApiName(route.api));
  entry->model = route.model;
  entry->stream = route.stream;
  entry->messages = RequestMessages(route, services::RequestBody(request));
  entry->prompt_tokens = prompt_tokens;
  entry->max_tokens = max_tokens;
  return entry;
}

// "chatcmpl-mock1f", "msg_mock1f", ...: an id shaped like the provider's.
std::string ResponseId(Api api, uint64_t id) {
  char text[48];
  std::snprintf(text, sizeof(text), "%s%llx",
                api == Api::kAnthropic           ? "msg_mock"
                : api == Api::kOpenAiChat        ? "chatcmpl-mock"
                : api == Api::kOpenAiCompletions ? "cmpl-mock"
                                                 : "mock-",
                static_cast<unsigned long long>(id));
  return text;
}

}  // namespace

void MockLlmServer::StartGeneration(evhttp_request* request,
                                    const Admission& in) {
  const Config& config = *in.config;
  auto exchange = std::make_unique<Exchange>();
  Exchange& x = *exchange;
  x.start_ns = MonotonicNs();
  x.server = this;
  x.request = request;
  x.config = in.config;
  x.api = in.route.api;
  x.stream = in.route.stream;
  x.model = in.route.model;

  const uint64_t seed = in.overrides.seed.value_or(config.seed);
  Rng content_rng(HashText(in.parsed.prompt, seed));
  const int natural_tokens = ChooseContent(
      in.parsed, config, in.overrides.content.value_or(config.content),
      content_rng, x);
  const int64_t in_flight = metrics_.in_flight().fetch_add(1) + 1;
  x.plan = MakePlan(config, in.overrides, in_flight, natural_tokens,
                    in.parsed.max_tokens, TimingRng(config.seed), content_rng);

  const QuotaLimiter::Decision decision = quotas_.Admit(
      in.api_key, in.route.model, in.prompt_tokens + x.plan.output_tokens,
      config.requests_per_minute, config.tokens_per_minute,
      QuotaLimiter::Clock::now());
  AddQuotaHeaders(request, decision);

  const std::string id = ResponseId(in.route.api, next_id_.fetch_add(1));
  services::AddResponseHeader(request, "x-request-id", id.c_str());
  services::AddResponseHeader(request, "request-id", id.c_str());
  services::AddResponseHeader(request, "x-mock-llm-plan",
                              x.plan.Describe().c_str());
  if (RefuseBeforeStart(request, in.route, decision, x.plan.fault)) return;

  x.context = MakeResponseContext(request, in, id);
  if (config.journal > 0) {
    x.journal = NewJournalEntry(request, in.route, in.prompt_tokens,
                                in.parsed.max_tokens);
  }
  event_assign(&x.timer, services::RequestBase(request), -1, 0,
               &Exchange::OnTimer, &x);
  x.watch = services::ClientWatch{request, &Exchange::OnClientGone, &x};
  services::WatchClient(&x.watch);
  x.Link();
  if (x.plan.fault == Fault::kHang) {
    x.Arm(x.start_ns + static_cast<int64_t>(config.hang_ms * 1e6));
  } else if (!x.stream) {
    x.Arm(x.ChunkDeadline(x.plan.chunks - 1));
  } else if (x.plan.headers_ms > 0) {
    x.Arm(x.start_ns + static_cast<int64_t>(x.plan.headers_ms * 1e6));
  } else {
    x.StartStream();
  }
  exchange.release();  // owned by the event loop until Finish()
}

bool MockLlmServer::RefuseBeforeStart(evhttp_request* request,
                                      const Route& route,
                                      const QuotaLimiter::Decision& decision,
                                      Fault fault) {
  auto refuse = [&](int status, std::string_view message) {
    metrics_.in_flight().fetch_sub(1);
    SendError(request, route.api, status, message, route.model);
    return true;
  };
  if (!decision.allowed)
    return refuse(429, "mock-llm: quota exceeded for this API key and model");
  switch (fault) {
    case Fault::kRateLimit: {
      QuotaLimiter::Decision injected;
      injected.allowed = false;
      injected.retry_after_seconds = 1;
      AddQuotaHeaders(request, injected);
      return refuse(
          429, "mock-llm: injected rate limit (Resource has been exhausted)");
    }
    case Fault::kServerError:
      return refuse(500, "mock-llm: injected internal error");
    case Fault::kUnavailable:
      return refuse(503,
                    "mock-llm: injected overload (the model is overloaded)");
    default:
      return false;
  }
}

ResponseContext MockLlmServer::MakeResponseContext(evhttp_request* request,
                                                   const Admission& in,
                                                   const std::string& id) {
  const Config& config = *in.config;
  ResponseContext context;
  context.api = in.route.api;
  context.framing =
      !in.route.stream ? Framing::kJson
      : (in.route.api == Api::kGemini || in.route.api == Api::kVertex) &&
              services::QueryParam(request, "alt") != "sse"
          ? Framing::kJsonArray
          : Framing::kSse;
  context.crlf = in.overrides.sse_crlf.value_or(config.sse_crlf);
  context.role_content_null = config.openai_role_content_null;
  context.include_usage = in.parsed.include_usage;
  context.model = in.route.model;
  context.id = id;
  context.created = static_cast<int64_t>(::time(nullptr));
  context.prompt_tokens = in.prompt_tokens;
  return context;
}

}  // namespace loadgate::services::mock_llm
