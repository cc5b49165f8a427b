// While EXPECT_SLO judges a report, the loadgate matchers it runs (also
// inside AllOf, ForTag and friends) note here what they observed ("p95
// latency 160.2 ms over 980 requests") and which objective they stand for,
// when it is one comparison of one metric ("p95 latency < 100 ms"). The
// verdict's `observed` field is made of the headlines, and its `expression`
// (what a merge of shard reports judges again) of the objective. A
// GoogleMock matcher is type-erased and reaches its caller only through the
// listener's prose, so without this side channel both would have to be cut
// back out of that prose.
#ifndef LOADGATE_GTEST_MATCHER_NOTES_H_
#define LOADGATE_GTEST_MATCHER_NOTES_H_

#include <optional>
#include <string>
#include <vector>

#include "loadgate/objective.h"

namespace loadgate::slo_internal {

// Collects the notes taken on this thread while it lives; nested collectors
// take them from the outer one (ForTag prefixes its inner matcher's
// headlines and puts its tag on their objectives). Matchers running outside
// any collector note nothing.
class MatcherNotes {
 public:
  MatcherNotes();
  ~MatcherNotes();
  MatcherNotes(const MatcherNotes&) = delete;
  MatcherNotes& operator=(const MatcherNotes&) = delete;

  // Called by matchers: adds to the innermost live collector, if any.
  static void NoteHeadline(std::string headline);
  // What a metric matcher stands for: its objective (nullopt when its inner
  // matcher is no single comparison: not Lt, Le, Gt or Ge) and its own
  // description, which tells whether a wrapper (Not, ...) changed the
  // meaning.
  struct NotedObjective {
    std::optional<Objective> objective;
    std::string description;
  };
  static void NoteObjective(NotedObjective objective);

  // The headlines joined with "; ", empty when there were none.
  std::string Joined() const;
  const std::vector<NotedObjective>& objectives() const { return objectives_; }
  // The objective of the whole matcher described as `description`: the one
  // noted, when exactly one was, it is a comparison and it is described the
  // same (so Not(ErrorRate(Lt(0.01))) is none).
  std::optional<Objective> SingleObjective(
      const std::string& description) const;

 private:
  std::vector<std::string> headlines_;
  std::vector<NotedObjective> objectives_;
  MatcherNotes* outer_;
};

}  // namespace loadgate::slo_internal

#endif  // LOADGATE_GTEST_MATCHER_NOTES_H_
