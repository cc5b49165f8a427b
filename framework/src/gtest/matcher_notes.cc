#include "gtest/matcher_notes.h"

#include <string>
#include <utility>

namespace loadgate::slo_internal {
namespace {

// EXPECT_SLO may run on several threads; each judges its own report.
thread_local MatcherNotes* innermost = nullptr;

}  // namespace

MatcherNotes::MatcherNotes() : outer_(innermost) { innermost = this; }

MatcherNotes::~MatcherNotes() { innermost = outer_; }

void MatcherNotes::NoteHeadline(std::string headline) {
  if (innermost != nullptr) {
    innermost->headlines_.push_back(std::move(headline));
  }
}

void MatcherNotes::NoteObjective(NotedObjective objective) {
  if (innermost != nullptr) {
    innermost->objectives_.push_back(std::move(objective));
  }
}

std::string MatcherNotes::Joined() const {
  std::string joined;
  for (const std::string& headline : headlines_) {
    if (!joined.empty()) joined += "; ";
    joined += headline;
  }
  return joined;
}

std::optional<Objective> MatcherNotes::SingleObjective(
    const std::string& description) const {
  if (objectives_.size() != 1 ||
      objectives_.front().description != description) {
    return std::nullopt;
  }
  return objectives_.front().objective;
}

}  // namespace loadgate::slo_internal
