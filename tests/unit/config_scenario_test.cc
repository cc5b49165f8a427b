// Scenario files that are right: JSON and YAML declare the same scenario,
// every part of a full one is read, data files resolve next to the file, and
// the readable SLO syntax (errors in a file: config_scenario_errors_test.cc).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "loadgate/config.h"
#include "metrics/observation.h"
#include "support/temp_dir.h"

namespace loadgate {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// The same scenario in both formats; everything the format can say.
constexpr std::string_view kFullYaml = R"(
name: patients
description: read and search patients
target: http://127.0.0.1:8080
headers:
  Authorization: Bearer {token}
  X-Trace: 7
tls:
  verify: false
data:
  - column: token
    values: [abc, 12]
  - rows:
      - {mrn: "001", query: fever}
      - {mrn: "002", query: cough}
    order: random
requests:
  - name: GET /patients/{mrn}
    url: /patients/{mrn}
    weight: 3
    timeout: 2s
    checks:
      - status: 200
      - json: /mrn
      - json: /active
        equals: true
      - body_contains: "mrn"
  - method: POST
    url: /search
    body: {query: "{query}", limit: 10}
    stream: sse
flows:
  - name: chat
    weight: 0.5
    metric: full_turn
    steps:
      - name: create session
        method: POST
        url: /sessions
        captures: {session: /id}
      - name: poll reply
        url: /sessions/{session}/reply
        poll:
          until: [{json: /done, equals: true}]
          max_attempts: 20
          interval: 250ms
load:
  rate: 5
  stages:
    - {duration: 10s, target: 50}
    - {duration: 20s, target: 50}
  arrivals: poisson
  max_in_flight: 64
max_requests: 1000
threads: 2
graceful_stop: 5s
seed: 42
limits:
  max_error_rate: 5%
  error_window: 5s
  min_requests: 50
  max_duration: 2m
  max_cost_usd: 1.5
prices:
  input_per_million: 0.3
  output_per_million: 2.5
request_objectives:
  latency: 2s
  ttft: 500ms
slos:
  - "p95(latency) < 3s"
  - "error_rate < 1%"
  - "p99(latency{GET /patients/{mrn}}) <= 1500ms"
  - "p90(custom:full_turn) < 10s"
  - {metric: ttft, percentile: 99, lt: 2s, tag: "POST /search"}
  - {metric: achieved_rps, ge: 45}
)";

constexpr std::string_view kFullJson = R"({
  "name": "patients",
  "description": "read and search patients",
  "target": "http://127.0.0.1:8080",
  "headers": {"Authorization": "Bearer {token}", "X-Trace": 7},
  "tls": {"verify": false},
  "data": [
    {"column": "token", "values": ["abc", 12]},
    {"rows": [{"mrn": "001", "query": "fever"}, {"mrn": "002", "query": "cough"}],
     "order": "random"}
  ],
  "requests": [
    {"name": "GET /patients/{mrn}", "url": "/patients/{mrn}", "weight": 3,
     "timeout": "2s",
     "checks": [{"status": 200}, {"json": "/mrn"},
                {"json": "/active", "equals": true}, {"body_contains": "mrn"}]},
    {"method": "POST", "url": "/search",
     "body": {"query": "{query}", "limit": 10}, "stream": "sse"}
  ],
  "flows": [
    {"name": "chat", "weight": 0.5, "metric": "full_turn", "steps": [
      {"name": "create session", "method": "POST", "url": "/sessions",
       "captures": {"session": "/id"}},
      {"name": "poll reply", "url": "/sessions/{session}/reply",
       "poll": {"until": [{"json": "/done", "equals": true}],
                "max_attempts": 20, "interval": "250ms"}}
    ]}
  ],
  "load": {"rate": 5,
           "stages": [{"duration": "10s", "target": 50},
                      {"duration": "20s", "target": 50}],
           "arrivals": "poisson", "max_in_flight": 64},
  "max_requests": 1000,
  "threads": 2,
  "graceful_stop": "5s",
  "seed": 42,
  "limits": {"max_error_rate": "5%", "error_window": "5s", "min_requests": 50,
             "max_duration": "2m", "max_cost_usd": 1.5},
  "prices": {"input_per_million": 0.3, "output_per_million": 2.5},
  "request_objectives": {"latency": "2s", "ttft": "500ms"},
  "slos": [
    "p95(latency) < 3s",
    "error_rate < 1%",
    "p99(latency{GET /patients/{mrn}}) <= 1500ms",
    "p90(custom:full_turn) < 10s",
    {"metric": "ttft", "percentile": 99, "lt": "2s", "tag": "POST /search"},
    {"metric": "achieved_rps", "ge": 45}
  ]
})";

