#ifndef LOADGATE_HTTP_REQUEST_WRITER_H_
#define LOADGATE_HTTP_REQUEST_WRITER_H_

#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace loadgate::http {

// Appends one HTTP/1.1 request to `out`:
//   <method> <target> HTTP/1.1\r\n
//   Host: <host_header>\r\n
//   <headers...>\r\n
//   Content-Length: <n>\r\n     (when a body is present, or for POST/PUT/PATCH)
//   \r\n<body>
// Keep-alive is HTTP/1.1's default, so no Connection header is written.
// A Host or Content-Length entry in `headers` replaces the generated one
// (names compare case-insensitively). Never allocates when `out` already has
// the capacity for the request, so a per-connection buffer that is cleared
// and reused costs nothing in steady state.
void AppendRequest(std::string& out, std::string_view method,
                   std::string_view target, std::string_view host_header,
                   std::span<const std::pair<std::string, std::string>> headers,
                   std::string_view body);

}  // namespace loadgate::http

#endif  // LOADGATE_HTTP_REQUEST_WRITER_H_
