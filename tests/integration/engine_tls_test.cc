// HTTPS against a server whose certificate is self-signed (generated in the
// test): rejected when verification is on, served when it is off.
#include <gtest/gtest.h>

#include <chrono>

#include "loadgate/engine.h"
#include "support/report_checks.h"
#include "support/short_run.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using test_support::ErrorsOf;
using test_support::IsConsistent;
using test_support::ShortRun;
using test_support::TestServer;

Scenario Https(const TestServer& server, Request request, bool verify_tls) {
  Scenario scenario =
      test_support::OneRequest(server.base_url(), std::move(request));
  scenario.verify_tls = verify_tls;
  return scenario;
}

TEST(EngineTlsTest, VerificationRejectsSelfSignedCertificate) {
  TestServer server({.tls = true});
  server.Handle("/ok", test_support::Respond(200, "secret"));
  ASSERT_TRUE(server.base_url().starts_with("https://"));

  RunReport report = loadgate::Run(
      Https(server, {.name = "ok", .url = "/ok"}, /*verify_tls=*/true),
      ClosedModel{.users = 1}, ShortRun(500ms));

  EXPECT_TRUE(IsConsistent(report));
  EXPECT_GT(report.requests(), 0u);
  EXPECT_EQ(ErrorsOf(report.metrics.total, ErrorKind::kConnect),
            report.requests());
  // No request got past the handshake.
  EXPECT_EQ(server.requests(), 0u);
  EXPECT_GT(server.connections(), 0u);
}

TEST(EngineTlsTest, VerificationOffServesOverKeepAlive) {
  TestServer server({.tls = true});
  server.Handle("/ok", test_support::Respond(200, "secret"));

  RunReport report =
      loadgate::Run(Https(server,
                          {.name = "ok",
                           .url = "/ok",
                           .checks = {Check::BodyContains("secret")}},
                          /*verify_tls=*/false),
                    ClosedModel{.users = 2}, ShortRun(1s));

  EXPECT_TRUE(IsConsistent(report));
  EXPECT_GT(report.requests(), 50u);
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_GE(server.requests(), report.requests());
  // One handshake per user, then the sessions are reused.
  EXPECT_LE(server.connections(), 2u);
}

TEST(EngineTlsTest, ReconnectsWhenTheServerClosesEachConnection) {
  TestServer server({.tls = true});
  server.Handle("/bye",
                test_support::CloseAfter(test_support::Respond(200, "bye")));

  RunReport report = loadgate::Run(
      Https(server, {.name = "bye", .url = "/bye"}, /*verify_tls=*/false),
      ClosedModel{.users = 2}, ShortRun(1s));

  EXPECT_TRUE(IsConsistent(report));
  EXPECT_GT(report.requests(), 10u);
  EXPECT_EQ(report.errors(), 0u);
  // A full handshake for every request.
  EXPECT_GE(server.connections(), report.requests());
}

TEST(EngineTlsTest, StreamsOverTls) {
  TestServer server({.tls = true});
  server.Handle("/v1/chat",
                test_support::StreamLlm({.role_event_first = true,
                                         .first_content_delay = 100ms,
                                         .output_tokens = 4}));

  RunOptions options = ShortRun(5s);
  options.max_requests = 3;
  RunReport report = loadgate::Run(Https(server,
                                         {.name = "chat",
                                          .method = "POST",
                                          .url = "/v1/chat",
                                          .body = R"({"stream":true})"},
                                         /*verify_tls=*/false),
                                   ClosedModel{.users = 1}, options);

  EXPECT_TRUE(IsConsistent(report));
  ASSERT_GT(report.requests(), 0u);
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_EQ(report.metrics.total.ttft.count(), report.requests());
  EXPECT_GE(report.metrics.total.ttft.min(), 99'000'000);
  EXPECT_EQ(report.metrics.total.output_tokens, 4 * report.requests());
}

}  // namespace
}  // namespace loadgate
