// A live web view of running load tests, as Locust users expect: while a
// run goes on, a page on the loopback interface shows its name, target and
// achieved rate, latency percentiles, errors and requests in flight, with
// charts that update about once a second. Successive runs of one process
// (a suite runs several tests) stack up on the page, the current one on top.
//
//   LiveServer live("127.0.0.1:8089");       // or port 0 for any free port
//   std::cout << "live view: " << live.url() << "\n";
//   live.BeginRun("checkout", model, options.duration);
//   options.on_progress = live.ProgressCallback(options.on_progress);
//   RunReport report = Run(scenario, model, options);
//   live.EndRun(report);
//
// The server is one background thread with plain sockets: `GET /` is a
// self-contained page (no network needed), `GET /events` a Server-Sent
// Events stream that starts with a snapshot of everything so far, so a late
// viewer still sees the charts from the start of each run, and
// `GET /metrics` the runs' figures for Prometheus (text format 0.0.4, or
// OpenMetrics when asked for; families in docs/prometheus.md). Its
// counters add up over every run of the process. It listens on
// loopback only, because it has no authentication. Viewers and history are
// bounded; publishing never waits for a viewer.
//
// The GoogleTest fixture (testing.h) starts one for the whole process when
// LOADGATE_LIVE is set, `loadgate run --live ADDR` starts one too, and
// `loadgate run --metrics ADDR` one that serves /metrics only.
#ifndef LOADGATE_LIVE_H_
#define LOADGATE_LIVE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "loadgate/engine.h"
#include "loadgate/load_model.h"
#include "loadgate/report.h"

namespace loadgate {

// Where a LiveServer listens.
struct LiveAddress {
  std::string host = "127.0.0.1";  // a numeric loopback address
  uint16_t port = 0;               // 0 = any free port
};

// "8089" (127.0.0.1), "127.0.0.1:8089", "localhost:8089", "[::1]:8089";
// any 127.0.0.0/8 address is loopback too. Throws std::invalid_argument
// naming the text for a bad port and for any address that is not loopback
// ("0.0.0.0", "192.168.1.5", a host name other than localhost).
LiveAddress ParseLiveAddress(std::string_view text);

// Whether a LiveServer serves the page (/ and /events) besides /metrics.
enum class LivePage { kServed, kOff };

class LiveServer {
 public:
  // Binds and starts serving. Throws std::invalid_argument for a
  // non-loopback address and std::system_error when it cannot listen
  // (e.g. the port is taken).
  // `shard` (a sharded test's shard K/N) labels every /metrics series
  // shard="K", so the shards' figures can be told apart and summed.
  explicit LiveServer(const LiveAddress& address,
                      LivePage page = LivePage::kServed,
                      std::optional<Shard> shard = std::nullopt);
  explicit LiveServer(std::string_view address,  // ParseLiveAddress
                      LivePage page = LivePage::kServed,
                      std::optional<Shard> shard = std::nullopt);
  // Sends what was published to connected viewers (waiting at most half a
  // second for slow ones), then closes everything.
  ~LiveServer();
  LiveServer(const LiveServer&) = delete;
  LiveServer& operator=(const LiveServer&) = delete;

  uint16_t port() const;
  // "http://127.0.0.1:8089/" or "http://[::1]:8089/".
  std::string url() const;

  // Starts a run on top of the page; a run still open is shown as ended
  // without a result. The model gives the page its target rate over time
  // (open models) or its number of users (closed ones).
  void BeginRun(std::string name, const LoadModel& model,
                std::chrono::nanoseconds planned_duration);
  // The same, describing the model as the run's report will: an open
  // model over multi-step flows schedules iterations/s, not req/s.
  void BeginRun(std::string name, const LoadModel& model,
                const Scenario& scenario,
                std::chrono::nanoseconds planned_duration);
  // Adds a point to the current run (ignored when none is open). Safe from
  // any thread and cheap: it copies `progress` under a short lock and wakes
  // the server thread, which does the formatting and the sending.
  void Publish(const Progress& progress);
  // Closes the current run with the report's final figures and stop reason.
  void EndRun(const RunReport& report);
  // Closes the current run as failed (e.g. Run() threw), with `reason`.
  void AbortRun(std::string reason);

  // An on_progress callback that publishes each progress and then calls
  // `next` (when set), so a live view adds to what a caller already does.
  // It refers to this server, so it must not outlive it.
  std::function<void(const Progress&)> ProgressCallback(
      std::function<void(const Progress&)> next = {});

  // Keeps serving for up to `duration`, so viewers can look at the final
  // state before the process exits; SIGINT or SIGTERM end it early (their
  // previous handlers are restored afterwards).
  void Linger(std::chrono::nanoseconds duration);

  // Viewers currently connected to /events.
  size_t viewers() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace loadgate

#endif  // LOADGATE_LIVE_H_
