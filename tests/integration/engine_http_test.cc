// The engine against a real HTTP/1.1 server on loopback: connection reuse,
// response framing, checks, error classification, and runs that end on time
// however the server misbehaves.
#include <gtest/gtest.h>

#include <chrono>
#include <ostream>
#include <string>
#include <thread>

#include "loadgate/engine.h"
#include "support/report_checks.h"
#include "support/short_run.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using test_support::ErrorsOf;
using test_support::HttpRequest;
using test_support::IsConsistent;
using test_support::kJson;
using test_support::OneRequest;
using test_support::ResponseWriter;
using test_support::ShortRun;
using test_support::StatusCount;
using test_support::TestServer;
using Clock = std::chrono::steady_clock;

TEST(EngineHttpTest, KeepAliveReusesConnections) {
  TestServer server;
  server.Handle("/ok", test_support::Respond(200, "hello"));

  RunReport report =
      loadgate::Run(OneRequest(server.base_url(), {.name = "ok", .url = "/ok"}),
                    ClosedModel{.users = 4}, ShortRun(1s, 2));

  EXPECT_TRUE(IsConsistent(report));
  EXPECT_GT(report.requests(), 100u);
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_EQ(StatusCount(report.metrics.total, 200), report.requests());
  EXPECT_GE(report.metrics.total.bytes_received, 5 * report.requests());
  // Every reported response was served; at most one request per user was
  // still in flight when the run was cut off.
  EXPECT_GE(server.requests(), report.requests());
  EXPECT_LE(server.requests(), report.requests() + 4);
  // Four users, four keep-alive connections for the whole run.
  EXPECT_LE(server.connections(), 4u);
  ASSERT_NE(report.FindTag("ok"), nullptr);
  EXPECT_EQ(report.FindTag("ok")->requests, report.requests());
}

TEST(EngineHttpTest, ReconnectsWhenTheServerClosesEachConnection) {
  TestServer server;
  server.Handle("/bye",
                test_support::CloseAfter(test_support::Respond(200, "bye")));

  RunReport report = loadgate::Run(
      OneRequest(server.base_url(), {.name = "bye", .url = "/bye"}),
      ClosedModel{.users = 2}, ShortRun(1s));

  EXPECT_TRUE(IsConsistent(report));
  EXPECT_GT(report.requests(), 20u);
  EXPECT_EQ(report.errors(), 0u);
  // "Connection: close" means one connection per request.
  EXPECT_GE(server.connections(), report.requests());
}

// A server may close right after a response without saying so. The next
// request on that connection races the FIN; the engine must notice (or
// retry on a fresh connection) rather than charge the server an error.
TEST(EngineHttpTest, ReconnectsWhenTheServerClosesWithoutNotice) {
  TestServer server;
  server.Handle("/ok", [](const HttpRequest&, ResponseWriter& writer) {
    writer.Send(200, "hello");
    writer.Abort();
  });

  RunReport report =
      loadgate::Run(OneRequest(server.base_url(), {.name = "ok", .url = "/ok"}),
                    ClosedModel{.users = 2}, ShortRun(1s));

  EXPECT_TRUE(IsConsistent(report));
  EXPECT_GT(report.requests(), 20u);
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_GE(server.connections(), report.requests());
}

TEST(EngineHttpTest, DefaultTagIsMethodAndPath) {
  TestServer server;
  server.Handle("/ok", test_support::Respond(200, "hello"));

  RunOptions options = ShortRun(5s);
  options.max_requests = 3;
  RunReport report =
      loadgate::Run(OneRequest(server.base_url(), {.url = "/ok"}),
                    ClosedModel{.users = 1}, options);

  const TagStats* tag = report.FindTag("GET /ok");
  ASSERT_NE(tag, nullptr);
  EXPECT_EQ(tag->requests, report.requests());
}

