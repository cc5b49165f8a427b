// LiveServer: one thread polling a listening socket, an eventfd that
// publishers use to wake it, and the viewers' connections. Publishers only
// queue copies under a mutex; all formatting, history, the Prometheus
// exposition and sending happen on the server thread, so the engine never
// waits for a viewer or a scraper.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "live/history.h"
#include "live/page.h"
#include "live/request.h"
#include "loadgate/live.h"
#include "prometheus/exposition.h"

namespace loadgate {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Connections beyond this get a 503: a page left open in a few tabs is
// normal, hundreds are a leak.
constexpr size_t kMaxConnections = 32;
constexpr size_t kMaxRequestHeadBytes = 8192;
constexpr milliseconds kRequestHeadTimeout{10'000};
// A viewer this far behind (e.g. a suspended tab) is dropped; it reconnects
// to a fresh snapshot when it wakes up.
constexpr size_t kMaxBacklogBytes = 16 << 20;
// A comment line now and then, so a viewer that went away is noticed.
constexpr milliseconds kKeepAliveInterval{15'000};
constexpr milliseconds kFinalFlush{500};
constexpr size_t kMaxPendingUpdates = 10'000;
constexpr int kMaxAcceptsPerWake = 16;

volatile std::sig_atomic_t g_linger_interrupted = 0;

std::string UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

// A loopback LiveAddress as bind() takes it; `host` is the numeric address
// without brackets.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  bool v6 = false;
  std::string host;
};

SocketAddress ToSocketAddress(const LiveAddress& address) {
  SocketAddress result;
  result.v6 = address.host.find(':') != std::string::npos;
  result.host = address.host == "localhost" ? "127.0.0.1"
                : result.v6 && address.host.front() == '['
                    ? address.host.substr(1, address.host.size() - 2)
                    : address.host;
  if (result.v6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&result.storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(address.port);
    inet_pton(AF_INET6, result.host.c_str(), &in6->sin6_addr);
    result.length = sizeof *in6;
  } else {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&result.storage);
    in4->sin_family = AF_INET;
    in4->sin_port = htons(address.port);
    inet_pton(AF_INET, result.host.c_str(), &in4->sin_addr);
    result.length = sizeof *in4;
  }
  return result;
}

struct Client {
  int fd = -1;
  std::string in;
  std::string out;
  size_t sent = 0;
  bool streaming = false;        // an /events viewer
  bool close_when_sent = false;  // a complete response is queued
  Clock::time_point deadline;    // for the request head, or the next ping
  bool dead = false;

  size_t backlog() const { return out.size() - sent; }
};

// Sends what it can without blocking; marks the client dead on an error.
void Flush(Client& client) {
  while (client.backlog() > 0) {
    const ssize_t n = send(client.fd, client.out.data() + client.sent,
                           client.backlog(), MSG_NOSIGNAL);
    if (n > 0) {
      client.sent += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      client.dead = true;
      return;
    }
  }
  if (client.backlog() == 0) {
    client.out.clear();
    client.sent = 0;
    if (client.close_when_sent) client.dead = true;
  } else if (client.sent > client.out.size() / 2) {
    client.out.erase(0, client.sent);
    client.sent = 0;
  }
}

// A progress as queued: its tags bucketed by the publishing thread, since
// Progress::tags is valid only during the on_progress call.
struct QueuedProgress {
  Progress progress;  // tags null
  prometheus::RunFigures so_far;
};

}  // namespace

class LiveServer::Impl {
 public:
  Impl(const LiveAddress& address, LivePage page, std::optional<Shard> shard);
  ~Impl();

  uint16_t port() const { return port_; }
  std::string url() const { return url_; }
  size_t viewers() const { return viewers_.load(std::memory_order_relaxed); }

  // A run's figures for /metrics come just before its RunEnd.
  using Update = std::variant<live::RunStart, QueuedProgress,
                              prometheus::RunFigures, live::RunEnd>;
  void Post(Update update);

 private:
  void Serve();
  // Applies the queued updates; false once the server is stopping.
  bool ApplyPending();
  void Broadcast(const std::string& frames);
  void AcceptNew();
  void Read(Client& client);
  void Respond(Client& client, const live::RequestHead& request);
  void CloseDead();

