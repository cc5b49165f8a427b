// The CI side of the gate: ci/gate.sh over directories of reports (one run
// or run-K/ folders per side), and the GitHub and GitLab pipelines that call
// it (parsed, and the GitHub gate steps run, so a broken file or a pipeline
// that stopped running the gate fails here, not on the first pull request).
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

  // Writes `report` as run-`run`/NAME of the side in `dir`.
  static void WriteRun(const RunReport& report,
                       const std::filesystem::path& dir, int run,
                       const std::string& name) {
    const std::filesystem::path folder = dir / ("run-" + std::to_string(run));
    std::filesystem::create_directories(folder);
    Write(report, folder / name);
  }

  CommandResult Gate() {
    setenv("LOADGATE", LOADGATE_BINARY_DIR "/bin/loadgate", 1);
    setenv("GATE_SUMMARY_MD", (dir_.path() / "gate.md").c_str(), 1);
    const CommandResult result = RunGateScript();
    unsetenv("LOADGATE");
    unsetenv("GATE_SUMMARY_MD");
    return result;
  }

  CommandResult RunGateScript() {
    return test_support::RunCommand({"/bin/bash", (kSourceDir / "ci/gate.sh"),
                                     baseline_dir(), current_dir()},
                                    dir_.path());
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

  // Each report's JUnit file is a suite of its name, so merged files stay
  // apart, and the cases are named alike whatever the figures.
  const std::string fast =
      test_support::ReadFileText(current_dir() / "Db.Slo_rps_10.gate.xml");
  const std::string slow =
      test_support::ReadFileText(current_dir() / "Db.Slo_rps_100.gate.xml");
  EXPECT_THAT(fast, HasSubstr("<testsuite name=\"Db.Slo_rps_10\""));
  EXPECT_THAT(slow, HasSubstr("<testsuite name=\"Db.Slo_rps_100\""));
  for (const std::string& junit : {fast, slow}) {
    EXPECT_THAT(junit, HasSubstr("<testcase name=\"latency.p95 does not "
                                 "regress\""));
  }
  EXPECT_THAT(slow, HasSubstr("<failure message=\"160 ms vs p95 latency "
                              "&lt;= 110 ms\""));
}

TEST_F(GateScriptTest, AReportWithoutBaselineIsListedNotJudged) {
  Write(ConstantRun(100), baseline_dir() / "Db.Slo_rps_10.json");
  Write(ConstantRun(100), current_dir() / "Db.Slo_rps_10.json");
  Write(ConstantRun(900), current_dir() / "New.Test.json");
  const CommandResult result = Gate();
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("New.Test: no baseline"));
}

// A suite that crashed leaves no report: its baselines must fail the gate,
// not pass it by having nothing to compare.
TEST_F(GateScriptTest, ABaselineWithoutCurrentReportFails) {
  Write(ConstantRun(100), baseline_dir() / "Db.Slo_rps_10.json");
  Write(ConstantRun(100), current_dir() / "Db.Slo_rps_10.json");
  Write(ConstantRun(100), baseline_dir() / "Chat.Slo_rps_10.json");
  const CommandResult result = Gate();
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("no current report for baseline "
                                    "Chat.Slo_rps_10: did its test run?"));
  EXPECT_THAT(Summary(), HasSubstr("Chat.Slo_rps_10: **no current report"));
  // Dashboards see it too: a failed case where its gate cases would be.
  const std::string junit =
      test_support::ReadFileText(current_dir() / "Chat.Slo_rps_10.gate.xml");
  EXPECT_THAT(junit, HasSubstr("<testsuite name=\"Chat.Slo_rps_10\" "
                               "tests=\"1\" failures=\"1\""));
  EXPECT_THAT(junit, HasSubstr("<testcase name=\"current report exists\""));

  // Nothing ran at all.
  std::filesystem::remove(current_dir() / "Db.Slo_rps_10.json");
  EXPECT_EQ(Gate().exit_code, 1);
}

TEST_F(GateScriptTest, ACompareThatJudgedNothingIsBadInput) {
  const RunReport few =
      test_support::BatchRun({{.count = 20, .latency_ms = 1}});
  Write(few, baseline_dir() / "Db.Slo_rps_10.json");
  Write(few, current_dir() / "Db.Slo_rps_10.json");
  const CommandResult result = Gate();
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("nothing could be judged"));
}

