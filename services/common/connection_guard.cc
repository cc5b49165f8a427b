#include "common/connection_guard.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <sys/socket.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "common/flags.h"
#include "common/json_text.h"
#include "common/request_framing.h"

namespace loadgate::services {
namespace {

// The guard of one connection, from its accept to its close.
struct Guard {
  const ReadTimeouts* timeouts = nullptr;
  bufferevent* stream = nullptr;
  evhttp_connection* connection = nullptr;  // set once evhttp has made it
  evbuffer_cb_entry* input_watch = nullptr;
  event* deadline = nullptr;  // also fires at once to refuse a request
  RequestFraming framing;
  // Until its first request is read, a connection has the header deadline
  // from its accept; between later requests only evhttp's idle timeout runs.
  bool awaiting_first_request = true;
  bool application_holds_request = false;
  ConnectionCloseCallback close_callback = nullptr;
  void* close_arg = nullptr;
};

// Guards by connection, for the calls that only know a request or a
// connection. Each worker thread sees only its own connections.
thread_local std::unordered_map<evhttp_connection*, Guard*> guards;

Guard* FindGuard(evhttp_connection* connection) {
  auto it = guards.find(connection);
  return it == guards.end() ? nullptr : it->second;
}

void Destroy(Guard* guard) {
  evbuffer_remove_cb_entry(bufferevent_get_input(guard->stream),
                           guard->input_watch);
  event_free(guard->deadline);
  if (guard->connection != nullptr) guards.erase(guard->connection);
  delete guard;
}

timeval ToTimeval(std::chrono::milliseconds duration) {
  return timeval{static_cast<time_t>(duration.count() / 1000),
                 static_cast<suseconds_t>(duration.count() % 1000 * 1000)};
}

// (Re)starts the deadline of what the connection is reading now.
void ArmDeadline(Guard* guard) {
  evtimer_del(guard->deadline);
  if (guard->application_holds_request) return;
  if (guard->framing.failed()) {
    event_active(guard->deadline, EV_TIMEOUT, 1);
    return;
  }
  std::chrono::milliseconds delay{};
  switch (guard->framing.phase()) {
    case RequestFraming::Phase::kIdle:
      if (!guard->awaiting_first_request) return;
      delay = guard->timeouts->header;
      break;
    case RequestFraming::Phase::kHeaders:
      delay = guard->timeouts->header;
      break;
    case RequestFraming::Phase::kBody:
      delay = guard->timeouts->body;
      break;
  }
  const timeval tv = ToTimeval(delay);
  evtimer_add(guard->deadline, &tv);
}

void OnConnectionClose(evhttp_connection* connection, void* arg) {
  auto* guard = static_cast<Guard*>(arg);
  const ConnectionCloseCallback callback = guard->close_callback;
  void* callback_arg = guard->close_arg;
  Destroy(guard);
  if (callback != nullptr) callback(connection, callback_arg);
}

// Writes the 400 of a refused request straight to the socket: evhttp has no
// request object to answer it with, since it never saw the request.
void SendRefusal(evutil_socket_t fd, const std::string& why) {
  const std::string body = DumpJson({{"error", why}}) + "\n";
  const std::string response =
      "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
      "Connection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  (void)send(fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  // What the client still sends is read and dropped (a bounded amount):
  // closing a socket with unread data resets the connection, and the reset
  // could destroy the 400 before the client reads it.
  char sink[4096];
  for (int i = 0; i < 16; ++i) {
    if (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) <= 0) break;
  }
}

// A deadline passed, or a request was refused: the connection ends here.
void OnDeadline(evutil_socket_t, short, void* arg) {
  auto* guard = static_cast<Guard*>(arg);
  if (guard->application_holds_request) return;  // resumes after the reply
  if (guard->framing.failed() &&
      evbuffer_get_length(bufferevent_get_output(guard->stream)) == 0) {
    SendRefusal(bufferevent_getfd(guard->stream), guard->framing.error());
  }
  // Calls OnConnectionClose, which frees the guard.
  evhttp_connection_free(guard->connection);
}

// New bytes arrived; evhttp has not parsed them yet.
void OnInput(evbuffer* input, const evbuffer_cb_info* info, void* arg) {
  auto* guard = static_cast<Guard*>(arg);
  if (info->n_added == 0 || guard->connection == nullptr ||
      guard->framing.failed())
    return;
  const RequestFraming::Phase phase_before = guard->framing.phase();
  const uint64_t started_before = guard->framing.requests_started();
  // The new bytes are the last n_added of the buffer.
  evbuffer_ptr start;
  evbuffer_ptr_set(input, &start, evbuffer_get_length(input) - info->n_added,
                   EVBUFFER_PTR_SET);
  // One read fills a few chains at most; a larger array only if needed.
  constexpr int kInlinePieces = 8;
  evbuffer_iovec inline_pieces[kInlinePieces];
  std::vector<evbuffer_iovec> more_pieces;
  evbuffer_iovec* pieces = inline_pieces;
  const auto length = static_cast<ev_ssize_t>(info->n_added);
  const int count =
      evbuffer_peek(input, length, &start, inline_pieces, kInlinePieces);
  if (count > kInlinePieces) {
    more_pieces.resize(static_cast<size_t>(count));
    evbuffer_peek(input, length, &start, more_pieces.data(), count);
    pieces = more_pieces.data();
  }
  size_t left = info->n_added;
  for (int i = 0; i < count && left > 0; ++i) {
    const size_t n = std::min(left, pieces[i].iov_len);
    guard->framing.Feed({static_cast<const char*>(pieces[i].iov_base), n});
    left -= n;
  }
  if (guard->framing.failed()) {
    // evhttp must never parse the refused request: drop what it has not
    // read yet and stop reading; the deadline event answers and closes.
    evbuffer_drain(input, evbuffer_get_length(input));
    bufferevent_disable(guard->stream, EV_READ);
    ArmDeadline(guard);
    return;
  }
  if (guard->framing.phase() == phase_before &&
      guard->framing.requests_started() == started_before)
    return;
  if (guard->framing.phase() == RequestFraming::Phase::kIdle)
    guard->awaiting_first_request = false;
  ArmDeadline(guard);
}

// Runs right after evhttp has set the connection up around the stream made
// by MakeStream, before any byte of it is read.
void OnAccepted(evutil_socket_t, short, void* arg) {
  auto* guard = static_cast<Guard*>(arg);
  bufferevent_event_cb event_callback = nullptr;
  void* connection = nullptr;
  bufferevent_getcb(guard->stream, nullptr, nullptr, &event_callback,
                    &connection);
  bufferevent* stream = guard->stream;
  if (event_callback == nullptr || connection == nullptr) {
    // evhttp failed to set the connection up and freed it already.
    Destroy(guard);
    bufferevent_decref(stream);
    return;
  }
  guard->connection = static_cast<evhttp_connection*>(connection);
  guards[guard->connection] = guard;
  evhttp_connection_set_closecb(guard->connection, &OnConnectionClose, guard);
  bufferevent_decref(stream);  // the connection owns the stream from now on
  ArmDeadline(guard);
}

// evhttp's stream factory: the socket bufferevent it would make itself, with
// a guard that attaches once evhttp has wrapped it in a connection.
bufferevent* MakeStream(event_base* base, void* arg) {
  bufferevent* stream = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  if (stream == nullptr) return nullptr;
  auto* guard = new Guard;
  guard->timeouts = static_cast<const ReadTimeouts*>(arg);
  guard->stream = stream;
  guard->deadline = evtimer_new(base, &OnDeadline, guard);
  guard->input_watch =
      evbuffer_add_cb(bufferevent_get_input(stream), &OnInput, guard);
  // Held until OnAccepted: should evhttp free the stream before then, the
  // guard must not read freed memory.
  bufferevent_incref(stream);
  // With no timeout the callback runs in this same loop pass, before the
  // new socket can be polled for bytes.
  event_base_once(base, -1, EV_TIMEOUT, &OnAccepted, guard, nullptr);
  return stream;
}

void OnResponseSent(evhttp_request*, void* arg) {
  auto* guard = static_cast<Guard*>(arg);
  guard->application_holds_request = false;
  ArmDeadline(guard);
}

}  // namespace

