// The stylesheets and scripts compiled into the pages: each constant holds
// its asset file's bytes exactly, so that what a page inlines is what the
// file under framework/src says.
#include "assets/page_assets.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "gate/html_report_assets.h"
#include "live/page_assets.h"
#include "support/run_command.h"

namespace loadgate {
namespace {

using test_support::ReadFileText;

struct EmbeddedAsset {
  const char* file;  // under framework/src/
  std::string_view text;
};

TEST(PageAssetsTest, EachConstantHoldsItsFileByteForByte) {
  const EmbeddedAsset assets[] = {
      {"assets/page.css", assets::kPageCss},
      {"assets/charts.css", assets::kChartsCss},
      {"assets/charts.js", assets::kChartsJs},
      {"gate/assets/report.js", gate::kReportJs},
      {"live/assets/live.css", live::kLiveCss},
      {"live/assets/live.js", live::kLiveJs},
  };
  for (const EmbeddedAsset& asset : assets) {
    const std::string file = ReadFileText(std::string(LOADGATE_SOURCE_DIR) +
                                          "/framework/src/" + asset.file);
    ASSERT_FALSE(file.empty()) << asset.file;
    EXPECT_EQ(asset.text, file) << asset.file;
  }
}

TEST(PageAssetsTest, TheChartScriptDefinesTheGlobalTheLiveViewCalls) {
  EXPECT_NE(assets::kChartsJs.find("var LoadgateCharts ="),
            std::string_view::npos);
  EXPECT_NE(live::kLiveJs.find("var charts = LoadgateCharts;"),
            std::string_view::npos);
  // The report's charts are drawn when it is written; its script, which
  // the page does not need, must not depend on the chart script.
  EXPECT_EQ(gate::kReportJs.find("LoadgateCharts"), std::string_view::npos);
}

}  // namespace
}  // namespace loadgate
