// The AppServer's core: startup, the per-request exchange, routing to the
// route groups (db_api.cc, triage_api.cc, session_api.cc), replies, and the
// health and metrics endpoints.
#include "app/app_server.h"

#include <event2/event.h>
#include <event2/http.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

#include "app/app_server_internal.h"
#include "common/json_text.h"

namespace loadgate::services::app {
namespace {

using nlohmann::json;

constexpr std::string_view kJson = "application/json";

// The trace id of an incoming W3C traceparent, or a new one.
std::string TraceIdFor(evhttp_request* request) {
  const char* header = services::RequestHeader(request, "traceparent");
  if (header != nullptr) {
    std::string_view value(header);
    // "00-<32 hex trace id>-<16 hex span id>-<flags>"
    if (value.size() >= 55 && value[2] == '-' && value[35] == '-') {
      std::string_view trace = value.substr(3, 32);
      if (std::all_of(trace.begin(), trace.end(),
                      [](char c) {
                        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                      }) &&
          trace != std::string(32, '0'))
        return std::string(trace);
    }
  }
  return NewId();
}

// Splits "/a/b/c" into {"a", "b", "c"}.
std::vector<std::string_view> PathSegments(std::string_view path) {
  std::vector<std::string_view> segments;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const size_t end = std::min(path.find('/'), path.size());
    segments.push_back(path.substr(0, end));
    path.remove_prefix(end);
  }
  return segments;
}

// The single client of the calling worker thread; AppServer's worker stop
// hook drops it before the loop's base is freed.
thread_local std::unique_ptr<services::HttpClient> thread_http_client;

}  // namespace

services::HttpClient& HttpClientFor(event_base* base) {
  if (!thread_http_client)
    thread_http_client = std::make_unique<services::HttpClient>(base);
  return *thread_http_client;
}

// 128 random bits as 32 hex digits: trace ids and session ids.
std::string NewId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char text[33];
  std::snprintf(text, sizeof(text), "%016llx%016llx",
                static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return text;
}

Result<json> ReadJsonObject(evhttp_request* request) {
  Result<json> body = ParseJsonBody(services::RequestBody(request));
  if (body.ok() && !body->is_object())
    return Status::Error("the body must be a JSON object");
  return body;
}

Result<std::string> ReadString(const json& body, const char* field) {
  auto found = body.find(field);
  if (found == body.end())
    return Status::Error(std::string("missing field '") + field + "'");
  if (!found->is_string() || found->get_ref<const std::string&>().empty()) {
    return Status::Error(std::string("field '") + field +
                         "' must be a non-empty string");
  }
  return found->get<std::string>();
}

AppServer::AppServer(AppOptions options, std::unique_ptr<Storage> storage)
    : options_(std::move(options)), storage_(std::move(storage)) {
  services::HttpServerOptions http_options;
  http_options.host = options_.host;
  http_options.port = options_.port;
  http_options.threads = options_.threads;
  http_options.handle_signals = options_.handle_signals;
  http_options.read_timeouts = options_.read_timeouts;
  http_ = std::make_unique<services::HttpServer>(
      http_options, [this](evhttp_request* request) { Handle(request); });
  http_->SetInFlightProbe([this] {
    return exchanges_in_flight_.load() + agent_turns_in_flight_.load() +
           (db_ ? db_->pending() : 0);
  });
  http_->SetWorkerStopHook([this](event_base* base) {
    if (db_) db_->Detach();
    waiters_.RemoveAllOn(base);
    thread_http_client.reset();
  });
}

AppServer::~AppServer() {
  // The loops must be gone before the pool that hands results to them.
  http_.reset();
  db_.reset();
}

Status AppServer::Start() {
  Result<SeedReport> seeded = storage_->Prepare(options_.seed);
  if (!seeded.ok()) return seeded.status().Prefixed("database: ");
  seed_report_ = *seeded;
  db_ = std::make_unique<DbExecutor>(*storage_, options_.db_pool,
                                     options_.db_wait);
  if (Status pool = db_->Start(); !pool.ok())
    return pool.Prefixed("database: ");
  return http_->Start();
}

void AppServer::Handle(evhttp_request* request) {
  auto exchange = std::make_shared<Exchange>();
  exchanges_in_flight_.fetch_add(1);
  exchange->app = this;
  exchange->request = request;
  exchange->base = services::RequestBase(request);
  exchange->start = Clock::now();
  exchange->trace_id = TraceIdFor(request);
  exchange->watch.request = request;
  exchange->watch.arg = exchange.get();
  exchange->watch.on_gone = [](void* arg) {
    auto* gone = static_cast<Exchange*>(arg);
    gone->request = nullptr;
    gone->app->metrics_.RecordRequest(
        gone->route, 499,
        std::chrono::duration<double>(Clock::now() - gone->start).count());
    // The hook may end the exchange's last owner: call a moved-out copy.
    std::function<void()> hook = std::move(gone->on_gone);
    if (hook) hook();
  };
  services::WatchClient(&exchange->watch);
  try {
    Dispatch(exchange);
  } catch (const std::exception& e) {
    ReplyInternalError(*exchange, e);
  }
}

void AppServer::ReplyInternalError(Exchange& exchange,
                                   const std::exception& error) {
  std::fprintf(stderr, "trace %s: %s\n", exchange.trace_id.c_str(),
               error.what());
  ReplyError(exchange, 500, "internal error");
}

