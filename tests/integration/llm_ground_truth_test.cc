// loadgate's LLM figures against what the mock LLM knows about each
// stream (issue 14): TTFT and inter-token latency against its record of
// when each chunk left it, at 100 concurrent streams, and goodput under
// joint per-request objectives against streams planned fast or slow in
// TTFT and TPOT.
//
// The mock ends every SSE stream with `: mock-llm-actual headers_us=...
// emit_us=t0,t1,...` (services/mock_llm/README.md, "Ground truth for
// measurement"): the µs after it read the request at which each content
// chunk was written. The engine keeps histograms, not per-request samples,
// and parses SSE comments away, so the test reads that comment from the very
// bytes loadgate received: loadgate talks to the mock through a byte relay
// in this process that forwards both ways at once and copies each stream's
// ground truth out of the passing bytes. That compares the same streams,
// which a second raw client at the same concurrency could not (it would
// measure other streams, and so only the mock, not loadgate), and needs no
// hook in the engine's hot path.
//
// What separates the two numbers: loadgate's TTFT runs from its send to the
// moment its event loop parsed the first content event, so beyond the
// mock's emit_us[0] it holds two loopback trips through the relay, the
// mock's read of the request, and loadgate's own scheduling (the mock's
// values are read through a histogram of loadgate's precision, so rounding
// to buckets does not count). The test runs alone (RUN_SERIAL), as other
// tests' work on the same cores would reach its tail.
// An inter-token gap carries the difference of two such delivery delays.
// The issue's tolerance, 1 ms, is judged at the median always, and at p99
// when the machine is quiet enough for it to be met at all. On a machine
// whose cores are busy with other work, scheduling delays of several ms
// reach the tail; each run measures that noise itself (the mock's timer
// lateness, and a wake-up probe in this process for loadgate's and the
// relay's threads) and a noisy run is not judged at p99; up to three runs
// are made (see the test). Measured on a shared 2-core machine:
// in a quiet moment, p99 within 0.26 to 0.52 ms (TTFT) and 0.26 ms (ITL),
// judged and passed; with two bursty busy loops beside it, timers 3 to
// 3.6 ms late at p99 and loadgate differed by 1.3 to 2.6 ms: not judged.
// CI once saw TTFT 7 ms apart at p99 while the mock's timers were on time,
// before this test had the probe or sent a stream only on a connection
// already open (a run's first requests, connecting through the relay, took
// up to 9 ms here).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "loadgate/engine.h"
#include "loadgate/format.h"
#include "support/service_process.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using test_support::ServiceProcess;

const std::string kMockLlm = LOADGATE_BINARY_DIR "/bin/mock-llm";

constexpr int kStreams = 100;               // in flight at once: closed users
constexpr uint64_t kStreamRequests = 1200;  // each after a /health request
constexpr int kTtftMs = 50;
constexpr int kItlMs = 50;
constexpr int kOutputTokens = 8;  // one token per chunk: 7 gaps per stream
constexpr double kToleranceMs = 1.0;
// Users start spread over about one stream's length (50 + 7 * 50 ms), so
// their requests reach the mock spread out as in steady traffic. Started at
// once, 100 requests queue behind each other in the mock's accept and read,
// time the mock's ground truth (counted from its read) cannot show.
constexpr double kSpawnRate = 250;

// One stream's ground truth, in µs after the mock read the request.
struct StreamTruth {
  int64_t headers_us = 0;
  std::vector<int64_t> emit_us;
};

