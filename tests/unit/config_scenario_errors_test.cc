// Scenario files that are wrong, and the one-line error each gets: the
// file, the field's path and what was expected (the well-formed files are
// config_scenario_test.cc's).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "loadgate/config.h"

namespace loadgate {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Parses `text` and returns the error message, or "no error".
std::string ErrorOf(std::string_view text, ConfigFormat format,
                    const std::string& name) {
  try {
    ParseScenario(text, format, name);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "no error";
}

std::string YamlError(std::string_view text) {
  return ErrorOf(text, ConfigFormat::kYaml, "scenario.yaml");
}

constexpr std::string_view kMinimal =
    "target: http://127.0.0.1:8080\nload: {rate: 10}\nduration: 5s\n";

std::string MinimalWith(std::string_view extra) {
  return std::string(kMinimal) + std::string(extra);
}

TEST(ScenarioFileTest, BoundsWhatARequestMayBuffer) {
  const Scenario scenario =
      ParseScenario(MinimalWith("requests: [{url: /a}, "
                                "{url: /b, max_buffered_bytes: 1048576}]\n"),
                    ConfigFormat::kYaml, "s.yaml")
          .scenario;
  ASSERT_EQ(scenario.flows.size(), 2u);
  EXPECT_EQ(scenario.flows[0].steps[0].request.max_buffered_bytes,
            Request().max_buffered_bytes);
  EXPECT_EQ(scenario.flows[1].steps[0].request.max_buffered_bytes, 1048576u);
  EXPECT_THAT(
      YamlError(MinimalWith("requests: [{url: /, max_buffered_bytes: 0}]\n")),
      HasSubstr("requests[0].max_buffered_bytes"));
}

TEST(ScenarioFileErrorTest, UnknownFieldSuggestsTheClosestName) {
  EXPECT_EQ(YamlError(MinimalWith("requets: [{url: /}]\n")),
            "scenario.yaml: unknown field \"requets\" (did you mean "
            "\"requests\"?)");
  EXPECT_EQ(YamlError(MinimalWith("requests: [{url: /, methd: GET}]\n")),
            "scenario.yaml: requests[0]: unknown field \"methd\" (did you "
            "mean \"method\"?)");
  EXPECT_EQ(YamlError(MinimalWith("requests: [{url: /}]\nzzz: 1\n")),
            "scenario.yaml: unknown field \"zzz\"");
}

TEST(ScenarioFileErrorTest, WrongTypeNamesThePathAndTheValue) {
  EXPECT_EQ(YamlError("target: http://127.0.0.1:8080\nrequests: [{url: /}]\n"
                      "load: {rate: fast}\n"),
            "scenario.yaml: load.rate: expected a positive number, got "
            "\"fast\"");
  EXPECT_EQ(YamlError(MinimalWith("requests: {url: /}\n")),
            "scenario.yaml: requests: expected a list, got an object");
  EXPECT_EQ(YamlError(MinimalWith("requests: [{url: /, weight: -1}]\n")),
            "scenario.yaml: requests[0].weight: expected a positive number, "
            "got -1");
  EXPECT_EQ(YamlError(MinimalWith("requests: [{url: /, checks: [{status: "
                                  "\"200\"}]}]\n")),
            "scenario.yaml: requests[0].checks[0].status: expected an integer "
            "in [100, 599], got \"200\"");
  EXPECT_EQ(
      YamlError(MinimalWith("tls: {verify: nope}\nrequests: [{url: /}]\n")),
      "scenario.yaml: tls.verify: expected true or false, got \"nope\"");
}

TEST(ScenarioFileErrorTest, BadEnumListsTheChoices) {
  EXPECT_EQ(
      ErrorOf(R"({"target": "http://127.0.0.1:8080", "load": {"rate": 1},
                 "requests": [{"url": "/a"}, {"url": "/b"},
                              {"url": "/c", "method": "FETCH"}]})",
              ConfigFormat::kJson, "scenario.json"),
      "scenario.json: requests[2].method: expected one of GET, POST, PUT, "
      "PATCH, DELETE, HEAD, OPTIONS, got \"FETCH\"");
  EXPECT_EQ(YamlError(MinimalWith("requests: [{url: /, stream: websocket}]\n")),
            "scenario.yaml: requests[0].stream: expected one of auto, none, "
            "sse, json_array, got \"websocket\"");
}

