// Runs the `loadgate` executable as a user would, against the test server
// on 127.0.0.1, and checks exit codes, reports and messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "loadgate/report.h"
#include "support/run_command.h"
#include "support/sample_report.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using test_support::CommandResult;
using test_support::Delayed;
using test_support::kJson;
using test_support::ReadFileText;
using test_support::Respond;
using test_support::RunLoadgate;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class CliTest : public ::testing::Test {
 protected:
  // GET /ok answers 200 at once, /slow after 20 ms, /fail with 500.
  void SetUp() override {
    server_.Handle("/ok", Respond(200, R"({"ok":true})", kJson));
    server_.Handle("/slow", Delayed(std::chrono::milliseconds(20),
                                    Respond(200, R"({"ok":true})", kJson)));
    server_.Handle("/fail", Respond(500, R"({"ok":false})", kJson));
  }

  CommandResult Loadgate(std::vector<std::string> args) {
    return RunLoadgate(std::move(args), dir_.path());
  }

  std::string Write(std::string_view name, std::string_view text) {
    return dir_.WriteFile(name, text);
  }
  std::string PathOf(std::string_view name) const {
    return (dir_.path() / name).string();
  }
  std::string Url(std::string_view path) const {
    return server_.base_url() + std::string(path);
  }

  test_support::TempDir dir_;
  test_support::TestServer server_;
};

