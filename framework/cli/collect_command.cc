// `loadgate collect`: receives a sharded test's reports over HTTP, then
// merges and judges them.
#include "collect_command.h"

#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/cli_options.h"
#include "live/request.h"
#include "loadgate/duration.h"
#include "loadgate/format.h"
#include "loadgate/objective.h"
#include "loadgate/report.h"
#include "loadgate/shard_merge.h"
#include "merge_command.h"
#include "metrics/report_json_reader.h"
#include "report_outputs.h"

namespace loadgate::cli {

const std::string_view kCollectUsage = R"(Usage:
  loadgate collect --listen ADDR --expect N [--deadline D] [-o FILE]
                   [--csv FILE] [--junit FILE [--junit-suite NAME]]
                   [--html FILE] [--slo EXPR]... [-q]

Receives the reports of a sharded test's N shards (`loadgate run ...
--shard K/N --send-report http://HOST:PORT/reports`) and, once all have
arrived or the deadline passed, merges and judges them as `loadgate merge`
does (see loadgate merge --help for the outputs). Only a well-formed
report of a shard of the expected test is accepted: POST /reports answers
201, and 400 (not a report, not a shard's), 409 (another test, a shard
already received), 411, 413 (over 64 MiB, or histograms over 1 GiB), 422
(histograms of another precision, or a merge past 1 GiB) or 404/405
otherwise.

Options:
  --listen ADDR   PORT (on 127.0.0.1), HOST:PORT or [V6]:PORT; 0.0.0.0:PORT
                  in a cluster; port 0 picks a free one (printed on stderr)
  --expect N      the test's shard count (required)
  --deadline D    stop waiting after D (default 30m): what arrived is
                  merged, and the missing shards fail the verdict
  -h, --help      this help

Exit status: merge's (0 every objective holds, 1 one failed or a shard is
missing), 1 when no shard reported, 2 bad input.
)";

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxHeadBytes = 16 * 1024;
constexpr size_t kMaxReportBytes = size_t{64} << 20;
// A sender that stalls is dropped after this long, so it cannot hold the
// collector (which serves one connection at a time) past its deadline.
constexpr auto kConnectionTimeout = std::chrono::seconds(30);

volatile std::sig_atomic_t g_stop = 0;

struct CollectOptions {
  std::string listen;
  std::chrono::nanoseconds deadline = std::chrono::minutes(30);
  MergeOptions merge;
  bool help = false;
};

CollectOptions ParseCollectArgs(const std::vector<std::string>& args) {
  CollectOptions options;
  std::vector<std::string> merge_args;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      return options;
    }
    if (arg != "--listen" && arg != "--deadline") {
      merge_args.push_back(arg);
      continue;
    }
    if (i + 1 == args.size()) throw UsageError(arg + " needs a value");
    const std::string& value = args[++i];
    if (arg == "--listen") {
      options.listen = value;
    } else {
      try {
        options.deadline = ParseDuration(value);
      } catch (const std::invalid_argument& error) {
        throw UsageError("--deadline: " + std::string(error.what()));
      }
      if (options.deadline.count() <= 0) {
        throw UsageError("--deadline: expected a duration above zero");
      }
    }
  }
  options.merge = ParseMergeArgs(merge_args, /*take_reports=*/false);
  if (options.listen.empty()) throw UsageError("--listen ADDR is required");
  if (options.merge.expected_shards < 2) {
    throw UsageError("--expect N (2 or more shards) is required");
  }
  return options;
}

