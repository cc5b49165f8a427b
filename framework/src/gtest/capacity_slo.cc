// EXPECT_CAPACITY_AT_LEAST (slo.h): a capacity search's result judged like
// any other objective, recorded in the SLO JUnit file, with the whole
// search in its failure message.
#include <sstream>

#include "loadgate/capacity.h"
#include "loadgate/format.h"
#include "loadgate/slo.h"

namespace loadgate::slo_internal {

::testing::AssertionResult CapacityAtLeast(const char* result_text,
                                           const char* /*minimum_text*/,
                                           const CapacityResult& result,
                                           double minimum_rps) {
  SloVerdict verdict;
  verdict.objective = "capacity is >= " + FormatNumber(minimum_rps) + " req/s";
  verdict.passed = result.found() && result.capacity_rps >= minimum_rps;
  switch (result.outcome) {
    case CapacityResult::Outcome::kFound:
      verdict.observed =
          "capacity " + FormatNumber(result.capacity_rps, 1) + " req/s";
      break;
    case CapacityResult::Outcome::kLowerBound:
      verdict.observed =
          "capacity >= " + FormatNumber(result.capacity_rps, 1) + " req/s";
      break;
    case CapacityResult::Outcome::kRefused:
      verdict.observed = "no capacity: the search refused";
      break;
    case CapacityResult::Outcome::kNone:
      verdict.observed = "no capacity: the first step broke";
      break;
  }
  std::ostringstream story;
  story << verdict.observed << "\n";
  WriteCapacityText(result, story);
  verdict.explanation = story.str();
  if (!verdict.explanation.empty() && verdict.explanation.back() == '\n') {
    verdict.explanation.pop_back();
  }
  return Judged(result_text, std::move(verdict));
}

}  // namespace loadgate::slo_internal
