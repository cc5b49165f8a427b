// Both services under hostile traffic: the real mock-llm and sample-app
// binaries fed truncated, oversized, ambiguously framed, deeply nested,
// non-UTF-8 and slow requests over raw sockets on 127.0.0.1. Each request
// must be refused with a 4xx or have its connection closed, and after each
// one the service must still be running and answer /health within 100 ms.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "support/run_command.h"
#include "support/service_process.h"
#include "support/temp_dir.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using loadgate::test_support::ServiceProcess;
using loadgate::test_support::TempDir;

const std::string kSampleApp = LOADGATE_BINARY_DIR "/bin/sample-app";
const std::string kMockLlm = LOADGATE_BINARY_DIR "/bin/mock-llm";

// The services run with short read deadlines so the slow-client cases stay
// quick; the bound a slow connection must be closed in adds kCloseSlack.
constexpr auto kReadTimeout = 1s;
constexpr auto kCloseSlack = 1500ms;
// How fast /health must answer after each hostile request.
constexpr auto kHealthBudget = 100ms;
// How long a hostile request may wait for its answer (or the close).
constexpr auto kAnswerWait = 3s;

std::string Millis(Clock::duration duration) {
  return std::to_string(
             std::chrono::duration_cast<std::chrono::milliseconds>(duration)
                 .count()) +
         " ms";
}

// A blocking TCP connection to 127.0.0.1:port whose sends give up after a
// few seconds (a server that stops reading must not hang the test).
class Connection {
 public:
  explicit Connection(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    timeval send_timeout{3, 0};
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &send_timeout,
               sizeof(send_timeout));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
        0)
      throw std::runtime_error("cannot connect to port " +
                               std::to_string(port));
  }
  ~Connection() { close(fd_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // False once the peer has closed or reset the connection.
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  void CloseSending() { shutdown(fd_, SHUT_WR); }

  // Reads until the server closes the connection or `deadline`; true if it
  // closed (an orderly close or a reset).
  bool ReadUntilClosed(Clock::time_point deadline) {
    char buffer[16384];
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - Clock::now());
      if (left <= 0ms) return false;
      pollfd entry{fd_, POLLIN, 0};
      if (poll(&entry, 1, static_cast<int>(left.count())) <= 0) continue;
      const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) return true;
      received_.append(buffer, static_cast<size_t>(n));
    }
  }
  // Whether the server has closed the connection, without waiting.
  bool ClosedByPeer() {
    char buffer[4096];
    while (true) {
      const ssize_t n = recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT);
      if (n > 0) {
        received_.append(buffer, static_cast<size_t>(n));
        continue;
      }
      return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    }
  }

  const std::string& received() const { return received_; }

 private:
  int fd_;
  std::string received_;
};

// What the server did with one request.
struct Reply {
  std::string bytes;  // everything it sent
  bool closed = false;
  Clock::duration elapsed{};

  // The status of the first response; 0 when there is none.
  int status() const {
    if (!bytes.starts_with("HTTP/1.") || bytes.size() < 12) return 0;
    return std::atoi(bytes.substr(9, 3).c_str());
  }
  int responses() const {
    int count = 0;
    for (size_t at = bytes.find("HTTP/1."); at != std::string::npos;
         at = bytes.find("HTTP/1.", at + 1))
      ++count;
    return count;
  }
};

// Sends `request` on a new connection (then ends the sending side when
// `half_close`) and reads until the server closes or kAnswerWait passes.
Reply Exchange(int port, std::string_view request, bool half_close = false) {
  const auto start = Clock::now();
  Connection connection(port);
  connection.Send(request);  // the server may close before it has all
  if (half_close) connection.CloseSending();
  Reply reply;
  reply.closed = connection.ReadUntilClosed(start + kAnswerWait);
  reply.bytes = connection.received();
  reply.elapsed = Clock::now() - start;
  return reply;
}

