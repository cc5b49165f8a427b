#ifndef SERVICES_APP_DB_EXECUTOR_H_
#define SERVICES_APP_DB_EXECUTOR_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/storage.h"

struct event_base;

namespace loadgate::services::app {

// How a DB job ended, as seen by its completion callback.
struct DbOutcome {
  enum class Status {
    kOk,
    kPoolTimeout,  // no connection became free within the wait bound
    kBusy,         // StorageError::busy(): transient, report 503
    kError,        // any other failure, report 500
  };
  Status status = Status::kOk;
  std::string error;
  bool ok() const { return status == Status::kOk; }
};

// The bounded connection pool: `pool_size` worker threads, each owning one
// storage connection, run blocking DB jobs so the HTTP event loops never
// block on the database. A job's completion runs back on the event base that
// submitted it (handed over with event_base_once, which wakes that loop). A
// job that finds every connection busy waits at most `max_wait`; then its
// completion runs with kPoolTimeout and the job is dropped unrun.
class DbExecutor {
 public:
  using Work = std::function<void(StorageConnection& connection)>;
  using Done = std::function<void(const DbOutcome& outcome)>;

  DbExecutor(Storage& storage, int pool_size,
             std::chrono::milliseconds max_wait);
  // Stops the workers; jobs still queued are dropped without completion.
  ~DbExecutor();
  DbExecutor(const DbExecutor&) = delete;
  DbExecutor& operator=(const DbExecutor&) = delete;

  // Opens the connections and starts the workers.
  Status Start();

  // Call on `base`'s thread. `work` runs on a worker; `done` runs on `base`
  // afterwards (captures of `work` stay alive until `done` has run).
  void Submit(event_base* base, Work work, Done done);

  // From now on completions are dropped (their jobs leaked): the event
  // bases are being freed. Call before freeing any base jobs may target.
  void Detach();

  int pool_size() const { return pool_size_; }
  int64_t in_use() const { return in_use_.load(std::memory_order_relaxed); }
  int64_t waiting() const { return waiting_.load(std::memory_order_relaxed); }
  uint64_t pool_timeouts() const {
    return pool_timeouts_.load(std::memory_order_relaxed);
  }
  // Jobs submitted whose completion has not run yet.
  int64_t pending() const { return pending_.load(std::memory_order_relaxed); }

 private:
  struct Job;
  void RunWorker(StorageConnection* connection);
  static void OnWaitExpired(int fd, short what, void* arg);
  static void OnJobDone(int fd, short what, void* arg);

  Storage& storage_;
  const int pool_size_;
  const std::chrono::milliseconds max_wait_;
  std::vector<std::unique_ptr<StorageConnection>> connections_;
  std::vector<std::thread> workers_;

  // Guards queue_, stopping_, detached_ and each queued Job's state; held
  // while handing a completion to its base so Detach() is a clean cut.
  std::mutex mutex_;
  std::condition_variable ready_;
  std::list<Job*> queue_;
  bool stopping_ = false;
  bool detached_ = false;

  std::atomic<int64_t> in_use_{0};
  std::atomic<int64_t> waiting_{0};
  std::atomic<int64_t> pending_{0};
  std::atomic<uint64_t> pool_timeouts_{0};
};

}  // namespace loadgate::services::app

#endif  // SERVICES_APP_DB_EXECUTOR_H_
