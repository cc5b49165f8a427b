// What a run sends: requests, checks on their responses, data that fills
// their templates, and multi-step flows that carry values from one response
// into the next request.
#ifndef LOADGATE_SCENARIO_H_
#define LOADGATE_SCENARIO_H_

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "loadgate/llm_traffic.h"

namespace loadgate {

using Header = std::pair<std::string, std::string>;

// A condition on a response. A request with no checks passes when its status
// is below 400.
struct Check {
  enum class Kind {
    kStatus,        // status == status
    kJsonPresent,   // the JSON pointer resolves in the body
    kJsonEquals,    // the JSON pointer resolves to `expected` (JSON text)
    kBodyContains,  // the body contains `expected` verbatim
  };
  Kind kind = Kind::kStatus;
  int status = 200;
  std::string pointer;  // RFC 6901, e.g. "/items/0/mrn"
  std::string expected;

  static Check Status(int status);
  static Check JsonPresent(std::string pointer);
  static Check JsonEquals(std::string pointer, std::string expected_json);
  static Check BodyContains(std::string text);
  std::string Describe() const;  // e.g. "status == 200", "/id present"
};

// Takes a value out of a response body into a flow variable, so a later
// step's templates can use it as {variable}. A string is taken as is; any
// other JSON value as its JSON text.
struct Capture {
  std::string variable;
  std::string pointer;
};

// How a response body is read as it arrives.
enum class StreamFormat {
  // Server-Sent Events when Content-Type is text/event-stream; a JSON body
  // (application/json, +json) is read for token usage ("usage",
  // "usageMetadata") once complete.
  kAuto,
  kNone,       // never parsed as a stream, nor read for token usage
  kSse,        // Server-Sent Events
  kJsonArray,  // a streamed JSON array of chunks (Gemini without alt=sse)
};

struct Request {
  std::string name;  // the tag it is reported under; default "METHOD path"
  std::string method = "GET";
  // Absolute, or relative to Scenario::base_url (resolved as a browser
  // resolves a link: "/x" replaces the base path, "x" its last segment).
  // "{name}" placeholders (name: letters, digits, '_', '-', '.') in the
  // URL's path and query, header values and body are filled from data sets
  // and captures; "{{" is a literal brace, and any other '{' is literal, so
  // JSON bodies need no escaping. An unknown name is an error when the run
  // starts. Values are percent-encoded in the URL where the request line
  // requires it (space, quotes, non-ASCII, ...) and lose CR/LF in headers.
  // The scheme, host and port must be literal (hosts resolve once).
  std::string url;
  std::vector<Header> headers;
  std::string body;
  double weight = 1;  // share among the flows of a scenario (one-step flows)
  std::chrono::nanoseconds timeout = std::chrono::seconds(60);
  std::vector<Check> checks;
  std::vector<Capture> captures;
  StreamFormat stream = StreamFormat::kAuto;
  // The most of one response loadgate holds in memory at a time: an SSE
  // line or event, a streamed JSON array element, or a body kept for
  // checks and captures. A response that needs more fails as
  // response_too_large, so a hostile server cannot exhaust memory.
  size_t max_buffered_bytes = 16 * 1024 * 1024;
};

// Repeats a step until every `until` check passes (e.g. long-polling for an
// agent's reply). Each attempt is recorded under the step's tag; running out
// of attempts fails the flow.
struct Poll {
  std::vector<Check> until;
  int max_attempts = 60;
  std::chrono::nanoseconds interval = std::chrono::milliseconds(100);
};

struct Step {
  Request request;
  std::optional<Poll> poll;
};

// A sequence of steps run by one iteration. A failed step (an error of any
// kind) ends the iteration: later steps would lack its captures. When
// `metric` is set, the time from the flow's start (its intended start in
// open models) to the end of its last step is recorded as that custom
// metric, failed when any step failed. A flow with `llm` set has no steps:
// each iteration replays one conversation, a request per turn reported
// under the flow's name, and `metric` times the whole conversation.
struct Flow {
  std::string name;
  double weight = 1;
  std::vector<Step> steps;
  std::string metric;
  std::optional<LlmConversations> llm;
};

// Rows of template variables. Each iteration takes the next row (in order,
// wrapping, shared across worker threads, or at random), so {mrn} and
// {query} from one row stay together.
struct DataSet {
  enum class Order { kSequential, kRandom };
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  Order order = Order::kSequential;

  static DataSet FromValues(std::string column,
                            std::vector<std::string> values);
  // The header row names the columns. Throws std::runtime_error naming the
  // file and line on malformed input.
  static DataSet FromCsvFile(const std::string& path);
  // An array of flat objects; keys are the columns (in order of first
  // appearance). Strings are taken as is, other values as JSON text, null or
  // a missing key as "". Throws std::runtime_error naming the file (and the
  // line of a JSON syntax error).
  static DataSet FromJsonFile(const std::string& path);
};

struct Scenario {
  std::string name;
  std::string base_url;
  std::vector<Header> headers;  // sent with every request
  std::vector<DataSet> data;
  std::vector<Flow> flows;
  bool verify_tls = true;
  // Extra trusted certificates (PEM text), added to the system trust store
  // for https:// targets, e.g. a test server's self-signed certificate.
  std::string tls_ca_pem;
  // Per-request objectives behind goodput / SLO attainment (0 = none). A
  // request counts as good only when it meets every one that is set, all
  // for itself: e.g. TTFT <= 500 ms and TPOT <= 50 ms for the same stream.
  // TTFT, TPOT and the longest inter-token gap (max ITL) judge streams only
  // (see MeetsRequestObjectives in metrics.h).
  std::chrono::nanoseconds request_latency_objective{0};
  std::chrono::nanoseconds request_ttft_objective{0};
  std::chrono::nanoseconds request_tpot_objective{0};
  std::chrono::nanoseconds request_max_itl_objective{0};

  // Adds `request` as a one-step flow with the request's weight.
  Scenario& Add(Request request);
  Scenario& Add(Flow flow);
  // Tag names in the order the engine numbers them (each step's request
  // name, de-duplicated), and custom metric names.
  std::vector<std::string> TagNames() const;
  std::vector<std::string> CustomMetricNames() const;
};

}  // namespace loadgate

#endif  // LOADGATE_SCENARIO_H_
