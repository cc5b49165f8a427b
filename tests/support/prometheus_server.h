// A real Prometheus (Debian's `prometheus` package) for tests: started on a
// free loopback port with a generated config and a temporary storage
// directory, scraping the given loopback targets every second, queried over
// its HTTP API, stopped when destroyed. Also `promtool check metrics` and a
// reader of one sample in an exposition text.
//
//   if (const std::string why = PrometheusMissing(); !why.empty()) {
//     GTEST_SKIP() << why;
//   }
//   PrometheusServer prometheus({"127.0.0.1:" + std::to_string(port)});
//   std::optional<double> n = prometheus.WaitForValue(
//       "loadgate_requests_total", [](double v) { return v > 0; });
#ifndef LOADGATE_TESTS_SUPPORT_PROMETHEUS_SERVER_H_
#define LOADGATE_TESTS_SUPPORT_PROMETHEUS_SERVER_H_

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/temp_dir.h"

namespace loadgate::test_support {

// Why Prometheus tests cannot run here ("/usr/bin/prometheus is not
// installed (ci/install-deps.sh installs it)"), or "" when they can; the
// same for the Pushgateway.
std::string PrometheusMissing();
std::string PushgatewayMissing();

// A Prometheus-style server program (Prometheus, the Pushgateway) run as a
// child process on a free loopback port (--web.listen-address is added to
// its arguments), writing to `log`, ready once GET /-/ready answers 200.
class LoopbackDaemon {
 public:
  // Throws std::runtime_error, with the end of the log, when it is not
  // ready within 30 s.
  LoopbackDaemon(std::vector<std::string> args, std::filesystem::path log);
  ~LoopbackDaemon() { Stop(); }
  LoopbackDaemon(const LoopbackDaemon&) = delete;
  LoopbackDaemon& operator=(const LoopbackDaemon&) = delete;

  uint16_t port() const { return port_; }
  // SIGTERM, then SIGKILL after 10 s; idempotent.
  void Stop();
  std::string Log() const;  // the end of what it wrote

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

class PrometheusServer {
 public:
  // Starts Prometheus scraping `/metrics` of each "127.0.0.1:PORT" target
  // every second (job "loadgate", honor_labels so the Pushgateway's job and
  // grouping labels stay), and waits until it has scraped every target
  // once: Prometheus hands new targets to its scrapers in batches 5 s
  // apart, so that takes about 5 s. Throws std::runtime_error when it does
  // not within 30 s, with the end of its log.
  explicit PrometheusServer(const std::vector<std::string>& targets);

  uint16_t port() const { return daemon_->port(); }

  // The value of a PromQL instant query that returns one sample; nullopt
  // for an empty result, an error (kept in last_error()) or several
  // samples.
  std::optional<double> Query(std::string_view promql);
  // Repeats Query every 200 ms until its value satisfies `done` (returned)
  // or `timeout` passes (the last value, maybe nullopt).
  std::optional<double> WaitForValue(
      std::string_view promql, const std::function<bool(double)>& done,
      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // The number of samples a PromQL instant query returns (-1 on error).
  int CountSeries(std::string_view promql);
  // The number of series a range query over the last `range` (1 s steps)
  // returns, as a Grafana panel asks (-1 on error).
  int CountRangeSeries(std::string_view promql, std::chrono::seconds range);

  const std::string& last_error() const { return last_error_; }
  std::string Log() const { return daemon_->Log(); }

 private:
  // The "data" of a successful instant query of `promql` (Data), or of GET
  // `target`, an API path and query (Api); nullopt (see last_error())
  // otherwise.
  std::optional<nlohmann::json> Data(std::string_view promql);
  std::optional<nlohmann::json> Api(const std::string& target);

  TempDir dir_;
  std::optional<LoopbackDaemon> daemon_;
  std::string last_error_;
};

// Debian's prometheus-pushgateway on a free loopback port, in memory.
class PushgatewayServer {
 public:
  PushgatewayServer();  // throws std::runtime_error as LoopbackDaemon does
  uint16_t port() const { return daemon_->port(); }
  std::string url() const;  // "http://127.0.0.1:<port>"

 private:
  TempDir dir_;
  std::optional<LoopbackDaemon> daemon_;
};

// Whether histogram_quantile(q, sum by (le) (<buckets>)) is within the
// bound of prometheus/buckets.h of `loadgate_seconds`, loadgate's own
// percentile q; says both values when not.
::testing::AssertionResult HistogramQuantileWithinBound(
    PrometheusServer& prometheus, double q, std::string_view buckets,
    double loadgate_seconds);

// Runs `promtool check metrics` over `exposition`; "" when it passes, else
// what promtool said (or why it could not run).
std::string PromtoolCheckMetrics(std::string_view exposition);

// The value of the sample written exactly as `series` (name and label set,
// e.g. "loadgate_requests_total{scenario=\"a\",tag=\"b\"}") in an
// exposition text; nullopt when absent.
std::optional<double> SampleValue(std::string_view exposition,
                                  std::string_view series);

// A free TCP port on 127.0.0.1 (bound, then released: a test starts its
// server on it right away).
uint16_t FreeLoopbackPort();

}  // namespace loadgate::test_support

#endif  // LOADGATE_TESTS_SUPPORT_PROMETHEUS_SERVER_H_
