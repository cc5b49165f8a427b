// The chat API under load: health checks, LLM-backed triage questions about
// sample patients, and agent sessions where a customer posts a message and
// long-polls until the agent has answered. The whole agent turn is recorded
// as the custom metric `full_turn`. Objectives: p95 latency under 3 s and
// under 1 % errors, per preset (configs/chat_api_<N>rps.json).
//
// In process mode the stack's mock LLM answers with a 50 ms time to first
// token and 10 ms per token (StackOptions defaults, about 0.7 s per answer),
// not a real model's 0.5-2 s: the suite measures the application, and keeps
// 1000 req/s on a 2-core machine within what loopback can carry.
//
// The mix is 10 % health checks, 80 % triage and 10 % agent turns. Each turn
// is three durable SQLite commits (session, message, agent reply); with 20 %
// turns the 1000 req/s preset saturates the app's database pool on a 2-core
// machine (10 % of requests got 503 over 30 s).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "loadgate/fixtures/stack.h"
#include "loadgate/scenario.h"
#include "loadgate/slo.h"
#include "loadgate/testing.h"
#include "sample_app_workload.h"
#include "suite_config.h"

namespace loadgate::suites {
namespace {

using ::testing::Lt;
using namespace std::chrono_literals;

// The stack this binary runs against (LOADGATE_STACK), started once before
// the first test and stopped after the last.
fixtures::StackEnvironment* const stack_environment =
    fixtures::AddStackEnvironment(fixtures::StackOptions::FromEnvironment());

// Patients of the sample app's default data set (MRN00000001 ...) the
// questions are asked about.
constexpr int kSamplePatients = 500;
// How long the agent's reply is waited for: long polls of kWaitSeconds, at
// most kPollAttempts of them.
constexpr int kWaitSeconds = 5;
constexpr int kPollAttempts = 4;

Request Health() {
  Request request;
  request.name = "GET /health";
  request.url = "/health";
  request.weight = 1;
  request.timeout = 5s;
  request.checks = {Check::Status(200), Check::JsonEquals("/status", "\"ok\"")};
  return request;
}

Request Triage() {
  Request request;
  request.name = "POST /triage";
  request.method = "POST";
  request.url = "/triage";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = R"({"mrn": "{mrn}", "query": "{query}"})";
  request.weight = 8;
  // An LLM answer: minutes in the worst case, never a connection's default.
  request.timeout = 60s;
  request.checks = {Check::Status(200), Check::JsonPresent("/response"),
                    Check::JsonPresent("/usage/completion_tokens")};
  return request;
}

// Create a session about a patient, post the customer's message, long-poll
// for the agent's reply (offset 1: the message itself is offset 0).
Flow AgentTurn() {
  Flow flow;
  flow.name = "agent turn";
  flow.weight = 1;
  flow.metric = "full_turn";

  Step create;
  create.request.name = "POST /sessions";
  create.request.method = "POST";
  create.request.url = "/sessions";
  create.request.headers = {{"Content-Type", "application/json"}};
  create.request.body = R"({"mrn": "{mrn}"})";
  create.request.timeout = 10s;
  create.request.checks = {Check::Status(201), Check::JsonPresent("/id")};
  create.request.captures = {{"session", "/id"}};

  Step post;
  post.request.name = "POST /sessions/{id}/events";
  post.request.method = "POST";
  post.request.url = "/sessions/{session}/events";
  post.request.headers = {{"Content-Type", "application/json"}};
  post.request.body =
      R"({"kind": "message", "source": "customer", "message": "{query}"})";
  post.request.timeout = 10s;
  post.request.checks = {Check::Status(201), Check::JsonEquals("/offset", "0")};

  Step wait;
  wait.request.name = "GET /sessions/{id}/events";
  wait.request.url = "/sessions/{session}/events?min_offset=1&wait_for_data=" +
                     std::to_string(kWaitSeconds);
  wait.request.timeout = std::chrono::seconds(kWaitSeconds + 10);
  wait.request.checks = {Check::Status(200), Check::JsonPresent("/events")};
  // An agent error is stored as kind "error": it never satisfies `until`,
  // so the turn fails once the attempts run out.
  wait.poll =
      Poll{.until = {Check::BodyContains(R"("source":"agent")"),
                     Check::JsonEquals("/events/0/kind", "\"message\"")},
           .max_attempts = kPollAttempts,
           .interval = 50ms};

  flow.steps = {std::move(create), std::move(post), std::move(wait)};
  return flow;
}

Scenario ChatApiScenario(const std::string& base_url) {
  Scenario scenario = SampleAppScenario("chat_api", base_url,
                                        PatientQuestions(kSamplePatients));
  scenario.Add(Health()).Add(Triage()).Add(AgentTurn());
  return scenario;
}

class ChatApiLoad : public PresetLoadTest {};

TEST_P(ChatApiLoad, MeetsSlos) {
  const Preset& preset = GetParam();
  fixtures::Stack& stack = stack_environment->stack();

  const RunReport report =
      RunLoad(ChatApiScenario(AppUrlFor(preset, stack)), preset.Open(),
              PresetRunOptions(preset, 30s, stack));

  EXPECT_SLO(report, LatencyPercentile(95, Lt(3s)));
  EXPECT_SLO(report, ErrorRate(Lt(0.01)));
  EXPECT_SLO(report, ForTag("POST /triage", LatencyPercentile(95, Lt(3s))));
  EXPECT_SLO(report, CustomMetricPercentile("full_turn", 95, Lt(5s)));
}

INSTANTIATE_TEST_SUITE_P(Presets, ChatApiLoad,
                         ::testing::ValuesIn(PresetsFromConfigs("chat_api")),
                         PresetName());

}  // namespace
}  // namespace loadgate::suites
