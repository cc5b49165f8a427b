// Smoke tests of loadgate::Run() end to end against the local test server: the
// engine's own check that it works; the thorough server-side behaviour
// (TLS, chunked, SSE, stalls, dying servers) is covered by the integration
// tests.
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
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
using test_support::Respond;
using test_support::ShortRun;
using test_support::TestServer;

Scenario OkScenario(const TestServer& server) {
  return test_support::OneRequest(server.base_url(),
                                  {.name = "ok", .url = "/ok"});
}

TEST(EngineRunTest, OpenModelSendsTheScheduleOverKeepAlive) {
  TestServer server;
  server.Handle("/ok", Respond(200, "hello"));
  const RunReport report = loadgate::Run(
      OkScenario(server), OpenModel{.rate = 200}, ShortRun(1s, 2));
  ASSERT_TRUE(IsConsistent(report));
  // 200/s for 1 s: arrivals at k / 200 for k = 0..199.
  EXPECT_EQ(report.requests(), 200u);
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_EQ(server.requests(), 200u);
  // Keep-alive: far fewer connections than requests.
  EXPECT_LT(server.connections(), 50u);
  const TagStats* ok = report.FindTag("ok");
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(ok->bytes_received > 0, true);
  EXPECT_EQ(report.info.load_model, "constant 200 req/s");
  EXPECT_DOUBLE_EQ(report.info.target_rps, 200);
  EXPECT_TRUE(report.info.stop_reason.empty());
}

