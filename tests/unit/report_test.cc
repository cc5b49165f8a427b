#include "loadgate/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

#include "metrics/figures.h"
#include "metrics/json_document.h"
#include "support/sample_report.h"

namespace loadgate {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1'000'000'000;

std::string Json(const RunReport& report) {
  std::ostringstream out;
  WriteJson(report, out);
  return out.str();
}

RunReport RoundTrip(const RunReport& report) {
  std::istringstream in(Json(report));
  return ReadJson(in, "round-trip.json");
}

TEST(ReportFiguresTest, DerivesRatesFromTotalsAndDuration) {
  const RunReport report = test_support::SampleReport();
  EXPECT_EQ(report.requests(), 1000u);
  EXPECT_EQ(report.errors(), 3u);
  EXPECT_DOUBLE_EQ(report.error_rate(), 0.003);
  EXPECT_DOUBLE_EQ(report.achieved_rps(), 100);
  // 1000 - 3 errors - 19 other patients (881..899) and 10 chat requests that
  // missed their objective.
  EXPECT_DOUBLE_EQ(report.slo_attainment(), 0.968);
  EXPECT_DOUBLE_EQ(report.goodput_rps(), 96.8);
  EXPECT_DOUBLE_EQ(report.output_tokens_per_s(), 500);
  // 3200 prompt tokens at $1.25/M + 5000 output tokens at $5/M.
  EXPECT_DOUBLE_EQ(report.estimated_cost_usd(), 0.029);
  ASSERT_NE(report.FindTag("chat"), nullptr);
  EXPECT_EQ(report.FindTag("chat")->requests, 100u);
  EXPECT_EQ(report.FindTag("nope"), nullptr);
  EXPECT_NE(report.FindCustom("full_turn"), nullptr);
  EXPECT_EQ(report.FindCustom("nope"), nullptr);
}

TEST(ReportFiguresTest, EmptyRunHasZeroRatesNotNaN) {
  const RunReport report;
  EXPECT_EQ(report.error_rate(), 0);
  EXPECT_EQ(report.achieved_rps(), 0);
  EXPECT_EQ(report.slo_attainment(), 0);
  const Figures figures = ComputeFigures(TagStats(), RunInfo());
  EXPECT_EQ(figures.goodput_rps, 0);
}

TEST(ReportJsonTest, HasTheDocumentedFields) {
  const RunReport report = test_support::SampleReport();
  const nlohmann::json json = nlohmann::json::parse(Json(report));
  EXPECT_EQ(json["schema_version"], 1);
  const auto& summary = json["summary"];
  EXPECT_EQ(summary["requests"], 1000);
  EXPECT_EQ(summary["errors"], 3);
  EXPECT_DOUBLE_EQ(summary["error_rate"].get<double>(), 0.003);
  EXPECT_DOUBLE_EQ(summary["achieved_rps"].get<double>(), 100);
  EXPECT_DOUBLE_EQ(summary["goodput_rps"].get<double>(), 96.8);
  EXPECT_DOUBLE_EQ(summary["slo_attainment"].get<double>(), 0.968);
  EXPECT_DOUBLE_EQ(summary["latency_ms"]["p95"].get<double>(),
                   report.metrics.total.latency.Percentile(95) / 1e6);
  for (const char* key : {"p50", "p90", "p95", "p99", "max", "mean"}) {
    EXPECT_TRUE(summary["latency_ms"].contains(key)) << key;
    EXPECT_TRUE(summary["service_time_ms"].contains(key)) << key;
    EXPECT_TRUE(summary["ttfb_ms"].contains(key)) << key;
  }
  for (const char* key : {"ttft_ms", "first_chunk_ms", "itl_chunk_ms",
                          "itl_token_ms", "tpot_ms", "request_tokens_per_s"}) {
    EXPECT_TRUE(summary.contains(key)) << key;
  }
  EXPECT_EQ(summary["tokens"]["output"], 5000);
  EXPECT_DOUBLE_EQ(summary["estimated_cost_usd"].get<double>(), 0.029);
  EXPECT_EQ(json["errors_by_kind"]["http_5xx"], 3);
  EXPECT_EQ(json["status_counts"]["503"], 3);
  ASSERT_EQ(json["tags"].size(), 2u);
  EXPECT_EQ(json["tags"][0]["name"], "GET /patients/{mrn}");
  EXPECT_EQ(json["tags"][0]["requests"], 900);
  EXPECT_FALSE(json["tags"][0].contains("ttft_ms"));
  EXPECT_EQ(json["custom"][0]["name"], "full_turn");
  EXPECT_EQ(json["custom"][0]["failures"], 4);
  EXPECT_EQ(json["info"]["target_rps"], 100);
  // Requests complete within seconds 0..10; reserved empty seconds after the
  // last completion are not written.
  const auto& series = json["series"];
  ASSERT_GE(series.size(), 10u);
  EXPECT_LE(series.size(), 11u);
  EXPECT_EQ(series[0]["second"], 0);
  EXPECT_TRUE(series[0]["latency_ms"].contains("p99"));
  EXPECT_TRUE(series[0]["errors_by_kind"].contains("timeout"));
}

TEST(ReportJsonTest, RoundTripRestoresEveryPercentileExactly) {
  const RunReport original = test_support::SampleReport();
  const RunReport restored = RoundTrip(original);
  EXPECT_EQ(restored.info.name, "sample");
  EXPECT_EQ(restored.info.started_at, original.info.started_at);
  EXPECT_EQ(restored.info.prices.output_per_million, 5);
  EXPECT_EQ(restored.requests(), original.requests());
  EXPECT_EQ(restored.errors(), original.errors());
  EXPECT_DOUBLE_EQ(restored.goodput_rps(), original.goodput_rps());
  EXPECT_DOUBLE_EQ(restored.estimated_cost_usd(),
                   original.estimated_cost_usd());
  EXPECT_EQ(restored.metrics.total.status_counts,
            original.metrics.total.status_counts);
  EXPECT_EQ(restored.metrics.total.errors_by_kind,
            original.metrics.total.errors_by_kind);
  ASSERT_EQ(restored.metrics.tags.size(), 2u);
  const TagStats& chat = *restored.FindTag("chat");
  const TagStats& original_chat = *original.FindTag("chat");
  for (double p : {0.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0}) {
    SCOPED_TRACE(p);
    EXPECT_EQ(restored.metrics.total.latency.Percentile(p),
              original.metrics.total.latency.Percentile(p));
    EXPECT_EQ(restored.metrics.total.send_lag.Percentile(p),
              original.metrics.total.send_lag.Percentile(p));
    EXPECT_EQ(chat.ttft.Percentile(p), original_chat.ttft.Percentile(p));
    EXPECT_EQ(chat.token_gap.Percentile(p),
              original_chat.token_gap.Percentile(p));
    EXPECT_EQ(restored.metrics.custom[0].value.Percentile(p),
              original.metrics.custom[0].value.Percentile(p));
  }
  EXPECT_DOUBLE_EQ(chat.latency.mean(), original_chat.latency.mean());
  // Restoring is lossless: writing the restored report gives the same bytes.
  EXPECT_EQ(Json(restored), Json(original));
}

void ExpectReadError(const std::string& text, const std::string& fragment) {
  std::istringstream in(text);
  try {
    ReadJson(in, "bad.json");
    ADD_FAILURE() << "accepted: " << text.substr(0, 200);
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), AllOf(StartsWith("bad.json: "), HasSubstr(fragment)));
  }
}

