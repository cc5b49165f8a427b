// Builds examples/consumer, an outside project, against this checkout as a
// team would: from the installed package (`cmake --install` into a temporary
// prefix, find_package) and through FetchContent of the source tree. In both
// the consumer's `ctest -L load` lists only its own test and passes, and an
// objective it cannot meet fails it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "support/run_command.h"
#include "support/temp_dir.h"

namespace loadgate {
namespace {

using test_support::CommandResult;
using test_support::RunCommand;
using test_support::TempDir;
using ::testing::HasSubstr;

namespace fs = std::filesystem;

// Configuring and building loadgate's libraries as a subproject takes a few
// minutes from a cold cache on a busy machine.
constexpr std::chrono::minutes kBuildTimeout(15);

class PackageConsumerTest : public ::testing::Test {
 protected:
  // cmake or ctest with `args`; its output is kept in the scratch directory
  // and printed when it fails.
  CommandResult Run(const std::string& program, std::vector<std::string> args,
                    std::chrono::seconds timeout = std::chrono::minutes(2)) {
    args.insert(args.begin(), program);
    CommandResult result = RunCommand(args, scratch_.path(), timeout);
    if (result.exit_code != 0) {
      ADD_FAILURE() << "note: " << args[1] << " ... exited " << result.exit_code
                    << "\n"
                    << result.out << result.err;
    }
    return result;
  }

  // `cmake --install` of this build into `prefix`.
  void Install(const fs::path& prefix) {
    ASSERT_EQ(Run(LOADGATE_CMAKE_COMMAND,
                  {"--install", LOADGATE_BINARY_DIR, "--prefix", prefix})
                  .exit_code,
              0);
  }

  // Configures `source` (examples/consumer by default) into `build_dir`
  // with this build's compiler and flags (an ASan build's libraries need
  // ASan in the consumer too) and `extra` arguments, then builds it.
  void ConfigureAndBuild(const fs::path& build_dir,
                         std::vector<std::string> extra,
                         const fs::path& source = LOADGATE_SOURCE_DIR
                         "/examples/consumer") {
    std::vector<std::string> configure = {"-S",
                                          source,
                                          "-B",
                                          build_dir,
                                          "-G",
                                          LOADGATE_CMAKE_GENERATOR,
                                          "-C",
                                          LOADGATE_CONSUMER_INITIAL_CACHE,
                                          "-DHELLO_P95_LIMIT_MS=200"};
    configure.insert(configure.end(), extra.begin(), extra.end());
    ASSERT_EQ(Run(LOADGATE_CMAKE_COMMAND, configure, kBuildTimeout).exit_code,
              0);
    ASSERT_EQ(Run(LOADGATE_CMAKE_COMMAND,
                  {"--build", build_dir, "--parallel", "2"}, kBuildTimeout)
                  .exit_code,
              0);
  }

  // `ctest -L load` in the consumer lists its one test, nothing of
  // loadgate's, and passes, writing its report where the consumer's
  // loadgate_add_load_test(REPORT_DIR load-reports) says.
  void ExpectOnlyTheConsumerTestPasses(const fs::path& build_dir) {
    const CommandResult listed =
        Run(LOADGATE_CTEST_COMMAND, {"--test-dir", build_dir, "-N"});
    EXPECT_THAT(listed.out, HasSubstr("Test #1: HelloLoad.AnswersFast"));
    EXPECT_THAT(listed.out, HasSubstr("Total Tests: 1\n"));
    const CommandResult run =
        Run(LOADGATE_CTEST_COMMAND,
            {"--test-dir", build_dir, "-L", "load", "--output-on-failure"});
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_THAT(run.out,
                HasSubstr("100% tests passed, 0 tests failed out of 1"));
    EXPECT_TRUE(
        fs::exists(build_dir / "load-reports/HelloLoad.AnswersFast.json"));
  }

  // The same project with a p95 objective of 0 ms fails its load test.
  void ExpectAnImpossibleObjectiveFails(const fs::path& build_dir) {
    ASSERT_EQ(Run(LOADGATE_CMAKE_COMMAND,
                  {"-DHELLO_P95_LIMIT_MS=0", build_dir.string()})
                  .exit_code,
              0);
    ASSERT_EQ(Run(LOADGATE_CMAKE_COMMAND, {"--build", build_dir}).exit_code, 0);
    const CommandResult run =
        RunCommand({LOADGATE_CTEST_COMMAND, "--test-dir", build_dir, "-L",
                    "load", "--output-on-failure"},
                   scratch_.path(), std::chrono::minutes(2));
    EXPECT_NE(run.exit_code, 0);
    EXPECT_THAT(run.out, HasSubstr("Expected: p95 latency is < 0 ms"));
    EXPECT_THAT(run.out, HasSubstr("0% tests passed, 1 tests failed out of 1"));
  }

