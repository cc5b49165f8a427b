// The server of test_server.h: plain and TLS transports, request reading,
// ResponseWriter, the accept loop and its connections, and RefusingPort. The
// canned handlers are in test_server_handlers.cc.
#include "support/test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "http/text.h"
#include "support/self_signed_certificate.h"

namespace loadgate::test_support {
namespace {

using Clock = std::chrono::steady_clock;

// A request head larger than this is not a test's request.
constexpr size_t kMaxHeadBytes = 1 << 20;

[[noreturn]] void ThrowErrno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// Writes to a socket whose reader has gone would otherwise kill the test
// process with SIGPIPE (OpenSSL writes with write(2), which cannot be told
// MSG_NOSIGNAL); a failed write is an ordinary outcome for this server.
void IgnoreSigpipe() {
  static const bool ignored = [] {
    std::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)ignored;
}

}  // namespace

// The byte stream under one connection: plain TCP or TLS over it.
class Transport {
 public:
  explicit Transport(int fd) : fd_(fd) {}
  virtual ~Transport() = default;
  // > 0 bytes read, 0 at end of stream, < 0 on error.
  virtual ssize_t Read(char* buffer, size_t size) = 0;
  virtual bool Write(std::string_view bytes) = 0;
  // Whether bytes arrive (or the peer closes) within `timeout`.
  bool WaitReadable(std::chrono::nanoseconds timeout) {
    if (Buffered()) return true;
    pollfd poll_fd{.fd = fd_, .events = POLLIN, .revents = 0};
    int timeout_ms = static_cast<int>(
        std::chrono::ceil<std::chrono::milliseconds>(timeout).count());
    int ready;
    do {
      ready = ::poll(&poll_fd, 1, timeout_ms);
    } while (ready < 0 && errno == EINTR);
    return ready != 0;
  }
  // Orderly close (TLS close_notify, then FIN). The descriptor itself is
  // closed by the server once the connection's thread is joined, so Stop()
  // can never shut down a reused descriptor.
  virtual void Close() { Abort(); }
  // FIN without ceremony.
  void Abort() {
    aborted_ = true;
    ::shutdown(fd_, SHUT_RDWR);
  }
  // RST: a zero linger time makes the socket's last close reset the
  // connection. The descriptor number stays valid (it now refers to
  // /dev/null) until the server closes it as usual.
  void Reset() {
    aborted_ = true;
    const linger reset{.l_onoff = 1, .l_linger = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd >= 0) {
      ::dup2(null_fd, fd_);
      ::close(null_fd);
    }
  }

 protected:
  // Bytes already read from the socket but not yet returned by Read().
  virtual bool Buffered() { return false; }

  int fd_;
  bool aborted_ = false;
};

namespace {

class PlainTransport : public Transport {
 public:
  using Transport::Transport;
  ssize_t Read(char* buffer, size_t size) override {
    ssize_t n;
    do {
      n = ::recv(fd_, buffer, size, 0);
    } while (n < 0 && errno == EINTR);
    return n;
  }
  bool Write(std::string_view bytes) override {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
};

class TlsTransport : public Transport {
 public:
  TlsTransport(int fd, SSL_CTX* context)
      : Transport(fd), ssl_(SSL_new(context)) {}
  ~TlsTransport() override { SSL_free(ssl_); }

  bool Handshake() {
    return ssl_ != nullptr && SSL_set_fd(ssl_, fd_) == 1 &&
           SSL_accept(ssl_) == 1;
  }
  ssize_t Read(char* buffer, size_t size) override {
    int n = SSL_read(ssl_, buffer, static_cast<int>(size));
    return n > 0 ? n
                 : (SSL_get_error(ssl_, n) == SSL_ERROR_ZERO_RETURN ? 0 : -1);
  }
  bool Write(std::string_view bytes) override {
    // Blocking SSL_write without partial writes sends everything or fails.
    return bytes.empty() ||
           SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) > 0;
  }
  void Close() override {
    if (!aborted_) SSL_shutdown(ssl_);
    Abort();
  }

