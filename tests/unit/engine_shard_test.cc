// Shard arithmetic: the N shards of a test, each spread over its own
// workers, together schedule exactly what one process would (open models:
// the same arrival times, constant, staged or Poisson; closed models: the
// same users at the same start times), and they split counts and data rows
// without overlap.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "engine/schedule.h"
#include "engine/shard.h"

namespace loadgate::engine {
namespace {

using namespace std::chrono_literals;

constexpr int64_t kWindowNs = 10'000'000'000;  // 10 s of schedule
constexpr uint64_t kSeed = 42;

// Every arrival one lane starts in the window.
std::vector<int64_t> LaneTimes(const OpenModel& model, ArrivalLane lane) {
  const ArrivalSchedule schedule(model);
  ArrivalStream stream(schedule, model.arrivals, lane, kSeed);
  std::vector<int64_t> times;
  while (stream.next_ns() < kWindowNs) {
    times.push_back(stream.next_ns());
    stream.Advance();
  }
  return times;
}

// The arrivals of all workers of all N shards, sorted.
std::vector<int64_t> ShardedTimes(const OpenModel& model, int shards,
                                  int workers) {
  std::vector<int64_t> times;
  for (int k = 0; k < shards; ++k) {
    for (int w = 0; w < workers; ++w) {
      const std::vector<int64_t> lane =
          LaneTimes(model, LaneOf({k, shards}, w, workers));
      times.insert(times.end(), lane.begin(), lane.end());
    }
  }
  std::sort(times.begin(), times.end());
  return times;
}

struct ModelCase {
  std::string name;
  OpenModel model;
};

class ShardedScheduleTest
    : public ::testing::TestWithParam<std::tuple<ModelCase, int>> {};

TEST_P(ShardedScheduleTest, UnionOfShardsIsTheSingleSchedule) {
  const auto& [model_case, shards] = GetParam();
  const std::vector<int64_t> single =
      ShardedTimes(model_case.model, /*shards=*/1, /*workers=*/1);
  ASSERT_GT(single.size(), 100u);
  for (int workers : {1, 2, 3}) {
    EXPECT_EQ(ShardedTimes(model_case.model, shards, workers), single)
        << shards << " shards of " << workers << " workers";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Models, ShardedScheduleTest,
    ::testing::Combine(
        ::testing::Values(
            ModelCase{"constant", OpenModel{.rate = 97}},
            ModelCase{"staged",
                      OpenModel{.rate = 10,
                                .stages = {{3s, 200}, {4s, 200}, {2s, 0}}}},
            ModelCase{"poisson",
                      OpenModel{.rate = 150,
                                .arrivals = OpenModel::Arrivals::kPoisson}},
            ModelCase{"poisson_staged",
                      OpenModel{.rate = 0,
                                .stages = {{5s, 300}},
                                .arrivals = OpenModel::Arrivals::kPoisson}}),
        ::testing::Values(1, 2, 3, 7)),
    [](const auto& info) {
      return std::get<0>(info.param).name + "_" +
             std::to_string(std::get<1>(info.param)) + "_shards";
    });

TEST(ShardTest, SharesAddUpAndStayWithinOne) {
  for (int shards : {1, 2, 3, 7}) {
    for (int64_t total : {0, 1, 6, 7, 8, 100, 1001}) {
      int64_t sum = 0;
      for (int k = 0; k < shards; ++k) {
        const int64_t share = ShareOf(total, {k, shards});
        EXPECT_GE(share, total / shards);
        EXPECT_LE(share, total / shards + 1);
        sum += share;
      }
      EXPECT_EQ(sum, total) << total << " over " << shards;
    }
  }
}

// Closed-model users and data rows: shard K's items K, K + N, ... cover the
// whole test once, so no user runs twice and no row is replayed by two
// shards.
TEST(ShardTest, ItemsArePartitioned) {
  for (int shards : {1, 2, 3, 7}) {
    constexpr int64_t kTotal = 100;
    std::multiset<int64_t> seen;
    for (int k = 0; k < shards; ++k) {
      const Shard shard{k, shards};
      for (int64_t local = 0; local < ShareOf(kTotal, shard); ++local) {
        seen.insert(GlobalIndex(local, shard));
      }
    }
    ASSERT_EQ(seen.size(), static_cast<size_t>(kTotal));
    for (int64_t i = 0; i < kTotal; ++i) EXPECT_EQ(seen.count(i), 1u) << i;
  }
}

TEST(ShardTest, UnshardedLaneIsTheWorkersRoundRobin) {
  const ArrivalLane lane = LaneOf({0, 1}, 2, 5);
  EXPECT_EQ(lane.first, 2u);
  EXPECT_EQ(lane.stride, 5u);
  const ArrivalLane sharded = LaneOf({3, 4}, 2, 5);
  EXPECT_EQ(sharded.first, 11u);  // the shard's 3rd arrival: 3 + 2 * 4
  EXPECT_EQ(sharded.stride, 20u);
}

}  // namespace
}  // namespace loadgate::engine
