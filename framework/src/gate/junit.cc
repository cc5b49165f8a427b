#include <ostream>

#include "gate/markup.h"
#include "loadgate/gate.h"

namespace loadgate {

void WriteSloJUnit(const std::vector<SloSuite>& suites, std::ostream& out) {
  size_t tests = 0;
  size_t failures = 0;
  for (const SloSuite& suite : suites) {
    tests += suite.verdicts.size();
    for (const SloVerdict& slo : suite.verdicts) failures += slo.passed ? 0 : 1;
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"loadgate SLOs\" tests=\"" << tests
      << "\" failures=\"" << failures << "\" errors=\"0\">\n";
  for (const SloSuite& suite : suites) {
    size_t suite_failures = 0;
    for (const SloVerdict& slo : suite.verdicts)
      suite_failures += slo.passed ? 0 : 1;
    const std::string suite_name = gate::EscapeMarkup(suite.name);
    out << "  <testsuite name=\"" << suite_name << "\" tests=\""
        << suite.verdicts.size() << "\" failures=\"" << suite_failures
        << "\" errors=\"0\">\n";
    for (const SloVerdict& slo : suite.verdicts) {
      out << "    <testcase name=\"" << gate::EscapeMarkup(slo.objective)
          << "\" classname=\"" << suite_name << "\">\n";
      if (slo.passed) {
        // Passing cases keep their observed value visible on dashboards.
        out << "      <system-out>" << gate::EscapeMarkup(slo.explanation)
            << "</system-out>\n";
      } else {
        out << "      <failure message=\""
            << gate::EscapeMarkup(slo.observed + " vs " + slo.objective)
            << "\">" << gate::EscapeMarkup(slo.explanation) << "</failure>\n";
      }
      out << "    </testcase>\n";
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

void WriteSloJUnit(const std::string& suite_name,
                   const std::vector<ObjectiveResult>& results,
                   std::ostream& out) {
  SloSuite suite{suite_name, {}};
  suite.verdicts.reserve(results.size());
  for (const ObjectiveResult& result : results) {
    suite.verdicts.push_back(ToVerdict(result));
  }
  WriteSloJUnit({suite}, out);
}

}  // namespace loadgate
