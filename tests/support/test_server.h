// A scripted HTTP/1.1 (and HTTPS) server on 127.0.0.1 for tests.
//
// Thread per connection with blocking sockets: simple enough to trust as the
// reference side of a test, and concurrent enough for the few dozen
// connections a test opens. Handlers decide, per path, how each response is
// framed (Content-Length, chunked, Server-Sent Events, a streamed JSON array)
// and whether the connection survives it; the server itself can stall all
// request handling once (to demonstrate coordinated omission) and counts what
// it received so tests can compare it with what the client reported.
//
//   TestServer server;
//   server.Handle("/ok", Respond(200, "hello"));
//   server.Handle("/items/*", CloseAfter(Respond(200, "{}", kJson)));
//   ... run the client against server.base_url() ...
//   EXPECT_EQ(server.requests(), ...);
#ifndef LOADGATE_TESTS_SUPPORT_TEST_SERVER_H_
#define LOADGATE_TESTS_SUPPORT_TEST_SERVER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace loadgate::test_support {

inline constexpr std::string_view kJson = "application/json";
inline constexpr std::string_view kText = "text/plain";

// One request as the server read it.
struct HttpRequest {
  std::string method;
  std::string target;   // as sent: path and query
  std::string path;     // target without the query
  std::string version;  // "HTTP/1.1"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  uint64_t number = 0;  // 1-based, in the order the server received requests
  uint64_t number_on_connection = 0;  // 1-based, per connection

  // Value of the first header named `name` (case-insensitive); "" if absent.
  std::string_view Header(std::string_view name) const;
};

class TestServer;
class Transport;

// Writes the response to one request. Handlers run on the connection's
// thread and may block (ResponseWriter::Sleep returns early when the server
// stops, so a stopped server never waits for a sleeping handler).
class ResponseWriter {
 public:
  ResponseWriter(TestServer& server, Transport& transport,
                 bool close_requested);

  // Adds "Connection: close" to the response and closes the connection
  // after it. Call before the status line is written.
  void CloseAfterResponse() { close_after_ = true; }

  // A complete response with a Content-Length body.
  void Send(int status, std::string_view body,
            std::string_view content_type = kText,
            const std::vector<std::pair<std::string, std::string>>&
                extra_headers = {});

  // A chunked response: the status line and headers, then one HTTP chunk per
  // SendChunk call (so tests control where the client sees boundaries), then
  // the terminating zero-size chunk.
  void StartChunked(int status, std::string_view content_type);
  void SendChunk(std::string_view data);
  void EndChunked();

  // Bytes exactly as given, for malformed or hand-framed responses.
  void WriteRaw(std::string_view bytes);

  // Drops the connection now (FIN), whatever was promised so far.
  void Abort();
  // Resets the connection now (RST), as a crashed or overloaded server does.
  void Reset();

  // Waits `duration`; false (early) when the server is stopping.
  bool Sleep(std::chrono::nanoseconds duration);

  // False once a write failed (the client went away), the connection was
  // aborted, or the server is stopping.
  bool ok() const;
  bool connection_closing() const { return close_after_ || aborted_; }
  bool started() const { return started_; }

 private:
  void WriteHead(
      int status, std::string_view content_type,
      std::string_view framing_header,
      const std::vector<std::pair<std::string, std::string>>& extra_headers);

  TestServer& server_;
  Transport& transport_;
  bool close_after_;
  bool started_ = false;
  bool aborted_ = false;
  bool write_failed_ = false;
};

using Handler = std::function<void(const HttpRequest&, ResponseWriter&)>;

class TestServer {
 public:
  struct Options {
    // Serve HTTPS with a self-signed certificate for localhost / 127.0.0.1
    // / ::1 generated at construction (see certificate_pem()).
    bool tls = false;
    // Close a keep-alive connection that stays idle this long between
    // requests, without announcing it (as Node.js' keepAliveTimeout and
    // nginx's keepalive_timeout do). 0 = never.
    std::chrono::nanoseconds idle_timeout{0};
  };

  TestServer();
  explicit TestServer(Options options);
  ~TestServer();  // Stop()
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // Routes requests whose path equals `pattern`, or starts with it when it
  // ends in '*'. The most recently added matching route wins, so a test can
  // change a path's behaviour in the middle of a run. Unrouted paths get 404.
  void Handle(std::string pattern, Handler handler);

  // Once request number `at_request` arrives, every request (that one
  // included, on any connection) waits until `duration` after its arrival
  // before its handler runs: a server-wide stall such as a GC pause.
  void StallOnce(uint64_t at_request, std::chrono::nanoseconds duration);

  // Closes the listening socket and every connection, wakes sleeping and
  // hanging handlers, and joins all threads: the server "dies". Idempotent.
  void Stop();

