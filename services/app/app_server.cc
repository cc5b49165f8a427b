#include "app/app_server.h"

#include <event2/event.h>
#include <event2/http.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

#include "common/http_client.h"
#include "common/http_util.h"
#include "common/json_text.h"

namespace app {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kJson = "application/json";
constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;
constexpr int kSummaryRecordsEach = 20;
constexpr int kPromptRecordsEach = 5;
constexpr int kMaxEventsPerPoll = 500;
constexpr int kAgentHistoryEvents = 40;
constexpr double kMaxWaitForDataSeconds = 30;

constexpr const char* kTriageInstruction =
    "You are a clinical triage assistant. Using the patient record below, "
    "answer the clinician's question concisely and flag anything urgent.";
constexpr const char* kAgentInstruction =
    "You are a patient-support agent for a hospital. Answer the customer "
    "helpfully and briefly.";

// 128 random bits as 32 hex digits: trace ids and session ids.
std::string NewId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char text[33];
  std::snprintf(text, sizeof(text), "%016llx%016llx",
                static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return text;
}

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

// The single client of the calling worker thread; AppServer's worker stop
// hook drops it before the loop's base is freed.
thread_local std::unique_ptr<services::HttpClient> thread_http_client;
services::HttpClient& HttpClientFor(event_base* base) {
  if (!thread_http_client)
    thread_http_client = std::make_unique<services::HttpClient>(base);
  return *thread_http_client;
}

json EventJson(const SessionEvent& event) {
  return {{"offset", event.offset},
          {"kind", event.kind},
          {"source", event.source},
          {"message", event.message},
          {"created_at", event.created_at}};
}

bool IsDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
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

bool ParseSeconds(std::string_view text, std::chrono::milliseconds* value) {
  double scale = 1000;
  if (text.ends_with("ms")) {
    scale = 1;
    text.remove_suffix(2);
  } else if (text.ends_with("s")) {
    text.remove_suffix(1);
  }
  double number = 0;
  if (!services::ParseDouble(text, &number) || number <= 0) return false;
  *value = std::chrono::milliseconds(static_cast<int64_t>(number * scale));
  return value->count() > 0;
}

}  // namespace

// One request from arrival to reply. Shared by the callbacks that work on
// it; `request` becomes null when the client goes away first.
struct AppServer::Exchange {
  AppServer* app = nullptr;
  evhttp_request* request = nullptr;
  event_base* base = nullptr;
  app::Route route = app::Route::kUnknown;
  Clock::time_point start;
  std::string trace_id;
  services::ClientWatch watch;
  std::function<void()> on_gone;  // set while a long poll waits

  ~Exchange() {
    // Only at shutdown does an exchange end unanswered with its watch set.
    if (request != nullptr) services::UnwatchClient(&watch);
    app->exchanges_in_flight_.fetch_sub(1);
  }
  bool gone() const { return request == nullptr; }
};

struct AppServer::Poll {
  ExchangePtr exchange;
  std::string session_id;
  int64_t min_offset = 0;
  bool wait = false;
  SessionWaiters::Waiter waiter;
  event* deadline = nullptr;
  bool querying = false;
  bool recheck = false;
  bool expired = false;
};

void ApplyEnvironment(AppOptions* options) {
  if (const char* url = std::getenv("LLM_URL")) options->llm_url = url;
  if (const char* api = std::getenv("LLM_API")) {
    if (auto parsed = ParseLlmApi(api)) options->llm.api = *parsed;
  }
  if (const char* model = std::getenv("LLM_MODEL")) options->llm.model = model;
  if (const char* key = std::getenv("LLM_API_KEY")) options->llm.api_key = key;
}

