// ServiceStack, the stack of a team's own services: commands that name each
// other's ports and URLs, a service that dies at start-up, the environment
// that fails (never skips) the tests of a stack that did not start, and a
// container image on the host network (labels integration;container).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "loadgate/fixtures/default_paths.h"
#include "loadgate/fixtures/service_stack.h"
#include "loadgate/fixtures/stack.h"
#include "loadgate/http_probe.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace loadgate::fixtures {
namespace {

using test_support::RunCommand;
using test_support::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;
using namespace std::chrono_literals;

constexpr auto kRequestTimeout = 10s;
constexpr char kChildVariable[] = "LOADGATE_SERVICE_STACK_CHILD";

// A service that prints `line` and exits with status 3 before it listens.
ServiceSpec Crasher(const std::string& line) {
  return {.name = "crasher",
          .command = {"sh", "-c", "echo '" + line + "' >&2; exit 3"},
          .probe = Probe::Http("/health")};
}

// The child run of AStackThatDidNotStartFailsEveryTestThatUsesIt: a test
// binary whose stack cannot start, and one test that uses it (registered
// only there, so that ctest never lists it).
class ChildTest : public ::testing::Test {
 public:
  explicit ChildTest(ServiceStackEnvironment* environment)
      : environment_(environment) {}
  void TestBody() override { environment_->stack().url("crasher"); }

