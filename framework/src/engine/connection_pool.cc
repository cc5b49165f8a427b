#include "engine/connection_pool.h"

#include <sys/epoll.h>

namespace loadgate::engine {

ConnectionPool::ConnectionPool(const Plan& plan, const TlsContext* tls,
                               int epoll_fd, size_t max_connections)
    : plan_(plan),
      tls_(tls),
      epoll_fd_(epoll_fd),
      max_connections_(max_connections) {
  connections_.reserve(max_connections);
  free_.reserve(max_connections);
  idle_.resize(plan.origins.size());
  for (auto& idle : idle_) idle.reserve(max_connections);
  preferred_address_.assign(plan.origins.size(), 0);
  tls_sessions_.assign(plan.origins.size(), nullptr);
}

ConnectionPool::~ConnectionPool() {
  for (auto& c : connections_) c->transport.Close();
  for (SSL_SESSION* session : tls_sessions_) SSL_SESSION_free(session);
}

Connection* ConnectionPool::FromToken(uint64_t token) {
  Connection& c = *connections_[(token & 0xffffffffu) - kFirstToken];
  if (c.generation != static_cast<uint32_t>(token >> 32) ||
      c.state == ConnectionState::kClosed) {
    return nullptr;
  }
  return &c;
}

Connection& ConnectionPool::Acquire(int origin, bool fresh) {
  std::vector<int>& idle = idle_[origin];
  if (!fresh && !idle.empty()) {
    Connection& c = *connections_[idle.back()];
    RemoveIdle(c);
    return c;
  }
  int slot = -1;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    // Every slot is taken. The caller holds none, so one is idle unless the
    // pool is still growing: reuse the least recently used idle one.
    for (auto& other : idle_) {
      if (!other.empty()) {
        slot = other.front();
        break;
      }
    }
    if (slot >= 0 && connections_.size() >= max_connections_) {
      Close(*connections_[slot]);
      free_.pop_back();  // the slot Close just freed
    } else {
      auto c = std::make_unique<Connection>();
      c->slot = static_cast<int>(connections_.size());
      c->out.reserve(1024);
      connections_.push_back(std::move(c));
      slot = static_cast<int>(connections_.size()) - 1;
    }
  }
  Connection& c = *connections_[slot];
  c.origin = origin;
  c.address = preferred_address_[origin];
  c.connect_attempts = 0;
  c.reused = false;
  return c;
}

Io ConnectionPool::Connect(Connection& c) {
  const Origin& origin = plan_.origins[c.origin];
  while (c.connect_attempts < static_cast<int>(origin.addresses.size())) {
    ++c.connect_attempts;
    const Io io = c.transport.Connect(origin.addresses[c.address]);
    if (io == Io::kError) {
      c.address = (c.address + 1) % static_cast<int>(origin.addresses.size());
      continue;
    }
    ++c.generation;
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.u64 = (uint64_t{c.generation} << 32) | (c.slot + kFirstToken);
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.transport.fd(), &event);
    c.state = ConnectionState::kConnecting;
    return io;
  }
  c.transport.Close();
  c.state = ConnectionState::kClosed;
  return Io::kError;
}

bool ConnectionPool::NextAddress(Connection& c) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.transport.fd(), nullptr);
  c.transport.Close();
  c.state = ConnectionState::kClosed;
  const int addresses =
      static_cast<int>(plan_.origins[c.origin].addresses.size());
  if (c.connect_attempts >= addresses) return false;
  c.address = (c.address + 1) % addresses;
  return true;
}

bool ConnectionPool::Established(Connection& c) {
  preferred_address_[c.origin] = c.address;
  const Origin& origin = plan_.origins[c.origin];
  return !origin.tls ||
         c.transport.StartTls(*tls_, origin.host, tls_sessions_[c.origin]);
}

void ConnectionPool::KeepTlsSession(const Connection& c) {
  if (!c.transport.tls()) return;
  if (SSL_SESSION* session = c.transport.ResumableSession()) {
    SSL_SESSION_free(tls_sessions_[c.origin]);
    tls_sessions_[c.origin] = session;
  }
}

void ConnectionPool::MakeIdle(Connection& c) {
  c.state = ConnectionState::kIdle;
  c.session = -1;
  c.reused = true;
  std::vector<int>& idle = idle_[c.origin];
  c.idle_index = static_cast<int>(idle.size());
  idle.push_back(c.slot);
}

void ConnectionPool::Close(Connection& c) {
  if (c.state == ConnectionState::kIdle) RemoveIdle(c);
  if (c.transport.fd() >= 0) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.transport.fd(), nullptr);
  }
  c.transport.Close();
  c.state = ConnectionState::kClosed;
  c.session = -1;
  ++c.generation;
  free_.push_back(c.slot);
}

void ConnectionPool::CloseAll() {
  for (auto& c : connections_) {
    if (c->state != ConnectionState::kClosed) Close(*c);
  }
}

void ConnectionPool::RemoveIdle(Connection& c) {
  std::vector<int>& idle = idle_[c.origin];
  const int last = idle.back();
  idle[c.idle_index] = last;
  connections_[last]->idle_index = c.idle_index;
  idle.pop_back();
  c.idle_index = -1;
}

}  // namespace loadgate::engine
