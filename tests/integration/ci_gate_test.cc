// The CI side of the gate: ci/gate.sh over directories of reports, and the
// GitHub and GitLab pipelines that call it (parsed, so a broken file or a
// pipeline that stopped running the gate fails here, not on the first pull
// request).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "loadgate/duration.h"
#include "loadgate/report.h"
#include "support/run_command.h"
#include "support/sample_report.h"
#include "support/temp_dir.h"

namespace loadgate {
namespace {

using test_support::CommandResult;
using test_support::ConstantRun;
using ::testing::HasSubstr;

const std::filesystem::path kSourceDir = LOADGATE_SOURCE_DIR;

class GateScriptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(baseline_dir());
    std::filesystem::create_directories(current_dir());
  }

  std::filesystem::path baseline_dir() const { return dir_.path() / "base"; }
  std::filesystem::path current_dir() const { return dir_.path() / "cur"; }

  static void Write(const RunReport& report,
                    const std::filesystem::path& path) {
    std::ofstream out(path);
    WriteJson(report, out);
  }

  CommandResult Gate() {
    setenv("LOADGATE", LOADGATE_BINARY_DIR "/bin/loadgate", 1);
    setenv("GATE_SUMMARY_MD", (dir_.path() / "gate.md").c_str(), 1);
    const CommandResult result =
        test_support::RunCommand({"/bin/bash", (kSourceDir / "ci/gate.sh"),
                                  baseline_dir(), current_dir()},
                                 dir_.path());
    unsetenv("LOADGATE");
    unsetenv("GATE_SUMMARY_MD");
    return result;
  }

  std::string Summary() const {
    return test_support::ReadFileText(dir_.path() / "gate.md");
  }

  test_support::TempDir dir_;
};

TEST_F(GateScriptTest, UnchangedReportsPass) {
  Write(ConstantRun(100), baseline_dir() / "Db.Slo_rps_10.json");
  Write(ConstantRun(102), current_dir() / "Db.Slo_rps_10.json");
  const CommandResult result = Gate();
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(Summary(), HasSubstr("### Db.Slo_rps_10"));
  EXPECT_TRUE(
      std::filesystem::exists(current_dir() / "Db.Slo_rps_10.gate.xml"));
}

TEST_F(GateScriptTest, ARegressionInAnyReportFailsAndIsNamed) {
  Write(ConstantRun(100), baseline_dir() / "Db.Slo_rps_10.json");
  Write(ConstantRun(100), current_dir() / "Db.Slo_rps_10.json");
  Write(ConstantRun(100), baseline_dir() / "Db.Slo_rps_100.json");
  Write(ConstantRun(160), current_dir() / "Db.Slo_rps_100.json");
  const CommandResult result = Gate();
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("p95 latency"));
  EXPECT_THAT(Summary(), HasSubstr("### Db.Slo_rps_100"));
}

TEST_F(GateScriptTest, AReportWithoutBaselineIsListedNotJudged) {
  Write(ConstantRun(100), baseline_dir() / "Db.Slo_rps_10.json");
  Write(ConstantRun(100), current_dir() / "Db.Slo_rps_10.json");
  Write(ConstantRun(900), current_dir() / "New.Test.json");
  const CommandResult result = Gate();
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("New.Test: no baseline"));
}

TEST_F(GateScriptTest, NothingToCompareIsBadInput) {
  Write(ConstantRun(100), current_dir() / "New.Test.json");
  const CommandResult result = Gate();
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("no report in"));
}

// Every command the pipeline runs, in order.
std::vector<std::string> Commands(const YAML::Node& steps_or_script) {
  std::vector<std::string> commands;
  for (const YAML::Node& entry : steps_or_script) {
    if (entry.IsScalar()) commands.push_back(entry.as<std::string>());
    if (entry.IsMap() && entry["run"]) {
      commands.push_back(entry["run"].as<std::string>());
    }
  }
  return commands;
}

std::string Joined(const std::vector<std::string>& commands) {
  std::string text;
  for (const std::string& command : commands) text += command + "\n";
  return text;
}

TEST(CiPipelineTest, GitHubRunsTheLoadSuitesPublishesJUnitAndGates) {
  const YAML::Node workflow =
      YAML::LoadFile(kSourceDir / "ci/github/load-tests.yml");
  const YAML::Node steps = workflow["jobs"]["load-tests"]["steps"];
  ASSERT_TRUE(steps.IsSequence());
  const std::string commands = Joined(Commands(steps));
  EXPECT_THAT(commands, HasSubstr("ctest -L load"));
  EXPECT_THAT(commands, HasSubstr("--output-junit"));
  EXPECT_THAT(commands, HasSubstr("ci/gate.sh ci/baselines"));
  bool publishes_junit = false;
  for (const YAML::Node& step : steps) {
    if (step["uses"] && step["with"] && step["with"]["report_paths"]) {
      publishes_junit = true;
    }
  }
  EXPECT_TRUE(publishes_junit);
}

TEST(CiPipelineTest, GitLabRunsTheLoadSuitesReportsJUnitAndGates) {
  const YAML::Node pipeline = YAML::LoadFile(kSourceDir / "ci/gitlab-ci.yml");
  const YAML::Node job = pipeline["load-tests"];
  const std::string commands = Joined(Commands(job["script"]));
  EXPECT_THAT(commands, HasSubstr("ctest -L load"));
  EXPECT_THAT(commands, HasSubstr("--output-junit"));
  EXPECT_THAT(commands, HasSubstr("ci/gate.sh ci/baselines"));
  ASSERT_TRUE(job["artifacts"]["reports"]["junit"]);
  EXPECT_EQ(job["artifacts"]["when"].as<std::string>(), "always");
}

// The baselines the pipelines gate against read as reports and were
// recorded for as long as the pipelines run each preset.
TEST(CiPipelineTest, BaselinesAreReportsOfThePipelinesDuration) {
  const YAML::Node workflow =
      YAML::LoadFile(kSourceDir / "ci/github/load-tests.yml");
  const std::string duration =
      workflow["env"]["LOADGATE_DURATION"].as<std::string>();
  const YAML::Node gitlab = YAML::LoadFile(kSourceDir / "ci/gitlab-ci.yml");
  EXPECT_EQ(
      gitlab["load-tests"]["variables"]["LOADGATE_DURATION"].as<std::string>(),
      duration);
  int baselines = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(kSourceDir / "ci/baselines")) {
    if (entry.path().extension() != ".json") continue;
    ++baselines;
    std::ifstream in(entry.path());
    const RunReport report = ReadJson(in, entry.path().string());
    EXPECT_EQ(report.info.planned_duration_ns, ParseDuration(duration).count())
        << entry.path();
  }
  EXPECT_GT(baselines, 0) << "run `make baseline`";
}

}  // namespace
}  // namespace loadgate