std::string Post(std::string_view target, std::string_view body) {
  return "POST " + std::string(target) +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         "Connection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

std::string Get(std::string_view target) {
  return "GET " + std::string(target) +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
}

// A request the service must refuse: a 4xx, or a close without an answer.
void ExpectRefused(const Reply& reply, std::string_view what) {
  if (reply.status() == 0) {
    EXPECT_TRUE(reply.closed) << what << ": neither answered nor closed within "
                              << Millis(kAnswerWait);
  } else {
    EXPECT_GE(reply.status(), 400) << what << ":\n" << reply.bytes;
    EXPECT_LT(reply.status(), 500) << what << ":\n" << reply.bytes;
  }
}

void ExpectStatus(const Reply& reply, int status, std::string_view what) {
  EXPECT_EQ(reply.status(), status) << what << ":\n" << reply.bytes;
}

// One service and the requests that reach its JSON parsers and its routes.
struct ServiceUnderTest {
  std::string name;
  std::function<std::vector<std::string>(const TempDir& dir)> command;
  std::vector<std::string> json_targets;  // POST targets that take JSON
  // Targets with raw or percent-encoded bytes that are not UTF-8, or with
  // a broken escape.
  std::vector<std::string> non_utf8_targets;
};

// Test names show the service, not the bytes of the parameter.
void PrintTo(const ServiceUnderTest& service, std::ostream* out) {
  *out << service.name;
}

std::vector<std::string> ReadTimeoutFlags() {
  const std::string seconds =
      std::to_string(std::chrono::duration<double>(kReadTimeout).count());
  return {"--header-timeout=" + seconds, "--body-timeout=" + seconds};
}

ServiceUnderTest MockLlm() {
  return {
      "mock_llm",
      [](const TempDir&) {
        std::vector<std::string> args = {kMockLlm, "--port=0", "--threads=2"};
        for (std::string& flag : ReadTimeoutFlags()) args.push_back(flag);
        return args;
      },
      {"/v1/chat/completions", "/v1/completions", "/v1/embeddings",
       "/v1/messages", "/v1beta/models/mock:generateContent",
       "/v1beta/models/mock:streamGenerateContent",
       "/v1beta/models/mock:countTokens",
       "/v1/projects/p/locations/l/publishers/google/models/"
       "mock:generateContent",
       "/admin/config"},
      {"/v1beta/models/\xff:generateContent", "/v1/\xc3\x28",
       "/v1beta/models/%FF:generateContent", "/v1/models?key=%C0%AF",
       "/v1/models?key=\xff", "/v1/models?key=%zz", "/health?x=%F"},
  };
}

ServiceUnderTest SampleApp() {
  return {
      "sample_app",
      [](const TempDir& dir) {
        std::vector<std::string> args = {
            kSampleApp, "--port=0", "--threads=2",
            "--db=sqlite:" + (dir.path() / "app.db").string(), "--patients=20",
            // Nothing listens there: no request here reaches the LLM.
            "--llm-url=http://127.0.0.1:1"};
        for (std::string& flag : ReadTimeoutFlags()) args.push_back(flag);
        return args;
      },
      {"/triage", "/sessions", "/sessions/0123456789abcdef/events"},
      {"/patients/\xff", "/patients/\xff/summary", "/sessions/\xff/events",
       "/patients/%FF", "/encounters?status=%FF", "/claims?status=\xed\xa0\x80",
       "/documents?kind=%zz", "/encounters?status=%F"},
  };
}

class HostileTrafficTest : public testing::TestWithParam<ServiceUnderTest> {
 protected:
  void SetUp() override {
    service_ = std::make_unique<ServiceProcess>(GetParam().command(dir_));
  }

  int port() const { return service_->port(); }

  // The service still runs and answers GET /health within kHealthBudget
  // (one retry, so a single scheduling hiccup is not a failure).
  void ExpectHealthy(std::string_view after) {
    const std::string ended = service_->Ended();
    ASSERT_TRUE(ended.empty()) << "the service " << ended << " after " << after;
    Reply reply;
    for (int attempt = 0; attempt < 2; ++attempt) {
      reply = Exchange(port(), Get("/health"));
      if (reply.status() == 200 && reply.elapsed <= kHealthBudget) return;
    }
    ADD_FAILURE() << "after " << after << ": /health answered "
                  << reply.status() << " in " << Millis(reply.elapsed)
                  << " (budget " << Millis(kHealthBudget) << ")";
  }

  // Sends each request on its own connection; each must be refused.
  void ExpectAllRefused(const std::vector<std::string>& requests,
                        bool half_close = false) {
    for (const std::string& request : requests) {
      const std::string what = Printable(request);
      ExpectRefused(Exchange(port(), request, half_close), what);
      ExpectHealthy(what);
    }
  }

  // The start of a request, with its bytes escaped, for failure messages.
  static std::string Printable(std::string_view request) {
    std::string text;
    for (char c : request.substr(0, 120)) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '\r') {
        text += "\\r";
      } else if (c == '\n') {
        text += "\\n";
      } else if (u < 0x20 || u >= 0x7f) {
        char hex[8];
        std::snprintf(hex, sizeof(hex), "\\x%02x", u);
        text += hex;
      } else {
        text += c;
      }
    }
    if (request.size() > 120)
      text += "... (" + std::to_string(request.size()) + " bytes)";
    return text;
  }

  TempDir dir_;
  std::unique_ptr<ServiceProcess> service_;
};

