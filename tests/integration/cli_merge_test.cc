// `loadgate run --shard K/N --start-at T` and `loadgate merge` end to end:
// three shard processes side by side send what one process sends, the merge
// judges the objectives the shards stored and those given to it on the
// merged data, and a missing shard, reports of different tests and
// non-shard reports fail the merge, naming them; runs wait for their start
// time, and Ctrl-C during the wait ends them with an interrupted report.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "loadgate/report.h"
#include "support/run_command.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using test_support::CommandResult;
using test_support::RunLoadgate;
using test_support::TempDir;
using ::testing::HasSubstr;

namespace fs = std::filesystem;

constexpr int kShards = 3;

RunReport ReadReport(const fs::path& path) {
  std::ifstream in(path);
  return ReadJson(in, path.string());
}

class CliMergeTest : public ::testing::Test {
 protected:
  CliMergeTest() { server_.Handle("/ok", test_support::Respond(200, "ok")); }

  // `loadgate run` of the test (60 req/s for 2 s, p95 under a second),
  // shard `shard` ("" for the whole test), its report in `name`.json.
  std::vector<std::string> RunArgs(const std::string& shard,
                                   const std::string& name,
                                   const std::string& rate = "60") const {
    std::vector<std::string> args = {
        "run",    "--url", server_.base_url() + "/ok",
        "--rate", rate,    "-d",
        "2s",     "--slo", "p95(latency) < 1s",
        "-q",     "-o",    (dir_.path() / (name + ".json")).string()};
    if (!shard.empty()) {
      args.push_back("--shard");
      args.push_back(shard);
    }
    return args;
  }

  // The three shards of the test, run at once as on three machines.
  void RunShards(const std::string& rate = "60",
                 const std::string& prefix = "shard") {
    std::vector<std::future<CommandResult>> runs;
    for (int k = 0; k < kShards; ++k) {
      const fs::path scratch = dir_.path() / (prefix + std::to_string(k));
      fs::create_directories(scratch);
      runs.push_back(std::async(
          std::launch::async,
          [args = RunArgs(std::to_string(k) + "/" + std::to_string(kShards),
                          prefix + std::to_string(k), rate),
           scratch] { return RunLoadgate(args, scratch); }));
    }
    for (auto& run : runs) {
      const CommandResult result = run.get();
      ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
      EXPECT_THAT(result.out, HasSubstr("judged on this shard's part only"));
    }
  }

  CommandResult Merge(std::vector<std::string> args) {
    args.insert(args.begin(), "merge");
    return RunLoadgate(std::move(args), dir_.path());
  }

  std::string Path(const std::string& name) const {
    return (dir_.path() / name).string();
  }

  test_support::TestServer server_;
  TempDir dir_;
};

TEST_F(CliMergeTest, ShardsMergeIntoTheSingleRunAndAreJudgedAsOne) {
  ASSERT_EQ(RunLoadgate(RunArgs("", "single"), dir_.path()).exit_code, 0);
  RunShards();
  const CommandResult merged =
      Merge({"-o", Path("merged.json"), "--junit", Path("merged.xml"), "--html",
             Path("merged.html"), "--expect", "3", "--slo", "error_rate < 1%",
             Path("shard0.json"), Path("shard1.json"), Path("shard2.json")});
  ASSERT_EQ(merged.exit_code, 0) << merged.out << merged.err;
  EXPECT_THAT(merged.out, HasSubstr("merged 3 of 3 shards"));

  const RunReport single = ReadReport(Path("single.json"));
  const RunReport report = ReadReport(Path("merged.json"));
  // A constant schedule has exactly 120 arrivals in 2 s at 60/s.
  EXPECT_EQ(single.requests(), 120u);
  EXPECT_EQ(report.requests(), single.requests());
  EXPECT_DOUBLE_EQ(report.info.target_rps, single.info.target_rps);
  EXPECT_EQ(report.info.shard.count, 1);
  // The shards' stored objective, then --slo, each judged once.
  ASSERT_EQ(report.slos.size(), 2u);
  EXPECT_EQ(report.slos[0].objective, "p95 latency < 1000 ms");
  EXPECT_TRUE(report.slos[0].passed);
  EXPECT_EQ(report.slos[1].objective, "error rate < 1 %");
  const std::string junit = test_support::ReadFileText(Path("merged.xml"));
  EXPECT_THAT(junit, HasSubstr("p95 latency &lt; 1000 ms"));
  EXPECT_TRUE(fs::exists(Path("merged.html")));

  // An objective the whole test misses fails the merge.
  const CommandResult strict =
      Merge({"--slo", "p95(latency) < 1ns", Path("shard0.json"),
             Path("shard1.json"), Path("shard2.json")});
  EXPECT_EQ(strict.exit_code, 1) << strict.out;
  EXPECT_THAT(strict.out, HasSubstr("FAILED p95 latency <"));
}