TEST(EngineHttpTest, SendsMethodHeadersAndBody) {
  TestServer server;
  // 200 only when the request arrived exactly as the scenario describes it.
  server.Handle(
      "/echo", [](const HttpRequest& request, ResponseWriter& writer) {
        bool as_sent = request.method == "POST" &&
                       request.Header("Authorization") == "Bearer token" &&
                       request.Header("X-Step") == "echo" &&
                       request.Header("Host").starts_with("127.0.0.1") &&
                       request.body == R"({"q":"hi"})";
        writer.Send(as_sent ? 200 : 400, request.body, kJson);
      });

  Scenario scenario =
      OneRequest(server.base_url(), {.name = "echo",
                                     .method = "POST",
                                     .url = "/echo",
                                     .headers = {{"X-Step", "echo"}},
                                     .body = R"({"q":"hi"})"});
  scenario.headers = {{"Authorization", "Bearer token"}};
  RunOptions options = ShortRun(5s);
  options.max_requests = 10;
  RunReport report = loadgate::Run(scenario, ClosedModel{.users = 1}, options);

  EXPECT_TRUE(IsConsistent(report));
  EXPECT_GT(report.requests(), 0u);
  EXPECT_EQ(StatusCount(report.metrics.total, 200), report.requests());
}

TEST(EngineHttpTest, ReadsChunkedBodiesAcrossChunkBoundaries) {
  TestServer server;
  // {"greeting": "hello world", "n": 42}, split inside tokens.
  server.Handle("/chunked",
                test_support::RespondChunked(200,
                                             {R"({"gre)", R"(eting": "hel)",
                                              "lo wor", R"(ld", "n": 4)", "2}"},
                                             kJson));

  RunOptions options = ShortRun(5s);
  options.max_requests = 50;
  RunReport report = loadgate::Run(
      OneRequest(
          server.base_url(),
          {.name = "chunked",
           .url = "/chunked",
           .checks = {Check::BodyContains("hello world"),
                      Check::JsonEquals("/n", "42"),
                      Check::JsonEquals("/greeting", R"("hello world")")}}),
      ClosedModel{.users = 1}, options);

  EXPECT_TRUE(IsConsistent(report));
  EXPECT_GE(report.requests(), 50u);
  EXPECT_EQ(report.errors(), 0u);
  // Many responses over one connection: the chunk framing was consumed
  // exactly, or the next response would have been misread.
  EXPECT_EQ(server.connections(), 1u);
}

// Servers close idle keep-alive connections without notice (Node.js after
// 5 s by default). A user whose think time outlasts that must get a fresh
// connection, not an error charged to the server.
TEST(EngineHttpTest, ReplacesKeepAliveConnectionsTheServerClosedWhileIdle) {
  TestServer server({.idle_timeout = 100ms});
  server.Handle("/ok", test_support::Respond(200, "hello"));

  RunReport report =
      loadgate::Run(OneRequest(server.base_url(), {.name = "ok", .url = "/ok"}),
                    ClosedModel{.users = 1,
                                .think = ThinkTime::Constant(300ms),
                                .iterations_per_user = 4},
                    ShortRun(10s));

  EXPECT_TRUE(IsConsistent(report));
  EXPECT_EQ(report.requests(), 4u);
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_EQ(server.requests(), 4u);
  EXPECT_EQ(server.connections(), 4u);
}

TEST(EngineHttpTest, ReadsBodiesDelimitedByConnectionClose) {
  TestServer server;
  server.Handle("/old", test_support::RespondUntilClose(
                            200, std::string(10000, 'a') + "THE END"));

  RunOptions options = ShortRun(5s);
  options.max_requests = 10;
  RunReport report =
      loadgate::Run(OneRequest(server.base_url(),
                               {.name = "old",
                                .url = "/old",
                                .checks = {Check::BodyContains("aTHE END")}}),
                    ClosedModel{.users = 1}, options);

  EXPECT_TRUE(IsConsistent(report));
  EXPECT_GE(report.requests(), 10u);
  EXPECT_EQ(report.errors(), 0u);
}

TEST(EngineHttpTest, HeadResponseHasNoBodyWhateverItsLength) {
  TestServer server;
  server.Handle("/head",
                [](const HttpRequest& request, ResponseWriter& writer) {
                  if (request.method != "HEAD") return writer.Send(405, "");
                  writer.WriteRaw(
                      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                      "Content-Length: 100\r\n\r\n");
                });

  RunOptions options = ShortRun(5s);
  options.max_requests = 10;
  RunReport report = loadgate::Run(
      OneRequest(
          server.base_url(),
          {.name = "head", .method = "HEAD", .url = "/head", .timeout = 1s}),
      ClosedModel{.users = 1}, options);

  EXPECT_TRUE(IsConsistent(report));
  EXPECT_GE(report.requests(), 10u);
  EXPECT_EQ(report.errors(), 0u);
  // Waiting for 100 body bytes would have timed out; the connection
  // stays in step for the next response.
  EXPECT_EQ(server.connections(), 1u);
}

