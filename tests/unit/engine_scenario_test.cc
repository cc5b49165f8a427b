// Scenario value types and their compilation into an engine plan: names,
// descriptions, the weighted flow choice and validation messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/plan.h"
#include "engine/random.h"
#include "engine/timer_heap.h"
#include "loadgate/load_model.h"
#include "loadgate/scenario.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

Flow TwoStepFlow(std::string metric) {
  Flow flow;
  flow.name = "turn";
  flow.metric = std::move(metric);
  flow.steps.push_back({Request{.method = "POST", .url = "/sessions"}, {}});
  flow.steps.push_back({Request{.name = "poll", .url = "/sessions/{id}"}, {}});
  flow.steps[0].request.captures.push_back({"id", "/id"});
  return flow;
}

TEST(ScenarioTest, TagNamesAreStepNamesInOrderWithoutDuplicates) {
  Scenario scenario;
  scenario.base_url = "http://127.0.0.1:1";
  scenario.Add(Request{.url = "/health"})
      .Add(TwoStepFlow("full_turn"))
      .Add(Request{.name = "poll", .url = "/other"})
      .Add(Request{.method = "DELETE", .url = "http://127.0.0.1:2/x?y=1"})
      .Add(TwoStepFlow("full_turn"));
  EXPECT_THAT(scenario.TagNames(), ElementsAre("GET /health", "POST /sessions",
                                               "poll", "DELETE /x?y=1"));
  EXPECT_THAT(scenario.CustomMetricNames(), ElementsAre("full_turn"));
  // Add(Request) makes a one-step flow with the request's weight.
  scenario.Add(Request{.url = "/w", .weight = 3});
  EXPECT_EQ(scenario.flows.back().weight, 3);
  EXPECT_EQ(scenario.flows.back().steps.size(), 1u);
}

TEST(ScenarioTest, ChecksDescribeThemselves) {
  EXPECT_EQ(Check::Status(201).Describe(), "status == 201");
  EXPECT_EQ(Check::JsonPresent("/items/0/mrn").Describe(),
            "/items/0/mrn present");
  EXPECT_EQ(Check::JsonEquals("/state", R"("done")").Describe(),
            R"(/state == "done")");
  EXPECT_EQ(Check::BodyContains("ok").Describe(), R"(body contains "ok")");
  EXPECT_EQ(Check::JsonEquals("/n", "3").kind, Check::Kind::kJsonEquals);
}

TEST(LoadModelTest, DescribeSaysWhatRuns) {
  EXPECT_EQ(Describe(OpenModel{.rate = 100}), "constant 100 req/s");
  EXPECT_EQ(Describe(OpenModel{.rate = 2.5,
                               .arrivals = OpenModel::Arrivals::kPoisson}),
            "poisson 2.5 req/s");
  EXPECT_EQ(Describe(OpenModel{.rate = 10, .stages = {{30s, 100}, {1min, 0}}}),
            "ramping (constant) 10 -> 100 req/s over 30000 ms, -> 0 req/s "
            "over 60000 ms");
  // Long stages and large rates stay in plain digits: the gate compares
  // these texts, and "1.2e+06 ms" would read as another model.
  EXPECT_EQ(Describe(OpenModel{.rate = 1234567, .stages = {{20min, 7654321}}}),
            "ramping (constant) 1234567 -> 7654321 req/s over 1200000 ms");
  EXPECT_EQ(Describe(ClosedModel{.users = 1}),
            "closed 1 user, no think time between iterations");
  EXPECT_EQ(Describe(ClosedModel{.users = 50,
                                 .spawn_rate = 5,
                                 .think = ThinkTime::Uniform(1s, 2s),
                                 .iterations_per_user = 3}),
            "closed 50 users, spawn 5/s, think uniform 1000 ms .. 2000 ms, "
            "3 iterations/user");
  EXPECT_EQ(Describe(ClosedModel{.users = 2,
                                 .think = ThinkTime::Exponential(500ms, 2s)}),
            "closed 2 users, think exponential mean 500 ms max 2000 ms");
}

TEST(LoadModelTest, DescribeCountsIterationsOfMultiStepFlows) {
  Scenario one_step;
  one_step.Add(Request{.url = "/health"});
  Scenario two_steps = one_step;
  two_steps.Add(TwoStepFlow(""));
  EXPECT_EQ(Describe(OpenModel{.rate = 5}, one_step), "constant 5 req/s");
  EXPECT_EQ(Describe(OpenModel{.rate = 5}, two_steps),
            "constant 5 iterations/s");
  EXPECT_EQ(
      Describe(OpenModel{.rate = 1, .stages = {{1s, 10}, {1s, 20}}}, two_steps),
      "ramping (constant) 1 -> 10 iterations/s over 1000 ms, -> 20 "
      "iterations/s over 1000 ms");
  EXPECT_EQ(Describe(ClosedModel{.users = 3}, two_steps),
            "closed 3 users, no think time between iterations");
}

