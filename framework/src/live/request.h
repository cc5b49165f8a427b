// The little HTTP/1.1 the live server (and `loadgate collect`) speaks: the
// head of a request, the Host check, and complete responses. Pure,
// unit-tested.
#ifndef LOADGATE_LIVE_REQUEST_H_
#define LOADGATE_LIVE_REQUEST_H_

#include <optional>
#include <string>
#include <string_view>

namespace loadgate::live {

struct RequestHead {
  std::string method;
  std::string path;    // the target without its query
  std::string host;    // the Host header, "" when absent
  std::string accept;  // the Accept header, "" when absent (for /metrics)
  // The Content-Length and Transfer-Encoding headers, "" when absent (for
  // the bodies `loadgate collect` receives).
  std::string content_length;
  std::string transfer_encoding;
  // The Expect header, "" when absent: curl sends "100-continue" with a
  // body over 1 KiB and waits (a second) for an interim answer.
  std::string expect;
};

// Whether the client waits for "100 Continue" before sending the body
// (Expect: 100-continue, case-insensitive). A server that will read the
// body sends ContinueResponse() first; one that refuses it answers at once.
bool ExpectsContinue(const RequestHead& head);
std::string_view ContinueResponse();

// Parses a request head: the request line and headers up to and excluding
// the blank line. nullopt when it is not HTTP/1.x.
std::optional<RequestHead> ParseRequestHead(std::string_view head);

// Whether `host` (without a port) names the loopback interface:
// "localhost", 127.0.0.0/8 or ::1 (with or without brackets).
bool IsLoopbackHost(std::string_view host);

// Whether a Host header value ("127.0.0.1:8089", "localhost", "[::1]:80")
// names the loopback interface. Checking it keeps a web page elsewhere from
// reading the view through DNS rebinding; an empty one (HTTP/1.0) passes.
bool IsLoopbackHostHeader(std::string_view host_header);

// A complete response that closes the connection after it.
std::string Response(int status, std::string_view content_type,
                     std::string_view body);

// The head of the event stream; the body is unbounded, ending when the
// connection closes.
std::string_view EventStreamHead();

}  // namespace loadgate::live

#endif  // LOADGATE_LIVE_REQUEST_H_
