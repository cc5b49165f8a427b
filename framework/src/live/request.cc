#include "live/request.h"

#include <arpa/inet.h>

#include "http/text.h"

namespace loadgate::live {
namespace {

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
  }
  return "Error";
}

}  // namespace

std::optional<RequestHead> ParseRequestHead(std::string_view head) {
  const size_t line_end = head.find('\n');
  std::string_view line = http::Trim(head.substr(0, line_end), " \t\r");
  const size_t method_end = line.find(' ');
  const size_t target_end = line.rfind(' ');
  if (method_end == std::string_view::npos || target_end == method_end ||
      !line.substr(target_end + 1).starts_with("HTTP/1.")) {
    return std::nullopt;
  }
  RequestHead request;
  request.method = line.substr(0, method_end);
  const std::string_view target =
      line.substr(method_end + 1, target_end - method_end - 1);
  request.path = target.substr(0, target.find('?'));
  if (request.method.empty() || !request.path.starts_with('/')) {
    return std::nullopt;
  }
  std::string_view rest =
      line_end == std::string_view::npos ? "" : head.substr(line_end + 1);
  while (!rest.empty()) {
    const size_t end = rest.find('\n');
    const std::string_view header = rest.substr(0, end);
    rest = end == std::string_view::npos ? "" : rest.substr(end + 1);
    const size_t colon = header.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = header.substr(0, colon);
    if (http::EqualsNoCase(name, "host")) {
      request.host = http::Trim(header.substr(colon + 1), " \t\r");
    } else if (http::EqualsNoCase(name, "content-length")) {
      request.content_length = http::Trim(header.substr(colon + 1), " \t\r");
    } else if (http::EqualsNoCase(name, "transfer-encoding")) {
      request.transfer_encoding = http::Trim(header.substr(colon + 1), " \t\r");
    } else if (http::EqualsNoCase(name, "expect")) {
      request.expect = http::Trim(header.substr(colon + 1), " \t\r");
    } else if (http::EqualsNoCase(name, "accept")) {
      request.accept = http::Trim(header.substr(colon + 1), " \t\r");
    }
  }
  return request;
}

bool ExpectsContinue(const RequestHead& head) {
  return http::EqualsNoCase(head.expect, "100-continue");
}

std::string_view ContinueResponse() { return "HTTP/1.1 100 Continue\r\n\r\n"; }

bool IsLoopbackHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (http::EqualsNoCase(host, "localhost")) return true;
  const std::string text(host);
  in_addr v4;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6;
  return inet_pton(AF_INET6, text.c_str(), &v6) == 1 &&
         IN6_IS_ADDR_LOOPBACK(&v6);
}

bool IsLoopbackHostHeader(std::string_view host_header) {
  if (host_header.empty()) return true;
  std::string_view host = host_header;
  if (host.front() == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else if (const size_t colon = host.find(':');
             colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  return IsLoopbackHost(host);
}

std::string Response(int status, std::string_view content_type,
                     std::string_view body) {
  std::string response = "HTTP/1.1 " + std::to_string(status) + " ";
  response += ReasonPhrase(status);
  response += "\r\nContent-Type: ";
  response += content_type;
  response += "\r\nContent-Length: " + std::to_string(body.size());
  response +=
      "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff"
      "\r\nConnection: close\r\n\r\n";
  response += body;
  return response;
}

std::string_view EventStreamHead() {
  // "retry" makes a viewer reconnect after a second when the stream drops
  // (e.g. between two processes on the same port).
  return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
         "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
         "Connection: close\r\n\r\nretry: 1000\n\n";
}

}  // namespace loadgate::live
