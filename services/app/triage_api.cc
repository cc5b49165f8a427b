// The chat API of the AppServer: POST /triage asks the LLM about a patient
// record; RecordLlm counts every LLM call, the agent's included.
#include <optional>
#include <string>
#include <utility>

#include "app/app_server.h"
#include "app/app_server_internal.h"
#include "common/json_text.h"

namespace loadgate::services::app {
namespace {

using nlohmann::json;

constexpr const char* kTriageInstruction =
    "You are a clinical triage assistant. Using the patient record below, "
    "answer the clinician's question concisely and flag anything urgent.";

}  // namespace

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

void AppServer::RecordLlm(const LlmResult& result) {
  const LlmCallOutcome outcome =
      result.outcome == LlmResult::Outcome::kOk ? LlmCallOutcome::kOk
      : result.outcome == LlmResult::Outcome::kTimeout
          ? LlmCallOutcome::kTimeout
          : LlmCallOutcome::kError;
  metrics_.RecordLlmCall(outcome, result.latency_ms / 1000);
}

void AppServer::HandleTriage(const ExchangePtr& exchange) {
  Result<json> body = ReadJsonObject(exchange->request);
  if (!body.ok()) {
    ReplyError(*exchange, 400, body.error());
    return;
  }
  std::string mrn, query;
  for (auto [field, target] :
       {std::pair{"mrn", &mrn}, std::pair{"query", &query}}) {
    Result<std::string> value = ReadString(*body, field);
    if (!value.ok()) {
      ReplyError(*exchange, 400, value.error(), field);
      return;
    }
    *target = std::move(*value);
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
                  ReplyTriage(*exchange, result);
                });
      });
}

void AppServer::ReplyTriage(Exchange& exchange, const LlmResult& result) {
  switch (result.outcome) {
    case LlmResult::Outcome::kOk:
      Reply(exchange, 200,
            {{"response", result.text},
             {"trace_id", exchange.trace_id},
             {"model", result.model},
             {"usage",
              {{"prompt_tokens", result.prompt_tokens},
               {"completion_tokens", result.completion_tokens},
               {"total_tokens", result.total_tokens}}},
             {"latency_ms", result.latency_ms}});
      return;
    case LlmResult::Outcome::kTimeout:
      ReplyError(exchange, 504, result.error);
      return;
    case LlmResult::Outcome::kError:
      break;
  }
  json body = {{"error", result.error}, {"trace_id", exchange.trace_id}};
  if (result.upstream_status != 0)
    body["upstream_status"] = result.upstream_status;
  Reply(exchange, 502, body);
}

}  // namespace loadgate::services::app
