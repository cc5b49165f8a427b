#include <ostream>

#include "gate/markup.h"
#include "loadgate/gate.h"

namespace loadgate {
namespace {

// "3412.5 ms vs p95 latency < 3000 ms".
std::string ObservedVsObjective(const ObjectiveResult& result) {
  const std::string observed =
      result.samples == 0 && result.observed == 0
          ? std::string("no observation")
          : FormatMetricValue(result.objective.metric, result.observed);
  return observed + " vs " + result.objective.Describe();
}

}  // namespace

void WriteSloJUnit(const std::string& suite_name,
                   const std::vector<ObjectiveResult>& results,
                   std::ostream& out) {
  size_t failures = 0;
  for (const ObjectiveResult& result : results) {
    failures += result.passed ? 0 : 1;
  }
  const std::string suite = gate::EscapeMarkup(suite_name);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"" << suite << "\" tests=\"" << results.size()
      << "\" failures=\"" << failures << "\" errors=\"0\">\n"
      << "  <testsuite name=\"" << suite << "\" tests=\"" << results.size()
      << "\" failures=\"" << failures << "\" errors=\"0\">\n";
  for (const ObjectiveResult& result : results) {
    out << "    <testcase name=\""
        << gate::EscapeMarkup(result.objective.Describe()) << "\" classname=\""
        << suite << "\">\n";
    if (result.passed) {
      // Passing cases keep their observed value visible on dashboards.
      out << "      <system-out>" << gate::EscapeMarkup(result.explanation)
          << "</system-out>\n";
    } else {
      out << "      <failure message=\""
          << gate::EscapeMarkup(ObservedVsObjective(result)) << "\">"
          << gate::EscapeMarkup(result.explanation) << "</failure>\n";
    }
    out << "    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
}

}  // namespace loadgate
