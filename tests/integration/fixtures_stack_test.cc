// The process stack with the real services: mock LLM and sample app on
// SQLite, requests through both, chaos on the LLM, resource figures.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "loadgate/fixtures/stack.h"
#include "loadgate/http_probe.h"

namespace loadgate::fixtures {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr auto kRequestTimeout = 10s;

// One stack for the suite, as StackEnvironment would start it, but in
// process mode whatever LOADGATE_STACK says: this tests the process backend.
class ProcessStackTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = std::make_unique<Stack>(StackOptions{
        .mode = StackMode::kProcess, .llm_ttft_ms = 5, .llm_itl_ms = 1});
    const std::filesystem::path& bin = stack_->options().bin_dir;
    for (const char* binary : {"mock-llm", "sample-app"}) {
      if (!std::filesystem::exists(bin / binary)) {
        skip_reason_ = (bin / binary).string() +
                       " is not built (cmake --build <dir> --target mock_llm "
                       "sample_app, or set LOADGATE_BIN_DIR)";
        return;
      }
    }
    stack_->Start();
  }
  static void TearDownTestSuite() { stack_.reset(); }

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
  }

  // The MRN of the first seeded patient.
  static std::string AnyMrn() {
    HttpProbeResult page =
        HttpGet(stack_->app_url() + "/patients?limit=1", kRequestTimeout);
    EXPECT_TRUE(page.ok()) << page.status << " " << page.error;
    return nlohmann::json::parse(page.body).at("items").at(0).at("mrn");
  }

  static HttpProbeResult Triage(const std::string& mrn) {
    nlohmann::json body = {{"mrn", mrn}, {"query", "Is this urgent?"}};
    return HttpFetch("POST", stack_->app_url() + "/triage", body.dump(),
                     "application/json", kRequestTimeout);
  }

  static inline std::unique_ptr<Stack> stack_;
  static inline std::string skip_reason_;
};

TEST_F(ProcessStackTest, ServicesAnswerOnLoopback) {
  EXPECT_THAT(stack_->app_url(), ::testing::StartsWith("http://127.0.0.1:"));
  EXPECT_THAT(stack_->llm_url(), ::testing::StartsWith("http://127.0.0.1:"));
  EXPECT_TRUE(HttpGet(stack_->app_url() + "/health", kRequestTimeout).ok());
  EXPECT_TRUE(HttpGet(stack_->llm_url() + "/health", kRequestTimeout).ok());
  EXPECT_EQ(stack_->mongodb(), nullptr);
  EXPECT_TRUE(stack_->mongodb_uri().empty());
}

TEST_F(ProcessStackTest, TriageGoesThroughTheMockLlm) {
  HttpProbeResult triage = Triage(AnyMrn());
  ASSERT_TRUE(triage.ok()) << triage.status << " " << triage.error << " "
                           << triage.body;
  EXPECT_FALSE(nlohmann::json::parse(triage.body).at("response").empty());
}

TEST_F(ProcessStackTest, KilledLlmFailsTriageUntilRestarted) {
  std::string mrn = AnyMrn();
  std::string llm_url = stack_->llm_url();
  stack_->llm()->Kill();
  EXPECT_FALSE(stack_->llm()->running());
  HttpProbeResult during_outage = Triage(mrn);
  EXPECT_GE(during_outage.status, 500) << during_outage.body;

  stack_->llm()->Restart();
  EXPECT_EQ(stack_->llm()->url(), llm_url);  // same port after restart
  HttpProbeResult after = Triage(mrn);
  EXPECT_TRUE(after.ok()) << after.status << " " << after.body;
}

TEST_F(ProcessStackTest, SamplesTheAppsResources) {
  ProcessService* app = stack_->process(stack_->app());
  ASSERT_NE(app, nullptr);
  for (int i = 0; i < 100 && app->Resources().samples < 2; ++i) {
    std::this_thread::sleep_for(50ms);
  }
  ResourceSummary summary = app->Resources();
  EXPECT_GE(summary.samples, 2);
  // A real server process: more than a megabyte, less than a few gigabytes.
  EXPECT_GT(summary.peak_rss_bytes, 1 << 20);
  EXPECT_LT(summary.peak_rss_bytes, int64_t{4} << 30);
}

TEST_F(ProcessStackTest, LogsLandInTheReportDirectory) {
  std::filesystem::path log = stack_->app()->log_file();
  EXPECT_EQ(log.parent_path(), ReportDir() / "logs");
  EXPECT_THAT(stack_->app()->LogTail(40), HasSubstr("listening on 127.0.0.1:"));
}

}  // namespace
}  // namespace loadgate::fixtures