void AppServer::Dispatch(const ExchangePtr& exchange) {
  evhttp_request* request = exchange->request;
  const std::string_view method = services::RequestMethod(request);
  const std::vector<std::string_view> path =
      PathSegments(services::RequestPath(request));
  const bool get = method == "GET";
  const bool post = method == "POST";
  auto expect = [&](bool allowed, const char* allow, app::Route route) {
    exchange->route = route;
    if (allowed) return true;
    services::AddResponseHeader(request, "Allow", allow);
    ReplyError(*exchange, 405, std::string(method) + " is not allowed here");
    return false;
  };

  if (path.size() == 1 && path[0] == "health") {
    if (expect(get, "GET", app::Route::kHealth)) HandleHealth(exchange);
  } else if (path.size() == 1 && path[0] == "metrics") {
    if (expect(get, "GET", app::Route::kMetrics)) HandleMetrics(exchange);
  } else if (path.size() == 1 && path[0] == "patients") {
    if (expect(get, "GET", app::Route::kPatients)) HandlePatients(exchange);
  } else if (path.size() == 2 && path[0] == "patients") {
    if (expect(get, "GET", app::Route::kPatient))
      HandlePatient(exchange, std::string(path[1]), false);
  } else if (path.size() == 3 && path[0] == "patients" &&
             path[2] == "summary") {
    if (expect(get, "GET", app::Route::kPatientSummary))
      HandlePatient(exchange, std::string(path[1]), true);
  } else if (path.size() == 1 && path[0] == "encounters") {
    if (expect(get, "GET", app::Route::kEncounters))
      HandleRecords(exchange, RecordKind::kEncounters);
  } else if (path.size() == 1 && path[0] == "claims") {
    if (expect(get, "GET", app::Route::kClaims))
      HandleRecords(exchange, RecordKind::kClaims);
  } else if (path.size() == 1 && path[0] == "documents") {
    if (expect(get, "GET", app::Route::kDocuments))
      HandleRecords(exchange, RecordKind::kDocuments);
  } else if (path.size() == 1 && path[0] == "triage") {
    if (expect(post, "POST", app::Route::kTriage)) HandleTriage(exchange);
  } else if (path.size() == 1 && path[0] == "sessions") {
    if (expect(post, "POST", app::Route::kSessionCreate))
      HandleCreateSession(exchange);
  } else if (path.size() == 3 && path[0] == "sessions" && path[2] == "events") {
    if (post) {
      exchange->route = app::Route::kSessionEventPost;
      HandlePostEvent(exchange, std::string(path[1]));
    } else if (expect(get, "GET, POST", app::Route::kSessionEventList)) {
      HandleListEvents(exchange, std::string(path[1]));
    }
  } else {
    ReplyError(*exchange, 404, "no such route");
  }
}

void AppServer::Reply(Exchange& exchange, int status, const json& body) {
  if (exchange.gone()) return;
  evhttp_request* request = exchange.request;
  services::UnwatchClient(&exchange.watch);
  exchange.request = nullptr;
  services::AddResponseHeader(request, "X-Trace-Id", exchange.trace_id.c_str());
  services::SendResponse(request, status, kJson,
                         services::DumpJson(body) + "\n");
  metrics_.RecordRequest(
      exchange.route, status,
      std::chrono::duration<double>(Clock::now() - exchange.start).count());
}

void AppServer::ReplyError(Exchange& exchange, int status,
                           const std::string& message, const char* field) {
  json body = {{"error", message}, {"trace_id", exchange.trace_id}};
  if (field != nullptr) body["field"] = field;
  Reply(exchange, status, body);
}

void AppServer::ReplyDbError(Exchange& exchange, const DbOutcome& outcome) {
  switch (outcome.status) {
    case DbOutcome::Status::kPoolTimeout:
      ReplyError(exchange, 503, "database pool exhausted: " + outcome.error);
      return;
    case DbOutcome::Status::kBusy:
      ReplyError(exchange, 503, "database unavailable: " + outcome.error);
      return;
    case DbOutcome::Status::kOk:
    case DbOutcome::Status::kError:
      break;
  }
  ReplyError(exchange, 500, "database error: " + outcome.error);
}

void AppServer::HandleHealth(const ExchangePtr& exchange) {
  RunQuery(
      exchange,
      [](StorageConnection& connection) {
        connection.Ping();
        return true;
      },
      [this, exchange](bool) {
        Reply(*exchange, 200,
              {{"status", "ok"},
               {"db", storage_->backend()},
               {"patients", seed_report_.patients},
               {"rows", seed_report_.rows},
               {"seeded_now", seed_report_.seeded_now},
               {"seed_seconds", seed_report_.seconds}});
      });
}

void AppServer::HandleMetrics(const ExchangePtr& exchange) {
  GaugeSnapshot gauges;
  gauges.db_pool_size = db_->pool_size();
  gauges.db_pool_in_use = db_->in_use();
  gauges.db_pool_waiting = db_->waiting();
  gauges.db_pool_timeouts = db_->pool_timeouts();
  gauges.session_waiters = waiters_.size();
  gauges.agent_turns_in_flight = agent_turns_in_flight_.load();
  // Count this scrape before rendering so it shows in its own output.
  exchange->route = app::Route::kMetrics;
  evhttp_request* request = exchange->request;
  services::UnwatchClient(&exchange->watch);
  exchange->request = nullptr;
  metrics_.RecordRequest(app::Route::kMetrics, 200, 0);
  services::SendResponse(request, 200, "text/plain; version=0.0.4",
                         metrics_.Render(gauges));
}

}  // namespace loadgate::services::app
