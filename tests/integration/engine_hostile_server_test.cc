// The engine against servers that misbehave on purpose: they hang, die,
// send garbage or never stop sending. Whatever the server does, every
// request the schedule planned ends in the report exactly once, as an error
// of the kind that says what happened, within the run's time bounds and with
// bounded memory. These are the cases that would otherwise let a merge gate
// pass against a broken service. (Short bodies and streams cut midway are in
// engine_http_test.cc and engine_stream_test.cc.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "loadgate/engine.h"
#include "loadgate/objective.h"
#include "support/report_checks.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using test_support::ErrorsOf;
using test_support::HttpRequest;
using test_support::IsConsistent;
using test_support::ResponseWriter;
using test_support::TestServer;

constexpr int64_t kMs = 1'000'000;
constexpr size_t kMiB = 1024 * 1024;

// How much a run against an endless response may add to the peak: a few
// buffers' worth, with room for a sanitizer's own memory, and far below the
// 512 MiB and more the servers below would push into an unbounded buffer.
constexpr size_t kMaxRssGrowth = 128 * kMiB;

// Peak resident memory of this process (each GoogleTest case runs in its
// own process under ctest).
size_t PeakRssBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<size_t>(usage.ru_maxrss) * 1024;
}

Scenario OneRequest(const TestServer& server, Request request = {}) {
  Scenario scenario;
  scenario.name = "hostile";
  scenario.base_url = server.base_url();
  request.name = "hostile";
  if (request.url.empty()) request.url = "/x";
  scenario.Add(std::move(request));
  return scenario;
}

RunOptions Options(std::chrono::nanoseconds duration,
                   std::chrono::nanoseconds graceful_stop) {
  RunOptions options;
  options.duration = duration;
  options.graceful_stop = graceful_stop;
  options.threads = 2;
  return options;
}

// Sends SSE headers and one event, then holds the stream open until the
// server stops: the server of the reported false green.
void HangAfterOneEvent(const HttpRequest&, ResponseWriter& writer) {
  writer.StartChunked(200, "text/event-stream");
  writer.SendChunk(
      "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n");
  writer.Sleep(5min);
  writer.Abort();
}

// Sends `head`, then `piece` over and over until the client goes away or
// `limit` bytes were sent; records how much it sent.
test_support::Handler Endless(std::string head, std::string piece, size_t limit,
                              std::atomic<size_t>* sent) {
  return [=](const HttpRequest&, ResponseWriter& writer) {
    writer.WriteRaw(head);
    size_t total = head.size();
    while (writer.ok() && total < limit) {
      writer.WriteRaw(piece);
      total += piece.size();
    }
    sent->fetch_add(total);
    writer.Abort();
  };
}

TEST(EngineHostileServerTest, HungStreamsAreTimeoutsNotMissingRequests) {
  TestServer server;
  server.Handle("/x", HangAfterOneEvent);
  const OpenModel model{.rate = 20};
  const auto started = std::chrono::steady_clock::now();

  const RunReport report =
      loadgate::Run(OneRequest(server), model, Options(2s, 1s));

  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(IsConsistent(report));
  // Every planned arrival is in the report: 20/s for 2 s.
  EXPECT_EQ(report.requests(), 40u);
  EXPECT_EQ(report.errors(), 40u);
  EXPECT_EQ(ErrorsOf(report.metrics.total, ErrorKind::kTimeout), 40u);
  // Latency runs from the intended send to the abandon at 2 s + 1 s, so
  // even the last arrival (1.95 s) waited over a second.
  EXPECT_GE(report.metrics.total.latency.min(), 1000 * kMs * 99 / 100);
  EXPECT_EQ(report.metrics.total.latency.count(), 40u);
  // Abandoned at the end of the graceful stop, not at the request timeout.
  EXPECT_LT(elapsed, 10s);
  const ObjectiveResult errors =
      Evaluate({.metric = "error_rate", .threshold = 0.01}, report);
  EXPECT_FALSE(errors.passed) << errors.explanation;
}

