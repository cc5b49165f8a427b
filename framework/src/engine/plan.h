// A Scenario compiled for the engine: validated once, with templates split
// into segments, checks parsed, hosts resolved and every name turned into an
// index, so the workers' hot paths never look anything up by string.
#ifndef LOADGATE_ENGINE_PLAN_H_
#define LOADGATE_ENGINE_PLAN_H_

#include <sys/socket.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "engine/template.h"
#include "loadgate/metrics.h"
#include "loadgate/scenario.h"

namespace loadgate::engine {

// The tag a request is reported under: its name, else "METHOD path".
std::string TagNameOf(const Request& request);

// Whether every iteration of `scenario` is one request (every flow has one
// step, every conversation of an LLM flow one turn), so that an open model's
// iterations/s are requests/s.
bool IterationsAreRequests(const Scenario& scenario);

// Where requests go: one per distinct scheme/host/port.
struct Origin {
  std::string host;
  uint16_t port = 0;
  bool tls = false;
  std::string host_header;  // "host[:port]"
  struct Address {
    sockaddr_storage storage{};
    socklen_t length = 0;
  };
  std::vector<Address> addresses;  // resolved once, in getaddrinfo order
};

struct CompiledCheck {
  Check::Kind kind = Check::Kind::kStatus;
  int status = 0;
  nlohmann::json::json_pointer pointer;
  nlohmann::json expected_json;  // kJsonEquals
  std::string text;              // kBodyContains
  bool needs_json() const {
    return kind == Check::Kind::kJsonPresent ||
           kind == Check::Kind::kJsonEquals;
  }
};

struct CompiledCapture {
  int variable = 0;  // slot
  nlohmann::json::json_pointer pointer;
};

struct CompiledStep {
  uint16_t tag = 0;
  int origin = 0;
  std::string method;
  bool head = false;  // HEAD: the response has no body
  Template target;    // path + query
  // Scenario headers then request headers; names literal.
  std::vector<std::pair<std::string, Template>> headers;
  Template body;
  int64_t timeout_ns = 0;
  StreamFormat stream = StreamFormat::kAuto;
  size_t max_buffered_bytes = 0;  // Request::max_buffered_bytes
  std::vector<CompiledCheck> checks;
  bool has_status_check = false;
  std::vector<CompiledCapture> captures;
  bool poll = false;
  std::vector<CompiledCheck> until;
  int max_attempts = 1;
  int64_t interval_ns = 0;
  // Whether the body is buffered (checks, captures, poll conditions need
  // it) and parsed as JSON.
  bool needs_body = false;
  bool needs_json = false;
  // An LLM conversation's turn: its answer text is read from the stream's
  // chunks, or from the whole body (kept up to max_buffered_bytes) when the
  // response is not streamed.
  bool llm_answer = false;
};

struct CompiledFlow {
  // An LLM conversation flow has one step: the request every turn is sent
  // as, its body built from the conversation (llm_body.h).
  std::vector<CompiledStep> steps;
  int metric = -1;                        // custom metric index, -1 for none
  const LlmConversations* llm = nullptr;  // owned by the Scenario
  // The RunControl::sequences counter that hands out its conversations.
  int conversation_sequence = -1;
};

// A data set bound to variable slots.
struct CompiledData {
  const DataSet* data = nullptr;  // owned by the Scenario, outlives the run
  std::vector<int> column_slots;
};

struct Plan {
  std::vector<std::string> tag_names;
  std::vector<std::string> metric_names;
  std::vector<std::string> variables;  // slot -> name
  std::vector<Origin> origins;
  std::vector<CompiledFlow> flows;
  std::vector<double> cumulative_weights;  // for the weighted flow choice
  std::vector<CompiledData> data;
  // Shared sequence counters a run needs (RunControl::sequences): one per
  // data set (its rows), then one per LLM flow (its conversations).
  size_t sequences = 0;
  size_t max_headers = 0;  // across steps, for the workers' scratch space
  bool any_tls = false;
  bool verify_tls = true;
  std::string tls_ca_pem;
  RequestObjectives objectives;

  // Index of the flow whose cumulative weight bracket holds `u` in [0, 1).
  int ChooseFlow(double u) const;
};

// Validates and compiles `scenario` (which must outlive the plan). Throws
// std::invalid_argument naming the field, e.g.
// "scenario.flows[0].steps[1].request.url: ...".
Plan CompilePlan(const Scenario& scenario);

}  // namespace loadgate::engine

#endif  // LOADGATE_ENGINE_PLAN_H_