// The valid report's JSON with one edit applied.
std::string Edited(void (*edit)(nlohmann::json&)) {
  nlohmann::json json =
      nlohmann::json::parse(Json(test_support::SampleReport()));
  edit(json);
  return json.dump();
}

TEST(ReportJsonTest, KeepsSloVerdicts) {
  RunReport original = test_support::SampleReport();
  original.slos = {{"p95 latency is < 100 ms", false,
                    "p95 latency 950 ms over 1000 requests", "the story"},
                   {"error rate is < 0.01", true, "0.3 %", ""}};
  const RunReport restored = RoundTrip(original);
  ASSERT_EQ(restored.slos.size(), 2u);
  EXPECT_EQ(restored.slos[0].objective, "p95 latency is < 100 ms");
  EXPECT_FALSE(restored.slos[0].passed);
  EXPECT_EQ(restored.slos[0].observed, "p95 latency 950 ms over 1000 requests");
  EXPECT_EQ(restored.slos[0].explanation, "the story");
  EXPECT_TRUE(restored.slos[1].passed);

  // Reports written before verdicts were kept still read, with none.
  std::istringstream older(Edited([](nlohmann::json& j) { j.erase("slos"); }));
  EXPECT_TRUE(ReadJson(older, "older.json").slos.empty());
}

