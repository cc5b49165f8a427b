#include "loadgate/html_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "loadgate/objective.h"
#include "loadgate/report.h"
#include "support/sample_report.h"
#include "support/text.h"

namespace loadgate {
namespace {

using test_support::CountOccurrences;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kDataOpen =
    "<script type=\"application/json\" id=\"loadgate-data\">";

// A run at a constant 10 req/s over `seconds`, of what `recorder` recorded.
RunReport ConstantRun(std::string name, const Recorder& recorder, int seconds) {
  RunReport report;
  report.metrics = recorder.metrics();
  report.info.name = std::move(name);
  report.info.load_model = "constant 10 req/s";
  report.info.target_rps = 10;
  report.info.planned_duration_ns = report.info.actual_duration_ns =
      seconds * 1'000'000'000LL;
  report.info.started_at = "2026-11-23T10:00:00Z";
  return report;
}

// A plain HTTP run (no streams): 20 requests over 2 s, two of them 503s.
RunReport PlainRun(std::string name) {
  Recorder recorder({"GET /health"}, {}, 2);
  for (int i = 0; i < 20; ++i) {
    RequestSample sample;
    sample.intended_ns = i * 100'000'000LL;
    sample.latency_ns = sample.service_time_ns = (i + 1) * 1'000'000LL;
    sample.status = i % 10 == 9 ? 503 : 200;
    if (sample.status == 503) sample.error = ErrorKind::kHttp5xx;
    recorder.Record(sample);
  }
  return ConstantRun(std::move(name), recorder, 2);
}

// Ten requests a second over `seconds`, all to the first of two endpoints.
RunReport RunOver(int seconds) {
  Recorder recorder({"GET /busy", "GET /idle"}, {}, seconds);
  for (int i = 0; i < 10 * seconds; ++i) {
    RequestSample sample;
    sample.intended_ns = i * 100'000'000LL;
    sample.latency_ns = sample.service_time_ns = 2'000'000;
    sample.status = 200;
    recorder.Record(sample);
  }
  return ConstantRun("timed", recorder, seconds);
}

std::string Html(const std::vector<RunReport>& runs,
                 const std::vector<ObjectiveResult>& slos = {}) {
  std::ostringstream out;
  WriteHtmlReport(runs, slos, out);
  return out.str();
}

// The markup of the figure of chart `name` (the first on the page).
std::string Figure(const std::string& html, std::string_view name) {
  const size_t begin =
      html.find("<figure class=\"chart\" data-chart=\"" + std::string(name));
  if (begin == std::string::npos) return "";
  return html.substr(begin, html.find("</figure>", begin) - begin);
}

// The labels under a chart's x axis, left to right.
std::vector<std::string> XTicks(const std::string& figure) {
  // The x ticks are the centred labels on the line below the plot.
  static const std::regex kTick(
      "<text x=\"[0-9.]+\" y=\"238\\.0\" text-anchor=\"middle\">([^<]*)"
      "</text>");
  std::vector<std::string> ticks;
  for (std::sregex_iterator it(figure.begin(), figure.end(), kTick), end;
       it != end; ++it) {
    ticks.push_back((*it)[1]);
  }
  return ticks;
}

// The page's embedded chart data, parsed as the page's script parses it.
nlohmann::json EmbeddedData(const std::string& html) {
  const size_t open = html.find(kDataOpen);
  if (open == std::string::npos) {
    ADD_FAILURE() << "no data block";
    return nullptr;
  }
  const size_t begin = open + kDataOpen.size();
  const size_t end = html.find("</script>", begin);
  return nlohmann::json::parse(html.substr(begin, end - begin));
}

TEST(HtmlReportTest, EmbedsTheChartDataOfEveryRun) {
  const RunReport sample = test_support::SampleReport();
  const RunReport plain = PlainRun("plain");
  const std::string html = Html({sample, plain});

  const nlohmann::json data = EmbeddedData(html);
  ASSERT_EQ(data["runs"].size(), 2u);
  const nlohmann::json& run = data["runs"][0];
  EXPECT_EQ(run["name"], "sample");
  EXPECT_EQ(run["target_rps"], 100);
  // Up to the last second with a completed request, as in the JSON report.
  ASSERT_EQ(run["series"].size(), 11u);
  uint64_t series_requests = 0;
  for (const auto& slot : run["series"]) {
    series_requests += slot["requests"].get<uint64_t>();
  }
  EXPECT_EQ(series_requests, sample.requests());
  uint64_t bucket_count = 0;
  for (const auto& bucket : run["latency_buckets_ms"]) {
    bucket_count += bucket[1].get<uint64_t>();
  }
  EXPECT_EQ(bucket_count, sample.requests());
  EXPECT_EQ(data["runs"][1]["error_kinds"], nlohmann::json({"http_5xx"}));
  EXPECT_THAT(html, HasSubstr("id=\"run-0\""));
  EXPECT_THAT(html, HasSubstr("id=\"run-1\""));
  EXPECT_THAT(html, HasSubstr("data-rendered"));
}

TEST(HtmlReportTest, KeepsScriptEndTagsInNamesOutOfTheScripts) {
  const std::string evil = "evil</script><script>alert(1)</script>";
  RunReport run = PlainRun(evil);
  run.metrics.tags[0].name = evil;
  const std::string html = Html({run});

  // Only the closing tags of the data block and of the page script.
  EXPECT_EQ(CountOccurrences(html, "</script>"), 2u);
  EXPECT_THAT(html, Not(HasSubstr("<script>alert")));
  EXPECT_THAT(html, HasSubstr("evil&lt;/script&gt;&lt;script&gt;"));
  EXPECT_EQ(EmbeddedData(html)["runs"][0]["name"], evil);
}

TEST(HtmlReportTest, ListsEverySloWithItsVerdict) {
  const RunReport sample = test_support::SampleReport();
  const Objective met{.metric = "latency",
                      .percentile = 95,
                      .op = Objective::Op::kLt,
                      .threshold = 3000};
  const Objective missed{
      .metric = "error_rate", .op = Objective::Op::kLt, .threshold = 0.001};
  const std::string html =
      Html({sample}, {Evaluate(met, sample), Evaluate(missed, sample)});

  EXPECT_EQ(CountOccurrences(html, "<tr class=\"slo pass\">"), 1u);
  EXPECT_EQ(CountOccurrences(html, "<tr class=\"slo fail\">"), 1u);
  EXPECT_THAT(html, HasSubstr("1 passed, 1 failed"));
  EXPECT_THAT(html, HasSubstr("<td>p95 latency &lt; 3000 ms</td>"));
  EXPECT_THAT(html, HasSubstr("<td>error rate &lt; 0.1 %</td>"));
  EXPECT_THAT(html, HasSubstr("0.30 %"));  // the observed error rate
}

TEST(HtmlReportTest, ShowsTheVerdictsAReportKeeps) {
  RunReport sample = test_support::SampleReport();
  sample.slos = {{"p95 latency is < 100 ms", false,
                  "p95 latency 950 ms over 1000 requests", "the story"}};
  const std::string html = Html({sample});

  EXPECT_EQ(CountOccurrences(html, "<tr class=\"slo fail\">"), 1u);
  EXPECT_THAT(html, HasSubstr("<td>p95 latency is &lt; 100 ms</td>"));
  EXPECT_THAT(html, HasSubstr("p95 latency 950 ms over 1000 requests"));
  // Objectives judged for the page take the place of the kept ones.
  const Objective met{
      .metric = "error_rate", .op = Objective::Op::kLt, .threshold = 0.01};
  const std::string judged = Html({sample}, {Evaluate(met, sample)});
  EXPECT_EQ(CountOccurrences(judged, "<tr class=\"slo "), 1u);
  EXPECT_THAT(judged, HasSubstr("<td>error rate &lt; 1 %</td>"));
}

TEST(HtmlReportTest, ShowsTheLlmSectionOnlyForStreamedRuns) {
  const std::string llm = Html({test_support::SampleReport()});
  EXPECT_THAT(llm, HasSubstr("<section class=\"llm\">"));
  EXPECT_THAT(llm, HasSubstr("data-chart=\"ttft\""));
  EXPECT_THAT(llm, HasSubstr("Time to first token"));
  EXPECT_THAT(llm, HasSubstr("$0.0290"));    // the sample's estimated cost
  EXPECT_THAT(llm, HasSubstr("$0.000029"));  // and that per request
  EXPECT_TRUE(EmbeddedData(llm)["runs"][0]["llm"].get<bool>());

  const std::string plain = Html({PlainRun("plain")});
  EXPECT_THAT(plain, Not(HasSubstr("<section class=\"llm\">")));
  EXPECT_THAT(plain, Not(HasSubstr("data-chart=\"ttft\"")));
  EXPECT_FALSE(EmbeddedData(plain)["runs"][0]["llm"].get<bool>());
}

TEST(HtmlReportTest, ShowsWhyARunStoppedEarly) {
  RunReport run = PlainRun("plain");
  EXPECT_THAT(Html({run}), HasSubstr("completed as planned"));
  run.info.stop_reason = "max error rate 10 % over 10 s > 5 %";
  EXPECT_THAT(Html({run}),
              HasSubstr("stopped early: max error rate 10 % over 10 s &gt; "
                        "5 %"));
}

TEST(HtmlReportTest, ListsEveryEndpoint) {
  const std::string html = Html({test_support::SampleReport()});
  EXPECT_THAT(html,
              HasSubstr("<td>GET /patients/{mrn}</td><td "
                        "class=\"num\">900</td><td class=\"num\">3</td>"));
  EXPECT_THAT(html, HasSubstr("<td>chat</td><td class=\"num\">100</td>"));
}

TEST(HtmlReportTest, DrawsTheChartsAsSvgThatNeedNoStylesheet) {
  const std::string html =
      Html({test_support::SampleReport(), PlainRun("plain")});

  // Four charts a run, two more for the LLM run: all there without a script.
  EXPECT_EQ(CountOccurrences(html, "<svg "), 10u);
  EXPECT_EQ(CountOccurrences(html, "<figure class=\"chart\""), 10u);
  const std::string latency = Figure(html, "latency");
  EXPECT_EQ(CountOccurrences(latency, "<polyline "), 3u);
  EXPECT_THAT(latency, HasSubstr("data-points=\"33\""));  // 11 s, 3 lines
  EXPECT_THAT(latency, HasSubstr(" stroke=\"#f59e0b\" stroke-width=\"1.8\" "
                                 "data-series=\"p95\""));
  EXPECT_THAT(latency, HasSubstr(">p95</text>"));  // its legend
  EXPECT_THAT(latency, HasSubstr(">second of the run</text>"));
  EXPECT_THAT(Figure(html, "rate"), HasSubstr("stroke-dasharray=\"6 4\""));
  EXPECT_THAT(Figure(html, "distribution"), HasSubstr("<rect "));
  // Colours and fonts are attributes: a policy that forbids inline styles
  // (style-src 'self') drops style attributes.
  EXPECT_THAT(html, Not(HasSubstr(" style=\"")));
  EXPECT_THAT(latency, HasSubstr("font-size=\"11\""));
  // Written the same every time.
  EXPECT_EQ(html, Html({test_support::SampleReport(), PlainRun("plain")}));
}

TEST(HtmlReportTest, TicksShortRunsAtWholeSeconds) {
  EXPECT_THAT(XTicks(Figure(Html({RunOver(2)}), "latency")),
              ::testing::ElementsAre("0", "1", "2"));
  EXPECT_THAT(XTicks(Figure(Html({RunOver(1)}), "rate")),
              ::testing::ElementsAre("0", "1"));
  EXPECT_THAT(XTicks(Figure(Html({RunOver(15)}), "errors")),
              ::testing::ElementsAre("0", "5", "10", "15"));
  EXPECT_THAT(XTicks(Figure(Html({RunOver(60)}), "latency")),
              ::testing::ElementsAre("0", "10", "20", "30", "40", "50", "60"));
}

TEST(HtmlReportTest, ShowsNoPercentilesForAnEndpointWithoutRequests) {
  const std::string html = Html({RunOver(2)});
  EXPECT_THAT(html, HasSubstr("<td>GET /busy</td><td class=\"num\">20</td>"));
  EXPECT_THAT(
      html, HasSubstr("<tr><td>GET /idle</td><td class=\"num\">0</td>"
                      "<td class=\"num\">0</td><td class=\"num\">\u2014</td>"
                      "<td class=\"num\">0.0</td><td class=\"num\">\u2014</td>"
                      "<td class=\"num\">\u2014</td><td class=\"num\">\u2014"
                      "</td><td class=\"num\">\u2014</td></tr>"));
}

TEST(HtmlReportTest, TitlesEachCardAfterItsRun) {
  // A suite's scenario at three presets: one name, three load models.
  std::vector<RunReport> presets;
  for (int rps : {10, 100, 10}) {
    presets.push_back(PlainRun("db_api"));
    presets.back().info.load_model =
        "constant " + std::to_string(rps) + " req/s";
  }
  const std::string html = Html(presets);
  EXPECT_THAT(html, HasSubstr("<h2>db_api \u00b7 constant 10 req/s #1</h2>"));
  EXPECT_THAT(html, HasSubstr("<h2>db_api \u00b7 constant 100 req/s</h2>"));
  EXPECT_THAT(html, HasSubstr("<h2>db_api \u00b7 constant 10 req/s #3</h2>"));
  EXPECT_THAT(Html({PlainRun("db_api"), PlainRun("chat")}),
              HasSubstr("<h2>db_api</h2>"));

  // Titles the caller gives (the tests that ran, the report files' names).
  std::ostringstream titled;
  WriteHtmlReport(presets, {}, {"rps_10", "rps_100", ""}, titled);
  EXPECT_THAT(titled.str(), HasSubstr("<h2>rps_10</h2>"));
  EXPECT_THAT(titled.str(), HasSubstr("<h2>rps_100</h2>"));
  EXPECT_THAT(titled.str(), HasSubstr("<h2>db_api</h2>"));
  std::ostringstream one;
  WriteHtmlReport({PlainRun("db_api")}, {}, {"DbApiLoad.MeetsSlos"}, one);
  EXPECT_THAT(one.str(),
              HasSubstr("<title>loadgate report: DbApiLoad.MeetsSlos</title>"));
}

}  // namespace
}  // namespace loadgate