TEST(ThinkTimeFactoriesTest, FillTheirFields) {
  const ThinkTime gaussian = ThinkTime::Gaussian(1s, 200ms, 500ms, 2s);
  EXPECT_EQ(gaussian.kind, ThinkTime::Kind::kGaussian);
  EXPECT_EQ(gaussian.mean, 1s);
  EXPECT_EQ(gaussian.stddev, 200ms);
  EXPECT_EQ(gaussian.min, 500ms);
  EXPECT_EQ(gaussian.max, 2s);
  EXPECT_EQ(ThinkTime::Constant(3s).value, 3s);
  EXPECT_EQ(ThinkTime::None().kind, ThinkTime::Kind::kNone);
}

Scenario Weighted() {
  Scenario scenario;
  scenario.base_url = "http://127.0.0.1:1";
  scenario.Add(Request{.url = "/a", .weight = 1});
  scenario.Add(Request{.url = "/never", .weight = 0});
  scenario.Add(Request{.url = "/b", .weight = 3});
  return scenario;
}

TEST(PlanTest, WeightedChoiceFollowsTheWeights) {
  const engine::Plan plan = engine::CompilePlan(Weighted());
  engine::Rng rng(5);
  std::vector<int> counts(3, 0);
  constexpr int kDraws = 100'000;
  for (int i = 0; i < kDraws; ++i) ++counts[plan.ChooseFlow(rng.Uniform())];
  EXPECT_EQ(counts[1], 0);
  // 1 : 3, binomial standard error ~137 draws.
  EXPECT_NEAR(counts[0], kDraws / 4, 700);
  EXPECT_NEAR(counts[2], kDraws * 3 / 4, 700);
  // The bracket edges: [0, 1) is /a, [1, 4) is /b.
  EXPECT_EQ(plan.ChooseFlow(0.0), 0);
  EXPECT_EQ(plan.ChooseFlow(0.2499), 0);
  EXPECT_EQ(plan.ChooseFlow(0.25), 2);
  EXPECT_EQ(plan.ChooseFlow(0.9999999), 2);
}

TEST(PlanTest, WeightedChoiceIsDeterministicForASeed) {
  const engine::Plan plan = engine::CompilePlan(Weighted());
  engine::Rng a(77), b(77);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(plan.ChooseFlow(a.Uniform()), plan.ChooseFlow(b.Uniform()));
  }
}

TEST(PlanTest, CompilesUrlsOriginsAndVariables) {
  Scenario scenario;
  scenario.base_url = "http://127.0.0.1:8080/api/v1/";
  scenario.headers = {{"Authorization", "Bearer {token}"}};
  scenario.data.push_back(DataSet::FromValues("token", {"t1"}));
  scenario.Add(TwoStepFlow("full_turn"));
  scenario.Add(Request{.url = "https://localhost/x", .body = "{\"a\": 1}"});
  scenario.Add(Request{.url = "items?q={token}"});
  const engine::Plan plan = engine::CompilePlan(scenario);
  EXPECT_THAT(plan.variables, ElementsAre("token", "id"));
  ASSERT_EQ(plan.origins.size(), 2u);
  EXPECT_EQ(plan.origins[0].host_header, "127.0.0.1:8080");
  EXPECT_FALSE(plan.origins[0].tls);
  EXPECT_EQ(plan.origins[1].port, 443);
  EXPECT_TRUE(plan.origins[1].tls);
  EXPECT_TRUE(plan.any_tls);
  EXPECT_FALSE(plan.origins[0].addresses.empty());
  EXPECT_EQ(plan.max_headers, 1u);
  const auto& first = plan.flows[0].steps[0];
  EXPECT_TRUE(first.needs_json);  // it captures
  EXPECT_EQ(plan.flows[0].metric, 0);
  // "/sessions" replaces the base path; "items" resolves against it.
  EXPECT_EQ(first.target.literal(), "/sessions");
  std::string target;
  const std::vector<std::string_view> values = {"tok en", "7"};
  plan.flows[0].steps[1].target.AppendTo(target, values,
                                         engine::Escaping::kRequestTarget);
  EXPECT_EQ(target, "/sessions/7");
  target.clear();
  plan.flows[2].steps[0].target.AppendTo(target, values,
                                         engine::Escaping::kRequestTarget);
  EXPECT_EQ(target, "/api/v1/items?q=tok%20en");
  EXPECT_FALSE(plan.flows[1].steps[0].needs_body);
}