void RegisterFlags(services::FlagParser* parser, AppOptions* options) {
  parser->AddString("host", &options->host, "address to listen on");
  parser->AddInt("port", &options->port,
                 "port to listen on; 0 picks a free one (printed)");
  parser->AddInt("threads", &options->threads, "HTTP event-loop threads");
  parser->AddString("db", &options->db,
                    "sqlite:PATH or mongodb://HOST[:PORT]/DATABASE");
  parser->AddInt("db-pool", &options->db_pool,
                 "database connections (and DB worker threads)");
  parser->AddCustom(
      "db-wait-ms", "MS",
      [options](std::string_view value, std::string* error) {
        int64_t ms = 0;
        if (!services::ParseInt64(value, &ms) || ms <= 0) {
          *error = "must be a positive number of milliseconds";
          return false;
        }
        options->db_wait = std::chrono::milliseconds(ms);
        return true;
      },
      "longest wait for a free DB connection before 503");
  parser->AddString("llm-url", &options->llm_url,
                    "LLM base URL, http://HOST:PORT[/PREFIX] (env LLM_URL)");
  parser->AddCustom(
      "llm-api", "gemini|openai",
      [options](std::string_view value, std::string* error) {
        auto api = ParseLlmApi(value);
        if (!api) {
          *error = "must be gemini or openai";
          return false;
        }
        options->llm.api = *api;
        return true;
      },
      "LLM protocol (env LLM_API)");
  parser->AddString("llm-model", &options->llm.model,
                    "model name (env LLM_MODEL)");
  parser->AddString("llm-api-key", &options->llm.api_key,
                    "API key sent to the LLM (env LLM_API_KEY)");
  parser->AddCustom(
      "llm-timeout", "DURATION",
      [options](std::string_view value, std::string* error) {
        if (!ParseSeconds(value, &options->llm.timeout)) {
          *error = "must be a positive duration: 30, 2.5s or 500ms";
          return false;
        }
        return true;
      },
      "bound of one LLM call (seconds, or with s/ms)");
  services::RegisterReadTimeoutFlags(parser, &options->read_timeouts);
  parser->AddInt("patients", &options->seed.patients,
                 "patients in the seeded data set");
  parser->AddCustom(
      "seed", "N",
      [options](std::string_view value, std::string* error) {
        int64_t seed = 0;
        if (!services::ParseInt64(value, &seed) || seed < 0) {
          *error = "must be a non-negative integer";
          return false;
        }
        options->seed.seed = static_cast<uint64_t>(seed);
        return true;
      },
      "seed of the generated data set");
}

