// The DB API under load: the routes a patient-records front end calls, in
// the proportions it calls them (the patient summary behind every chart view
// the most), each response checked for its status and structure.
// Objectives: p95 latency under 100 ms and under 1 % errors, per preset
// (configs/db_api_<N>rps.json).
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

// Every patient of the sample app's default data set, in random order.
DataSet AllMrns() {
  std::vector<std::string> mrns;
  mrns.reserve(kSampleAppPatients);
  for (int i = 1; i <= kSampleAppPatients; ++i) mrns.push_back(Mrn(i));
  DataSet data = DataSet::FromValues("mrn", std::move(mrns));
  data.order = DataSet::Order::kRandom;
  return data;
}

Scenario DbApiScenario(const std::string& base_url) {
  Scenario scenario = SampleAppScenario("db_api", base_url, AllMrns());
  scenario
      .Add(ApiGet("GET /patients/{mrn}/summary", "/patients/{mrn}/summary",
                  {Check::Status(200), Check::JsonPresent("/patient/mrn"),
                   Check::JsonPresent("/encounters"),
                   Check::JsonPresent("/totals/billed_cents")},
                  50))
      .Add(ApiGet("GET /patients/{mrn}", "/patients/{mrn}",
                  {Check::Status(200), Check::JsonPresent("/mrn"),
                   Check::JsonPresent("/birth_date")},
                  20))
      .Add(ApiGet("GET /encounters", "/encounters?mrn={mrn}",
                  {Check::Status(200), Check::JsonPresent("/items/0/type"),
                   Check::JsonPresent("/next")},
                  10))
      .Add(ApiGet("GET /claims", "/claims?mrn={mrn}&from=2000-01-01",
                  {Check::Status(200), Check::JsonPresent("/items"),
                   Check::JsonPresent("/next")},
                  10))
      .Add(ApiGet("GET /documents", "/documents?mrn={mrn}",
                  {Check::Status(200), Check::JsonPresent("/items"),
                   Check::JsonPresent("/next")},
                  5))
      .Add(ApiGet("GET /patients", "/patients?limit=20",
                  {Check::Status(200), Check::JsonPresent("/items/19/mrn"),
                   Check::JsonPresent("/next")},
                  5));
  return scenario;
}

class DbApiLoad : public PresetLoadTest {};

TEST_P(DbApiLoad, MeetsSlos) {
  const Preset& preset = GetParam();
  fixtures::Stack& stack = stack_environment->stack();

  const RunReport report =
      RunLoad(DbApiScenario(AppUrlFor(preset, stack)), preset.Open(),
              PresetRunOptions(preset, 10s, stack));

  EXPECT_SLO(report, LatencyPercentile(95, Lt(100ms)));
  EXPECT_SLO(report, ErrorRate(Lt(0.01)));
}

INSTANTIATE_TEST_SUITE_P(Presets, DbApiLoad,
                         ::testing::ValuesIn(PresetsFromConfigs("db_api")),
                         PresetName());

}  // namespace
}  // namespace loadgate::suites
