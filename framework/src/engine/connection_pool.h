// One worker's keep-alive connections: a slot per connection (reused once
// the pool has grown), the idle ones per origin, connecting over an origin's
// addresses, epoll registration, and the TLS sessions new connections
// resume. What a connection carries (requests, responses) is the worker's
// business; see worker_loop.h.
#ifndef LOADGATE_ENGINE_CONNECTION_POOL_H_
#define LOADGATE_ENGINE_CONNECTION_POOL_H_

#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/plan.h"
#include "engine/transport.h"
#include "http/response_parser.h"

namespace loadgate::engine {

enum class ConnectionState {
  kClosed,
  kConnecting,
  kHandshaking,
  kSending,
  kReceiving,
  kIdle,
};

struct Connection {
  int slot = 0;
  // Counts the slot's connections, so an epoll event queued for one that
  // was closed (and its slot reused) in the same batch is recognised.
  uint32_t generation = 0;
  ConnectionState state = ConnectionState::kClosed;
  int origin = -1;
  int session = -1;          // the session whose exchange it carries
  int address = 0;           // index into the origin's addresses
  int connect_attempts = 0;  // addresses tried for this connect
  bool reused = false;       // has carried a complete exchange
  int idle_index = -1;       // position in the origin's idle list
  Transport transport;
  std::string out;  // the request being sent
  size_t out_offset = 0;
  http::ResponseParser parser;
};

class ConnectionPool {
 public:
  // epoll user data below this are the worker's own descriptors; a
  // connection's is (generation << 32) | (slot + kFirstToken).
  static constexpr uint64_t kFirstToken = 2;

  // `plan`, `tls` (null without https origins) and `epoll_fd` outlive the
  // pool, which holds at most `max_connections`.
  ConnectionPool(const Plan& plan, const TlsContext* tls, int epoll_fd,
                 size_t max_connections);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  Connection& operator[](int slot) { return *connections_[slot]; }
  const Connection& operator[](int slot) const { return *connections_[slot]; }
  // The open connection an epoll event's token names; null when that
  // connection has been closed since.
  Connection* FromToken(uint64_t token);

  // A connection to `origin`: the most recently idle one unless `fresh`,
  // else a closed one ready to Connect (a new slot while the pool grows,
  // then a free slot or the least recently used idle connection, closed).
  Connection& Acquire(int origin, bool fresh);
  // Connects `c`, trying its origin's addresses from c.address on, and
  // registers it with epoll. kDone: connected at once; kWouldBlock:
  // connecting (FinishConnect on the next event); kError: no address took
  // it, and `c` is closed.
  Io Connect(Connection& c);
  // After an asynchronous connect failed: closes the attempt and moves `c`
  // to the origin's next address (e.g. 127.0.0.1 after ::1 refused); false
  // when every address has been tried.
  bool NextAddress(Connection& c);
  // `c` connected: its address becomes the origin's first choice and, for
  // an https origin, TLS is set up (resuming the origin's last session).
  // False when TLS cannot be set up.
  bool Established(Connection& c);
  // After `c` carried its first complete exchange: keeps its TLS session
  // (with any TLS 1.3 ticket, which arrives after the handshake) for later
  // connections to the origin to resume.
  void KeepTlsSession(const Connection& c);

  void MakeIdle(Connection& c);
  void Close(Connection& c);
  void CloseAll();

 private:
  void RemoveIdle(Connection& c);

  const Plan& plan_;
  const TlsContext* tls_;
  int epoll_fd_;
  size_t max_connections_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<int> free_;
  std::vector<std::vector<int>> idle_;  // per origin
  std::vector<int> preferred_address_;  // per origin
  // Per origin, the TLS session new connections resume (saves the full
  // handshake when servers close connections often).
  std::vector<SSL_SESSION*> tls_sessions_;
};

}  // namespace loadgate::engine

#endif  // LOADGATE_ENGINE_CONNECTION_POOL_H_
