// Renders generated HTML reports in headless Chromium (Debian's `chromium`)
// and checks, in the DOM after the page's script ran, that every chart is
// there without a script error; and, served with the Content-Security-Policy
// Jenkins puts on archived files (no scripts, no inline styles), that the
// charts and their labels are there all the same.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "loadgate/html_report.h"
#include "loadgate/objective.h"
#include "loadgate/report.h"
#include "support/headless_chromium.h"
#include "support/run_command.h"
#include "support/sample_report.h"
#include "support/temp_dir.h"
#include "support/test_server.h"
#include "support/text.h"

namespace loadgate {
namespace {

// A run with errors of two kinds over its 3 s, so the error chart has more
// than one line.
RunReport RunWithErrors() {
  Recorder recorder({"GET /patients", "POST /triage"}, {}, 3);
  for (int i = 0; i < 300; ++i) {
    RequestSample sample;
    sample.tag = static_cast<uint16_t>(i % 2);
    sample.intended_ns = i * 10'000'000LL;
    sample.latency_ns = sample.service_time_ns = (5 + i % 50) * 1'000'000LL;
    sample.status = 200;
    if (i % 29 == 0) {
      sample.status = 503;
      sample.error = ErrorKind::kHttp5xx;
    } else if (i % 31 == 0) {
      sample.status = 0;
      sample.error = ErrorKind::kTimeout;
    }
    recorder.Record(sample);
  }
  RunReport report;
  report.metrics = recorder.metrics();
  report.info.name = "errors </script> run";
  report.info.load_model = "constant 100 req/s";
  report.info.target_rps = 100;
  report.info.planned_duration_ns = report.info.actual_duration_ns =
      3'000'000'000;
  report.info.started_at = "2026-11-23T10:00:00Z";
  return report;
}

// The start tag of the figure for `chart` in run section `run`.
std::string FigureTag(const std::string& dom, int run, std::string_view chart) {
  const size_t section = dom.find("id=\"run-" + std::to_string(run) + "\"");
  if (section == std::string::npos) return "";
  const size_t at =
      dom.find("data-chart=\"" + std::string(chart) + "\"", section);
  if (at == std::string::npos) return "";
  const size_t begin = dom.rfind('<', at);
  return dom.substr(begin, dom.find('>', at) - begin + 1);
}

// The markup of the figure for `chart` in run section `run`, its start tag
// to its end tag ("" when absent).
std::string Figure(const std::string& dom, int run, std::string_view chart) {
  const std::string tag = FigureTag(dom, run, chart);
  if (tag.empty()) return "";
  const size_t begin = dom.find(tag);
  const size_t end = dom.find("</figure>", begin);
  return dom.substr(begin, end - begin);
}

// The figure's data-points attribute (what the script drew), -1 if absent.
int DrawnPoints(const std::string& figure_tag) {
  constexpr std::string_view kAttribute = "data-points=\"";
  const size_t at = figure_tag.find(kAttribute);
  if (at == std::string::npos) return -1;
  return std::atoi(figure_tag.c_str() + at + kAttribute.size());
}

class HtmlReportChromiumTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(test_support::kChromium)) {
      GTEST_SKIP() << "Chromium is not installed (apt-get install chromium); "
                      "cannot render the HTML report";
    }
  }

  test_support::TempDir dir_;
};