TEST(ScenarioFileErrorTest, BadUrls) {
  EXPECT_THAT(YamlError("target: ftp://example\nload: {rate: 1}\n"
                        "requests: [{url: /}]\n"),
              StartsWith("scenario.yaml: target: bad URL \"ftp://example\""));
  EXPECT_EQ(YamlError("load: {rate: 1}\nrequests: [{url: /patients}]\n"),
            "scenario.yaml: requests[0].url: \"/patients\" is relative, so the "
            "scenario needs a target (base URL)");
  EXPECT_THAT(YamlError("load: {rate: 1}\nrequests: [{url: \"http://\"}]\n"),
              StartsWith("scenario.yaml: requests[0].url: bad URL"));
  // Placeholders may stand anywhere, even in the host.
  EXPECT_EQ(YamlError("load: {rate: 1}\ndata: [{rows: [{host: h, id: 1}]}]\n"
                      "requests: [{url: \"http://{host}:8080/x/{id}\"}]\n"),
            "no error");
}

TEST(ScenarioFileErrorTest, UnknownTemplateVariablesNameTheField) {
  EXPECT_EQ(YamlError(MinimalWith("requests: [{url: \"/p/{mrn}\"}]\n")),
            "scenario.yaml: requests[0].url: unknown template variable {mrn} "
            "(no data set or capture defines any)");
  EXPECT_EQ(YamlError(MinimalWith("data: [{column: id, values: [1]}]\n"
                                  "flows: [{steps: [\n"
                                  "  {url: /a, captures: {token: /t}},\n"
                                  "  {url: /b, headers: {X-Id: \"{id}\"},\n"
                                  "   body: {k: \"{tokn}\"}}]}]\n")),
            "scenario.yaml: flows[0].steps[1].body: unknown template variable "
            "{tokn} (data set columns and captures: id, token)");
  EXPECT_EQ(YamlError(MinimalWith("headers: {X-A: \"{nope}\"}\n"
                                  "requests: [{url: /}]\n")),
            "scenario.yaml: headers.X-A: unknown template variable {nope} (no "
            "data set or capture defines any)");
}

TEST(ScenarioFileErrorTest, BadDurations) {
  EXPECT_EQ(YamlError("target: http://127.0.0.1:8080\nload: {rate: 1}\n"
                      "requests: [{url: /}]\nduration: 10 parsecs\n"),
            "scenario.yaml: duration: expected a duration such as \"250ms\", "
            "\"10s\" or \"1m30s\" (above zero), got \"10 parsecs\"");
  // A bare number is ambiguous and refused.
  EXPECT_EQ(YamlError(MinimalWith("requests: [{url: /, timeout: 30}]\n")),
            "scenario.yaml: requests[0].timeout: expected a duration such as "
            "\"250ms\", \"10s\" or \"1m30s\" (above zero), got 30");
}

// The estimated cost is tokens times prices, so a cost limit or SLO without
// prices could never bite.
TEST(ScenarioFileErrorTest, CostLimitsAndSlosNeedPrices) {
  const std::string base = MinimalWith("requests: [{url: /}]\n");
  EXPECT_EQ(YamlError(base + "limits: {max_cost_usd: 5}\n"),
            "scenario.yaml: limits.max_cost_usd: needs prices (the cost is "
            "estimated from them)");
  EXPECT_EQ(YamlError(base + "slos: [\"error_rate < 1%\", "
                             "\"estimated_cost_usd < 5\"]\n"),
            "scenario.yaml: slos[1]: estimated_cost_usd needs prices (the "
            "cost is estimated from them)");
  EXPECT_EQ(YamlError(base + "prices: {input_per_million: 0, "
                             "output_per_million: 0}\n"
                             "limits: {max_cost_usd: 5}\n"),
            "scenario.yaml: limits.max_cost_usd: needs prices (the cost is "
            "estimated from them)");
  EXPECT_EQ(YamlError(base + "prices: {output_per_million: 0.4}\n"
                             "limits: {max_cost_usd: 5}\n"
                             "slos: [{metric: estimated_cost_usd, lt: 5}]\n"),
            "no error");
}

