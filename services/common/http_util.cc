#include "common/http_util.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "common/connection_guard.h"

namespace loadgate::services {
namespace {

// One scratch buffer per thread: replies copy into the connection's output
// buffer, so the scratch is empty again after each call. Freed when the
// thread ends.
evbuffer* Scratch() {
  struct Owner {
    evbuffer* buffer = evbuffer_new();
    ~Owner() { evbuffer_free(buffer); }
  };
  thread_local Owner owner;
  return owner.buffer;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `text` into `out`; false on a '%' not followed by two hex
// digits.
bool PercentDecode(std::string_view text, std::string* out) {
  out->clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out->push_back(text[i]);
      continue;
    }
    const int high = i + 1 < text.size() ? HexDigit(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? HexDigit(text[i + 2]) : -1;
    if (high < 0 || low < 0) return false;
    out->push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return true;
}

// Well-formed UTF-8 (RFC 3629): no overlong forms, surrogates or code points
// above U+10FFFF.
bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      ++i;
      continue;
    }
    int length = 0;
    uint32_t code_point = 0;
    if (byte >= 0xc2 && byte <= 0xdf) {
      length = 2;
      code_point = byte & 0x1f;
    } else if (byte >= 0xe0 && byte <= 0xef) {
      length = 3;
      code_point = byte & 0x0f;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      length = 4;
      code_point = byte & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3f);
    }
    if ((length == 3 && code_point < 0x800) ||
        (length == 4 && (code_point < 0x10000 || code_point > 0x10ffff)) ||
        (code_point >= 0xd800 && code_point <= 0xdfff))
      return false;
    i += length;
  }
  return true;
}

evbuffer* Fill(std::string_view data) {
  evbuffer* buffer = Scratch();
  evbuffer_drain(buffer, evbuffer_get_length(buffer));
  evbuffer_add(buffer, data.data(), data.size());
  return buffer;
}

void StopWatching(ClientWatch* watch) {
  if (watch->armed) event_del(&watch->peer_readable);
  watch->armed = false;
}

// The connection failed (a write hit a closed socket, a timeout): libevent
// detached the request the application still holds, and it is ours to free.
void OnConnectionClosed(evhttp_connection*, void* arg) {
  auto* watch = static_cast<ClientWatch*>(arg);
  StopWatching(watch);
  if (evhttp_request_get_connection(watch->request) == nullptr)
    evhttp_request_free(watch->request);
  watch->on_gone(watch->arg);
}

// The socket became readable while we hold the request: EOF or an error
// means the client left; data means a pipelined request, left for libevent.
void OnPeerReadable(evutil_socket_t fd, short, void* arg) {
  auto* watch = static_cast<ClientWatch*>(arg);
  watch->armed = false;
  char byte;
  const ssize_t n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR))) {
    if (n < 0) {
      event_add(&watch->peer_readable, nullptr);
      watch->armed = true;
    }
    return;
  }
  evhttp_connection* connection = evhttp_request_get_connection(watch->request);
  SetConnectionCloseCallback(connection, nullptr, nullptr);
  evhttp_connection_free(connection);  // frees the request with it
  watch->on_gone(watch->arg);
}

void CloseAfterWrite(evhttp_connection* connection, void*) {
  evhttp_connection_free(connection);
}

// Close callback of a connection we are closing ourselves: if the client went
// away first, libevent detached the request and left it to us.
void FreeRequestIfDetached(evhttp_connection*, void* arg) {
  auto* request = static_cast<evhttp_request*>(arg);
  if (evhttp_request_get_connection(request) == nullptr)
    evhttp_request_free(request);
}

}  // namespace

std::string_view RequestMethod(evhttp_request* request) {
  switch (evhttp_request_get_command(request)) {
    case EVHTTP_REQ_GET:
      return "GET";
    case EVHTTP_REQ_POST:
      return "POST";
    case EVHTTP_REQ_HEAD:
      return "HEAD";
    case EVHTTP_REQ_PUT:
      return "PUT";
    case EVHTTP_REQ_DELETE:
      return "DELETE";
    case EVHTTP_REQ_OPTIONS:
      return "OPTIONS";
    case EVHTTP_REQ_PATCH:
      return "PATCH";
    default:
      return "OTHER";
  }
}

Status ValidateRequestTarget(std::string_view target) {
  const size_t query_start = std::min(target.find('?'), target.size());
  std::string decoded;
  for (const auto& [part, name] :
       {std::pair{target.substr(0, query_start), "path"},
        std::pair{target.substr(query_start), "query string"}}) {
    if (!PercentDecode(part, &decoded)) {
      return Status::Error(std::string("the ") + name +
                           " has a '%' not followed by two hex digits");
    }
    if (!IsValidUtf8(decoded))
      return Status::Error(std::string("the ") + name + " is not valid UTF-8");
  }
  return Status::Ok();
}

