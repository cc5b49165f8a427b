// Status and Result<T>: how the services report a failure they expect.
//
// The idiom throughout services/: a failure that normal operation can meet
// (a bad request, a bad flag or config file, a port in use, an unreadable
// file, a database that is down) is returned, not thrown: a Status when there
// is no value, a Result<T> (a value or the failure, in the spirit of
// absl::StatusOr and std::expected) when there is one. The message is
// written for whoever reads it (an HTTP 400 body, a line on stderr); a caller
// that adds context uses Prefixed(). Exceptions are left to what the process
// cannot continue after (std::bad_alloc, a broken invariant), with one
// contained case: inside a storage backend a failed query throws
// StorageError, which never passes the DbExecutor (see app/storage.h).
#ifndef SERVICES_COMMON_STATUS_H_
#define SERVICES_COMMON_STATUS_H_

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace loadgate::services {

// Success, or a failure with a message.
class [[nodiscard]] Status {
 public:
  // Success.
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string message) {
    return Status(std::move(message), /*unavailable=*/false);
  }
  // A transient failure: what failed may work again soon (a database that
  // is busy or unreachable), which a service answers with 503, not 500.
  static Status Unavailable(std::string message) {
    return Status(std::move(message), /*unavailable=*/true);
  }

  bool ok() const { return ok_; }
  bool unavailable() const { return unavailable_; }
  // Empty for success.
  const std::string& message() const { return message_; }

  // The same failure with `context` ahead of its message ("file.json: ...").
  // Success stays success.
  Status Prefixed(std::string_view context) const {
    if (ok_) return *this;
    return Status(std::string(context) + message_, unavailable_);
  }

 private:
  Status(std::string message, bool unavailable)
      : ok_(false), unavailable_(unavailable), message_(std::move(message)) {}

  bool ok_ = true;
  bool unavailable_ = false;
  std::string message_;
};

// A value of type T, or the failed Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  // `status` must be a failure.
  Result(Status status) : state_(std::in_place_index<1>, std::move(status)) {
    assert(!std::get<1>(state_).ok());
  }

  bool ok() const { return state_.index() == 0; }
  // Success when there is a value.
  Status status() const { return ok() ? Status() : std::get<1>(state_); }
  // The failure's message (empty when there is a value).
  const std::string& error() const {
    static const std::string kNone;
    return ok() ? kNone : std::get<1>(state_).message();
  }

  // The value; only when ok().
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace loadgate::services

#endif  // SERVICES_COMMON_STATUS_H_
