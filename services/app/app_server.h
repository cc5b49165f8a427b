#ifndef SERVICES_APP_APP_SERVER_H_
#define SERVICES_APP_APP_SERVER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include "app/app_metrics.h"
#include "app/app_options.h"
#include "app/db_executor.h"
#include "app/llm_client.h"
#include "app/session_waiters.h"
#include "app/storage.h"
#include "common/http_server.h"
#include "common/status.h"

struct evhttp_request;
struct event_base;

namespace loadgate::services::app {

// The sample application: the DB API, the chat API (/triage) and agent
// sessions over one Storage. HTTP runs on `threads` libevent loops; database
// calls run on the DbExecutor's pool and outgoing LLM calls on the loops'
// asynchronous HTTP clients, so no loop ever blocks. Implemented in
// app_server.cc (startup, routing, replies), db_api.cc, triage_api.cc and
// session_api.cc (one route group each).
class AppServer {
 public:
  AppServer(AppOptions options, std::unique_ptr<Storage> storage);
  ~AppServer();
  AppServer(const AppServer&) = delete;
  AppServer& operator=(const AppServer&) = delete;

  // Creates and seeds the data set when missing, opens the pool, binds.
  Status Start();
  int port() const { return http_->port(); }
  void Wait() { http_->Wait(); }
  void Stop() { http_->Stop(); }
  const SeedReport& seed_report() const { return seed_report_; }

 private:
  struct Exchange;
  struct Poll;
  using ExchangePtr = std::shared_ptr<Exchange>;

  void Handle(evhttp_request* request);
  void Dispatch(const ExchangePtr& exchange);
  void Reply(Exchange& exchange, int status, const nlohmann::json& body);
  void ReplyError(Exchange& exchange, int status, const std::string& message,
                  const char* field = nullptr);
  void ReplyDbError(Exchange& exchange, const DbOutcome& outcome);
  // A 500 for a request whose handling threw (logged with its trace id).
  void ReplyInternalError(Exchange& exchange, const std::exception& error);
  // Runs `work` on the pool and `on_result` with its value back on the
  // exchange's loop; replies 503/500 itself when the database fails.
  template <typename Work, typename OnResult>
  void RunQuery(const ExchangePtr& exchange, Work work, OnResult on_result);

  void HandleHealth(const ExchangePtr& exchange);
  void HandleMetrics(const ExchangePtr& exchange);
  void HandlePatients(const ExchangePtr& exchange);
  void HandlePatient(const ExchangePtr& exchange, std::string mrn,
                     bool summary);
  void HandleRecords(const ExchangePtr& exchange, RecordKind kind);
  void HandleTriage(const ExchangePtr& exchange);
  // Answers a triage request with the LLM's result (200, 504 or 502).
  void ReplyTriage(Exchange& exchange, const LlmResult& result);
  void HandleCreateSession(const ExchangePtr& exchange);
  void HandlePostEvent(const ExchangePtr& exchange, std::string session_id);
  void HandleListEvents(const ExchangePtr& exchange, std::string session_id);

  // Long polls.
  void StartPoll(Poll* poll);
  void QueryPoll(Poll* poll);
  void FinishPoll(Poll* poll);
  static void OnPollWake(int fd, short what, void* arg);
  static void OnPollDeadline(int fd, short what, void* arg);

  // The agent's reply to the customer event at `offset`, produced in the
  // background on `base` and stored as an event of source "agent".
  void StartAgentTurn(event_base* base, std::string session_id, int64_t offset);
  void StoreAgentEvent(event_base* base, std::string session_id,
                       std::string kind, std::string message);
  void RecordLlm(const LlmResult& result);

  AppOptions options_;
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<DbExecutor> db_;
  std::unique_ptr<services::HttpServer> http_;
  SessionWaiters waiters_;
  AppMetrics metrics_;
  SeedReport seed_report_;
  std::atomic<int64_t> exchanges_in_flight_{0};
  std::atomic<int64_t> agent_turns_in_flight_{0};
};

}  // namespace loadgate::services::app

#endif  // SERVICES_APP_APP_SERVER_H_
