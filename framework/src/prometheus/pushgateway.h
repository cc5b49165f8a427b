// Pushes the figures of /metrics (exposition.h) to a Prometheus
// Pushgateway, for runs Prometheus cannot scrape (short-lived processes,
// load generators behind NAT): every `interval` while a run goes on, once
// more as soon as it ends, and at shutdown. Each scenario is its own group,
// grouping key job="loadgate", scenario (and shard when set), replaced by
// every push (PUT); with delete_at_end the groups are deleted at shutdown.
//
// Pushing happens on a thread of its own: the engine's progress callback
// only copies figures under a short lock, and a Pushgateway that is down or
// slow costs the run nothing. A failed push is logged once (until one
// succeeds again) and retried at the next interval; shutdown waits for at
// most one bounded exchange per group.
#ifndef LOADGATE_PROMETHEUS_PUSHGATEWAY_H_
#define LOADGATE_PROMETHEUS_PUSHGATEWAY_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include "loadgate/engine.h"
#include "loadgate/load_model.h"
#include "loadgate/report.h"
#include "prometheus/exposition.h"

namespace loadgate::prometheus {

struct PushOptions {
  // "http://HOST:PORT" with an optional path prefix; HOST a numeric address
  // or a name (resolved by HttpFetch at each push).
  std::string url;
  std::chrono::nanoseconds interval = std::chrono::seconds(5);
  bool delete_at_end = false;
  std::string shard;  // ExpositionOptions::shard, and part of the group
};

// The group's path under the Pushgateway's URL:
// "/metrics/job/loadgate/scenario@base64/<name>[/shard@base64/<shard>]"
// (base64url, so any name fits in a path segment).
std::string GroupPath(std::string_view scenario, std::string_view shard);

class Pusher {
 public:
  // Throws std::invalid_argument naming the URL when it is not an http://
  // URL with a host, or when interval is not positive. Failures are logged
  // to `log`, which must outlive the Pusher.
  Pusher(PushOptions options, std::ostream& log);
  // Pushes what changed since the last push, deletes the groups when asked,
  // then stops.
  ~Pusher();
  Pusher(const Pusher&) = delete;
  Pusher& operator=(const Pusher&) = delete;

  void BeginRun(const std::string& scenario, const LoadModel& model);
  void Publish(const Progress& progress);
  // Pushes the run's final figures right away (on the pusher's thread).
  void EndRun(const RunReport& report);
  void AbortRun();
  // An on_progress callback that publishes here and then calls `next`.
  std::function<void(const Progress&)> ProgressCallback(
      std::function<void(const Progress&)> next = {});

  // Exchanges that succeeded and that failed so far (pushes and deletes).
  uint64_t successes() const;
  uint64_t failures() const;

 private:
  void Loop();
  // Pushes the groups that changed (rendered under the lock, sent without
  // it); the ones that failed stay to be pushed.
  void Push(std::unique_lock<std::mutex>& lock);
  void DeleteGroups(std::unique_lock<std::mutex>& lock);
  // One request; counts it, and logs the first failure of a streak.
  bool Exchange(std::string_view method, const std::string& path,
                const std::string& body);

  const PushOptions options_;
  std::ostream& log_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  Exposition exposition_;                // guarded by mutex_
  std::optional<std::string> open_run_;  // guarded by mutex_
  std::set<std::string> dirty_;          // guarded by mutex_: to push
  std::set<std::string> pushed_;         // guarded by mutex_: groups made
  bool push_now_ = false;                // guarded by mutex_
  bool stopping_ = false;                // guarded by mutex_
  uint64_t successes_ = 0;               // guarded by mutex_
  uint64_t failures_ = 0;                // guarded by mutex_
  bool failing_ = false;  // the pusher thread's: a failure was logged
  std::thread thread_;
};

}  // namespace loadgate::prometheus

#endif  // LOADGATE_PROMETHEUS_PUSHGATEWAY_H_
