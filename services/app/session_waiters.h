#ifndef SERVICES_APP_SESSION_WAITERS_H_
#define SERVICES_APP_SESSION_WAITERS_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

struct event;
struct event_base;

namespace loadgate::services::app {

// Long polls waiting for new events of a session, across all server
// threads. A waiter owns an event on its own event base; Notify (from any
// thread, right after an event is committed) activates it, which wakes that
// base. Waiters are added and removed on their base's thread.
class SessionWaiters {
 public:
  struct Waiter {
    std::string session_id;
    int64_t min_offset = 0;
    event* wake = nullptr;
  };

  void Add(Waiter* waiter);
  // After Remove returns, Notify no longer touches the waiter.
  void Remove(Waiter* waiter);
  // Wakes the waiters of `session_id` that want `offset`.
  void Notify(const std::string& session_id, int64_t offset);
  // Forgets every waiter whose wake event lives on `base` (which is about to
  // be freed).
  void RemoveAllOn(event_base* base);
  int64_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_multimap<std::string, Waiter*> waiters_;
};

}  // namespace loadgate::services::app

#endif  // SERVICES_APP_SESSION_WAITERS_H_
