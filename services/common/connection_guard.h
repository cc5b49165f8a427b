// Protects an evhttp server (libevent 2.1) from clients that send requests
// slowly or framed ambiguously.
//
// libevent only has an idle timeout, which a client resets with every byte:
// one byte every few seconds keeps a half-sent request open for ever
// (slowloris). The guard gives each request a deadline for its headers
// (from its first byte) and one for its body (from the end of its headers),
// and closes the connection when one passes. No deadline runs while the
// application holds a request. It also follows the request framing ahead of
// evhttp (see request_framing.h) and answers a refused request with 400 and
// closes the connection, before evhttp can misread it.
#ifndef SERVICES_COMMON_CONNECTION_GUARD_H_
#define SERVICES_COMMON_CONNECTION_GUARD_H_

#include <chrono>

struct evhttp;
struct evhttp_connection;
struct evhttp_request;

namespace loadgate::services {

class FlagParser;

struct ReadTimeouts {
  // From a request's first byte (or from the connection's accept, for the
  // first request) to the end of its headers.
  std::chrono::milliseconds header{10000};
  // From the end of the headers to the last byte of the body.
  std::chrono::milliseconds body{10000};
};

// Adds --header-timeout and --body-timeout (seconds, fractions allowed) to a
// service's flags.
void RegisterReadTimeoutFlags(FlagParser* parser, ReadTimeouts* timeouts);

// Guards every connection `http` accepts from now on. Call on the thread that
// runs `http`'s event base, or before that base runs; `timeouts` must outlive
// `http`.
void GuardConnections(evhttp* http, const ReadTimeouts* timeouts);

// Tells the guard that evhttp handed `request` to the application: the read
// deadlines of its connection pause until the response has been sent.
void GuardRequestDispatched(evhttp_request* request);

// evhttp keeps a single close callback per connection and the guard needs it:
// code that wants to learn that a connection closes sets its callback here
// (null removes it), and the guard forwards the call.
using ConnectionCloseCallback = void (*)(evhttp_connection* connection,
                                         void* arg);
void SetConnectionCloseCallback(evhttp_connection* connection,
                                ConnectionCloseCallback callback, void* arg);

}  // namespace loadgate::services

#endif  // SERVICES_COMMON_CONNECTION_GUARD_H_