TEST_P(HostileTrafficTest, TruncatedRequestsAreDropped) {
  const std::string target = GetParam().json_targets.front();
  const std::string whole = Post(target, "{\"model\":\"m\"}");
  std::vector<std::string> truncated;
  for (size_t length : {size_t{1}, size_t{4}, size_t{12}, whole.find("\r\n"),
                        whole.find("\r\n\r\n") + 2, whole.size() - 3})
    truncated.push_back(whole.substr(0, length));
  ExpectAllRefused(truncated, /*half_close=*/true);
}

TEST_P(HostileTrafficTest, OneMegabyteOfHeadersIsRefused) {
  ExpectAllRefused({
      "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " +
          std::string(1 << 20, 'a') + "\r\n\r\n",
      "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
          [] {
            std::string many;
            for (int i = 0; i < 40000; ++i)
              many += "X-" + std::to_string(i) + ": v\r\n";
            return many;
          }() +
          "\r\n",
      "GET /" + std::string(1 << 20, 'a') + " HTTP/1.1\r\n\r\n",
  });
}

TEST_P(HostileTrafficTest, BadContentLengthsAreRefused) {
  const std::string target = GetParam().json_targets.front();
  const std::string head =
      "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  ExpectStatus(Exchange(port(), head + "Content-Length: 99999999999\r\n\r\n"),
               413, "a Content-Length over the body limit");
  ExpectHealthy("a Content-Length over the body limit");
  ExpectAllRefused({
      head + "Content-Length: 18446744073709551617\r\n\r\n{}",
      head + "Content-Length: -1\r\n\r\n{}",
      head + "Content-Length: -99999999999\r\n\r\n",
      head + "Content-Length: 2x\r\n\r\n{}",
      head + "Content-Length: 2\r\nContent-Length: 20\r\n\r\n{}",
      "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1e3\r\n\r\n",
  });
}

TEST_P(HostileTrafficTest, InvalidChunkingIsRefusedWith400) {
  const std::string head = "POST " + GetParam().json_targets.front() +
                           " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n";
  for (const std::string& body : {
           std::string("zz\r\n{}\r\n0\r\n\r\n"),                 // not hex
           std::string("-2\r\n{}\r\n0\r\n\r\n"),                 // negative
           std::string("2;ext=1\r\n{}\r\n0\r\n\r\n"),            // an extension
           std::string("fffffffffffffffff\r\n{}\r\n0\r\n\r\n"),  // 17 digits
           std::string("\r\n2\r\n{}\r\n0\r\n\r\n"),              // empty size
           std::string("2\r\n{}XX\r\n0\r\n\r\n"),                // no CRLF
           std::string("2\r\n{}\r1\r\n}\r\n0\r\n\r\n"),          // CR alone
       }) {
    const std::string what = "chunked body " + Printable(body);
    ExpectStatus(Exchange(port(), head + body), 400, what);
    ExpectHealthy(what);
  }
}