// A listening socket, closed on destruction.
class Listener {
 public:
  // "PORT", "HOST:PORT" or "[V6]:PORT"; numeric hosts only.
  explicit Listener(const std::string& address) {
    std::string host = "127.0.0.1";
    std::string port = address;
    if (const size_t colon = address.rfind(':'); colon != std::string::npos) {
      host = address.substr(0, colon);
      port = address.substr(colon + 1);
      if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
      }
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (const int error =
            getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
        error != 0) {
      throw UsageError(
          "--listen: expected PORT, HOST:PORT or [V6]:PORT with "
          "a numeric host, got \"" +
          address + "\" (" + gai_strerror(error) + ")");
    }
    fd_ = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int yes = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    const bool listening = fd_ >= 0 &&
                           bind(fd_, found->ai_addr, found->ai_addrlen) == 0 &&
                           listen(fd_, 64) == 0;
    const int error = errno;
    freeaddrinfo(found);
    if (!listening) {
      throw UsageError("--listen " + address + ": " + std::strerror(error));
    }
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &length);
    char port_text[NI_MAXSERV];
    getnameinfo(reinterpret_cast<sockaddr*>(&bound), length, nullptr, 0,
                port_text, sizeof port_text, NI_NUMERICSERV);
    url_ = "http://" +
           (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
           ":" + port_text + "/reports";
  }
  ~Listener() {
    if (fd_ >= 0) close(fd_);
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  int fd() const { return fd_; }
  const std::string& url() const { return url_; }

 private:
  int fd_ = -1;
  std::string url_;
};

// The reports received so far, merged as they arrive (never kept: the
// collector holds the running total plus the one arriving, whatever N is),
// and the checks a new one must pass.
class ReportInbox {
 public:
  explicit ReportInbox(int expected) : expected_(expected), merger_(expected) {}

  // Takes a report body: 201 and what was accepted, or a 4xx and why not.
  std::pair<int, std::string> Offer(std::string_view body) {
    RunReport report;
    try {
      report = ReadJsonText(body, "the report");
    } catch (const ReportTooLargeError& error) {
      return {413, error.what()};
    } catch (const std::exception& error) {
      return {400, error.what()};
    }
    const RunInfo& info = report.info;
    const std::string which = "shard " + std::to_string(info.shard.index) +
                              "/" + std::to_string(info.shard.count);
    if (info.shard.count < 2 || info.test_id.empty()) {
      return {400, "not a shard's report (run with --shard K/N)"};
    }
    if (info.shard.count != expected_) {
      return {409, which + " is of a test of " +
                       std::to_string(info.shard.count) + " shards, expected " +
                       std::to_string(expected_)};
    }
    if (merger_.added() > 0 && info.test_id != merger_.test_id()) {
      return {409, which + " is of test " + info.test_id + ", not of test " +
                       merger_.test_id()};
    }
    if (merger_.Has(info.shard.index)) {
      return {409, which + " was received already"};
    }
    try {
      merger_.Add(std::move(report), "the report of " + which);
    } catch (const std::exception& error) {
      // Histograms of another precision than the shards' before, or a total
      // past the histogram budget: the merger refused it whole.
      return {422, error.what()};
    }
    return {201, "accepted " + which + " (" + std::to_string(merger_.added()) +
                     " of " + std::to_string(expected_) + ")"};
  }

  bool complete() const { return merger_.added() == expected_; }
  int received() const { return merger_.added(); }
  ShardMerger& merger() { return merger_; }

 private:
  int expected_;
  ShardMerger merger_;
};

// Reads up to `want` more bytes into `data`; false on a closed connection,
// an error or the receive timeout.
bool ReadMore(int fd, std::string& data, size_t want) {
  char buffer[65536];
  const ssize_t got = recv(fd, buffer, std::min(want, sizeof buffer), 0);
  if (got <= 0) return false;
  data.append(buffer, static_cast<size_t>(got));
  return true;
}

// One request: its status and message.
std::pair<int, std::string> Exchange(int fd, ReportInbox& inbox) {
  std::string data;
  size_t head_end;
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
    if (data.size() > kMaxHeadBytes) return {431, "request head too large"};
    if (!ReadMore(fd, data, kMaxHeadBytes)) return {0, ""};
  }
  const std::optional<live::RequestHead> head =
      live::ParseRequestHead(std::string_view(data).substr(0, head_end));
  if (!head) return {400, "not an HTTP/1.x request"};
  if (head->path != "/reports") return {404, "POST reports to /reports"};
  if (head->method != "POST") return {405, "POST reports to /reports"};
  size_t length = 0;
  const std::string& text = head->content_length;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), length);
  if (!head->transfer_encoding.empty() || text.empty() ||
      error != std::errc() || end != text.data() + text.size()) {
    return {411, "a report is sent with a Content-Length"};
  }
  if (length > kMaxReportBytes) {
    return {413, "a report is at most " +
                     FormatNumber(static_cast<double>(kMaxReportBytes >> 20)) +
                     " MiB"};
  }
  std::string body;
  body.reserve(length);  // at most kMaxReportBytes, and grown only once
  body.append(data, head_end + 4);
  // curl waits for it (a second) before sending a body over 1 KiB; only a
  // body that will be read is asked for: the refusals above come at once.
  if (live::ExpectsContinue(*head) && body.size() < length) {
    const std::string_view go_on = live::ContinueResponse();
    if (send(fd, go_on.data(), go_on.size(), MSG_NOSIGNAL) < 0) return {0, ""};
  }
  while (body.size() < length) {
    if (!ReadMore(fd, body, length - body.size())) {
      return {400, "the report ended early"};
    }
  }
  body.resize(length);
  return inbox.Offer(body);
}