TEST(EngineHttpTest, ChecksSeeTheWholeOfALargeBody) {
  TestServer server;
  constexpr size_t kBodyBytes = 1 << 20;
  server.Handle("/large", test_support::Respond(
                              200, std::string(kBodyBytes, 'a') + "END"));

  RunOptions options = ShortRun(5s);
  options.max_requests = 5;
  RunReport report = loadgate::Run(
      OneRequest(server.base_url(), {.name = "large",
                                     .url = "/large",
                                     .checks = {Check::BodyContains("aEND")}}),
      ClosedModel{.users = 1}, options);

  EXPECT_TRUE(IsConsistent(report));
  EXPECT_GE(report.requests(), 5u);
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_GE(report.metrics.total.bytes_received,
            report.requests() * kBodyBytes);
}

TEST(EngineHttpTest, WeightsShareTheRequests) {
  TestServer server;
  server.Handle("/*", test_support::Respond(200, "ok"));
  Scenario scenario;
  scenario.name = "weights";
  scenario.base_url = server.base_url();
  scenario.Add(Request{.name = "heavy", .url = "/heavy", .weight = 3});
  scenario.Add(Request{.name = "light", .url = "/light", .weight = 1});

  RunOptions options = ShortRun(10s);
  options.max_requests = 400;
  RunReport report = loadgate::Run(scenario, ClosedModel{.users = 1}, options);

  ASSERT_TRUE(IsConsistent(report));
  const TagStats* heavy = report.FindTag("heavy");
  ASSERT_NE(heavy, nullptr);
  ASSERT_GE(report.requests(), 400u);
  // 75 % expected; +-10 points is more than 4 standard deviations.
  double share = static_cast<double>(heavy->requests) /
                 static_cast<double>(report.requests());
  EXPECT_NEAR(share, 0.75, 0.10);
}

TEST(EngineHttpTest, LatencyObjectiveDecidesGoodput) {
  TestServer server;
  // Every odd-numbered request takes 150 ms, over the 100 ms objective.
  server.Handle(
      "/mixed",
      [fast = test_support::Respond(200, "fast"),
       slow = test_support::Delayed(150ms, test_support::Respond(200, "slow"))](
          const HttpRequest& request, ResponseWriter& writer) {
        (request.number % 2 == 1 ? slow : fast)(request, writer);
      });
  Scenario scenario =
      OneRequest(server.base_url(), {.name = "mixed", .url = "/mixed"});
  scenario.request_latency_objective = 100ms;
  RunOptions options = ShortRun(10s);
  options.max_requests = 12;
  RunReport report = loadgate::Run(scenario, ClosedModel{.users = 1}, options);

  ASSERT_TRUE(IsConsistent(report));
  ASSERT_EQ(report.requests(), server.requests());
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_TRUE(test_support::OnlyTheFastHalfMetTheObjective(report));
  EXPECT_NEAR(report.slo_attainment(),
              static_cast<double>(report.metrics.total.met_objectives) /
                  static_cast<double>(report.requests()),
              1e-9);
}

struct CheckCase {
  const char* label;
  std::string path;
  Check check;
  bool passes;

  friend void PrintTo(const CheckCase& test_case, std::ostream* out) {
    *out << test_case.label << ": " << test_case.check.Describe() << " on "
         << test_case.path;
  }
};

class EngineCheckTest : public ::testing::TestWithParam<CheckCase> {};