 protected:
  bool Buffered() override { return SSL_pending(ssl_) > 0; }

 private:
  SSL* ssl_;
};

// Reads one request from `transport` into `request`, keeping bytes that
// follow it in `buffer`. False at end of stream, on an error, or for a
// request this server does not support (a chunked request body).
bool ReadRequest(Transport& transport, std::string& buffer,
                 HttpRequest& request) {
  char chunk[16384];
  auto read_more = [&] {
    ssize_t n = transport.Read(chunk, sizeof(chunk));
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
    return true;
  };
  size_t head_end;
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (buffer.size() > kMaxHeadBytes || !read_more()) return false;
  }
  std::string_view head(buffer.data(), head_end);
  size_t line_end = head.find("\r\n");
  std::string_view request_line = head.substr(0, line_end);
  size_t first_space = request_line.find(' ');
  size_t last_space = request_line.rfind(' ');
  if (first_space == std::string_view::npos || last_space == first_space) {
    return false;
  }
  request.method = std::string(request_line.substr(0, first_space));
  request.target = std::string(
      request_line.substr(first_space + 1, last_space - first_space - 1));
  request.version = std::string(request_line.substr(last_space + 1));
  request.path = request.target.substr(0, request.target.find('?'));

  size_t content_length = 0;
  std::string_view rest =
      line_end == std::string_view::npos ? "" : head.substr(line_end + 2);
  while (!rest.empty()) {
    size_t end = rest.find("\r\n");
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? "" : rest.substr(end + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return false;
    std::string_view name = http::Trim(line.substr(0, colon));
    std::string_view value = http::Trim(line.substr(colon + 1));
    if (http::EqualsNoCase(name, "Content-Length")) {
      auto [end, error] = std::from_chars(
          value.data(), value.data() + value.size(), content_length);
      if (error != std::errc() || end != value.data() + value.size()) {
        return false;
      }
    } else if (http::EqualsNoCase(name, "Transfer-Encoding")) {
      return false;
    }
    request.headers.emplace_back(name, value);
  }
  size_t body_start = head_end + 4;
  while (buffer.size() < body_start + content_length) {
    if (!read_more()) return false;
  }
  request.body = buffer.substr(body_start, content_length);
  buffer.erase(0, body_start + content_length);
  return true;
}

bool WantsClose(const HttpRequest& request) {
  std::string_view connection = request.Header("Connection");
  if (request.version == "HTTP/1.0") {
    return !http::EqualsNoCase(connection, "keep-alive");
  }
  return http::EqualsNoCase(connection, "close");
}

}  // namespace

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (http::EqualsNoCase(key, name)) return value;
  }
  return {};
}

// --- ResponseWriter ----------------------------------------------------------

ResponseWriter::ResponseWriter(TestServer& server, Transport& transport,
                               bool close_requested)
    : server_(server), transport_(transport), close_after_(close_requested) {}

void ResponseWriter::WriteHead(
    int status, std::string_view content_type, std::string_view framing_header,
    const std::vector<std::pair<std::string, std::string>>& extra_headers) {
  started_ = true;
  std::string head = "HTTP/1.1 " + std::to_string(status) + " ";
  head.append(ReasonPhrase(status)).append("\r\n");
  head.append("Content-Type: ").append(content_type).append("\r\n");
  head.append(framing_header).append("\r\n");
  if (close_after_) head.append("Connection: close\r\n");
  for (const auto& [name, value] : extra_headers) {
    head.append(name).append(": ").append(value).append("\r\n");
  }
  head.append("\r\n");
  WriteRaw(head);
}

void ResponseWriter::Send(
    int status, std::string_view body, std::string_view content_type,
    const std::vector<std::pair<std::string, std::string>>& extra_headers) {
  WriteHead(status, content_type,
            "Content-Length: " + std::to_string(body.size()), extra_headers);
  WriteRaw(body);
}

