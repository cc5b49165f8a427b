#ifndef SERVICES_COMMON_HTTP_UTIL_H_
#define SERVICES_COMMON_HTTP_UTIL_H_

#include <event2/event_struct.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

struct event_base;
struct evhttp_request;
struct evhttp_connection;

namespace loadgate::services {

// Whether a request target (path and query, as sent) can be served: every
// '%' starts a two-hex-digit escape and the percent-decoded path and query
// are valid UTF-8. Fails with a message for a 400 otherwise.
Status ValidateRequestTarget(std::string_view target);

// Views over an incoming request; valid until the request is replied to.
std::string_view RequestMethod(evhttp_request* request);
std::string_view RequestPath(evhttp_request* request);  // without the query
std::optional<std::string> QueryParam(evhttp_request* request,
                                      std::string_view name);
const char* RequestHeader(evhttp_request* request, const char* name);
std::string_view RequestBody(evhttp_request* request);  // made contiguous
bool FromLoopback(evhttp_request* request);
event_base* RequestBase(evhttp_request* request);

void AddResponseHeader(evhttp_request* request, const char* name,
                       const char* value);
// Sends a whole response (headers added before stay).
void SendResponse(evhttp_request* request, int status,
                  std::string_view content_type, std::string_view body);

// Client-disconnect notification for a request the application holds across
// event-loop turns (a stream, a delayed reply, a hang). libevent does not
// read from a connection while the application holds its request, so a
// client that closes would go unnoticed until the next write; the watch
// polls the socket for EOF as well. When the client goes away the request is
// freed here and `on_gone(arg)` runs on the request's thread; the
// application must then forget the request. Call UnwatchClient before
// replying. The caller stores the watch (no allocation); it must stay at one
// address until it fires or is unwatched.
using ClientGoneCallback = void (*)(void* arg);
struct ClientWatch {
  evhttp_request* request = nullptr;
  ClientGoneCallback on_gone = nullptr;
  void* arg = nullptr;
  event peer_readable;  // internal
  bool armed = false;   // internal
};
void WatchClient(ClientWatch* watch);
void UnwatchClient(ClientWatch* watch);

// Chunked (Transfer-Encoding: chunked) responses sent over time.
// StartChunked sends the status line and headers at once.
void StartChunked(evhttp_request* request, int status,
                  std::string_view content_type);
void SendChunk(evhttp_request* request, std::string_view data);
void EndChunked(evhttp_request* request);  // the terminating chunk
// Bytes written but not yet taken by the client's socket: a client that
// reads slowly makes this grow, and a sender should wait for it to drain.
size_t PendingOutputBytes(evhttp_request* request);
// Sends `last_data` (non-empty) and, once everything is written, closes the
// connection without the terminating chunk: the client sees a body that
// stops in the middle. Frees the request.
void SendChunkThenDisconnect(evhttp_request* request,
                             std::string_view last_data);
// Closes the connection at once without a response; frees the request.
void Disconnect(evhttp_request* request);

}  // namespace loadgate::services

#endif  // SERVICES_COMMON_HTTP_UTIL_H_
