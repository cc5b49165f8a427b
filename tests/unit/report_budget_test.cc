// The memory budget of reading a report (kReportHistogramBudgetBytes): a
// short but hostile text (many tags of empty histograms at the highest
// precision) is refused before its histograms are allocated, naming the
// source, the field and the figure; real reports read as before.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "loadgate/report.h"
#include "metrics/report_json_reader.h"
#include "support/sample_report.h"

namespace loadgate {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

nlohmann::json SampleJson() {
  std::ostringstream out;
  WriteJson(test_support::SampleReport(), out);
  return nlohmann::json::parse(out.str());
}

// `tags` copies of the sample's first tag, each histogram emptied and set to
// `precision_bits`: a few hundred bytes of text per histogram, whatever the
// precision, which sets the memory each takes once read.
std::string ReportWithEmptyTags(int tags, int precision_bits) {
  nlohmann::json report = SampleJson();
  nlohmann::json tag = report["tags"][0];
  for (auto& [name, histogram] : tag["histograms"].items()) {
    histogram["precision_bits"] = precision_bits;
    histogram["count"] = 0;
    histogram["buckets"] = nlohmann::json::array();
    histogram["min"] = 0;
    histogram["max"] = 0;
    histogram["sum"] = 0;
  }
  tag["requests"] = 0;
  tag["errors"] = 0;
  tag["met_objectives"] = 0;
  report["tags"] = nlohmann::json::array();
  for (int i = 0; i < tags; ++i) {
    tag["name"] = "tag" + std::to_string(i);
    report["tags"].push_back(tag);
  }
  return report.dump();
}

TEST(ReportBudgetTest, RefusesHistogramsOverTheBudgetNamingFieldAndFigure) {
  // 200 tags x 11 histograms x 6.25 MiB (14 bits): 13.4 GiB from ~0.5 MB.
  const std::string hostile = ReportWithEmptyTags(200, 14);
  ASSERT_LT(hostile.size(), 1u << 20);
  EXPECT_THAT(
      [&] { ReadJsonText(hostile, "hostile.json"); },
      ThrowsMessage<ReportTooLargeError>(
          AllOf(HasSubstr("hostile.json: field tags: the histograms of its 200 "
                          "entries would take 13750 MiB"),
                HasSubstr("over the 1024 MiB a report may take"))));
  // Through ReadJson too, as `loadgate merge` and `compare` read files.
  std::istringstream in(hostile);
  EXPECT_THROW(ReadJson(in, "hostile.json"), ReportTooLargeError);
}

TEST(ReportBudgetTest, ReadsReportsWithinTheBudget) {
  // The same tags at the default precision: 200 x 11 x 57 KiB = 125 MiB.
  const RunReport report =
      ReadJsonText(ReportWithEmptyTags(200, 7), "tags.json");
  ASSERT_EQ(report.metrics.tags.size(), 200u);
  EXPECT_EQ(report.metrics.tags[199].name, "tag199");
  // And a few at 14 bits (3 x 68.75 MiB): high precision alone is no fault.
  EXPECT_EQ(ReadJsonText(ReportWithEmptyTags(3, 14), "fine.json")
                .metrics.tags[0]
                .latency.precision_bits(),
            14);
}

}  // namespace
}  // namespace loadgate
