#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include "http/url.h"

namespace loadgate::http {
namespace {

using ::testing::HasSubstr;

TEST(UrlTest, DefaultsPortAndPath) {
  const Url url = ParseUrl("http://example.com");
  EXPECT_EQ(url.scheme, "http");
  EXPECT_EQ(url.host, "example.com");
  EXPECT_EQ(url.port, 80);
  EXPECT_EQ(url.target, "/");
  EXPECT_FALSE(url.tls());
  EXPECT_EQ(url.HostHeader(), "example.com");

  const Url secure = ParseUrl("https://example.com");
  EXPECT_EQ(secure.port, 443);
  EXPECT_TRUE(secure.tls());
}

TEST(UrlTest, ExplicitPortPathQueryAndFragment) {
  const Url url =
      ParseUrl("HTTPS://Api.Example.COM:8443/v1/chat?stream=true#top");
  EXPECT_EQ(url.scheme, "https");
  EXPECT_EQ(url.host, "api.example.com");
  EXPECT_EQ(url.port, 8443);
  EXPECT_EQ(url.target, "/v1/chat?stream=true");
  EXPECT_EQ(url.HostHeader(), "api.example.com:8443");
  EXPECT_EQ(url.ToString(), "https://api.example.com:8443/v1/chat?stream=true");
}

TEST(UrlTest, QueryWithoutPath) {
  EXPECT_EQ(ParseUrl("http://h?q=1").target, "/?q=1");
  EXPECT_EQ(ParseUrl("http://h#frag").target, "/");
}

TEST(UrlTest, DefaultPortIsOmittedFromHostHeader) {
  EXPECT_EQ(ParseUrl("http://h:80/").HostHeader(), "h");
  EXPECT_EQ(ParseUrl("https://h:443/").HostHeader(), "h");
  EXPECT_EQ(ParseUrl("http://h:443/").HostHeader(), "h:443");
}

TEST(UrlTest, Ipv6Literals) {
  const Url url = ParseUrl("http://[::1]:8080/x");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 8080);
  EXPECT_EQ(url.target, "/x");
  EXPECT_EQ(url.HostHeader(), "[::1]:8080");
  EXPECT_EQ(ParseUrl("https://[::1]").HostHeader(), "[::1]");
  EXPECT_EQ(ParseUrl("http://[2001:DB8::7]/").host, "2001:db8::7");
  EXPECT_EQ(ParseUrl("http://127.0.0.1:9/").host, "127.0.0.1");
}

TEST(UrlTest, RejectsBadUrlsWithAHelpfulMessage) {
  try {
    ParseUrl("ftp://x");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "bad URL \"ftp://x\": expected http:// or https:// followed "
                 "by a host");
  }
  struct Case {
    std::string_view url;
    std::string_view why;
  };
  for (const Case& c : {
           Case{"example.com/x", "expected http:// or https://"},
           Case{"http://", "followed by a host"},
           Case{"http:///path", "followed by a host"},
           Case{"http://:80/", "followed by a host"},
           Case{"http://h:/", "expected a port"},
           Case{"http://h:0/", "port must be a number from 1 to 65535"},
           Case{"http://h:65536/", "port must be a number"},
           Case{"http://h:8o/", "port must be a number"},
           Case{"http://[::1/", "expected ']'"},
           Case{"http://[]/", "IPv6 address"},
           Case{"http://[zz::1]/", "IPv6 address"},
           Case{"http://[::1]x/", "expected ':port'"},
           Case{"http://user@h/", "user information"},
           Case{"http://h h/", "host contains"},
           Case{"http://h/a b", "whitespace"},
       }) {
    try {
      ParseUrl(c.url);
      ADD_FAILURE() << "accepted " << c.url;
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), HasSubstr(std::string(c.why))) << c.url;
      EXPECT_THAT(e.what(), HasSubstr("\"" + std::string(c.url) + "\""));
    }
  }
}

TEST(UrlTest, JoinFollowsRfc3986Examples) {
  // RFC 3986 section 5.4 (fragments are dropped: they never reach a server).
  constexpr std::string_view kBase = "http://a/b/c/d;p?q";
  struct Case {
    std::string_view reference;
    std::string_view expected;
  };
  for (const Case& c : {
           Case{"g", "http://a/b/c/g"},
           Case{"./g", "http://a/b/c/g"},
           Case{"g/", "http://a/b/c/g/"},
           Case{"/g", "http://a/g"},
           Case{"//g", "http://g/"},
           Case{"?y", "http://a/b/c/d;p?y"},
           Case{"g?y", "http://a/b/c/g?y"},
           Case{"#s", "http://a/b/c/d;p?q"},
           Case{"g#s", "http://a/b/c/g"},
           Case{";x", "http://a/b/c/;x"},
           Case{"", "http://a/b/c/d;p?q"},
           Case{".", "http://a/b/c/"},
           Case{"./", "http://a/b/c/"},
           Case{"..", "http://a/b/"},
           Case{"../", "http://a/b/"},
           Case{"../g", "http://a/b/g"},
           Case{"../..", "http://a/"},
           Case{"../../g", "http://a/g"},
           Case{"../../../g", "http://a/g"},
           Case{"/./g", "http://a/g"},
           Case{"/../g", "http://a/g"},
           Case{"g.", "http://a/b/c/g."},
           Case{"..g", "http://a/b/c/..g"},
           Case{"./../g", "http://a/b/g"},
           Case{"g/./h", "http://a/b/c/g/h"},
           Case{"g/../h", "http://a/b/c/h"},
           Case{"https://other:444/z", "https://other:444/z"},
       }) {
    EXPECT_EQ(JoinUrl(kBase, c.reference), c.expected) << c.reference;
  }
}

TEST(UrlTest, JoinKeepsPortsAndIpv6Hosts) {
  EXPECT_EQ(JoinUrl("http://[::1]:8080/v1/models", "chat/completions"),
            "http://[::1]:8080/v1/chat/completions");
  EXPECT_EQ(JoinUrl("http://127.0.0.1:9000", "/health"),
            "http://127.0.0.1:9000/health");
  EXPECT_THROW(JoinUrl("not a url", "/x"), std::invalid_argument);
  EXPECT_THROW(JoinUrl("http://h/", "ftp://x/"), std::invalid_argument);
}

}  // namespace
}  // namespace loadgate::http
