#include "app/db_executor.h"

#include <event2/event.h>

#include <utility>

namespace loadgate::services::app {

struct DbExecutor::Job {
  enum class State { kQueued, kRunning, kExpired };
  DbExecutor* executor = nullptr;
  event_base* base = nullptr;
  event* wait_timer = nullptr;
  Work work;
  Done done;
  DbOutcome outcome;
  State state = State::kQueued;
  std::list<Job*>::iterator position;  // in queue_ while kQueued
};

DbExecutor::DbExecutor(Storage& storage, int pool_size,
                       std::chrono::milliseconds max_wait)
    : storage_(storage),
      pool_size_(pool_size < 1 ? 1 : pool_size),
      max_wait_(max_wait) {}

DbExecutor::~DbExecutor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& worker : workers_) worker.join();
  // After Detach() the queued jobs' captures refer to freed event bases, and
  // destroying them could touch those; the process is ending, so leave them.
  if (!detached_) {
    for (Job* job : queue_) delete job;
  }
}

Status DbExecutor::Start() {
  for (int i = 0; i < pool_size_; ++i) {
    Result<std::unique_ptr<StorageConnection>> connection = storage_.Connect();
    if (!connection.ok()) return connection.status();
    connections_.push_back(std::move(*connection));
  }
  for (auto& connection : connections_) {
    workers_.emplace_back(&DbExecutor::RunWorker, this, connection.get());
  }
  return Status::Ok();
}

void DbExecutor::Detach() {
  std::lock_guard lock(mutex_);
  detached_ = true;
}

void DbExecutor::Submit(event_base* base, Work work, Done done) {
  auto* job = new Job;
  job->executor = this;
  job->base = base;
  job->work = std::move(work);
  job->done = std::move(done);
  job->wait_timer = evtimer_new(base, &DbExecutor::OnWaitExpired, job);
  const auto wait_us =
      std::chrono::duration_cast<std::chrono::microseconds>(max_wait_).count();
  timeval wait{static_cast<time_t>(wait_us / 1000000),
               static_cast<suseconds_t>(wait_us % 1000000)};
  evtimer_add(job->wait_timer, &wait);
  pending_.fetch_add(1, std::memory_order_relaxed);
  waiting_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(mutex_);
    job->position = queue_.insert(queue_.end(), job);
  }
  ready_.notify_one();
}

void DbExecutor::OnWaitExpired(int, short, void* arg) {
  auto* job = static_cast<Job*>(arg);
  DbExecutor* executor = job->executor;
  {
    std::lock_guard lock(executor->mutex_);
    // A worker took it in time: its completion is on the way.
    if (job->state != Job::State::kQueued) return;
    executor->queue_.erase(job->position);
    job->state = Job::State::kExpired;
  }
  executor->waiting_.fetch_sub(1, std::memory_order_relaxed);
  executor->pool_timeouts_.fetch_add(1, std::memory_order_relaxed);
  job->outcome.status = DbOutcome::Status::kPoolTimeout;
  job->outcome.error = "no database connection free within " +
                       std::to_string(executor->max_wait_.count()) + " ms";
  OnJobDone(-1, 0, job);
}

void DbExecutor::OnJobDone(int, short, void* arg) {
  auto* job = static_cast<Job*>(arg);
  DbExecutor* executor = job->executor;
  event_free(job->wait_timer);
  job->done(job->outcome);
  delete job;
  executor->pending_.fetch_sub(1, std::memory_order_relaxed);
}

void DbExecutor::RunWorker(StorageConnection* connection) {
  while (true) {
    Job* job = nullptr;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = queue_.front();
      queue_.pop_front();
      job->state = Job::State::kRunning;
    }
    waiting_.fetch_sub(1, std::memory_order_relaxed);
    in_use_.fetch_add(1, std::memory_order_relaxed);
    try {
      job->work(*connection);
    } catch (const StorageError& error) {
      job->outcome.status =
          error.busy() ? DbOutcome::Status::kBusy : DbOutcome::Status::kError;
      job->outcome.error = error.what();
    } catch (const std::exception& error) {
      job->outcome.status = DbOutcome::Status::kError;
      job->outcome.error = error.what();
    }
    in_use_.fetch_sub(1, std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    if (detached_) continue;  // the base is gone; so is everything job owns
    // Thread-safe (libevent locking is on): queues the completion on the
    // job's base and wakes that loop.
    event_base_once(job->base, -1, EV_TIMEOUT, &DbExecutor::OnJobDone, job,
                    nullptr);
  }
}

}  // namespace loadgate::services::app