// "headers_us=12 emit_us=50012,75031" -> the numbers; false if malformed.
bool ParseActualTimes(std::string_view text, StreamTruth* truth) {
  constexpr std::string_view kHeaders = "headers_us=";
  constexpr std::string_view kEmit = " emit_us=";
  if (!text.starts_with(kHeaders)) return false;
  const char* end = text.data() + text.size();
  const char* at = text.data() + kHeaders.size();
  auto [after_headers, error] = std::from_chars(at, end, truth->headers_us);
  if (error != std::errc()) return false;
  std::string_view rest(after_headers,
                        static_cast<size_t>(end - after_headers));
  if (!rest.starts_with(kEmit)) return false;
  at = after_headers + kEmit.size();
  while (at < end) {
    int64_t value = 0;
    auto [next, parse_error] = std::from_chars(at, end, value);
    if (parse_error != std::errc()) return false;
    truth->emit_us.push_back(value);
    at = next;
    if (at < end && *at != ',') return false;
    if (at < end) ++at;
  }
  return !truth->emit_us.empty();
}

// A loopback TCP relay to `upstream_port` on its own thread: each accepted
// connection gets its own upstream connection, bytes are forwarded as soon
// as they arrive (TCP_NODELAY both ways), and the mock's ground-truth
// comments are collected from what flows back.
class GroundTruthRelay {
 public:
  explicit GroundTruthRelay(int upstream_port) : upstream_port_(upstream_port) {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        listen(listener_, 512) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address),
                    &length) != 0) {
      throw std::runtime_error("relay: cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    epoll_ = epoll_create1(0);
    stop_ = eventfd(0, EFD_NONBLOCK);
    Watch(listener_, EPOLLIN);
    Watch(stop_, EPOLLIN);
    thread_ = std::thread([this] { Loop(); });
  }

  ~GroundTruthRelay() {
    const uint64_t one = 1;
    (void)!write(stop_, &one, sizeof(one));
    thread_.join();
    for (auto& [fd, pipe] : pipes_) close(fd);
    close(listener_);
    close(stop_);
    close(epoll_);
  }

  int port() const { return port_; }

  std::vector<StreamTruth> Streams() {
    std::lock_guard lock(mutex_);
    return streams_;
  }
  int malformed() {
    std::lock_guard lock(mutex_);
    return malformed_;
  }

 private:
  static constexpr std::string_view kMarker = ": mock-llm-actual ";

  // One socket of a relayed pair: what it reads goes to `peer`.
  struct Pipe {
    int peer = -1;
    bool from_upstream = false;  // the mock's side
    std::string unsent;          // bytes for this socket it would not take yet
    std::string scan;            // the mock's side: the unparsed tail
  };

  void Watch(int fd, uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event);
  }

  void Loop() {
    epoll_event events[64];
    while (true) {
      const int ready = epoll_wait(epoll_, events, 64, -1);
      for (int i = 0; i < ready; ++i) {
        const int fd = events[i].data.fd;
        if (fd == stop_) return;
        if (fd == listener_) {
          Accept();
        } else if (pipes_.count(fd) != 0) {
          if (events[i].events & EPOLLOUT) Flush(fd);
          if (pipes_.count(fd) != 0 &&
              (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
            Forward(fd);
          }
        }
      }
    }
  }

  void Accept() {
    while (true) {
      const int client = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK);
      if (client < 0) return;
      const int upstream = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(static_cast<uint16_t>(upstream_port_));
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      // A blocking connect on loopback returns at once.
      if (connect(upstream, reinterpret_cast<sockaddr*>(&address),
                  sizeof(address)) != 0) {
        close(client);
        close(upstream);
        continue;
      }
      fcntl(upstream, F_SETFL, fcntl(upstream, F_GETFL) | O_NONBLOCK);
      const int one = 1;
      for (int fd : {client, upstream}) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      }
      pipes_[client] = Pipe{.peer = upstream};
      pipes_[upstream] = Pipe{.peer = client, .from_upstream = true};
      Watch(client, EPOLLIN);
      Watch(upstream, EPOLLIN);
    }
  }

  void Forward(int fd) {
    char buffer[64 * 1024];
    while (true) {
      const ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        CloseBoth(fd);
        return;
      }
      if (n < 0) return;
      Pipe& pipe = pipes_[fd];
      const std::string_view bytes(buffer, static_cast<size_t>(n));
      Send(pipe.peer, bytes);
      if (pipe.from_upstream) Collect(pipe, bytes);
    }
  }

  // Writes to `fd` now, keeping what does not fit for EPOLLOUT.
  void Send(int fd, std::string_view bytes) {
    Pipe& out = pipes_[fd];
    if (out.unsent.empty()) {
      const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      const size_t sent = n > 0 ? static_cast<size_t>(n) : 0;
      if (sent == bytes.size()) return;
      bytes.remove_prefix(sent);
      epoll_event event{};
      event.events = EPOLLIN | EPOLLOUT;
      event.data.fd = fd;
      epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &event);
    }
    out.unsent.append(bytes);
  }

  void Flush(int fd) {
    Pipe& out = pipes_[fd];
    const ssize_t n =
        send(fd, out.unsent.data(), out.unsent.size(), MSG_NOSIGNAL);
    if (n > 0) out.unsent.erase(0, static_cast<size_t>(n));
    if (!out.unsent.empty()) return;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &event);
  }

  // Finds complete ground-truth lines in the bytes from the mock. The
  // comment sits inside one HTTP chunk, so chunk framing never splits it;
  // reads may, hence the tail kept in `scan`.
  void Collect(Pipe& pipe, std::string_view bytes) {
    pipe.scan.append(bytes);
    while (true) {
      const size_t marker = pipe.scan.find(kMarker);
      if (marker == std::string::npos) {
        const size_t keep = std::min(pipe.scan.size(), kMarker.size());
        pipe.scan.erase(0, pipe.scan.size() - keep);
        return;
      }
      const size_t line_end = pipe.scan.find('\n', marker);
      if (line_end == std::string::npos) {
        pipe.scan.erase(0, marker);
        return;
      }
      std::string_view line(pipe.scan);
      line = line.substr(marker + kMarker.size(),
                         line_end - marker - kMarker.size());
      if (line.ends_with('\r')) line.remove_suffix(1);
      StreamTruth truth;
      const bool parsed = ParseActualTimes(line, &truth);
      {
        std::lock_guard lock(mutex_);
        if (parsed) {
          streams_.push_back(std::move(truth));
        } else {
          ++malformed_;
        }
      }
      pipe.scan.erase(0, line_end + 1);
    }
  }

  void CloseBoth(int fd) {
    const int peer = pipes_[fd].peer;
    for (int end : {fd, peer}) {
      epoll_ctl(epoll_, EPOLL_CTL_DEL, end, nullptr);
      close(end);
      pipes_.erase(end);
    }
  }

  int upstream_port_;
  int port_ = 0;
  int listener_ = -1;
  int epoll_ = -1;
  int stop_ = -1;
  std::map<int, Pipe> pipes_;  // relay thread only
  std::mutex mutex_;
  std::vector<StreamTruth> streams_;
  int malformed_ = 0;
  std::thread thread_;
};