// A canonical text of everything parsed, so two files can be compared whole
// and a difference shows up readably.
std::string Canonical(const ScenarioFile& file) {
  std::string text;
  auto add = [&text](const std::string& line) { text += line + "\n"; };
  const Scenario& s = file.scenario;
  add("name=" + s.name + " base=" + s.base_url +
      " verify=" + std::to_string(s.verify_tls) +
      " lat=" + std::to_string(s.request_latency_objective.count()) +
      " ttft=" + std::to_string(s.request_ttft_objective.count()));
  for (const Header& h : s.headers) add("header " + h.first + "=" + h.second);
  for (const DataSet& d : s.data) {
    std::string line = "data order=" + std::to_string(int(d.order)) + " cols";
    for (const auto& c : d.columns) line += " " + c;
    for (const auto& row : d.rows) {
      line += " |";
      for (const auto& v : row) line += " " + v;
    }
    add(line);
  }
  for (const Flow& f : s.flows) {
    add("flow " + f.name + " w=" + std::to_string(f.weight) + " m=" + f.metric);
    for (const Step& step : f.steps) {
      const Request& r = step.request;
      std::string line = " step " + r.name + " " + r.method + " " + r.url +
                         " body=" + r.body + " w=" + std::to_string(r.weight) +
                         " t=" + std::to_string(r.timeout.count()) +
                         " stream=" + std::to_string(int(r.stream));
      for (const Header& h : r.headers)
        line += " h:" + h.first + "=" + h.second;
      for (const Check& c : r.checks) line += " check:" + c.Describe();
      for (const Capture& c : r.captures)
        line += " cap:" + c.variable + c.pointer;
      if (step.poll) {
        line += " poll:" + std::to_string(step.poll->max_attempts) + "/" +
                std::to_string(step.poll->interval.count());
        for (const Check& c : step.poll->until)
          line += " until:" + c.Describe();
      }
      add(line);
    }
  }
  add("model " + Describe(file.model));
  const RunOptions& o = file.options;
  add("options d=" + std::to_string(o.duration.count()) + " max=" +
      std::to_string(o.max_requests) + " threads=" + std::to_string(o.threads) +
      " conn=" + std::to_string(o.connections) +
      " grace=" + std::to_string(o.graceful_stop.count()) +
      " seed=" + std::to_string(o.seed) +
      " err=" + std::to_string(o.limits.max_error_rate) +
      " win=" + std::to_string(o.limits.error_window.count()) +
      " minreq=" + std::to_string(o.limits.min_requests_in_window) +
      " maxd=" + std::to_string(o.limits.max_duration.count()) +
      " cost=" + std::to_string(o.limits.max_cost_usd) +
      " in=" + std::to_string(o.prices.input_per_million) +
      " out=" + std::to_string(o.prices.output_per_million));
  for (const Objective& objective : file.objectives) {
    add("slo " + objective.Describe());
  }
  return text;
}

