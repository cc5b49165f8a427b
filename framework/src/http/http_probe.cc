#include "loadgate/http_probe.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#include "http/request_writer.h"
#include "http/response_parser.h"
#include "http/url.h"

namespace loadgate {
namespace {

using Clock = std::chrono::steady_clock;

// A probe only needs to know that a service answers; a runaway body must not
// grow without bound.
constexpr size_t kMaxBodyBytes = 1 << 20;

class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

class CappedBody : public http::BodySink {
 public:
  explicit CappedBody(std::string* body) : body_(body) {}
  void OnBody(std::string_view bytes) override {
    size_t room = kMaxBodyBytes - body_->size();
    body_->append(bytes.substr(0, room));
  }

 private:
  std::string* body_;
};

std::string ErrnoText(std::string_view what, int error) {
  return std::string(what) + ": " + std::strerror(error);
}

// Milliseconds left until `deadline`, at least 0, for poll().
int RemainingMs(Clock::time_point deadline) {
  auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Waits until `fd` is ready for `events`; false with `error` set on timeout
// or a poll failure.
bool WaitFor(int fd, short events, Clock::time_point deadline,
             std::string_view doing, std::string* error) {
  pollfd entry{.fd = fd, .events = events, .revents = 0};
  while (true) {
    int ready = poll(&entry, 1, RemainingMs(deadline));
    if (ready > 0) return true;
    if (ready == 0) {
      *error = std::string(doing) + ": timed out";
      return false;
    }
    if (errno != EINTR) {
      *error = ErrnoText(doing, errno);
      return false;
    }
  }
}

// Opens a connected non-blocking socket to host:port, trying each address
// the host resolves to until one accepts.
int Connect(const http::Url& url, Clock::time_point deadline,
            std::string* error) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* addresses = nullptr;
  std::string port = std::to_string(url.port);
  int resolved =
      getaddrinfo(url.host.c_str(), port.c_str(), &hints, &addresses);
  if (resolved != 0) {
    *error = "resolve " + url.host + ": " + gai_strerror(resolved);
    return -1;
  }
  int connected = -1;
  for (addrinfo* address = addresses; address && connected < 0;
       address = address->ai_next) {
    int fd = socket(address->ai_family,
                    address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    address->ai_protocol);
    if (fd < 0) {
      *error = ErrnoText("socket", errno);
      continue;
    }
    if (connect(fd, address->ai_addr, address->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        *error = ErrnoText("connect", errno);
        close(fd);
        continue;
      }
      if (!WaitFor(fd, POLLOUT, deadline, "connect", error)) {
        close(fd);
        continue;
      }
      int socket_error = 0;
      socklen_t length = sizeof(socket_error);
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &socket_error, &length);
      if (socket_error != 0) {
        *error = ErrnoText("connect", socket_error);
        close(fd);
        continue;
      }
    }
    connected = fd;
  }
  freeaddrinfo(addresses);
  if (connected >= 0) error->clear();
  return connected;
}

bool SendAll(int fd, std::string_view data, Clock::time_point deadline,
             std::string* error) {
  while (!data.empty()) {
    ssize_t sent = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      data.remove_prefix(static_cast<size_t>(sent));
    } else if (sent < 0 && errno == EINTR) {
      continue;
    } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitFor(fd, POLLOUT, deadline, "send", error)) return false;
    } else {
      *error = ErrnoText("send", errno);
      return false;
    }
  }
  return true;
}

// Reads until the parser has a complete response (or the peer closes).
void ReadResponse(int fd, bool response_to_head, Clock::time_point deadline,
                  HttpProbeResult* result) {
  http::ResponseParser parser;
  parser.Reset(response_to_head);
  CappedBody sink(&result->body);
  std::array<char, 16 * 1024> buffer;
  while (true) {
    if (!WaitFor(fd, POLLIN, deadline, "read response", &result->error)) {
      break;
    }
    ssize_t received = recv(fd, buffer.data(), buffer.size(), 0);
    if (received < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      result->error = ErrnoText("recv", errno);
      break;
    }
    http::ResponseParser::Status status;
    if (received == 0) {
      status = parser.FinishOnEof(&sink);
      if (status != http::ResponseParser::Status::kComplete &&
          parser.error().empty()) {
        result->error = "connection closed before a complete response";
      }
    } else {
      size_t consumed = 0;
      status = parser.Feed(
          std::string_view(buffer.data(), static_cast<size_t>(received)),
          &consumed, &sink);
    }
    if (status == http::ResponseParser::Status::kComplete) break;
    if (status == http::ResponseParser::Status::kError) {
      result->error = "bad response: " + std::string(parser.error());
      break;
    }
    if (received == 0) break;
  }
  result->status = parser.status();
}

}  // namespace

HttpProbeResult HttpFetch(std::string_view method, std::string_view url_text,
                          std::string_view body, std::string_view content_type,
                          std::chrono::milliseconds timeout) {
  HttpProbeResult result;
  Clock::time_point deadline = Clock::now() + timeout;
  http::Url url;
  try {
    url = http::ParseUrl(url_text);
  } catch (const std::invalid_argument& bad_url) {
    result.error = bad_url.what();
    return result;
  }
  if (url.tls()) {
    result.error = "https is not supported by probes: " + url.ToString();
    return result;
  }
  ScopedFd fd(Connect(url, deadline, &result.error));
  if (fd.get() < 0) return result;

  std::vector<std::pair<std::string, std::string>> headers = {
      {"Connection", "close"}};
  if (!body.empty()) headers.emplace_back("Content-Type", content_type);
  std::string request;
  http::AppendRequest(request, method, url.target, url.HostHeader(), headers,
                      body);
  if (!SendAll(fd.get(), request, deadline, &result.error)) return result;
  ReadResponse(fd.get(), method == "HEAD", deadline, &result);
  return result;
}

HttpProbeResult HttpGet(std::string_view url,
                        std::chrono::milliseconds timeout) {
  return HttpFetch("GET", url, {}, {}, timeout);
}

}  // namespace loadgate
