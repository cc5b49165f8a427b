#ifndef SERVICES_COMMON_HTTP_CLIENT_H_
#define SERVICES_COMMON_HTTP_CLIENT_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

struct event_base;
struct evhttp_connection;
struct evhttp_request;

namespace loadgate::services {

// One outgoing request. Plain http:// only: the services call peers on the
// loopback interface.
struct HttpClientRequest {
  std::string host;
  int port = 80;
  std::string target = "/";  // path and query
  bool post = true;          // POST with `body`, else GET
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Bounds the whole exchange, connect included.
  std::chrono::milliseconds timeout{30000};
};

struct HttpClientResponse {
  enum class Outcome { kResponse, kConnectionError, kTimeout };
  Outcome outcome = Outcome::kConnectionError;
  int status = 0;  // with kResponse
  std::string body;
  std::string error;  // why there is no response
};

// An asynchronous HTTP/1.1 client on one event base: Send() returns at once
// and the callback runs later on the base's thread, so a server thread never
// blocks while a peer thinks. Idle keep-alive connections are kept per
// host:port and reused. Not thread-safe: use it only on its base's thread
// (one client per server worker).
class HttpClient {
 public:
  using Callback = std::function<void(HttpClientResponse response)>;

  explicit HttpClient(event_base* base, size_t max_idle_per_peer = 64);
  // Drops calls still in flight without calling them back.
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  void Send(HttpClientRequest request, Callback callback);
  size_t in_flight() const { return calls_.size(); }

 private:
  struct Call;
  static void OnResponse(evhttp_request* request, void* arg);
  static void OnTimeout(int fd, short what, void* arg);
  // Completes `call`: keeps or discards its connection, then calls back.
  void Finish(Call* call, HttpClientResponse response, bool reusable);
  evhttp_connection* Connect(const HttpClientRequest& request,
                             const std::string& peer);
  // Frees a connection after the current callback has unwound (libevent
  // must not free a connection from inside one of its own callbacks).
  void FreeLater(evhttp_connection* connection);

  event_base* base_;
  size_t max_idle_per_peer_;
  std::unordered_map<std::string, std::vector<evhttp_connection*>> idle_;
  std::unordered_set<Call*> calls_;
};

}  // namespace loadgate::services

#endif  // SERVICES_COMMON_HTTP_CLIENT_H_
