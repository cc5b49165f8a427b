// A GoogleTest load suite run as shards (LOADGATE_SHARD): each shard's test
// passes although its part alone misses an objective (the verdict waits for
// the merge), and `loadgate merge` of the shards' reports judges the
// EXPECT_SLO objectives on the whole test, writing a per-SLO JUnit file with
// the testcases of a single-process run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "loadgate/slo.h"
#include "loadgate/testing.h"
#include "support/run_command.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using test_support::CommandResult;
using ::testing::Gt;
using ::testing::HasSubstr;
using ::testing::Lt;

namespace fs = std::filesystem;

constexpr char kChildTest[] = "ShardedChild.DISABLED_MeetsItsObjectives";

// 40 arrivals/s for 2 s against the parent's server (SHARDED_CHILD_URL: the
// shards of one test load one target): 80 requests, 40/s achieved by the
// whole test and about 20/s by either of two shards.
class ShardedChild : public LoadTest {};

TEST_F(ShardedChild, DISABLED_MeetsItsObjectives) {
  const char* url = std::getenv("SHARDED_CHILD_URL");
  ASSERT_NE(url, nullptr);
  Scenario scenario;
  scenario.base_url = url;
  scenario.Add(Request{.name = "GET /ok", .url = "/ok"});
  RunOptions options;
  options.duration = 2s;
  const RunReport report = RunLoad(scenario, OpenModel{.rate = 40}, options);
  EXPECT_SLO(report, AchievedRate(Gt(30)));
  EXPECT_SLO(report, ForTag("GET /ok", LatencyPercentile(95, Lt(1s))));
}

// The <testcase name="..."> of a JUnit file.
std::set<std::string> TestcaseNames(const std::string& xml) {
  std::set<std::string> names;
  const std::regex testcase("<testcase name=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), testcase);
       it != std::sregex_iterator(); ++it) {
    names.insert((*it)[1]);
  }
  return names;
}

class SuiteShardTest : public ::testing::Test {
 protected:
  SuiteShardTest() {
    server_.Handle("/ok", test_support::Respond(200, "fine"));
  }

  // The child test in a process of its own with `environment`, its reports
  // in `name`/.
  CommandResult RunChild(const std::string& name,
                         std::vector<std::string> environment) {
    const fs::path dir = dir_.path() / name;
    fs::create_directories(dir);
    std::vector<std::string> argv = {
        "/usr/bin/env", "SHARDED_CHILD_URL=" + server_.base_url(),
        "LOADGATE_REPORT_DIR=" + dir.string(),
        "LOADGATE_SLO_JUNIT=" + (dir / "slo.xml").string()};
    argv.insert(argv.end(), environment.begin(), environment.end());
    argv.insert(argv.end(), {fs::read_symlink("/proc/self/exe").string(),
                             "--gtest_also_run_disabled_tests",
                             std::string("--gtest_filter=") + kChildTest});
    return test_support::RunCommand(argv, dir);
  }

  test_support::TempDir dir_;
  test_support::TestServer server_;
};

TEST_F(SuiteShardTest, ShardsDeferAndTheMergeJudgesLikeOneRun) {
  auto shard0 = std::async(std::launch::async, [&] {
    return RunChild("shard0", {"LOADGATE_SHARD=0/2"});
  });
  auto shard1 = std::async(std::launch::async, [&] {
    return RunChild("shard1", {"LOADGATE_SHARD=1/2"});
  });
  const CommandResult single = RunChild("single", {});
  for (const CommandResult& shard : {shard0.get(), shard1.get()}) {
    // Its part achieved about 20/s, under the objective: not its verdict.
    EXPECT_EQ(shard.exit_code, 0) << shard.out << shard.err;
  }
  ASSERT_EQ(single.exit_code, 0) << single.out << single.err;

  const std::string report = "ShardedChild.DISABLED_MeetsItsObjectives.json";
  const CommandResult merged = test_support::RunLoadgate(
      {"merge", "--expect", "2", "--junit",
       (dir_.path() / "merged.xml").string(), "--junit-suite", kChildTest,
       (dir_.path() / "shard0" / report).string(),
       (dir_.path() / "shard1" / report).string()},
      dir_.path());
  EXPECT_EQ(merged.exit_code, 0) << merged.out << merged.err;
  EXPECT_THAT(merged.out, HasSubstr("SLOs: 2 passed, 0 failed"));

  const std::string single_xml =
      test_support::ReadFileText(dir_.path() / "single" / "slo.xml");
  const std::string merged_xml =
      test_support::ReadFileText(dir_.path() / "merged.xml");
  const std::set<std::string> names = TestcaseNames(single_xml);
  ASSERT_EQ(names.size(), 2u) << single_xml;
  EXPECT_EQ(TestcaseNames(merged_xml), names) << merged_xml;
  EXPECT_THAT(merged_xml,
              HasSubstr(std::string("<testsuite name=\"") + kChildTest));
}

}  // namespace
}  // namespace loadgate