TEST_F(HtmlReportChromiumTest, DrawsEveryChartWithoutScriptErrors) {
  const RunReport llm_run = test_support::SampleReport();
  const RunReport error_run = RunWithErrors();
  const Objective objective{.metric = "latency",
                            .percentile = 95,
                            .op = Objective::Op::kLt,
                            .threshold = 100};
  std::ostringstream html;
  WriteHtmlReport(
      {llm_run, error_run},
      std::vector<std::vector<ObjectiveResult>>{
          {Evaluate(objective, llm_run)}, {Evaluate(objective, error_run)}},
      html);
  const std::string page = dir_.WriteFile("report.html", html.str());

  const std::string dom =
      test_support::RenderedDom(dir_.path(), "file://" + page);
  ASSERT_FALSE(dom.empty())
      << "chromium failed; see its log in " << dir_.path();

  // The DOM is long: report what is missing, not the whole page.
  auto contains = [&dom](std::string_view text) {
    return dom.find(text) != std::string::npos;
  };
  EXPECT_TRUE(contains("<body data-rendered=\"ok\">"));
  EXPECT_FALSE(contains("id=\"script-error\""));
  for (std::string_view chart :
       {"latency", "rate", "errors", "distribution", "tokens", "ttft"}) {
    const std::string tag = FigureTag(dom, 0, chart);
    EXPECT_GT(DrawnPoints(tag), 0) << "run 0, chart " << chart << ": " << tag;
  }
  for (std::string_view chart : {"latency", "rate", "errors", "distribution"}) {
    const std::string tag = FigureTag(dom, 1, chart);
    EXPECT_GT(DrawnPoints(tag), 0) << "run 1, chart " << chart << ": " << tag;
  }
  EXPECT_EQ(FigureTag(dom, 1, "ttft"), "");  // not an LLM run
  // The error chart of run 1: all errors, http_5xx and timeout lines.
  EXPECT_TRUE(contains("data-series=\"timeout\""));
  EXPECT_TRUE(contains("data-series=\"http_5xx\""));
  EXPECT_TRUE(contains("<polyline"));
  EXPECT_TRUE(contains("<rect"));
}

// What Jenkins sends with every archived file by default
// (hudson.model.DirectoryBrowserSupport.CSP): a sandbox without scripts, and
// styles only from files of the same origin, so no inline <style> block and
// no style attribute applies.
constexpr std::string_view kJenkinsCsp =
    "sandbox; default-src 'none'; img-src 'self'; style-src 'self';";

TEST_F(HtmlReportChromiumTest, ShowsChartsUnderJenkinsArchivePolicy) {
  std::ostringstream html;
  WriteHtmlReport({test_support::SampleReport(), RunWithErrors()},
                  std::vector<ObjectiveResult>(), html);
  // A policy in a <meta> element cannot sandbox a page: only the header
  // does, so the page is served as Jenkins serves it.
  test_support::TestServer server;
  server.Handle("/report.html", [page = html.str()](
                                    const test_support::HttpRequest&,
                                    test_support::ResponseWriter& writer) {
    writer.Send(200, page, "text/html; charset=utf-8",
                {{"Content-Security-Policy", std::string(kJenkinsCsp)}});
  });

  const std::string dom = test_support::RenderedDom(
      dir_.path(), server.base_url() + "/report.html");
  ASSERT_FALSE(dom.empty())
      << "chromium failed; see its log in " << dir_.path();
  ASSERT_EQ(server.CountTarget("/report.html"), 1u);

  // The policy was in force: the page's script never ran.
  EXPECT_EQ(dom.find("data-rendered="), std::string::npos);
  // Nothing relies on a style attribute, which the policy drops.
  EXPECT_EQ(dom.find(" style=\""), std::string::npos);
  // Six charts for the LLM run, four for the other, each an SVG with its
  // lines or bars, coloured by attributes, and its axis labels.
  EXPECT_EQ(test_support::CountOccurrences(dom, "<svg "), 10u);
  for (std::string_view chart :
       {"latency", "rate", "errors", "tokens", "distribution", "ttft"}) {
    for (int run : {0, 1}) {
      const std::string figure = Figure(dom, run, chart);
      if (run == 1 && (chart == "tokens" || chart == "ttft")) {
        EXPECT_EQ(figure, "") << "run 1 is no LLM run";
        continue;
      }
      SCOPED_TRACE("run " + std::to_string(run) + ", chart " +
                   std::string(chart));
      ASSERT_NE(figure.find("<svg "), std::string::npos) << figure;
      const bool over_time = chart != "distribution" && chart != "ttft";
      EXPECT_NE(figure.find(over_time ? "<polyline " : "<rect "),
                std::string::npos);
      EXPECT_NE(figure.find(over_time ? " stroke=\"#" : " fill=\"#"),
                std::string::npos);
      EXPECT_NE(figure.find(over_time ? ">second of the run</text>"
                                      : " log scale)</text>"),
                std::string::npos);
      EXPECT_NE(figure.find(" font-size=\""), std::string::npos);
    }
  }
  EXPECT_NE(Figure(dom, 0, "latency").find(">p95</text>"), std::string::npos);
  EXPECT_NE(Figure(dom, 1, "errors").find(">timeout</text>"),
            std::string::npos);
}