// Two runs per side in run-K/ folders: each name's runs are compared
// together, the spread measured on the baseline's runs.
TEST_F(GateScriptTest, RepeatedRunsPerSideAreComparedTogether) {
  // Baseline runs at 100 and 130 ms: a 30 ms spread. Current 140 and 150 ms
  // is beyond the tolerance of the merged 130 ms but within that spread.
  WriteRun(ConstantRun(100), baseline_dir(), 1, "Db.Slo_rps_10.json");
  WriteRun(ConstantRun(130), baseline_dir(), 2, "Db.Slo_rps_10.json");
  WriteRun(ConstantRun(140), current_dir(), 1, "Db.Slo_rps_10.json");
  WriteRun(ConstantRun(150), current_dir(), 2, "Db.Slo_rps_10.json");
  const CommandResult noise = Gate();
  EXPECT_EQ(noise.exit_code, 0) << noise.out << noise.err;
  EXPECT_THAT(Summary(), HasSubstr("Baseline 2 run(s), current 2 run(s)"));
  EXPECT_TRUE(
      std::filesystem::exists(current_dir() / "Db.Slo_rps_10.gate.xml"));

  // One slow current run is not excused by its own side's range.
  WriteRun(ConstantRun(700), current_dir(), 2, "Db.Slo_rps_10.json");
  const CommandResult slow = Gate();
  EXPECT_EQ(slow.exit_code, 1) << slow.out << slow.err;
  EXPECT_THAT(slow.err, HasSubstr("regression: p95 latency"));
  EXPECT_THAT(Summary(), HasSubstr("Baseline 2 run(s), current 2 run(s)"));
}

TEST_F(GateScriptTest, ASideMixingBothLayoutsIsBadInput) {
  Write(ConstantRun(100), baseline_dir() / "Db.Slo_rps_10.json");
  WriteRun(ConstantRun(100), baseline_dir(), 1, "Db.Slo_rps_10.json");
  Write(ConstantRun(100), current_dir() / "Db.Slo_rps_10.json");
  const CommandResult result = Gate();
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("both reports and run-K/ folders"));
}

