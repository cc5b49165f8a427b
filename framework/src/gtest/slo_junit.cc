// EXPECT_SLO's verdicts, gathered per GoogleTest test, written as the run's
// SLO JUnit file and kept in each test's JSON report (see slo.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "gtest/matcher_notes.h"
#include "gtest/report_directory.h"
#include "loadgate/gate.h"
#include "loadgate/report.h"
#include "loadgate/slo.h"

namespace loadgate::slo_internal {
namespace {

// The verdicts so far, in the order the tests judged them. Assertions may
// come from any thread, the listener from the main one.
class SloRecord {
 public:
  static SloRecord& Instance() {
    static SloRecord* record = new SloRecord;  // outlives the listeners
    return *record;
  }

  void Add(std::string test_name, SloVerdict verdict, double run_seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    InstallWriterOnce();
    // EXPECT_SLO in a loop judges the same objective repeatedly; each
    // judgement stays its own test case.
    if (suites_.empty() || suites_.back().name != test_name) {
      suites_.push_back({std::move(test_name), {}});
    }
    suites_.back().verdicts.push_back(std::move(verdict));
    // A test that judged several runs: the longest stands for them all.
    suites_.back().seconds = std::max(suites_.back().seconds, run_seconds);
  }

  // Rewrites the whole JUnit file, so it is complete after every test, and
  // adds the test's verdicts to its JSON report.
  void TestEnded(const ::testing::TestInfo& test) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (suites_.empty()) return;
    WriteJUnit();
    if (suites_.back().name == gtest_internal::TestName(&test)) {
      KeepInJsonReport(suites_.back());
    }
  }

 private:
  class Writer : public ::testing::EmptyTestEventListener {
    void OnTestEnd(const ::testing::TestInfo& test) override {
      SloRecord::Instance().TestEnded(test);
    }
  };

  // Appended on first use, so binaries without EXPECT_SLO write nothing.
  void InstallWriterOnce() {
    if (writer_installed_) return;
    writer_installed_ = true;
    ::testing::UnitTest::GetInstance()->listeners().Append(new Writer);
  }

  std::filesystem::path JUnitPath() const {
    if (const char* path = std::getenv("LOADGATE_SLO_JUNIT");
        path != nullptr && *path != '\0') {
      return path;
    }
    if (suites_.size() == 1) {
      return gtest_internal::ReportDirectory() /
             (gtest_internal::FileStem(suites_.front().name) + ".slo.xml");
    }
    const std::filesystem::path executable =
        std::filesystem::read_symlink("/proc/self/exe").filename();
    return gtest_internal::ReportDirectory() /
           (executable.string() + ".slo.xml");
  }

  void WriteJUnit() const {
    const std::filesystem::path path = JUnitPath();
    std::error_code ignored;
    if (path.has_parent_path()) {
      std::filesystem::create_directories(path.parent_path(), ignored);
    }
    std::ofstream out(path);
    WriteSloJUnit(suites_, out);
    out.close();
    if (!out) std::cerr << "loadgate: could not write " << path << "\n";
  }

  // The JSON report RunLoad wrote for this test, if any, gets the verdicts,
  // so `loadgate report` shows them in its SLO table.
  static void KeepInJsonReport(const SloSuite& suite) {
    const std::filesystem::path path =
        gtest_internal::ReportDirectory() /
        (gtest_internal::FileStem(suite.name) + ".json");
    std::ifstream in(path);
    if (!in) return;
    try {
      RunReport report = ReadJson(in, path.string());
      in.close();
      report.slos = suite.verdicts;
      std::ofstream out(path);
      WriteJson(report, out);
    } catch (const std::runtime_error& error) {
      std::cerr << "loadgate: could not add SLO verdicts to " << path << ": "
                << error.what() << "\n";
    }
  }

  std::mutex mutex_;
  bool writer_installed_ = false;
  std::vector<SloSuite> suites_;
};

}  // namespace

::testing::AssertionResult Judged(const char* value_text, SloVerdict verdict,
                                  double run_seconds) {
  SloRecord::Instance().Add(
      gtest_internal::TestName(
          ::testing::UnitTest::GetInstance()->current_test_info()),
      verdict, run_seconds);
  if (verdict.passed) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "Value of: " << value_text << "\nExpected: " << verdict.objective
         << "\n  Actual: " << verdict.explanation;
}

namespace {

// A shard's verdict: recorded (with its expression, for `loadgate merge`)
// but not the test's to give, as the shard ran only part of the test. An
// objective that is no single comparison cannot be judged by the merge, so
// it fails here rather than go unjudged.
::testing::AssertionResult Deferred(const char* value_text, SloVerdict verdict,
                                    const Shard& shard, double run_seconds) {
  const std::string which = "shard " + std::to_string(shard.index) + "/" +
                            std::to_string(shard.count);
  if (verdict.expression.empty()) {
    verdict.passed = false;
    verdict.explanation =
        "NOT JUDGED " + verdict.objective + ": " + which +
        " runs part of the test, and loadgate merge judges only objectives "
        "that are one comparison (Lt, Le, Gt or Ge) of one metric";
    verdict.observed = "not judged";
    return Judged(value_text, std::move(verdict), run_seconds);
  }
  verdict.explanation = which + " (its part only; loadgate merge judges the " +
                        "test): " + verdict.explanation;
  Judged(value_text, std::move(verdict), run_seconds);
  return ::testing::AssertionSuccess();
}

}  // namespace

::testing::AssertionResult SloAssertion::operator()(
    const char* report_text, const RunReport& report) const {
  ::testing::StringMatchResultListener listener;
  SloVerdict verdict;
  std::ostringstream description;
  matcher_.DescribeTo(&description);
  verdict.objective = description.str();
  std::optional<Objective> objective;
  {
    MatcherNotes notes;
    verdict.passed = matcher_.MatchAndExplain(report, &listener);
    verdict.observed = notes.Joined();
    objective = notes.SingleObjective(verdict.objective);
  }
  verdict.explanation = listener.str();
  if (objective) verdict.expression = objective->Expression();
  // A matcher of the test's own (not one of slo.h) notes nothing.
  if (verdict.observed.empty()) verdict.observed = verdict.explanation;
  const double run_seconds =
      static_cast<double>(report.info.actual_duration_ns) / 1e9;
  if (report.info.shard.count > 1) {
    return Deferred(report_text, std::move(verdict), report.info.shard,
                    run_seconds);
  }
  return Judged(report_text, std::move(verdict), run_seconds);
}

}  // namespace loadgate::slo_internal
