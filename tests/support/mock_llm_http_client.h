// A small blocking HTTP/1.1 client for the mock LLM's tests: one request per
// connection, chunked and Content-Length bodies, a deadline on every read.
#ifndef LOADGATE_TESTS_SUPPORT_MOCK_LLM_HTTP_CLIENT_H_
#define LOADGATE_TESTS_SUPPORT_MOCK_LLM_HTTP_CLIENT_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mock_llm_test {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;  // 0: no response (closed or timed out first)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // de-chunked
  bool complete = false;  // the body ended as its framing says
  bool timed_out = false;
  std::chrono::steady_clock::duration headers_after{};  // since the send
};

class HttpConnection {
 public:
  explicit HttpConnection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address),
                         sizeof(address)) == 0;
  }
  ~HttpConnection() { Close(); }
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool connected() const { return connected_; }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  void ShutdownWrite() { shutdown(fd_, SHUT_WR); }
  // Sends raw bytes (for malformed requests).
  void SendRaw(const std::string& bytes) {
    send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }

  bool Send(const std::string& method, const std::string& path,
            const std::string& body, const Headers& headers = {}) {
    std::string request =
        method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& [name, value] : headers) {
      request += name + ": " + value + "\r\n";
    }
    if (!body.empty() || method == "POST") {
      request += "Content-Type: application/json\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n";
    }
    request += "\r\n" + body;
    sent_at_ = std::chrono::steady_clock::now();
    size_t done = 0;
    while (done < request.size()) {
      const ssize_t n =
          send(fd_, request.data() + done, request.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads until the response is complete, the peer closes, or the timeout.
  HttpResponse Read(std::chrono::milliseconds timeout) {
    HttpResponse response;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string buffer;
    size_t body_start = std::string::npos;
    while (true) {
      if (body_start == std::string::npos) {
        const size_t end = buffer.find("\r\n\r\n");
        if (end != std::string::npos) {
          body_start = end + 4;
          ParseHead(buffer.substr(0, end), &response);
          response.headers_after = std::chrono::steady_clock::now() - sent_at_;
        }
      }
      if (body_start != std::string::npos &&
          ParseBody(buffer.substr(body_start), &response)) {
        response.complete = true;
        return response;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        response.timed_out = true;
        return response;
      }
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[65536];
      const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) {
        // The peer closed: keep what arrived (a body without framing ends
        // here, complete when unframed).
        if (body_start != std::string::npos) {
          const bool framed = response.headers.count("content-length") ||
                              response.headers.count("transfer-encoding");
          ParseBody(buffer.substr(body_start), &response);
          response.complete = !framed;
        }
        return response;
      }
      buffer.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  static std::string Lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(c));
    return text;
  }

  static void ParseHead(const std::string& head, HttpResponse* response) {
    size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (status_line.size() >= 12)
      response->status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
      const size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end - start);
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      size_t value_start = colon + 1;
      while (value_start < line.size() && line[value_start] == ' ')
        ++value_start;
      response->headers[Lower(line.substr(0, colon))] =
          line.substr(value_start);
    }
  }

  // Decodes what has arrived; true once the body is complete.
  static bool ParseBody(const std::string& raw, HttpResponse* response) {
    auto te = response->headers.find("transfer-encoding");
    if (te != response->headers.end() && Lower(te->second) == "chunked") {
      response->body.clear();
      size_t pos = 0;
      while (true) {
        const size_t size_end = raw.find("\r\n", pos);
        if (size_end == std::string::npos) return false;
        const size_t size =
            std::stoul(raw.substr(pos, size_end - pos), nullptr, 16);
        if (size == 0) return raw.size() >= size_end + 4;
        const size_t data = size_end + 2;
        if (raw.size() < data + size + 2) {
          if (raw.size() > data) response->body.append(raw, data, size);
          return false;
        }
        response->body.append(raw, data, size);
        pos = data + size + 2;
      }
    }
    auto length = response->headers.find("content-length");
    if (length != response->headers.end()) {
      const size_t expected = std::stoul(length->second);
      response->body = raw.substr(0, expected);
      return raw.size() >= expected;
    }
    response->body = raw;
    return false;  // ends when the peer closes
  }

  int fd_ = -1;
  bool connected_ = false;
  std::chrono::steady_clock::time_point sent_at_;
};

inline HttpResponse Fetch(
    int port, const std::string& method, const std::string& path,
    const std::string& body = "", const Headers& headers = {},
    std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
  HttpConnection connection(port);
  if (!connection.connected() || !connection.Send(method, path, body, headers))
    return {};
  return connection.Read(timeout);
}

}  // namespace mock_llm_test

#endif  // LOADGATE_TESTS_SUPPORT_MOCK_LLM_HTTP_CLIENT_H_