  TempDir scratch_;
};

TEST_F(PackageConsumerTest, BuildsAgainstTheInstalledPackage) {
  const TempDir prefix;
  ASSERT_NO_FATAL_FAILURE(Install(prefix.path()));
  EXPECT_TRUE(fs::exists(prefix.path() / "bin/loadgate"));
  EXPECT_TRUE(fs::exists(prefix.path() / "include/loadgate/version.h"));

  const TempDir build;
  ConfigureAndBuild(build.path(),
                    {"-DCMAKE_PREFIX_PATH=" + prefix.path().string()});
  if (HasFatalFailure()) return;
  ExpectOnlyTheConsumerTestPasses(build.path());
  ExpectAnImpossibleObjectiveFails(build.path());
}

// The installed fixtures look for the sample stack's programs and compose
// files in the prefix the package is found in (not in this build tree),
// and start the installed programs from there.
TEST_F(PackageConsumerTest, InstalledFixturesUseTheInstalledServices) {
  const TempDir prefix;
  ASSERT_NO_FATAL_FAILURE(Install(prefix.path()));
  const fs::path services = prefix.path() / "libexec/loadgate";
  EXPECT_TRUE(fs::exists(services / "mock-llm"));
  EXPECT_TRUE(fs::exists(services / "sample-app"));
  EXPECT_TRUE(
      fs::exists(prefix.path() / "share/loadgate/compose/local-stack.sh"));

  const TempDir project;
  project.WriteFile("CMakeLists.txt", R"(
cmake_minimum_required(VERSION 3.25)
project(installed_stack LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 20)
find_package(loadgate 0.2 CONFIG REQUIRED)
add_executable(installed_stack main.cc)
target_link_libraries(installed_stack PRIVATE loadgate::fixtures)
)");
  project.WriteFile("main.cc", R"(
#include <iostream>
#include "loadgate/fixtures/stack.h"
int main() {
  namespace fx = loadgate::fixtures;
  std::cout << fx::DefaultServiceDir().string() << "\n"
            << fx::DefaultComposeDir().string() << "\n";
  fx::Stack stack({.mode = fx::StackMode::kProcess});
  stack.Start();
  std::cout << "started " << stack.app_url() << "\n";
}
)");
  const TempDir build;
  ConfigureAndBuild(build.path(),
                    {"-DCMAKE_PREFIX_PATH=" + prefix.path().string()},
                    project.path());
  if (HasFatalFailure()) return;
  const CommandResult run = Run(
      "/usr/bin/env", {"-u", "LOADGATE_BIN_DIR", "-u", "LOADGATE_COMPOSE_DIR",
                       "LOADGATE_REPORT_DIR=" + scratch_.path().string(),
                       (build.path() / "installed_stack").string()});
  EXPECT_THAT(run.out, ::testing::StartsWith(
                           services.string() + "\n" + prefix.path().string() +
                           "/share/loadgate/compose\nstarted http://"));
}

// The build directory stays in this build's tree, so that a rerun compiles
// only what changed.
TEST_F(PackageConsumerTest, BuildsLoadgateAsASubprojectThroughFetchContent) {
  const fs::path build =
      fs::path(LOADGATE_BINARY_DIR) / "package_consumer_fetch";
  ConfigureAndBuild(build, {"-DLOADGATE_SOURCE_DIR=" LOADGATE_SOURCE_DIR});
  if (HasFatalFailure()) return;
  // Only loadgate's libraries and CLI were built: none of its services,
  // tests, suites or benchmarks.
  for (const char* program : {"mock-llm", "sample-app", "db_api_load",
                              "metrics_test", "histogram_bench"}) {
    EXPECT_FALSE(fs::exists(build / "_deps/loadgate-build/bin" / program))
        << program;
  }
  EXPECT_TRUE(fs::exists(build / "_deps/loadgate-build/bin/loadgate"));
  // A subproject's libraries are unity builds (LOADGATE_UNITY_BUILD), so
  // this case keeps them compiling as such; the fixtures, built only for a
  // consumer that links them, are built here for the same reason.
  const fs::path loadgate_build = build / "_deps/loadgate-build";
  EXPECT_TRUE(fs::exists(loadgate_build /
                         "framework/CMakeFiles/loadgate_http.dir/Unity"));
  EXPECT_EQ(Run(LOADGATE_CMAKE_COMMAND,
                {"--build", build, "--parallel", "2", "--target",
                 "loadgate_fixtures"},
                kBuildTimeout)
                .exit_code,
            0);
  EXPECT_TRUE(fs::exists(loadgate_build /
                         "fixtures/CMakeFiles/loadgate_fixtures.dir/Unity"));
  ExpectOnlyTheConsumerTestPasses(build);
  ExpectAnImpossibleObjectiveFails(build);
}

}  // namespace
}  // namespace loadgate