TEST(EngineHostileServerTest, ArrivalsThatNeverLeftTheQueueAreNotSent) {
  TestServer server;
  server.Handle("/x", HangAfterOneEvent);
  const OpenModel model{.rate = 20, .max_in_flight = 4};

  const RunReport report =
      loadgate::Run(OneRequest(server), model, Options(2s, 500ms));

  ASSERT_TRUE(IsConsistent(report));
  EXPECT_EQ(report.requests(), 40u);
  EXPECT_EQ(ErrorsOf(report.metrics.total, ErrorKind::kTimeout), 4u);
  EXPECT_EQ(ErrorsOf(report.metrics.total, ErrorKind::kNotSent), 36u);
  // Queued arrivals waited too: their latency counts (no coordinated
  // omission), their service time does not exist.
  EXPECT_EQ(report.metrics.total.latency.count(), 40u);
  EXPECT_EQ(report.metrics.total.service_time.count(), 4u);
  EXPECT_GE(report.metrics.total.send_lag.Percentile(50), 500 * kMs);
}

TEST(EngineHostileServerTest, ADeadPortHasNoLatencyToPass) {
  test_support::RefusingPort port;
  Scenario scenario;
  scenario.base_url = port.base_url();
  scenario.Add({.name = "dead", .url = "/"});

  const RunReport report =
      loadgate::Run(scenario, OpenModel{.rate = 50}, Options(1s, 500ms));

  ASSERT_GT(report.requests(), 0u);
  EXPECT_EQ(ErrorsOf(report.metrics.total, ErrorKind::kConnect),
            report.requests());
  EXPECT_TRUE(report.metrics.total.latency.empty());
  const ObjectiveResult latency = Evaluate(
      {.metric = "latency", .percentile = 95, .threshold = 100}, report);
  EXPECT_FALSE(latency.passed);
  EXPECT_THAT(latency.explanation, ::testing::StartsWith("NOT EVALUATED"));
}

TEST(EngineHostileServerTest, EndlessSseLineFailsWithBoundedMemory) {
  TestServer server;
  std::atomic<size_t> sent{0};
  server.Handle("/x", Endless("HTTP/1.1 200 OK\r\n"
                              "Content-Type: text/event-stream\r\n\r\n"
                              "data: ",
                              std::string(64 * 1024, 'a'), 512 * kMiB, &sent));
  const size_t rss_before = PeakRssBytes();

  const RunReport report =
      loadgate::Run(OneRequest(server, {.max_buffered_bytes = 4 * kMiB}),
                    ClosedModel{.users = 2}, Options(2s, 1s));

  ASSERT_TRUE(IsConsistent(report));
  ASSERT_GT(report.requests(), 0u);
  EXPECT_EQ(ErrorsOf(report.metrics.total, ErrorKind::kResponseTooLarge),
            report.requests());
  EXPECT_LT(PeakRssBytes() - rss_before, kMaxRssGrowth);
  server.Stop();
  // The client hung up soon after the bound: the server never got far.
  EXPECT_LT(sent.load() / report.requests(), 64 * kMiB);
}

TEST(EngineHostileServerTest, EndlessJsonArrayElementIsTooLarge) {
  TestServer server;
  std::atomic<size_t> sent{0};
  server.Handle("/x", Endless("HTTP/1.1 200 OK\r\n"
                              "Content-Type: application/json\r\n\r\n"
                              "[{\"text\":\"",
                              std::string(64 * 1024, 'a'), 512 * kMiB, &sent));

  const RunReport report =
      loadgate::Run(OneRequest(server, {.stream = StreamFormat::kJsonArray,
                                        .max_buffered_bytes = 2 * kMiB}),
                    ClosedModel{.users = 1}, Options(1s, 1s));

  ASSERT_GT(report.requests(), 0u);
  EXPECT_EQ(ErrorsOf(report.metrics.total, ErrorKind::kResponseTooLarge),
            report.requests());
}

TEST(EngineHostileServerTest, EndlessBodyKeptForChecksIsTooLarge) {
  TestServer server;
  std::atomic<size_t> sent{0};
  server.Handle("/x", Endless("HTTP/1.1 200 OK\r\n"
                              "Content-Type: text/plain\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n",
                              "10000\r\n" + std::string(0x10000, 'b') + "\r\n",
                              512 * kMiB, &sent));

  const RunReport report = loadgate::Run(
      OneRequest(server, {.checks = {Check::BodyContains("never")},
                          .max_buffered_bytes = 2 * kMiB}),
      ClosedModel{.users = 1}, Options(1s, 1s));

  ASSERT_GT(report.requests(), 0u);
  EXPECT_EQ(ErrorsOf(report.metrics.total, ErrorKind::kResponseTooLarge),
            report.requests());
}

