#ifndef SERVICES_COMMON_HTTP_SERVER_H_
#define SERVICES_COMMON_HTTP_SERVER_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/connection_guard.h"
#include "common/status.h"

struct event_base;
struct event;
struct evhttp;
struct evhttp_request;
struct evhttp_bound_socket;

namespace loadgate::services {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0 picks a free port; see HttpServer::port()
  int threads = 1;
  size_t max_body_bytes = 1 << 20;     // larger bodies get 413
  size_t max_header_bytes = 64 << 10;  // larger header blocks get 400
  int idle_timeout_seconds = 120;      // per-connection read/write timeout
  // Deadlines for a request's headers and body (slowloris, half-sent
  // requests); see connection_guard.h.
  ReadTimeouts read_timeouts;
  int backlog = 4096;
  // Exit on SIGINT/SIGTERM after draining (the main program wants this; a
  // server embedded in a test does not).
  bool handle_signals = true;
  // How long a stop waits for in-flight requests before closing them.
  std::chrono::milliseconds drain_timeout{5000};
};

// Called on a worker thread for every request. The handler owns the request
// until it replies (possibly later, from a timer on the same event base).
// Requests whose target is not percent-encoded UTF-8 get 400 before it. A
// handler that throws before it replied or handed the request on gets a 500
// sent for it; one must not throw after that.
using RequestHandler = std::function<void(evhttp_request* request)>;

// Called on each worker thread just before its event base is freed, so the
// application can release per-thread state (e.g. streams still open).
using WorkerStopHook = std::function<void(event_base* base)>;

// A multi-threaded HTTP/1.1 server: one libevent base and one evhttp per
// worker thread, each with its own listening socket on the same port
// (SO_REUSEPORT), so the kernel spreads connections without a shared accept
// lock and a connection stays on one thread for its whole life.
class HttpServer {
 public:
  HttpServer(HttpServerOptions options, RequestHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Reports whether the application still has requests in flight; a stop
  // waits (up to drain_timeout) until this returns 0.
  void SetInFlightProbe(std::function<int64_t()> probe);
  void SetWorkerStopHook(WorkerStopHook hook);

  // Binds and starts the workers. Sets SIGPIPE to be ignored for the whole
  // process.
  Status Start();
  int port() const { return port_; }
  const std::string& host() const { return options_.host; }

  // Blocks until SIGINT/SIGTERM (when handled) or Stop(), then stops
  // accepting, drains in-flight requests and joins the workers.
  void Wait();
  // Thread-safe; makes Wait() return after draining.
  void Stop();

 private:
  struct Worker;
  static void OnRequest(evhttp_request* request, void* arg);
  // Answers 500 for a request whose handler threw, unless it had replied.
  static void ReplyAfterHandlerFailure(evhttp_request* request,
                                       const char* what);
  // The pieces of Start(): the control base (stop, drain, signals), one
  // worker per listening socket, and the worker threads.
  Status StartControl();
  Status AddWorker(int listen_fd);
  void RunWorkers();
  static void OnStopSignal(int fd, short what, void* arg);
  static void OnDrainTick(int fd, short what, void* arg);
  void BeginDrain();

  HttpServerOptions options_;
  RequestHandler handler_;
  std::function<int64_t()> in_flight_probe_;
  WorkerStopHook worker_stop_hook_;
  int port_ = 0;
  std::vector<std::unique_ptr<Worker>> workers_;
  event_base* control_base_ = nullptr;
  std::vector<event*> control_events_;
  event* stop_event_ = nullptr;
  event* drain_event_ = nullptr;
  std::chrono::steady_clock::time_point drain_deadline_;
  std::atomic<bool> started_{false};
  bool waited_ = false;
};

}  // namespace loadgate::services

#endif  // SERVICES_COMMON_HTTP_SERVER_H_
