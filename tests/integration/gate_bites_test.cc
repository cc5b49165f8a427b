// The gate bites: runs the same load against the mock LLM twice as a
// baseline, then with 100 ms more time to first token, and checks that
// `loadgate compare` fails naming the latency metric, while unchanged runs
// pass. Also checks `loadgate run --junit` and compare's bad-input exits:
// broken files, runs of different loads, a baseline that stopped early, a
// comparison that judged nothing; and that a current run that stopped early
// fails the gate.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "loadgate/report.h"
#include "support/run_command.h"
#include "support/sample_report.h"
#include "support/service_process.h"
#include "support/temp_dir.h"

namespace loadgate {
namespace {

using test_support::BatchRun;
using test_support::CommandResult;
using test_support::ConstantRun;
using test_support::ReadFileText;
using test_support::RunLoadgate;
using ::testing::HasSubstr;
using ::testing::Not;

// bin/mock-llm on an ephemeral port. A fixed output length makes every
// response take the same time: TTFT + 16 tokens x 5 ms, so only the TTFT
// header changes latency.
test_support::ServiceProcess StartMockLlm() {
  return test_support::ServiceProcess(
      {std::string(LOADGATE_BINARY_DIR) + "/bin/mock-llm", "--port", "0",
       "--threads", "1", "--ttft-ms", "20", "--itl-ms", "5", "--output-tokens",
       "16"});
}

class GateBitesTest : public ::testing::Test {
 protected:
  CommandResult Loadgate(std::vector<std::string> args) {
    return RunLoadgate(std::move(args), dir_.path());
  }

  // One 2 s run at 50 req/s of a non-streaming chat completion; returns
  // loadgate's result, the report written to `name`.
  CommandResult RunLoad(const std::string& name,
                        std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "run",
        "--url",
        "http://127.0.0.1:" + std::to_string(mock_.port()) +
            "/v1/chat/completions",
        "-X",
        "POST",
        "-H",
        "content-type: application/json",
        "--body",
        R"({"model":"m","messages":[{"role":"user","content":"hi"}]})",
        "--rate",
        "50",
        "-d",
        "2s",
        "-q",
        "-o",
        Path(name)};
    args.insert(args.end(), extra.begin(), extra.end());
    return Loadgate(args);
  }

  std::string Path(const std::string& name) const {
    return (dir_.path() / name).string();
  }

  test_support::TempDir dir_;
  test_support::ServiceProcess mock_ = StartMockLlm();
};

// The measured spread covers noise among the baseline's runs, not load on this
// shared 2-core machine that shifts between the sides (unchanged p95 was seen
// 62 % up, 99 -> 161 ms, while other builds ran), so the tolerance is sized
// for that: far above such noise and far below the +580 ms (about +500 %)
// the slow runs add.
constexpr const char* kLatencyP95Tolerance = "latency.p95=150%";
constexpr const char* kLatencyP99Tolerance = "latency.p99=150%";

TEST_F(GateBitesTest, FailsOnAddedLatencyAndPassesUnchanged) {
  ASSERT_GT(mock_.port(), 0);
  // +580 ms per request: far beyond the run-to-run spread a loaded 2-core
  // machine produces (seen up to ~130 ms), so the noise-aware rule must flag
  // it.
  const std::vector<std::string> slower = {"-H", "x-mock-llm-ttft-ms: 600"};
  for (const char* name :
       {"base1.json", "base2.json", "same1.json", "same2.json"}) {
    const CommandResult run = RunLoad(name);
    ASSERT_EQ(run.exit_code, 0) << name << ": " << run.err;
  }
  // The slower runs also write the per-SLO JUnit file: p95 under 150 ms
  // breaks (about 200 ms), the error rate holds.
  for (const char* name : {"slow1.json", "slow2.json"}) {
    std::vector<std::string> extra = slower;
    extra.insert(extra.end(),
                 {"--slo", "p95(latency) < 150ms", "--slo", "error_rate < 1%",
                  "--junit", Path(std::string(name) + ".xml")});
    const CommandResult run = RunLoad(name, extra);
    EXPECT_EQ(run.exit_code, 1) << name << ": " << run.out << run.err;
  }

  const std::string junit = ReadFileText(Path("slow1.json.xml"));
  EXPECT_THAT(junit, HasSubstr("<testcase name=\"p95 latency &lt; 150 ms\""));
  EXPECT_THAT(junit, HasSubstr("<testcase name=\"error rate &lt; 1 %\""));
  EXPECT_THAT(junit, HasSubstr("tests=\"2\" failures=\"1\""));
  EXPECT_THAT(junit, HasSubstr("<failure message=\""));
  // Each objective took the run's time: the planned 2 s, and a little more
  // for the requests still in flight at the end.
  const size_t testcase = junit.find("<testcase ");
  const size_t time = junit.find(" time=\"", testcase);
  ASSERT_NE(time, std::string::npos) << junit;
  const double seconds = std::stod(junit.substr(time + 7));
  EXPECT_GE(seconds, 1.9) << junit;
  EXPECT_LT(seconds, 10) << junit;

  const std::string summary = Path("summary.md");
  const CommandResult regressed = Loadgate(
      {"compare", "--baseline", Path("base1.json"), Path("base2.json"),
       "--current", Path("slow1.json"), Path("slow2.json"), "--tolerance",
       kLatencyP95Tolerance, "--tolerance", kLatencyP99Tolerance,
       "--summary-md", summary, "--junit", Path("compare.xml")});
  EXPECT_EQ(regressed.exit_code, 1) << regressed.out << regressed.err;
  EXPECT_THAT(regressed.out, HasSubstr("| p95 latency |"));
  EXPECT_THAT(regressed.out, HasSubstr("**REGRESSION**"));
  EXPECT_THAT(regressed.err, HasSubstr("regression: p95 latency"));
  EXPECT_EQ(ReadFileText(summary), regressed.out);
  const std::string compare_junit = ReadFileText(Path("compare.xml"));
  // Stable case names, the computed limit in the failure message.
  EXPECT_THAT(compare_junit,
              HasSubstr("<testcase name=\"latency.p95 does not regress\""));
  EXPECT_THAT(compare_junit, HasSubstr(" vs p95 latency &lt;= "));

  const CommandResult unchanged = Loadgate(
      {"compare", "--baseline", Path("base1.json"), Path("base2.json"),
       "--current", Path("same1.json"), Path("same2.json"), "--tolerance",
       kLatencyP95Tolerance, "--tolerance", kLatencyP99Tolerance});
  EXPECT_EQ(unchanged.exit_code, 0) << unchanged.out << unchanged.err;
  EXPECT_THAT(unchanged.out, HasSubstr("no regression"));
  EXPECT_THAT(unchanged.out, Not(HasSubstr("**REGRESSION**")));
}

TEST_F(GateBitesTest, BadInputExitsTwoNamingTheFile) {
  const std::string truncated = dir_.WriteFile("broken.json", "{\"schema");
  const CommandResult broken =
      Loadgate({"compare", "--baseline", truncated, "--current", truncated});
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_THAT(broken.err, HasSubstr("broken.json"));

  const std::string wrong_type = dir_.WriteFile(
      "wrong_type.json", R"({"schema_version":1,"info":{"name":5}})");
  const CommandResult field =
      Loadgate({"compare", "--baseline", wrong_type, "--current", truncated});
  EXPECT_EQ(field.exit_code, 2);
  EXPECT_THAT(field.err, HasSubstr("wrong_type.json: field info.name"));
  EXPECT_EQ(std::count(field.err.begin(), field.err.end(), '\n'), 1);

  const CommandResult missing = Loadgate(
      {"compare", "--baseline", Path("nope.json"), "--current", truncated});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("nope.json"));

