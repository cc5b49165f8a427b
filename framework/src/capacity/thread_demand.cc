// ThreadDemand (thread_demand.h): /proc/self/task/<tid>/schedstat holds a
// thread's time on a CPU and its time waiting in the run queue, in ns.
#include "capacity/thread_demand.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace loadgate::capacity {
namespace {

// tid -> cpu + run-queue wait, ns, of every thread of this process.
std::map<int64_t, int64_t> ReadThreads() {
  std::map<int64_t, int64_t> threads;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc/self/task", error)) {
    int64_t tid = 0;
    try {
      tid = std::stoll(entry.path().filename().string());
    } catch (const std::exception&) {
      continue;
    }
    std::ifstream schedstat(entry.path() / "schedstat");
    int64_t cpu_ns = 0;
    int64_t wait_ns = 0;
    if (schedstat >> cpu_ns >> wait_ns) threads[tid] = cpu_ns + wait_ns;
  }
  return threads;
}

}  // namespace

ThreadDemand::ThreadDemand() {
  for (const auto& [tid, ns] : ReadThreads()) existing_.insert(tid);
}

void ThreadDemand::Sample(std::chrono::nanoseconds elapsed, bool base) {
  std::map<int64_t, int64_t> generator;
  for (const auto& [tid, ns] : ReadThreads()) {
    if (!existing_.contains(tid)) generator[tid] = ns;
  }
  if (base) {
    base_ns_ = generator;
    base_elapsed_ = elapsed;
  }
  latest_ns_ = std::move(generator);
  latest_elapsed_ = elapsed;
}

double ThreadDemand::BusiestShare() const {
  const double interval =
      static_cast<double>((latest_elapsed_ - base_elapsed_).count());
  if (!(interval > 0)) return 0;
  double busiest = 0;
  for (const auto& [tid, ns] : latest_ns_) {
    const auto base = base_ns_.find(tid);
    const int64_t used = ns - (base == base_ns_.end() ? 0 : base->second);
    busiest = std::max(busiest, static_cast<double>(used) / interval);
  }
  return busiest;
}

}  // namespace loadgate::capacity