  uint16_t port() const { return port_; }
  std::string base_url() const;  // "http://127.0.0.1:<port>" or https://
  // PEM of the self-signed certificate (TLS mode), for a client to trust.
  const std::string& certificate_pem() const { return certificate_pem_; }

  uint64_t requests() const { return requests_.load(); }
  uint64_t connections() const { return connections_.load(); }
  // Every request target received, in arrival order.
  std::vector<std::string> targets() const;
  uint64_t CountTarget(std::string_view target) const;

 private:
  friend class ResponseWriter;
  struct Connection {
    int fd = -1;
    std::thread thread;
    std::atomic<bool> finished{false};
  };
  struct TlsContext;

  void AcceptLoop();
  void Serve(Connection& connection);
  void ServeRequests(Transport& transport);
  // Numbers and records the request and applies the stall; false when
  // stopping.
  bool Admit(HttpRequest& request);
  Handler FindHandler(std::string_view path) const;
  // Joins and closes connections whose thread has finished.
  void ReapFinished();
  bool stopping() const { return stopping_.load(); }
  // Waits until `deadline`; false (early) when stopping.
  bool WaitUntil(std::chrono::steady_clock::time_point deadline);

  std::unique_ptr<TlsContext> tls_;
  std::chrono::nanoseconds idle_timeout_;
  std::string certificate_pem_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread accept_thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> connections_{0};

  mutable std::mutex mutex_;      // guards everything below
  std::condition_variable wake_;  // signalled by Stop()
  std::vector<std::pair<std::string, Handler>> routes_;
  std::list<Connection> live_;
  std::vector<std::string> targets_;
  uint64_t stall_at_request_ = 0;
  std::chrono::nanoseconds stall_duration_{0};
  std::chrono::steady_clock::time_point stall_until_{};
};

// A port on 127.0.0.1 that refuses connections: a socket is bound to it
// (so no other process takes it) but never listens.
class RefusingPort {
 public:
  RefusingPort();
  ~RefusingPort();
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;

  uint16_t port() const { return port_; }
  std::string base_url() const;

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// The reason phrase of `status` ("OK", "Not Found", ...), "Status" for one
// the server has no phrase for: for handlers that write a head by hand.
std::string_view ReasonPhrase(int status);

// --- Handlers (test_server_handlers.cc)
// ---------------------------------------

// A Content-Length response.
Handler Respond(int status, std::string body,
                std::string_view content_type = kText);
// `handler`, with "Connection: close" and the connection closed after it.
Handler CloseAfter(Handler handler);
// `handler`, after waiting `delay`.
Handler Delayed(std::chrono::nanoseconds delay, Handler handler);
// A chunked response, one HTTP chunk per element of `chunks`, waiting `gap`
// between chunks.
Handler RespondChunked(int status, std::vector<std::string> chunks,
                       std::string_view content_type = kText,
                       std::chrono::nanoseconds gap = {});
// Never responds; returns only when the server stops.
Handler Hang();
// Promises a Content-Length body of `promised_bytes`, sends `sent_bytes` of
// it, then drops the connection.
Handler AbortMidBody(size_t promised_bytes, size_t sent_bytes);
// A body delimited by closing the connection (neither Content-Length nor
// chunked), as HTTP/1.0-era servers send it.
Handler RespondUntilClose(int status, std::string body);

// A streamed LLM completion as the providers send it.
struct LlmStream {
  enum class Format {
    // text/event-stream, "data: {json}\n\n" chunks with
    // choices[0].delta.content, ending in "data: [DONE]".
    kOpenAiSse,
    // text/event-stream with CRLF framing ("data: {json}\r\n\r\n"),
    // candidates[0].content.parts[0].text, no [DONE] (Gemini alt=sse).
    kGeminiSse,
    // application/json, a JSON array streamed element by element
    // (Gemini streamGenerateContent without alt=sse).
    kGeminiJsonArray,
  };
  Format format = Format::kOpenAiSse;
  // Text of each content event, in order.
  std::vector<std::string> pieces = {"Hello", ",", " world", "!"};
  // A first event with no content: OpenAI's
  // {"role":"assistant","content":""} delta, or a Gemini part with "".
  bool role_event_first = false;
  // Before the first event (of any kind).
  std::chrono::nanoseconds first_event_delay{0};
  // Between the role-only event and the first content event.
  std::chrono::nanoseconds first_content_delay{0};
  // Between consecutive content events.
  std::chrono::nanoseconds gap{0};
  // Usage reported in the final chunk when non-negative.
  int prompt_tokens = -1;
  int output_tokens = -1;
};
// The whole stream as the events (HTTP chunks) the handler sends, in order;
// exposed so a test can compare the bytes with what a parser extracted.
std::vector<std::string> LlmStreamEvents(const LlmStream& stream);
Handler StreamLlm(LlmStream stream);

}  // namespace loadgate::test_support

#endif  // LOADGATE_TESTS_SUPPORT_TEST_SERVER_H_