void Serve(int fd, ReportInbox& inbox) {
  const timeval timeout{
      .tv_sec = std::chrono::seconds(kConnectionTimeout).count(), .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  const auto [status, message] = Exchange(fd, inbox);
  if (status == 0) return;  // the sender went away
  std::cerr << "loadgate collect: " << status << " " << message << std::endl;
  const std::string response =
      live::Response(status, "text/plain; charset=utf-8", message + "\n");
  send(fd, response.data(), response.size(), MSG_NOSIGNAL);
}

// Ctrl-C or SIGTERM (Kubernetes ending the pod) stops the wait; what
// arrived is merged.
void StopOnSignals() {
  struct sigaction action {};
  action.sa_handler = [](int) { g_stop = 1; };
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace

int CollectCommand(const std::vector<std::string>& args) {
  const CollectOptions options = ParseCollectArgs(args);
  if (options.help) {
    std::cout << kCollectUsage;
    return kExitOk;
  }
  ReportOutputs outputs(options.merge.outputs);
  Listener listener(options.listen);
  const int expected = options.merge.expected_shards;
  std::cerr << "loadgate collect: waiting for " << expected
            << " shard reports at " << listener.url() << " (deadline "
            << FormatDuration(options.deadline) << ")" << std::endl;
  StopOnSignals();
  ReportInbox inbox(expected);
  const Clock::time_point deadline = Clock::now() + options.deadline;
  while (!inbox.complete() && g_stop == 0 && Clock::now() < deadline) {
    const auto remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                              Clock::now());
    pollfd ready{.fd = listener.fd(), .events = POLLIN, .revents = 0};
    const int timeout =
        static_cast<int>(std::min<int64_t>(remaining.count() + 1, 1000));
    if (poll(&ready, 1, timeout) <= 0) continue;
    const int connection =
        accept4(listener.fd(), nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) continue;
    Serve(connection, inbox);
    close(connection);
  }
  if (!inbox.complete()) {
    std::cerr << "loadgate collect: "
              << (g_stop != 0 ? "stopped" : "deadline passed") << " with "
              << inbox.received() << " of " << expected << " shard reports"
              << std::endl;
  }
  if (inbox.received() == 0) {
    // The outputs were opened (truncated) at the start: each still gets a
    // failed verdict, so no CI reads an empty file as nothing failed.
    std::cerr << "loadgate collect: no shard reported" << std::endl;
    RunReport nothing;
    nothing.info.name = options.merge.outputs.junit_suite;
    nothing.slos = RunIntegrityVerdicts(nothing);
    nothing.slos.push_back(
        {.objective = "every shard of the test reports",
         .passed = false,
         .observed = "no shard reported",
         .explanation =
             "FAILED every shard of the test reports: none of the " +
             std::to_string(expected) + " shards reported before " +
             (g_stop != 0 ? "the collector was stopped" : "the deadline")});
    outputs.Write(nothing);
    PrintVerdicts(nothing, nothing.slos.size(), options.merge.quiet);
    return kExitFailed;
  }
  return MergeJudgeAndWrite(inbox.merger(), options.merge, outputs);
}

}  // namespace loadgate::cli
