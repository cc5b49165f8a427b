#include "engine/plan.h"

#include <netdb.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "engine/llm_body.h"
#include "engine/run_validation.h"
#include "http/url.h"

namespace loadgate::engine {
namespace {

[[noreturn]] void Fail(const std::string& field, const std::string& what) {
  throw std::invalid_argument(field + ": " + what);
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) {
      return false;
    }
  }
  return true;
}

bool IsAbsolute(std::string_view url) {
  return StartsWithNoCase(url, "http://") || StartsWithNoCase(url, "https://");
}

bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
  });
}

// Splits an absolute URL into its origin ("scheme://authority") and the rest
// (path and query, possibly with placeholders).
std::pair<std::string_view, std::string_view> SplitOrigin(
    std::string_view url) {
  const size_t authority = url.find("://") + 3;
  const size_t end = url.find_first_of("/?", authority);
  if (end == std::string_view::npos) return {url, ""};
  return {url.substr(0, end), url.substr(end)};
}

// The origin and the request-target template text of a request URL, which
// is absolute or relative to base_url (RFC 3986 resolution: "/x" replaces
// the base path, "x" replaces its last segment, "?q" its query).
std::pair<std::string, std::string> ResolveUrl(const Scenario& scenario,
                                               const std::string& url,
                                               const std::string& field) {
  std::string absolute;
  if (IsAbsolute(url)) {
    absolute = url;
  } else {
    if (scenario.base_url.empty()) {
      Fail(field, "relative URL \"" + url + "\" needs scenario.base_url");
    }
    if (url.find('{') == std::string::npos) {
      try {
        absolute = http::JoinUrl(scenario.base_url, url);
      } catch (const std::invalid_argument& error) {
        Fail(field, error.what());
      }
    } else {
      const auto [base_origin, base_target] = SplitOrigin(scenario.base_url);
      std::string target;
      if (url.starts_with('/')) {
        target = url;
      } else if (url.starts_with('?')) {
        target =
            std::string(base_target.substr(0, base_target.find('?'))) + url;
      } else {
        const std::string_view path =
            base_target.substr(0, base_target.find('?'));
        const size_t slash = path.rfind('/');
        target = (slash == std::string_view::npos
                      ? std::string("/")
                      : std::string(path.substr(0, slash + 1))) +
                 url;
      }
      absolute = std::string(base_origin) + target;
    }
  }
  auto [origin, target] = SplitOrigin(absolute);
  const std::string_view without_fragment = target.substr(0, target.find('#'));
  std::string target_text;
  if (without_fragment.empty() || without_fragment.front() == '?') {
    target_text.push_back('/');
  }
  target_text.append(without_fragment);
  return {std::string(origin), std::move(target_text)};
}

std::vector<Origin::Address> Resolve(const std::string& host, uint16_t port,
                                     const std::string& field) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* results = nullptr;
  const std::string service = std::to_string(port);
  const int status =
      getaddrinfo(host.c_str(), service.c_str(), &hints, &results);
  if (status != 0) {
    Fail(field,
         "cannot resolve host \"" + host + "\": " + gai_strerror(status));
  }
  std::vector<Origin::Address> addresses;
  for (addrinfo* it = results; it != nullptr; it = it->ai_next) {
    Origin::Address address;
    std::memcpy(&address.storage, it->ai_addr, it->ai_addrlen);
    address.length = it->ai_addrlen;
    const bool duplicate = std::any_of(
        addresses.begin(), addresses.end(), [&](const Origin::Address& a) {
          return a.length == address.length &&
                 std::memcmp(&a.storage, &address.storage, a.length) == 0;
        });
    if (!duplicate) addresses.push_back(address);
  }
  freeaddrinfo(results);
  if (addresses.empty()) Fail(field, "no address for host \"" + host + "\"");
  return addresses;
}