TEST(ScenarioFileTest, JsonAndYamlDeclareTheSameScenario) {
  const ScenarioFile yaml =
      ParseScenario(kFullYaml, ConfigFormat::kYaml, "scenario.yaml");
  const ScenarioFile json =
      ParseScenario(kFullJson, ConfigFormat::kJson, "scenario.json");
  EXPECT_EQ(Canonical(yaml), Canonical(json));
}

// One check per field of kFullYaml: as long as the format.
TEST(ScenarioFileTest, ReadsEveryPartOfAFullScenario) {
  const ScenarioFile file =
      ParseScenario(kFullYaml, ConfigFormat::kYaml, "scenario.yaml");
  const Scenario& scenario = file.scenario;
  EXPECT_EQ(scenario.name, "patients");
  EXPECT_EQ(scenario.base_url, "http://127.0.0.1:8080");
  EXPECT_FALSE(scenario.verify_tls);
  EXPECT_THAT(scenario.headers,
              ElementsAre(Pair("Authorization", "Bearer {token}"),
                          Pair("X-Trace", "7")));
  EXPECT_EQ(scenario.request_latency_objective, seconds(2));
  EXPECT_EQ(scenario.request_ttft_objective, milliseconds(500));

  ASSERT_EQ(scenario.data.size(), 2u);
  EXPECT_THAT(scenario.data[0].columns, ElementsAre("token"));
  EXPECT_EQ(scenario.data[0].rows,
            (std::vector<std::vector<std::string>>{{"abc"}, {"12"}}));
  EXPECT_THAT(scenario.data[1].columns, ElementsAre("mrn", "query"));
  EXPECT_EQ(scenario.data[1].rows, (std::vector<std::vector<std::string>>{
                                       {"001", "fever"}, {"002", "cough"}}));
  EXPECT_EQ(scenario.data[1].order, DataSet::Order::kRandom);

  // Two requests became one-step flows, then the declared flow.
  ASSERT_EQ(scenario.flows.size(), 3u);
  const Request& get = scenario.flows[0].steps.at(0).request;
  EXPECT_EQ(get.method, "GET");
  EXPECT_EQ(get.url, "/patients/{mrn}");
  EXPECT_EQ(scenario.flows[0].weight, 3);
  EXPECT_EQ(get.timeout, seconds(2));
  ASSERT_EQ(get.checks.size(), 4u);
  EXPECT_EQ(get.checks[0].kind, Check::Kind::kStatus);
  EXPECT_EQ(get.checks[0].status, 200);
  EXPECT_EQ(get.checks[1].kind, Check::Kind::kJsonPresent);
  EXPECT_EQ(get.checks[1].pointer, "/mrn");
  EXPECT_EQ(get.checks[2].kind, Check::Kind::kJsonEquals);
  EXPECT_EQ(get.checks[2].expected, "true");
  EXPECT_EQ(get.checks[3].kind, Check::Kind::kBodyContains);
  EXPECT_EQ(get.checks[3].expected, "mrn");

  const Request& post = scenario.flows[1].steps.at(0).request;
  EXPECT_EQ(post.method, "POST");
  EXPECT_EQ(post.body, R"({"query":"{query}","limit":10})");
  EXPECT_THAT(post.headers,
              ElementsAre(Pair("Content-Type", "application/json")));
  EXPECT_EQ(post.stream, StreamFormat::kSse);

  const Flow& chat = scenario.flows[2];
  EXPECT_EQ(chat.metric, "full_turn");
  EXPECT_EQ(chat.weight, 0.5);
  ASSERT_EQ(chat.steps.size(), 2u);
  ASSERT_EQ(chat.steps[0].request.captures.size(), 1u);
  EXPECT_EQ(chat.steps[0].request.captures[0].variable, "session");
  EXPECT_EQ(chat.steps[0].request.captures[0].pointer, "/id");
  ASSERT_TRUE(chat.steps[1].poll.has_value());
  EXPECT_EQ(chat.steps[1].poll->max_attempts, 20);
  EXPECT_EQ(chat.steps[1].poll->interval, milliseconds(250));
  ASSERT_EQ(chat.steps[1].poll->until.size(), 1u);
  EXPECT_EQ(chat.steps[1].poll->until[0].expected, "true");

  const auto* open = std::get_if<OpenModel>(&file.model);
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->rate, 5);
  ASSERT_EQ(open->stages.size(), 2u);
  EXPECT_EQ(open->stages[0].duration, seconds(10));
  EXPECT_EQ(open->stages[0].target_rps, 50);
  EXPECT_EQ(open->arrivals, OpenModel::Arrivals::kPoisson);
  EXPECT_EQ(open->max_in_flight, 64);

  // Without an explicit duration, a ramp runs for its stages.
  EXPECT_EQ(file.options.duration, seconds(30));
  EXPECT_EQ(file.options.max_requests, 1000u);
  EXPECT_EQ(file.options.threads, 2);
  EXPECT_EQ(file.options.graceful_stop, seconds(5));
  EXPECT_EQ(file.options.seed, 42u);
  EXPECT_DOUBLE_EQ(file.options.limits.max_error_rate, 0.05);
  EXPECT_EQ(file.options.limits.error_window, seconds(5));
  EXPECT_EQ(file.options.limits.min_requests_in_window, 50u);
  EXPECT_EQ(file.options.limits.max_duration, seconds(120));
  EXPECT_DOUBLE_EQ(file.options.limits.max_cost_usd, 1.5);
  EXPECT_DOUBLE_EQ(file.options.prices.input_per_million, 0.3);
  EXPECT_DOUBLE_EQ(file.options.prices.output_per_million, 2.5);

  ASSERT_EQ(file.objectives.size(), 6u);
  EXPECT_EQ(file.objectives[0].metric, "latency");
  EXPECT_EQ(file.objectives[0].percentile, 95);
  EXPECT_EQ(file.objectives[0].threshold, 3000);
  EXPECT_DOUBLE_EQ(file.objectives[1].threshold, 0.01);
  EXPECT_EQ(file.objectives[2].tag, "GET /patients/{mrn}");
  EXPECT_EQ(file.objectives[2].op, Objective::Op::kLe);
  EXPECT_EQ(file.objectives[2].threshold, 1500);
  EXPECT_EQ(file.objectives[3].metric, "custom:full_turn");
  EXPECT_EQ(file.objectives[4].metric, "ttft");
  EXPECT_EQ(file.objectives[4].percentile, 99);
  EXPECT_EQ(file.objectives[4].threshold, 2000);
  EXPECT_EQ(file.objectives[4].tag, "POST /search");
  EXPECT_EQ(file.objectives[5].metric, "achieved_rps");
  EXPECT_EQ(file.objectives[5].op, Objective::Op::kGe);
  EXPECT_EQ(file.objectives[5].threshold, 45);
}

