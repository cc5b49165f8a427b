// Sharded runs against a real server: the shards of a test, run side by
// side, send exactly the requests of the single-process run (open and closed
// models), each data row goes out from one shard only, and a test that
// cannot be split is refused before anything starts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <set>
#include <string>
#include <vector>

#include "loadgate/engine.h"
#include "support/report_checks.h"
#include "support/short_run.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using test_support::IsConsistent;
using test_support::ShortRun;
using test_support::TestServer;
using ::testing::HasSubstr;

constexpr int kShards = 3;

// The N shards of one test, run concurrently as N processes would be.
std::vector<RunReport> RunShards(const Scenario& scenario,
                                 const LoadModel& model, RunOptions options) {
  std::vector<std::future<RunReport>> runs;
  for (int k = 0; k < kShards; ++k) {
    options.shard = {k, kShards};
    runs.push_back(std::async(std::launch::async, [&scenario, &model, options] {
      return loadgate::Run(scenario, model, options);
    }));
  }
  std::vector<RunReport> reports;
  for (auto& run : runs) reports.push_back(run.get());
  return reports;
}

uint64_t TotalRequests(const std::vector<RunReport>& reports) {
  uint64_t total = 0;
  for (const RunReport& report : reports) {
    EXPECT_TRUE(IsConsistent(report));
    EXPECT_EQ(report.errors(), 0u);
    total += report.requests();
  }
  return total;
}

class EngineShardTest : public ::testing::Test {
 protected:
  EngineShardTest() {
    server_.Handle("/item", test_support::Respond(200, "ok"));
  }

  // GET /item?row=<row> over a sequential data set of `rows` rows.
  Scenario Rows(int rows) const {
    std::vector<std::string> values;
    for (int r = 0; r < rows; ++r) values.push_back(std::to_string(r));
    Scenario scenario = test_support::OneRequest(
        server_.base_url(), {.name = "item", .url = "/item?row={row}"});
    scenario.data.push_back(DataSet::FromValues("row", std::move(values)));
    return scenario;
  }

  TestServer server_;
};

// A constant open schedule has a fixed number of arrivals in its window
// (200 in 1 s at 200/s), so the shards must send exactly that many between
// them, as one process does.
TEST_F(EngineShardTest, OpenModelShardsSendTheSingleRunsArrivals) {
  const OpenModel model{.rate = 200};
  const RunReport single = loadgate::Run(Rows(1), model, ShortRun(1s));
  const uint64_t sharded =
      TotalRequests(RunShards(Rows(kShards), model, ShortRun(1s)));
  EXPECT_EQ(single.requests(), 200u);
  EXPECT_EQ(sharded, single.requests());
}

TEST_F(EngineShardTest, ClosedModelShardsRunTheSingleRunsUsers) {
  // 7 users of 5 iterations: shards of 3, 2 and 2 users.
  const ClosedModel model{.users = 7, .iterations_per_user = 5};
  const std::vector<RunReport> reports =
      RunShards(Rows(kShards), model, ShortRun(20s));
  EXPECT_EQ(TotalRequests(reports), 35u);
  EXPECT_EQ(reports[0].info.users, 3);
  EXPECT_EQ(reports[1].info.users, 2);
  EXPECT_EQ(reports[2].info.users, 2);
}

// Rows 0..8 over three shards: shard K sends rows K, K + 3, K + 6 only, so
// no row is sent by two shards (a row is, say, a user account that must not
// log in twice at once).
TEST_F(EngineShardTest, EachDataRowGoesOutFromOneShardOnly) {
  const ClosedModel model{.users = kShards, .iterations_per_user = 3};
  RunOptions options = ShortRun(20s);
  for (int k = 0; k < kShards; ++k) {
    TestServer server;
    server.Handle("/item", test_support::Respond(200, "ok"));
    Scenario scenario = Rows(9);
    scenario.base_url = server.base_url();
    options.shard = {k, kShards};
    const RunReport report = loadgate::Run(scenario, model, options);
    ASSERT_EQ(report.requests(), 3u);
    std::set<std::string> expected;
    for (int row = k; row < 9; row += kShards) {
      expected.insert("/item?row=" + std::to_string(row));
    }
    const std::vector<std::string> targets = server.targets();
    EXPECT_EQ(std::set<std::string>(targets.begin(), targets.end()), expected)
        << "shard " << k;
  }
}

// Every shard's report says which shard it was and carries the same test
// identity; another test (here another rate) has another.
TEST_F(EngineShardTest, ShardsRecordTheirShareAndTheTestIdentity) {
  const std::vector<RunReport> reports =
      RunShards(Rows(kShards), OpenModel{.rate = 30}, ShortRun(300ms));
  for (int k = 0; k < kShards; ++k) {
    EXPECT_EQ(reports[k].info.shard.index, k);
    EXPECT_EQ(reports[k].info.shard.count, kShards);
    EXPECT_THAT(reports[k].info.test_id,
                ::testing::MatchesRegex("[0-9a-f]{16}"));
    EXPECT_EQ(reports[k].info.test_id, reports[0].info.test_id);
  }
  const std::vector<RunReport> other =
      RunShards(Rows(kShards), OpenModel{.rate = 31}, ShortRun(300ms));
  EXPECT_NE(other[0].info.test_id, reports[0].info.test_id);
  // Unsharded runs carry no identity.
  EXPECT_EQ(loadgate::Run(Rows(1), OpenModel{.rate = 30}, ShortRun(300ms))
                .info.test_id,
            "");
}

TEST_F(EngineShardTest, AShardWithNothingToDoIsRefused) {
  RunOptions options = ShortRun(1s);
  options.shard = {0, 4};
  EXPECT_THAT([&] { loadgate::Run(Rows(4), ClosedModel{.users = 3}, options); },
              ::testing::ThrowsMessage<std::invalid_argument>(HasSubstr(
                  "load.users: 3 users cannot be split over 4 shards")));
  EXPECT_THAT([&] { loadgate::Run(Rows(3), OpenModel{.rate = 10}, options); },
              ::testing::ThrowsMessage<std::invalid_argument>(
                  HasSubstr("data[0]: 3 rows cannot be split over 4 shards")));
  options.shard = {4, 4};
  EXPECT_THAT([&] { loadgate::Run(Rows(4), OpenModel{.rate = 10}, options); },
              ::testing::ThrowsMessage<std::invalid_argument>(
                  HasSubstr("options.shard: expected an index from 0 to 3")));
  EXPECT_EQ(server_.requests(), 0u);
}

}  // namespace
}  // namespace loadgate
