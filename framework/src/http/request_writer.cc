#include "http/request_writer.h"

#include <charconv>
#include <string>
#include <string_view>

#include "http/text.h"

namespace loadgate::http {
namespace {

// Methods whose requests carry a body by definition, so servers expect a
// Content-Length even when it is 0.
bool MethodExpectsBody(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

}  // namespace

void AppendRequest(std::string& out, std::string_view method,
                   std::string_view target, std::string_view host_header,
                   std::span<const std::pair<std::string, std::string>> headers,
                   std::string_view body) {
  bool has_host = false;
  bool has_content_length = false;
  for (const auto& [name, value] : headers) {
    has_host = has_host || EqualsNoCase(name, "Host");
    has_content_length =
        has_content_length || EqualsNoCase(name, "Content-Length");
  }
  out.append(method);
  out.push_back(' ');
  out.append(target.empty() ? std::string_view("/") : target);
  out.append(" HTTP/1.1\r\n");
  if (!has_host) {
    out.append("Host: ");
    out.append(host_header);
    out.append("\r\n");
  }
  for (const auto& [name, value] : headers) {
    out.append(name);
    out.append(": ");
    out.append(value);
    out.append("\r\n");
  }
  if (!has_content_length && (!body.empty() || MethodExpectsBody(method))) {
    char digits[24];
    char* end = std::to_chars(digits, digits + sizeof(digits), body.size()).ptr;
    out.append("Content-Length: ");
    out.append(digits, end);
    out.append("\r\n");
  }
  out.append("\r\n");
  out.append(body);
}

}  // namespace loadgate::http