TEST(ScenarioFileTest, ReadsAClosedModelWithEachThinkTime) {
  auto model_of = [](const std::string& think) {
    const std::string text =
        "target: http://127.0.0.1:1\nrequests: [{url: /}]\n"
        "duration: 1m\nload: {users: 20, spawn_rate: 4, iterations: 3, "
        "think_time: " +
        think + "}\n";
    return std::get<ClosedModel>(
        ParseScenario(text, ConfigFormat::kYaml, "s.yaml").model);
  };
  const ClosedModel constant = model_of("1s");
  EXPECT_EQ(constant.users, 20);
  EXPECT_EQ(constant.spawn_rate, 4);
  EXPECT_EQ(constant.iterations_per_user, 3);
  EXPECT_EQ(constant.think.kind, ThinkTime::Kind::kConstant);
  EXPECT_EQ(constant.think.value, seconds(1));

  const ClosedModel uniform =
      model_of("{distribution: uniform, min: 1s, max: 3s}");
  EXPECT_EQ(uniform.think.kind, ThinkTime::Kind::kUniform);
  EXPECT_EQ(uniform.think.min, seconds(1));
  EXPECT_EQ(uniform.think.max, seconds(3));

  const ClosedModel gaussian =
      model_of("{distribution: gaussian, mean: 2s, stddev: 500ms}");
  EXPECT_EQ(gaussian.think.kind, ThinkTime::Kind::kGaussian);
  EXPECT_EQ(gaussian.think.mean, seconds(2));
  EXPECT_EQ(gaussian.think.stddev, milliseconds(500));
  EXPECT_EQ(gaussian.think.min, seconds(0));
  EXPECT_EQ(gaussian.think.max, seconds(4));  // mean + 4 stddev

  const ClosedModel exponential =
      model_of("{distribution: exponential, mean: 1s, max: 5s}");
  EXPECT_EQ(exponential.think.kind, ThinkTime::Kind::kExponential);
  EXPECT_EQ(exponential.think.mean, seconds(1));
  EXPECT_EQ(exponential.think.max, seconds(5));
}

