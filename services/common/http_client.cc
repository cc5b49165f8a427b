#include "common/http_client.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include <algorithm>
#include <utility>

namespace loadgate::services {
namespace {

// Bodies larger than this from a peer are a fault of the peer.
constexpr size_t kMaxResponseBodyBytes = 16 << 20;

const char* RequestErrorText(int error) {
  switch (error) {
    case EVREQ_HTTP_TIMEOUT:
      return "timed out";
    case EVREQ_HTTP_EOF:
      return "connection closed";
    case EVREQ_HTTP_INVALID_HEADER:
      return "invalid response header";
    case EVREQ_HTTP_BUFFER_ERROR:
      return "connection failed";
    case EVREQ_HTTP_DATA_TOO_LONG:
      return "response too large";
    default:
      return "connection failed";
  }
}

}  // namespace

struct HttpClient::Call {
  HttpClient* client = nullptr;
  std::string peer;  // "host:port", the idle-pool key
  evhttp_connection* connection = nullptr;
  event* timer = nullptr;
  Callback callback;
  int error = -1;  // evhttp_request_error reported before a failed response
};

HttpClient::HttpClient(event_base* base, size_t max_idle_per_peer)
    : base_(base), max_idle_per_peer_(max_idle_per_peer) {}

HttpClient::~HttpClient() {
  // Freeing a connection frees its queued request without calling back.
  for (Call* call : calls_) {
    event_free(call->timer);
    evhttp_connection_free(call->connection);
    delete call;
  }
  for (auto& [peer, connections] : idle_) {
    for (evhttp_connection* connection : connections)
      evhttp_connection_free(connection);
  }
}

evhttp_connection* HttpClient::Connect(const HttpClientRequest& request,
                                       const std::string& peer) {
  auto idle = idle_.find(peer);
  if (idle != idle_.end() && !idle->second.empty()) {
    evhttp_connection* connection = idle->second.back();
    idle->second.pop_back();
    return connection;
  }
  evhttp_connection* connection =
      evhttp_connection_base_new(base_, nullptr, request.host.c_str(),
                                 static_cast<uint16_t>(request.port));
  if (connection == nullptr) return nullptr;
  evhttp_connection_set_retries(connection, 0);
  evhttp_connection_set_max_body_size(connection, kMaxResponseBodyBytes);
  return connection;
}

void HttpClient::Send(HttpClientRequest request, Callback callback) {
  const std::string peer = request.host + ":" + std::to_string(request.port);
  evhttp_connection* connection = Connect(request, peer);
  if (connection == nullptr) {
    HttpClientResponse response;
    response.error = "cannot create a connection to " + peer;
    callback(std::move(response));
    return;
  }
  // The per-connection timeout is only a backstop for a silent peer; the
  // call's own timer bounds the whole exchange.
  timeval io_timeout{};
  io_timeout.tv_sec = request.timeout.count() / 1000 + 1;
  evhttp_connection_set_timeout_tv(connection, &io_timeout);

  auto* call = new Call{this, peer, connection, nullptr, std::move(callback)};
  evhttp_request* outgoing = evhttp_request_new(&HttpClient::OnResponse, call);
  evhttp_request_set_error_cb(outgoing,
                              [](evhttp_request_error error, void* arg) {
                                static_cast<Call*>(arg)->error = error;
                              });
  evkeyvalq* headers = evhttp_request_get_output_headers(outgoing);
  evhttp_add_header(headers, "Host", peer.c_str());
  for (const auto& [name, value] : request.headers)
    evhttp_add_header(headers, name.c_str(), value.c_str());
  if (request.post) {
    evbuffer_add(evhttp_request_get_output_buffer(outgoing),
                 request.body.data(), request.body.size());
  }
  call->timer = evtimer_new(base_, &HttpClient::OnTimeout, call);
  const auto timeout_us =
      std::chrono::duration_cast<std::chrono::microseconds>(request.timeout)
          .count();
  timeval deadline{static_cast<time_t>(timeout_us / 1000000),
                   static_cast<suseconds_t>(timeout_us % 1000000)};
  evtimer_add(call->timer, &deadline);
  calls_.insert(call);
  if (evhttp_make_request(connection, outgoing,
                          request.post ? EVHTTP_REQ_POST : EVHTTP_REQ_GET,
                          request.target.c_str()) != 0) {
    // libevent has already failed (and freed) the request; it reported
    // nothing through the callback only when it never queued it.
    if (calls_.contains(call)) {
      HttpClientResponse response;
      response.error = "cannot send the request to " + peer;
      Finish(call, std::move(response), false);
    }
  }
}

void HttpClient::OnResponse(evhttp_request* response, void* arg) {
  auto* call = static_cast<Call*>(arg);
  HttpClient* client = call->client;
  HttpClientResponse result;
  const int status =
      response != nullptr ? evhttp_request_get_response_code(response) : 0;
  if (status == 0) {
    result.outcome = call->error == EVREQ_HTTP_TIMEOUT
                         ? HttpClientResponse::Outcome::kTimeout
                         : HttpClientResponse::Outcome::kConnectionError;
    result.error =
        std::string(RequestErrorText(call->error)) + " (" + call->peer + ")";
    client->Finish(call, std::move(result), false);
    return;
  }
  result.outcome = HttpClientResponse::Outcome::kResponse;
  result.status = status;
  evbuffer* body = evhttp_request_get_input_buffer(response);
  const size_t length = evbuffer_get_length(body);
  result.body.resize(length);
  evbuffer_copyout(body, result.body.data(), length);
  client->Finish(call, std::move(result), true);
}

void HttpClient::OnTimeout(int, short, void* arg) {
  auto* call = static_cast<Call*>(arg);
  HttpClient* client = call->client;
  // Freeing the connection drops the request without a callback; the
  // timer is not inside a libevent HTTP callback, so it is safe here.
  evhttp_connection_free(call->connection);
  call->connection = nullptr;
  HttpClientResponse result;
  result.outcome = HttpClientResponse::Outcome::kTimeout;
  result.error = "no response from " + call->peer + " in time";
  client->Finish(call, std::move(result), false);
}

void HttpClient::FreeLater(evhttp_connection* connection) {
  event_base_once(
      base_, -1, EV_TIMEOUT,
      [](int, short, void* arg) {
        evhttp_connection_free(static_cast<evhttp_connection*>(arg));
      },
      connection, nullptr);
}

void HttpClient::Finish(Call* call, HttpClientResponse response,
                        bool reusable) {
  calls_.erase(call);
  event_free(call->timer);
  if (call->connection != nullptr) {
    std::vector<evhttp_connection*>& idle = idle_[call->peer];
    if (reusable && idle.size() < max_idle_per_peer_) {
      idle.push_back(call->connection);
    } else {
      FreeLater(call->connection);
    }
  }
  Callback callback = std::move(call->callback);
  delete call;
  callback(std::move(response));
}

}  // namespace loadgate::services
