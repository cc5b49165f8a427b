#include "engine/transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace loadgate::engine {
namespace {

std::string OpenSslErrors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text;
}

}  // namespace

TlsContext::TlsContext(bool verify, const std::string& ca_pem)
    : verify_(verify) {
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) {
    throw std::runtime_error("TLS: cannot create a context: " +
                             OpenSslErrors());
  }
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  // Many servers close without close_notify; the HTTP framing, not TLS,
  // decides whether a response was complete.
  SSL_CTX_set_options(ctx_, SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE |
                             SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  static constexpr unsigned char kAlpn[] = {8,   'h', 't', 't', 'p',
                                            '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ctx_, kAlpn, sizeof(kAlpn));
  if (verify_) {
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_default_verify_paths(ctx_);
  } else {
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
  }
  if (!ca_pem.empty()) {
    BIO* bio = BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size()));
    X509_STORE* store = SSL_CTX_get_cert_store(ctx_);
    int added = 0;
    while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      if (X509_STORE_add_cert(store, cert) == 1) ++added;
      X509_free(cert);
    }
    BIO_free(bio);
    ERR_clear_error();  // the read loop ends on an expected "no start line"
    if (added == 0) {
      SSL_CTX_free(ctx_);
      throw std::invalid_argument(
          "scenario.tls_ca_pem: no PEM certificate could be read");
    }
  }
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

Io Transport::SystemError(const char* operation, int error_number) {
  error_ = std::string(operation) + ": " + std::strerror(error_number);
  return Io::kError;
}

Io Transport::Connect(const Origin::Address& address) {
  Close();
  error_.clear();
  fd_ = socket(address.storage.ss_family,
               SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return SystemError("socket", errno);
  const int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (connect(fd_, reinterpret_cast<const sockaddr*>(&address.storage),
              address.length) == 0) {
    return Io::kDone;
  }
  if (errno == EINPROGRESS) return Io::kWouldBlock;
  return SystemError("connect", errno);
}

Io Transport::FinishConnect() {
  int error_number = 0;
  socklen_t length = sizeof(error_number);
  if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error_number, &length) != 0) {
    return SystemError("connect", errno);
  }
  if (error_number == 0) return Io::kDone;
  if (error_number == EINPROGRESS || error_number == EALREADY) {
    return Io::kWouldBlock;
  }
  return SystemError("connect", error_number);
}

bool Transport::StartTls(const TlsContext& tls, const std::string& host,
                         SSL_SESSION* session) {
  ssl_ = SSL_new(tls.get());
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1) {
    error_ = "TLS: " + OpenSslErrors();
    return false;
  }
  if (session != nullptr) SSL_set_session(ssl_, session);
  in6_addr ip6;
  in_addr ip4;
  const bool is_ip = inet_pton(AF_INET, host.c_str(), &ip4) == 1 ||
                     inet_pton(AF_INET6, host.c_str(), &ip6) == 1;
  // SNI carries host names only (RFC 6066); X509_VERIFY_PARAM matches an
  // IP literal against the certificate's IP SANs through the same call.
  if (!is_ip) SSL_set_tlsext_host_name(ssl_, host.c_str());
  if (tls.verify() && SSL_set1_host(ssl_, host.c_str()) != 1) {
    error_ = "TLS: cannot set the expected host name";
    return false;
  }
  SSL_set_connect_state(ssl_);
  return true;
}

Io Transport::SslResult(int result, const char* operation) {
  const int code = SSL_get_error(ssl_, result);
  switch (code) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      return Io::kWouldBlock;
    case SSL_ERROR_ZERO_RETURN:
      return Io::kEof;
    case SSL_ERROR_SYSCALL:
      ERR_clear_error();
      return errno == 0 ? Io::kEof : SystemError(operation, errno);
    default: {
      error_ = std::string(operation) + ": " + OpenSslErrors();
      const long verify = SSL_get_verify_result(ssl_);
      if (verify != X509_V_OK) {
        error_ += " (certificate: ";
        error_ += X509_verify_cert_error_string(verify);
        error_ += ")";
      }
      return Io::kError;
    }
  }
}

Io Transport::Handshake() {
  ERR_clear_error();
  const int result = SSL_do_handshake(ssl_);
  if (result == 1) return Io::kDone;
  const Io io = SslResult(result, "TLS handshake");
  return io == Io::kEof ? SystemError("TLS handshake", ECONNRESET) : io;
}

Io Transport::Write(const char* data, size_t size, size_t* moved) {
  *moved = 0;
  if (ssl_ != nullptr) {
    ERR_clear_error();
    const int result = SSL_write_ex(ssl_, data, size, moved);
    if (result == 1) return Io::kDone;
    const Io io = SslResult(result, "TLS write");
    return io == Io::kEof ? SystemError("TLS write", EPIPE) : io;
  }
  const ssize_t written = send(fd_, data, size, MSG_NOSIGNAL);
  if (written >= 0) {
    *moved = static_cast<size_t>(written);
    return Io::kDone;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK) return Io::kWouldBlock;
  return SystemError("send", errno);
}

Io Transport::Read(char* buffer, size_t size, size_t* moved) {
  *moved = 0;
  if (ssl_ != nullptr) {
    ERR_clear_error();
    const int result = SSL_read_ex(ssl_, buffer, size, moved);
    if (result == 1) return Io::kDone;
    return SslResult(result, "TLS read");
  }
  const ssize_t received = recv(fd_, buffer, size, 0);
  if (received > 0) {
    *moved = static_cast<size_t>(received);
    return Io::kDone;
  }
  if (received == 0) return Io::kEof;
  if (errno == EAGAIN || errno == EWOULDBLOCK) return Io::kWouldBlock;
  return SystemError("recv", errno);
}

bool Transport::has_buffered_bytes() const {
  return ssl_ != nullptr && SSL_has_pending(ssl_) == 1;
}

SSL_SESSION* Transport::ResumableSession() const {
  if (ssl_ == nullptr) return nullptr;
  SSL_SESSION* session = SSL_get1_session(ssl_);
  if (session != nullptr && SSL_SESSION_is_resumable(session) != 1) {
    SSL_SESSION_free(session);
    return nullptr;
  }
  return session;
}

void Transport::Close() {
  if (ssl_ != nullptr) {
    // Freeing a connection that has not sent close_notify marks its session
    // not resumable; connections end without one here by design (the
    // server closes, or HTTP framing ended the exchange), so say it was sent.
    SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
}

}  // namespace loadgate::engine