TEST_F(CliTest, VersionAndHelp) {
  const CommandResult version = Loadgate({"version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.out, StartsWith("loadgate 0."));

  const CommandResult help = Loadgate({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("loadgate run SCENARIO"));

  const CommandResult run_help = Loadgate({"run", "--help"});
  EXPECT_EQ(run_help.exit_code, 0);
  EXPECT_THAT(run_help.out, HasSubstr("--connections"));
}

TEST_F(CliTest, AdHocRunWritesJsonAndCsvReports) {
  const CommandResult result =
      Loadgate({"run", "--url", Url("/ok"), "--duration", "1s", "-c", "2",
                "--threads", "1", "--out", PathOf("report.json"), "--csv",
                PathOf("stats.csv"), "--quiet", "--slo", "error_rate < 1%"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_THAT(result.out, HasSubstr("PASSED error rate < 1 %"));

  const nlohmann::json report =
      nlohmann::json::parse(ReadFileText(PathOf("report.json")));
  EXPECT_GT(report["summary"]["requests"].get<uint64_t>(), 0u);
  EXPECT_EQ(report["summary"]["errors"].get<uint64_t>(), 0u);
  const std::string csv = ReadFileText(PathOf("stats.csv"));
  EXPECT_THAT(csv, HasSubstr("Request Count"));
  EXPECT_THAT(csv, HasSubstr("Aggregated"));
}

TEST_F(CliTest, OpenModelRunKeepsToItsRate) {
  const CommandResult result =
      Loadgate({"run", "--url", Url("/ok"), "--rate", "40", "-d", "1s",
                "--threads", "1", "-o", PathOf("report.json")});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("40 req/s"));  // the model, in the summary
  const nlohmann::json report =
      nlohmann::json::parse(ReadFileText(PathOf("report.json")));
  const uint64_t requests = report["summary"]["requests"].get<uint64_t>();
  EXPECT_GT(requests, 0u);
  // A schedule of 40/s for 1 s cannot send many more than 40.
  EXPECT_LE(requests, 45u);
}

TEST_F(CliTest, ScenarioWithPassingSlosExitsZero) {
  const std::string path = Write(
      "pass.yaml",
      "target: " + Url("") +
          "\nload: {users: 2}\nduration: 1s\nthreads: 1\n"
          "requests:\n  - url: /ok\n    checks: [{status: 200}, {json: /ok, "
          "equals: true}]\n"
          "slos:\n  - \"error_rate < 1%\"\n  - \"p99(latency{GET /ok}) < "
          "30s\"\n");
  const CommandResult result = Loadgate({"run", path});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("SLOs: 2 passed, 0 failed"));
  EXPECT_THAT(result.out, HasSubstr("[GET /ok]"));  // the summary's tag line
}

TEST_F(CliTest, FailingSloExitsOne) {
  const std::string path =
      Write("fail.yaml", "target: " + Url("") +
                             "\nload: {rate: 20}\nduration: 1s\nthreads: 1\n"
                             "requests: [{url: /slow}, {url: /fail}]\n"
                             "slos:\n  - \"p50(latency{GET /slow}) < 1ms\"\n"
                             "  - \"error_rate < 100%\"\n");
  const CommandResult result =
      Loadgate({"run", path, "--duration", "1s", "--out", PathOf("r.json")});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("SLOs: 1 passed, 1 failed"));
  EXPECT_THAT(result.out, HasSubstr("FAILED p50 latency < 1 ms"));
  // The report is written whatever the verdict, and keeps the verdicts.
  const nlohmann::json report =
      nlohmann::json::parse(ReadFileText(PathOf("r.json")));
  EXPECT_GT(report["summary"]["requests"].get<uint64_t>(), 0u);
  ASSERT_EQ(report["slos"].size(), 2u);
  EXPECT_EQ(report["slos"][0]["objective"],
            "p50 latency < 1 ms [tag GET /slow]");
  EXPECT_FALSE(report["slos"][0]["passed"].get<bool>());
  EXPECT_TRUE(report["slos"][1]["passed"].get<bool>());
}

TEST_F(CliTest, BadInputExitsTwoWithOneLine) {
  const std::string bad =
      Write("bad.yaml",
            "target: http://127.0.0.1:1\nload: {rate: fast}\n"
            "requests: [{url: /}]\n");
  CommandResult result = Loadgate({"run", bad});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "loadgate: " + bad +
                            ": load.rate: expected a positive number, got "
                            "\"fast\"\n");
  EXPECT_EQ(result.out, "");

  result = Loadgate({"run", "--url", "ftp://x"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "loadgate: bad URL \"ftp://x\": expected http:// or https:// "
            "followed by a host\n");

  result = Loadgate({"run", PathOf("missing.json")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "loadgate: " + PathOf("missing.json") +
                            ": cannot read: No such file or directory\n");

  result = Loadgate({"run", "--url", Url("/ok"), "--rate", "0"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "loadgate: --rate: expected a positive number, got \"0\"\n");

  result = Loadgate(
      {"run", "--url", Url("/ok"), "-o", PathOf("no/such/dir/report.json")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, StartsWith("loadgate: cannot write "));
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1);

  result = Loadgate({});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "loadgate: expected a command (loadgate --help)\n");
}

// Whatever is wrong with a file, and wherever in it: exit 2 and one line of
// printable text that names the file and the field (one case per kind of
// damage, hence the length).
TEST_F(CliTest, MalformedScenariosAndReportsExitTwoNamingFileAndField) {
  const auto expect_bad_input = [](const CommandResult& result,
                                   const std::string& expected_err) {
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_EQ(result.err, expected_err);
    EXPECT_EQ(result.out, "");
  };

  const std::string overflow =
      Write("overflow.json",
            "{\"target\": \"http://127.0.0.1:1\",\n"
            " \"requests\": [{\"url\": \"/\"}], \"load\": {\"rate\": 1e999}}");
  expect_bad_input(Loadgate({"validate", overflow}),
                   "loadgate: " + overflow +
                       ": line 2: load.rate: syntax error at column 47: number "
                       "out of range: 1e999\n");

  const std::string bytes =
      Write("bytes.yaml",
            "target: http://127.0.0.1:1\nload: {rate: 5}\n"
            "requests: [{url: /, name: \"caf\xC3\"}]\n");
  expect_bad_input(Loadgate({"run", bytes}),
                   "loadgate: " + bytes +
                       ": line 3: requests[0].name: invalid UTF-8 at byte 4 "
                       "of \"caf\\xC3\"\n");

  expect_bad_input(
      Loadgate({"run", "--url", Url("/ok"), "-d",
                "0." + std::string(400, '0') + "1s"}),
      "loadgate: -d: expected a duration above zero, such as 250ms, 10s or "
      "1m30s, got \"0." +
          std::string(400, '0') + "1s\"\n");

  nlohmann::json edited =
      nlohmann::json::parse(ReadFileText(Write("good.json", [] {
        std::ostringstream out;
        WriteJson(test_support::SampleReport(), out);
        return out.str();
      }())));
  const std::string good = PathOf("good.json");
  edited["summary"]["errors"] = "many";
  const std::string bad_field = Write("bad_field.json", edited.dump());
  const std::string bad_bytes =
      Write("bad_bytes.json",
            "{\"schema_version\": 1, \"info\": {\"name\": \"\xFF\"}}");
  const std::string field_message =
      bad_field +
      ": field summary.errors: expected a non-negative integer, got string\n";
  expect_bad_input(
      Loadgate({"compare", "--baseline", good, "--current", bad_field}),
      "loadgate compare: " + field_message);
  expect_bad_input(
      Loadgate({"report", "--in", bad_field, "--out", PathOf("r.html")}),
      "loadgate report: " + field_message);
  expect_bad_input(
      Loadgate({"compare", "--baseline", bad_bytes, "--current", good}),
      "loadgate compare: " + bad_bytes +
          ": field info.name: not valid JSON at line 1, column 41: syntax "
          "error while parsing value - invalid string: ill-formed UTF-8 byte; "
          "last read: '\"\\xFF'\n");
  expect_bad_input(Loadgate({"report", "--in", dir_.path().string(), "--out",
                             PathOf("r.html")}),
                   "loadgate report: " + dir_.path().string() +
                       ": cannot read: it is a directory, not a file\n");
}

TEST_F(CliTest, ValidateChecksWithoutRunning) {
  const std::string path =
      Write("v.yaml",
            "target: http://127.0.0.1:1\nload: {rate: 5}\nduration: 1m\n"
            "requests: [{url: /a}]\nslos: [\"p95(latency) < 3s\"]\n");
  const CommandResult result = Loadgate({"validate", path});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("[GET /a]"));
  EXPECT_THAT(result.out, HasSubstr("p95 latency < 3000 ms"));
}

TEST_F(CliTest, ExampleScenariosAreValid) {
  for (const char* example : {"configs/examples/patients_open.yaml",
                              "configs/examples/chat_flow.yaml"}) {
    const CommandResult result = Loadgate(
        {"validate", std::string(LOADGATE_SOURCE_DIR) + "/" + example});
    EXPECT_EQ(result.exit_code, 0) << example << ": " << result.err;
  }
}

// Runs that share a name (every preset of a suite runs "sample" here) are
// told apart by their report files, which the suites name after the test; a
// run with a name of its own keeps it.
TEST_F(CliTest, ReportTitlesRunsThatShareANameAfterTheirFiles) {
  std::ostringstream json;
  WriteJson(test_support::SampleReport(), json);
  const std::string rps_10 = Write("Presets_Load_rps_10.json", json.str());
  const std::string rps_100 = Write("Presets_Load_rps_100.json", json.str());
  ASSERT_EQ(Loadgate({"report", "--in", rps_10, "--in", rps_100, "--out",
                      PathOf("two.html")})
                .exit_code,
            0);
  const std::string two = ReadFileText(PathOf("two.html"));
  EXPECT_THAT(two, HasSubstr("<h2>Presets_Load_rps_10"));
  EXPECT_THAT(two, HasSubstr("<h2>Presets_Load_rps_100"));

  ASSERT_EQ(Loadgate({"report", "--in", rps_10, "--out", PathOf("one.html")})
                .exit_code,
            0);
  const std::string one = ReadFileText(PathOf("one.html"));
  EXPECT_THAT(one, HasSubstr("<h2>sample"));
  EXPECT_THAT(one, Not(HasSubstr("<h2>Presets_Load_rps_10")));
}

}  // namespace
}  // namespace loadgate
