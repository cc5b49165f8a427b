#ifndef LOADGATE_HTTP_URL_H_
#define LOADGATE_HTTP_URL_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace loadgate::http {

// An absolute http:// or https:// URL split into what a client needs to
// connect and to write a request line.
struct Url {
  std::string scheme;  // "http" or "https", lower-cased
  std::string host;    // lower-cased; IPv6 literals without brackets ("::1")
  uint16_t port = 0;   // explicit port, else 80 / 443
  std::string target;  // path + query, "/" when empty; never the fragment

  bool tls() const { return scheme == "https"; }
  // host[:port] for the Host header: the port is omitted when it is the
  // scheme's default, and IPv6 literals are bracketed.
  std::string HostHeader() const;
  // scheme://HostHeader()target, the canonical text of this URL.
  std::string ToString() const;
};

// Parses an absolute URL. Throws std::invalid_argument naming the text and
// what was expected, e.g.
//   bad URL "ftp://x": expected http:// or https:// followed by a host
Url ParseUrl(std::string_view text);

// Resolves `relative_or_absolute` against the absolute URL `base` the way a
// browser resolves a link (RFC 3986 section 5, without userinfo):
// "http://h/a/b" + "c?x" -> "http://h/a/c?x", + "/d" -> "http://h/d",
// + "//other/e" -> "http://other/e", + "?q" -> "http://h/a/b?q"; an absolute
// URL replaces the base. Dot segments are removed, fragments dropped, and
// the result is in Url::ToString() form. Throws like ParseUrl.
std::string JoinUrl(std::string_view base,
                    std::string_view relative_or_absolute);

}  // namespace loadgate::http

#endif  // LOADGATE_HTTP_URL_H_
