// The metric catalogue is the one list of metrics: names are unique, each
// row is complete, and the documentation's table is the catalogue's.
#include "metrics/metric_catalogue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>

#include "loadgate/config.h"
#include "loadgate/objective.h"
#include "metrics/observation.h"
#include "support/run_command.h"

namespace loadgate {
namespace {

std::string ThresholdForm(MetricUnit unit) {
  switch (unit) {
    case MetricUnit::kMilliseconds:
      return "duration";
    case MetricUnit::kFraction:
      return "percentage or fraction";
    case MetricUnit::kTokensPerSecond:
      return "tokens/s";
    case MetricUnit::kRequestsPerSecond:
      return "req/s";
    case MetricUnit::kUsd:
      return "USD";
  }
  return "?";
}

// The table of docs/scenario-format.md, as the catalogue says it must read.
std::string DocumentationTable() {
  std::string table =
      "| metric | kind | what it measures | threshold |\n"
      "| --- | --- | --- | --- |\n";
  for (const MetricDefinition& metric : MetricCatalogue()) {
    table += "| `" + std::string(metric.name) + "` | " +
             (metric.kind == MetricKind::kDistribution ? "distribution"
                                                       : "run figure") +
             " | " + std::string(metric.description) + " | " +
             ThresholdForm(metric.unit) + " |\n";
  }
  table +=
      "| `custom:<name>` | distribution | a flow's `metric` | duration |\n";
  return table;
}

TEST(MetricCatalogueTest, NamesAndKeysAreUniqueAndRowsComplete) {
  std::set<std::string_view> names;
  std::set<std::string_view> keys;
  for (const MetricDefinition& metric : MetricCatalogue()) {
    EXPECT_TRUE(names.insert(metric.name).second) << metric.name;
    EXPECT_TRUE(keys.insert(metric.summary_key).second) << metric.name;
    EXPECT_FALSE(metric.label.empty()) << metric.name;
    EXPECT_FALSE(metric.description.empty()) << metric.name;
    EXPECT_EQ(FindMetric(metric.name), &metric);
    EXPECT_TRUE(IsKnownMetric(metric.name));
    if (metric.kind == MetricKind::kDistribution) {
      EXPECT_NE(metric.histogram, nullptr) << metric.name;
      EXPECT_EQ(metric.figure, nullptr) << metric.name;
      EXPECT_GT(metric.histogram_scale, 0) << metric.name;
    } else {
      EXPECT_EQ(metric.histogram, nullptr) << metric.name;
      EXPECT_NE(metric.figure, nullptr) << metric.name;
    }
  }
  EXPECT_EQ(FindMetric("custom:full_turn"), nullptr);
  EXPECT_EQ(FindMetric("latancy"), nullptr);
}

TEST(MetricCatalogueTest, EveryTimeIsWorseWhenItGrows) {
  for (const MetricDefinition& metric : MetricCatalogue()) {
    if (metric.unit == MetricUnit::kMilliseconds) {
      EXPECT_FALSE(metric.higher_is_better) << metric.name;
    }
  }
  EXPECT_TRUE(FindMetric("slo_attainment")->higher_is_better);
  EXPECT_FALSE(FindMetric("error_rate")->higher_is_better);
}

// Reports keep each objective as an expression that `loadgate merge` parses
// again: for every metric, with a tag full of syntax, the expression must
// give back the very objective.
TEST(MetricCatalogueTest, EveryObjectiveSurvivesItsExpression) {
  std::vector<std::string> metrics = {"custom:full_turn"};
  for (const MetricDefinition& metric : MetricCatalogue()) {
    metrics.emplace_back(metric.name);
  }
  for (const std::string& metric : metrics) {
    const bool distribution =
        metric.starts_with("custom:") ||
        FindMetric(metric)->kind == MetricKind::kDistribution;
    const bool fraction = !metric.starts_with("custom:") &&
                          FindMetric(metric)->unit == MetricUnit::kFraction;
    for (const std::string tag : {"", "GET /patients/{mrn} <v2>"}) {
      Objective objective{.metric = metric,
                          .percentile = distribution ? 99.9 : 0,
                          .op = Objective::Op::kGe,
                          .threshold = fraction ? 0.0125 : 2.159,
                          .tag = tag};
      const std::string expression = objective.Expression();
      const Objective parsed = ParseObjective(expression);
      EXPECT_EQ(parsed.metric, objective.metric) << expression;
      EXPECT_EQ(parsed.percentile, objective.percentile) << expression;
      EXPECT_EQ(parsed.op, objective.op) << expression;
      EXPECT_EQ(parsed.threshold, objective.threshold) << expression;
      EXPECT_EQ(parsed.tag, objective.tag) << expression;
    }
  }
}

TEST(MetricCatalogueTest, TheDocumentationListsTheCatalogue) {
  const std::string docs = test_support::ReadFileText(
      std::string(LOADGATE_SOURCE_DIR) + "/docs/scenario-format.md");
  ASSERT_FALSE(docs.empty());
  EXPECT_THAT(docs, ::testing::HasSubstr(DocumentationTable()))
      << "docs/scenario-format.md's metric table should read:\n"
      << DocumentationTable();
}

}  // namespace
}  // namespace loadgate
