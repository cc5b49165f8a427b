// Agent sessions of the AppServer: creating a session, posting a customer
// event, listing events with long polls (wait_for_data), and the agent's
// background turn that answers each customer event through the LLM.
#include <event2/event.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/app_server.h"
#include "app/app_server_internal.h"
#include "common/flags.h"

namespace loadgate::services::app {
namespace {

using nlohmann::json;

constexpr int kMaxEventsPerPoll = 500;
constexpr int kAgentHistoryEvents = 40;
constexpr double kMaxWaitForDataSeconds = 30;

constexpr const char* kAgentInstruction =
    "You are a patient-support agent for a hospital. Answer the customer "
    "helpfully and briefly.";

json EventJson(const SessionEvent& event) {
  return {{"offset", event.offset},
          {"kind", event.kind},
          {"source", event.source},
          {"message", event.message},
          {"created_at", event.created_at}};
}

}  // namespace

void AppServer::HandleCreateSession(const ExchangePtr& exchange) {
  std::string mrn;
  if (!services::RequestBody(exchange->request).empty()) {
    Result<json> body = ReadJsonObject(exchange->request);
    if (!body.ok()) {
      ReplyError(*exchange, 400, body.error());
      return;
    }
    if (body->contains("mrn")) {
      Result<std::string> read = ReadString(*body, "mrn");
      if (!read.ok()) {
        ReplyError(*exchange, 400, read.error(), "mrn");
        return;
      }
      mrn = std::move(*read);
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
  Result<json> body = ReadJsonObject(exchange->request);
  if (!body.ok()) {
    ReplyError(*exchange, 400, body.error());
    return;
  }
  std::string kind, source, message;
  for (auto [field, target] :
       {std::pair{"kind", &kind}, std::pair{"source", &source},
        std::pair{"message", &message}}) {
    Result<std::string> value = ReadString(*body, field);
    if (!value.ok()) {
      ReplyError(*exchange, 400, value.error(), field);
      return;
    }
    *target = std::move(*value);
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
    const std::optional<int64_t> min_offset = ParseInt64(*text);
    if (!min_offset || *min_offset < 0) {
      ReplyError(*exchange, 400, "min_offset must be a non-negative integer",
                 "min_offset");
      return;
    }
    poll->min_offset = *min_offset;
  }
  double wait_seconds = 0;
  if (auto text = services::QueryParam(request, "wait_for_data")) {
    const std::optional<double> seconds = ParseDouble(*text);
    if (!seconds || !(*seconds >= 0)) {  // NaN too
      ReplyError(*exchange, 400,
                 "wait_for_data must be a non-negative number of seconds",
                 "wait_for_data");
      return;
    }
    wait_seconds = *seconds;
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

}  // namespace loadgate::services::app