  int listen_fd_ = -1;
  int wake_fd_ = -1;
  uint16_t port_ = 0;
  std::string url_;
  const bool page_served_;
  const std::string page_response_;
  std::atomic<size_t> viewers_{0};

  std::mutex mutex_;  // guards pending_ and stopping_
  std::vector<Update> pending_;
  bool stopping_ = false;

  // The server thread's own.
  live::History history_;
  prometheus::Exposition exposition_;
  std::vector<Client> clients_;
  std::thread thread_;
};

LiveServer::Impl::Impl(const LiveAddress& address, LivePage page,
                       std::optional<Shard> shard)
    : page_served_(page == LivePage::kServed),
      page_response_(
          live::Response(200, "text/html; charset=utf-8", live::LivePage())),
      exposition_(prometheus::ExpositionOptions{
          .shard = shard ? std::to_string(shard->index) : ""}) {
  if (!live::IsLoopbackHost(address.host)) {
    throw std::invalid_argument(
        "live view: " + address.host +
        " is not a loopback address; the live view has no authentication, "
        "so it listens only on 127.0.0.1 or ::1");
  }
  SocketAddress socket_address = ToSocketAddress(address);
  sockaddr_storage& storage = socket_address.storage;
  socklen_t& length = socket_address.length;
  const bool v6 = socket_address.v6;
  const std::string& host = socket_address.host;
  const std::string where =
      (v6 ? "[" + host + "]" : host) + ":" + std::to_string(address.port);
  listen_fd_ =
      socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "live view: socket");
  }
  const int on = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (v6) setsockopt(listen_fd_, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&storage), length) != 0 ||
      listen(listen_fd_, 64) != 0) {
    const int error = errno;
    close(listen_fd_);
    throw std::system_error(error, std::generic_category(),
                            "live view: cannot listen on " + where);
  }
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&storage), &length);
  port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port
                   : reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
  url_ = "http://" + (v6 ? "[" + host + "]" : host) + ":" +
         std::to_string(port_) + "/";
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    const int error = errno;
    close(listen_fd_);
    throw std::system_error(error, std::generic_category(),
                            "live view: eventfd");
  }
  pending_.reserve(64);
  thread_ = std::thread([this] { Serve(); });
}

LiveServer::Impl::~Impl() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  thread_.join();
  for (Client& client : clients_) close(client.fd);
  close(listen_fd_);
  close(wake_fd_);
}

void LiveServer::Impl::Post(Update update) {
  {
    std::lock_guard lock(mutex_);
    // Only a wedged server thread lets updates pile up; then they are lost
    // rather than growing without bound.
    if (pending_.size() >= kMaxPendingUpdates) return;
    pending_.push_back(std::move(update));
  }
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
}

bool LiveServer::Impl::ApplyPending() {
  uint64_t count;
  (void)!read(wake_fd_, &count, sizeof count);
  std::vector<Update> updates;
  bool stopping;
  {
    std::lock_guard lock(mutex_);
    updates.swap(pending_);
    pending_.reserve(64);
    stopping = stopping_;
  }
  std::string frames;
  for (const Update& update : updates) {
    if (const auto* start = std::get_if<live::RunStart>(&update)) {
      frames += history_.Begin(*start);
      exposition_.BeginRun(start->name, start->model);
    } else if (const auto* queued = std::get_if<QueuedProgress>(&update)) {
      frames += history_.Add(queued->progress);
      exposition_.Update(queued->progress, queued->so_far);
    } else if (const auto* figures =
                   std::get_if<prometheus::RunFigures>(&update)) {
      exposition_.EndRun(*figures);
    } else {
      frames += history_.End(std::get<live::RunEnd>(update));
      exposition_.AbortRun();  // nothing left to do after EndRun
    }
  }
  if (!frames.empty()) Broadcast(frames);
  return !stopping;
}

void LiveServer::Impl::Broadcast(const std::string& frames) {
  for (Client& client : clients_) {
    if (!client.streaming || client.dead) continue;
    if (client.backlog() + frames.size() > kMaxBacklogBytes) {
      client.dead = true;
      continue;
    }
    client.out += frames;
    Flush(client);
  }
}

