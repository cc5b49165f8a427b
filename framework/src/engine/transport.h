// Non-blocking TCP and TLS byte transport for one client connection.
#ifndef LOADGATE_ENGINE_TRANSPORT_H_
#define LOADGATE_ENGINE_TRANSPORT_H_

#include <openssl/ssl.h>

#include <cstddef>
#include <string>

#include "engine/plan.h"

namespace loadgate::engine {

// The run's one SSL_CTX (thread-safe for creating connections): the system
// trust store plus optional extra PEM certificates, peer verification on
// unless disabled, HTTP/1.1 offered by ALPN.
class TlsContext {
 public:
  // Throws std::invalid_argument ("scenario.tls_ca_pem: ...") when the extra
  // certificates cannot be loaded.
  TlsContext(bool verify, const std::string& ca_pem);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  SSL_CTX* get() const { return ctx_; }
  bool verify() const { return verify_; }

 private:
  SSL_CTX* ctx_ = nullptr;
  bool verify_ = true;
};

enum class Io {
  kDone,        // the operation completed (some bytes moved, or connected)
  kWouldBlock,  // wait for the next readiness event
  kEof,         // the peer closed the connection
  kError,       // see Transport::error()
};

class Transport {
 public:
  Transport() = default;
  ~Transport() { Close(); }
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Creates a non-blocking socket (TCP_NODELAY) and starts connecting.
  // kDone: connected at once; kWouldBlock: in progress (FinishConnect on the
  // next writable event); kError: failed.
  Io Connect(const Origin::Address& address);
  Io FinishConnect();
  // Prepares the TLS client side (SNI and, when verifying, the host name
  // check) on a connected socket, resuming `session` when it is not null.
  // False on failure.
  bool StartTls(const TlsContext& tls, const std::string& host,
                SSL_SESSION* session);
  Io Handshake();

  // Move up to `size` bytes; *moved says how many on kDone.
  Io Write(const char* data, size_t size, size_t* moved);
  Io Read(char* buffer, size_t size, size_t* moved);
  // TLS may hold decrypted bytes no socket event will announce.
  bool has_buffered_bytes() const;
  // The connection's TLS session, with a reference for the caller, when a
  // later connection can resume it; else null.
  SSL_SESSION* ResumableSession() const;

  void Close();
  int fd() const { return fd_; }
  bool tls() const { return ssl_ != nullptr; }
  const std::string& error() const { return error_; }

 private:
  Io SslResult(int result, const char* operation);
  Io SystemError(const char* operation, int error_number);

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  std::string error_;
};

}  // namespace loadgate::engine

#endif  // LOADGATE_ENGINE_TRANSPORT_H_
