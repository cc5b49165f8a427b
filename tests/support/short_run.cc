#include "support/short_run.h"

#include <gtest/gtest.h>

#include <utility>

namespace loadgate::test_support {

Scenario OneRequest(std::string base_url, Request request) {
  Scenario scenario;
  const ::testing::TestInfo* test =
      ::testing::UnitTest::GetInstance()->current_test_info();
  scenario.name = test != nullptr ? test->name() : "one request";
  scenario.base_url = std::move(base_url);
  scenario.Add(std::move(request));
  return scenario;
}

RunOptions ShortRun(std::chrono::nanoseconds duration, int threads,
                    std::chrono::nanoseconds graceful_stop) {
  RunOptions options;
  options.duration = duration;
  options.threads = threads;
  options.graceful_stop = graceful_stop;
  return options;
}

}  // namespace loadgate::test_support