TEST(ScenarioFileTest, DataFilesAreRelativeToTheScenarioFile) {
  test_support::TempDir dir;
  std::filesystem::create_directory(dir.path() / "suite");
  dir.WriteFile("suite/patients.csv", "mrn,name\n001,Ada\n002,Grace\n");
  dir.WriteFile("suite/prompts.json",
                R"([{"prompt": "hi"}, {"prompt": "bye"}])");
  const std::string path =
      dir.WriteFile("suite/scenario.yml",
                    "target: http://127.0.0.1:8080\nload: {rate: 1}\n"
                    "data:\n  - {csv: patients.csv, order: sequential}\n"
                    "  - {json: prompts.json}\n"
                    "requests: [{url: \"/patients/{mrn}\"}]\n");
  const ScenarioFile file = LoadScenarioFile(path);
  EXPECT_EQ(file.scenario.name, "scenario");  // the file's stem
  ASSERT_EQ(file.scenario.data.size(), 2u);
  EXPECT_THAT(file.scenario.data[0].columns, ElementsAre("mrn", "name"));
  EXPECT_EQ(file.scenario.data[0].rows.size(), 2u);
  EXPECT_THAT(file.scenario.data[1].columns, ElementsAre("prompt"));
  EXPECT_EQ(file.scenario.data[1].rows.size(), 2u);

  const std::string missing =
      dir.WriteFile("suite/missing.yaml",
                    "target: http://127.0.0.1:8080\nload: {rate: 1}\n"
                    "data: [{csv: nowhere.csv}]\nrequests: [{url: /}]\n");
  try {
    LoadScenarioFile(missing);
    FAIL() << "no error";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.field(), "data[0].csv");
    EXPECT_THAT(error.what(),
                HasSubstr((dir.path() / "suite/nowhere.csv").string()));
  }
}

