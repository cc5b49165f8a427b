#include "common/http_server.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <utility>

#include "common/http_util.h"
#include "common/json_text.h"

namespace loadgate::services {
namespace {

// Cross-thread wake-ups (Stop, drain) need libevent's locking; it must be
// enabled before the first base is created.
void EnableLibeventThreads() {
  static std::once_flag once;
  std::call_once(once, [] { evthread_use_pthreads(); });
}

// Opens a non-blocking listening socket on host:port with SO_REUSEPORT so
// that every worker can bind the same port.
Result<int> OpenListener(const std::string& host, int port, int backlog) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* result = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &result);
      rc != 0) {
    return Status::Error("cannot resolve " + host + ": " + gai_strerror(rc));
  }
  int fd = -1;
  std::string error;
  for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                ai->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, backlog) == 0)
      break;
    error = "cannot listen on " + host + ":" + service + ": " +
            std::strerror(errno);
    close(fd);
    fd = -1;
  }
  freeaddrinfo(result);
  if (fd < 0) return Status::Error(std::move(error));
  return fd;
}

int BoundPort(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    return 0;
  if (address.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
}

}  // namespace

struct HttpServer::Worker {
  HttpServer* server = nullptr;
  event_base* base = nullptr;
  evhttp* http = nullptr;
  evhttp_bound_socket* listener = nullptr;
  // Ends this worker's loop from its own thread. An active event waits in
  // the base until the loop runs it, whereas event_base_loopbreak() from
  // another thread is lost when it lands before the loop has started
  // (event_base_loop clears the break flag on entry).
  event* stop = nullptr;
  std::thread thread;
};