nlohmann::json::json_pointer ParsePointer(const std::string& text,
                                          const std::string& field) {
  try {
    return nlohmann::json::json_pointer(text);
  } catch (const nlohmann::json::exception& error) {
    Fail(field, "bad JSON pointer \"" + text + "\" (" + error.what() + ")");
  }
}

CompiledCheck CompileCheck(const Check& check, const std::string& field) {
  CompiledCheck compiled;
  compiled.kind = check.kind;
  switch (check.kind) {
    case Check::Kind::kStatus:
      if (check.status < 100 || check.status > 999) {
        Fail(field + ".status", "expected an HTTP status (100-999)");
      }
      compiled.status = check.status;
      break;
    case Check::Kind::kJsonEquals:
      compiled.expected_json =
          nlohmann::json::parse(check.expected, nullptr, false);
      if (compiled.expected_json.is_discarded()) {
        Fail(field + ".expected",
             "expected JSON text, got \"" + check.expected + "\"");
      }
      [[fallthrough]];
    case Check::Kind::kJsonPresent:
      compiled.pointer = ParsePointer(check.pointer, field + ".pointer");
      break;
    case Check::Kind::kBodyContains:
      compiled.text = check.expected;
      break;
  }
  return compiled;
}

int SlotOf(std::vector<std::string>& variables, const std::string& name) {
  const auto found = std::find(variables.begin(), variables.end(), name);
  if (found != variables.end())
    return static_cast<int>(found - variables.begin());
  variables.push_back(name);
  return static_cast<int>(variables.size() - 1);
}

// Scenario-wide settings, and the tag and custom metric names in the order
// the engine numbers them.
void CompileSettings(const Scenario& scenario, Plan& plan) {
  plan.verify_tls = scenario.verify_tls;
  plan.tls_ca_pem = scenario.tls_ca_pem;
  plan.objectives.latency_ns = scenario.request_latency_objective.count();
  plan.objectives.ttft_ns = scenario.request_ttft_objective.count();
  plan.objectives.tpot_ns = scenario.request_tpot_objective.count();
  plan.objectives.max_itl_ns = scenario.request_max_itl_objective.count();
  if (plan.objectives.latency_ns < 0) {
    Fail("scenario.request_latency_objective", "expected >= 0");
  }
  if (plan.objectives.ttft_ns < 0) {
    Fail("scenario.request_ttft_objective", "expected >= 0");
  }
  if (plan.objectives.tpot_ns < 0) {
    Fail("scenario.request_tpot_objective", "expected >= 0");
  }
  if (plan.objectives.max_itl_ns < 0) {
    Fail("scenario.request_max_itl_objective", "expected >= 0");
  }
  if (scenario.flows.empty()) {
    Fail("scenario.flows", "expected at least one request or flow");
  }
  if (!scenario.base_url.empty()) {
    try {
      http::ParseUrl(scenario.base_url);
    } catch (const std::invalid_argument& error) {
      Fail("scenario.base_url", error.what());
    }
  }
  plan.tag_names = scenario.TagNames();
  if (plan.tag_names.size() > 65535) {
    Fail("scenario.flows", "more than 65535 distinct request names");
  }
  plan.metric_names = scenario.CustomMetricNames();
}

// Variable slots: data set columns first, then captures.
void DeclareVariables(const Scenario& scenario, Plan& plan) {
  for (size_t d = 0; d < scenario.data.size(); ++d) {
    const DataSet& data = scenario.data[d];
    const std::string field = "scenario.data[" + std::to_string(d) + "]";
    if (data.columns.empty()) Fail(field + ".columns", "expected a column");
    if (data.rows.empty()) Fail(field + ".rows", "expected at least one row");
    CompiledData compiled{&data, {}};
    for (const std::string& column : data.columns) {
      if (std::find(plan.variables.begin(), plan.variables.end(), column) !=
          plan.variables.end()) {
        Fail(field + ".columns",
             "column \"" + column + "\" is also defined by another data set");
      }
      compiled.column_slots.push_back(SlotOf(plan.variables, column));
    }
    for (size_t r = 0; r < data.rows.size(); ++r) {
      if (data.rows[r].size() != data.columns.size()) {
        Fail(field + ".rows[" + std::to_string(r) + "]",
             "expected " + std::to_string(data.columns.size()) +
                 " values, found " + std::to_string(data.rows[r].size()));
      }
    }
    plan.data.push_back(std::move(compiled));
  }
  for (const Flow& flow : scenario.flows) {
    for (const Step& step : flow.steps) {
      for (const Capture& capture : step.request.captures) {
        if (!capture.variable.empty()) SlotOf(plan.variables, capture.variable);
      }
    }
  }
}