TEST(EngineRunTest, ClosedModelHonoursIterationsPerUser) {
  TestServer server;
  server.Handle("/ok", Respond(200, "hello"));
  const RunReport report = loadgate::Run(
      OkScenario(server), ClosedModel{.users = 3, .iterations_per_user = 5},
      ShortRun(1s, 2));
  ASSERT_TRUE(IsConsistent(report));
  EXPECT_EQ(report.requests(), 15u);
  EXPECT_EQ(report.info.users, 3);
  // The users finished early; the run ends with them.
  EXPECT_LT(report.info.actual_duration_ns, 1'000'000'000);
}

TEST(EngineRunTest, MaxRequestsCapsTheRun) {
  TestServer server;
  server.Handle("/ok", Respond(200, "hello"));
  RunOptions options = ShortRun(1s, 2);
  options.max_requests = 7;
  options.connections = 2;
  const RunReport report =
      loadgate::Run(OkScenario(server), ClosedModel{}, options);
  EXPECT_EQ(report.requests(), 7u);
  EXPECT_EQ(server.requests(), 7u);
}

TEST(EngineRunTest, StatusErrorsAreClassified) {
  TestServer server;
  server.Handle("/missing", Respond(404, "no"));
  server.Handle("/broken", Respond(503, "down"));
  Scenario scenario;
  scenario.base_url = server.base_url();
  scenario.Add(Request{.url = "/missing"});
  scenario.Add(Request{.url = "/broken"});
  RunOptions options = ShortRun(1s, 2);
  options.max_requests = 40;
  const RunReport report =
      loadgate::Run(scenario, ClosedModel{.users = 2}, options);
  ASSERT_TRUE(IsConsistent(report));
  EXPECT_EQ(report.errors(), report.requests());
  const TagStats* missing = report.FindTag("GET /missing");
  const TagStats* broken = report.FindTag("GET /broken");
  ASSERT_NE(missing, nullptr);
  ASSERT_NE(broken, nullptr);
  EXPECT_EQ(test_support::ErrorsOf(*missing, ErrorKind::kHttp4xx),
            missing->requests);
  EXPECT_EQ(test_support::ErrorsOf(*broken, ErrorKind::kHttp5xx),
            broken->requests);
  EXPECT_GT(missing->requests, 0u);
  EXPECT_GT(broken->requests, 0u);
}

TEST(EngineRunTest, RejectsUnusableInputsNamingTheField) {
  TestServer server;
  try {
    loadgate::Run(OkScenario(server), OpenModel{.rate = 0}, ShortRun(1s, 2));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_EQ(std::string(error.what()),
              "load.rate: expected a positive number");
  }
  Scenario empty;
  EXPECT_THROW(loadgate::Run(empty, OpenModel{.rate = 1}, ShortRun(1s, 2)),
               std::invalid_argument);
  Scenario unknown = OkScenario(server);
  unknown.flows[0].steps[0].request.url = "/items/{id}";
  try {
    loadgate::Run(unknown, OpenModel{.rate = 1}, ShortRun(1s, 2));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_EQ(std::string(error.what()),
              "scenario.flows[0].steps[0].request.url: unknown template "
              "variable {id}");
  }
}

TEST(EngineRunTest, ReportsProgressAboutOnceASecond) {
  TestServer server;
  server.Handle("/ok", Respond(200, "hello"));
  RunOptions options = ShortRun(1s, 2);
  options.duration = 2500ms;
  std::vector<Progress> seen;
  options.on_progress = [&seen](const Progress& p) { seen.push_back(p); };
  const RunReport report =
      loadgate::Run(OkScenario(server), OpenModel{.rate = 100}, options);
  EXPECT_EQ(report.requests(), 250u);
  // Seconds 0 and 1 complete during the run (the supervisor may be late).
  ASSERT_GE(seen.size(), 1u);
  ASSERT_LE(seen.size(), 2u);
  for (const Progress& p : seen) {
    EXPECT_GE(p.elapsed, 1s);
    EXPECT_EQ(p.errors, 0u);
    EXPECT_LE(p.requests, 250u);
    // 100 arrivals a second, answered within it (a wide margin for a busy
    // machine: a stall moves completions into the next second).
    EXPECT_GE(p.current_rps, 50);
    EXPECT_LE(p.current_rps, 150);
    EXPECT_GT(p.p50_ns, 0);
    EXPECT_LE(p.p50_ns, p.p95_ns);
    EXPECT_LE(p.p95_ns, p.p99_ns);
  }
}

TEST(EngineRunTest, TlsVerifiesAgainstAnExtraTrustedCertificate) {
  TestServer server(TestServer::Options{.tls = true});
  server.Handle("/ok", Respond(200, "secure"));
  Scenario scenario = OkScenario(server);
  scenario.tls_ca_pem = server.certificate_pem();
  RunOptions options = ShortRun(1s, 2);
  options.max_requests = 20;
  options.connections = 2;
  RunReport report = loadgate::Run(scenario, ClosedModel{}, options);
  EXPECT_EQ(report.requests(), 20u);
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_LE(server.connections(), 2u);
  // By name: SNI and the host name check, and "localhost" may resolve to
  // ::1 first while the server listens on 127.0.0.1 only.
  scenario.base_url = "https://localhost:" + std::to_string(server.port());
  report = loadgate::Run(scenario, ClosedModel{}, options);
  EXPECT_EQ(report.requests(), 20u);
  EXPECT_EQ(report.errors(), 0u);
  // Without the extra certificate the self-signed one is rejected.
  scenario.tls_ca_pem.clear();
  report = loadgate::Run(scenario, ClosedModel{}, options);
  EXPECT_EQ(report.requests(), 20u);
  EXPECT_EQ(test_support::ErrorsOf(report.metrics.total, ErrorKind::kConnect),
            20u);
}

// Output tokens are reported only at the end of a stream; the engine spreads
// them over the content chunks in proportion to their characters to get
// the per-token gaps, and counts one token per chunk without usage.
TEST(EngineRunTest, SpreadsReportedOutputTokensOverChunksByCharacters) {
  TestServer server;
  server.Handle("/usage",
                test_support::StreamLlm({.pieces = {"ab", "abcd", "abcdef"},
                                         .gap = 20ms,
                                         .prompt_tokens = 3,
                                         .output_tokens = 12}));
  server.Handle("/plain",
                test_support::StreamLlm({.pieces = {"ab", "abcd", "abcdef"}}));
  RunOptions options = ShortRun(1s, 2);
  options.max_requests = 4;
  options.connections = 2;
  Scenario scenario = OkScenario(server);
  scenario.flows[0].steps[0].request.url = "/usage";
  RunReport report = loadgate::Run(scenario, ClosedModel{}, options);
  ASSERT_EQ(report.requests(), 4u);
  EXPECT_EQ(report.errors(), 0u);
  const TagStats& usage = report.metrics.total;
  EXPECT_EQ(usage.output_tokens, 4u * 12);
  EXPECT_EQ(usage.prompt_tokens, 4u * 3);
  EXPECT_EQ(usage.chunk_gap.count(), 4u * 2);
  // 12 tokens over 2 + 4 + 6 characters: the gapped chunks carry 4 and 6.
  EXPECT_EQ(usage.token_gap.count(), 4u * (4 + 6));
  EXPECT_LE(usage.token_gap.max(), usage.chunk_gap.max() / 4 * 1.01);
  EXPECT_GE(usage.token_gap.min(), usage.chunk_gap.min() / 6 * 0.99);

  scenario.flows[0].steps[0].request.url = "/plain";
  report = loadgate::Run(scenario, ClosedModel{}, options);
  ASSERT_EQ(report.requests(), 4u);
  const TagStats& plain = report.metrics.total;
  EXPECT_EQ(plain.output_tokens, 4u * 3);  // one per content chunk
  EXPECT_EQ(plain.prompt_tokens, 0u);
  EXPECT_EQ(plain.token_gap.count(), plain.chunk_gap.count());
  EXPECT_EQ(plain.chunk_gap.count(), 4u * 2);
}

// A whole JSON answer reports its usage in the body: the engine reads it
// when the Content-Type says JSON, and leaves other bodies alone.
TEST(EngineRunTest, ReadsUsageFromWholeJsonResponses) {
  const std::string answer =
      R"({"choices":[{"message":{"content":"Hi"}}],)"
      R"("usage":{"prompt_tokens":7,"completion_tokens":5}})";
  TestServer server;
  server.Handle("/json", Respond(200, answer, "application/json"));
  server.Handle("/text", Respond(200, answer, test_support::kText));
  RunOptions options = ShortRun(1s, 2);
  options.max_requests = 4;
  options.connections = 2;
  Scenario scenario = OkScenario(server);
  scenario.flows[0].steps[0].request.url = "/json";
  RunReport report = loadgate::Run(scenario, ClosedModel{}, options);
  ASSERT_EQ(report.requests(), 4u);
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_EQ(report.metrics.total.prompt_tokens, 4u * 7);
  EXPECT_EQ(report.metrics.total.output_tokens, 4u * 5);

  scenario.flows[0].steps[0].request.url = "/text";
  report = loadgate::Run(scenario, ClosedModel{}, options);
  ASSERT_EQ(report.requests(), 4u);
  EXPECT_EQ(report.metrics.total.prompt_tokens, 0u);
  EXPECT_EQ(report.metrics.total.output_tokens, 0u);
}

TEST(EngineRunTest, ThrowingProgressCallbackStopsTheWorkers) {
  TestServer server;
  server.Handle("/ok", Respond(200, "hello"));
  RunOptions options = ShortRun(1s, 2);
  options.duration = 30s;
  options.on_progress = [](const Progress&) {
    throw std::runtime_error("callback failed");
  };
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(
      loadgate::Run(OkScenario(server), OpenModel{.rate = 50}, options),
      std::runtime_error);
  // Thrown after the first second's progress, not after the duration.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
}

}  // namespace
}  // namespace loadgate