void RegisterReadTimeoutFlags(FlagParser* parser, ReadTimeouts* timeouts) {
  for (const auto& flag :
       {std::tuple{"header-timeout", &timeouts->header,
                   "seconds a request may take to send its headers, from "
                   "its first byte (default 10)"},
        std::tuple{"body-timeout", &timeouts->body,
                   "seconds a request may take to send its body, after its "
                   "headers (default 10)"}}) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture
    // one in a lambda.
    std::chrono::milliseconds* target = std::get<1>(flag);
    parser->AddCustom(
        std::get<0>(flag), "SECONDS",
        [target](std::string_view value) {
          const std::optional<double> seconds = ParseDouble(value);
          if (!seconds || !(*seconds >= 0.001) || *seconds > 86400)
            return Status::Error(
                "must be a number of seconds from 0.001 to 86400");
          *target = std::chrono::milliseconds(
              static_cast<int64_t>(*seconds * 1000 + 0.5));
          return Status::Ok();
        },
        std::get<2>(flag));
  }
}

void GuardConnections(evhttp* http, const ReadTimeouts* timeouts) {
  evhttp_set_bevcb(http, &MakeStream, const_cast<ReadTimeouts*>(timeouts));
}

void GuardRequestDispatched(evhttp_request* request) {
  Guard* guard = FindGuard(evhttp_request_get_connection(request));
  if (guard == nullptr) return;
  guard->application_holds_request = true;
  guard->awaiting_first_request = false;
  evtimer_del(guard->deadline);
  evhttp_request_set_on_complete_cb(request, &OnResponseSent, guard);
}

void SetConnectionCloseCallback(evhttp_connection* connection,
                                ConnectionCloseCallback callback, void* arg) {
  if (connection == nullptr) return;
  if (Guard* guard = FindGuard(connection)) {
    guard->close_callback = callback;
    guard->close_arg = arg;
  } else {
    evhttp_connection_set_closecb(connection, callback, arg);
  }
}

}  // namespace loadgate::services