std::string CompileError(const Scenario& scenario) {
  try {
    engine::CompilePlan(scenario);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "";
}

TEST(PlanTest, RejectsBadScenariosNamingTheField) {
  Scenario none;
  EXPECT_EQ(CompileError(none),
            "scenario.flows: expected at least one request or flow");
  Scenario relative;
  relative.Add(Request{.url = "/x"});
  EXPECT_EQ(CompileError(relative),
            "scenario.flows[0].steps[0].request.url: relative URL \"/x\" "
            "needs scenario.base_url");
  Scenario bad = Weighted();
  bad.flows[2].steps[0].request.method = "GE T";
  EXPECT_EQ(CompileError(bad),
            "scenario.flows[2].steps[0].request.method: expected an HTTP "
            "method, got \"GE T\"");
  bad = Weighted();
  bad.flows[0].steps[0].request.checks.push_back(
      Check::JsonEquals("/a", "{not json"));
  EXPECT_EQ(CompileError(bad),
            "scenario.flows[0].steps[0].request.checks[0].expected: expected "
            "JSON text, got \"{not json\"");
  bad = Weighted();
  bad.flows[0].steps[0].request.timeout = 0s;
  EXPECT_EQ(CompileError(bad),
            "scenario.flows[0].steps[0].request.timeout: expected a positive "
            "duration");
  bad = Weighted();
  bad.flows[0].weight = -1;
  EXPECT_EQ(CompileError(bad),
            "scenario.flows[0].weight: expected a number >= 0");
  bad = Weighted();
  bad.flows[1].steps[0].poll = Poll{.max_attempts = 0};
  EXPECT_EQ(CompileError(bad),
            "scenario.flows[1].steps[0].poll.max_attempts: expected a "
            "positive number");
  bad = Weighted();
  bad.data.push_back(DataSet{.columns = {"a", "b"}, .rows = {{"1"}}});
  EXPECT_EQ(CompileError(bad),
            "scenario.data[0].rows[0]: expected 2 values, found 1");
  bad = Weighted();
  bad.flows[0].steps[0].request.captures.push_back({"v", "no-slash"});
  EXPECT_THAT(CompileError(bad),
              ::testing::StartsWith("scenario.flows[0].steps[0].request."
                                    "captures[0].pointer: bad JSON pointer"));
}

TEST(TimerHeapTest, PopsInDeadlineOrderWithUpdatesAndCancels) {
  engine::TimerHeap heap(8);
  const int64_t dues[] = {50, 10, 70, 30, 20, 60, 40, 80};
  for (int id = 0; id < 8; ++id) heap.Set(id, dues[id]);
  heap.Set(7, 5);   // earlier
  heap.Set(1, 65);  // later
  heap.Cancel(3);
  heap.Cancel(3);  // idempotent
  EXPECT_FALSE(heap.armed(3));
  std::vector<int> order;
  while (!heap.empty()) {
    order.push_back(heap.top_id());
    heap.Pop();
  }
  EXPECT_THAT(order, ElementsAre(7, 4, 6, 0, 5, 1, 2));
  EXPECT_EQ(heap.top_due(), engine::kNever);
}

TEST(TimerHeapTest, RandomOperationsMatchASortedReference) {
  engine::TimerHeap heap(64);
  std::vector<int64_t> reference(64, -1);
  engine::Rng rng(3);
  for (int step = 0; step < 20'000; ++step) {
    const int id = static_cast<int>(rng.Below(64));
    if (rng.Below(4) == 0) {
      heap.Cancel(id);
      reference[id] = -1;
    } else {
      // Distinct dues (the id breaks ties) so the minimum is unique.
      const int64_t due = static_cast<int64_t>(rng.Below(1000)) * 64 + id;
      heap.Set(id, due);
      reference[id] = due;
    }
    int64_t minimum = engine::kNever;
    for (int64_t due : reference) {
      if (due >= 0) minimum = std::min(minimum, due);
    }
    ASSERT_EQ(heap.top_due(), minimum) << step;
    if (rng.Below(3) == 0 && !heap.empty()) {
      reference[heap.top_id()] = -1;
      heap.Pop();
    }
  }
}

}  // namespace
}  // namespace loadgate