void LiveServer::Impl::AcceptNew() {
  for (int i = 0; i < kMaxAcceptsPerWake; ++i) {
    const int fd =
        accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    Client client;
    client.fd = fd;
    client.deadline = Clock::now() + kRequestHeadTimeout;
    if (clients_.size() >= kMaxConnections) {
      client.out = live::Response(503, "text/plain", "too many viewers\n");
      client.close_when_sent = true;
      Flush(client);
      close(fd);
      continue;
    }
    clients_.push_back(std::move(client));
  }
}

void LiveServer::Impl::Read(Client& client) {
  char buffer[4096];
  const ssize_t n = recv(client.fd, buffer, sizeof buffer, 0);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    client.dead = true;
    return;
  }
  // A viewer sends nothing after its request; anything more is ignored.
  if (n < 0 || client.streaming || client.close_when_sent) return;
  client.in.append(buffer, static_cast<size_t>(n));
  size_t head_end = client.in.find("\r\n\r\n");
  if (head_end == std::string::npos) head_end = client.in.find("\n\n");
  if (head_end == std::string::npos) {
    if (client.in.size() > kMaxRequestHeadBytes) {
      client.out = live::Response(431, "text/plain", "request too large\n");
      client.close_when_sent = true;
      Flush(client);
    }
    return;
  }
  const std::optional<live::RequestHead> request =
      live::ParseRequestHead(std::string_view(client.in).substr(0, head_end));
  if (!request) {
    client.out = live::Response(400, "text/plain", "bad request\n");
    client.close_when_sent = true;
  } else {
    Respond(client, *request);
  }
  client.in.clear();
  Flush(client);
}

void LiveServer::Impl::Respond(Client& client,
                               const live::RequestHead& request) {
  client.close_when_sent = true;
  if (!live::IsLoopbackHostHeader(request.host)) {
    client.out = live::Response(403, "text/plain",
                                "the live view answers loopback hosts only\n");
  } else if (request.method != "GET") {
    client.out = live::Response(405, "text/plain", "GET only\n");
  } else if (request.path == "/metrics") {
    const prometheus::Format format =
        prometheus::NegotiateFormat(request.accept);
    client.out = live::Response(200, prometheus::ContentType(format),
                                exposition_.Render(format));
  } else if (!page_served_) {
    client.out =
        live::Response(404, "text/plain", "only /metrics is served here\n");
  } else if (request.path == "/" || request.path == "/index.html") {
    client.out = page_response_;
  } else if (request.path == "/events") {
    client.close_when_sent = false;
    client.streaming = true;
    client.deadline = Clock::now() + kKeepAliveInterval;
    client.out = live::EventStreamHead();
    client.out += history_.Snapshot();
    viewers_.fetch_add(1, std::memory_order_relaxed);
  } else {
    client.out = live::Response(404, "text/plain", "not found\n");
  }
}

void LiveServer::Impl::CloseDead() {
  std::erase_if(clients_, [this](const Client& client) {
    if (!client.dead) return false;
    if (client.streaming) viewers_.fetch_sub(1, std::memory_order_relaxed);
    close(client.fd);
    return true;
  });
}

