#include "support/prometheus_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "prometheus/buckets.h"
#include "support/mock_llm_http_client.h"
#include "support/run_command.h"
#include "support/service_process.h"

namespace loadgate::test_support {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kPrometheus = "/usr/bin/prometheus";
constexpr const char* kPromtool = "/usr/bin/promtool";
constexpr const char* kPushgateway = "/usr/bin/prometheus-pushgateway";

std::string PercentEncoded(std::string_view text) {
  std::string encoded;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded += static_cast<char>(c);
    } else {
      char escape[4];
      std::snprintf(escape, sizeof escape, "%%%02X", c);
      encoded += escape;
    }
  }
  return encoded;
}

std::string Config(const std::vector<std::string>& targets) {
  std::string config =
      "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
      "scrape_configs:\n  - job_name: loadgate\n    honor_labels: true\n"
      "    static_configs:\n"
      "      - targets: [";
  for (size_t i = 0; i < targets.size(); ++i) {
    config += (i > 0 ? ", \"" : "\"") + targets[i] + "\"";
  }
  return config + "]\n";
}

}  // namespace

std::string PrometheusMissing() {
  if (access(kPrometheus, X_OK) != 0 || access(kPromtool, X_OK) != 0) {
    return std::string(kPrometheus) +
           " is not installed (ci/install-deps.sh installs Debian's "
           "prometheus package)";
  }
  return "";
}

std::string PushgatewayMissing() {
  if (access(kPushgateway, X_OK) != 0) {
    return std::string(kPushgateway) +
           " is not installed (ci/install-deps.sh installs Debian's "
           "prometheus-pushgateway package)";
  }
  return "";
}

uint16_t FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 ||
      bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    if (fd >= 0) close(fd);
    throw std::system_error(error, std::generic_category(), "free port");
  }
  close(fd);
  return ntohs(address.sin_port);
}

LoopbackDaemon::LoopbackDaemon(std::vector<std::string> args,
                               std::filesystem::path log)
    : log_(std::move(log)), port_(FreeLoopbackPort()) {
  if (access(args[0].c_str(), X_OK) != 0) {
    throw std::runtime_error(args[0] + " is not installed");
  }
  args.push_back("--web.listen-address=127.0.0.1:" + std::to_string(port_));
  pid_ = fork();
  if (pid_ == 0) {
    const int out = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    ExecOrExit(args);
  }
  const auto deadline = Clock::now() + 30s;
  while (Clock::now() < deadline) {
    if (mock_llm_test::Fetch(port_, "GET", "/-/ready", "", {}, 1000ms).status ==
        200) {
      return;
    }
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  const std::string why = args[0] + " did not become ready: " + Log();
  Stop();
  throw std::runtime_error(why);
}

void LoopbackDaemon::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  const auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(20ms);
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string LoopbackDaemon::Log() const {
  const std::string log = ReadFileText(log_);
  return log.size() > 4000 ? log.substr(log.size() - 4000) : log;
}

PrometheusServer::PrometheusServer(const std::vector<std::string>& targets) {
  daemon_.emplace(
      std::vector<std::string>{
          kPrometheus,
          "--config.file=" + dir_.WriteFile("prometheus.yml", Config(targets)),
          "--storage.tsdb.path=" + (dir_.path() / "data").string(),
          "--log.level=warn"},
      dir_.path() / "prometheus.log");
  const double all = static_cast<double>(targets.size());
  if (WaitForValue("count(up == 1)", [all](double up) { return up == all; }) !=
      all) {
    throw std::runtime_error("prometheus did not scrape every target: " +
                             last_error_ + "\n" + Log());
  }
}

PushgatewayServer::PushgatewayServer() {
  daemon_.emplace(std::vector<std::string>{kPushgateway, "--log.level=warn"},
                  dir_.path() / "pushgateway.log");
}

std::string PushgatewayServer::url() const {
  return "http://127.0.0.1:" + std::to_string(port());
}

std::optional<nlohmann::json> PrometheusServer::Data(std::string_view promql) {
  return Api("/api/v1/query?query=" + PercentEncoded(promql));
}

std::optional<nlohmann::json> PrometheusServer::Api(const std::string& target) {
  const mock_llm_test::HttpResponse response =
      mock_llm_test::Fetch(port(), "GET", target, "", {}, 5000ms);
  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (response.status != 200 || body.is_discarded() ||
      body.value("status", "") != "success") {
    last_error_ = std::to_string(response.status) + " " + response.body;
    return std::nullopt;
  }
  return std::move(body["data"]);
}

std::optional<double> PrometheusServer::Query(std::string_view promql) {
  const std::optional<nlohmann::json> data = Data(promql);
  if (!data) return std::nullopt;
  const nlohmann::json* value = nullptr;
  if ((*data)["resultType"] == "scalar") {
    value = &(*data)["result"];
  } else if ((*data)["resultType"] == "vector" &&
             (*data)["result"].size() == 1) {
    value = &(*data)["result"][0]["value"];
  } else {
    last_error_ = "expected one sample: " + data->dump();
    return std::nullopt;
  }
  return std::stod((*value)[1].get<std::string>());
}

int PrometheusServer::CountSeries(std::string_view promql) {
  const std::optional<nlohmann::json> data = Data(promql);
  return data ? static_cast<int>((*data)["result"].size()) : -1;
}

int PrometheusServer::CountRangeSeries(std::string_view promql,
                                       std::chrono::seconds range) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const std::optional<nlohmann::json> data =
      Api("/api/v1/query_range?query=" + PercentEncoded(promql) +
          "&start=" + std::to_string(now - range.count()) +
          "&end=" + std::to_string(now) + "&step=1");
  return data ? static_cast<int>((*data)["result"].size()) : -1;
}