// The index in plan.origins of `origin_text` ("scheme://authority"),
// resolving (once) an origin not seen before.
int OriginIndex(const std::string& origin_text, const std::string& field,
                Plan& plan) {
  http::Url url;
  try {
    url = http::ParseUrl(origin_text + "/");
  } catch (const std::invalid_argument& error) {
    Fail(field + ".url", error.what());
  }
  const auto found = std::find_if(
      plan.origins.begin(), plan.origins.end(), [&](const Origin& o) {
        return o.host == url.host && o.port == url.port && o.tls == url.tls();
      });
  if (found != plan.origins.end()) {
    return static_cast<int>(found - plan.origins.begin());
  }
  Origin origin;
  origin.host = url.host;
  origin.port = url.port;
  origin.tls = url.tls();
  origin.host_header = url.HostHeader();
  origin.addresses = Resolve(origin.host, origin.port, field + ".url");
  plan.any_tls = plan.any_tls || origin.tls;
  plan.origins.push_back(std::move(origin));
  return static_cast<int>(plan.origins.size()) - 1;
}

// Scenario headers, then the request's own.
void CompileHeaders(const Scenario& scenario, const Request& request,
                    const std::string& field, Plan& plan,
                    CompiledStep& compiled) {
  auto add = [&](const Header& header, const std::string& header_field,
                 const std::string& template_field) {
    if (!IsToken(header.first)) {
      Fail(header_field, "bad header name \"" + header.first + "\"");
    }
    compiled.headers.emplace_back(
        header.first,
        Template::Compile(header.second, plan.variables, template_field));
  };
  for (const Header& header : scenario.headers) {
    add(header, "scenario.headers", "scenario.headers." + header.first);
  }
  for (const Header& header : request.headers) {
    add(header, field + ".headers", field + ".headers." + header.first);
  }
  plan.max_headers = std::max(plan.max_headers, compiled.headers.size());
}

void CompileChecksAndCaptures(const Request& request, const std::string& field,
                              Plan& plan, CompiledStep& compiled) {
  for (size_t c = 0; c < request.checks.size(); ++c) {
    compiled.checks.push_back(CompileCheck(
        request.checks[c], field + ".checks[" + std::to_string(c) + "]"));
    compiled.has_status_check = compiled.has_status_check ||
                                request.checks[c].kind == Check::Kind::kStatus;
  }
  for (size_t c = 0; c < request.captures.size(); ++c) {
    const Capture& capture = request.captures[c];
    const std::string capture_field =
        field + ".captures[" + std::to_string(c) + "]";
    if (capture.variable.empty()) {
      Fail(capture_field + ".variable", "expected a variable name");
    }
    compiled.captures.push_back(
        {SlotOf(plan.variables, capture.variable),
         ParsePointer(capture.pointer, capture_field + ".pointer")});
  }
}

void CompilePoll(const Poll& poll, const std::string& poll_field,
                 CompiledStep& compiled) {
  compiled.poll = true;
  if (poll.max_attempts < 1) {
    Fail(poll_field + ".max_attempts", "expected a positive number");
  }
  if (poll.interval.count() < 0) {
    Fail(poll_field + ".interval", "expected a duration >= 0");
  }
  compiled.max_attempts = poll.max_attempts;
  compiled.interval_ns = poll.interval.count();
  for (size_t c = 0; c < poll.until.size(); ++c) {
    compiled.until.push_back(CompileCheck(
        poll.until[c], poll_field + ".until[" + std::to_string(c) + "]"));
  }
}