void LiveServer::Impl::Serve() {
  std::vector<pollfd> fds;
  bool running = true;
  while (running) {
    fds.clear();
    fds.push_back({wake_fd_, POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    for (const Client& client : clients_) {
      fds.push_back(
          {client.fd,
           static_cast<short>(POLLIN | (client.backlog() > 0 ? POLLOUT : 0)),
           0});
    }
    // Wakes at least once a second to enforce deadlines and keep-alives.
    if (poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) break;

    // Clients first: their pollfds line up with clients_ until it changes.
    const Clock::time_point now = Clock::now();
    for (size_t i = 0; i < clients_.size(); ++i) {
      Client& client = clients_[i];
      const short events = fds[i + 2].revents;
      if (events & (POLLERR | POLLNVAL)) client.dead = true;
      if (!client.dead && (events & (POLLIN | POLLHUP))) Read(client);
      if (!client.dead && (events & POLLOUT)) Flush(client);
      if (client.dead || now < client.deadline) continue;
      if (client.streaming) {
        client.deadline = now + kKeepAliveInterval;
        if (client.backlog() == 0) {
          client.out = ": keep-alive\n\n";
          Flush(client);
        }
      } else {
        client.dead = true;  // too slow to send its request or read a reply
      }
    }
    if (fds[0].revents & POLLIN) running = ApplyPending();
    if (fds[1].revents & POLLIN) AcceptNew();
    CloseDead();
  }

  // What was published last (a run's end) should reach the viewers before
  // the process goes away, but a stuck viewer must not hold it up.
  const Clock::time_point give_up = Clock::now() + kFinalFlush;
  for (Clock::time_point now = Clock::now(); now < give_up;
       now = Clock::now()) {
    fds.clear();
    for (const Client& client : clients_) {
      if (client.streaming && !client.dead && client.backlog() > 0) {
        fds.push_back({client.fd, POLLOUT, 0});
      }
    }
    if (fds.empty()) break;
    const auto left =
        std::chrono::duration_cast<milliseconds>(give_up - now).count();
    poll(fds.data(), fds.size(), static_cast<int>(std::max<int64_t>(left, 1)));
    for (Client& client : clients_) {
      if (client.streaming && !client.dead) Flush(client);
    }
  }
}

LiveServer::LiveServer(const LiveAddress& address, LivePage page,
                       std::optional<Shard> shard)
    : impl_(std::make_unique<Impl>(address, page, shard)) {}

LiveServer::LiveServer(std::string_view address, LivePage page,
                       std::optional<Shard> shard)
    : LiveServer(ParseLiveAddress(address), page, shard) {}

LiveServer::~LiveServer() = default;

uint16_t LiveServer::port() const { return impl_->port(); }

std::string LiveServer::url() const { return impl_->url(); }

size_t LiveServer::viewers() const { return impl_->viewers(); }

void LiveServer::BeginRun(std::string name, const LoadModel& model,
                          std::chrono::nanoseconds planned_duration) {
  impl_->Post(live::RunStart{std::move(name), model, Describe(model),
                             planned_duration, UtcNow()});
}

void LiveServer::BeginRun(std::string name, const LoadModel& model,
                          const Scenario& scenario,
                          std::chrono::nanoseconds planned_duration) {
  impl_->Post(live::RunStart{std::move(name), model, Describe(model, scenario),
                             planned_duration, UtcNow()});
}

void LiveServer::Publish(const Progress& progress) {
  QueuedProgress queued{progress, prometheus::FiguresOf(progress)};
  queued.progress.tags = nullptr;
  impl_->Post(std::move(queued));
}

void LiveServer::EndRun(const RunReport& report) {
  // Bucketed here, so the server thread only adds arrays.
  impl_->Post(prometheus::FiguresOf(report));
  impl_->Post(live::FinalFigures(report));
}

void LiveServer::AbortRun(std::string reason) {
  impl_->Post(live::FailedRun(std::move(reason)));
}

std::function<void(const Progress&)> LiveServer::ProgressCallback(
    std::function<void(const Progress&)> next) {
  return [this, next = std::move(next)](const Progress& progress) {
    Publish(progress);
    if (next) next(progress);
  };
}

void LiveServer::Linger(std::chrono::nanoseconds duration) {
  if (duration.count() <= 0) return;
  g_linger_interrupted = 0;
  struct sigaction action {};
  action.sa_handler = [](int) { g_linger_interrupted = 1; };
  sigemptyset(&action.sa_mask);
  struct sigaction previous_int {};
  struct sigaction previous_term {};
  sigaction(SIGINT, &action, &previous_int);
  sigaction(SIGTERM, &action, &previous_term);
  const Clock::time_point until = Clock::now() + duration;
  for (Clock::time_point now = Clock::now();
       now < until && g_linger_interrupted == 0; now = Clock::now()) {
    std::this_thread::sleep_for(
        std::min<Clock::duration>(until - now, std::chrono::milliseconds(100)));
  }
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
}

}  // namespace loadgate