void ResponseWriter::StartChunked(int status, std::string_view content_type) {
  WriteHead(status, content_type, "Transfer-Encoding: chunked", {});
}

void ResponseWriter::SendChunk(std::string_view data) {
  // An empty chunk would end the body.
  if (data.empty()) return;
  char size_line[32];
  std::snprintf(size_line, sizeof(size_line), "%zx\r\n", data.size());
  std::string chunk = size_line;
  chunk.append(data).append("\r\n");
  WriteRaw(chunk);
}

void ResponseWriter::EndChunked() { WriteRaw("0\r\n\r\n"); }

void ResponseWriter::WriteRaw(std::string_view bytes) {
  started_ = true;
  if (write_failed_ || aborted_) return;
  if (!transport_.Write(bytes)) write_failed_ = true;
}

void ResponseWriter::Abort() {
  aborted_ = true;
  transport_.Abort();
}

void ResponseWriter::Reset() {
  aborted_ = true;
  transport_.Reset();
}

bool ResponseWriter::Sleep(std::chrono::nanoseconds duration) {
  return server_.WaitUntil(Clock::now() + duration);
}

bool ResponseWriter::ok() const {
  return !write_failed_ && !aborted_ && !server_.stopping();
}

// --- TestServer --------------------------------------------------------------

struct TestServer::TlsContext {
  explicit TlsContext(const SelfSignedCertificate& certificate)
      : context(SSL_CTX_new(TLS_server_method())) {
    if (context == nullptr) throw std::runtime_error("SSL_CTX_new failed");
    BIO* cert_bio = BIO_new_mem_buf(certificate.certificate_pem.data(),
                                    certificate.certificate_pem.size());
    X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
    BIO_free(cert_bio);
    BIO* key_bio = BIO_new_mem_buf(certificate.private_key_pem.data(),
                                   certificate.private_key_pem.size());
    EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
    BIO_free(key_bio);
    bool ok = cert != nullptr && key != nullptr &&
              SSL_CTX_use_certificate(context, cert) == 1 &&
              SSL_CTX_use_PrivateKey(context, key) == 1;
    X509_free(cert);
    EVP_PKEY_free(key);
    if (!ok) {
      SSL_CTX_free(context);
      throw std::runtime_error("loading the test certificate failed");
    }
  }
  ~TlsContext() { SSL_CTX_free(context); }
  SSL_CTX* context;
};

TestServer::TestServer() : TestServer(Options{}) {}

TestServer::TestServer(Options options) : idle_timeout_(options.idle_timeout) {
  IgnoreSigpipe();
  if (options.tls) {
    SelfSignedCertificate certificate = MakeSelfSignedCertificate();
    tls_ = std::make_unique<TlsContext>(certificate);
    certificate_pem_ = std::move(certificate.certificate_pem);
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) ThrowErrno("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address),
             sizeof(address)) != 0 ||
      ::listen(listen_fd_, SOMAXCONN) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address),
                    &length) != 0) {
    int error = errno;
    ::close(listen_fd_);
    errno = error;
    ThrowErrno("bind/listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  accept_thread_ = std::thread(&TestServer::AcceptLoop, this);
}

TestServer::~TestServer() { Stop(); }

void TestServer::Handle(std::string pattern, Handler handler) {
  std::lock_guard lock(mutex_);
  routes_.emplace_back(std::move(pattern), std::move(handler));
}

void TestServer::StallOnce(uint64_t at_request,
                           std::chrono::nanoseconds duration) {
  std::lock_guard lock(mutex_);
  stall_at_request_ = at_request;
  stall_duration_ = duration;
}

std::string TestServer::base_url() const {
  return std::string(tls_ ? "https" : "http") +
         "://127.0.0.1:" + std::to_string(port_);
}

std::vector<std::string> TestServer::targets() const {
  std::lock_guard lock(mutex_);
  return targets_;
}

uint64_t TestServer::CountTarget(std::string_view target) const {
  std::lock_guard lock(mutex_);
  return std::count(targets_.begin(), targets_.end(), target);
}

void TestServer::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_.exchange(true)) return;
  }
  wake_.notify_all();
  // Wakes accept() (Linux returns EINVAL on a shut-down listening socket).
  ::shutdown(listen_fd_, SHUT_RDWR);
  accept_thread_.join();
  ::close(listen_fd_);
  std::list<Connection> connections;
  {
    std::lock_guard lock(mutex_);
    for (Connection& connection : live_) ::shutdown(connection.fd, SHUT_RDWR);
    connections.swap(live_);
  }
  for (Connection& connection : connections) {
    connection.thread.join();
    ::close(connection.fd);
  }
}