std::string_view RequestPath(evhttp_request* request) {
  const char* uri = evhttp_request_get_uri(request);
  if (uri == nullptr) return {};
  std::string_view path(uri);
  if (size_t q = path.find('?'); q != std::string_view::npos)
    path = path.substr(0, q);
  return path;
}

std::optional<std::string> QueryParam(evhttp_request* request,
                                      std::string_view name) {
  const evhttp_uri* uri = evhttp_request_get_evhttp_uri(request);
  const char* query = uri != nullptr ? evhttp_uri_get_query(uri) : nullptr;
  if (query == nullptr) return std::nullopt;
  evkeyvalq params;
  if (evhttp_parse_query_str(query, &params) != 0) return std::nullopt;
  std::optional<std::string> value;
  for (evkeyval* kv = params.tqh_first; kv != nullptr; kv = kv->next.tqe_next) {
    if (name == kv->key) {
      value = kv->value;
      break;
    }
  }
  evhttp_clear_headers(&params);
  return value;
}

const char* RequestHeader(evhttp_request* request, const char* name) {
  return evhttp_find_header(evhttp_request_get_input_headers(request), name);
}

std::string_view RequestBody(evhttp_request* request) {
  evbuffer* body = evhttp_request_get_input_buffer(request);
  const size_t length = evbuffer_get_length(body);
  if (length == 0) return {};
  auto* data = reinterpret_cast<const char*>(evbuffer_pullup(body, -1));
  return {data, length};
}

bool FromLoopback(evhttp_request* request) {
  evhttp_connection* connection = evhttp_request_get_connection(request);
  if (connection == nullptr) return false;
  char* address = nullptr;
  ev_uint16_t port = 0;
  evhttp_connection_get_peer(connection, &address, &port);
  if (address == nullptr) return false;
  std::string_view peer(address);
  return peer.substr(0, 4) == "127." || peer == "::1" ||
         peer.substr(0, 11) == "::ffff:127.";
}

event_base* RequestBase(evhttp_request* request) {
  return evhttp_connection_get_base(evhttp_request_get_connection(request));
}

void AddResponseHeader(evhttp_request* request, const char* name,
                       const char* value) {
  evhttp_add_header(evhttp_request_get_output_headers(request), name, value);
}

void SendResponse(evhttp_request* request, int status,
                  std::string_view content_type, std::string_view body) {
  if (!content_type.empty()) {
    AddResponseHeader(request, "Content-Type",
                      std::string(content_type).c_str());
  }
  evhttp_send_reply(request, status, nullptr, Fill(body));
}

void WatchClient(ClientWatch* watch) {
  evhttp_connection* connection = evhttp_request_get_connection(watch->request);
  SetConnectionCloseCallback(connection, &OnConnectionClosed, watch);
  bufferevent* stream = evhttp_connection_get_bufferevent(connection);
  event_assign(&watch->peer_readable, bufferevent_get_base(stream),
               bufferevent_getfd(stream), EV_READ, &OnPeerReadable, watch);
  event_add(&watch->peer_readable, nullptr);
  watch->armed = true;
}

void UnwatchClient(ClientWatch* watch) {
  StopWatching(watch);
  evhttp_connection* connection = evhttp_request_get_connection(watch->request);
  if (connection != nullptr)
    SetConnectionCloseCallback(connection, nullptr, nullptr);
}

void StartChunked(evhttp_request* request, int status,
                  std::string_view content_type) {
  AddResponseHeader(request, "Content-Type", std::string(content_type).c_str());
  AddResponseHeader(request, "Cache-Control", "no-cache");
  evhttp_send_reply_start(request, status, nullptr);
}

void SendChunk(evhttp_request* request, std::string_view data) {
  if (data.empty()) return;
  evhttp_send_reply_chunk(request, Fill(data));
}

void EndChunked(evhttp_request* request) { evhttp_send_reply_end(request); }

size_t PendingOutputBytes(evhttp_request* request) {
  evhttp_connection* connection = evhttp_request_get_connection(request);
  if (connection == nullptr) return 0;
  return evbuffer_get_length(
      bufferevent_get_output(evhttp_connection_get_bufferevent(connection)));
}

void SendChunkThenDisconnect(evhttp_request* request,
                             std::string_view last_data) {
  evhttp_connection* connection = evhttp_request_get_connection(request);
  if (connection == nullptr) {
    evhttp_request_free(request);
    return;
  }
  SetConnectionCloseCallback(connection, &FreeRequestIfDetached, request);
  evhttp_send_reply_chunk_with_cb(request, Fill(last_data), &CloseAfterWrite,
                                  nullptr);
}

void Disconnect(evhttp_request* request) {
  evhttp_connection* connection = evhttp_request_get_connection(request);
  if (connection == nullptr) {
    evhttp_request_free(request);
    return;
  }
  SetConnectionCloseCallback(connection, nullptr, nullptr);
  evhttp_connection_free(connection);  // frees the request with it
}

}  // namespace loadgate::services