// The summary goes to CURRENT_DIR/gate.md by default, never straight into
// $GITHUB_STEP_SUMMARY (the workflow copies it there itself).
TEST_F(GateScriptTest, TheSummaryDefaultsToCurrentDir) {
  Write(ConstantRun(100), baseline_dir() / "Db.Slo_rps_10.json");
  Write(ConstantRun(100), current_dir() / "Db.Slo_rps_10.json");
  const std::filesystem::path step_summary = dir_.path() / "step.md";
  setenv("LOADGATE", LOADGATE_BINARY_DIR "/bin/loadgate", 1);
  setenv("GITHUB_STEP_SUMMARY", step_summary.c_str(), 1);
  unsetenv("GATE_SUMMARY_MD");
  const CommandResult result = RunGateScript();
  unsetenv("LOADGATE");
  unsetenv("GITHUB_STEP_SUMMARY");
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(test_support::ReadFileText(current_dir() / "gate.md"),
              HasSubstr("### Db.Slo_rps_10"));
  EXPECT_FALSE(std::filesystem::exists(step_summary));
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

// The step of `steps` named `name`, or an undefined node.
YAML::Node Step(const YAML::Node& steps, const std::string& name) {
  for (const YAML::Node& step : steps) {
    if (step["name"] && step["name"].as<std::string>() == name) return step;
  }
  ADD_FAILURE() << "no step named \"" << name << "\"";
  return YAML::Node();
}

// Runs a step's shell command in `workspace`, as the runner's sh would.
CommandResult RunStep(const YAML::Node& step,
                      const std::filesystem::path& workspace,
                      const std::filesystem::path& scratch) {
  return test_support::RunCommand(
      {"/bin/sh", "-ec",
       "cd \"" + workspace.string() + "\"\n" + step["run"].as<std::string>()},
      scratch);
}

// The workflow's own steps, run in a scratch checkout: the gate writes the
// file the pull-request comment reads, and the job page gets it too.
TEST(CiPipelineTest, GitHubGateSummaryReachesTheCommentAndTheJobPage) {
  const YAML::Node steps = YAML::LoadFile(
      kSourceDir / "ci/github/load-tests.yml")["jobs"]["load-tests"]["steps"];
  test_support::TempDir dir;
  const std::filesystem::path workspace = dir.path() / "checkout";
  std::filesystem::create_directories(workspace / "ci/baselines");
  std::filesystem::create_directories(workspace / "build/bin");
  std::filesystem::create_symlink(kSourceDir / "ci/gate.sh",
                                  workspace / "ci/gate.sh");
  std::filesystem::create_symlink(LOADGATE_BINARY_DIR "/bin/loadgate",
                                  workspace / "build/bin/loadgate");

  // The report directory as the workflow defines it, through $GITHUB_ENV.
  const std::filesystem::path github_env = dir.path() / "github_env";
  setenv("GITHUB_ENV", github_env.c_str(), 1);
  const CommandResult define =
      RunStep(Step(steps, "Report directory"), workspace, dir.path());
  unsetenv("GITHUB_ENV");
  ASSERT_EQ(define.exit_code, 0) << define.err;
  const std::string assignment = test_support::ReadFileText(github_env);
  const std::string prefix = "LOADGATE_REPORT_DIR=";
  ASSERT_TRUE(assignment.starts_with(prefix)) << assignment;
  const std::filesystem::path report_dir = assignment.substr(
      prefix.size(), assignment.find_last_not_of('\n') + 1 - prefix.size());
  std::filesystem::create_directories(report_dir);

  {
    std::ofstream baseline(workspace / "ci/baselines/Db.Slo_rps_10.json");
    WriteJson(ConstantRun(100), baseline);
    std::ofstream current(report_dir / "Db.Slo_rps_10.json");
    WriteJson(ConstantRun(101), current);
  }
  const std::filesystem::path step_summary = dir.path() / "step_summary.md";
  setenv("LOADGATE_REPORT_DIR", report_dir.c_str(), 1);
  setenv("GITHUB_STEP_SUMMARY", step_summary.c_str(), 1);
  const YAML::Node gate = Step(steps, "Gate against the baselines");
  const YAML::Node job_page = Step(steps, "Gate summary on the job page");
  const CommandResult gated = RunStep(gate, workspace, dir.path());
  const CommandResult shown = RunStep(job_page, workspace, dir.path());
  unsetenv("LOADGATE_REPORT_DIR");
  unsetenv("GITHUB_STEP_SUMMARY");
  EXPECT_EQ(gated.exit_code, 0) << gated.out << gated.err;
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  // Both run whatever the suites did, as the comment step does.
  EXPECT_EQ(gate["if"].as<std::string>(), "${{ !cancelled() }}");
  EXPECT_EQ(job_page["if"].as<std::string>(), "${{ !cancelled() }}");

  std::string comment_path;
  for (const YAML::Node& step : steps) {
    if (step["uses"] && step["uses"].as<std::string>().starts_with(
                            "marocchino/sticky-pull-request-comment")) {
      comment_path = step["with"]["path"].as<std::string>();
    }
  }
  ASSERT_FALSE(comment_path.empty());
  const std::string comment =
      test_support::ReadFileText(workspace / comment_path);
  EXPECT_THAT(comment, HasSubstr("### Db.Slo_rps_10"));
  EXPECT_THAT(comment, HasSubstr("no regression"));
  EXPECT_EQ(test_support::ReadFileText(step_summary), comment);
}

// Both pipelines run the suites once unless told otherwise, and the GitHub
// loop writes repeated runs where the gate looks for them.
TEST(CiPipelineTest, PipelinesRepeatTheSuitesOnRequest) {
  const YAML::Node workflow =
      YAML::LoadFile(kSourceDir / "ci/github/load-tests.yml");
  EXPECT_EQ(workflow["env"]["LOADGATE_REPEAT"].as<std::string>(), "1");
  const YAML::Node gitlab = YAML::LoadFile(kSourceDir / "ci/gitlab-ci.yml");
  EXPECT_EQ(
      gitlab["load-tests"]["variables"]["LOADGATE_REPEAT"].as<std::string>(),
      "1");
  EXPECT_THAT(Joined(Commands(gitlab["load-tests"]["script"])),
              HasSubstr("$dir/run-$run"));

  // The GitHub suites step with ctest replaced by a stand-in that records
  // where each run's reports went.
  test_support::TempDir dir;
  const std::filesystem::path workspace = dir.path() / "checkout";
  std::filesystem::create_directories(workspace / "build");
  const std::filesystem::path fake_bin = dir.path() / "bin";
  std::filesystem::create_directories(fake_bin);
  {
    std::ofstream ctest(fake_bin / "ctest");
    ctest << "#!/bin/sh\necho run > \"$LOADGATE_REPORT_DIR/Db.json\"\n";
  }
  std::filesystem::permissions(fake_bin / "ctest",
                               std::filesystem::perms::owner_all);
  const std::string path = fake_bin.string() + ":" + getenv("PATH");
  const std::filesystem::path report_dir = dir.path() / "load-reports";
  const YAML::Node suites =
      Step(workflow["jobs"]["load-tests"]["steps"], "Load suites");
  setenv("LOADGATE_REPORT_DIR", report_dir.c_str(), 1);
  const std::string saved_path = getenv("PATH");
  setenv("PATH", path.c_str(), 1);
  setenv("LOADGATE_REPEAT", "1", 1);
  const CommandResult once = RunStep(suites, workspace, dir.path());
  setenv("LOADGATE_REPEAT", "2", 1);
  const CommandResult twice = RunStep(suites, workspace, dir.path());
  setenv("PATH", saved_path.c_str(), 1);
  unsetenv("LOADGATE_REPEAT");
  unsetenv("LOADGATE_REPORT_DIR");
  EXPECT_EQ(once.exit_code, 0) << once.err;
  EXPECT_EQ(twice.exit_code, 0) << twice.err;
  EXPECT_TRUE(std::filesystem::exists(report_dir / "Db.json"));
  EXPECT_TRUE(std::filesystem::exists(report_dir / "run-1/Db.json"));
  EXPECT_TRUE(std::filesystem::exists(report_dir / "run-2/Db.json"));
  EXPECT_FALSE(std::filesystem::exists(report_dir / "run-3"));
}

// The baselines the pipelines gate against (flat or in run-K/ folders) read
// as reports and were recorded for as long as the pipelines run each preset.
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
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           kSourceDir / "ci/baselines")) {
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