// Nearest-rank percentile of exact values (as Histogram::Percentile ranks).
double PercentileMs(std::vector<int64_t> values_us, double percentile) {
  std::sort(values_us.begin(), values_us.end());
  const auto rank = static_cast<size_t>(
      std::ceil(percentile / 100 * static_cast<double>(values_us.size())));
  return static_cast<double>(values_us[std::max<size_t>(rank, 1) - 1]) / 1e3;
}

double PercentileMs(const Histogram& histogram, double percentile) {
  return static_cast<double>(histogram.Percentile(percentile)) / 1e6;
}

// loadgate's percentile minus the mock's, in ms.
struct Agreement {
  double p50_ms = 0;
  double p99_ms = 0;
};

// Compares both sides at p50, p90, p99 and the maximum, printing each and
// keeping the differences as test properties for the record. The mock's
// values go through a histogram of loadgate's precision first, so both
// sides are read at the same resolution (a bucket is 0.26 ms wide at 50 ms
// with 7 bits) and the difference is the measurement's, not the rounding's.
Agreement Compare(const char* what, const Histogram& measured,
                  const std::vector<int64_t>& truth_us) {
  Histogram truth(measured.precision_bits());
  for (int64_t value_us : truth_us) truth.Record(value_us * 1000);
  Agreement agreement;
  for (double percentile : {50.0, 90.0, 99.0, 100.0}) {
    const double loadgate_ms = PercentileMs(measured, percentile);
    const double truth_ms = PercentileMs(truth, percentile);
    const double diff_ms = loadgate_ms - truth_ms;
    std::cout << what << " p" << FormatNumber(percentile, 0) << ": loadgate "
              << FormatFixed(loadgate_ms, 3) << " ms, mock "
              << FormatFixed(truth_ms, 3) << " ms, diff "
              << FormatFixed(diff_ms, 3) << " ms\n";
    testing::Test::RecordProperty(
        std::string(what) + ".p" + FormatNumber(percentile, 0) + ".diff_ms",
        FormatFixed(diff_ms, 3));
    if (percentile == 50) agreement.p50_ms = diff_ms;
    if (percentile == 99) agreement.p99_ms = diff_ms;
  }
  return agreement;
}