// Whether the step buffers its body (checks other than on the status,
// captures and poll conditions read it) and parses it as JSON.
void DecideBodyNeeds(CompiledStep& compiled) {
  auto any_json = [](const std::vector<CompiledCheck>& checks) {
    return std::any_of(checks.begin(), checks.end(),
                       [](const CompiledCheck& c) { return c.needs_json(); });
  };
  auto any_body = [](const std::vector<CompiledCheck>& checks) {
    return std::any_of(
        checks.begin(), checks.end(),
        [](const CompiledCheck& c) { return c.kind != Check::Kind::kStatus; });
  };
  compiled.needs_json = !compiled.captures.empty() ||
                        any_json(compiled.checks) || any_json(compiled.until);
  compiled.needs_body = compiled.needs_json || any_body(compiled.checks) ||
                        any_body(compiled.until);
}

// A request's own settings; `field` names it:
// "scenario.flows[0].steps[1].request".
CompiledStep CompileRequest(const Scenario& scenario, const Request& request,
                            const std::string& field, Plan& plan) {
  CompiledStep compiled;
  compiled.tag = static_cast<uint16_t>(std::find(plan.tag_names.begin(),
                                                 plan.tag_names.end(),
                                                 TagNameOf(request)) -
                                       plan.tag_names.begin());
  if (!IsToken(request.method)) {
    Fail(field + ".method",
         "expected an HTTP method, got \"" + request.method + "\"");
  }
  compiled.method = request.method;
  compiled.head = request.method == "HEAD";
  const auto [origin_text, target_text] =
      ResolveUrl(scenario, request.url, field + ".url");
  compiled.origin = OriginIndex(origin_text, field, plan);
  compiled.target =
      Template::Compile(target_text, plan.variables, field + ".url");
  CompileHeaders(scenario, request, field, plan, compiled);
  compiled.body =
      Template::Compile(request.body, plan.variables, field + ".body");
  if (request.timeout.count() <= 0) {
    Fail(field + ".timeout", "expected a positive duration");
  }
  compiled.timeout_ns = request.timeout.count();
  compiled.stream = request.stream;
  if (request.max_buffered_bytes == 0) {
    Fail(field + ".max_buffered_bytes", "expected a positive size");
  }
  compiled.max_buffered_bytes = request.max_buffered_bytes;
  CompileChecksAndCaptures(request, field, plan, compiled);
  return compiled;
}

// `step_field` names the step: "scenario.flows[0].steps[1]".
CompiledStep CompileStep(const Scenario& scenario, const Step& step,
                         const std::string& step_field, Plan& plan) {
  CompiledStep compiled =
      CompileRequest(scenario, step.request, step_field + ".request", plan);
  if (step.poll) CompilePoll(*step.poll, step_field + ".poll", compiled);
  DecideBodyNeeds(compiled);
  return compiled;
}

void ValidateConversations(const LlmConversations& llm,
                           const std::string& field) {
  if (llm.conversations.empty()) {
    Fail(field + ".conversations", "expected at least one conversation");
  }
  for (size_t c = 0; c < llm.conversations.size(); ++c) {
    const std::string conversation_field =
        field + ".conversations[" + std::to_string(c) + "]";
    const std::vector<ConversationTurn>& turns = llm.conversations[c].turns;
    if (turns.empty()) {
      Fail(conversation_field + ".turns", "expected at least one turn");
    }
    for (size_t t = 0; t < turns.size(); ++t) {
      if (turns[t].max_output_tokens < 0) {
        Fail(conversation_field + ".turns[" + std::to_string(t) +
                 "].max_output_tokens",
             "expected a number >= 0 (0: none)");
      }
    }
  }
}