TEST(ScenarioFileErrorTest, BadSlos) {
  const std::string base = MinimalWith("requests: [{url: /}]\n");
  EXPECT_EQ(YamlError(base + "slos: [\"p95(latency) < fast\"]\n"),
            "scenario.yaml: slos[0]: bad SLO \"p95(latency) < fast\": "
            "expected a time with a unit such as \"3s\" or \"250ms\" for "
            "latency, got \"fast\"");
  EXPECT_EQ(YamlError(base + "slos: [\"p95(latncy) < 3s\"]\n"),
            "scenario.yaml: slos[0]: bad SLO \"p95(latncy) < 3s\": unknown "
            "metric \"latncy\" (did you mean \"latency\"?)");
  EXPECT_EQ(YamlError(base + "slos: [\"p95(latency) < 3s\", \"latency < "
                             "3s\"]\n"),
            "scenario.yaml: slos[1]: bad SLO \"latency < 3s\": latency needs "
            "a percentile, e.g. p95(latency)");
  EXPECT_EQ(YamlError(base + "slos: [\"error_rate = 1%\"]\n"),
            "scenario.yaml: slos[0]: bad SLO \"error_rate = 1%\": expected "
            "<metric> <op> <threshold>, e.g. \"p95(latency) < 3s\" or "
            "\"error_rate < 1%\"");
  EXPECT_EQ(YamlError(base + "slos: [\"p95(latency{GET /x}) < 3s\"]\n"),
            "scenario.yaml: slos[0]: no request is named \"GET /x\" (did you "
            "mean \"GET /\"?)");
  EXPECT_EQ(YamlError(base + "slos: [\"p95(custom:turn) < 3s\"]\n"),
            "scenario.yaml: slos[0]: no flow records the metric \"turn\"");
  EXPECT_EQ(YamlError(base + "slos: [{metric: latency, lt: 3s}]\n"),
            "scenario.yaml: slos[0]: missing required field \"percentile\" "
            "(latency is a distribution)");
  EXPECT_EQ(YamlError(base + "slos: [{metric: error_rate, lt: 1%, gt: 0}]\n"),
            "scenario.yaml: slos[0]: expected only one of lt, le, gt or ge");
  EXPECT_EQ(YamlError(base + "slos: [{metric: error_rate, lt: 5}]\n"),
            "scenario.yaml: slos[0].lt: expected a percentage such as \"1%\" "
            "or a fraction in [0, 1] for error_rate, got \"5\"");
}

TEST(ScenarioFileErrorTest, MissingRequiredFields) {
  EXPECT_EQ(YamlError(MinimalWith("requests: [{method: GET}]\n")),
            "scenario.yaml: requests[0]: missing required field \"url\"");
  EXPECT_EQ(YamlError(kMinimal),
            "scenario.yaml: missing required field \"requests\" (or "
            "\"flows\")");
  EXPECT_EQ(YamlError("target: http://127.0.0.1:8080\nrequests: [{url: /}]\n"),
            "scenario.yaml: missing required field \"load\"");
  EXPECT_EQ(YamlError(MinimalWith("flows: [{name: f}]\n")),
            "scenario.yaml: flows[0]: missing required field \"steps\"");
}

TEST(ScenarioFileErrorTest, LoadModelMistakes) {
  const std::string head =
      "target: http://127.0.0.1:8080\nrequests: [{url: /}]\n";
  EXPECT_EQ(YamlError(head + "load: {rate: 10, users: 5}\n"),
            "scenario.yaml: load: expected rate/stages (an open model) or "
            "users (a closed model), not both");
  EXPECT_EQ(YamlError(head + "load: {rate: 10, think_time: 1s}\n"),
            "scenario.yaml: load: think_time applies to users (a closed "
            "model), not to rate");
  EXPECT_EQ(YamlError(head + "load: {users: 0}\n"),
            "scenario.yaml: load.users: expected an integer in [1, "
            "2147483647], got 0");
  EXPECT_EQ(YamlError(head + "load: {users: 2, think_time: {distribution: "
                             "uniform, min: 1s, mean: 2s}}\n"),
            "scenario.yaml: load.think_time.mean: not used by the uniform "
            "distribution");
  EXPECT_EQ(YamlError(head + "load: {users: 2, think_time: {distribution: "
                             "uniform, min: 3s, max: 1s}}\n"),
            "scenario.yaml: load.think_time: expected min <= max");
}