// A streamed OpenAI chat completion (SSE) with `headers` besides the JSON
// content type; `usage` asks for the usage chunk (token counts).
Request StreamedChat(std::vector<Header> headers, bool usage) {
  headers.insert(headers.begin(), {"Content-Type", "application/json"});
  return Request{
      .name = "chat",
      .method = "POST",
      .url = "/v1/chat/completions",
      .headers = std::move(headers),
      .body = std::string(R"({"model":"gpt-4o-mini","stream":true,)") +
              (usage ? R"("stream_options":{"include_usage":true},)" : "") +
              R"("messages":[{"role":"user","content":"Four words of )"
              R"(prompt."}]})",
      .timeout = 10s,
      .stream = StreamFormat::kSse};
}

// A run that ends after `requests`, long before its duration, on one
// event-loop thread.
RunOptions BoundedRun(uint64_t requests) {
  RunOptions options;
  options.duration = 60s;
  options.max_requests = requests;
  options.threads = 1;
  options.graceful_stop = 10s;
  return options;
}

// Wakes every millisecond on absolute deadlines and keeps how late each
// deadline was met, as the mock does for its chunks: the threads of this
// process (loadgate's event loop, the relay) wait for the same cores, and
// the mock's figure cannot see them being held back. A deadline slept
// through counts with its own lateness, so a percentile is a share of the
// run's time.
class WakeUpProbe {
 public:
  WakeUpProbe() {
    lateness_us_.reserve(16'384);
    thread_ = std::jthread([this](std::stop_token stop) { Loop(stop); });
  }

  // Stops the probe; what it measured.
  std::vector<int64_t> Stop() {
    thread_.request_stop();
    thread_.join();
    return std::move(lateness_us_);
  }

 private:
  void Loop(std::stop_token stop) {
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);  // as the engine's loop
    auto deadline = std::chrono::steady_clock::now() + 1ms;
    while (!stop.stop_requested()) {
      std::this_thread::sleep_until(deadline);
      const auto now = std::chrono::steady_clock::now();
      for (; deadline <= now; deadline += 1ms) {
        lateness_us_.push_back((now - deadline) / 1us);
      }
    }
  }

  std::vector<int64_t> lateness_us_;
  std::jthread thread_;
};

// One run of 1,200 streams and what it shows.
struct Attempt {
  Agreement ttft;
  Agreement itl;
  // How late, at p99, the mock's timers and this process's wake-ups ran:
  // the machine's noise during the run.
  double mock_lateness_p99_ms = 0;
  double probe_lateness_p99_ms = 0;

