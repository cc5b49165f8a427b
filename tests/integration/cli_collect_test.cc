// `loadgate collect` and `loadgate run --send-report`: shards deliver their
// reports to the collector, which merges and judges them when all arrived;
// anything but a well-formed report of a shard of the expected test gets a
// 4xx and changes nothing; a deadline with a shard missing fails the
// verdict naming it; a report the collector did not take fails its run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "loadgate/http_probe.h"
#include "loadgate/report.h"
#include "support/run_command.h"
#include "support/sample_report.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using test_support::CommandResult;
using test_support::RunLoadgate;
using ::testing::HasSubstr;

namespace fs = std::filesystem;

class CliCollectTest : public ::testing::Test {
 protected:
  CliCollectTest() { server_.Handle("/ok", test_support::Respond(200, "ok")); }

  // Runs `loadgate collect args...` on a free loopback port and calls
  // `while_collecting` with its URL once it listens.
  CommandResult Collect(
      std::vector<std::string> args,
      const std::function<void(const std::string&)>& while_collecting) {
    const fs::path scratch = dir_.path() / "collector";
    fs::create_directories(scratch);
    args.insert(args.begin(), {"collect", "--listen", "127.0.0.1:0"});
    return RunLoadgate(args, scratch, [&](pid_t) {
      const std::regex listening("at (http://127\\.0\\.0\\.1:[0-9]+/reports)");
      std::smatch match;
      for (int i = 0; i < 200; ++i) {
        const std::string err = test_support::ReadFileText(scratch / "stderr");
        if (std::regex_search(err, match, listening)) {
          while_collecting(match[1]);
          return;
        }
        std::this_thread::sleep_for(50ms);
      }
      ADD_FAILURE() << "the collector did not say where it listens";
    });
  }

  // Shard `shard` ("0/2") of the test (40 req/s for 1 s), its report sent
  // to `url`.
  CommandResult Shard(const std::string& shard, const std::string& url,
                      const std::string& rate = "40") {
    const fs::path scratch = dir_.path() / ("shard" + shard.substr(0, 1));
    fs::create_directories(scratch);
    return RunLoadgate({"run", "--url", server_.base_url() + "/ok", "--rate",
                        rate, "-d", "1s", "-q", "--slo", "error_rate < 1%",
                        "--shard", shard, "--send-report", url},
                       scratch);
  }

  std::string Path(const std::string& name) const {
    return (dir_.path() / name).string();
  }

  test_support::TestServer server_;
  test_support::TempDir dir_;
};

TEST_F(CliCollectTest, MergesWhenEveryShardDelivered) {
  const CommandResult collector = Collect(
      {"--expect", "2", "--deadline", "1m", "-o", Path("merged.json"),
       "--junit", Path("slos.xml")},
      [&](const std::string& url) {
        for (const std::string shard : {"0/2", "1/2"}) {
          const CommandResult sent = Shard(shard, url);
          EXPECT_EQ(sent.exit_code, 0) << sent.out << sent.err;
          EXPECT_THAT(sent.err, HasSubstr("sent the report to " + url +
                                          ": 201 accepted shard " + shard));
        }
      });
  ASSERT_EQ(collector.exit_code, 0) << collector.out << collector.err;
  EXPECT_THAT(collector.out, HasSubstr("merged 2 of 2 shards"));
  std::ifstream in(Path("merged.json"));
  const RunReport merged = ReadJson(in, "merged.json");
  EXPECT_EQ(merged.requests(), 40u);  // 40 arrivals in 1 s, in two shares
  ASSERT_EQ(merged.slos.size(), 1u);
  EXPECT_EQ(merged.slos[0].objective, "error rate < 1 %");
  EXPECT_TRUE(merged.slos[0].passed);
  EXPECT_TRUE(fs::exists(Path("slos.xml")));
}

