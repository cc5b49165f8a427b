// The readiness probe's one-shot HTTP client against a real local server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "loadgate/http_probe.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using test_support::Hang;
using test_support::HttpRequest;
using test_support::RefusingPort;
using test_support::Respond;
using test_support::RespondChunked;
using test_support::ResponseWriter;
using test_support::TestServer;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

TEST(HttpProbeTest, ReadsStatusAndBodyOf2xx) {
  TestServer server;
  server.Handle("/health", Respond(200, "ok"));
  HttpProbeResult result = HttpGet(server.base_url() + "/health", 5s);
  EXPECT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "ok");
  EXPECT_EQ(server.CountTarget("/health"), 1u);
}

// A name is resolved (here through /etc/hosts) and each of its addresses
// tried: "localhost" may come as ::1 first, where nothing listens.
TEST(HttpProbeTest, ResolvesAHostName) {
  TestServer server;
  server.Handle("/health", Respond(200, "ok"));
  const std::string url = "http://localhost:" + std::to_string(server.port());
  HttpProbeResult result = HttpGet(url + "/health", 5s);
  EXPECT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(server.CountTarget("/health"), 1u);
}

TEST(HttpProbeTest, Non2xxIsNotOk) {
  TestServer server;
  server.Handle("/health", Respond(503, "warming up"));
  HttpProbeResult result = HttpGet(server.base_url() + "/health", 5s);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status, 503);
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.body, "warming up");
}

TEST(HttpProbeTest, DecodesChunkedBodies) {
  TestServer server;
  server.Handle("/stream", RespondChunked(200, {"a", "bc", "def"}));
  HttpProbeResult result = HttpGet(server.base_url() + "/stream", 5s);
  EXPECT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.body, "abcdef");
}

TEST(HttpProbeTest, SendsMethodBodyAndContentType) {
  TestServer server;
  server.Handle("/echo", [](const HttpRequest& request, ResponseWriter& out) {
    out.Send(201, request.method + " " +
                      std::string(request.Header("Content-Type")) + " " +
                      request.body);
  });
  HttpProbeResult result = HttpFetch("POST", server.base_url() + "/echo",
                                     R"({"a":1})", "application/json", 5s);
  EXPECT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.body, R"(POST application/json {"a":1})");
}

TEST(HttpProbeTest, RefusedConnectionIsAnError) {
  RefusingPort refusing;
  HttpProbeResult result = HttpGet(refusing.base_url() + "/health", 5s);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status, 0);
  EXPECT_THAT(result.error, HasSubstr("connect"));
}

TEST(HttpProbeTest, TimeoutBoundsAHangingServer) {
  TestServer server;
  server.Handle("/hang", Hang());
  auto started = std::chrono::steady_clock::now();
  HttpProbeResult result = HttpGet(server.base_url() + "/hang", 200ms);
  EXPECT_FALSE(result.ok());
  EXPECT_THAT(result.error, HasSubstr("timed out"));
  // Generous upper bound: only "it did not wait for the server" matters.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(HttpProbeTest, RejectsHttpsAndBadUrls) {
  EXPECT_THAT(HttpGet("https://127.0.0.1:1/health", 1s).error,
              HasSubstr("https is not supported"));
  EXPECT_THAT(HttpGet("ftp://127.0.0.1/", 1s).error, HasSubstr("bad URL"));
}

}  // namespace
}  // namespace loadgate