  const CommandResult usage = Loadgate({"compare", "--baseline", truncated});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_THAT(usage.err, HasSubstr("--current"));

  const CommandResult bad_tolerance =
      Loadgate({"compare", "--baseline", truncated, "--current", truncated,
                "--tolerance", "latency=5%"});
  EXPECT_EQ(bad_tolerance.exit_code, 2);
  EXPECT_THAT(bad_tolerance.err, HasSubstr("--tolerance"));

  const CommandResult help = Loadgate({"compare", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("worsening > allowed AND"));
}

// `loadgate compare` over hand-built reports: the verdicts that depend on
// run information rather than on measured figures.
class CompareCommandTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const RunReport& report) {
    std::ostringstream json;
    WriteJson(report, json);
    return dir_.WriteFile(name, json.str());
  }

  CommandResult Compare(const std::string& baseline,
                        const std::string& current) {
    return RunLoadgate({"compare", "--baseline", baseline, "--current", current,
                        "--junit", (dir_.path() / "gate.xml").string()},
                       dir_.path());
  }

  test_support::TempDir dir_;
};

TEST_F(CompareCommandTest, RefusesRunsOfDifferentLoadsNamingBothFiles) {
  RunReport short_run = ConstantRun(100);
  short_run.info.planned_duration_ns /= 2;
  const CommandResult result = Compare(Write("base.json", ConstantRun(100)),
                                       Write("short.json", short_run));
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("base.json vs "));
  EXPECT_THAT(result.err, HasSubstr("short.json: not comparable, planned "
                                    "duration 10000 ms vs 5000 ms"));
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1);
}

TEST_F(CompareCommandTest, RefusesABaselineThatStoppedEarly) {
  RunReport stopped = ConstantRun(100);
  stopped.info.stop_reason = "interrupted";
  const CommandResult result =
      Compare(Write("base.json", stopped), Write("cur.json", ConstantRun(100)));
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("base.json: the baseline stopped early "
                                    "(interrupted)"));
}

TEST_F(CompareCommandTest, ACurrentRunThatStoppedEarlyIsARegression) {
  RunReport stopped = ConstantRun(100);
  stopped.info.stop_reason = "interrupted";
  const CommandResult result =
      Compare(Write("base.json", ConstantRun(100)), Write("cur.json", stopped));
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("regression: current run "));
  EXPECT_THAT(result.err, HasSubstr("cur.json stopped early: interrupted"));
  EXPECT_THAT(result.out, HasSubstr("cur.json stopped early: interrupted"));
  const std::string junit = ReadFileText(dir_.path() / "gate.xml");
  EXPECT_THAT(junit, HasSubstr("<testsuite name=\"cur\""));
  EXPECT_THAT(junit, HasSubstr("current run 1 runs to its planned end"));
  EXPECT_THAT(junit, HasSubstr("<failure message=\"stopped early: "
                               "interrupted"));
}

TEST_F(CompareCommandTest, NothingJudgedIsNotAPass) {
  const RunReport few = BatchRun({{.count = 20, .latency_ms = 100}});
  const CommandResult result =
      Compare(Write("base.json", few), Write("cur.json", few));
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.err,
              HasSubstr("nothing could be judged, every metric was skipped: "
                        "p95 latency: too few samples to judge (20 in "
                        "baseline, 20 in current"));
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1);
  EXPECT_THAT(result.out, HasSubstr("nothing could be judged"));
}

}  // namespace
}  // namespace loadgate
