// How busy loadgate's own event loops were during a step, from the
// kernel's per-thread scheduler statistics: a thread that is running or
// waiting for a CPU all the time cannot send on schedule, whether it is
// busy with its own work or starved by other processes.
#ifndef LOADGATE_CAPACITY_THREAD_DEMAND_H_
#define LOADGATE_CAPACITY_THREAD_DEMAND_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <set>

namespace loadgate::capacity {

class ThreadDemand {
 public:
  // Remembers the threads that exist now: the ones a Run() starts later
  // are the generator's.
  ThreadDemand();

  // Reads the generator's threads at `elapsed` since the run started;
  // `base` makes this sample the start of the measured interval (else the
  // threads' start, at 0).
  void Sample(std::chrono::nanoseconds elapsed, bool base = false);

  // The largest share of the measured interval one generator thread spent
  // on a CPU or waiting for one (/proc/self/task/*/schedstat); 0 without
  // two samples or where the kernel does not say.
  double BusiestShare() const;

 private:
  std::set<int64_t> existing_;
  std::map<int64_t, int64_t> base_ns_;    // per thread: cpu + wait
  std::map<int64_t, int64_t> latest_ns_;  // per thread: cpu + wait
  std::chrono::nanoseconds base_elapsed_{0};
  std::chrono::nanoseconds latest_elapsed_{0};
};

}  // namespace loadgate::capacity

#endif  // LOADGATE_CAPACITY_THREAD_DEMAND_H_
