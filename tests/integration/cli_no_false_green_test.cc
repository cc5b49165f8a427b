// `loadgate run` never reports green for a run that measured nothing of
// value: a hung server, a dead port and an interrupted run each end in a
// failing exit code and a failing verdict in every output (JSON, JUnit,
// HTML), with the reason.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "support/run_command.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using test_support::CommandResult;
using test_support::HttpRequest;
using test_support::ReadFileText;
using test_support::ResponseWriter;
using test_support::RunLoadgate;
using test_support::TempDir;
using test_support::TestServer;
using ::testing::HasSubstr;
using ::testing::Not;

// The outputs of one `loadgate run`, written into a scratch directory.
struct RunOutputs {
  explicit RunOutputs(const TempDir& dir)
      : json(dir.path() / "report.json"),
        junit(dir.path() / "slos.xml"),
        html(dir.path() / "report.html") {}

  std::vector<std::string> Flags() const {
    return {"--out",  json.string(), "--junit", junit.string(),
            "--html", html.string(), "--quiet"};
  }

  std::filesystem::path json, junit, html;
};

std::vector<std::string> Concat(std::vector<std::string> a,
                                const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(CliNoFalseGreenTest, HungServerFailsTheErrorRateObjective) {
  TestServer server;
  server.Handle("/", [](const HttpRequest&, ResponseWriter& writer) {
    writer.StartChunked(200, "text/event-stream");
    writer.SendChunk(
        "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n");
    writer.Sleep(5min);
    writer.Abort();
  });
  TempDir dir;
  const RunOutputs outputs(dir);
  // The defaults (60 s timeout, 30 s graceful stop) would abandon every
  // request; a short graceful stop keeps the test quick, same outcome.
  const std::string scenario = dir.WriteFile("hung.yaml", R"(
name: hung
target: )" + server.base_url() + R"(
requests:
  - url: /
load: {rate: 20}
duration: 2s
graceful_stop: 1s
slos: ["error_rate < 1%"]
)");

  const CommandResult result =
      RunLoadgate(Concat({"run", scenario}, outputs.Flags()), dir.path());

  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("FAILED error rate < 1 %"));
  const auto report = nlohmann::json::parse(ReadFileText(outputs.json));
  EXPECT_EQ(report["summary"]["requests"], 40);
  EXPECT_EQ(report["summary"]["errors_by_kind"]["timeout"], 40);
  EXPECT_EQ(report["slos"][0]["passed"], false);
  EXPECT_THAT(ReadFileText(outputs.junit), HasSubstr("failures=\"1\""));
  EXPECT_THAT(ReadFileText(outputs.html), HasSubstr("FAIL"));
}

TEST(CliNoFalseGreenTest, DeadPortHasNoPassingLatencyObjective) {
  test_support::RefusingPort port;
  TempDir dir;
  const RunOutputs outputs(dir);

  const CommandResult result =
      RunLoadgate(Concat({"run", "--url", port.base_url() + "/", "--rate", "50",
                          "-d", "1s", "--slo", "p95(latency) < 100ms"},
                         outputs.Flags()),
                  dir.path());

  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("NOT EVALUATED p95 latency < 100 ms"));
  EXPECT_THAT(ReadFileText(outputs.junit), HasSubstr("failures=\"1\""));
}

TEST(CliNoFalseGreenTest, InterruptedRunFailsInEveryOutput) {
  TestServer server;
  server.Handle("/", test_support::Respond(200, "ok"));
  TempDir dir;
  const RunOutputs outputs(dir);

  const CommandResult result = RunLoadgate(
      Concat({"run", "--url", server.base_url() + "/", "--rate", "100", "-d",
              "30s", "--slo", "error_rate < 1%"},
             outputs.Flags()),
      dir.path(), [&](pid_t pid) {
        // Ctrl-C once requests flow (bounded: the run would end by itself).
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (server.requests() < 20 &&
               std::chrono::steady_clock::now() < deadline) {
          std::this_thread::sleep_for(10ms);
        }
        kill(pid, SIGINT);
      });

  EXPECT_EQ(result.exit_code, 130) << result.out << result.err;
  const std::string junit = ReadFileText(outputs.junit);
  EXPECT_THAT(junit, HasSubstr("failures=\"1\""));
  EXPECT_THAT(junit, HasSubstr("the run reaches its planned end"));
  EXPECT_THAT(junit, HasSubstr("stopped early: interrupted"));
  const auto report = nlohmann::json::parse(ReadFileText(outputs.json));
  EXPECT_EQ(report["info"]["stop_reason"], "interrupted");
  EXPECT_GT(report["summary"]["requests"], 0);
  const std::string html = ReadFileText(outputs.html);
  EXPECT_THAT(html, HasSubstr("the run reaches its planned end"));
  EXPECT_THAT(html, Not(HasSubstr("1 passed, 0 failed")));

  // Judged again later, from its JSON, the partial run still fails.
  const CommandResult rejudged = RunLoadgate(
      {"report", "--in", outputs.json.string(), "--slo", "error_rate < 1%",
       "--out", (dir.path() / "again.html").string()},
      dir.path());
  EXPECT_EQ(rejudged.exit_code, 1) << rejudged.out << rejudged.err;
  EXPECT_THAT(rejudged.out, HasSubstr("1 passed, 1 failed"));
}

}  // namespace
}  // namespace loadgate