HttpServer::HttpServer(HttpServerOptions options, RequestHandler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {
  EnableLibeventThreads();
  if (options_.threads < 1) options_.threads = 1;
}

HttpServer::~HttpServer() {
  if (started_ && !waited_) {
    Stop();
    Wait();
  }
  for (event* ev : control_events_) event_free(ev);
  if (control_base_ != nullptr) event_base_free(control_base_);
}

void HttpServer::SetInFlightProbe(std::function<int64_t()> probe) {
  in_flight_probe_ = std::move(probe);
}

void HttpServer::SetWorkerStopHook(WorkerStopHook hook) {
  worker_stop_hook_ = std::move(hook);
}

void HttpServer::OnRequest(evhttp_request* request, void* arg) {
  GuardRequestDispatched(request);
  const char* target = evhttp_request_get_uri(request);
  if (Status valid = ValidateRequestTarget(target != nullptr ? target : "");
      !valid.ok()) {
    SendResponse(request, 400, "application/json",
                 DumpJson({{"error", valid.message()}}) + "\n");
    return;
  }
  try {
    static_cast<Worker*>(arg)->server->handler_(request);
  } catch (const std::exception& e) {
    ReplyAfterHandlerFailure(request, e.what());
  } catch (...) {
    ReplyAfterHandlerFailure(request, "unknown exception");
  }
}

void HttpServer::ReplyAfterHandlerFailure(evhttp_request* request,
                                          const char* what) {
  std::fprintf(stderr, "request handler failed: %s\n", what);
  // A response code is set once the handler has started a reply.
  if (evhttp_request_get_response_code(request) != 0) return;
  // Whatever the handler had attached to the connection is stale now.
  SetConnectionCloseCallback(evhttp_request_get_connection(request), nullptr,
                             nullptr);
  AddResponseHeader(request, "Connection", "close");
  SendResponse(request, 500, "application/json",
               DumpJson({{"error", "internal error"}}) + "\n");
}

Status HttpServer::Start() {
  if (Status control = StartControl(); !control.ok()) return control;
  // libevent writes without MSG_NOSIGNAL: a client that goes away must not
  // kill the process (embedded servers included) with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);

  int port = options_.port;
  for (int i = 0; i < options_.threads; ++i) {
    Result<int> fd = OpenListener(options_.host, port, options_.backlog);
    if (!fd.ok()) return fd.status();
    if (i == 0) port = port_ = BoundPort(*fd);
    if (Status added = AddWorker(*fd); !added.ok()) return added;
  }
  RunWorkers();
  started_ = true;
  return Status::Ok();
}

Status HttpServer::StartControl() {
  control_base_ = event_base_new();
  if (control_base_ == nullptr)
    return Status::Error("cannot create the control event base");
  stop_event_ =
      event_new(control_base_, -1, 0, &HttpServer::OnStopSignal, this);
  control_events_.push_back(stop_event_);
  drain_event_ =
      event_new(control_base_, -1, 0, &HttpServer::OnDrainTick, this);
  control_events_.push_back(drain_event_);
  if (options_.handle_signals) {
    for (int signal_number : {SIGINT, SIGTERM}) {
      event* ev = evsignal_new(control_base_, signal_number,
                               &HttpServer::OnStopSignal, this);
      evsignal_add(ev, nullptr);
      control_events_.push_back(ev);
    }
  }
  return Status::Ok();
}

Status HttpServer::AddWorker(int listen_fd) {
  auto worker = std::make_unique<Worker>();
  worker->server = this;
  event_config* config = event_config_new();
  // Streams are paced by timers; precise timers keep the pacing error
  // well under a millisecond.
  event_config_set_flag(config, EVENT_BASE_FLAG_PRECISE_TIMER);
  worker->base = event_base_new_with_config(config);
  event_config_free(config);
  worker->http = evhttp_new(worker->base);
  evhttp_set_max_body_size(worker->http, options_.max_body_bytes);
  evhttp_set_max_headers_size(worker->http, options_.max_header_bytes);
  evhttp_set_timeout(worker->http, options_.idle_timeout_seconds);
  GuardConnections(worker->http, &options_.read_timeouts);
  evhttp_set_allowed_methods(
      worker->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                        EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                        EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
  evhttp_set_gencb(worker->http, &HttpServer::OnRequest, worker.get());
  worker->stop = event_new(
      worker->base, -1, 0,
      [](int, short, void* arg) {
        event_base_loopbreak(static_cast<event_base*>(arg));
      },
      worker->base);
  worker->listener = evhttp_accept_socket_with_handle(worker->http, listen_fd);
  if (worker->listener == nullptr) {
    close(listen_fd);
    return Status::Error("evhttp cannot accept on the listening socket");
  }
  workers_.push_back(std::move(worker));
  return Status::Ok();
}

void HttpServer::RunWorkers() {
  // Workers leave signals to the control thread.
  sigset_t blocked, previous;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGINT);
  sigaddset(&blocked, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &blocked, &previous);
  for (auto& worker : workers_) {
    Worker* w = worker.get();
    w->thread = std::thread([this, w] {
      event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
      if (worker_stop_hook_) worker_stop_hook_(w->base);
      event_free(w->stop);
      evhttp_free(w->http);
      event_base_free(w->base);
    });
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

void HttpServer::Stop() {
  if (stop_event_ != nullptr) event_active(stop_event_, 0, 0);
}

void HttpServer::OnStopSignal(int, short, void* arg) {
  static_cast<HttpServer*>(arg)->BeginDrain();
}

void HttpServer::BeginDrain() {
  if (drain_deadline_ != std::chrono::steady_clock::time_point{}) return;
  drain_deadline_ = std::chrono::steady_clock::now() + options_.drain_timeout;
  // Stop accepting on every worker (on its own thread); connections already
  // open keep being served while they drain.
  for (auto& worker : workers_) {
    event_base_once(
        worker->base, -1, EV_TIMEOUT,
        [](int, short, void* arg) {
          auto* w = static_cast<Worker*>(arg);
          if (w->listener != nullptr) {
            evhttp_del_accept_socket(w->http, w->listener);
            w->listener = nullptr;
          }
        },
        worker.get(), nullptr);
  }
  event_active(drain_event_, 0, 0);
}

void HttpServer::OnDrainTick(int, short, void* arg) {
  auto* server = static_cast<HttpServer*>(arg);
  const bool idle =
      !server->in_flight_probe_ || server->in_flight_probe_() <= 0;
  if (idle || std::chrono::steady_clock::now() >= server->drain_deadline_) {
    for (auto& worker : server->workers_) event_active(worker->stop, 0, 0);
    event_base_loopbreak(server->control_base_);
    return;
  }
  timeval poll_interval{0, 20 * 1000};
  event_add(server->drain_event_, &poll_interval);
}

void HttpServer::Wait() {
  if (!started_ || waited_) return;
  waited_ = true;
  event_base_loop(control_base_, EVLOOP_NO_EXIT_ON_EMPTY);
  for (auto& worker : workers_) worker->thread.join();
  workers_.clear();
}

}  // namespace loadgate::services
