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

#include "load_suite.h"
#include "loadgate/scenario.h"
#include "loadgate/slo.h"
#include "loadgate/testing.h"

namespace loadgate::suites {
namespace {

using ::testing::Lt;
using namespace std::chrono_literals;

// The sample app's default data set (--patients 10000): MRN00000001 ...
constexpr int kPatients = 10000;

DataSet AllMrns() {
  std::vector<std::string> mrns;
  mrns.reserve(kPatients);
  for (int i = 1; i <= kPatients; ++i) mrns.push_back(Mrn(i));
  DataSet data = DataSet::FromValues("mrn", std::move(mrns));
  data.order = DataSet::Order::kRandom;
  return data;
}

Scenario DbApiScenario(const std::string& base_url) {
  Scenario scenario;
  scenario.name = "db_api";
  scenario.base_url = base_url;
  scenario.headers = {{"Accept", "application/json"}};
  scenario.data.push_back(AllMrns());
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
  const std::string host = AppUrlFor(preset);
  const RunOptions options = PresetRunOptions(preset, 10s);

  const RunReport report =
      RunLoad(DbApiScenario(host), OpenModelOf(preset), options);

  EXPECT_SLO(report, LatencyPercentile(95, Lt(100ms)));
  EXPECT_SLO(report, ErrorRate(Lt(0.01)));
}

INSTANTIATE_TEST_SUITE_P(Presets, DbApiLoad,
                         ::testing::ValuesIn(PresetsFromConfigs("db_api")),
                         PresetName());

}  // namespace
fixtures::StackOptions SuiteStackOptions() {
  return fixtures::StackOptions::FromEnvironment();
}

}  // namespace loadgate::suites
