// `loadgate collect` and `loadgate run --send-report`: shards deliver their
// reports to the collector, which merges and judges them when all arrived;
// anything but a well-formed report of a shard of the expected test gets a
// 4xx and changes nothing; a deadline with a shard missing fails the
// verdict naming it; a report the collector did not take fails its run.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <string>
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

// One request over a raw loopback socket, as a client that sends
// "Expect: 100-continue" does: the head, then what the collector answers
// first (within 10 s), then the body if it said go on, then the rest of
// what it answers until it closes.
struct ContinueExchange {
  std::string first_answer;
  std::string final_answer;
};

ContinueExchange PostExpectingContinue(const std::string& url,
                                       const std::string& body,
                                       size_t content_length) {
  const int port = std::stoi(url.substr(url.rfind(':') + 1));
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ContinueExchange exchange;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    ADD_FAILURE() << "cannot connect to " << url;
    return exchange;
  }
  // Reads what arrives within 10 s into `into`, until "\r\n\r\n" when
  // `head_only`, else until the collector closes.
  const auto receive = [&](std::string& into, bool head_only) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!(head_only && into.find("\r\n\r\n") != std::string::npos) &&
           std::chrono::steady_clock::now() < deadline) {
      pollfd ready{.fd = fd, .events = POLLIN, .revents = 0};
      if (poll(&ready, 1, 100) <= 0) continue;
      char chunk[4096];
      const ssize_t got = recv(fd, chunk, sizeof chunk, 0);
      if (got <= 0) return;
      into.append(chunk, static_cast<size_t>(got));
    }
  };
  const std::string head =
      "POST /reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
      std::to_string(content_length) + "\r\nExpect: 100-continue\r\n\r\n";
  send(fd, head.data(), head.size(), MSG_NOSIGNAL);
  receive(exchange.first_answer, /*head_only=*/true);
  if (exchange.first_answer.starts_with("HTTP/1.1 100 ")) {
    send(fd, body.data(), body.size(), MSG_NOSIGNAL);
    receive(exchange.final_answer, /*head_only=*/false);
  }
  close(fd);
  return exchange;
}

// A well-formed report of shard `index` of a 2-shard test "t1", with
// `wide_tags` more tags whose histograms (all empty, 11 per tag) claim 14
// bits: 6.25 MiB each once read, so 16 of them ask for 1.1 GiB from a few
// kilobytes of text.
std::string ShardReportText(int index, int wide_tags = 0) {
  RunReport report = test_support::SampleReport();
  report.info.shard = {index, 2};
  report.info.test_id = "t1";
  report.slos.clear();
  for (int i = 0; i < wide_tags; ++i) {
    report.metrics.tags.emplace_back().name = "wide" + std::to_string(i);
  }
  std::ostringstream out;
  WriteJson(report, out);
  if (wide_tags == 0) return out.str();
  // Only the tags' default histograms (7 bits) become 14-bit ones: the
  // series' are 4 bits, and the sample's tags hold buckets.
  const std::string text = out.str();
  const size_t first_wide = text.find("\"wide0\"");
  return text.substr(0, first_wide) +
         std::regex_replace(text.substr(first_wide),
                            std::regex("\"precision_bits\": ?7\\b"),
                            "\"precision_bits\":14");
}

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
      const std::string url = test_support::CollectorUrl(scratch);
      if (url.empty()) {
        ADD_FAILURE() << "the collector did not say where it listens";
        return;
      }
      while_collecting(url);
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

TEST_F(CliCollectTest, AnswersContinueAndRefusesReportsOverTheMemoryBudget) {
  const std::string report0 = ShardReportText(0);
  { std::ofstream(Path("shard1.json")) << ShardReportText(1); }
  const CommandResult collector = Collect(
      {"--expect", "2", "--deadline", "30s", "-o", Path("merged.json")},
      [&](const std::string& url) {
        // Over the budget: read only after 100 Continue, refused with a
        // 413 naming the field, and the collector goes on.
        const std::string hostile_text = ShardReportText(0, 16);
        const ContinueExchange hostile =
            PostExpectingContinue(url, hostile_text, hostile_text.size());
        EXPECT_THAT(hostile.first_answer,
                    ::testing::StartsWith("HTTP/1.1 100 Continue\r\n\r\n"));
        EXPECT_THAT(hostile.final_answer,
                    ::testing::StartsWith("HTTP/1.1 413 "));
        EXPECT_THAT(hostile.final_answer,
                    HasSubstr("field tags: the histograms of its"));
        // A body it will not read is refused at once, with no 100.
        const ContinueExchange huge =
            PostExpectingContinue(url, "", size_t{100} << 20);
        EXPECT_THAT(huge.first_answer, ::testing::StartsWith("HTTP/1.1 413 "));
        // A well-formed shard report after the 100.
        const ContinueExchange fine =
            PostExpectingContinue(url, report0, report0.size());
        EXPECT_THAT(fine.first_answer, ::testing::StartsWith("HTTP/1.1 100 "));
        EXPECT_THAT(fine.final_answer, ::testing::StartsWith("HTTP/1.1 201 "));
        // curl sends Expect: 100-continue on its own for a large body (over
        // 1 MiB in curl 7.88, as a shard report of a long run): asked for
        // here, since this report is smaller.
        if (!fs::exists("/usr/bin/curl")) {
          const ContinueExchange last = PostExpectingContinue(
              url, ShardReportText(1), ShardReportText(1).size());
          EXPECT_THAT(last.final_answer,
                      ::testing::StartsWith("HTTP/1.1 201 "));
          return;
        }
        const CommandResult curl = test_support::RunCommand(
            {"/usr/bin/curl", "-sS", "-v", "-H", "Expect: 100-continue",
             "--data-binary", "@" + Path("shard1.json"), url},
            dir_.path(), std::chrono::seconds(30));
        EXPECT_EQ(curl.exit_code, 0) << curl.err;
        EXPECT_THAT(curl.err, HasSubstr("Expect: 100-continue"));
        EXPECT_THAT(curl.err, HasSubstr("HTTP/1.1 100 Continue"));
        EXPECT_THAT(curl.out, HasSubstr("accepted shard 1/2 (2 of 2)"));
      });
  EXPECT_THAT(collector.err, HasSubstr("413 the report: field tags"));
  EXPECT_THAT(collector.out, HasSubstr("merged 2 of 2 shards"));
  EXPECT_NE(collector.exit_code, 2) << collector.out << collector.err;
}

}  // namespace
}  // namespace loadgate
