#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "http/request_writer.h"

namespace loadgate::http {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

TEST(RequestWriterTest, GetWithoutBody) {
  std::string out;
  const Headers headers = {{"Accept", "*/*"}, {"User-Agent", "loadgate"}};
  AppendRequest(out, "GET", "/v1/models?x=1", "localhost:8080", headers, "");
  EXPECT_EQ(out,
            "GET /v1/models?x=1 HTTP/1.1\r\n"
            "Host: localhost:8080\r\n"
            "Accept: */*\r\n"
            "User-Agent: loadgate\r\n"
            "\r\n");
}

TEST(RequestWriterTest, PostWithBody) {
  std::string out;
  const Headers headers = {{"Content-Type", "application/json"}};
  AppendRequest(out, "POST", "/v1/chat/completions", "[::1]:9000", headers,
                "{\"stream\":true}");
  EXPECT_EQ(out,
            "POST /v1/chat/completions HTTP/1.1\r\n"
            "Host: [::1]:9000\r\n"
            "Content-Type: application/json\r\n"
            "Content-Length: 15\r\n"
            "\r\n"
            "{\"stream\":true}");
}

TEST(RequestWriterTest, ContentLengthForBodyMethodsAndBodies) {
  std::string out;
  AppendRequest(out, "PUT", "/x", "h", {}, "");
  EXPECT_EQ(out, "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
  out.clear();
  AppendRequest(out, "DELETE", "/x", "h", {}, "");
  EXPECT_EQ(out, "DELETE /x HTTP/1.1\r\nHost: h\r\n\r\n");
  out.clear();
  AppendRequest(out, "DELETE", "/x", "h", {}, "ab");
  EXPECT_EQ(out,
            "DELETE /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nab");
  out.clear();
  AppendRequest(out, "GET", "", "h", {}, "");
  EXPECT_EQ(out, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
}

TEST(RequestWriterTest, ExplicitHostAndContentLengthReplaceGeneratedOnes) {
  std::string out;
  const Headers headers = {{"host", "virtual.example"},
                           {"content-length", "3"}};
  AppendRequest(out, "PATCH", "/x", "h", headers, "abc");
  EXPECT_EQ(out,
            "PATCH /x HTTP/1.1\r\n"
            "host: virtual.example\r\n"
            "content-length: 3\r\n"
            "\r\n"
            "abc");
}

TEST(RequestWriterTest, AppendsForPipelining) {
  std::string out = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
  AppendRequest(out, "GET", "/b", "h", {}, "");
  EXPECT_EQ(out,
            "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
            "GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
}

TEST(RequestWriterTest, ReusesTheBufferWithoutReallocating) {
  std::string out;
  out.reserve(1024);
  const char* const data = out.data();
  const size_t capacity = out.capacity();
  const Headers headers = {{"Content-Type", "application/json"},
                           {"Authorization", "Bearer test-key"}};
  for (int i = 0; i < 100; ++i) {
    out.clear();
    AppendRequest(out, "POST", "/v1/chat/completions", "127.0.0.1:8080",
                  headers, "{\"model\":\"m\",\"stream\":true}");
  }
  EXPECT_EQ(out.data(), data);
  EXPECT_EQ(out.capacity(), capacity);
}

}  // namespace
}  // namespace loadgate::http