std::optional<double> PrometheusServer::WaitForValue(
    std::string_view promql, const std::function<bool(double)>& done,
    std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::optional<double> value = Query(promql);
  while (!(value && done(*value)) && Clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    value = Query(promql);
  }
  return value;
}

::testing::AssertionResult HistogramQuantileWithinBound(
    PrometheusServer& prometheus, double q, std::string_view buckets,
    double loadgate_seconds) {
  const std::string promql = "histogram_quantile(" + std::to_string(q) +
                             ", sum by (le) (" + std::string(buckets) + "))";
  const std::optional<double> quantile = prometheus.Query(promql);
  if (!quantile) {
    return ::testing::AssertionFailure()
           << promql << ": " << prometheus.last_error();
  }
  if (std::abs(*quantile - loadgate_seconds) >
      prometheus::kMaxRelativeError * loadgate_seconds) {
    return ::testing::AssertionFailure()
           << promql << " = " << *quantile << " s, loadgate's " << q
           << " percentile " << loadgate_seconds << " s";
  }
  return ::testing::AssertionSuccess();
}

std::string PromtoolCheckMetrics(std::string_view exposition) {
  if (access(kPromtool, X_OK) != 0) {
    return std::string(kPromtool) + " is not installed";
  }
  TempDir dir;
  const std::string input = dir.WriteFile("metrics.txt", exposition);
  const CommandResult result = RunCommand(
      {"/bin/sh", "-c", std::string(kPromtool) + " check metrics < " + input},
      dir.path());
  if (result.exit_code == 0) return "";
  return "promtool check metrics exited " + std::to_string(result.exit_code) +
         ": " + result.out + result.err;
}

std::optional<double> SampleValue(std::string_view exposition,
                                  std::string_view series) {
  size_t at = 0;
  while ((at = exposition.find(series, at)) != std::string_view::npos) {
    const bool line_start = at == 0 || exposition[at - 1] == '\n';
    const size_t value_at = at + series.size();
    if (line_start && value_at < exposition.size() &&
        exposition[value_at] == ' ') {
      const size_t end = exposition.find('\n', value_at);
      return std::stod(
          std::string(exposition.substr(value_at + 1, end - value_at - 1)));
    }
    at = value_at;
  }
  return std::nullopt;
}

}  // namespace loadgate::test_support
