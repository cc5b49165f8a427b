// The JUnit writers: per-SLO (one testcase per objective, failures carrying
// "observed vs objective", the run's time) and the gate's (a suite named
// after the compared report, case names that never carry figures), both
// well-formed and escaped.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "loadgate/gate.h"
#include "loadgate/objective.h"
#include "loadgate/report.h"
#include "support/sample_report.h"

namespace loadgate {
namespace {

using test_support::BatchRun;
using test_support::ConstantRun;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A parsed element: name, attributes (entities decoded), text, children.
struct Element {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::string text;
  std::vector<Element> children;
};

// A strict parser for the subset the writer emits (declaration, elements,
// attributes in double quotes, text, the five predefined entities). Any
// violation of well-formedness fails the test.
class XmlParser {
 public:
  explicit XmlParser(std::string xml) : xml_(std::move(xml)) {}

  Element ParseDocument() {
    const std::string declaration =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
    EXPECT_EQ(xml_.compare(0, declaration.size(), declaration), 0);
    at_ = declaration.size();
    SkipSpace();
    Element root = ParseElement();
    SkipSpace();
    EXPECT_EQ(at_, xml_.size()) << "content after the root element";
    return root;
  }

 private:
  void SkipSpace() {
    while (at_ < xml_.size() &&
           std::isspace(static_cast<unsigned char>(xml_[at_])))
      ++at_;
  }

  std::string Name() {
    const size_t start = at_;
    while (at_ < xml_.size() &&
           (std::isalnum(static_cast<unsigned char>(xml_[at_])) ||
            xml_[at_] == '-' || xml_[at_] == '_')) {
      ++at_;
    }
    EXPECT_GT(at_, start) << "expected a name at " << start;
    return xml_.substr(start, at_ - start);
  }

  // Text up to `end`, entities decoded; a raw '<' or a bare '&' fails.
  std::string Decoded(char end) {
    std::string text;
    while (at_ < xml_.size() && xml_[at_] != end) {
      const char c = xml_[at_];
      EXPECT_NE(c, '<') << "raw '<' at " << at_;
      if (c != '&') {
        text += c;
        ++at_;
        continue;
      }
      const size_t semicolon = xml_.find(';', at_);
      const std::string entity = xml_.substr(at_, semicolon - at_ + 1);
      static const std::map<std::string, char> kEntities = {{"&amp;", '&'},
                                                            {"&lt;", '<'},
                                                            {"&gt;", '>'},
                                                            {"&quot;", '"'},
                                                            {"&apos;", '\''}};
      const auto found = kEntities.find(entity);
      EXPECT_NE(found, kEntities.end()) << "bad entity " << entity;
      if (found == kEntities.end()) return text;
      text += found->second;
      at_ = semicolon + 1;
    }
    return text;
  }

  Element ParseElement() {
    Element element;
    EXPECT_EQ(xml_[at_], '<');
    ++at_;
    element.name = Name();
    for (SkipSpace(); at_ < xml_.size() && xml_[at_] != '>' && xml_[at_] != '/';
         SkipSpace()) {
      const std::string attribute = Name();
      EXPECT_EQ(xml_.substr(at_, 2), "=\"");
      at_ += 2;
      EXPECT_EQ(element.attributes.count(attribute), 0u);
      element.attributes[attribute] = Decoded('"');
      ++at_;
    }
    if (xml_.compare(at_, 2, "/>") == 0) {
      at_ += 2;
      return element;
    }
    ++at_;  // '>'
    while (at_ < xml_.size() && !HasFailure()) {
      element.text += Decoded('<');
      if (xml_.compare(at_, 2, "</") == 0) {
        at_ += 2;
        EXPECT_EQ(Name(), element.name) << "mismatched end tag";
        EXPECT_EQ(xml_[at_], '>');
        ++at_;
        return element;
      }
      element.children.push_back(ParseElement());
    }
    ADD_FAILURE() << "unterminated <" << element.name << ">";
    return element;
  }

  static bool HasFailure() { return ::testing::Test::HasFailure(); }

