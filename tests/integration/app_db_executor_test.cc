// The DB worker pool: completions come back on the submitting event base,
// failures are classified, and a full pool answers within its wait bound.
#include <event2/event.h>
#include <event2/thread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "app/db_executor.h"
#include "app/storage.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"

namespace app = loadgate::services::app;

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class DbExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    evthread_use_pthreads();
    base_ = event_base_new();
    auto storage =
        app::OpenStorage("sqlite:" + (dir_.path() / "executor.db").string(), 1);
    ASSERT_TRUE(storage.ok()) << storage.error();
    storage_ = std::move(*storage);
    ASSERT_TRUE(storage_->Prepare({10, 1}).ok());
  }
  void TearDown() override { event_base_free(base_); }

  // Runs the loop until `done` or 10 s.
  void RunUntil(const bool& done) {
    const auto deadline = Clock::now() + 10s;
    while (!done && Clock::now() < deadline) {
      event_base_loop(base_, EVLOOP_ONCE | EVLOOP_NONBLOCK);
      std::this_thread::sleep_for(1ms);
    }
  }

  loadgate::test_support::TempDir dir_;
  event_base* base_ = nullptr;
  std::unique_ptr<app::Storage> storage_;
};

TEST_F(DbExecutorTest, CompletesOnTheSubmittingLoopThread) {
  app::DbExecutor executor(*storage_, 2, 1000ms);
  ASSERT_TRUE(executor.Start().ok());
  std::thread::id worker, completion;
  std::optional<nlohmann::json> patient;
  bool done = false;
  executor.Submit(
      base_,
      [&](app::StorageConnection& connection) {
        worker = std::this_thread::get_id();
        patient = connection.GetPatient("MRN00000001");
      },
      [&](const app::DbOutcome& outcome) {
        EXPECT_TRUE(outcome.ok()) << outcome.error;
        completion = std::this_thread::get_id();
        done = true;
      });
  RunUntil(done);
  ASSERT_TRUE(done);
  EXPECT_NE(worker, std::this_thread::get_id());
  EXPECT_EQ(completion, std::this_thread::get_id());
  ASSERT_TRUE(patient);
  EXPECT_EQ(executor.pending(), 0);
}

TEST_F(DbExecutorTest, ClassifiesFailures) {
  app::DbExecutor executor(*storage_, 1, 1000ms);
  ASSERT_TRUE(executor.Start().ok());
  std::vector<app::DbOutcome::Status> statuses;
  for (bool busy : {true, false}) {
    executor.Submit(
        base_,
        [busy](app::StorageConnection&) {
          throw app::StorageError("boom", busy);
        },
        [&](const app::DbOutcome& outcome) {
          statuses.push_back(outcome.status);
        });
  }
  bool done = false;
  executor.Submit(
      base_, [](app::StorageConnection&) { throw std::runtime_error("bug"); },
      [&](const app::DbOutcome& outcome) {
        statuses.push_back(outcome.status);
        done = true;
      });
  RunUntil(done);
  ASSERT_EQ(statuses.size(), 3u);
  EXPECT_EQ(statuses[0], app::DbOutcome::Status::kBusy);
  EXPECT_EQ(statuses[1], app::DbOutcome::Status::kError);
  EXPECT_EQ(statuses[2], app::DbOutcome::Status::kError);
}

TEST_F(DbExecutorTest, FullPoolTimesOutWithinTheBoundAndSkipsTheJob) {
  app::DbExecutor executor(*storage_, 1, 200ms);
  ASSERT_TRUE(executor.Start().ok());
  // Hold the only connection until the test releases it.
  std::mutex mutex;
  std::condition_variable released;
  bool release = false;
  bool holder_done = false;
  executor.Submit(
      base_,
      [&](app::StorageConnection&) {
        std::unique_lock lock(mutex);
        released.wait_for(lock, 10s, [&] { return release; });
      },
      [&](const app::DbOutcome&) { holder_done = true; });
  std::atomic<bool> waiter_ran{false};
  bool waiter_done = false;
  app::DbOutcome waiter_outcome;
  const auto submitted = Clock::now();
  Clock::time_point answered;
  executor.Submit(
      base_, [&](app::StorageConnection&) { waiter_ran = true; },
      [&](const app::DbOutcome& outcome) {
        waiter_outcome = outcome;
        answered = Clock::now();
        waiter_done = true;
      });
  EXPECT_GE(executor.waiting(), 1);
  RunUntil(waiter_done);
  ASSERT_TRUE(waiter_done);
  EXPECT_EQ(waiter_outcome.status, app::DbOutcome::Status::kPoolTimeout);
  EXPECT_GE(answered - submitted, 190ms);
  EXPECT_LT(answered - submitted, 3s);
  EXPECT_EQ(executor.pool_timeouts(), 1u);
  EXPECT_EQ(executor.in_use(), 1);

  {
    std::lock_guard lock(mutex);
    release = true;
  }
  released.notify_all();
  RunUntil(holder_done);
  ASSERT_TRUE(holder_done);
  EXPECT_FALSE(waiter_ran);  // a timed-out job never runs late
  EXPECT_EQ(executor.waiting(), 0);
  EXPECT_EQ(executor.pending(), 0);
}

}  // namespace
