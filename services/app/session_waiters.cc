#include "app/session_waiters.h"

#include <event2/event.h>

namespace loadgate::services::app {

void SessionWaiters::Add(Waiter* waiter) {
  std::lock_guard lock(mutex_);
  waiters_.emplace(waiter->session_id, waiter);
}

void SessionWaiters::Remove(Waiter* waiter) {
  std::lock_guard lock(mutex_);
  auto [begin, end] = waiters_.equal_range(waiter->session_id);
  for (auto it = begin; it != end; ++it) {
    if (it->second == waiter) {
      waiters_.erase(it);
      return;
    }
  }
}

void SessionWaiters::Notify(const std::string& session_id, int64_t offset) {
  std::lock_guard lock(mutex_);
  auto [begin, end] = waiters_.equal_range(session_id);
  for (auto it = begin; it != end; ++it) {
    if (it->second->min_offset <= offset) event_active(it->second->wake, 0, 0);
  }
}

void SessionWaiters::RemoveAllOn(event_base* base) {
  std::lock_guard lock(mutex_);
  std::erase_if(waiters_, [base](const auto& entry) {
    return event_get_base(entry.second->wake) == base;
  });
}

int64_t SessionWaiters::size() const {
  std::lock_guard lock(mutex_);
  return static_cast<int64_t>(waiters_.size());
}

}  // namespace loadgate::services::app