TEST(EngineHostileServerTest, EndlessBodyNobodyKeepsEndsAtTheTimeout) {
  TestServer server;
  std::atomic<size_t> sent{0};
  server.Handle("/x", Endless("HTTP/1.1 200 OK\r\n"
                              "Content-Type: application/octet-stream\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n",
                              "10000\r\n" + std::string(0x10000, 'c') + "\r\n",
                              8192 * kMiB, &sent));
  const size_t rss_before = PeakRssBytes();

  const RunReport report =
      loadgate::Run(OneRequest(server, {.timeout = 1s}),
                    ClosedModel{.users = 1}, Options(1500ms, 2s));

  ASSERT_GT(report.requests(), 0u);
  EXPECT_EQ(ErrorsOf(report.metrics.total, ErrorKind::kTimeout),
            report.requests());
  EXPECT_GE(report.metrics.total.latency.min(), 1000 * kMs);
  EXPECT_LT(PeakRssBytes() - rss_before, kMaxRssGrowth);
}

TEST(EngineHostileServerTest, EndlessHeadersAreAProtocolError) {
  TestServer server;
  std::atomic<size_t> sent{0};
  server.Handle("/x", Endless("HTTP/1.1 200 OK\r\n", "X-Filler: yes\r\n",
                              256 * kMiB, &sent));

  const RunReport report = loadgate::Run(
      OneRequest(server), ClosedModel{.users = 1}, Options(1s, 1s));

  ASSERT_GT(report.requests(), 0u);
  EXPECT_EQ(ErrorsOf(report.metrics.total, ErrorKind::kProtocol),
            report.requests());
}

TEST(EngineHostileServerTest, GarbageIsAProtocolError) {
  TestServer server;
  server.Handle("/x", [](const HttpRequest&, ResponseWriter& writer) {
    writer.WriteRaw("SSH-2.0-OpenSSH_9.2\r\n\xff\xfe garbage\r\n\r\n");
    writer.Abort();
  });

  const RunReport report = loadgate::Run(
      OneRequest(server), ClosedModel{.users = 1}, Options(500ms, 1s));

  ASSERT_GT(report.requests(), 0u);
  EXPECT_EQ(ErrorsOf(report.metrics.total, ErrorKind::kProtocol),
            report.requests());
  EXPECT_TRUE(report.metrics.total.latency.empty());
}

TEST(EngineHostileServerTest, ResetMidResponseIsALostConnection) {
  TestServer server;
  server.Handle("/x", [](const HttpRequest&, ResponseWriter& writer) {
    writer.WriteRaw(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
        "Content-Length: 1000\r\n\r\npartial");
    writer.Sleep(50ms);  // let the head arrive before the reset
    writer.Reset();
  });

  const RunReport report = loadgate::Run(
      OneRequest(server), ClosedModel{.users = 1}, Options(500ms, 1s));

  ASSERT_GT(report.requests(), 0u);
  EXPECT_EQ(ErrorsOf(report.metrics.total, ErrorKind::kConnectionLost),
            report.requests());
  EXPECT_TRUE(report.metrics.total.latency.empty());
}

TEST(EngineHostileServerTest, NeverEndingStreamEndsAtTheTimeout) {
  TestServer server;
  server.Handle("/x", [](const HttpRequest&, ResponseWriter& writer) {
    writer.StartChunked(200, "text/event-stream");
    while (writer.ok()) {
      writer.SendChunk(
          "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n");
      if (!writer.Sleep(20ms)) break;
    }
    writer.Abort();
  });

  const RunReport report =
      loadgate::Run(OneRequest(server, {.timeout = 700ms}),
                    ClosedModel{.users = 2}, Options(1s, 2s));

  ASSERT_TRUE(IsConsistent(report));
  ASSERT_GT(report.requests(), 0u);
  EXPECT_EQ(ErrorsOf(report.metrics.total, ErrorKind::kTimeout),
            report.requests());
  // Time to first token was measured before the stream had to be cut.
  EXPECT_EQ(report.metrics.total.ttft.count(), report.requests());
}

}  // namespace
}  // namespace loadgate
