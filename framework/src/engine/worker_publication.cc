// What a worker hands the supervisor for on_progress: once a second (and
// when it finishes), under Loop::published_mutex, the time slot of the
// second that just ended and, when enabled, a copy of its per-tag
// statistics. Off the hot path: the loop publishes when its clock passes a
// second, as it would wake for any timer.
#include <cstdint>
#include <mutex>
#include <vector>

#include "engine/worker.h"
#include "engine/worker_loop.h"

namespace loadgate::engine {
namespace {

// Grows with every sample recorded into `stats` (Recorder::Record counts a
// request, RecordChunkGap a chunk gap), so an unchanged value means an
// unchanged tag.
uint64_t Activity(const TagStats& stats) {
  return stats.requests + stats.chunk_gap.count();
}

}  // namespace

void Worker::Loop::PublishSeconds() {
  const int64_t current = now_ / kSecondNs;
  if (current < next_publish_second_) return;
  next_publish_second_ = current + 1;
  const int64_t second = current - 1;
  const auto& series = recorder.metrics().series;
  const TimeSlot* found = nullptr;
  for (auto it = series.rbegin(); it != series.rend(); ++it) {
    if (it->second == second) found = &*it;
    if (it->second <= second) break;
  }
  std::lock_guard lock(published_mutex);
  if (found != nullptr) {
    published_slot = *found;
  } else {
    published_slot = TimeSlot();
    published_slot.second = second;
  }
  published_second = second;
  // In the same critical section: once the supervisor sees the second,
  // the tags it reads include everything completed in it.
  CopyChangedTags();
}

void Worker::Loop::PublishTags() {
  std::lock_guard lock(published_mutex);
  CopyChangedTags();
}

void Worker::Loop::CopyChangedTags() {
  // Copy-assignment into the published copies reuses their storage: after
  // the first copy of a tag this allocates nothing but status-code entries.
  const std::vector<TagStats>& tags = recorder.metrics().tags;
  if (published_tags.size() != tags.size()) return;  // not enabled
  for (size_t t = 0; t < tags.size(); ++t) {
    const uint64_t activity = Activity(tags[t]);
    if (activity == published_activity[t]) continue;
    published_tags[t] = tags[t];
    published_activity[t] = activity;
  }
}

bool Worker::MergePublishedSecond(int64_t second, TimeSlot& out) const {
  std::lock_guard lock(loop_->published_mutex);
  if (loop_->published_second < second) return false;
  if (loop_->published_second == second) out.Merge(loop_->published_slot);
  return true;
}

void Worker::EnableTagPublication() {
  std::lock_guard lock(loop_->published_mutex);
  // Empty copies (their histograms allocated now, before the run starts).
  loop_->published_tags = loop_->recorder.metrics().tags;
  loop_->published_activity.assign(loop_->published_tags.size(), 0);
}

void Worker::AddPublishedActivity(std::vector<uint64_t>& activity) const {
  std::lock_guard lock(loop_->published_mutex);
  const std::vector<uint64_t>& published = loop_->published_activity;
  for (size_t t = 0; t < published.size() && t < activity.size(); ++t) {
    activity[t] += published[t];
  }
}

void Worker::MergePublishedTags(const std::vector<bool>& changed, bool replace,
                                std::vector<TagStats>& into) const {
  std::lock_guard lock(loop_->published_mutex);
  const std::vector<TagStats>& published = loop_->published_tags;
  for (size_t t = 0; t < published.size() && t < into.size(); ++t) {
    if (!changed[t]) continue;
    if (replace) {
      into[t] = published[t];
    } else {
      into[t].Merge(published[t]);
    }
  }
}

}  // namespace loadgate::engine
