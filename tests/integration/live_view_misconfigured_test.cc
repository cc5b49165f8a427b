// LOADGATE_LIVE naming an address the live view must not use: the load tests
// still run, and the first one says why there is no live view. A binary of
// its own, because the fixture starts (or fails to start) the view once per
// test program.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>

#include "loadgate/testing.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

class MisconfiguredLiveTest : public LoadTest {
 protected:
  void SetUp() override {
    setenv("LOADGATE_LIVE", "0.0.0.0:8089", 1);
    setenv("LOADGATE_REPORT_DIR", reports_.path().c_str(), 1);
    server_.Handle("/ok", test_support::Respond(200, "ok"));
    scenario_.base_url = server_.base_url();
    Request request;
    request.url = "/ok";
    scenario_.Add(request);
    model_.rate = 20;
    options_.duration = std::chrono::milliseconds(300);
    options_.threads = 1;
  }
  void TearDown() override {
    unsetenv("LOADGATE_LIVE");
    unsetenv("LOADGATE_REPORT_DIR");
  }

  test_support::TestServer server_;
  test_support::TempDir reports_;
  Scenario scenario_;
  OpenModel model_;
  RunOptions options_;
};

TEST_F(MisconfiguredLiveTest, FailsOnceAndRunsWithoutTheView) {
  RunReport first;
  EXPECT_NONFATAL_FAILURE(
      first = RunLoad(scenario_, model_, options_),
      "LOADGATE_LIVE=0.0.0.0:8089: live view address \"0.0.0.0:8089\": "
      "0.0.0.0 is not a loopback address");
  EXPECT_GT(first.requests(), 0u);
  // The next run neither retries nor fails again.
  const RunReport second = RunLoad(scenario_, model_, options_);
  EXPECT_GT(second.requests(), 0u);
}

}  // namespace
}  // namespace loadgate
