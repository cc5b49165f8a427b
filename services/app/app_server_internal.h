// Private to the AppServer sources (app_server.cc and the route groups
// db_api.cc, triage_api.cc, session_api.cc): the per-request state, the
// query helper they share, and the request-body readers.
#ifndef SERVICES_APP_APP_SERVER_INTERNAL_H_
#define SERVICES_APP_APP_SERVER_INTERNAL_H_

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "app/app_server.h"
#include "common/http_client.h"
#include "common/http_util.h"
#include "common/status.h"

namespace loadgate::services::app {

using Clock = std::chrono::steady_clock;

// Records of each kind a prompt shows of a patient.
inline constexpr int kPromptRecordsEach = 5;

// 128 random bits as 32 hex digits: trace ids and session ids.
std::string NewId();

// The asynchronous HTTP client of the calling loop thread.
services::HttpClient& HttpClientFor(event_base* base);

// The prompt context: the patient summary, without records beyond
// kPromptRecordsEach of each kind.
std::string PatientContext(const nlohmann::json& summary);

// The JSON object body of a request; fails with a 400 message.
Result<nlohmann::json> ReadJsonObject(evhttp_request* request);
// A required non-empty string field; fails with a 400 message.
Result<std::string> ReadString(const nlohmann::json& body, const char* field);

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

}  // namespace loadgate::services::app

#endif  // SERVICES_APP_APP_SERVER_INTERNAL_H_
