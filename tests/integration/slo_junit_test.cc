// EXPECT_SLO: a failure reads like EXPECT_THAT's, and every judged objective
// lands in the run's SLO JUnit file. The file is written when a test ends,
// so the test runs DISABLED_ cases of this binary in a child process and
// reads what the child left.
#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "loadgate/report.h"
#include "loadgate/slo.h"
#include "support/run_command.h"
#include "support/sample_report.h"
#include "support/temp_dir.h"
#include "support/text.h"

namespace loadgate {
namespace {

using test_support::CountOccurrences;
using ::testing::AllOf;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Lt;
using ::testing::StartsWith;
using namespace std::chrono_literals;
using test_support::SampleReport;

TEST(ExpectSloTest, PassesAndFailsLikeExpectThat) {
  const RunReport report = SampleReport();
  EXPECT_SLO(report, ErrorRate(Lt(0.01)));
  EXPECT_NONFATAL_FAILURE(EXPECT_SLO(report, LatencyPercentile(95, Lt(100ms))),
                          "Expected: p95 latency is < 100 ms");
  EXPECT_NONFATAL_FAILURE(EXPECT_SLO(report, LatencyPercentile(95, Lt(100ms))),
                          "Actual: p95 latency 9");
  EXPECT_SLO_VALUE("time to recover", 1500ms, Lt(5s));
  EXPECT_NONFATAL_FAILURE(EXPECT_SLO_VALUE("time to recover", 7s, Lt(5s)),
                          "Expected: time to recover is < 5000 ms\n"
                          "  Actual: time to recover 7000 ms");
}

// A shard ran part of the test: its verdicts wait for `loadgate merge`, so
// an objective its part misses does not fail it, while one the merge cannot
// judge does, at once.
TEST(ExpectSloTest, AShardDefersToTheMerge) {
  RunReport shard = SampleReport();
  shard.info.shard = {1, 4};
  EXPECT_SLO(shard, LatencyPercentile(95, Lt(100ms)));
  EXPECT_NONFATAL_FAILURE(
      EXPECT_SLO(shard, LatencyPercentile(95, AllOf(Lt(100ms), Lt(1s)))),
      "NOT JUDGED p95 latency (is < 100 ms) and (is < 1000 ms): shard 1/4 "
      "runs part of the test");
}

// The child cases: two tests, four objectives, one of them failing.
TEST(SloJUnitChild, DISABLED_Meets) {
  const RunReport report = SampleReport();
  EXPECT_SLO(report, ErrorRate(Lt(0.01)));
  EXPECT_SLO(report, ForTag("chat", TimeToFirstToken(99, Lt(1s))));
  EXPECT_SLO_VALUE("time to recover", 1500ms, Lt(5s));
}

TEST(SloJUnitChild, DISABLED_Misses) {
  EXPECT_SLO(SampleReport(), LatencyPercentile(95, Lt(100ms)));
}

class SloJUnitFileTest : public ::testing::Test {
 protected:
  test_support::CommandResult RunChildren(const std::string& filter) {
    const std::string self =
        std::filesystem::read_symlink("/proc/self/exe").string();
    return test_support::RunCommand(
        {self, "--gtest_also_run_disabled_tests", "--gtest_filter=" + filter},
        dir_.path());
  }