 private:
  ServiceStackEnvironment* environment_;
};

[[maybe_unused]] const bool kChildMode = [] {
  if (!getenv(kChildVariable)) return false;
  ServiceStackEnvironment* environment =
      AddServiceStackEnvironment({Crasher("listen: address in use")});
  ::testing::RegisterTest(
      "ServiceStackChild", "UsesTheStack", nullptr, nullptr, __FILE__, __LINE__,
      [=]() -> ::testing::Test* { return new ChildTest(environment); });
  return true;
}();

// Why the test cannot use this build's mock-llm and sample-app, or "".
std::string MissingSampleServices() {
  for (const char* program : {"mock-llm", "sample-app"}) {
    if (!std::filesystem::exists(DefaultServiceDir() / program)) {
      return (DefaultServiceDir() / program).string() +
             " is not built (cmake --build <dir> --target loadgate_mock_llm "
             "loadgate_sample_app, or set LOADGATE_BIN_DIR)";
    }
  }
  return "";
}

ServiceSpec MockLlm() {
  return {.name = "mock-llm",
          .command = {(DefaultServiceDir() / "mock-llm").string(), "--host",
                      "127.0.0.1", "--port", "{port}", "--ttft-ms", "5",
                      "--itl-ms", "1"},
          .port_source = PortSource::kListeningLine};
}

// The sample app on a fresh SQLite file, its LLM at `llm_url`.
ServiceSpec SampleApp(const TempDir& dir, const std::string& llm_url) {
  return {.name = "sample-app",
          .command = {(DefaultServiceDir() / "sample-app").string(), "--host",
                      "127.0.0.1", "--port", "{port}", "--db",
                      "sqlite:" + (dir.path() / "app.db").string(), "--llm-url",
                      llm_url},
          .port_source = PortSource::kListeningLine};
}

// A triage through the app, which asks its LLM.
HttpProbeResult Triage(const std::string& app_url) {
  HttpProbeResult page =
      HttpGet(app_url + "/patients?limit=1", kRequestTimeout);
  if (!page.ok()) return page;
  nlohmann::json body = {
      {"mrn", nlohmann::json::parse(page.body).at("items").at(0).at("mrn")},
      {"query", "Is this urgent?"}};
  return HttpFetch("POST", app_url + "/triage", body.dump(), "application/json",
                   kRequestTimeout);
}

// The log of `service` once it holds `text` (bounded wait), else as it is.
std::string LogOnceItHolds(Service& service, const std::string& text) {
  for (int i = 0; i < 200; ++i) {
    std::string log = service.LogTail(40);
    if (log.find(text) != std::string::npos) return log;
    std::this_thread::sleep_for(25ms);
  }
  return service.LogTail(40);
}

TEST(ServiceStackTest, StartsCommandsInOrderAndResolvesPortsAndUrls) {
  if (std::string why = MissingSampleServices(); !why.empty()) {
    GTEST_SKIP() << why;
  }
  TempDir dir;
  ServiceStack stack({
      MockLlm(),
      SampleApp(dir, "{url:mock-llm}"),
      ServiceSpec{.name = "reporter",
                  .command = {"sh", "-c",
                              "echo \"app=$APP llm-port={port:mock-llm}\"; "
                              "exec sleep 300"},
                  .environment = {{"APP", "{url:sample-app}"}},
                  .port_source = PortSource::kNone,
                  .probe = Probe::None()},
  });
  stack.Start();

  const std::string llm_url = stack.url("mock-llm");
  const std::string app_url = stack.url("sample-app");
  EXPECT_THAT(llm_url, ::testing::StartsWith("http://127.0.0.1:"));
  EXPECT_EQ(app_url,
            "http://127.0.0.1:" + std::to_string(stack.port("sample-app")));
  EXPECT_TRUE(HttpGet(app_url + "/health", kRequestTimeout).ok());
  // The app found the LLM through {url:mock-llm}.
  HttpProbeResult triage = Triage(app_url);
  ASSERT_TRUE(triage.ok()) << triage.status << " " << triage.error << " "
                           << triage.body;
  EXPECT_FALSE(nlohmann::json::parse(triage.body).at("response").empty());
  // Environment values are resolved too.
  const std::string expected =
      "app=" + app_url + " llm-port=" + std::to_string(stack.port("mock-llm"));
  EXPECT_THAT(LogOnceItHolds(*stack.service("reporter"), expected),
              HasSubstr(expected));
  EXPECT_EQ(stack.service("reporter")->log_file().parent_path(),
            ReportDir() / "logs");

  // Commands are processes, sampled; an unknown name is no service.
  ProcessService* app = stack.process("sample-app");
  ASSERT_NE(app, nullptr);
  for (int i = 0; i < 100 && app->Resources().samples < 1; ++i) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_GE(app->Resources().samples, 1);
  EXPECT_EQ(stack.service("nope"), nullptr);
  EXPECT_THAT([&] { stack.url("nope"); },
              ThrowsMessage<std::out_of_range>(HasSubstr("\"nope\"")));

  stack.Stop();
  EXPECT_FALSE(HttpGet(app_url + "/health", 2s).ok());
  EXPECT_FALSE(HttpGet(llm_url + "/health", 2s).ok());
  EXPECT_EQ(stack.service("sample-app"), nullptr);
}

TEST(ServiceStackTest, AServiceThatExitsAtOnceFailsTheStartWithItsLogTail) {
  TempDir dir;
  const std::filesystem::path sleeper_log = dir.path() / "sleeper.log";
  ServiceStack stack({
      // Ready once it printed its pid: the stack waits for the port line
      // (a port nothing probes).
      ServiceSpec{.name = "sleeper",
                  .command = {"sh", "-c",
                              "echo pid=$$; echo listening on 127.0.0.1:9; "
                              "exec sleep 300"},
                  .port_source = PortSource::kListeningLine,
                  .probe = Probe::None(),
                  .log_file = sleeper_log},
      Crasher("config.yaml: no such file"),
  });
  EXPECT_THAT([&] { stack.Start(); },
              ThrowsMessage<StartError>(
                  AllOf(HasSubstr("service crasher exited with status 3"),
                        HasSubstr("config.yaml: no such file"))));
  // What had started was stopped.
  std::string log = TailFile(sleeper_log, 5);
  size_t at = log.find("\npid=");  // not the start marker's command line
  ASSERT_NE(at, std::string::npos) << log;
  pid_t sleeper = static_cast<pid_t>(std::stol(log.substr(at + 5)));
  EXPECT_EQ(kill(sleeper, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  EXPECT_EQ(stack.service("sleeper"), nullptr);
}

TEST(ServiceStackTest, APlaceholderMustNameAnEarlierService) {
  ServiceStack stack({
      ServiceSpec{.name = "client",
                  .command = {"sh", "-c", "exec sleep 300", "{url:server}"},
                  .port_source = PortSource::kNone,
                  .probe = Probe::None()},
      ServiceSpec{.name = "server",
                  .command = {"sleep", "300"},
                  .port_source = PortSource::kNone,
                  .probe = Probe::None()},
  });
  EXPECT_THAT([&] { stack.Start(); },
              ThrowsMessage<StartError>(HasSubstr(
                  "client: \"{url:server}\" names no service started before "
                  "it")));
}

TEST(ServiceStackTest, NamesAreRequiredAndUnique) {
  ServiceSpec sleeper{.name = "sleeper", .command = {"sleep", "1"}};
  EXPECT_THAT(
      [&] {
        ServiceStack({sleeper, sleeper});
      },
      ThrowsMessage<std::invalid_argument>(
          HasSubstr("two stack services are named \"sleeper\"")));
  EXPECT_THAT(
      [] {
        ServiceStack({ServiceSpec{.command = {"sleep", "1"}}});
      },
      ThrowsMessage<std::invalid_argument>(HasSubstr("needs a name")));
}

// A whole test binary, as ctest runs it: the stack's start fails, the test
// that uses it fails with the service's log tail, and the binary exits 1
// (a skip would count as a pass in ctest).
TEST(ServiceStackEnvironmentTest,
     AStackThatDidNotStartFailsEveryTestThatUsesIt) {
  TempDir scratch;
  setenv(kChildVariable, "1", 1);
  test_support::CommandResult child = RunCommand(
      {"/proc/self/exe", "--gtest_filter=ServiceStackChild.*"}, scratch.path());
  unsetenv(kChildVariable);
  EXPECT_EQ(child.exit_code, 1) << child.out << child.err;
  EXPECT_THAT(child.out,
              AllOf(HasSubstr("[  FAILED  ] ServiceStackChild.UsesTheStack"),
                    HasSubstr("the stack did not start: service crasher "
                              "exited with status 3"),
                    HasSubstr("listen: address in use")));
  // (Not spelled out in a matcher: its description would put the skip
  // marker in this test's own output, which ctest reads as a skip.)
  EXPECT_EQ(child.out.find("SKIPPED"), std::string::npos);
}

// The sample stack, one user of ServiceStack: without its programs it says
// where it looked and how to get them.
TEST(SampleStackTest, MissingProgramsSayWhereTheyWereLookedFor) {
  TempDir empty;
  Stack stack({.mode = StackMode::kProcess, .bin_dir = empty.path()});
  EXPECT_THAT([&] { stack.Start(); },
              ThrowsMessage<StartError>(AllOf(
                  HasSubstr("mock-llm is not in " + empty.path().string()),
                  HasSubstr("Set LOADGATE_BIN_DIR"),
                  HasSubstr("-DLOADGATE_BUILD_SERVICES=ON"))));
}

// Why images cannot run here, or "" when the container CLI works.
std::string ContainerCliUnusable() {
  std::optional<std::string> cli = DetectContainerCli();
  if (!cli) return "no podman or docker in PATH";
  TempDir scratch;
  if (RunCommand({"/usr/bin/env", *cli, "info"}, scratch.path()).exit_code !=
      0) {
    return *cli + " info fails: the container CLI is not usable here";
  }
  return "";
}

// Builds the mock LLM's image from the local base (compose/local-stack.sh)
// unless it exists; "" when it is there, else the build's output.
std::string EnsureImage(const std::string& cli, const std::string& image) {
  TempDir scratch;
  if (RunCommand({"/usr/bin/env", cli, "image", "inspect", image},
                 scratch.path())
          .exit_code == 0) {
    return "";
  }
  setenv("LOADGATE_BIN_DIR", DefaultServiceDir().c_str(), 0);
  test_support::CommandResult build =
      RunCommand({LOADGATE_SOURCE_DIR "/compose/local-stack.sh", "build"},
                 scratch.path(), std::chrono::minutes(15));
  return build.exit_code == 0 ? "" : build.out + build.err;
}

TEST(ServiceStackImageTest, RunsAnImageOnTheHostNetworkNextToACommand) {
  if (std::string why = ContainerCliUnusable(); !why.empty()) {
    GTEST_SKIP() << why;
  }
  if (std::string why = MissingSampleServices(); !why.empty()) {
    GTEST_SKIP() << why;
  }
  // This host's podman settings (runc, ulimits), as the sample stack uses.
  setenv("CONTAINERS_CONF", LOADGATE_SOURCE_DIR "/compose/containers.conf", 0);
  const std::string image = "localhost/loadgate-mock-llm:latest";
  ASSERT_EQ(EnsureImage(*DetectContainerCli(), image), "");
  // As ServiceStackEnvironment does: a ctest timeout or ^C still removes
  // the container.
  InstallSignalTeardown();

  TempDir dir;
  ServiceStack stack({
      ImageSpec{.name = "llm",
                .image = image,
                .args = {"--host", "127.0.0.1", "--port", "{port}", "--ttft-ms",
                         "5", "--itl-ms", "1"}},
      SampleApp(dir, "{url:llm}"),
  });
  stack.Start();
  const std::string llm_url = stack.url("llm");
  EXPECT_TRUE(HttpGet(llm_url + "/health", kRequestTimeout).ok());
  EXPECT_THAT(stack.service("llm")->LogTail(), HasSubstr("listening on "));
  EXPECT_EQ(stack.process("llm"), nullptr);  // the CLI is not the service
  HttpProbeResult triage = Triage(stack.url("sample-app"));
  EXPECT_TRUE(triage.ok()) << triage.status << " " << triage.body;

  // Chaos on the container, then back on the same port.
  stack.service("llm")->Kill();
  EXPECT_FALSE(stack.service("llm")->running());
  EXPECT_FALSE(HttpGet(llm_url + "/health", 2s).ok());
  stack.service("llm")->Restart();
  EXPECT_EQ(stack.url("llm"), llm_url);
  EXPECT_TRUE(HttpGet(llm_url + "/health", kRequestTimeout).ok());

  stack.Stop();
  TempDir scratch;
  test_support::CommandResult left = RunCommand(
      {"/usr/bin/env", *DetectContainerCli(), "ps", "-a", "-q", "--filter",
       "name=loadgate-" + std::to_string(getpid()) + "-llm"},
      scratch.path());
  EXPECT_EQ(left.out, "");
}

}  // namespace
}  // namespace loadgate::fixtures
