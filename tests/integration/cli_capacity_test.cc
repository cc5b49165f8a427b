// `loadgate capacity` end to end against the real mock LLM, whose capacity
// model gives a known knee: 60 requests in flight, 100 ms to the first
// token and 19 x 10 ms after it, so about 60 / 0.29 s = 200 streams/s
// before TTFT grows. The search must find it within 10 %, refuse when
// loadgate itself cannot send a step's rate, and name bad options.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/run_command.h"
#include "support/service_process.h"
#include "support/temp_dir.h"

namespace loadgate {
namespace {

using test_support::CommandResult;
using test_support::ServiceProcess;
using test_support::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;

namespace fs = std::filesystem;

const std::string kMockLlm = LOADGATE_BINARY_DIR "/bin/mock-llm";
const std::string kLoadgate = LOADGATE_BINARY_DIR "/bin/loadgate";
constexpr double kKneeRps = 200;
// A whole search: about ten steps of 3 s.
constexpr auto kSearchTimeout = std::chrono::seconds(120);

nlohmann::json ReadJsonFile(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

class CliCapacityTest : public ::testing::Test {
 protected:
  // `loadgate capacity` with `args`, its outputs in dir_/out.
  CommandResult Capacity(std::vector<std::string> args) {
    args.insert(args.begin(), {kLoadgate, "capacity"});
    args.insert(args.end(), {"-q", "-o", out().string()});
    return test_support::RunCommand(args, dir_.path(), kSearchTimeout);
  }
  fs::path out() const { return dir_.path() / "out"; }

  TempDir dir_;
};

TEST_F(CliCapacityTest, FindsTheMockLlmKneeWithinTenPercent) {
  ServiceProcess llm({kMockLlm, "--port=0", "--capacity=60", "--ttft-ms=100",
                      "--itl-ms=10", "--output-tokens=20"});
  const CommandResult run =
      Capacity({"--url",
                llm.url() + "/v1/chat/completions",
                "-X",
                "POST",
                "-H",
                "Content-Type: application/json",
                "--body",
                R"({"model":"gpt-4o-mini","stream":true,)"
                R"("messages":[{"role":"user","content":"hi"}]})",
                "--slo",
                "p95(ttft) < 150ms",
                "--start",
                "50",
                "--max",
                "800",
                "--step-duration",
                "2s",
                "--warmup",
                "1s",
                "--require",
                "150"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;

  const nlohmann::json capacity = ReadJsonFile(out() / "capacity.json");
  ASSERT_TRUE(capacity.is_object()) << run.out;
  EXPECT_EQ(capacity["outcome"], "found") << run.out;
  const double found = capacity["capacity_rps"];
  EXPECT_NEAR(found, kKneeRps, kKneeRps * 0.1) << run.out;
  // Bisected to 5 %: the next rate up broke.
  const double breaking = capacity["breaking_rps"];
  EXPECT_LE((breaking - found) / found, 0.05 + 1e-9);
  for (const nlohmann::json& step : capacity["steps"]) {
    EXPECT_TRUE(fs::exists(out() / step["report"].get<std::string>()))
        << step["report"];
    EXPECT_EQ(step["limit"], "none") << "the mock is the limit, by TTFT";
  }
  EXPECT_THAT(run.out, AllOf(HasSubstr("capacity planning:"),
                             HasSubstr("concurrent users")));

  std::ifstream html_file(out() / "capacity.html");
  const std::string html((std::istreambuf_iterator<char>(html_file)),
                         std::istreambuf_iterator<char>());
  EXPECT_THAT(html, AllOf(HasSubstr("Latency against offered rate"),
                          HasSubstr("Time to first token against"),
                          HasSubstr("Error rate against offered rate"),
                          HasSubstr("<svg"), HasSubstr("p95 TTFT")));
}

TEST_F(CliCapacityTest, RefusesWhenLoadgateItselfCannotSendTheRate) {
  ServiceProcess llm({kMockLlm, "--port=0"});
  // One event-loop thread cannot send 400000 requests/s: the step falls
  // far short with loadgate's thread busy all the time.
  const CommandResult run =
      Capacity({"--url", llm.url() + "/health", "-t", "1", "-c", "1000",
                "--slo", "error_rate < 1%", "--start", "400000", "--max",
                "1000000", "--step-duration", "2s", "--warmup", "0s"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.err, AllOf(HasSubstr("no capacity reported"),
                             HasSubstr("generator limit")));
  const nlohmann::json capacity = ReadJsonFile(out() / "capacity.json");
  ASSERT_TRUE(capacity.is_object()) << run.out;
  EXPECT_EQ(capacity["outcome"], "refused");
  EXPECT_EQ(capacity["capacity_rps"], 0);
  EXPECT_THAT(capacity["refusal"].get<std::string>(),
              HasSubstr("generator limit"));
  ASSERT_EQ(capacity["steps"].size(), 1u) << "the search goes no further";
  EXPECT_EQ(capacity["steps"][0]["limit"], "generator limit");
  EXPECT_EQ(capacity["steps"][0]["passed"], false);
}

TEST_F(CliCapacityTest, NoCapacityWhenTheFirstStepBreaksFails) {
  ServiceProcess llm({kMockLlm, "--port=0"});
  // No answer takes under 1 µs: the first step breaks, and nothing passes.
  const CommandResult run = Capacity(
      {"--url", llm.url() + "/health", "--slo", "p50(latency) < 1us", "--start",
       "10", "--max", "20", "--step-duration", "1s", "--warmup", "0s"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr("no capacity: the first step broke"));
  EXPECT_EQ(ReadJsonFile(out() / "capacity.json")["outcome"], "none");
}

TEST_F(CliCapacityTest, RequireFailsBelowTheRequiredRate) {
  ServiceProcess llm({kMockLlm, "--port=0"});
  // Two short steps (10 and 20 req/s) that pass: a lower bound of 20.
  const CommandResult run =
      Capacity({"--url", llm.url() + "/health", "--slo", "error_rate < 1%",
                "--start", "10", "--max", "20", "--step-duration", "1s",
                "--warmup", "0s", "--require", "100"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr("required 100 req/s, found 20 req/s"));
  EXPECT_EQ(ReadJsonFile(out() / "capacity.json")["outcome"], "lower bound");
}

TEST_F(CliCapacityTest, BadInputNamesTheOptionAndWhatItExpected) {
  const std::string url = "http://127.0.0.1:9/x";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--url", url, "--slo", "error_rate < 1%", "--resolution", "150%"},
       "--resolution: expected a share above 0 and below 100 %"},
      {{"--url", url, "--slo", "error_rate < 1%", "--start", "fast"},
       "--start: expected a rate in requests/s above zero"},
      {{"--url", url, "--slo", "error_rate < 1%", "--start", "100", "--max",
        "50"},
       "--max: expected a rate at or above --start"},
      {{"--url", url, "--slo", "error_rate < 1%", "--step-duration", "0s"},
       "--step-duration: expected a duration above zero"},
      {{"--url", url, "--slo", "error_rate < 1%", "-d", "5s"},
       "--duration (use --step-duration): not an option of loadgate "
       "capacity"},
      {{"--url", url}, "--slo: expected at least one objective"},
  };
  for (const auto& [args, message] : cases) {
    const CommandResult run = Capacity(args);
    EXPECT_EQ(run.exit_code, 2) << message << "\n" << run.err;
    EXPECT_THAT(run.err, HasSubstr("loadgate capacity: " + message));
  }
}

}  // namespace
}  // namespace loadgate
