// A binary min-heap of deadlines over a fixed set of ids (one per session),
// with O(log n) set, cancel and pop and no allocation after construction.
#ifndef LOADGATE_ENGINE_TIMER_HEAP_H_
#define LOADGATE_ENGINE_TIMER_HEAP_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "engine/schedule.h"

namespace loadgate::engine {

class TimerHeap {
 public:
  // Ids are 0 .. capacity - 1.
  explicit TimerHeap(size_t capacity) : position_(capacity, -1) {
    heap_.reserve(capacity);
  }

  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  int64_t top_due() const { return heap_.empty() ? kNever : heap_[0].due; }
  int top_id() const { return heap_[0].id; }
  bool armed(int id) const { return position_[id] >= 0; }

  // Arms or re-arms `id`'s timer.
  void Set(int id, int64_t due) {
    int index = position_[id];
    if (index < 0) {
      index = static_cast<int>(heap_.size());
      heap_.push_back({due, id});
      position_[id] = index;
      SiftUp(index);
      return;
    }
    const int64_t old_due = heap_[index].due;
    heap_[index].due = due;
    if (due < old_due) {
      SiftUp(index);
    } else {
      SiftDown(index);
    }
  }

  void Cancel(int id) {
    const int index = position_[id];
    if (index < 0) return;
    RemoveAt(index);
  }

  void Pop() { RemoveAt(0); }

 private:
  struct Entry {
    int64_t due;
    int id;
  };

  void RemoveAt(int index) {
    position_[heap_[index].id] = -1;
    const Entry moved = heap_.back();
    heap_.pop_back();
    if (index == static_cast<int>(heap_.size())) return;
    Place(index, moved);
    SiftUp(index);
    SiftDown(position_[moved.id]);
  }

  void Place(int index, const Entry& entry) {
    heap_[index] = entry;
    position_[entry.id] = index;
  }

  void SiftUp(int index) {
    const Entry entry = heap_[index];
    while (index > 0) {
      const int parent = (index - 1) / 2;
      if (heap_[parent].due <= entry.due) break;
      Place(index, heap_[parent]);
      index = parent;
    }
    Place(index, entry);
  }

  void SiftDown(int index) {
    const Entry entry = heap_[index];
    const int size = static_cast<int>(heap_.size());
    while (true) {
      int child = 2 * index + 1;
      if (child >= size) break;
      if (child + 1 < size && heap_[child + 1].due < heap_[child].due) ++child;
      if (heap_[child].due >= entry.due) break;
      Place(index, heap_[child]);
      index = child;
    }
    Place(index, entry);
  }

  std::vector<Entry> heap_;
  std::vector<int> position_;  // id -> index in heap_, -1 when not armed
};

}  // namespace loadgate::engine

#endif  // LOADGATE_ENGINE_TIMER_HEAP_H_