TEST(ObjectiveSyntaxTest, ParsesReadableSlos) {
  Objective objective = ParseObjective("p95(latency) < 3s");
  EXPECT_EQ(objective.metric, "latency");
  EXPECT_EQ(objective.percentile, 95);
  EXPECT_EQ(objective.op, Objective::Op::kLt);
  EXPECT_EQ(objective.threshold, 3000);
  EXPECT_EQ(objective.tag, "");

  objective = ParseObjective("  p99.9( ttft { POST /chat } )>=250ms ");
  EXPECT_EQ(objective.metric, "ttft");
  EXPECT_EQ(objective.percentile, 99.9);
  EXPECT_EQ(objective.op, Objective::Op::kGe);
  EXPECT_EQ(objective.threshold, 250);
  EXPECT_EQ(objective.tag, "POST /chat");

  objective = ParseObjective("error_rate < 1%");
  EXPECT_DOUBLE_EQ(objective.threshold, 0.01);
  EXPECT_EQ(objective.percentile, 0);
  EXPECT_DOUBLE_EQ(ParseObjective("error_rate <= 0.05").threshold, 0.05);
  EXPECT_EQ(ParseObjective("error_rate <= 0.05").op, Objective::Op::kLe);

  EXPECT_EQ(ParseObjective("median(latency) < 1.5s").percentile, 50);
  EXPECT_EQ(ParseObjective("median(latency) < 1.5s").threshold, 1500);
  EXPECT_EQ(ParseObjective("max(service_time) < 1m").percentile, 100);
  EXPECT_EQ(ParseObjective("max(service_time) < 1m").threshold, 60000);
  EXPECT_EQ(ParseObjective("achieved_rps > 95").op, Objective::Op::kGt);
  EXPECT_EQ(ParseObjective("achieved_rps > 95").threshold, 95);
  EXPECT_EQ(ParseObjective("error_rate{GET /x} < 2%").tag, "GET /x");
  EXPECT_EQ(ParseObjective("p50(tokens_per_s) > 20").threshold, 20);
  EXPECT_EQ(ParseObjective("p95(custom:turn) < 250us").threshold, 0.25);
}

TEST(ObjectiveSyntaxTest, RejectsWhatItCannotRead) {
  auto error_of = [](std::string_view text) -> std::string {
    try {
      ParseObjective(text);
    } catch (const std::invalid_argument& error) {
      return error.what();
    }
    return "no error";
  };
  EXPECT_EQ(error_of("p95(latency) < 300"),
            "bad SLO \"p95(latency) < 300\": expected a time with a unit such "
            "as \"3s\" or \"250ms\" for latency, got \"300\"");
  EXPECT_EQ(error_of("p0(latency) < 3s"),
            "bad SLO \"p0(latency) < 3s\": expected a percentile such as p95, "
            "p99.9, median or max, got \"p0\"");
  EXPECT_EQ(error_of("p95(error_rate) < 1%"),
            "bad SLO \"p95(error_rate) < 1%\": error_rate is a run figure and "
            "takes no percentile");
  EXPECT_EQ(error_of("error_rate < 150%"),
            "bad SLO \"error_rate < 150%\": expected a percentage such as "
            "\"1%\" or a fraction in [0, 1] for error_rate, got \"150%\"");
  EXPECT_EQ(error_of("< 3s"),
            "bad SLO \"< 3s\": expected <metric> <op> <threshold>, e.g. "
            "\"p95(latency) < 3s\" or \"error_rate < 1%\"");
  EXPECT_EQ(error_of("p95(latency{}) < 3s"),
            "bad SLO \"p95(latency{}) < 3s\": expected a request name inside "
            "{}");
  EXPECT_EQ(error_of("achieved_rps > many"),
            "bad SLO \"achieved_rps > many\": expected a number for "
            "achieved_rps, got \"many\"");
  EXPECT_THAT(error_of("p95(custom:) < 1s"), HasSubstr("unknown metric"));
}

TEST(ObjectiveSyntaxTest, EveryMetricItAcceptsIsKnownToTheEvaluator) {
  for (const char* text :
       {"p95(latency) < 1s", "p95(service_time) < 1s", "p95(ttfb) < 1s",
        "p95(send_lag) < 1s", "p95(first_chunk) < 1s", "p95(ttft) < 1s",
        "p95(chunk_gap) < 1s", "p95(token_gap) < 1s", "p95(tpot) < 1s",
        "p95(tokens_per_s) > 1", "error_rate < 1%", "slo_attainment > 99%",
        "achieved_rps > 1", "goodput_rps > 1", "output_tokens_per_s > 1",
        "estimated_cost_usd < 1", "p95(custom:x) < 1s"}) {
    EXPECT_TRUE(IsKnownMetric(ParseObjective(text).metric)) << text;
  }
}

}  // namespace
}  // namespace loadgate