TEST_P(HostileTrafficTest, AmbiguousFramingIsRefusedAndNothingIsSmuggled) {
  const std::string target = GetParam().json_targets.front();
  // A GET hidden after the body by one framing and inside it by the other.
  const std::string smuggled =
      "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  for (std::string_view framing : {
           "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
           "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
           "Transfer-Encoding: gzip, chunked\r\nContent-Length: 5\r\n",
           "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n",
           "Transfer-Encoding : chunked\r\nContent-Length: 5\r\n",
           "Transfer-Encoding: xchunked\r\n",
           "X-Folded: a\r\n Transfer-Encoding: chunked\r\n",
       }) {
    const std::string request =
        "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
        std::string(framing) + "\r\n0\r\n\r\n" + smuggled;
    const Reply reply = Exchange(port(), request);
    const std::string what = Printable(framing);
    ExpectStatus(reply, 400, what);
    EXPECT_LE(reply.responses(), 1) << what << ": the smuggled GET was served";
    ExpectHealthy(what);
  }
  // A body on a method without one would be read as the next request.
  const Reply head = Exchange(
      port(), "HEAD /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                  std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled);
  ExpectStatus(head, 400, "HEAD with a body");
  EXPECT_LE(head.responses(), 1) << "the smuggled GET was served";
  ExpectHealthy("HEAD with a body");
}

TEST_P(HostileTrafficTest, DeeplyNestedJsonIsRefused) {
  const std::string arrays(100000, '[');
  const std::string objects = [] {
    std::string text;
    for (int i = 0; i < 50000; ++i) text += "{\"a\":";
    return text;
  }();
  for (const std::string& target : GetParam().json_targets) {
    for (const std::string* body : {&arrays, &objects}) {
      const std::string what = target + " with " +
                               std::to_string(body->size()) +
                               " bytes of nesting";
      ExpectRefused(Exchange(port(), Post(target, *body)), what);
      ExpectHealthy(what);
    }
    // Deep but complete: valid JSON all the same.
    const std::string closed =
        "{\"model\":\"m\",\"input\":" + std::string(5000, '[') + "1" +
        std::string(5000, ']') + "}";
    ExpectRefused(Exchange(port(), Post(target, closed)), target);
    ExpectHealthy(target + " with a closed deep array");
  }
}

TEST_P(HostileTrafficTest, NonUtf8BytesAreRefused) {
  for (const std::string& target : GetParam().non_utf8_targets) {
    const std::string what = "GET " + Printable(target);
    ExpectStatus(Exchange(port(), Get(target)), 400, what);
    ExpectHealthy(what);
  }
  const std::string body =
      "{\"model\":\"m\xff\",\"mrn\":\"\xc0\xaf\",\"query\":\"\xed\xa0\x80\","
      "\"messages\":[{\"role\":\"user\",\"content\":\"\xfe\"}],"
      "\"kind\":\"message\",\"source\":\"customer\",\"message\":\"\xff\"}";
  for (const std::string& target : GetParam().json_targets) {
    const std::string what = "POST " + target + " with a non-UTF-8 body";
    ExpectStatus(Exchange(port(), Post(target, body)), 400, what);
    ExpectHealthy(what);
  }
}

