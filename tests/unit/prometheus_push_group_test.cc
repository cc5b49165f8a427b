// What the Pusher sends where, without a Pushgateway: group paths and the
// URLs it refuses. (tests/integration/prometheus_pushgateway_test.cc pushes
// to a real one.)
#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>

#include "prometheus/pushgateway.h"

namespace loadgate::prometheus {
namespace {

TEST(PushgatewayTest, GroupPathsCarryAnyNameAsBase64Url) {
  EXPECT_EQ(GroupPath("checkout", ""),
            "/metrics/job/loadgate/scenario@base64/Y2hlY2tvdXQ=");
  // A slash and a space, as in "Suite.Test/param" or "GET http://..."; '/'
  // and '+' of plain base64 become '_' and '-'.
  EXPECT_EQ(GroupPath("a/b c", ""),
            "/metrics/job/loadgate/scenario@base64/YS9iIGM=");
  EXPECT_EQ(GroupPath("\xfb\xff", ""),
            "/metrics/job/loadgate/scenario@base64/-_8=");
  EXPECT_EQ(GroupPath("", "2"),
            "/metrics/job/loadgate/scenario@base64/=/shard@base64/Mg==");
}

TEST(PushgatewayTest, RefusesWhatItCannotPushTo) {
  std::ostringstream log;
  for (const char* url :
       {"127.0.0.1:9091", "https://127.0.0.1:9091", "http://", ""}) {
    EXPECT_THROW(Pusher(PushOptions{.url = url}, log), std::invalid_argument)
        << url;
  }
  EXPECT_THROW(Pusher(PushOptions{.url = "http://127.0.0.1:9",
                                  .interval = std::chrono::seconds(0)},
                      log),
               std::invalid_argument);
  EXPECT_EQ(log.str(), "");
}

}  // namespace
}  // namespace loadgate::prometheus