TEST_F(CliMergeTest, AMissingShardFailsTheMergeNamingIt) {
  RunShards();
  // Shard 1 died and sent nothing.
  const CommandResult merged = Merge(
      {"-o", Path("merged.json"), Path("shard0.json"), Path("shard2.json")});
  EXPECT_EQ(merged.exit_code, 1) << merged.out << merged.err;
  EXPECT_THAT(merged.out, HasSubstr("missing shard 1/3"));
  const RunReport report = ReadReport(Path("merged.json"));
  EXPECT_FALSE(report.slos.back().passed);
  EXPECT_EQ(report.slos.back().objective, "every shard of the test reports");
}

TEST_F(CliMergeTest, ReportsThatDoNotBelongTogetherAreRefused) {
  RunShards();
  RunShards("90", "other");
  ASSERT_EQ(RunLoadgate(RunArgs("", "single"), dir_.path()).exit_code, 0);

  const CommandResult mixed =
      Merge({Path("shard0.json"), Path("other1.json"), Path("shard2.json")});
  EXPECT_EQ(mixed.exit_code, 2);
  EXPECT_THAT(mixed.err, HasSubstr("shard0.json and " + Path("other1.json") +
                                   " are shards of different tests"));
  const CommandResult twice = Merge({Path("shard0.json"), Path("shard0.json")});
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_THAT(twice.err, HasSubstr("are both shard 0/3"));
  const CommandResult whole = Merge({Path("single.json")});
  EXPECT_EQ(whole.exit_code, 2);
  EXPECT_THAT(whole.err, HasSubstr("single.json: not a shard's report"));
  const CommandResult expect = Merge({"--expect", "4", Path("shard0.json")});
  EXPECT_EQ(expect.exit_code, 2);
  EXPECT_THAT(expect.err, HasSubstr("a test of 3 shards, expected 4"));
}

// Two whole seconds ahead: every shard given it starts then, and its report
// says so (to the second, which is what the merge aligns series on).
TEST_F(CliMergeTest, RunsWaitForTheStartTime) {
  const auto now = std::chrono::system_clock::now();
  const int64_t start =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch())
          .count() +
      2;
  std::vector<std::string> args = RunArgs("1/2", "late");
  args.insert(args.end(), {"-d", "1s", "--start-at", std::to_string(start)});
  const CommandResult result = RunLoadgate(args, dir_.path());
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  const auto finished = std::chrono::system_clock::now();
  // Its last arrival is due 983 ms after the start (arrival 59 of 60/s).
  EXPECT_GE(finished,
            std::chrono::system_clock::time_point(std::chrono::seconds(start)) +
                std::chrono::milliseconds(983));
  const RunReport report = ReadReport(Path("late.json"));
  std::time_t start_time = start;
  std::tm utc{};
  gmtime_r(&start_time, &utc);
  char expected[32];
  std::strftime(expected, sizeof(expected), "%Y-%m-%dT%H:%M:%SZ", &utc);
  EXPECT_EQ(report.info.started_at, expected);
  EXPECT_EQ(report.requests(), 30u);  // shard 1/2 of 60/s for 1 s
}

// Ctrl-C while waiting for the start: the run ends before its first
// request, and its report says it was interrupted.
TEST_F(CliMergeTest, AnInterruptedWaitEndsTheRunBeforeItStarts) {
  std::vector<std::string> args = RunArgs("", "waiting");
  args.insert(args.end(), {"--start-at", "4102444800"});  // 2100-01-01
  const CommandResult result = RunLoadgate(args, dir_.path(), [](pid_t pid) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    kill(pid, SIGINT);
  });
  EXPECT_EQ(result.exit_code, 130) << result.out << result.err;
  const RunReport report = ReadReport(Path("waiting.json"));
  EXPECT_EQ(report.requests(), 0u);
  EXPECT_EQ(report.info.stop_reason, kStopReasonInterrupted);
  EXPECT_EQ(server_.requests(), 0u);
}

TEST_F(CliMergeTest, ABadShardIsAUsageError) {
  const CommandResult result = RunLoadgate(
      {"run", "--url", server_.base_url() + "/ok", "--shard", "3/3"},
      dir_.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("--shard: expected K/N with 0 <= K < N"));
  EXPECT_EQ(server_.requests(), 0u);
}

}  // namespace
}  // namespace loadgate