  test_support::TempDir dir_;
};

TEST_F(SloJUnitFileTest, ListsEveryObjectiveOfEveryTest) {
  const std::filesystem::path path = dir_.path() / "slo.xml";
  setenv("LOADGATE_SLO_JUNIT", path.c_str(), 1);
  const test_support::CommandResult child = RunChildren("SloJUnitChild.*");
  unsetenv("LOADGATE_SLO_JUNIT");
  EXPECT_EQ(child.exit_code, 1) << child.out << child.err;

  const std::string xml = test_support::ReadFileText(path);
  ASSERT_FALSE(xml.empty()) << child.out << child.err;
  EXPECT_THAT(xml, HasSubstr("tests=\"4\" failures=\"1\""));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"SloJUnitChild.DISABLED_Meets\" "
                             "tests=\"3\" failures=\"0\""));
  // Objectives on a report take the judged run's duration (10 s) as time.
  EXPECT_THAT(xml, HasSubstr("<testcase name=\"error rate is &lt; 0.01\" "
                             "classname=\"SloJUnitChild.DISABLED_Meets\" "
                             "time=\"10.000\""));
  EXPECT_THAT(xml, HasSubstr("<testcase name=\"error rate is &lt; 0.01\" "
                             "classname=\"SloJUnitChild.DISABLED_Meets\""));
  EXPECT_THAT(xml, HasSubstr("<testcase name=\"for tag &quot;chat&quot;, p99 "
                             "TTFT is &lt; 1000 ms\""));
  EXPECT_THAT(xml,
              HasSubstr("<testsuite name=\"SloJUnitChild.DISABLED_Misses\" "
                        "tests=\"1\" failures=\"1\""));
  // Observed vs objective in the failure message.
  EXPECT_THAT(xml, HasSubstr("<failure message=\"p95 latency 9"));
  EXPECT_THAT(xml, HasSubstr("over 1000 requests vs p95 latency is &lt; 100 "
                             "ms\">p95 latency 9"));
  EXPECT_THAT(xml, HasSubstr("<testcase name=\"time to recover is &lt; 5000 "
                             "ms\""));
  EXPECT_EQ(CountOccurrences(xml, "<testcase "), 4u);
}

TEST_F(SloJUnitFileTest, OneTestKeepsItsVerdictsBesideAndInItsReport) {
  // The JSON report the fixture's RunLoad would have written for the test.
  const std::filesystem::path json_path =
      dir_.path() / "SloJUnitChild.DISABLED_Meets.json";
  {
    std::ofstream out(json_path);
    WriteJson(SampleReport(), out);
  }
  setenv("LOADGATE_REPORT_DIR", dir_.path().c_str(), 1);
  const test_support::CommandResult child =
      RunChildren("SloJUnitChild.DISABLED_Meets");
  unsetenv("LOADGATE_REPORT_DIR");
  EXPECT_EQ(child.exit_code, 0) << child.out << child.err;

  const std::string xml = test_support::ReadFileText(
      dir_.path() / "SloJUnitChild.DISABLED_Meets.slo.xml");
  EXPECT_EQ(CountOccurrences(xml, "<testcase "), 3u) << child.out << child.err;

  std::ifstream in(json_path);
  const RunReport report = ReadJson(in, json_path.string());
  ASSERT_EQ(report.slos.size(), 3u);
  EXPECT_EQ(report.slos[0].objective, "error rate is < 0.01");
  EXPECT_TRUE(report.slos[0].passed);
  EXPECT_EQ(report.slos[0].observed,
            "error rate 0.3 % over 1000 requests in 10 s");
  EXPECT_EQ(report.slos[1].objective,
            "for tag \"chat\", p99 TTFT is < 1000 ms");
  EXPECT_THAT(report.slos[1].observed,
              AllOf(StartsWith("for tag \"chat\": p99 TTFT "),
                    EndsWith(" over 100 streams")));
  EXPECT_EQ(report.slos[2].observed, "time to recover 1500 ms");
  // The measurements are unchanged.
  EXPECT_EQ(report.requests(), SampleReport().requests());
}

TEST_F(SloJUnitFileTest, SeveralTestsAreNamedAfterTheExecutable) {
  setenv("LOADGATE_REPORT_DIR", dir_.path().c_str(), 1);
  const test_support::CommandResult child = RunChildren("SloJUnitChild.*");
  unsetenv("LOADGATE_REPORT_DIR");
  EXPECT_EQ(child.exit_code, 1) << child.out << child.err;

  const std::string xml =
      test_support::ReadFileText(dir_.path() / "slo_junit_test.slo.xml");
  EXPECT_EQ(CountOccurrences(xml, "<testcase "), 4u) << child.out << child.err;
}

}  // namespace
}  // namespace loadgate
