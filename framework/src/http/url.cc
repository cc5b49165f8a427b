#include "http/url.h"

#include <charconv>
#include <stdexcept>
#include <string>
#include <string_view>

#include "http/text.h"

namespace loadgate::http {
namespace {

[[noreturn]] void ThrowBadUrl(std::string_view text, std::string_view why) {
  std::string message = "bad URL \"";
  message.append(text);
  message.append("\": ");
  message.append(why);
  throw std::invalid_argument(message);
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (ToLower(text[i]) != prefix[i]) return false;
  }
  return true;
}

std::string Lowered(std::string_view text) {
  std::string result(text);
  for (char& c : result) c = ToLower(c);
  return result;
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

bool IsRegNameChar(char c) {
  // RFC 3986 unreserved / sub-delims / pct-encoded; enough to reject
  // whitespace and delimiters that mean the URL is malformed.
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view("-._~%!$&'()*+,;=").find(c) != kNotFound;
}

uint16_t DefaultPort(std::string_view scheme) {
  return scheme == "https" ? 443 : 80;
}

// Removes "." and ".." segments from an absolute path (RFC 3986 5.2.4).
std::string RemoveDotSegments(std::string_view path) {
  std::string output;
  output.reserve(path.size());
  size_t pos = 0;
  while (pos < path.size()) {
    // Each iteration handles the segment starting at path[pos] (a '/').
    size_t end = path.find('/', pos + 1);
    if (end == kNotFound) end = path.size();
    const std::string_view segment = path.substr(pos + 1, end - pos - 1);
    const bool last = end == path.size();
    if (segment == ".") {
      if (last) output.push_back('/');
    } else if (segment == "..") {
      const size_t parent = output.rfind('/');
      output.resize(parent == kNotFound ? 0 : parent);
      if (last) output.push_back('/');
    } else {
      output.push_back('/');
      output.append(segment);
    }
    pos = end;
  }
  return output.empty() ? "/" : output;
}

// Splits a reference into path and "?query" (fragment dropped: it never
// reaches the server).
void SplitReference(std::string_view reference, std::string_view* path,
                    std::string_view* query) {
  reference = reference.substr(0, reference.find('#'));
  const size_t query_start = reference.find('?');
  *path = reference.substr(0, query_start);
  *query = query_start == kNotFound ? std::string_view()
                                    : reference.substr(query_start);
}

// Whether the reference starts with "scheme:" (RFC 3986 3.1).
bool HasScheme(std::string_view reference) {
  const size_t colon = reference.find(':');
  if (colon == kNotFound || colon == 0) return false;
  for (size_t i = 0; i < colon; ++i) {
    const char c = reference[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alpha && (i == 0 || !((c >= '0' && c <= '9') || c == '+' || c == '-' ||
                               c == '.'))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string Url::HostHeader() const {
  std::string result;
  const bool ipv6 = host.find(':') != std::string::npos;
  if (ipv6) result.push_back('[');
  result.append(host);
  if (ipv6) result.push_back(']');
  if (port != DefaultPort(scheme)) {
    result.push_back(':');
    result.append(std::to_string(port));
  }
  return result;
}

std::string Url::ToString() const {
  return scheme + "://" + HostHeader() + target;
}

// One pass from scheme to fragment, each part checked where it is cut off;
// longer than most functions because the parts are read in order and each
// check needs what the previous cut left.
Url ParseUrl(std::string_view text) {
  Url url;
  std::string_view rest;
  if (StartsWithNoCase(text, "http://")) {
    url.scheme = "http";
    rest = text.substr(7);
  } else if (StartsWithNoCase(text, "https://")) {
    url.scheme = "https";
    rest = text.substr(8);
  } else {
    ThrowBadUrl(text, "expected http:// or https:// followed by a host");
  }
  const size_t authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  if (authority.find('@') != kNotFound) {
    ThrowBadUrl(text, "user information (user@host) is not supported");
  }
  std::string_view host;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == kNotFound) {
      ThrowBadUrl(text, "expected ']' closing the IPv6 address");
    }
    host = authority.substr(1, close - 1);
    if (host.empty() || host.find(':') == kNotFound) {
      ThrowBadUrl(text, "expected an IPv6 address between '[' and ']'");
    }
    for (char c : host) {
      if (!IsHexDigit(c) && c != ':' && c != '.') {
        ThrowBadUrl(text, "expected an IPv6 address between '[' and ']'");
      }
    }
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        ThrowBadUrl(text, "expected ':port' or a path after ']'");
      }
      port_text = after.substr(1);
      if (port_text.empty()) ThrowBadUrl(text, "expected a port after ':'");
    }
  } else {
    const size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != kNotFound) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) ThrowBadUrl(text, "expected a port after ':'");
    }
    for (char c : host) {
      if (!IsRegNameChar(c)) {
        ThrowBadUrl(text, "the host contains a character not allowed there");
      }
    }
  }
  if (host.empty()) {
    ThrowBadUrl(text, "expected http:// or https:// followed by a host");
  }
  url.host = Lowered(host);
  url.port = DefaultPort(url.scheme);
  if (!port_text.empty()) {
    unsigned port = 0;
    const auto [end, error] = std::from_chars(
        port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc() || end != port_text.data() + port_text.size() ||
        port == 0 || port > 65535) {
      ThrowBadUrl(text, "the port must be a number from 1 to 65535");
    }
    url.port = static_cast<uint16_t>(port);
  }
  std::string_view target = authority_end == kNotFound
                                ? std::string_view()
                                : rest.substr(authority_end);
  target = target.substr(0, target.find('#'));
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      ThrowBadUrl(text, "the path contains whitespace or a control character");
    }
  }
  url.target.reserve(target.size() + 1);
  if (target.empty() || target.front() == '?') url.target.push_back('/');
  url.target.append(target);
  return url;
}

std::string JoinUrl(std::string_view base,
                    std::string_view relative_or_absolute) {
  const std::string_view reference = relative_or_absolute;
  if (HasScheme(reference)) return ParseUrl(reference).ToString();
  const Url base_url = ParseUrl(base);
  if (reference.substr(0, 2) == "//") {
    return ParseUrl(base_url.scheme + ":" + std::string(reference)).ToString();
  }
  std::string_view path;
  std::string_view query;
  SplitReference(reference, &path, &query);
  std::string_view base_path;
  std::string_view base_query;
  SplitReference(base_url.target, &base_path, &base_query);

  std::string target;
  if (path.empty()) {
    target = RemoveDotSegments(base_path);
    target.append(query.empty() ? base_query : query);
  } else {
    if (path.front() == '/') {
      target = RemoveDotSegments(path);
    } else {
      // Merge: the reference replaces the base's last segment.
      std::string merged(base_path.substr(0, base_path.rfind('/') + 1));
      merged.append(path);
      target = RemoveDotSegments(merged);
    }
    target.append(query);
  }
  Url joined = base_url;
  joined.target = std::move(target);
  // Validates the reference's characters the same way ParseUrl does.
  return ParseUrl(joined.ToString()).ToString();
}

}  // namespace loadgate::http
