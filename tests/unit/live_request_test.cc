#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "live/request.h"
#include "loadgate/live.h"

namespace loadgate {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string AddressError(std::string_view text) {
  try {
    ParseLiveAddress(text);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "no error";
}

TEST(LiveAddressTest, AcceptsLoopbackForms) {
  LiveAddress address = ParseLiveAddress("8089");
  EXPECT_EQ(address.host, "127.0.0.1");
  EXPECT_EQ(address.port, 8089);
  address = ParseLiveAddress("127.0.0.1:0");
  EXPECT_EQ(address.host, "127.0.0.1");
  EXPECT_EQ(address.port, 0);
  address = ParseLiveAddress("LocalHost:65535");
  EXPECT_EQ(address.host, "127.0.0.1");
  EXPECT_EQ(address.port, 65535);
  address = ParseLiveAddress("[::1]:9000");
  EXPECT_EQ(address.host, "::1");
  EXPECT_EQ(address.port, 9000);
  address = ParseLiveAddress("127.1.2.3:80");
  EXPECT_EQ(address.host, "127.1.2.3");
  address = ParseLiveAddress(":81");
  EXPECT_EQ(address.host, "127.0.0.1");
  EXPECT_EQ(address.port, 81);
}

TEST(LiveAddressTest, RefusesWhatIsNotLoopback) {
  EXPECT_EQ(AddressError("0.0.0.0:8089"),
            "live view address \"0.0.0.0:8089\": 0.0.0.0 is not a loopback "
            "address; the live view has no authentication, so it listens "
            "only on 127.0.0.1, ::1 or localhost");
  EXPECT_THAT(AddressError("192.168.1.5:8089"),
              HasSubstr("192.168.1.5 is not a loopback address"));
  EXPECT_THAT(AddressError("[::]:8089"), HasSubstr(":: is not a loopback"));
  EXPECT_THAT(AddressError("example.com:80"),
              HasSubstr("example.com is not a loopback"));
  EXPECT_THAT(AddressError("[::ffff:10.0.0.1]:80"),
              HasSubstr("is not a loopback"));
}

TEST(LiveAddressTest, SaysWhatWasExpected) {
  for (std::string_view bad : {"", "http", "127.0.0.1", "127.0.0.1:", "1:2:3",
                               "65536", "127.0.0.1:-1", "[::1]", "[::1]8089"}) {
    EXPECT_THAT(AddressError(bad), StartsWith("live view address \"")) << bad;
  }
  EXPECT_THAT(AddressError("::1:8089"), HasSubstr("in brackets, as [::1]"));
  EXPECT_THAT(AddressError("99999"),
              HasSubstr("expected PORT, HOST:PORT or [::1]:PORT"));
}

TEST(LiveRequestTest, ParsesTheRequestHead) {
  const auto request = live::ParseRequestHead(
      "GET /events?x=1 HTTP/1.1\r\nAccept: text/event-stream\r\n"
      "host:  127.0.0.1:8089 \r\n");
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->method, "GET");
  EXPECT_EQ(request->path, "/events");
  EXPECT_EQ(request->host, "127.0.0.1:8089");
  EXPECT_EQ(request->accept, "text/event-stream");  // /metrics negotiates

  const auto bare = live::ParseRequestHead("GET / HTTP/1.0");
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->path, "/");
  EXPECT_EQ(bare->host, "");
  EXPECT_EQ(bare->accept, "");

  EXPECT_FALSE(live::ParseRequestHead("hello"));
  EXPECT_FALSE(live::ParseRequestHead("GET / SPDY/3"));
  EXPECT_FALSE(live::ParseRequestHead("GET nopath HTTP/1.1"));
  EXPECT_FALSE(live::ParseRequestHead(""));
}

TEST(LiveRequestTest, TellsWhenTheClientWaitsForContinue) {
  struct Case {
    std::string_view head;
    bool waits;
  };
  for (const Case& request :
       {Case{"POST /reports HTTP/1.1\r\nContent-Length: 2048\r\n"
             "EXPECT:  100-Continue \r\n",
             true},
        Case{"POST /reports HTTP/1.1\r\nContent-Length: 2", false},
        Case{"POST / HTTP/1.1\r\nExpect: something-else", false}}) {
    const auto head = live::ParseRequestHead(request.head);
    ASSERT_TRUE(head.has_value()) << request.head;
    EXPECT_EQ(live::ExpectsContinue(*head), request.waits) << request.head;
  }
  EXPECT_EQ(live::ContinueResponse(), "HTTP/1.1 100 Continue\r\n\r\n");
}

TEST(LiveRequestTest, HostHeaderMustNameLoopback) {
  for (std::string_view host : {"127.0.0.1:8089", "localhost", "LOCALHOST:1",
                                "[::1]:8089", "[::1]", "127.9.9.9", ""}) {
    EXPECT_TRUE(live::IsLoopbackHostHeader(host)) << host;
  }
  // A page on another site that rebinds its name to 127.0.0.1 still sends
  // its own name.
  for (std::string_view host :
       {"evil.example:8089", "example.com", "10.0.0.1:8089", "[::2]:80",
        "localhost.evil.example", "127.0.0.1.nip.io"}) {
    EXPECT_FALSE(live::IsLoopbackHostHeader(host)) << host;
  }
}

TEST(LiveRequestTest, ResponsesAreCompleteAndClose) {
  EXPECT_EQ(live::Response(404, "text/plain", "not found\n"),
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
            "Content-Length: 10\r\nCache-Control: no-store\r\n"
            "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n"
            "not found\n");
  EXPECT_THAT(std::string(live::EventStreamHead()),
              HasSubstr("Content-Type: text/event-stream\r\n"));
}

}  // namespace
}  // namespace loadgate
