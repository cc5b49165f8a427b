// mock-llm-probe: opens N concurrent Gemini SSE streams against mock-llm and
// reports how far the observed time to first token overshoots the TTFT the
// server planned (x-mock-llm-plan). One epoll loop, no framework code (the
// measured system stays independent of the measuring tool).
//   mock-llm-probe --port P --streams 5000 [--hold-ms 3000]
// --hold-ms: how long to stay connected after all first tokens arrived, for
// the caller to sample the server's memory; streams are read to the end.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/flags.h"

namespace services = loadgate::services;

namespace {

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

struct Stream {
  int fd = -1;
  int64_t sent_ns = 0;
  int64_t first_token_ns = 0;
  double planned_ttft_ms = -1;
  std::string head;  // response bytes until the first token
  bool done = false;
};

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1,
                         static_cast<size_t>(p * values.size()))];
}

struct ProbeOptions {
  int port = 8080;
  int streams = 1000;
  int64_t timeout_ms = 60000;
  int64_t ramp_ms = 0;
};

// Connects every stream and sends its request, the starts spread evenly
// over ramp_ms; returns how many failed. Blocking connects and sends:
// loopback, so each takes microseconds and the send time is exact.
int OpenStreams(const ProbeOptions& options, int epoll,
                const std::string& request, std::vector<Stream>* all) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(options.port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int failed = 0;
  const int64_t first_send_ns = NowNs();
  for (int i = 0; i < options.streams; ++i) {
    Stream& s = (*all)[i];
    if (options.ramp_ms > 0) {
      const int64_t start =
          first_send_ns + options.ramp_ms * 1000000 * i / options.streams;
      while (NowNs() < start) {
        const int64_t left_us = (start - NowNs()) / 1000;
        if (left_us > 50) usleep(static_cast<useconds_t>(left_us - 50));
      }
    }
    s.fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(s.fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
        0) {
      ++failed;
      close(s.fd);
      s.fd = -1;
      s.done = true;
      continue;
    }
    s.sent_ns = NowNs();
    if (send(s.fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      ++failed;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(i);
    epoll_ctl(epoll, EPOLL_CTL_ADD, s.fd, &ev);
  }
  return failed;
}

// Reads what arrived on `s` at `now`; true when the stream has ended (a
// stream that ends before its first token counts as failed).
bool ReadStream(Stream& s, int64_t now, int* failed) {
  char buffer[16384];
  const ssize_t got = recv(s.fd, buffer, sizeof(buffer), 0);
  if (got <= 0) {
    if (s.first_token_ns == 0) ++*failed;
    close(s.fd);
    s.done = true;
    return true;
  }
  if (s.first_token_ns == 0) {
    s.head.append(buffer, got);
    if (s.head.find("\ndata: ") != std::string::npos) {
      s.first_token_ns = now;
      const size_t at = s.head.find("ttft_ms=");
      if (at != std::string::npos)
        s.planned_ttft_ms = std::atof(s.head.c_str() + at + 8);
      s.head.clear();
      s.head.shrink_to_fit();
    }
  }
  // The terminating chunk ends a stream (the server keeps the connection
  // alive).
  if (got >= 5 && std::string(buffer + got - 5, 5) == "0\r\n\r\n") {
    close(s.fd);
    s.done = true;
    return true;
  }
  return false;
}

void PrintReport(const std::vector<Stream>& all, int streams, int failed,
                 int open, int64_t all_sent_ns) {
  std::vector<double> overshoot_ms;
  for (const Stream& s : all) {
    if (s.first_token_ns != 0 && s.planned_ttft_ms >= 0) {
      overshoot_ms.push_back((s.first_token_ns - s.sent_ns) / 1e6 -
                             s.planned_ttft_ms);
    }
  }
  std::printf(
      "streams=%d first_tokens=%zu failed=%d unfinished=%d "
      "send_spread_ms=%.1f\n"
      "ttft_overshoot_ms p50=%.3f p90=%.3f p99=%.3f max=%.3f min=%.3f\n",
      streams, overshoot_ms.size(), failed, open,
      (all_sent_ns - (streams > 0 ? all[0].sent_ns : all_sent_ns)) / 1e6,
      Percentile(overshoot_ms, 0.5), Percentile(overshoot_ms, 0.9),
      Percentile(overshoot_ms, 0.99), Percentile(overshoot_ms, 1.0),
      Percentile(overshoot_ms, 0.0));
}

}  // namespace

int main(int argc, char** argv) {
  ProbeOptions options;
  services::FlagParser flags("mock-llm-probe: concurrent streams vs plan");
  flags.AddInt("port", &options.port, "mock-llm port on 127.0.0.1");
  flags.AddInt("streams", &options.streams, "concurrent streams");
  flags.AddInt("timeout-ms", &options.timeout_ms, "give up after this long");
  flags.AddInt("ramp-ms", &options.ramp_ms,
               "spread the stream starts evenly over this long");
  const services::Status parsed = flags.Parse(argc, argv);
  if (!parsed.ok() || flags.help_requested()) {
    std::fprintf(stderr, "%s\n%s", parsed.message().c_str(),
                 flags.Usage().c_str());
    return 2;
  }
  const std::string body =
      R"({"contents":[{"role":"user","parts":[{"text":"probe"}]}]})";
  const std::string request =
      "POST /v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse "
      "HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;

  const int epoll = epoll_create1(0);
  std::vector<Stream> all(options.streams);
  int failed = OpenStreams(options, epoll, request, &all);
  const int64_t all_sent_ns = NowNs();
  int open = options.streams - failed;
  const int64_t deadline = NowNs() + options.timeout_ms * 1000000;
  std::vector<epoll_event> events(1024);
  while (open > 0 && NowNs() < deadline) {
    const int n = epoll_wait(epoll, events.data(), events.size(), 100);
    const int64_t now = NowNs();
    for (int k = 0; k < n; ++k) {
      if (ReadStream(all[events[k].data.u32], now, &failed)) --open;
    }
  }
  PrintReport(all, options.streams, failed, open, all_sent_ns);
  return failed == 0 && open == 0 ? 0 : 1;
}