TEST(ScenarioFileErrorTest, SyntaxErrorsGiveTheLine) {
  try {
    ParseScenario("name: x\nload:\n  rate: 1\n bad: [\n", ConfigFormat::kYaml,
                  "scenario.yaml");
    FAIL() << "no error";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.line(), 4) << error.what();
    EXPECT_THAT(error.what(),
                StartsWith("scenario.yaml: line 4: syntax error at column"));
  }
  try {
    ParseScenario(
        "{\n  \"name\": \"x\",\n  \"load\": {\"rate\": 1}\n"
        "  \"requests\": []\n}\n",
        ConfigFormat::kJson, "scenario.json");
    FAIL() << "no error";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.line(), 4) << error.what();
    EXPECT_THAT(error.what(),
                StartsWith("scenario.json: line 4: syntax error at column 12: "
                           "syntax error while parsing object"));
  }
}

TEST(ScenarioFileErrorTest, DuplicateFieldsAreErrors) {
  EXPECT_EQ(YamlError(MinimalWith("requests: [{url: /}]\nload: {rate: 2}\n")),
            "scenario.yaml: line 5: duplicate field \"load\"");
  EXPECT_EQ(ErrorOf(R"({"name": "a", "name": "b"})", ConfigFormat::kJson,
                    "scenario.json"),
            "scenario.json: duplicate field \"name\"");
}

TEST(ScenarioFileErrorTest, NotAnObjectAtTheTop) {
  EXPECT_EQ(YamlError("- a\n- b\n"),
            "scenario.yaml: expected an object, got a list");
  EXPECT_EQ(YamlError(""),
            "scenario.yaml: the file is empty; expected an object");
  EXPECT_EQ(YamlError("# only a comment\n"),
            "scenario.yaml: expected an object, got nothing (null)");
}

TEST(ScenarioFileErrorTest, UnreadableFileAndUnknownExtension) {
  EXPECT_THAT([] { LoadScenarioFile("/nonexistent/scenario.yaml"); },
              ::testing::ThrowsMessage<ConfigError>(
                  "/nonexistent/scenario.yaml: cannot read: No such file or "
                  "directory"));
  EXPECT_THAT([] { LoadScenarioFile("scenario.toml"); },
              ::testing::ThrowsMessage<ConfigError>(
                  "scenario.toml: expected a file name ending in .json, .yaml "
                  "or .yml"));
}

TEST(ScenarioFileTest, InlineDataRowsMustAgreeOnTheirFields) {
  EXPECT_EQ(YamlError(MinimalWith("requests: [{url: /}]\n"
                                  "data: [{rows: [{a: 1}, {b: 2}]}]\n")),
            "scenario.yaml: data[0].rows[1]: expected the same fields as "
            "rows[0], in the same order");
  EXPECT_EQ(YamlError(MinimalWith("requests: [{url: /}]\n"
                                  "data: [{values: [1, 2]}]\n")),
            "scenario.yaml: data[0]: column and values go together");
}

TEST(ScenarioFileTest, YamlQuotedScalarsStayStrings) {
  const ScenarioFile file = ParseScenario(
      MinimalWith("requests: [{url: /, checks: [{json: /a, equals: \"1\"}, "
                  "{json: /b, equals: 1}, {json: /c, equals: null}]}]\n"),
      ConfigFormat::kYaml, "s.yaml");
  const auto& checks = file.scenario.flows.at(0).steps.at(0).request.checks;
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_EQ(checks[0].expected, "\"1\"");
  EXPECT_EQ(checks[1].expected, "1");
  EXPECT_EQ(checks[2].expected, "null");
}

}  // namespace
}  // namespace loadgate
