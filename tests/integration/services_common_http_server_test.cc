// The services' shared HTTP server keeps serving when an application
// handler fails: the request that hit the failure gets a 500, the process
// and its other requests carry on.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "common/http_server.h"
#include "common/http_util.h"
#include "support/mock_llm_http_client.h"

namespace loadgate::services {
namespace {

TEST(HttpServerTest, AHandlerThatThrowsCostsOnlyItsOwnRequest) {
  HttpServerOptions options;
  options.handle_signals = false;
  HttpServer server(options, [](evhttp_request* request) {
    if (RequestPath(request) == "/throw") {
      throw std::runtime_error("a bug in the application");
    }
    SendResponse(request, 200, "text/plain", "fine");
  });
  const Status started = server.Start();
  ASSERT_TRUE(started.ok()) << started.message();

  const mock_llm_test::HttpResponse failed =
      mock_llm_test::Fetch(server.port(), "GET", "/throw");
  EXPECT_EQ(failed.status, 500);
  const mock_llm_test::HttpResponse next =
      mock_llm_test::Fetch(server.port(), "GET", "/ok");
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, "fine");

  server.Stop();
  server.Wait();
}

}  // namespace
}  // namespace loadgate::services