TEST_P(EngineCheckTest, FailedCheckIsCheckFailedError) {
  const CheckCase& test_case = GetParam();
  TestServer server;
  server.Handle(
      "/json",
      test_support::Respond(
          200, R"({"id":"abc","n":42,"items":[{"mrn":"M1"}],"ok":true})",
          kJson));
  server.Handle("/text", test_support::Respond(200, "plain words"));

  RunOptions options = ShortRun(5s);
  options.max_requests = 10;
  RunReport report = loadgate::Run(
      OneRequest(server.base_url(), {.name = "checked",
                                     .url = test_case.path,
                                     .checks = {test_case.check}}),
      ClosedModel{.users = 1}, options);

  EXPECT_TRUE(IsConsistent(report));
  ASSERT_GT(report.requests(), 0u);
  EXPECT_EQ(StatusCount(report.metrics.total, 200), report.requests());
  if (test_case.passes) {
    EXPECT_EQ(report.errors(), 0u) << test_case.check.Describe();
  } else {
    EXPECT_EQ(ErrorsOf(report.metrics.total, ErrorKind::kCheckFailed),
              report.requests())
        << test_case.check.Describe();
    EXPECT_EQ(report.errors(), report.requests());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Checks, EngineCheckTest,
    ::testing::Values(
        CheckCase{"StatusMatches", "/json", Check::Status(200), true},
        CheckCase{"StatusDiffers", "/json", Check::Status(201), false},
        CheckCase{"PointerPresent", "/json", Check::JsonPresent("/id"), true},
        CheckCase{"NestedPointerPresent", "/json",
                  Check::JsonPresent("/items/0/mrn"), true},
        CheckCase{"PointerMissing", "/json", Check::JsonPresent("/missing"),
                  false},
        CheckCase{"PointerPastArrayEnd", "/json",
                  Check::JsonPresent("/items/1"), false},
        CheckCase{"NumberEquals", "/json", Check::JsonEquals("/n", "42"), true},
        CheckCase{"NumberDiffers", "/json", Check::JsonEquals("/n", "43"),
                  false},
        CheckCase{"StringEquals", "/json", Check::JsonEquals("/id", R"("abc")"),
                  true},
        CheckCase{"StringIsNotNumber", "/json",
                  Check::JsonEquals("/n", R"("42")"), false},
        CheckCase{"ObjectEquals", "/json",
                  Check::JsonEquals("/items/0", R"({ "mrn": "M1" })"), true},
        CheckCase{"BodyContains", "/json", Check::BodyContains(R"("ok":true)"),
                  true},
        CheckCase{"BodyLacks", "/json", Check::BodyContains("nope"), false},
        CheckCase{"NotJson", "/text", Check::JsonPresent("/id"), false}),
    [](const ::testing::TestParamInfo<CheckCase>& info) {
      return std::string(info.param.label);
    });

TEST(EngineHttpTest, ClassifiesClientAndServerErrors) {
  TestServer server;
  server.Handle("/unavailable", test_support::Respond(503, "busy"));
  // "/missing" has no route: the server answers 404.

  Scenario scenario;
  scenario.name = "statuses";
  scenario.base_url = server.base_url();
  scenario.Add(Request{.name = "missing", .url = "/missing"});
  scenario.Add(Request{.name = "unavailable", .url = "/unavailable"});
  RunOptions options = ShortRun(5s);
  options.max_requests = 60;
  RunReport report = loadgate::Run(scenario, ClosedModel{.users = 1}, options);

  EXPECT_TRUE(IsConsistent(report));
  const TagStats* missing = report.FindTag("missing");
  const TagStats* unavailable = report.FindTag("unavailable");
  ASSERT_NE(missing, nullptr);
  ASSERT_NE(unavailable, nullptr);
  // Equal weights: each gets some of 60 requests (chance of none: 2^-59).
  EXPECT_GT(missing->requests, 0u);
  EXPECT_GT(unavailable->requests, 0u);
  EXPECT_EQ(ErrorsOf(*missing, ErrorKind::kHttp4xx), missing->requests);
  EXPECT_EQ(StatusCount(*missing, 404), missing->requests);
  EXPECT_EQ(ErrorsOf(*unavailable, ErrorKind::kHttp5xx), unavailable->requests);
  EXPECT_EQ(StatusCount(*unavailable, 503), unavailable->requests);
  EXPECT_EQ(report.errors(), report.requests());
  EXPECT_DOUBLE_EQ(report.error_rate(), 1.0);
}

// Checks replace the default "status below 400" rule, so a test can expect
// an error status (e.g. that an unknown id gives 404).
TEST(EngineHttpTest, ExpectedErrorStatusPassesItsCheck) {
  TestServer server;

  RunOptions options = ShortRun(5s);
  options.max_requests = 10;
  RunReport report = loadgate::Run(
      OneRequest(server.base_url(), {.name = "missing",
                                     .url = "/missing",
                                     .checks = {Check::Status(404)}}),
      ClosedModel{.users = 1}, options);

  EXPECT_TRUE(IsConsistent(report));
  EXPECT_GT(report.requests(), 0u);
  EXPECT_EQ(StatusCount(report.metrics.total, 404), report.requests());
  EXPECT_EQ(report.errors(), 0u);
}

TEST(EngineHttpTest, HangingServerGivesTimeoutsAndTheRunEndsOnTime) {
  TestServer server;
  server.Handle("/hang", test_support::Hang());

  Clock::time_point start = Clock::now();
  RunReport report = loadgate::Run(
      OneRequest(server.base_url(),
                 {.name = "hang", .url = "/hang", .timeout = 200ms}),
      ClosedModel{.users = 2}, ShortRun(1s));
  auto wall = Clock::now() - start;

  EXPECT_TRUE(IsConsistent(report));
  // About 2 users x 1 s / 200 ms = 10 timeouts.
  EXPECT_GE(report.requests(), 4u);
  EXPECT_LE(report.requests(), 14u);
  EXPECT_EQ(ErrorsOf(report.metrics.total, ErrorKind::kTimeout),
            report.requests());
  EXPECT_EQ(StatusCount(report.metrics.total, 0), report.requests());
  EXPECT_LT(wall, 3s);
}

TEST(EngineHttpTest, RefusedConnectionsAreConnectErrors) {
  test_support::RefusingPort refusing;

  Clock::time_point start = Clock::now();
  RunReport report = loadgate::Run(
      OneRequest(refusing.base_url(), {.name = "refused", .url = "/"}),
      ClosedModel{.users = 2}, ShortRun(500ms));
  auto wall = Clock::now() - start;

  EXPECT_TRUE(IsConsistent(report));
  EXPECT_GT(report.requests(), 0u);
  EXPECT_EQ(ErrorsOf(report.metrics.total, ErrorKind::kConnect),
            report.requests());
  EXPECT_EQ(StatusCount(report.metrics.total, 0), report.requests());
  EXPECT_LT(wall, 2500ms);
}

TEST(EngineHttpTest, TruncatedResponseIsALostConnection) {
  TestServer server;
  server.Handle("/cut", test_support::AbortMidBody(1000, 100));

  RunOptions options = ShortRun(3s);
  options.max_requests = 5;
  RunReport report = loadgate::Run(
      OneRequest(server.base_url(), {.name = "cut", .url = "/cut"}),
      ClosedModel{.users = 1}, options);

  EXPECT_TRUE(IsConsistent(report));
  EXPECT_GT(report.requests(), 0u);
  EXPECT_EQ(ErrorsOf(report.metrics.total, ErrorKind::kConnectionLost),
            report.requests());
}

TEST(EngineHttpTest, ServerDyingMidRunIsRecordedAndTheReportComplete) {
  TestServer server;
  server.Handle("/ok", test_support::Delayed(
                           5ms, test_support::Respond(200, "still here")));
  // Kills the server once the run is well under way.
  std::thread killer([&server] {
    for (int i = 0; i < 500 && server.requests() < 40; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    server.Stop();
  });

  Clock::time_point start = Clock::now();
  RunReport report =
      loadgate::Run(OneRequest(server.base_url(), {.name = "ok", .url = "/ok"}),
                    ClosedModel{.users = 4}, ShortRun(2s));
  auto wall = Clock::now() - start;
  killer.join();

  EXPECT_TRUE(IsConsistent(report));
  const TagStats& total = report.metrics.total;
  // Responses before the death, failures after it.
  EXPECT_GE(StatusCount(total, 200), 36u);
  EXPECT_GT(report.errors(), 0u);
  EXPECT_EQ(ErrorsOf(total, ErrorKind::kConnect) +
                ErrorsOf(total, ErrorKind::kConnectionLost) +
                ErrorsOf(total, ErrorKind::kTimeout),
            report.errors());
  // A dead server is measured, not a reason to stop early.
  EXPECT_EQ(report.info.stop_reason, "");
  EXPECT_GE(report.info.actual_duration_ns, 1'500'000'000);
  EXPECT_LT(wall, 5s);
}

}  // namespace
}  // namespace loadgate