// Where scripts run, the page's script adds a readout of the values of the
// second under the pointer; a probe appended to the page points at the
// middle of the first latency chart.
TEST_F(HtmlReportChromiumTest, ReadsOutTheSecondUnderThePointer) {
  std::ostringstream html;
  WriteHtmlReport({RunWithErrors()}, std::vector<ObjectiveResult>(), html);
  constexpr std::string_view kProbe =
      "<script>\n"
      "var svg = document.querySelector('figure[data-chart=latency] svg');\n"
      "var box = svg.getBoundingClientRect();\n"
      "svg.dispatchEvent(new MouseEvent('mousemove', {\n"
      "  clientX: box.left + box.width / 2, clientY: box.top + 100}));\n"
      "</script>\n";
  std::string page = html.str();
  page.insert(page.rfind("</body>"), kProbe);
  const std::string path = dir_.WriteFile("probe.html", page);

  const std::string dom =
      test_support::RenderedDom(dir_.path(), "file://" + path);
  ASSERT_FALSE(dom.empty())
      << "chromium failed; see its log in " << dir_.path();
  EXPECT_NE(dom.find("<body data-rendered=\"ok\">"), std::string::npos);
  // The middle of the view box (x 280) lies in second 1 of the 3 s plot
  // (x 56 to 546).
  const std::string latency = Figure(dom, 0, "latency");
  EXPECT_NE(latency.find(">second 1: p50 "), std::string::npos) << latency;
  EXPECT_NE(latency.find("visibility=\"visible\""), std::string::npos);
}

TEST_F(HtmlReportChromiumTest, ReportCommandRendersJsonReports) {
  std::ostringstream json;
  WriteJson(test_support::SampleReport(), json);
  const std::string report = dir_.WriteFile("sample.json", json.str());
  const std::string page = (dir_.path() / "report.html").string();

  const test_support::CommandResult written = test_support::RunLoadgate(
      {"report", "--in", report, "--slo", "p99(ttft) < 1s", "--out", page},
      dir_.path());
  ASSERT_EQ(written.exit_code, 0) << written.err;
  EXPECT_EQ(written.out,
            "wrote " + page + " (1 run; SLO results: 1 passed, 0 failed)\n");

  const std::string dom =
      test_support::RenderedDom(dir_.path(), "file://" + page);
  ASSERT_FALSE(dom.empty())
      << "chromium failed; see its log in " << dir_.path();
  EXPECT_NE(dom.find("<body data-rendered=\"ok\">"), std::string::npos);
  EXPECT_GT(DrawnPoints(FigureTag(dom, 0, "ttft")), 0);
  EXPECT_NE(dom.find("<tr class=\"slo pass\"><td>p99 TTFT &lt; 1000 ms"),
            std::string::npos);

  // Bad input: exit 2 and one line naming the problem.
  const std::string bad = dir_.WriteFile("bad.json", "{\"schema_version\": 1}");
  const test_support::CommandResult rejected = test_support::RunLoadgate(
      {"report", "--in", bad, "--out", page}, dir_.path());
  EXPECT_EQ(rejected.exit_code, 2);
  EXPECT_EQ(rejected.err,
            "loadgate report: " + bad + ": field info: missing\n");
}

}  // namespace
}  // namespace loadgate