void ValidateLlm(const Flow& flow, const std::string& flow_field) {
  const LlmConversations& llm = *flow.llm;
  const std::string field = flow_field + ".llm";
  if (!flow.steps.empty()) {
    Fail(flow_field + ".steps",
         "a flow with llm sends its conversations and has no steps");
  }
  switch (llm.api) {
    case LlmApi::kOpenAi:
    case LlmApi::kAnthropic:
      if (llm.model.empty()) {
        Fail(field + ".model", "expected a model (the API requires one)");
      }
      break;
    case LlmApi::kGemini:
      if (llm.model.empty() && llm.url.empty()) {
        Fail(field + ".model",
             "expected a model (it is in Gemini's path) or a url");
      }
      break;
    default:
      Fail(field + ".api", "unknown API " +
                               std::to_string(static_cast<int>(llm.api)) +
                               " (expected openai, gemini or anthropic)");
  }
  ValidateThink(llm.think, field + ".think");
  ValidateConversations(llm, field);
}

// A flow that replays conversations: one step, the request of every turn.
void CompileLlmFlow(const Scenario& scenario, size_t f, Plan& plan,
                    CompiledFlow& compiled) {
  const Flow& flow = scenario.flows[f];
  const std::string flow_field = "scenario.flows[" + std::to_string(f) + "]";
  ValidateLlm(flow, flow_field);
  compiled.llm = &*flow.llm;
  compiled.conversation_sequence = static_cast<int>(plan.sequences++);
  CompiledStep step =
      CompileRequest(scenario, LlmTurnRequest(flow), flow_field + ".llm", plan);
  step.llm_answer = true;
  compiled.steps.push_back(std::move(step));
}

CompiledFlow CompileFlow(const Scenario& scenario, size_t f, Plan& plan) {
  const Flow& flow = scenario.flows[f];
  const std::string flow_field = "scenario.flows[" + std::to_string(f) + "]";
  if (!(flow.weight >= 0) || std::isinf(flow.weight)) {
    Fail(flow_field + ".weight", "expected a number >= 0");
  }
  CompiledFlow compiled;
  if (!flow.metric.empty()) {
    compiled.metric =
        static_cast<int>(std::find(plan.metric_names.begin(),
                                   plan.metric_names.end(), flow.metric) -
                         plan.metric_names.begin());
  }
  if (flow.llm) {
    CompileLlmFlow(scenario, f, plan, compiled);
    return compiled;
  }
  if (flow.steps.empty()) Fail(flow_field + ".steps", "expected a step");
  for (size_t s = 0; s < flow.steps.size(); ++s) {
    compiled.steps.push_back(
        CompileStep(scenario, flow.steps[s],
                    flow_field + ".steps[" + std::to_string(s) + "]", plan));
  }
  return compiled;
}

}  // namespace

int Plan::ChooseFlow(double u) const {
  const double point = u * cumulative_weights.back();
  const auto it = std::upper_bound(cumulative_weights.begin(),
                                   cumulative_weights.end(), point);
  return static_cast<int>(std::min<ptrdiff_t>(
      it - cumulative_weights.begin(),
      static_cast<ptrdiff_t>(cumulative_weights.size()) - 1));
}

Plan CompilePlan(const Scenario& scenario) {
  Plan plan;
  CompileSettings(scenario, plan);
  DeclareVariables(scenario, plan);
  plan.sequences = plan.data.size();
  double total_weight = 0;
  for (size_t f = 0; f < scenario.flows.size(); ++f) {
    plan.flows.push_back(CompileFlow(scenario, f, plan));
    total_weight += scenario.flows[f].weight;
    plan.cumulative_weights.push_back(total_weight);
  }
  if (!(total_weight > 0)) {
    Fail("scenario.flows", "expected a flow with a positive weight");
  }
  return plan;
}

}  // namespace loadgate::engine
