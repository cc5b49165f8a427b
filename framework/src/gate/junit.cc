// The JUnit XML files CI dashboards read: per-SLO verdicts of a run
// (WriteSloJUnit) and the gate's verdict on a comparison (WriteGateJUnit).
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "gate/markup.h"
#include "loadgate/format.h"
#include "loadgate/gate.h"
#include "metrics/observation.h"

namespace loadgate {
namespace {

// One <testcase>: a name that stays the same from build to build, and what
// this build saw.
struct JUnitCase {
  std::string name;
  bool passed = false;
  std::string failure_message;  // the attribute, short
  std::string text;             // the failure's body, or the passed output
  std::vector<std::pair<std::string, std::string>> properties;
};

struct JUnitSuite {
  std::string name;
  double seconds = 0;
  std::vector<JUnitCase> cases;

  size_t failures() const {
    size_t count = 0;
    for (const JUnitCase& testcase : cases) count += testcase.passed ? 0 : 1;
    return count;
  }
};

// ` time="12.500"`, or nothing when the time is unknown (0): a made-up 0
// would read as a measurement.
std::string TimeAttribute(double seconds) {
  if (seconds <= 0) return "";
  return " time=\"" + FormatFixed(seconds, 3) + "\"";
}

void WriteCase(const JUnitCase& testcase, const std::string& suite_name,
               const std::string& time, std::ostream& out) {
  out << "    <testcase name=\"" << gate::EscapeMarkup(testcase.name)
      << "\" classname=\"" << suite_name << "\"" << time << ">\n";
  if (!testcase.properties.empty()) {
    out << "      <properties>\n";
    for (const auto& [name, value] : testcase.properties) {
      out << "        <property name=\"" << gate::EscapeMarkup(name)
          << "\" value=\"" << gate::EscapeMarkup(value) << "\"/>\n";
    }
    out << "      </properties>\n";
  }
  if (testcase.passed) {
    // Passing cases keep their observed value visible on dashboards.
    out << "      <system-out>" << gate::EscapeMarkup(testcase.text)
        << "</system-out>\n";
  } else {
    out << "      <failure message=\""
        << gate::EscapeMarkup(testcase.failure_message) << "\">"
        << gate::EscapeMarkup(testcase.text) << "</failure>\n";
  }
  out << "    </testcase>\n";
}

void WriteDocument(const std::string& name,
                   const std::vector<JUnitSuite>& suites, std::ostream& out) {
  size_t tests = 0;
  size_t failures = 0;
  for (const JUnitSuite& suite : suites) {
    tests += suite.cases.size();
    failures += suite.failures();
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"" << gate::EscapeMarkup(name) << "\" tests=\""
      << tests << "\" failures=\"" << failures << "\" errors=\"0\">\n";
  for (const JUnitSuite& suite : suites) {
    const std::string suite_name = gate::EscapeMarkup(suite.name);
    const std::string time = TimeAttribute(suite.seconds);
    out << "  <testsuite name=\"" << suite_name << "\" tests=\""
        << suite.cases.size() << "\" failures=\"" << suite.failures()
        << "\" errors=\"0\"" << time << ">\n";
    for (const JUnitCase& testcase : suite.cases) {
      WriteCase(testcase, suite_name, time, out);
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

JUnitCase SloCase(const SloVerdict& verdict) {
  return {.name = verdict.objective,
          .passed = verdict.passed,
          .failure_message = verdict.observed + " vs " + verdict.objective,
          .text = verdict.explanation};
}

// A row as its stable case, the computed limit in the message and the
// figures that made it in the properties.
JUnitCase GateRowCase(const GateRow& row) {
  const std::string limit = row.AsObjectiveResult().objective.Describe();
  const std::string_view metric = row.metric.metric;
  const std::string current = FormatMetricValue(metric, row.current);
  JUnitCase testcase{.name = row.CaseName(),
                     .passed = !row.regressed,
                     .failure_message = current + " vs " + limit,
                     .text = row.message};
  testcase.properties = {
      {"limit", limit},
      {"baseline", FormatMetricValue(metric, row.baseline)},
      {"current", current},
      {"tolerance", row.metric.tolerance.Describe(metric)},
      {"spread", row.spread_measured ? FormatMetricValue(metric, row.spread)
                                     : std::string("n/a")},
  };
  return testcase;
}

JUnitCase RunEndCase(int number, const std::vector<StoppedRun>& stopped) {
  JUnitCase testcase{.name = "current run " + std::to_string(number) +
                             " runs to its planned end",
                     .passed = true,
                     .text = "ran to its planned end"};
  for (const StoppedRun& run : stopped) {
    if (run.number != number) continue;
    testcase.passed = false;
    testcase.failure_message = "stopped early: " + run.stop_reason;
    testcase.text = run.message;
    testcase.properties = {{"run", run.run}};
  }
  return testcase;
}

}  // namespace

void WriteSloJUnit(const std::vector<SloSuite>& suites, std::ostream& out) {
  std::vector<JUnitSuite> junit;
  junit.reserve(suites.size());
  for (const SloSuite& suite : suites) {
    JUnitSuite& converted = junit.emplace_back();
    converted.name = suite.name;
    converted.seconds = suite.seconds;
    for (const SloVerdict& verdict : suite.verdicts) {
      converted.cases.push_back(SloCase(verdict));
    }
  }
  WriteDocument("loadgate SLOs", junit, out);
}

void WriteSloJUnit(const std::string& suite_name,
                   const std::vector<ObjectiveResult>& results,
                   std::ostream& out, double seconds) {
  SloSuite suite{.name = suite_name, .seconds = seconds};
  suite.verdicts.reserve(results.size());
  for (const ObjectiveResult& result : results) {
    suite.verdicts.push_back(ToVerdict(result));
  }
  WriteSloJUnit({suite}, out);
}

void WriteGateJUnit(const GateResult& result, const std::string& suite_name,
                    std::ostream& out) {
  JUnitSuite suite{.name = suite_name, .seconds = result.current_seconds};
  for (const GateRow& row : result.rows) {
    suite.cases.push_back(GateRowCase(row));
  }
  for (int number = 1; number <= result.current_runs; ++number) {
    suite.cases.push_back(RunEndCase(number, result.stopped_early));
  }
  WriteDocument("loadgate compare", {suite}, out);
}

}  // namespace loadgate