  bool Quiet() const {
    return mock_lateness_p99_ms <= kToleranceMs &&
           probe_lateness_p99_ms <= kToleranceMs;
  }
  bool AgreesAtP99() const {
    return std::abs(ttft.p99_ms) <= kToleranceMs &&
           std::abs(itl.p99_ms) <= kToleranceMs;
  }
  std::string Describe() const {
    return "loadgate - mock at p99: TTFT " + FormatFixed(ttft.p99_ms, 3) +
           " ms, ITL " + FormatFixed(itl.p99_ms, 3) +
           " ms; timers late at p99: mock " +
           FormatFixed(mock_lateness_p99_ms, 3) + " ms, this process " +
           FormatFixed(probe_lateness_p99_ms, 3) + " ms";
  }
};

// Runs the streams through the relay and compares; fails the test (and
// returns nullopt) when the run itself went wrong or the medians disagree.
std::optional<Attempt> RunAttempt(const ServiceProcess& mock) {
  GroundTruthRelay relay(mock.port());
  Scenario scenario;
  scenario.name = "llm_ground_truth";
  scenario.base_url = "http://127.0.0.1:" + std::to_string(relay.port());
  // Each iteration asks for /health first, so a user's connection (two,
  // through the relay) is open before its stream is sent: the mock's truth
  // starts at its read of the request and cannot see a handshake, which
  // loadgate's TTFT of a stream on a fresh connection would hold.
  scenario.Add(Flow{
      .name = "health then stream",
      .steps = {
          Step{
              .request = {.name = "health", .method = "GET", .url = "/health"}},
          Step{.request = StreamedChat({}, /*usage=*/false)}}});
  WakeUpProbe probe;
  // Whole iterations per user, so every stream has had its /health (a
  // request budget alone may end a user between the two).
  static_assert(kStreamRequests % kStreams == 0);
  const RunReport report = loadgate::Run(
      scenario,
      ClosedModel{.users = kStreams,
                  .spawn_rate = kSpawnRate,
                  .iterations_per_user = kStreamRequests / kStreams},
      BoundedRun(2 * kStreamRequests));
  const std::vector<int64_t> probe_lateness_us = probe.Stop();

  const TagStats& total = report.metrics.total;
  const std::vector<StreamTruth> streams = relay.Streams();
  EXPECT_EQ(report.requests(), 2 * kStreamRequests);
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_EQ(relay.malformed(), 0);
  // The relay saw every stream loadgate measured, and both count the same
  // content events.
  EXPECT_EQ(streams.size(), kStreamRequests);
  EXPECT_EQ(total.ttft.count(), kStreamRequests);
  if (testing::Test::HasFailure()) return std::nullopt;
  std::vector<int64_t> ttft_us;
  std::vector<int64_t> gap_us;
  std::vector<int64_t> lateness_us;  // each chunk's, behind the mock's plan
  for (const StreamTruth& stream : streams) {
    EXPECT_EQ(stream.emit_us.size(), static_cast<size_t>(kOutputTokens));
    if (stream.emit_us.size() != static_cast<size_t>(kOutputTokens)) {
      return std::nullopt;
    }
    ttft_us.push_back(stream.emit_us.front());
    for (size_t i = 0; i < stream.emit_us.size(); ++i) {
      const auto planned_us = static_cast<int64_t>(kTtftMs + i * kItlMs) * 1000;
      lateness_us.push_back(stream.emit_us[i] - planned_us);
      if (i > 0) gap_us.push_back(stream.emit_us[i] - stream.emit_us[i - 1]);
    }
  }
  EXPECT_EQ(total.chunk_gap.count(), gap_us.size());
  // The mock never fires early: its truth starts at the planned TTFT.
  EXPECT_GE(PercentileMs(ttft_us, 0), kTtftMs);
  // Each stream's TTFT as loadgate saw it starts before the mock's (at the
  // send, not the mock's read) and ends after it (a chunk is read after it
  // left), so no stream can look faster to loadgate than to the mock: a
  // clock started late or stopped early would show here. Minima are exact.
  EXPECT_GE(static_cast<double>(total.ttft.min()) / 1e6,
            PercentileMs(ttft_us, 0));

  Attempt attempt{.ttft = Compare("ttft", total.ttft, ttft_us),
                  .itl = Compare("itl", total.chunk_gap, gap_us),
                  .mock_lateness_p99_ms = PercentileMs(lateness_us, 99),
                  .probe_lateness_p99_ms = PercentileMs(probe_lateness_us, 99)};
  // A systematic offset (a wrong clock, a late timestamp, a gap counted
  // twice) shows at the median, which scheduling noise barely moves.
  EXPECT_LE(std::abs(attempt.ttft.p50_ms), kToleranceMs);
  EXPECT_LE(std::abs(attempt.itl.p50_ms), kToleranceMs);
  std::cout << attempt.Describe() << "\n";
  if (testing::Test::HasFailure()) return std::nullopt;
  return attempt;
}