TEST_F(CliCollectTest, RefusesAnythingButAShardOfTheTestAndNamesTheMissing) {
  const CommandResult collector = Collect(
      {"--expect", "2", "--deadline", "6s", "-o", Path("merged.json")},
      [&](const std::string& url) {
        auto post = [&](const std::string& body) {
          return HttpFetch("POST", url, body, "application/json", 10s);
        };
        EXPECT_EQ(post("{not json").status, 400);
        std::ostringstream whole;
        WriteJson(test_support::SampleReport(), whole);
        const HttpProbeResult not_shard = post(whole.str());
        EXPECT_EQ(not_shard.status, 400);
        EXPECT_THAT(not_shard.body, HasSubstr("not a shard's report"));
        EXPECT_EQ(HttpGet(url, 10s).status, 405);
        std::string other_path = url;
        other_path.replace(other_path.rfind("/reports"), 8, "/other");
        EXPECT_EQ(
            HttpFetch("POST", other_path, "{}", "application/json", 10s).status,
            404);
        ASSERT_EQ(Shard("0/2", url).exit_code, 0);
        // The same shard again, and a shard of another test (another rate).
        const CommandResult again = Shard("0/2", url);
        EXPECT_EQ(again.exit_code, 1);
        EXPECT_THAT(again.err, HasSubstr("409 shard 0/2 was received already"));
        const CommandResult other = Shard("1/2", url, "50");
        EXPECT_EQ(other.exit_code, 1);
        EXPECT_THAT(other.err, HasSubstr("409 shard 1/2 is of test"));
      });
  EXPECT_EQ(collector.exit_code, 1) << collector.out << collector.err;
  EXPECT_THAT(collector.err, HasSubstr("deadline passed with 1 of 2"));
  EXPECT_THAT(collector.out, HasSubstr("missing shard 1/2"));
  std::ifstream in(Path("merged.json"));
  EXPECT_EQ(ReadJson(in, "merged.json").slos.back().objective,
            "every shard of the test reports");
}

// Nobody reported: every output still says the test failed, and why.
TEST_F(CliCollectTest, NoShardAtTheDeadlineFailsEveryOutput) {
  const CommandResult collector =
      Collect({"--expect", "2", "--deadline", "1s", "-o", Path("merged.json"),
               "--junit", Path("slos.xml"), "--html", Path("report.html")},
              [](const std::string&) {});
  EXPECT_EQ(collector.exit_code, 1) << collector.out << collector.err;
  EXPECT_THAT(collector.err, HasSubstr("no shard reported"));
  std::ifstream in(Path("merged.json"));
  const RunReport report = ReadJson(in, "merged.json");
  ASSERT_FALSE(report.slos.empty());
  for (const SloVerdict& verdict : report.slos) EXPECT_FALSE(verdict.passed);
  EXPECT_EQ(report.slos.back().objective, "every shard of the test reports");
  EXPECT_THAT(test_support::ReadFileText(Path("slos.xml")),
              HasSubstr("<failure"));
  EXPECT_THAT(test_support::ReadFileText(Path("report.html")),
              HasSubstr("no shard reported"));
}

TEST_F(CliCollectTest, AReportNobodyTookFailsItsRun) {
  // A port nothing listens on: the shard would be missing from the merge.
  const CommandResult sent = Shard("0/2", "http://127.0.0.1:1/reports");
  EXPECT_EQ(sent.exit_code, 1) << sent.out << sent.err;
  EXPECT_THAT(sent.err, HasSubstr("did not take the report"));
}

TEST_F(CliCollectTest, NeedsWhereToListenAndHowManyShards) {
  EXPECT_THAT(RunLoadgate({"collect", "--expect", "2"}, dir_.path()).err,
              HasSubstr("--listen ADDR is required"));
  EXPECT_THAT(
      RunLoadgate({"collect", "--listen", "0", "x.json"}, dir_.path()).err,
      HasSubstr("unexpected argument x.json"));
  EXPECT_THAT(RunLoadgate({"collect", "--listen", "0"}, dir_.path()).err,
              HasSubstr("--expect N (2 or more shards) is required"));
}

}  // namespace
}  // namespace loadgate
