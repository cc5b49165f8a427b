// The two documented scenario files (configs/examples/) run through the real
// `loadgate` binary against the real sample app and mock LLM, for a couple of
// seconds each: every URL, body, status and JSON pointer in them has to match
// the app, or the run has errors or fails an SLO.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "loadgate/fixtures/stack.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace loadgate {
namespace {

using test_support::CommandResult;
using test_support::ReadFileText;
using test_support::RunLoadgate;
using test_support::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::filesystem::path kExamples =
    std::filesystem::path(LOADGATE_SOURCE_DIR) / "configs" / "examples";

// Copies configs/examples/ (the scenarios and their data files) into `dir`,
// with the scenario `name` rewritten by `edit`; returns the copy's path.
std::string CopyExamples(const std::filesystem::path& dir,
                         const std::string& name,
                         const std::function<std::string(std::string)>& edit) {
  std::filesystem::copy(kExamples, dir,
                        std::filesystem::copy_options::recursive |
                            std::filesystem::copy_options::overwrite_existing);
  const std::filesystem::path path = dir / name;
  const std::string text = edit(ReadFileText(path));
  std::ofstream(path, std::ios::trunc) << text;
  return path.string();
}

std::vector<std::string> TagNames(const nlohmann::json& report) {
  std::vector<std::string> names;
  for (const nlohmann::json& tag : report["tags"]) names.push_back(tag["name"]);
  return names;
}

const nlohmann::json& Tag(const nlohmann::json& report,
                          const std::string& name) {
  static const nlohmann::json kMissing = nlohmann::json::object();
  for (const nlohmann::json& tag : report["tags"]) {
    if (tag["name"] == name) return tag;
  }
  ADD_FAILURE() << "no tag " << name;
  return kMissing;
}

class ScenarioExamplesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // A fast mock LLM: the examples' objectives are about the app.
    stack_ = std::make_unique<fixtures::Stack>(
        fixtures::StackOptions{.mode = fixtures::StackMode::kProcess,
                               .llm_ttft_ms = 5,
                               .llm_itl_ms = 1,
                               .app_flags = {"--patients", "100"}});
    const std::filesystem::path& bin = stack_->options().bin_dir;
    for (const std::filesystem::path& binary :
         {bin / "mock-llm", bin / "sample-app",
          std::filesystem::path(LOADGATE_BINARY_DIR) / "bin" / "loadgate"}) {
      if (!std::filesystem::exists(binary)) {
        skip_reason_ = binary.string() + " is not built";
        return;
      }
    }
    stack_->Start();
  }
  static void TearDownTestSuite() { stack_.reset(); }

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
  }

  // Runs the example for 2 s against the stack's app (--host); expects exit
  // 0 (no SLO failed, no limit hit) and returns the JSON report.
  nlohmann::json RunExample(const std::string& name) {
    const std::string report_path = (dir_.path() / "report.json").string();
    const CommandResult result = RunLoadgate(
        {"run", (kExamples / name).string(), "--host", stack_->app_url(),
         "--duration", "2s", "-q", "-o", report_path},
        dir_.path());
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    EXPECT_THAT(result.out, HasSubstr(" 0 failed"));
    return nlohmann::json::parse(ReadFileText(report_path));
  }

  static std::unique_ptr<fixtures::Stack> stack_;
  static std::string skip_reason_;
  TempDir dir_;
};

std::unique_ptr<fixtures::Stack> ScenarioExamplesTest::stack_;
std::string ScenarioExamplesTest::skip_reason_;

TEST_F(ScenarioExamplesTest, PatientsOpenRunsCleanAgainstTheApp) {
  const nlohmann::json report = RunExample("patients_open.yaml");

  EXPECT_EQ(report["info"]["name"], "patients_open");
  EXPECT_GT(report["summary"]["requests"].get<uint64_t>(), 10u);
  EXPECT_EQ(report["summary"]["errors"], 0) << report["errors_by_kind"];
  EXPECT_THAT(TagNames(report),
              ElementsAre("GET /patients/{mrn}/summary", "GET /patients/{mrn}",
                          "GET /encounters", "GET /claims", "GET /documents",
                          "GET /patients"));
  // Half of the mix.
  EXPECT_GT(Tag(report, "GET /patients/{mrn}/summary")["requests"], 0);
  // A database API reports no tokens.
  EXPECT_EQ(report["summary"]["tokens"]["output"], 0);
}

TEST_F(ScenarioExamplesTest, ChatFlowRunsCleanAgainstTheApp) {
  const nlohmann::json report = RunExample("chat_flow.yaml");

  EXPECT_EQ(report["info"]["name"], "chat_flow");
  EXPECT_EQ(report["summary"]["errors"], 0) << report["errors_by_kind"];
  EXPECT_THAT(
      TagNames(report),
      ElementsAre("GET /health", "POST /triage", "POST /sessions",
                  "POST /sessions/{id}/events", "GET /sessions/{id}/events"));
  ASSERT_EQ(report["custom"].size(), 1u);
  const nlohmann::json& full_turn = report["custom"][0];
  EXPECT_EQ(full_turn["name"], "full_turn");
  EXPECT_GT(full_turn["count"], 0);
  EXPECT_EQ(full_turn["failures"], 0);
  // Every turn got as far as the long poll, which ended with the reply.
  EXPECT_EQ(Tag(report, "POST /sessions")["requests"], full_turn["count"]);

  // Triage answers are whole JSON bodies whose usage the engine reads.
  const nlohmann::json& triage = Tag(report, "POST /triage");
  ASSERT_GT(triage["requests"], 0);
  EXPECT_GE(triage["tokens"]["prompt"], triage["requests"]);
  EXPECT_GE(triage["tokens"]["output"], triage["requests"]);
  EXPECT_EQ(report["summary"]["tokens"], triage["tokens"]);
  EXPECT_GT(report["summary"]["estimated_cost_usd"].get<double>(), 0);
  EXPECT_EQ(report["info"]["prices"]["output_per_million"], 0.40);
}

TEST(ScenarioExampleErrorTest,
     MisspeltFieldFailsWithOneLineNamingFileAndField) {
  const TempDir dir;
  const std::string scenario =
      CopyExamples(dir.path(), "chat_flow.yaml", [](std::string text) {
        const size_t field = text.find("  think_time:");
        EXPECT_NE(field, std::string::npos);
        return text.replace(field, 13, "  think_tme:");
      });

  const CommandResult result = RunLoadgate({"run", scenario}, dir.path());

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "loadgate: " + scenario +
                            ": load: unknown field \"think_tme\" (did you "
                            "mean \"think_time\"?)\n");
  EXPECT_EQ(result.out, "");
}

}  // namespace
}  // namespace loadgate