TEST(ReportJsonTest, KeepsTheShardAndTestIdentityOfAShard) {
  RunReport original = test_support::SampleReport();
  original.info.shard = {2, 4};
  original.info.test_id = "0123456789abcdef";
  const RunReport restored = RoundTrip(original);
  EXPECT_EQ(restored.info.shard.index, 2);
  EXPECT_EQ(restored.info.shard.count, 4);
  EXPECT_EQ(restored.info.test_id, "0123456789abcdef");

  // An unsharded run's report has neither, and reads back as shard 0/1.
  const std::string unsharded = Json(test_support::SampleReport());
  EXPECT_THAT(unsharded, Not(HasSubstr("\"shard\"")));
  EXPECT_THAT(unsharded, Not(HasSubstr("test_id")));
  EXPECT_EQ(RoundTrip(test_support::SampleReport()).info.shard.count, 1);

  nlohmann::json bad = nlohmann::json::parse(Json(original));
  bad["info"]["shard"]["index"] = 4;
  std::istringstream in(bad.dump());
  EXPECT_THAT([&] { ReadJson(in, "bad.json"); },
              ::testing::ThrowsMessage<std::runtime_error>(
                  HasSubstr("bad.json: field info.shard.index")));
}

TEST(ReportJsonTest, ReadErrorsNameTheSourceAndTheField) {
  ExpectReadError("{\"schema_version\": 1,", "not valid JSON");
  ExpectReadError("[1, 2]", "expected an object");
  ExpectReadError(Edited([](nlohmann::json& j) { j["schema_version"] = 2; }),
                  "field schema_version: unsupported version 2");
  ExpectReadError(
      Edited([](nlohmann::json& j) { j["summary"].erase("requests"); }),
      "field summary.requests: missing");
  ExpectReadError(
      Edited([](nlohmann::json& j) { j["summary"]["errors"] = "many"; }),
      "field summary.errors: expected a non-negative integer, got string");
  ExpectReadError(
      Edited([](nlohmann::json& j) { j["tags"][1]["requests"] = -4; }),
      "field tags[1].requests");
  ExpectReadError(Edited([](nlohmann::json& j) {
                    j["tags"][0]["histograms"]["ttfb"]["buckets"][0] = "x";
                  }),
                  "field tags[0].histograms.ttfb.buckets[0]");
  ExpectReadError(Edited([](nlohmann::json& j) {
                    j["summary"]["histograms"]["latency"]["count"] = 3;
                  }),
                  "field summary.histograms.latency.count: is 3 but the "
                  "buckets hold 1000");
  ExpectReadError(Edited([](nlohmann::json& j) {
                    j["custom"][0]["histogram"]["precision_bits"] = 99;
                  }),
                  "field custom[0].histogram: Histogram precision_bits");
  ExpectReadError(
      Edited([](nlohmann::json& j) { j["series"][3].erase("histogram"); }),
      "field series[3].histogram: missing");
  ExpectReadError(Edited([](nlohmann::json& j) { j["info"]["prices"] = 3; }),
                  "field info.prices: expected an object");
  ExpectReadError(Edited([](nlohmann::json& j) {
                    j["slos"] = {{{"objective", "x"}, {"passed", "yes"}}};
                  }),
                  "field slos[0].passed: expected true or false, got string");
}

