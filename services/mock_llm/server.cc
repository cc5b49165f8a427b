#include "mock_llm/server.h"

#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/http.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/http_util.h"
#include "common/json_text.h"
#include "mock_llm/plan.h"
#include "mock_llm/text.h"

namespace mock_llm {
namespace {

int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

timeval DelayUntil(int64_t deadline_ns) {
  // Rounded up: a timer must never fire before its deadline.
  const int64_t delay_us =
      std::max<int64_t>(0, (deadline_ns - MonotonicNs() + 999) / 1000);
  return timeval{static_cast<time_t>(delay_us / 1000000),
                 static_cast<suseconds_t>(delay_us % 1000000)};
}

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
  if (decision.limit_requests > 0) {
    AddHeader(request, "x-ratelimit-limit-requests", decision.limit_requests);
    AddHeader(request, "x-ratelimit-remaining-requests",
              decision.remaining_requests);
    services::AddResponseHeader(
        request, "x-ratelimit-reset-requests",
        ResetDuration(decision.reset_requests_seconds).c_str());
  }
  if (decision.limit_tokens > 0) {
    AddHeader(request, "x-ratelimit-limit-tokens", decision.limit_tokens);
    AddHeader(request, "x-ratelimit-remaining-tokens",
              decision.remaining_tokens);
    services::AddResponseHeader(
        request, "x-ratelimit-reset-tokens",
        ResetDuration(decision.reset_tokens_seconds).c_str());
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

// One generation request from acceptance to its last byte. Lives on its
// worker's thread; its memory is bounded (the emit-time log grows by four
// bytes per chunk, and an echo keeps a copy of the prompt).
struct Exchange {
  MockLlmServer* server = nullptr;
  evhttp_request* request = nullptr;  // null once the client is gone
  services::ClientWatch watch;
  event timer;
  std::shared_ptr<const Config> config;  // keeps canned texts alive
  Api api = Api::kGemini;
  bool stream = false;
  std::string model;
  ResponseContext context;
  std::string echo_text;
  TokenSource tokens = TokenSource::Generated(0);
  Plan plan;
  int64_t start_ns = 0;
  int64_t headers_ns = 0;
  int64_t deadline_ns = 0;  // of the armed timer
  int chunks_sent = 0;
  int tokens_sent = 0;
  std::vector<uint32_t> emit_us;  // actual chunk offsets from the request
  Exchange* prev = nullptr;
  Exchange* next = nullptr;

  static Exchange*& ThreadList() {
    thread_local Exchange* head = nullptr;
    return head;
  }

  void Link() {
    Exchange*& head = ThreadList();
    next = head;
    if (head != nullptr) head->prev = this;
    head = this;
  }

  void Unlink() {
    Exchange*& head = ThreadList();
    if (prev != nullptr) prev->next = next;
    if (next != nullptr) next->prev = prev;
    if (head == this) head = next;
  }

  // Ends the exchange: records the outcome and frees the state. The
  // request must have been answered, handed to libevent, or be gone.
  void Finish(int status) {
    Metrics& metrics = server->metrics_;
    metrics.RequestDone(ApiName(api), model, status);
    metrics.TokensGenerated(tokens_sent);
    metrics.in_flight().fetch_sub(1);
    if (stream && headers_ns != 0) metrics.StreamEnded();
    event_del(&timer);
    Unlink();
    delete this;
  }

  void Arm(int64_t deadline) {
    deadline_ns = deadline;
    timeval delay = DelayUntil(deadline);
    event_add(&timer, &delay);
  }

  int64_t ChunkDeadline(int index) const {
    return start_ns + static_cast<int64_t>(plan.ChunkOffsetMs(index) * 1e6);
  }

  static void OnClientGone(void* arg) {
    auto* exchange = static_cast<Exchange*>(arg);
    exchange->request = nullptr;
    // 499: the client closed the request (nginx's convention).
    exchange->Finish(499);
  }

  static void OnTimer(evutil_socket_t, short, void* arg) {
    auto* exchange = static_cast<Exchange*>(arg);
    // libevent's clock may run a few microseconds ahead of ours; the plan
    // promises "never early".
    if (MonotonicNs() < exchange->deadline_ns) {
      exchange->Arm(exchange->deadline_ns);
      return;
    }
    exchange->Step();
  }

  void Step() {
    if (plan.fault == Fault::kHang) {
      services::UnwatchClient(&watch);
      services::Disconnect(request);
      Finish(0);
    } else if (!stream) {
      ReplyWhole();
    } else if (headers_ns == 0) {
      StartStream();
    } else {
      SendNextChunk();
    }
  }

  void AppendNextTokens(std::string* text) {
    for (int i = 0;
         i < plan.tokens_per_chunk && tokens_sent < plan.output_tokens; ++i) {
      if (!tokens.Next(text)) break;
      ++tokens_sent;
    }
  }

  void ReplyWhole() {
    services::UnwatchClient(&watch);
    if (plan.fault == Fault::kDisconnect) {
      services::Disconnect(request);
      Finish(0);
      return;
    }
    if (plan.fault == Fault::kStreamError) {
      const std::string body = ErrorBody(api, 500, "mock-llm: injected error");
      services::SendResponse(request, 500, "application/json", body);
      Finish(500);
      return;
    }
    std::string text;
    while (tokens_sent < plan.output_tokens) {
      const int before = tokens_sent;
      AppendNextTokens(&text);
      if (tokens_sent == before) break;
    }
    const std::string body =
        FullResponse(context, text, tokens_sent, plan.hit_limit);
    char actual[64];
    std::snprintf(actual, sizeof(actual), "total_us=%lld",
                  static_cast<long long>((MonotonicNs() - start_ns) / 1000));
    services::AddResponseHeader(request, "x-mock-llm-actual", actual);
    services::SendResponse(request, 200, "application/json", body);
    Finish(200);
  }

  void StartStream() {
    headers_ns = MonotonicNs();
    server->metrics_.StreamStarted();
    services::StartChunked(request, 200,
                           context.framing == Framing::kSse
                               ? "text/event-stream"
                               : "application/json");
    thread_local std::string out;
    out.clear();
    AppendStreamOpen(context, &out);
    services::SendChunk(request, out);
    emit_us.reserve(plan.chunks);
    Arm(ChunkDeadline(0));
  }

  void SendNextChunk() {
    // A client that does not read holds back only its own stream, and the
    // server buffers at most this much for it.
    constexpr size_t kMaxPendingBytes = 64 * 1024;
    if (services::PendingOutputBytes(request) > kMaxPendingBytes) {
      Arm(MonotonicNs() + 5'000'000);
      return;
    }
    thread_local std::string out;
    thread_local std::string text;
    out.clear();
    text.clear();
    const int64_t now = MonotonicNs();
    if (chunks_sent == 0) {
      server->metrics_.FirstToken(static_cast<double>(now - start_ns) * 1e-9);
    }
    if (chunks_sent == plan.fault_chunk && plan.fault == Fault::kStreamError) {
      AppendStreamError(context, 500, "mock-llm: injected stream error", &out);
      services::UnwatchClient(&watch);
      services::SendChunk(request, out);
      services::EndChunked(request);
      Finish(500);
      return;
    }
    AppendNextTokens(&text);
    const bool last =
        chunks_sent + 1 >= plan.chunks || tokens_sent >= plan.output_tokens;
    AppendStreamChunk(context, text, tokens_sent, last, plan.hit_limit, &out);
    emit_us.push_back(static_cast<uint32_t>((now - start_ns) / 1000));
    ++chunks_sent;
    if (chunks_sent - 1 == plan.fault_chunk &&
        plan.fault == Fault::kDisconnect) {
      // Half an event, then the connection closes.
      services::UnwatchClient(&watch);
      services::SendChunkThenDisconnect(
          request,
          std::string_view(out).substr(0, std::max<size_t>(1, out.size() / 2)));
      Finish(0);
      return;
    }
    if (!last) {
      services::SendChunk(request, out);
      Arm(ChunkDeadline(chunks_sent));
      return;
    }
    AppendStreamClose(context, tokens_sent, plan.hit_limit, &out);
    AppendActualTimes(&out);
    services::UnwatchClient(&watch);
    services::SendChunk(request, out);
    services::EndChunked(request);
    Finish(200);
  }

  // The ground truth for a load generator: when the headers and each chunk
  // actually left, as an SSE comment clients ignore.
  void AppendActualTimes(std::string* out) {
    std::string text = "mock-llm-actual headers_us=";
    text += std::to_string((headers_ns - start_ns) / 1000);
    text += " emit_us=";
    for (size_t i = 0; i < emit_us.size(); ++i) {
      if (i > 0) text.push_back(',');
      text += std::to_string(emit_us[i]);
    }
    AppendSseComment(context, text, out);
  }
};

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

bool MockLlmServer::Start(std::string* error) { return http_.Start(error); }

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
  HandleProvider(request);
}

void MockLlmServer::HandleAdmin(evhttp_request* request) {
  if (!services::FromLoopback(request)) {
    services::SendResponse(request, 403, "application/json",
                           "{\"error\":\"admin API is loopback-only\"}");
    return;
  }
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
  nlohmann::json update;
  Config next = *config();
  std::string error;
  if (!services::ParseJsonBody(services::RequestBody(request), &update,
                               &error) ||
      !ApplyJson(update, &next, &error)) {
    services::SendResponse(request, 400, "application/json",
                           services::DumpJson({{"error", error}}));
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
  std::string error;
  RequestOverrides overrides;
  if (!ParseRequest(&*route, services::RequestBody(request), &parsed, &error) ||
      !ParseOverrides(
          [request](const char* name) {
            return services::RequestHeader(request, name);
          },
          &overrides, &error)) {
    SendError(request, route->api, 400, error, route->model);
    return;
  }
  const int prompt_tokens = CountTokens(parsed.prompt);
  if (route->action == Action::kCountTokens) {
    services::SendResponse(request, 200, "application/json",
                           CountTokensResponse(prompt_tokens));
    metrics_.RequestDone(ApiName(route->api), route->model, 200);
    return;
  }

  // The API key the quota is charged to.
  std::string_view api_key;
  for (const char* name : {"x-goog-api-key", "x-api-key", "authorization"}) {
    if (const char* value = services::RequestHeader(request, name)) {
      api_key = value;
      break;
    }
  }
  std::optional<std::string> query_key;
  if (api_key.empty() && (query_key = services::QueryParam(request, "key")))
    api_key = *query_key;

  if (route->action == Action::kEmbed) {
    const QuotaLimiter::Decision decision = quotas_.Admit(
        api_key, route->model, prompt_tokens, config->requests_per_minute,
        config->tokens_per_minute, QuotaLimiter::Clock::now());
    AddQuotaHeaders(request, decision);
    if (!decision.allowed) {
      SendError(request, route->api, 429, "mock-llm: quota exceeded",
                route->model);
      return;
    }
    const int dimensions = parsed.dimensions > 0 ? parsed.dimensions
                                                 : config->embedding_dimensions;
    if (parsed.inputs.size() * static_cast<size_t>(dimensions) >
        kMaxEmbeddingValues) {
      SendError(request, route->api, 400,
                "mock-llm: inputs x dimensions must be at most " +
                    std::to_string(kMaxEmbeddingValues),
                route->model);
      return;
    }
    services::SendResponse(
        request, 200, "application/json",
        EmbeddingsResponse(route->model, parsed, dimensions, config->seed));
    metrics_.RequestDone(ApiName(route->api), route->model, 200);
    return;
  }

  auto exchange = std::make_unique<Exchange>();
  Exchange& x = *exchange;
  x.start_ns = MonotonicNs();
  x.server = this;
  x.request = request;
  x.config = config;
  x.api = route->api;
  x.stream = route->stream;
  x.model = route->model;

  const uint64_t seed = overrides.seed.value_or(config->seed);
  const ContentMode content = overrides.content.value_or(config->content);
  Rng content_rng(HashText(parsed.prompt, seed));
  int natural_tokens = -1;
  if (content == ContentMode::kEcho) {
    // Echo repeats the last message (the user's turn), not the system text.
    std::string_view prompt = parsed.prompt;
    const size_t newline = prompt.rfind('\n');
    x.echo_text = std::string(newline == std::string_view::npos
                                  ? prompt
                                  : prompt.substr(newline + 1));
    x.tokens = TokenSource::FromText(x.echo_text);
    natural_tokens = x.tokens.remaining();
  } else if (content == ContentMode::kCanned && !config->canned.empty()) {
    x.tokens = TokenSource::FromText(
        config->canned[content_rng.Next() % config->canned.size()]);
    natural_tokens = x.tokens.remaining();
  } else {
    x.tokens = TokenSource::Generated(content_rng.Next());
  }

  const int64_t in_flight = metrics_.in_flight().fetch_add(1) + 1;
  x.plan = MakePlan(*config, overrides, in_flight, natural_tokens,
                    parsed.max_tokens, TimingRng(config->seed), content_rng);

  const QuotaLimiter::Decision decision =
      quotas_.Admit(api_key, route->model, prompt_tokens + x.plan.output_tokens,
                    config->requests_per_minute, config->tokens_per_minute,
                    QuotaLimiter::Clock::now());
  AddQuotaHeaders(request, decision);

  const uint64_t id = next_id_.fetch_add(1);
  char id_text[48];
  std::snprintf(id_text, sizeof(id_text), "%s%llx",
                route->api == Api::kAnthropic           ? "msg_mock"
                : route->api == Api::kOpenAiChat        ? "chatcmpl-mock"
                : route->api == Api::kOpenAiCompletions ? "cmpl-mock"
                                                        : "mock-",
                static_cast<unsigned long long>(id));
  services::AddResponseHeader(request, "x-request-id", id_text);
  services::AddResponseHeader(request, "request-id", id_text);
  services::AddResponseHeader(request, "x-mock-llm-plan",
                              x.plan.Describe().c_str());

  auto refuse = [&](int status, std::string_view message) {
    metrics_.in_flight().fetch_sub(1);
    SendError(request, route->api, status, message, route->model);
  };
  if (!decision.allowed) {
    refuse(429, "mock-llm: quota exceeded for this API key and model");
    return;
  }
  switch (x.plan.fault) {
    case Fault::kRateLimit: {
      QuotaLimiter::Decision injected;
      injected.allowed = false;
      injected.retry_after_seconds = 1;
      AddQuotaHeaders(request, injected);
      refuse(429,
             "mock-llm: injected rate limit (Resource has been exhausted)");
      return;
    }
    case Fault::kServerError:
      refuse(500, "mock-llm: injected internal error");
      return;
    case Fault::kUnavailable:
      refuse(503, "mock-llm: injected overload (the model is overloaded)");
      return;
    default:
      break;
  }

  x.context.api = route->api;
  x.context.framing =
      !route->stream ? Framing::kJson
      : (route->api == Api::kGemini || route->api == Api::kVertex) &&
              services::QueryParam(request, "alt") != "sse"
          ? Framing::kJsonArray
          : Framing::kSse;
  x.context.crlf = overrides.sse_crlf.value_or(config->sse_crlf);
  x.context.role_content_null = config->openai_role_content_null;
  x.context.include_usage = parsed.include_usage;
  x.context.model = route->model;
  x.context.id = id_text;
  x.context.created = static_cast<int64_t>(::time(nullptr));
  x.context.prompt_tokens = prompt_tokens;

  event_assign(&x.timer, services::RequestBase(request), -1, 0,
               &Exchange::OnTimer, &x);
  x.watch = services::ClientWatch{request, &Exchange::OnClientGone, &x};
  services::WatchClient(&x.watch);
  x.Link();
  if (x.plan.fault == Fault::kHang) {
    x.Arm(x.start_ns + static_cast<int64_t>(config->hang_ms * 1e6));
  } else if (!x.stream) {
    x.Arm(x.ChunkDeadline(x.plan.chunks - 1));
  } else if (x.plan.headers_ms > 0) {
    x.Arm(x.start_ns + static_cast<int64_t>(x.plan.headers_ms * 1e6));
  } else {
    x.StartStream();
  }
  exchange.release();  // owned by the event loop until Finish()
}

}  // namespace mock_llm
