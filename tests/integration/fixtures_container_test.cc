// The container stack end to end: images built from the local base image,
// compose up with host networking, real requests through the app and the
// mock LLM, compose down. Labels integration;container (slow the first
// time: debootstrap of the base image).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "loadgate/fixtures/stack.h"
#include "loadgate/http_probe.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace loadgate::fixtures {
namespace {

using namespace std::chrono_literals;

constexpr auto kRequestTimeout = 15s;

// The ids of the running containers of compose project `project` (podman
// found in PATH).
std::string ProjectContainers(const std::string& project) {
  test_support::TempDir scratch;
  return test_support::RunCommand(
             {"/usr/bin/env", "podman", "ps", "-q", "--filter",
              "label=com.docker.compose.project=" + project},
             scratch.path())
      .out;
}

TEST(ContainerStackTest, ServesRequestsOnLoopbackAndTearsDown) {
  std::optional<ContainerTool> tool = DetectContainerTool();
  if (!tool || tool->cli != "podman") {
    GTEST_SKIP() << "podman with podman-compose is not installed "
                    "(apt-get install podman runc podman-compose debootstrap)";
  }
  // As StackEnvironment does: a ctest timeout or ^C still removes the
  // containers.
  InstallSignalTeardown();
  StackOptions options{
      .mode = StackMode::kContainer, .llm_ttft_ms = 5, .llm_itl_ms = 1};
  auto stack = std::make_unique<Stack>(options);
  for (const char* binary : {"mock-llm", "sample-app"}) {
    if (!std::filesystem::exists(stack->options().bin_dir / binary)) {
      GTEST_SKIP() << (stack->options().bin_dir / binary).string()
                   << " is not built";
    }
  }
  stack->Start();
  const std::string project = "loadgate-" + std::to_string(getpid());
  EXPECT_THAT(ProjectContainers(project), ::testing::Not(""));

  ASSERT_THAT(stack->app_url(), ::testing::StartsWith("http://127.0.0.1:"));
  ASSERT_THAT(stack->llm_url(), ::testing::StartsWith("http://127.0.0.1:"));
  EXPECT_TRUE(HttpGet(stack->llm_url() + "/health", kRequestTimeout).ok());
  HttpProbeResult health =
      HttpGet(stack->app_url() + "/health", kRequestTimeout);
  EXPECT_TRUE(health.ok()) << health.status << " " << health.error;

  // The DB API.
  HttpProbeResult page =
      HttpGet(stack->app_url() + "/patients?limit=1", kRequestTimeout);
  ASSERT_TRUE(page.ok()) << page.status << " " << page.error << page.body;
  std::string mrn =
      nlohmann::json::parse(page.body).at("items").at(0).at("mrn");
  HttpProbeResult patient =
      HttpGet(stack->app_url() + "/patients/" + mrn, kRequestTimeout);
  EXPECT_TRUE(patient.ok()) << patient.status << " " << patient.body;

  // A triage: app container -> mock LLM container, over 127.0.0.1.
  nlohmann::json triage_body = {{"mrn", mrn}, {"query", "Is this urgent?"}};
  HttpProbeResult triage =
      HttpFetch("POST", stack->app_url() + "/triage", triage_body.dump(),
                "application/json", kRequestTimeout);
  ASSERT_TRUE(triage.ok()) << triage.status << " " << triage.error << " "
                           << triage.body;
  EXPECT_FALSE(nlohmann::json::parse(triage.body).at("response").empty());

  // Chaos on a container: killed, then restarted on the same port.
  stack->llm()->Kill();
  EXPECT_FALSE(stack->llm()->running());
  stack->llm()->Restart();
  EXPECT_TRUE(HttpGet(stack->llm_url() + "/health", kRequestTimeout).ok());

  stack->Stop();
  EXPECT_EQ(ProjectContainers(project), "");
  EXPECT_FALSE(HttpGet(stack->app_url() + "/health", 2s).ok());
}

}  // namespace
}  // namespace loadgate::fixtures
