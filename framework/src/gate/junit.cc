#include <ostream>

#include "loadgate/gate.h"

namespace loadgate {
namespace {

// Escapes for both text and attribute values. XML 1.0 forbids most control
// characters even as references, so those become '?'.
std::string XmlEscape(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&apos;";
        break;
      case '\t':
      case '\n':
      case '\r':
        escaped += c;
        break;
      default:
        escaped += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
    }
  }
  return escaped;
}

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
  const std::string suite = XmlEscape(suite_name);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"" << suite << "\" tests=\"" << results.size()
      << "\" failures=\"" << failures << "\" errors=\"0\">\n"
      << "  <testsuite name=\"" << suite << "\" tests=\"" << results.size()
      << "\" failures=\"" << failures << "\" errors=\"0\">\n";
  for (const ObjectiveResult& result : results) {
    out << "    <testcase name=\"" << XmlEscape(result.objective.Describe())
        << "\" classname=\"" << suite << "\">\n";
    if (result.passed) {
      // Passing cases keep their observed value visible on dashboards.
      out << "      <system-out>" << XmlEscape(result.explanation)
          << "</system-out>\n";
    } else {
      out << "      <failure message=\""
          << XmlEscape(ObservedVsObjective(result)) << "\">"
          << XmlEscape(result.explanation) << "</failure>\n";
    }
    out << "    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
}

}  // namespace loadgate
