// A blocking one-shot HTTP/1.1 request for readiness probes and smoke
// checks,
// e.g. "is the service up yet?" from a test fixture:
//
//   HttpProbeResult health = HttpGet("http://127.0.0.1:8080/health", 500ms);
//   if (health.ok()) ...
//
// Plain http:// only: probes talk to services on the loopback interface, and
// a TLS handshake would only add a failure mode to a yes/no question. The
// load engine (engine.h) is the client for anything measured.
#ifndef LOADGATE_HTTP_PROBE_H_
#define LOADGATE_HTTP_PROBE_H_

#include <chrono>
#include <string>
#include <string_view>

namespace loadgate {

struct HttpProbeResult {
  int status = 0;     // HTTP status; 0 when no response was read
  std::string body;   // decoded body (chunk framing removed), capped at 1 MiB
  std::string error;  // why there is no response, e.g. "connect: refused"

  // A complete response with a 2xx status.
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
};

// Connects to the URL's host (a numeric IPv4/IPv6 address or a name, tried
// at each address it resolves to), sends "GET <target>" with "Connection:
// close" and reads the whole response. `timeout` bounds the whole exchange,
// connect included. Never throws: a bad URL, an https:// URL or a malformed
// response is reported in `error`.
HttpProbeResult HttpGet(std::string_view url,
                        std::chrono::milliseconds timeout);

// The same for any method: a smoke request such as a POST of a JSON body.
// `content_type` is sent when `body` is not empty.
HttpProbeResult HttpFetch(std::string_view method, std::string_view url,
                          std::string_view body, std::string_view content_type,
                          std::chrono::milliseconds timeout);

}  // namespace loadgate

#endif  // LOADGATE_HTTP_PROBE_H_