  std::string xml_;
  size_t at_ = 0;
};

ObjectiveResult Result(std::string metric, double percentile, double threshold,
                       bool passed, double observed, std::string explanation,
                       std::string tag = "") {
  ObjectiveResult result;
  result.objective.metric = std::move(metric);
  result.objective.percentile = percentile;
  result.objective.threshold = threshold;
  result.objective.tag = std::move(tag);
  result.passed = passed;
  result.observed = observed;
  result.samples = 100;
  result.explanation = std::move(explanation);
  return result;
}

TEST(GateJUnitTest, EachObjectiveIsItsOwnTestcase) {
  const std::vector<ObjectiveResult> results = {
      Result("latency", 95, 300, true, 120, "PASSED p95 latency < 300 ms"),
      Result("error_rate", 0, 0.01, false, 0.05,
             "FAILED error rate < 1 %: observed 5 %"),
      Result("ttft", 99, 2000, false, 2500, "FAILED p99 TTFT < 2000 ms",
             "POST /chat")};
  std::ostringstream out;
  WriteSloJUnit("db_api", results, out, /*seconds=*/12.5);
  const Element root = XmlParser(out.str()).ParseDocument();
  ASSERT_FALSE(::testing::Test::HasFailure()) << out.str();

  EXPECT_EQ(root.name, "testsuites");
  EXPECT_EQ(root.attributes.at("tests"), "3");
  EXPECT_EQ(root.attributes.at("failures"), "2");
  ASSERT_EQ(root.children.size(), 1u);
  const Element& suite = root.children[0];
  EXPECT_EQ(suite.name, "testsuite");
  EXPECT_EQ(suite.attributes.at("name"), "db_api");
  EXPECT_EQ(suite.attributes.at("tests"), "3");
  EXPECT_EQ(suite.attributes.at("failures"), "2");
  EXPECT_EQ(suite.attributes.at("time"), "12.500");
  ASSERT_EQ(suite.children.size(), 3u);

  std::vector<std::string> names;
  for (const Element& testcase : suite.children) {
    EXPECT_EQ(testcase.name, "testcase");
    EXPECT_EQ(testcase.attributes.at("classname"), "db_api");
    // Each objective is judged on the whole run: it took the run's time.
    EXPECT_EQ(testcase.attributes.at("time"), "12.500");
    names.push_back(testcase.attributes.at("name"));
  }
  EXPECT_THAT(names, ElementsAre(results[0].objective.Describe(),
                                 results[1].objective.Describe(),
                                 results[2].objective.Describe()));

  // Passed: no failure, the explanation kept as output.
  ASSERT_EQ(suite.children[0].children.size(), 1u);
  EXPECT_EQ(suite.children[0].children[0].name, "system-out");
  // Failed: observed vs objective, then the whole explanation.
  ASSERT_EQ(suite.children[1].children.size(), 1u);
  const Element& failure = suite.children[1].children[0];
  EXPECT_EQ(failure.name, "failure");
  EXPECT_EQ(failure.attributes.at("message"), "5 % vs error rate < 1 %");
  EXPECT_EQ(failure.text, "FAILED error rate < 1 %: observed 5 %");
  EXPECT_EQ(suite.children[2].children[0].attributes.at("message"),
            "2500 ms vs " + results[2].objective.Describe());
}

TEST(GateJUnitTest, EscapesMarkupInNamesMessagesAndText) {
  const std::string tricky = "GET /search?q=<a>&b=\"c\"&d='e'";
  const std::vector<ObjectiveResult> results = {
      Result("latency", 95, 300, false, 400, "FAILED <p95> & \"more\"\x01 's'",
             tricky)};
  std::ostringstream out;
  WriteSloJUnit("suite <&> \"x\"", results, out);
  const std::string xml = out.str();
  const Element root = XmlParser(xml).ParseDocument();
  ASSERT_FALSE(::testing::Test::HasFailure()) << xml;

  const Element& suite = root.children.at(0);
  EXPECT_EQ(suite.attributes.at("name"), "suite <&> \"x\"");
  const Element& testcase = suite.children.at(0);
  EXPECT_THAT(testcase.attributes.at("name"), HasSubstr(tricky));
  const Element& failure = testcase.children.at(0);
  EXPECT_THAT(failure.attributes.at("message"), HasSubstr(tricky));
  // A control character is not allowed in XML 1.0, even as a reference.
  EXPECT_EQ(failure.text, "FAILED <p95> & \"more\"? 's'");
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
}

TEST(GateJUnitTest, NoObjectivesIsAnEmptySuite) {
  std::ostringstream out;
  WriteSloJUnit("empty", {}, out);
  const Element root = XmlParser(out.str()).ParseDocument();
  ASSERT_FALSE(::testing::Test::HasFailure()) << out.str();
  EXPECT_EQ(root.attributes.at("tests"), "0");
  ASSERT_EQ(root.children.size(), 1u);
  EXPECT_TRUE(root.children[0].children.empty());
  // No duration given: no time rather than a made-up 0.
  EXPECT_EQ(root.children[0].attributes.count("time"), 0u);
}

Element ParseGateJUnit(const GateResult& result, const std::string& suite) {
  std::ostringstream out;
  WriteGateJUnit(result, suite, out);
  Element root = XmlParser(out.str()).ParseDocument();
  EXPECT_FALSE(::testing::Test::HasFailure()) << out.str();
  return root;
}

std::vector<std::string> CaseNames(const Element& suite) {
  std::vector<std::string> names;
  for (const Element& testcase : suite.children) {
    names.push_back(testcase.attributes.at("name"));
  }
  return names;
}

const Element* Child(const Element& element, const std::string& name) {
  for (const Element& child : element.children) {
    if (child.name == name) return &child;
  }
  return nullptr;
}

std::map<std::string, std::string> Properties(const Element& testcase) {
  std::map<std::string, std::string> properties;
  if (const Element* list = Child(testcase, "properties")) {
    for (const Element& property : list->children) {
      properties[property.attributes.at("name")] =
          property.attributes.at("value");
    }
  }
  return properties;
}

TEST(GateJUnitTest, SuiteNamesTheReportAndCaseNamesNeverCarryFigures) {
  const std::vector<GateMetric> metrics = DefaultGateMetrics();
  const Element passing = ParseGateJUnit(
      Compare({ConstantRun(100)}, {ConstantRun(105)}, metrics), "rps_10");
  const Element failing = ParseGateJUnit(
      Compare({ConstantRun(40)}, {ConstantRun(90, 20)}, metrics), "rps_10");
  ASSERT_EQ(passing.children.size(), 1u);
  ASSERT_EQ(failing.children.size(), 1u);
  const Element& suite = failing.children[0];
  EXPECT_EQ(suite.attributes.at("name"), "rps_10");
  EXPECT_EQ(suite.children.at(0).attributes.at("classname"), "rps_10");

  // Other baselines and results, the same cases: CI keeps their history.
  EXPECT_THAT(
      CaseNames(suite),
      ElementsAre("latency.p95 does not regress",
                  "latency.p99 does not regress", "error_rate does not regress",
                  "achieved_rps does not regress",
                  "latency.p95 [tag GET /a] does not regress",
                  "latency.p99 [tag GET /a] does not regress",
                  "error_rate [tag GET /a] does not regress",
                  "achieved_rps [tag GET /a] does not regress",
                  "current run 1 runs to its planned end"));
  EXPECT_EQ(CaseNames(passing.children[0]), CaseNames(suite));

  // The limit this baseline gave goes in the message and the properties.
  const Element& p95 = suite.children.at(0);
  const Element* failure = Child(p95, "failure");
  ASSERT_NE(failure, nullptr);
  EXPECT_EQ(failure->attributes.at("message"), "90 ms vs p95 latency <= 44 ms");
  EXPECT_THAT(failure->text, HasSubstr("beyond the tolerance +10 %"));
  const std::map<std::string, std::string> properties = Properties(p95);
  EXPECT_EQ(properties.at("limit"), "p95 latency <= 44 ms");
  EXPECT_EQ(properties.at("baseline"), "40 ms");
  EXPECT_EQ(properties.at("current"), "90 ms");
  EXPECT_EQ(properties.at("tolerance"), "+10 % (at least 1 ms)");
  EXPECT_EQ(properties.at("spread"), "n/a");
  EXPECT_EQ(Child(passing.children[0].children.at(0), "failure"), nullptr);
}

TEST(GateJUnitTest, EveryCurrentRunIsACaseFailedWhenItStoppedEarly) {
  RunReport stopped = ConstantRun(100);
  stopped.info.stop_reason = "max error rate 5.2 % over 10 s > 5 %";
  const GateResult result =
      Compare({ConstantRun(100)}, {ConstantRun(100), stopped},
              DefaultGateMetrics(), kDefaultMinSamples,
              {{"base/db.json"}, {"run-1/db.json", "run-2/db.json"}});
  const Element root = ParseGateJUnit(result, "db");
  const Element& suite = root.children.at(0);
  EXPECT_EQ(suite.attributes.at("failures"), "1");
  // Two 10 s current runs: every case took the 20 s of load it judged.
  EXPECT_EQ(suite.attributes.at("time"), "20.000");
  const Element& first = suite.children.at(suite.children.size() - 2);
  const Element& second = suite.children.back();
  EXPECT_EQ(first.attributes.at("name"),
            "current run 1 runs to its planned end");
  EXPECT_EQ(first.attributes.at("time"), "20.000");
  EXPECT_EQ(Child(first, "failure"), nullptr);
  EXPECT_EQ(second.attributes.at("name"),
            "current run 2 runs to its planned end");
  const Element* failure = Child(second, "failure");
  ASSERT_NE(failure, nullptr);
  EXPECT_EQ(failure->attributes.at("message"),
            "stopped early: max error rate 5.2 % over 10 s > 5 %");
  EXPECT_EQ(failure->text,
            "current run run-2/db.json stopped early: max error rate 5.2 % "
            "over 10 s > 5 %");
  EXPECT_EQ(Properties(second).at("run"), "run-2/db.json");
}

TEST(GateJUnitTest, EscapesTagsAndSuiteNames) {
  GateRow row;
  row.metric = DefaultGateMetrics().front();
  row.tag = "GET /q?a=<b>&c=\"d\"";
  row.baseline = 10;
  row.current = 30;
  row.worsening = 20;
  row.allowed = 1;
  row.regressed = true;
  row.message = "p95 <latency> & more";
  GateResult result;
  result.rows.push_back(row);
  const Element root = ParseGateJUnit(result, "suite <&> \"x\"");
  const Element& suite = root.children.at(0);
  EXPECT_EQ(suite.attributes.at("name"), "suite <&> \"x\"");
  EXPECT_EQ(suite.children.at(0).attributes.at("name"),
            "latency.p95 [tag GET /q?a=<b>&c=\"d\"] does not regress");
  EXPECT_EQ(Child(suite.children.at(0), "failure")->text,
            "p95 <latency> & more");

  // A rate that fell to 0 is still an observed value.
  GateRow rate;
  rate.metric = {
      .metric = "achieved_rps",
      .tolerance = {.kind = Tolerance::Kind::kRelative, .value = 0.05}};
  rate.baseline = 100;
  rate.allowed = 5;
  rate.worsening = 100;
  rate.regressed = true;
  result.rows = {rate};
  const Element stalled = ParseGateJUnit(result, "stalled");
  EXPECT_THAT(Child(stalled.children.at(0).children.at(0), "failure")
                  ->attributes.at("message"),
              ::testing::StartsWith("0 req/s vs "));
}

TEST(GateSuiteNameTest, TheStemTheCurrentReportsShare) {
  const std::vector<RunReport> two = {ConstantRun(100), ConstantRun(100)};
  EXPECT_EQ(GateSuiteName({"cur/run-1/Db.Slo_rps_10.json",
                           "cur/run-2/Db.Slo_rps_10.json"},
                          two),
            "Db.Slo_rps_10");
  // Different files of one test: its name.
  EXPECT_EQ(GateSuiteName({"cur1.json", "cur2.json"}, two),
            ConstantRun(100).info.name);
  // Neither shared: every stem, so merged files still tell them apart.
  RunReport other = BatchRun({{.count = 100, .latency_ms = 1}});
  other.info.name = "other";
  EXPECT_EQ(GateSuiteName({"a.json", "b.json"}, {ConstantRun(100), other}),
            "a, b");
  EXPECT_EQ(GateSuiteName({}, {RunReport()}), "loadgate compare");
}

}  // namespace
}  // namespace loadgate
