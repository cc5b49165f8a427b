// The Debian package and the CLI image, each in a container (podman with
// runc, labels integration;container): the .deb of this build, installed
// with apt into a clean Debian bookworm, must pull everything a consumer
// needs (its Depends) and build and pass examples/consumer there; the CLI
// image built by compose/local-stack.sh build-cli must report this version
// and run a load test against a server this test starts on 127.0.0.1,
// writing its report to a mounted directory. Skipped only when podman
// cannot run containers here; anything after that fails.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "loadgate/version.h"
#include "support/run_command.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using test_support::CommandResult;
using test_support::ReadFileText;
using test_support::Respond;
using test_support::RunCommand;
using test_support::TempDir;
using test_support::TestServer;
using ::testing::HasSubstr;

namespace fs = std::filesystem;

constexpr char kLocalStack[] = LOADGATE_SOURCE_DIR "/compose/local-stack.sh";
constexpr char kDebCheckImage[] = "localhost/loadgate-deb-check:bookworm";
constexpr char kCliImage[] = "localhost/loadgate-cli:latest";
// The first build of an image may debootstrap the base image and download
// the toolchain.
constexpr auto kImageBuildTimeout = 20min;
// apt-get install, configure, build and `ctest -L load` of the consumer;
// the container ends itself (coreutils timeout) a minute before the test
// gives up on it.
constexpr auto kConsumerTimeout = 10min;
constexpr char kConsumerTimeoutInContainer[] = "540";

// In the clean container: install the package with apt (no recommends, so
// only its Depends come in), then build the consumer and run its load
// tests, each step announced so that a failure says which one it was.
constexpr char kInstallAndBuildConsumer[] = R"(set -e
step() { echo "== $*"; }
step apt-get install ./$DEB
apt-get install -y --no-install-recommends "/package/$DEB" > /tmp/apt.log 2>&1 ||
  { tail -n 40 /tmp/apt.log; exit 1; }
dpkg-query -W loadgate
loadgate --version
step configure examples/consumer
cmake -S /consumer -B /tmp/build > /tmp/configure.log 2>&1 ||
  { cat /tmp/configure.log; exit 1; }
step build
cmake --build /tmp/build
step ctest
ctest --test-dir /tmp/build -N
ctest --test-dir /tmp/build -L load --output-on-failure
ls /tmp/build/load-reports
)";

// Why podman cannot run containers here, or "" when it can.
std::string WhyContainersCannotRun(const fs::path& scratch) {
  for (const char* tool : {"podman", "runc"}) {
    if (RunCommand({"/bin/sh", "-c", std::string("command -v ") + tool},
                   scratch)
            .exit_code != 0) {
      // compose/containers.conf runs containers with runc.
      return std::string(tool) +
             " is not in PATH (apt-get install podman runc debootstrap)";
    }
  }
  const CommandResult info =
      RunCommand({"/usr/bin/env", "podman", "info"}, scratch, 2min);
  if (info.exit_code != 0) {
    return "podman cannot run containers here: `podman info` exited " +
           std::to_string(info.exit_code) + ": " + info.err;
  }
  return "";
}

class PackageDebTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The ulimits and runtime of this kind of host, as local-stack.sh and
    // the stack fixtures use (unless the caller chose its own); the images
    // are named here, and built from this build's binaries.
    setenv("CONTAINERS_CONF", LOADGATE_SOURCE_DIR "/compose/containers.conf",
           /*overwrite=*/0);
    setenv("LOADGATE_DEB_CHECK_IMAGE", kDebCheckImage, 1);
    setenv("LOADGATE_CLI_IMAGE", kCliImage, 1);
    setenv("LOADGATE_BIN_DIR", LOADGATE_BINARY_DIR "/bin", 1);
    const std::string why_not = WhyContainersCannotRun(scratch_.path());
    if (!why_not.empty()) GTEST_SKIP() << why_not;
  }

  // `argv` run to completion; a failure shows what it printed.
  CommandResult Run(const std::vector<std::string>& argv,
                    std::chrono::seconds timeout) {
    CommandResult result = RunCommand(argv, scratch_.path(), timeout);
    EXPECT_EQ(result.exit_code, 0) << argv[0] << " " << argv[1] << " ...\n"
                                   << result.out << result.err;
    return result;
  }

  // The .deb of what this build holds, packaged into `dir` by CPack (not
  // the `package` target, which would build every target first).
  fs::path PackageInto(const fs::path& dir) {
    Run({LOADGATE_CPACK_COMMAND, "--config",
         LOADGATE_BINARY_DIR "/CPackConfig.cmake", "-B",
         (scratch_.path() / "cpack").string(), "-D",
         "CPACK_OUTPUT_FILE_PREFIX=" + dir.string()},
        5min);
    for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() == ".deb") return entry.path();
    }
    return {};
  }

  TempDir scratch_;
};