void TestServer::AcceptLoop() {
  while (!stopping()) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // stopping (or a broken listener: nothing more to accept)
    }
    connections_.fetch_add(1);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::lock_guard lock(mutex_);
    if (stopping()) {
      ::close(fd);
      return;
    }
    ReapFinished();
    Connection& connection = live_.emplace_back();
    connection.fd = fd;
    connection.thread =
        std::thread(&TestServer::Serve, this, std::ref(connection));
  }
}

void TestServer::ReapFinished() {
  for (auto it = live_.begin(); it != live_.end();) {
    if (it->finished.load()) {
      // The thread has nothing left to do but return, so joining under the
      // lock cannot deadlock.
      it->thread.join();
      ::close(it->fd);
      it = live_.erase(it);
    } else {
      ++it;
    }
  }
}

void TestServer::Serve(Connection& connection) {
  if (tls_) {
    TlsTransport transport(connection.fd, tls_->context);
    // A client that rejects the certificate fails the handshake.
    if (transport.Handshake()) ServeRequests(transport);
    transport.Close();
  } else {
    PlainTransport transport(connection.fd);
    ServeRequests(transport);
    transport.Close();
  }
  connection.finished.store(true);
}

void TestServer::ServeRequests(Transport& transport) {
  std::string buffer;
  uint64_t on_connection = 0;
  while (!stopping()) {
    if (idle_timeout_.count() > 0 && buffer.empty() &&
        !transport.WaitReadable(idle_timeout_)) {
      return;
    }
    HttpRequest request;
    if (!ReadRequest(transport, buffer, request)) return;
    request.number_on_connection = ++on_connection;
    if (!Admit(request)) return;
    ResponseWriter writer(*this, transport, WantsClose(request));
    FindHandler(request.path)(request, writer);
    if (!writer.started() && writer.ok()) {
      writer.Send(500, "test handler sent no response");
    }
    if (writer.connection_closing() || !writer.ok()) return;
  }
}

bool TestServer::Admit(HttpRequest& request) {
  Clock::time_point stall_until;
  {
    std::lock_guard lock(mutex_);
    request.number = requests_.fetch_add(1) + 1;
    targets_.push_back(request.target);
    if (request.number == stall_at_request_) {
      stall_until_ = Clock::now() + stall_duration_;
    }
    stall_until = stall_until_;
  }
  if (Clock::now() < stall_until) return WaitUntil(stall_until);
  return !stopping();
}

Handler TestServer::FindHandler(std::string_view path) const {
  std::lock_guard lock(mutex_);
  for (auto it = routes_.rbegin(); it != routes_.rend(); ++it) {
    std::string_view pattern = it->first;
    bool matches = !pattern.empty() && pattern.back() == '*'
                       ? path.starts_with(pattern.substr(0, pattern.size() - 1))
                       : path == pattern;
    if (matches) return it->second;
  }
  return Respond(404, "no route");
}

bool TestServer::WaitUntil(Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  wake_.wait_until(lock, deadline, [this] { return stopping(); });
  return !stopping();
}

// --- RefusingPort ------------------------------------------------------------

RefusingPort::RefusingPort() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) ThrowErrno("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
          0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    int error = errno;
    ::close(fd_);
    errno = error;
    ThrowErrno("bind on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
}

RefusingPort::~RefusingPort() { ::close(fd_); }

std::string RefusingPort::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

}  // namespace loadgate::test_support