// The tail is where the machine shows. The mock's own timers and a probe in
// this process, late by what the scheduler made them wait, measure that
// during each run. When either ran later than the bound at p99, a p99 bound
// of 1 ms would judge the machine, not loadgate (the bytes loadgate times
// wait for wake-ups on the same cores): such a run is not judged at p99.
// Up to three runs are made: the test passes on the first quiet run that
// agrees, fails when runs were quiet and none agreed, and otherwise says,
// with the figures, that the machine never was quiet enough to judge.
TEST(LlmGroundTruthTest, TtftAndItlAgreeWithTheMockAtP99For100Streams) {
  constexpr int kAttempts = 3;
  ServiceProcess mock({kMockLlm, "--port", "0", "--threads", "1", "--ttft-ms",
                       std::to_string(kTtftMs), "--itl-ms",
                       std::to_string(kItlMs), "--output-tokens",
                       std::to_string(kOutputTokens), "--tokens-per-chunk",
                       "1"});
  std::vector<std::string> quiet_disagreements;
  std::vector<std::string> noisy_runs;
  for (int run = 1; run <= kAttempts; ++run) {
    const std::optional<Attempt> attempt = RunAttempt(mock);
    if (!attempt) return;
    const std::string prefix = "run" + std::to_string(run) + ".";
    testing::Test::RecordProperty(
        prefix + "mock_timer_lateness.p99_ms",
        FormatFixed(attempt->mock_lateness_p99_ms, 3));
    testing::Test::RecordProperty(
        prefix + "process_wakeup_lateness.p99_ms",
        FormatFixed(attempt->probe_lateness_p99_ms, 3));
    if (!attempt->Quiet()) {
      noisy_runs.push_back(attempt->Describe());
    } else if (attempt->AgreesAtP99()) {
      return;
    } else {
      quiet_disagreements.push_back(attempt->Describe());
    }
  }
  if (!quiet_disagreements.empty()) {
    for (const std::string& run : quiet_disagreements) {
      ADD_FAILURE() << "a quiet run disagreed by more than "
                    << FormatFixed(kToleranceMs, 0) << " ms at p99: " << run;
    }
    return;
  }
  std::string figures;
  for (const std::string& run : noisy_runs) figures += "\n  " + run;
  GTEST_SKIP() << "too busy a machine to judge 1 ms at p99 in " << kAttempts
               << " runs (timers more than " << FormatFixed(kToleranceMs, 0)
               << " ms late at p99):" << figures;
}

// Goodput under joint objectives: each request asks the mock (through its
// per-request headers) for a fast or slow first token and fast or slow
// tokens after it, so which requests meet "TTFT < 150 ms and TPOT < 30 ms"
// is known in advance.
constexpr int kKindTokens = 6;
constexpr uint64_t kRequestsPerKind = 5;
constexpr uint64_t kKindRequests = 4 * kRequestsPerKind;