TEST_F(PackageDebTest, InstallsIntoCleanDebianAndBuildsTheConsumer) {
  const TempDir packages;
  const fs::path deb = PackageInto(packages.path());
  ASSERT_FALSE(deb.empty()) << "cpack wrote no .deb";
  ASSERT_EQ(
      Run({kLocalStack, "build-deb-check", deb.string()}, kImageBuildTimeout)
          .exit_code,
      0);

  const CommandResult run =
      Run({"/usr/bin/env", "podman", "run", "--rm", "--network", "host", "-e",
           "DEB=" + deb.filename().string(), "-v",
           packages.path().string() + ":/package:ro", "-v",
           LOADGATE_SOURCE_DIR "/examples/consumer:/consumer:ro",
           kDebCheckImage, "timeout", kConsumerTimeoutInContainer, "sh", "-c",
           kInstallAndBuildConsumer},
          kConsumerTimeout);
  ASSERT_EQ(run.exit_code, 0);  // what it printed is above
  EXPECT_THAT(run.out, HasSubstr("loadgate\t" LOADGATE_VERSION_STRING "\n"));
  EXPECT_THAT(run.out, HasSubstr("loadgate " LOADGATE_VERSION_STRING "\n"));
  // The consumer's ctest holds its one test, nothing of loadgate's, and it
  // passes, writing its report.
  EXPECT_THAT(run.out, HasSubstr("Test #1: HelloLoad.AnswersFast"));
  EXPECT_THAT(run.out, HasSubstr("Total Tests: 1\n"));
  EXPECT_THAT(run.out, HasSubstr("100% tests passed, 0 tests failed out of 1"));
  EXPECT_THAT(run.out, HasSubstr("HelloLoad.AnswersFast.json\n"));
}

TEST_F(PackageDebTest, CliImageRunsALoadTestOnLoopback) {
  ASSERT_EQ(Run({kLocalStack, "build-cli"}, kImageBuildTimeout).exit_code, 0);
  EXPECT_EQ(Run({"/usr/bin/env", "podman", "run", "--rm", "--network", "host",
                 kCliImage, "--version"},
                1min)
                .out,
            "loadgate " LOADGATE_VERSION_STRING "\n");

  TestServer server;
  server.Handle("/hello", Respond(200, "hello"));
  // The image runs as an unprivileged user, whose uid differs from the
  // test's: the mounted report directory must be writable by anyone.
  const TempDir reports;
  fs::permissions(reports.path(), fs::perms::all);
  const CommandResult run = Run({"/usr/bin/env",
                                 "podman",
                                 "run",
                                 "--rm",
                                 "--network",
                                 "host",
                                 "-v",
                                 reports.path().string() + ":/reports",
                                 kCliImage,
                                 "run",
                                 "--url",
                                 server.base_url() + "/hello",
                                 "--rate",
                                 "20",
                                 "-d",
                                 "2s",
                                 "--threads",
                                 "1",
                                 "--slo",
                                 "error_rate < 1%",
                                 "-q",
                                 "-o",
                                 "/reports/run.json",
                                 "--html",
                                 "/reports/run.html"},
                                2min);
  EXPECT_THAT(run.out, HasSubstr("SLOs: 1 passed, 0 failed"));

  const std::string json = ReadFileText(reports.path() / "run.json");
  ASSERT_FALSE(json.empty()) << "no report in the mounted directory";
  const nlohmann::json report = nlohmann::json::parse(json);
  const uint64_t requests = report["summary"]["requests"].get<uint64_t>();
  EXPECT_GT(requests, 0u);
  EXPECT_EQ(report["summary"]["errors"].get<uint64_t>(), 0u);
  // The requests went to this test's server, on 127.0.0.1.
  EXPECT_GE(server.requests(), requests);
  EXPECT_TRUE(fs::exists(reports.path() / "run.html"));
}

// A distributed run's shard as it runs on a cluster node: in the CLI image,
// delivering its report to a collector (here on the host, over 127.0.0.1),
// which merges it with the other shard's and judges the whole test.
TEST_F(PackageDebTest, AShardInTheImageDeliversToACollector) {
  ASSERT_EQ(Run({kLocalStack, "build-cli"}, kImageBuildTimeout).exit_code, 0);
  TestServer server;
  server.Handle("/hello", Respond(200, "hello"));
  const TempDir collector_dir;
  const fs::path merged = collector_dir.path() / "merged.json";
  auto shard = [&](int index, const std::string& url, bool in_image) {
    std::vector<std::string> argv;
    if (in_image) {
      argv = {"/usr/bin/env", "podman", "run",    "--rm",
              "--network",    "host",   kCliImage};
    } else {
      argv = {std::string(LOADGATE_BINARY_DIR) + "/bin/loadgate"};
    }
    argv.insert(
        argv.end(),
        {"run", "--url", server.base_url() + "/hello", "--rate", "20", "-d",
         "2s", "--threads", "1", "--slo", "error_rate < 1%", "-q", "--shard",
         std::to_string(index) + "/2", "--send-report", url});
    return Run(argv, 2min);
  };
  const CommandResult collector = test_support::RunLoadgate(
      {"collect", "--listen", "127.0.0.1:0", "--expect", "2", "--deadline",
       "2m", "-o", merged.string()},
      collector_dir.path(), [&](pid_t) {
        const std::string url =
            test_support::CollectorUrl(collector_dir.path());
        ASSERT_FALSE(url.empty())
            << ReadFileText(collector_dir.path() / "stderr");
        const CommandResult in_image = shard(0, url, true);
        EXPECT_THAT(in_image.err, HasSubstr("201 accepted shard 0/2"))
            << in_image.out;
        const CommandResult on_host = shard(1, url, false);
        EXPECT_THAT(on_host.err, HasSubstr("201 accepted shard 1/2"));
      });
  EXPECT_EQ(collector.exit_code, 0) << collector.out << collector.err;
  EXPECT_THAT(collector.out, HasSubstr("merged 2 of 2 shards"));
  const nlohmann::json report = nlohmann::json::parse(ReadFileText(merged));
  // 40 arrivals in 2 s at 20/s, half sent from the container.
  EXPECT_EQ(report["summary"]["requests"].get<uint64_t>(), 40u);
  EXPECT_EQ(server.requests(), 40u);
}

}  // namespace
}  // namespace loadgate
