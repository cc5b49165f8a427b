// The service under test of the example: an HTTP/1.1 server on 127.0.0.1
// (a free port) that answers every request "hello", one thread per
// connection. A real project starts its own service here.
#ifndef HELLO_SERVER_H_
#define HELLO_SERVER_H_

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

class HelloServer {
 public:
  HelloServer() : listener_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    auto* any = reinterpret_cast<sockaddr*>(&address);
    if (listener_ < 0 || bind(listener_, any, length) != 0 ||
        listen(listener_, 128) != 0 ||
        getsockname(listener_, any, &length) != 0) {
      throw std::system_error(errno, std::generic_category(), "HelloServer");
    }
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { Accept(); });
  }

  // Stops accepting, ends every connection and waits for its thread.
  ~HelloServer() {
    shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    for (int connection : connections_) shutdown(connection, SHUT_RDWR);
    for (std::thread& worker : workers_) worker.join();
    for (int connection : connections_) close(connection);
    close(listener_);
  }

  std::string base_url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }

 private:
  void Accept() {
    for (int connection;
         (connection = accept(listener_, nullptr, nullptr)) >= 0;) {
      std::lock_guard lock(mutex_);
      connections_.push_back(connection);
      workers_.emplace_back([connection] { Serve(connection); });
    }
  }

  // Answers each request head (GETs have no body) until the peer closes.
  static void Serve(int connection) {
    static constexpr std::string_view kResponse =
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    std::string received;
    char chunk[4096];
    for (ssize_t n; (n = read(connection, chunk, sizeof chunk)) > 0;) {
      received.append(chunk, n);
      for (size_t end; (end = received.find("\r\n\r\n")) != std::string::npos;
           received.erase(0, end + 4)) {
        if (send(connection, kResponse.data(), kResponse.size(), MSG_NOSIGNAL) <
            0) {
          return;
        }
      }
    }
  }

  int listener_;
  int port_ = 0;
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<int> connections_;
  std::vector<std::thread> workers_;
};

#endif  // HELLO_SERVER_H_
