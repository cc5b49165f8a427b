// Progress::tags over a real run against the local test server: the
// per-tag statistics so far grow from call to call, never exceed the
// report's, and hold at least every request the report's time series says
// completed in or before the second the call reports. The last call's
// figures therefore fall short of the report by at most what completed
// after that second.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "loadgate/engine.h"
#include "support/report_checks.h"
#include "support/short_run.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using test_support::Respond;
using test_support::TestServer;

constexpr int64_t kSecondNs = 1'000'000'000;

// What one on_progress call saw of each tag (Progress::tags is valid only
// during the call).
struct Seen {
  int64_t elapsed_ns = 0;
  std::vector<uint64_t> requests;
  std::vector<uint64_t> latency_counts;
  std::vector<uint64_t> errors;
};

uint64_t Sum(const std::vector<uint64_t>& values) {
  uint64_t sum = 0;
  for (uint64_t value : values) sum += value;
  return sum;
}

// Requests the report's series counts as completed in seconds [0, last].
uint64_t CompletedBy(const RunReport& report, int64_t last_second) {
  uint64_t completed = 0;
  for (const TimeSlot& slot : report.metrics.series) {
    if (slot.second <= last_second) completed += slot.requests;
  }
  return completed;
}

// Two tags (one failing), two workers, 3.5 s: three calls or so.
TEST(EngineProgressTagsTest, TagsSoFarGrowAndAreBoundedByTheReport) {
  TestServer server;
  server.Handle("/ok", Respond(200, "hello"));
  server.Handle("/missing", Respond(404, "no"));
  Scenario scenario;
  scenario.name = "two tags";
  scenario.base_url = server.base_url();
  scenario.Add(Request{.name = "ok", .url = "/ok", .weight = 3});
  scenario.Add(Request{.name = "missing", .url = "/missing", .weight = 1});
  RunOptions options = test_support::ShortRun(3500ms, 2);
  options.prices = {.input_per_million = 1, .output_per_million = 2};
  std::vector<Seen> seen;
  options.on_progress = [&seen](const Progress& progress) {
    ASSERT_NE(progress.tags, nullptr);
    EXPECT_EQ(progress.prices.output_per_million, 2);
    Seen& now = seen.emplace_back();
    now.elapsed_ns = progress.elapsed.count();
    for (const TagStats& tag : *progress.tags) {
      now.requests.push_back(tag.requests);
      now.latency_counts.push_back(tag.latency.count());
      now.errors.push_back(tag.errors);
    }
  };
  const RunReport report =
      loadgate::Run(scenario, OpenModel{.rate = 100}, options);
  ASSERT_TRUE(test_support::IsConsistent(report));
  ASSERT_EQ(report.metrics.tags.size(), 2u);
  EXPECT_EQ(report.requests(), 350u);
  ASSERT_GE(seen.size(), 2u);

  int64_t previous_elapsed_ns = 0;
  for (size_t call = 0; call < seen.size(); ++call) {
    const Seen& now = seen[call];
    ASSERT_EQ(now.requests.size(), 2u);
    for (size_t t = 0; t < 2; ++t) {
      const TagStats& reported = report.metrics.tags[t];
      EXPECT_LE(now.requests[t], reported.requests) << "call " << call;
      EXPECT_LE(now.errors[t], reported.errors) << "call " << call;
      // Every request of these tags gets a response: all in latency.
      EXPECT_EQ(now.latency_counts[t], now.requests[t]) << "call " << call;
      if (call > 0) {
        EXPECT_GE(now.requests[t], seen[call - 1].requests[t]);
        EXPECT_GE(now.errors[t], seen[call - 1].errors[t]);
      }
    }
    // The call reports the second the previous call's elapsed time was in
    // (the first: second 0), once every worker handed it in, and each
    // worker hands in its tags with it: everything that completed in that
    // second or before is in. (What completed later may be in too.)
    const int64_t reported_second = previous_elapsed_ns / kSecondNs;
    EXPECT_GE(Sum(now.requests), CompletedBy(report, reported_second))
        << "call " << call;
    previous_elapsed_ns = now.elapsed_ns;
  }
  const Seen& last = seen.back();
  EXPECT_GT(last.requests[0], 0u);
  EXPECT_GT(last.requests[1], 0u);
  EXPECT_GT(last.errors[1], 0u);  // the 404s
  EXPECT_EQ(last.errors[0], 0u);
}

}  // namespace
}  // namespace loadgate