// Four kinds of stream, taken in turn: TTFT 20 or 300 ms against a 150 ms
// objective, 5 or 60 ms per token against a 30 ms one.
DataSet StreamKinds() {
  DataSet kinds;
  kinds.columns = {"ttft_ms", "itl_ms"};
  kinds.rows = {{"20", "5"}, {"300", "5"}, {"20", "60"}, {"300", "60"}};
  return kinds;
}

RunReport RunKinds(const ServiceProcess& mock, std::chrono::nanoseconds ttft,
                   std::chrono::nanoseconds tpot,
                   std::chrono::nanoseconds max_itl = 0ns) {
  Scenario scenario;
  scenario.name = "joint_objectives";
  scenario.base_url = mock.url();
  scenario.data.push_back(StreamKinds());
  scenario.request_ttft_objective = ttft;
  scenario.request_tpot_objective = tpot;
  scenario.request_max_itl_objective = max_itl;
  scenario.Add(
      StreamedChat({{"x-mock-llm-ttft-ms", "{ttft_ms}"},
                    {"x-mock-llm-itl-ms", "{itl_ms}"},
                    {"x-mock-llm-tokens", std::to_string(kKindTokens)}},
                   /*usage=*/true));
  // Rows are taken in turn whatever the user, so each kind runs
  // kRequestsPerKind times.
  return loadgate::Run(scenario, ClosedModel{.users = 4},
                       BoundedRun(kKindRequests));
}

class LlmJointObjectivesTest : public testing::Test {
 protected:
  ServiceProcess mock_{{kMockLlm, "--port", "0", "--threads", "1"}};
};

TEST_F(LlmJointObjectivesTest, OnlyRequestsFastInBothCountAsGoodput) {
  const RunReport report = RunKinds(mock_, 150ms, 30ms);
  ASSERT_EQ(report.requests(), kKindRequests);
  ASSERT_EQ(report.errors(), 0u);
  EXPECT_EQ(report.metrics.total.met_objectives, kRequestsPerKind);
  EXPECT_DOUBLE_EQ(report.slo_attainment(), 0.25);
  EXPECT_GT(report.goodput_rps(), 0);
  EXPECT_LT(report.goodput_rps(), report.achieved_rps());
}

TEST_F(LlmJointObjectivesTest, EachObjectiveAloneLetsItsFastHalfThrough) {
  const RunReport ttft_only = RunKinds(mock_, 150ms, 0ns);
  EXPECT_EQ(ttft_only.metrics.total.met_objectives, 2 * kRequestsPerKind);
  const RunReport tpot_only = RunKinds(mock_, 0ns, 30ms);
  EXPECT_EQ(tpot_only.metrics.total.met_objectives, 2 * kRequestsPerKind);
  // Even gaps of 5 or 60 ms: the longest gap splits the kinds as TPOT does.
  const RunReport max_itl_only = RunKinds(mock_, 0ns, 0ns, 30ms);
  EXPECT_EQ(max_itl_only.metrics.total.met_objectives, 2 * kRequestsPerKind);
}

TEST_F(LlmJointObjectivesTest, TokenFiguresComeFromTheStreamsUsage) {
  const RunReport report = RunKinds(mock_, 0ns, 0ns);
  const TagStats& total = report.metrics.total;
  ASSERT_EQ(report.requests(), kKindRequests);
  EXPECT_EQ(total.met_objectives, kKindRequests);  // no objective set
  EXPECT_EQ(total.output_tokens, kKindRequests * kKindTokens);
  ASSERT_GT(total.prompt_tokens, 0u);
  EXPECT_GT(report.input_tokens_per_s(), 0);
  // Latency per output token: every stream, at least its planned time over
  // its tokens (the fastest kind: 20 + 5 * 5 ms over 6 tokens).
  ASSERT_EQ(total.latency_per_token.count(), kKindRequests);
  EXPECT_GE(total.latency_per_token.min(), 45 * 1'000'000 / kKindTokens);
  EXPECT_EQ(total.tpot.count(), kKindRequests);
}

}  // namespace
}  // namespace loadgate