bool FinishOptions(AppOptions* options, std::string* error) {
  if (options->seed.patients < 0) {
    *error = "--patients must not be negative";
    return false;
  }
  if (options->db_pool < 1 || options->threads < 1) {
    *error = "--db-pool and --threads must be at least 1";
    return false;
  }
  return ParseLlmUrl(options->llm_url, &options->llm, error);
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

bool AppServer::Start(std::string* error) {
  try {
    seed_report_ = storage_->Prepare(options_.seed);
    db_ = std::make_unique<DbExecutor>(*storage_, options_.db_pool,
                                       options_.db_wait);
    db_->Start();
  } catch (const StorageError& e) {
    *error = std::string("database: ") + e.what();
    return false;
  }
  return http_->Start(error);
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

template <typename Work, typename OnResult>
void AppServer::RunQuery(const ExchangePtr& exchange, Work work,
                         OnResult on_result) {
  using Value = std::invoke_result_t<Work, StorageConnection&>;
  auto value = std::make_shared<std::optional<Value>>();
  db_->Submit(
      exchange->base,
      [value, work = std::move(work)](StorageConnection& connection) {
        value->emplace(work(connection));
      },
      [this, exchange, value,
       on_result = std::move(on_result)](const DbOutcome& outcome) {
        if (exchange->gone()) return;
        if (!outcome.ok()) {
          ReplyDbError(*exchange, outcome);
          return;
        }
        // An exception must not unwind into the event loop (a C library).
        try {
          on_result(std::move(**value));
        } catch (const std::exception& e) {
          ReplyInternalError(*exchange, e);
        }
      });
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

namespace {

// Reads ?limit= (1..kMaxPageSize); false with a 400 message otherwise.
bool ReadLimit(evhttp_request* request, int* limit, std::string* error) {
  *limit = kDefaultPageSize;
  std::optional<std::string> text = services::QueryParam(request, "limit");
  if (!text) return true;
  int64_t value = 0;
  if (!services::ParseInt64(*text, &value) || value < 1 ||
      value > kMaxPageSize) {
    *error =
        "limit must be an integer from 1 to " + std::to_string(kMaxPageSize);
    return false;
  }
  *limit = static_cast<int>(value);
  return true;
}

}  // namespace

void AppServer::HandlePatients(const ExchangePtr& exchange) {
  int limit = 0;
  std::string error;
  if (!ReadLimit(exchange->request, &limit, &error)) {
    ReplyError(*exchange, 400, error, "limit");
    return;
  }
  std::optional<std::string> cursor =
      services::QueryParam(exchange->request, "cursor");
  RunQuery(
      exchange,
      [limit, cursor](StorageConnection& connection) {
        return connection.ListPatients(limit, cursor);
      },
      [this, exchange](Page page) {
        Reply(*exchange, 200,
              {{"items", std::move(page.items)}, {"next", page.next}});
      });
}

void AppServer::HandlePatient(const ExchangePtr& exchange, std::string mrn,
                              bool summary) {
  RunQuery(
      exchange,
      [mrn, summary](StorageConnection& connection) {
        return summary ? connection.GetSummary(mrn, kSummaryRecordsEach)
                       : connection.GetPatient(mrn);
      },
      [this, exchange, mrn](std::optional<json> found) {
        if (!found) {
          ReplyError(*exchange, 404, "unknown mrn " + mrn, "mrn");
          return;
        }
        Reply(*exchange, 200, *found);
      });
}

void AppServer::HandleRecords(const ExchangePtr& exchange, RecordKind kind) {
  evhttp_request* request = exchange->request;
  RecordFilter filter;
  std::string error;
  if (!ReadLimit(request, &filter.limit, &error)) {
    ReplyError(*exchange, 400, error, "limit");
    return;
  }
  filter.mrn = services::QueryParam(request, "mrn");
  if (kind != RecordKind::kDocuments)
    filter.status = services::QueryParam(request, "status");
  if (kind == RecordKind::kEncounters)
    filter.type = services::QueryParam(request, "type");
  if (kind == RecordKind::kDocuments)
    filter.type = services::QueryParam(request, "kind");
  for (auto [name, target] :
       {std::pair{"from", &filter.from}, std::pair{"to", &filter.to}}) {
    *target = services::QueryParam(request, name);
    if (*target && !IsDate(**target)) {
      ReplyError(*exchange, 400,
                 std::string(name) + " must be a date YYYY-MM-DD", name);
      return;
    }
  }
  if (std::optional<std::string> cursor =
          services::QueryParam(request, "cursor")) {
    int64_t after = 0;
    if (!services::ParseInt64(*cursor, &after) || after < 0) {
      ReplyError(*exchange, 400, "cursor must be a record id", "cursor");
      return;
    }
    filter.after_id = after;
  }
  RunQuery(
      exchange,
      [kind, filter](StorageConnection& connection) {
        return connection.ListRecords(kind, filter);
      },
      [this, exchange](Page page) {
        Reply(*exchange, 200,
              {{"items", std::move(page.items)}, {"next", page.next}});
      });
}

namespace {

// The JSON object body of a request, or nullopt with a 400 message.
std::optional<json> ReadJsonObject(evhttp_request* request,
                                   std::string* error) {
  json body;
  if (!services::ParseJsonBody(services::RequestBody(request), &body, error))
    return std::nullopt;
  if (!body.is_object()) {
    *error = "the body must be a JSON object";
    return std::nullopt;
  }
  return body;
}

// A required non-empty string field; false with a 400 message otherwise.
bool ReadString(const json& body, const char* field, std::string* value,
                std::string* error) {
  auto found = body.find(field);
  if (found == body.end()) {
    *error = std::string("missing field '") + field + "'";
    return false;
  }
  if (!found->is_string() || found->get_ref<const std::string&>().empty()) {
    *error = std::string("field '") + field + "' must be a non-empty string";
    return false;
  }
  *value = found->get<std::string>();
  return true;
}

// The prompt context: the summary without document bodies beyond a few.
std::string PatientContext(const json& summary) {
  json context = summary;
  for (const char* kind : {"encounters", "claims", "documents"}) {
    json& records = context[kind];
    if (records.is_array() &&
        static_cast<int>(records.size()) > kPromptRecordsEach)
      records.erase(records.begin() + kPromptRecordsEach, records.end());
  }
  return "Patient record (JSON): " + services::DumpJson(context);
}

}  // namespace

void AppServer::RecordLlm(const LlmResult& result) {
  const LlmCallOutcome outcome =
      result.outcome == LlmResult::Outcome::kOk ? LlmCallOutcome::kOk
      : result.outcome == LlmResult::Outcome::kTimeout
          ? LlmCallOutcome::kTimeout
          : LlmCallOutcome::kError;
  metrics_.RecordLlmCall(outcome, result.latency_ms / 1000);
}

void AppServer::HandleTriage(const ExchangePtr& exchange) {
  std::string error, mrn, query;
  std::optional<json> body = ReadJsonObject(exchange->request, &error);
  if (!body) {
    ReplyError(*exchange, 400, error);
    return;
  }
  for (auto [field, target] :
       {std::pair{"mrn", &mrn}, std::pair{"query", &query}}) {
    if (!ReadString(*body, field, target, &error)) {
      ReplyError(*exchange, 400, error, field);
      return;
    }
  }
  RunQuery(
      exchange,
      [mrn](StorageConnection& connection) {
        return connection.GetSummary(mrn, kPromptRecordsEach);
      },
      [this, exchange, mrn, query](std::optional<json> summary) {
        if (!summary) {
          ReplyError(*exchange, 404, "unknown mrn " + mrn, "mrn");
          return;
        }
        LlmPrompt prompt;
        prompt.system = kTriageInstruction;
        prompt.messages.push_back(
            {true, PatientContext(*summary) + "\n\nQuestion: " + query});
        CallLlm(HttpClientFor(exchange->base), options_.llm, prompt,
                exchange->trace_id, [this, exchange](LlmResult result) {
                  RecordLlm(result);
                  switch (result.outcome) {
                    case LlmResult::Outcome::kOk:
                      Reply(*exchange, 200,
                            {{"response", result.text},
                             {"trace_id", exchange->trace_id},
                             {"model", result.model},
                             {"usage",
                              {{"prompt_tokens", result.prompt_tokens},
                               {"completion_tokens", result.completion_tokens},
                               {"total_tokens", result.total_tokens}}},
                             {"latency_ms", result.latency_ms}});
                      return;
                    case LlmResult::Outcome::kTimeout:
                      ReplyError(*exchange, 504, result.error);
                      return;
                    case LlmResult::Outcome::kError:
                      break;
                  }
                  json body = {{"error", result.error},
                               {"trace_id", exchange->trace_id}};
                  if (result.upstream_status != 0)
                    body["upstream_status"] = result.upstream_status;
                  Reply(*exchange, 502, body);
                });
      });
}

void AppServer::HandleCreateSession(const ExchangePtr& exchange) {
  std::string mrn;
  if (!services::RequestBody(exchange->request).empty()) {
    std::string error;
    std::optional<json> body = ReadJsonObject(exchange->request, &error);
    if (!body) {
      ReplyError(*exchange, 400, error);
      return;
    }
    if (body->contains("mrn") && !ReadString(*body, "mrn", &mrn, &error)) {
      ReplyError(*exchange, 400, error, "mrn");
      return;
    }
  }
  RunQuery(
      exchange,
      [mrn](StorageConnection& connection) -> std::optional<std::string> {
        if (!mrn.empty() && !connection.GetPatient(mrn)) return std::nullopt;
        std::string id = NewId();
        connection.CreateSession(id, mrn);
        return id;
      },
      [this, exchange, mrn](std::optional<std::string> id) {
        if (!id) {
          ReplyError(*exchange, 404, "unknown mrn " + mrn, "mrn");
          return;
        }
        json body = {{"id", *id}};
        if (!mrn.empty()) body["mrn"] = mrn;
        Reply(*exchange, 201, body);
      });
}

void AppServer::HandlePostEvent(const ExchangePtr& exchange,
                                std::string session_id) {
  std::string error, kind, source, message;
  std::optional<json> body = ReadJsonObject(exchange->request, &error);
  if (!body) {
    ReplyError(*exchange, 400, error);
    return;
  }
  for (auto [field, target] :
       {std::pair{"kind", &kind}, std::pair{"source", &source},
        std::pair{"message", &message}}) {
    if (!ReadString(*body, field, target, &error)) {
      ReplyError(*exchange, 400, error, field);
      return;
    }
  }
  if (kind != "message") {
    ReplyError(*exchange, 400, "kind must be \"message\"", "kind");
    return;
  }
  if (source != "customer") {
    ReplyError(*exchange, 400, "source must be \"customer\"", "source");
    return;
  }
  RunQuery(
      exchange,
      [session_id, kind, source, message](StorageConnection& connection) {
        return connection.AppendEvent(session_id, kind, source, message);
      },
      [this, exchange, session_id](std::optional<int64_t> offset) {
        if (!offset) {
          ReplyError(*exchange, 404, "unknown session " + session_id,
                     "session");
          return;
        }
        // Committed: acknowledge, wake the long polls, then answer.
        Reply(*exchange, 201, {{"offset", *offset}});
        waiters_.Notify(session_id, *offset);
        StartAgentTurn(exchange->base, session_id, *offset);
      });
}

void AppServer::HandleListEvents(const ExchangePtr& exchange,
                                 std::string session_id) {
  evhttp_request* request = exchange->request;
  auto poll = std::make_unique<Poll>();
  poll->exchange = exchange;
  poll->session_id = std::move(session_id);
  if (auto text = services::QueryParam(request, "min_offset")) {
    if (!services::ParseInt64(*text, &poll->min_offset) ||
        poll->min_offset < 0) {
      ReplyError(*exchange, 400, "min_offset must be a non-negative integer",
                 "min_offset");
      return;
    }
  }
  double wait_seconds = 0;
  if (auto text = services::QueryParam(request, "wait_for_data")) {
    if (!services::ParseDouble(*text, &wait_seconds) ||
        !(wait_seconds >= 0)) {  // NaN too
      ReplyError(*exchange, 400,
                 "wait_for_data must be a non-negative number of seconds",
                 "wait_for_data");
      return;
    }
  }
  wait_seconds = std::min(wait_seconds, kMaxWaitForDataSeconds);
  poll->wait = wait_seconds > 0;
  if (poll->wait) {
    poll->waiter.session_id = poll->session_id;
    poll->waiter.min_offset = poll->min_offset;
    poll->waiter.wake =
        event_new(exchange->base, -1, 0, &AppServer::OnPollWake, poll.get());
    poll->deadline =
        evtimer_new(exchange->base, &AppServer::OnPollDeadline, poll.get());
    const auto wait_us = static_cast<int64_t>(wait_seconds * 1e6);
    timeval wait{static_cast<time_t>(wait_us / 1000000),
                 static_cast<suseconds_t>(wait_us % 1000000)};
    evtimer_add(poll->deadline, &wait);
  }
  StartPoll(poll.release());
}

void AppServer::StartPoll(Poll* poll) {
  // Register before the first query: an event committed while it runs
  // then wakes the poll instead of slipping between query and wait.
  if (poll->wait) waiters_.Add(&poll->waiter);
  poll->exchange->on_gone = [this, poll] {
    if (!poll->querying) FinishPoll(poll);
  };
  QueryPoll(poll);
}

void AppServer::QueryPoll(Poll* poll) {
  poll->querying = true;
  poll->recheck = false;
  auto events = std::make_shared<std::optional<std::vector<SessionEvent>>>();
  db_->Submit(
      poll->exchange->base,
      [events, session_id = poll->session_id,
       min_offset = poll->min_offset](StorageConnection& connection) {
        *events =
            connection.ListEvents(session_id, min_offset, kMaxEventsPerPoll);
      },
      [this, poll, events](const DbOutcome& outcome) {
        poll->querying = false;
        Exchange& exchange = *poll->exchange;
        if (exchange.gone()) {
          FinishPoll(poll);
          return;
        }
        if (!outcome.ok()) {
          ReplyDbError(exchange, outcome);
        } else if (!*events) {
          ReplyError(exchange, 404, "unknown session " + poll->session_id,
                     "session");
        } else if (!(*events)->empty() || !poll->wait || poll->expired) {
          json list = json::array();
          for (const SessionEvent& event : **events)
            list.push_back(EventJson(event));
          Reply(exchange, 200, {{"events", std::move(list)}});
        } else {
          if (poll->recheck) QueryPoll(poll);
          return;  // keep waiting for a wake-up or the deadline
        }
        FinishPoll(poll);
      });
}

void AppServer::OnPollWake(int, short, void* arg) {
  auto* poll = static_cast<Poll*>(arg);
  if (poll->querying) {
    poll->recheck = true;
  } else {
    poll->exchange->app->QueryPoll(poll);
  }
}

void AppServer::OnPollDeadline(int, short, void* arg) {
  auto* poll = static_cast<Poll*>(arg);
  poll->expired = true;
  if (poll->querying) return;  // the running query answers
  AppServer* app = poll->exchange->app;
  app->Reply(*poll->exchange, 200, {{"events", json::array()}});
  app->FinishPoll(poll);
}

void AppServer::FinishPoll(Poll* poll) {
  if (poll->wait) {
    waiters_.Remove(&poll->waiter);
    event_free(poll->waiter.wake);
    event_free(poll->deadline);
  }
  poll->exchange->on_gone = nullptr;
  delete poll;
}

void AppServer::StartAgentTurn(event_base* base, std::string session_id,
                               int64_t offset) {
  agent_turns_in_flight_.fetch_add(1);
  struct Context {
    std::optional<std::vector<SessionEvent>> history;
    std::optional<json> summary;
  };
  auto context = std::make_shared<Context>();
  db_->Submit(
      base,
      [context, session_id, offset](StorageConnection& connection) {
        const int64_t first =
            std::max<int64_t>(0, offset - kAgentHistoryEvents + 1);
        context->history = connection.ListEvents(
            session_id, first, static_cast<int>(offset - first + 1));
        if (std::optional<std::string> mrn = connection.FindSession(session_id);
            mrn && !mrn->empty())
          context->summary = connection.GetSummary(*mrn, kPromptRecordsEach);
      },
      [this, base, context, session_id](const DbOutcome& outcome) {
        if (!outcome.ok() || !context->history) {
          std::fprintf(stderr, "agent turn for session %s: %s\n",
                       session_id.c_str(), outcome.error.c_str());
          agent_turns_in_flight_.fetch_sub(1);
          return;
        }
        LlmPrompt prompt;
        prompt.system = kAgentInstruction;
        if (context->summary)
          prompt.system += "\n" + PatientContext(*context->summary);
        for (const SessionEvent& event : *context->history) {
          if (event.kind != "message") continue;
          prompt.messages.push_back({event.source != "agent", event.message});
        }
        const std::string trace_id = NewId();
        CallLlm(HttpClientFor(base), options_.llm, prompt, trace_id,
                [this, base, session_id, trace_id](LlmResult result) {
                  RecordLlm(result);
                  if (result.outcome == LlmResult::Outcome::kOk) {
                    StoreAgentEvent(base, session_id, "message",
                                    std::move(result.text));
                  } else {
                    // Waiting clients learn that no answer is coming.
                    StoreAgentEvent(base, session_id, "error",
                                    result.error + " (trace " + trace_id + ")");
                  }
                });
      });
}

void AppServer::StoreAgentEvent(event_base* base, std::string session_id,
                                std::string kind, std::string message) {
  auto offset = std::make_shared<std::optional<int64_t>>();
  db_->Submit(
      base,
      [offset, session_id, kind = std::move(kind),
       message = std::move(message)](StorageConnection& connection) {
        *offset = connection.AppendEvent(session_id, kind, "agent", message);
      },
      [this, offset, session_id](const DbOutcome& outcome) {
        if (outcome.ok() && *offset) {
          waiters_.Notify(session_id, **offset);
        } else {
          std::fprintf(stderr, "agent reply for session %s not stored: %s\n",
                       session_id.c_str(), outcome.error.c_str());
        }
        agent_turns_in_flight_.fetch_sub(1);
      });
}

}  // namespace app
