// While EXPECT_SLO judges a report, the loadgate matchers it runs (also
// inside AllOf, ForTag and friends) note what they observed here: "p95
// latency 160.2 ms over 980 requests". The verdict's `observed` field is
// made of these notes. A GoogleMock matcher is type-erased and reaches its
// caller only through the listener's prose, so without this side channel
// the headline would have to be cut back out of that prose.
#ifndef LOADGATE_GTEST_OBSERVED_HEADLINES_H_
#define LOADGATE_GTEST_OBSERVED_HEADLINES_H_

#include <string>
#include <vector>

namespace loadgate::slo_internal {

// Collects the headlines noted on this thread while it lives; nested
// collectors take them from the outer one (ForTag prefixes its inner
// matcher's). Matchers running outside any collector note nothing.
class ObservedHeadlines {
 public:
  ObservedHeadlines();
  ~ObservedHeadlines();
  ObservedHeadlines(const ObservedHeadlines&) = delete;
  ObservedHeadlines& operator=(const ObservedHeadlines&) = delete;

  // Called by matchers: adds to the innermost live collector, if any.
  static void Note(std::string headline);

  // The notes joined with "; ", empty when there were none.
  std::string Joined() const;

 private:
  std::vector<std::string> headlines_;
  ObservedHeadlines* outer_;
};

}  // namespace loadgate::slo_internal

#endif  // LOADGATE_GTEST_OBSERVED_HEADLINES_H_