// The valid report's JSON with the value at `pointer` replaced by raw text:
// numbers nlohmann could not hold, broken bytes, broken syntax.
std::string WithRawValue(const std::string& pointer, const std::string& raw) {
  nlohmann::json json =
      nlohmann::json::parse(Json(test_support::SampleReport()));
  json[nlohmann::json::json_pointer(pointer)] = "@RAW@";
  std::string text = json.dump();
  text.replace(text.find("\"@RAW@\""), 7, raw);
  return text;
}

TEST(ReportJsonTest, MalformedReportsEndInOneErrorNamingTheFieldPath) {
  const std::string deep = std::string(200, '[') + std::string(200, ']');
  const struct {
    std::string text;
    std::string fragment;
  } kRows[] = {
      {"", "bad.json: not valid JSON"},
      {Json(test_support::SampleReport()).substr(0, 100), "not valid JSON"},
      {"{} []", "not valid JSON at line 1, column 4"},
      {WithRawValue("/info/target_rps", "1e999"),
       "field info.target_rps: not valid JSON at line 1"},
      {WithRawValue("/info/target_rps", "-1e999"), "number out of range"},
      {WithRawValue("/info/name", "\"\xFF\""),
       "field info.name: not valid JSON"},
      {WithRawValue("/info/name", "\"\xE2\x82\""), "ill-formed UTF-8"},
      {WithRawValue("/info/name", deep),
       "field info.name[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"},
      {WithRawValue("/info/name", deep), "nested deeper than 100 levels"},
      {WithRawValue("/info/name", R"("a", "name": "b")"),
       "field info: not valid JSON: duplicate field \"name\""},
      {WithRawValue("/info/users", "99999999999"),
       "field info.users: expected an integer in [0, 2147483647], got "
       "99999999999"},
      {WithRawValue("/summary/histograms/latency/min", "18446744073709551615"),
       "field summary.histograms.latency.min: expected an integer in"},
      {WithRawValue("/info/actual_duration_ns", "-5"),
       "field info.actual_duration_ns: expected an integer in [0, "},
      {WithRawValue("/info/target_rps", "-1"),
       "field info.target_rps: expected a number >= 0"},
      {WithRawValue("/info/prices/input_per_million", "\"free\""),
       "field info.prices.input_per_million: expected a number, got string"},
      {WithRawValue("/summary/errors", "5000"),
       "field summary.errors: is 5000, more than the 1000 requests"},
      {WithRawValue("/series/0/errors", "999999"),
       "field series[0].errors: is 999999, more than the"},
      {WithRawValue("/summary/histograms/latency/buckets",
                    "[[1, 18446744073709551615], [2, 18446744073709551615]]"),
       "field summary.histograms.latency.buckets[1]: the bucket counts add "
       "up beyond 2^64"},
      {WithRawValue("/summary/histograms/latency/buckets", "[[-1, 5]]"),
       "field summary.histograms.latency.buckets[0]: expected [value, count] "
       "integers >= 0"},
      {WithRawValue("/summary/status_counts", R"({"abc": 1})"),
       "field summary.status_counts.abc: the key is not a status code"},
      {WithRawValue("/summary/status_counts", R"({"200x": 1})"),
       "field summary.status_counts.200x: the key is not a status code"},
      {WithRawValue("/summary/status_counts", R"({"99999999999": 1})"),
       "the key is not a status code"},
      {WithRawValue("/summary/status_counts", R"({"\u001b[31m": 1})"),
       "field summary.status_counts.\\x1B[31m: the key is not a status code"},
      {WithRawValue("/summary/status_counts", R"({"200": -1})"),
       "field summary.status_counts.200: expected a count"},
      {WithRawValue("/tags", "{}"),
       "field tags: expected an array, got object"},
      {WithRawValue("/series/0", "5"), "field series[0]: expected an object"},
      {WithRawValue("/info", "null"),
       "field info: expected an object, got null"},
  };
  for (const auto& row : kRows) {
    SCOPED_TRACE(EscapeUnprintable(row.fragment));
    std::istringstream in(row.text);
    try {
      ReadJson(in, "bad.json");
      ADD_FAILURE() << "accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_THAT(e.what(),
                  AllOf(StartsWith("bad.json: "), HasSubstr(row.fragment)));
      // One line of printable UTF-8, whatever bytes the report held.
      EXPECT_EQ(FindInvalidUtf8(e.what()), std::nullopt) << e.what();
      EXPECT_EQ(EscapeUnprintable(e.what()), e.what());
    }
  }
}