TEST_P(HostileTrafficTest, SlowClientsAreCutOffAtTheReadDeadlines) {
  const auto bound = kReadTimeout + kCloseSlack;
  // A few connections dribble header bytes, one every 50 ms, for ever.
  constexpr int kDribblers = 4;
  std::vector<std::unique_ptr<Connection>> dribblers;
  for (int i = 0; i < kDribblers; ++i)
    dribblers.push_back(std::make_unique<Connection>(port()));
  // One connects and stays silent; one sends its headers, then half its
  // body, then nothing.
  Connection silent(port());
  Connection stalled_body(port());
  ASSERT_TRUE(stalled_body.Send(
      "POST " + GetParam().json_targets.front() +
      " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"a\":"));
  const auto start = Clock::now();
  const std::string header =
      "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " +
      std::string(1000, 'a');
  std::vector<Clock::duration> closed_after(kDribblers, Clock::duration{});
  int open = kDribblers;
  bool checked_health = false;
  for (size_t i = 0; open > 0 && Clock::now() - start < bound + 1s; ++i) {
    for (int d = 0; d < kDribblers; ++d) {
      if (closed_after[d] != Clock::duration{}) continue;
      if (dribblers[d]->ClosedByPeer() ||
          !dribblers[d]->Send(header.substr(i % header.size(), 1))) {
        closed_after[d] = Clock::now() - start;
        --open;
      }
    }
    if (!checked_health && Clock::now() - start > kReadTimeout / 2) {
      ExpectHealthy("slow clients started");
      checked_health = true;
    }
    std::this_thread::sleep_for(50ms);
  }
  for (int d = 0; d < kDribblers; ++d) {
    EXPECT_NE(closed_after[d], Clock::duration{})
        << "dribbling connection " << d << " still open after "
        << Millis(Clock::now() - start);
    EXPECT_LE(closed_after[d], bound) << "dribbling connection " << d;
    EXPECT_EQ(dribblers[d]->received(), "")
        << "a half-sent request got an answer";
  }
  EXPECT_TRUE(silent.ReadUntilClosed(start + bound))
      << "a silent connection is still open after " << Millis(bound);
  EXPECT_TRUE(stalled_body.ReadUntilClosed(start + bound))
      << "a connection with half a body is still open after " << Millis(bound);
  EXPECT_EQ(stalled_body.received(), "");
  ExpectHealthy("slow clients were cut off");
}

// A small body must not make the mock build a huge response: 2,048 empty
// inputs at 8,192 dimensions would be 16 M floats (hundreds of MB of JSON).
TEST(MockLlmHostileTrafficTest, EmbeddingsCannotAskForHugeResponses) {
  TempDir dir;
  ServiceProcess mock(MockLlm().command(dir));
  std::string inputs = "\"\"";
  for (int i = 1; i < 2048; ++i) inputs += ",\"\"";
  const Reply reply =
      Exchange(mock.port(), Post("/v1/embeddings",
                                 "{\"model\":\"m\",\"dimensions\":8192,"
                                 "\"input\":[" +
                                     inputs + "]}"));
  ExpectStatus(reply, 400, "2048 inputs x 8192 dimensions");
  EXPECT_LT(reply.bytes.size(), 4096u);
  EXPECT_EQ(mock.Ended(), "");
}

INSTANTIATE_TEST_SUITE_P(
    Services, HostileTrafficTest, testing::Values(MockLlm(), SampleApp()),
    [](const testing::TestParamInfo<ServiceUnderTest>& info) {
      return info.param.name;
    });

// A probability that is not a number passed every range check by comparing
// false, so "--fault 429=nan" was accepted; it must be refused like 1.5.
TEST(MockLlmFlagsTest, FaultProbabilitiesOutsideZeroToOneAreRefused) {
  TempDir dir;
  for (const char* flag : {"--fault=429=nan", "--fault=429=1.5",
                           "--fault=429=-0.1", "--fault=429=x"}) {
    const loadgate::test_support::CommandResult result =
        loadgate::test_support::RunCommand({kMockLlm, flag, "--port=0"},
                                           dir.path(), 10s);
    EXPECT_NE(result.exit_code, 0) << flag;
    EXPECT_NE(result.err.find("P in [0, 1]"), std::string::npos)
        << flag << ": " << result.err;
  }
}

}  // namespace