TEST(ReportJsonTest, ReadsEscapedAndNonAsciiTextAsWritten) {
  RunReport original = test_support::SampleReport();
  original.info.name = "say \"hi\"\\ \t caf\xC3\xA9 \xF0\x9F\x98\x80 \x01";
  original.metrics.tags[0].name = "GET /\u00e9?q=\"x\"";
  const RunReport restored = RoundTrip(original);
  EXPECT_EQ(restored.info.name, original.info.name);
  EXPECT_EQ(restored.metrics.tags[0].name, original.metrics.tags[0].name);
  // \u escapes a writer other than ours may use read as the characters.
  std::istringstream in(
      WithRawValue("/info/name", R"("caf\u00e9 \ud83d\ude00")"));
  EXPECT_EQ(ReadJson(in, "escaped.json").info.name,
            "caf\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(ReportJsonTest, AMalformedBucketRowIsNamedByItsIndex) {
  const struct {
    std::string buckets;
    std::string fragment;
  } kRows[] = {
      {"[[1, 1], [2, 1], [3, 1, 4]]", "buckets[2]: expected [value, count]"},
      {"[[1, 1], [2]]", "buckets[1]: expected [value, count]"},
      {"[[1, 1], {}]", "buckets[1]: expected [value, count]"},
      {"[7]", "buckets[0]: expected [value, count]"},
      {"[[-0, 1]]", "buckets[0]: expected [value, count]"},
      {"[[1, 1.5]]", "buckets[0]: expected [value, count]"},
      {"[[9223372036854775808, 1]]", "buckets[0]: expected [value, count]"},
  };
  for (const auto& row : kRows) {
    SCOPED_TRACE(row.buckets);
    ExpectReadError(WithRawValue("/series/1/histogram/buckets", row.buckets),
                    "field series[1].histogram." + row.fragment);
  }
}

TEST(ReportCsvTest, WritesLocustStatsColumns) {
  RunReport report = test_support::SampleReport();
  report.metrics.tags.emplace_back().name = "full, turn";
  std::ostringstream out;
  WriteCsv(report, out);
  std::istringstream lines(out.str());
  std::string header, patients, chat, empty, aggregated, extra;
  std::getline(lines, header);
  std::getline(lines, patients);
  std::getline(lines, chat);
  std::getline(lines, empty);
  std::getline(lines, aggregated);
  EXPECT_FALSE(std::getline(lines, extra));
  EXPECT_EQ(header,
            "Type,Name,Request Count,Failure Count,Median Response Time,"
            "Average Response Time,Min Response Time,Max Response Time,"
            "Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,"
            "95%,98%,99%,99.9%,99.99%,100%");
  // Latencies 1..900 ms: median 450, mean 450.5, min 1, max 900; 512 bytes
  // each, 90 req/s and 3 errors in 10 s.
  EXPECT_THAT(patients, StartsWith("GET,/patients/{mrn},900,3,450,450.5,1,900,"
                                   "512,90,0.3,"));
  EXPECT_THAT(chat, StartsWith(",chat,100,0,"));
  EXPECT_THAT(empty, StartsWith(",\"full, turn\",0,0,"));
  EXPECT_THAT(empty, HasSubstr("N/A"));
  EXPECT_THAT(aggregated, StartsWith(",Aggregated,1000,3,"));
  // Max and 100% are the largest latency: the last chat request's 1000 ms.
  EXPECT_THAT(aggregated, HasSubstr(",1000,"));
  EXPECT_THAT(aggregated, testing::EndsWith(",1000"));
}

TEST(ReportSummaryTest, TellsRateErrorsPercentilesAndLlmFigures) {
  RunReport report = test_support::SampleReport();
  report.info.stop_reason = "interrupted";
  std::ostringstream out;
  WriteSummary(report, out);
  const std::string summary = out.str();
  EXPECT_THAT(summary, HasSubstr("\"sample\": constant 100 req/s"));
  EXPECT_THAT(summary, HasSubstr("stopped early: interrupted"));
  EXPECT_THAT(summary, HasSubstr("1000 at 100.0 req/s (target 100.0 req/s"));
  EXPECT_THAT(summary, HasSubstr("3 (0.30 %): http_5xx 3; status 503 x3"));
  EXPECT_THAT(summary, HasSubstr("latency      p50 "));
  EXPECT_THAT(summary, HasSubstr("ttft         p50 "));
  EXPECT_THAT(summary, HasSubstr("output 5000 (500.0 tokens/s)"));
  EXPECT_THAT(summary, HasSubstr("estimated cost $0.0290"));
  EXPECT_THAT(summary,
              HasSubstr("[GET /patients/{mrn}] 900 requests, 3 errors"));
  EXPECT_THAT(summary, HasSubstr("{full_turn} 100 times, 4 failed"));
}

TEST(ReportSummaryTest, PlainRunHasNoStreamOrTokenLines) {
  RunReport report;
  report.info.name = "plain";
  report.info.actual_duration_ns = kSecond;
  Recorder recorder({"t"}, {});
  RequestSample sample;
  sample.latency_ns = sample.service_time_ns = 3 * kMs;
  recorder.Record(sample);
  report.metrics = recorder.metrics();
  std::ostringstream out;
  WriteSummary(report, out);
  EXPECT_THAT(out.str(), HasSubstr("errors       none"));
  EXPECT_THAT(out.str(), Not(HasSubstr("ttft")));
  EXPECT_THAT(out.str(), Not(HasSubstr("tokens")));
  EXPECT_THAT(out.str(), Not(HasSubstr("stopped early")));
}

TEST(ReportSummaryTest, SummaryPropertiesUseStableNames) {
  const auto properties = SummaryProperties(test_support::SampleReport());
  std::map<std::string, std::string> by_name(properties.begin(),
                                             properties.end());
  EXPECT_EQ(by_name["loadgate.requests"], "1000");
  EXPECT_EQ(by_name["loadgate.error_rate"], "0.003");
  EXPECT_EQ(by_name["loadgate.achieved_rps"], "100");
  EXPECT_EQ(by_name["loadgate.errors.http_5xx"], "3");
  EXPECT_EQ(by_name.count("loadgate.errors.timeout"), 0u);
  EXPECT_TRUE(by_name.contains("loadgate.latency_ms.p95"));
  EXPECT_TRUE(by_name.contains("loadgate.ttft_ms.p99"));
  EXPECT_EQ(by_name["loadgate.tokens.output"], "5000");
}

TEST(ReportPrintTest, PrintsOneLine) {
  EXPECT_EQ(testing::PrintToString(test_support::SampleReport()),
            "run \"sample\": 1000 requests, 3 errors over 10.0 s");
}

}  // namespace
}  // namespace loadgate
