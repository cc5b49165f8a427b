#include "loadgate/report.h"

#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <istream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "loadgate/duration.h"
#include "loadgate/format.h"
#include "metrics/json_document.h"

namespace loadgate {
namespace {

using nlohmann::json;

constexpr double kNanosPerMilli = 1e6;
constexpr double kNanosPerSecond = 1e9;

double Seconds(int64_t nanoseconds) {
  return static_cast<double>(nanoseconds) / kNanosPerSecond;
}

double PerSecond(uint64_t count, const RunInfo& info) {
  return info.actual_duration_ns > 0
             ? static_cast<double>(count) / Seconds(info.actual_duration_ns)
             : 0;
}

double Share(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0
                    : static_cast<double>(part) / static_cast<double>(whole);
}

std::string Fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

// The histograms of a TagStats with their report names, in one table so the
// writer and the reader cannot disagree.
struct NamedHistogram {
  const char* name;
  Histogram TagStats::*member;
};
constexpr NamedHistogram kTagHistograms[] = {
    {"latency", &TagStats::latency},
    {"service_time", &TagStats::service_time},
    {"send_lag", &TagStats::send_lag},
    {"ttfb", &TagStats::ttfb},
    {"first_chunk", &TagStats::first_chunk},
    {"ttft", &TagStats::ttft},
    {"chunk_gap", &TagStats::chunk_gap},
    {"token_gap", &TagStats::token_gap},
    {"tpot", &TagStats::tpot},
    {"tokens_per_s", &TagStats::tokens_per_s},
};

// Summary percentiles of the time histograms, keyed as in the schema. The
// last five only apply to streams and are written when they have samples.
struct TimeFigure {
  const char* key;
  Histogram TagStats::*member;
};
constexpr TimeFigure kTimeFigures[] = {
    {"latency_ms", &TagStats::latency},
    {"service_time_ms", &TagStats::service_time},
    {"send_lag_ms", &TagStats::send_lag},
    {"ttfb_ms", &TagStats::ttfb},
    {"first_chunk_ms", &TagStats::first_chunk},
    {"ttft_ms", &TagStats::ttft},
    {"itl_chunk_ms", &TagStats::chunk_gap},
    {"itl_token_ms", &TagStats::token_gap},
    {"tpot_ms", &TagStats::tpot},
};

json PercentilesJson(const Histogram& histogram, double scale) {
  auto at = [&](double p) {
    return static_cast<double>(histogram.Percentile(p)) / scale;
  };
  return json{{"count", histogram.count()},
              {"min", static_cast<double>(histogram.min()) / scale},
              {"p50", at(50)},
              {"p90", at(90)},
              {"p95", at(95)},
              {"p99", at(99)},
              {"p99_9", at(99.9)},
              {"max", static_cast<double>(histogram.max()) / scale},
              {"mean", histogram.mean() / scale}};
}

json HistogramJson(const Histogram& histogram) {
  json buckets = json::array();
  for (const auto& [value, count] : histogram.NonEmptyBuckets()) {
    buckets.push_back(json::array({value, count}));
  }
  return json{{"precision_bits", histogram.precision_bits()},
              {"count", histogram.count()},
              {"min", histogram.min()},
              {"max", histogram.max()},
              {"sum", histogram.sum()},
              {"buckets", std::move(buckets)}};
}

json ErrorsByKindJson(const std::array<uint64_t, kErrorKindCount>& counts) {
  json out = json::object();
  for (int kind = 1; kind < kErrorKindCount; ++kind) {
    out[std::string(ErrorKindName(static_cast<ErrorKind>(kind)))] =
        counts[kind];
  }
  return out;
}

json StatusCountsJson(const std::map<int, uint64_t>& counts) {
  json out = json::object();
  for (const auto& [status, count] : counts) {
    out[std::to_string(status)] = count;
  }
  return out;
}

json StatsJson(const TagStats& stats, const RunInfo& info) {
  const Figures figures = ComputeFigures(stats, info);
  json out{{"requests", figures.requests},
           {"errors", figures.errors},
           {"error_rate", figures.error_rate},
           {"achieved_rps", figures.achieved_rps},
           {"goodput_rps", figures.goodput_rps},
           {"slo_attainment", figures.slo_attainment},
           {"met_objectives", stats.met_objectives},
           {"bytes_received", stats.bytes_received},
           {"output_tokens_per_s", figures.output_tokens_per_s},
           {"estimated_cost_usd", figures.estimated_cost_usd},
           {"tokens",
            {{"prompt", stats.prompt_tokens}, {"output", stats.output_tokens}}},
           {"errors_by_kind", ErrorsByKindJson(stats.errors_by_kind)},
           {"status_counts", StatusCountsJson(stats.status_counts)}};
  for (const TimeFigure& figure : kTimeFigures) {
    const Histogram& histogram = stats.*figure.member;
    if (!histogram.empty()) {
      out[figure.key] = PercentilesJson(histogram, kNanosPerMilli);
    }
  }
  if (!stats.tokens_per_s.empty()) {
    // Stored in milli-tokens/s for resolution; reported in tokens/s.
    out["request_tokens_per_s"] = PercentilesJson(stats.tokens_per_s, 1e3);
  }
  json histograms = json::object();
  for (const NamedHistogram& named : kTagHistograms) {
    histograms[named.name] = HistogramJson(stats.*named.member);
  }
  out["histograms"] = std::move(histograms);
  return out;
}

// Series rows stop at the last second in which anything happened: recorders
// reserve slots beyond the planned end, and those stay empty.
size_t SeriesLength(const std::vector<TimeSlot>& series) {
  size_t length = series.size();
  while (length > 0 && series[length - 1].requests == 0) --length;
  return length;
}

json SeriesJson(const std::vector<TimeSlot>& series) {
  json out = json::array();
  const size_t length = SeriesLength(series);
  for (size_t i = 0; i < length; ++i) {
    const TimeSlot& slot = series[i];
    auto at = [&](double p) {
      return static_cast<double>(slot.latency.Percentile(p)) / kNanosPerMilli;
    };
    out.push_back(json{
        {"second", slot.second},
        {"requests", slot.requests},
        {"errors", slot.errors},
        {"errors_by_kind", ErrorsByKindJson(slot.errors_by_kind)},
        {"output_tokens", slot.output_tokens},
        {"latency_ms", {{"p50", at(50)}, {"p95", at(95)}, {"p99", at(99)}}},
        {"histogram", HistogramJson(slot.latency)}});
  }
  return out;
}

// Reading: every accessor names the field it failed on, prefixed with the
// source, as "report.json: field tags[2].histograms.latency.min: ...".
// Reports come from files anyone can edit, so nothing is taken on trust:
// types, ranges and the counts that must agree are all checked.
class Reader {
 public:
  using Value = JsonDocument;

  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void Fail(const std::string& path,
                         const std::string& why) const {
    // Keys and strings of the file may hold control characters.
    throw std::runtime_error(
        EscapeUnprintable(source_ + ": field " + path + ": " + why));
  }

  const Value& Field(const Value& parent, const std::string& parent_path,
                     const char* key, Value::value_t type) const {
    const std::string path = Join(parent_path, key);
    if (!parent.is_object()) Fail(parent_path, "expected an object");
    auto it = parent.find(key);
    if (it == parent.end()) Fail(path, "missing");
    const bool type_ok =
        type == Value::value_t::number_float ? it->is_number()
        : type == Value::value_t::number_unsigned
            ? it->is_number_unsigned() ||
                  (it->is_number_integer() && it->get<int64_t>() >= 0)
        : type == Value::value_t::number_integer ? it->is_number_integer()
                                                 : it->type() == type;
    if (!type_ok)
      Fail(path, std::string("expected ") + TypeName(type) + ", got " +
                     it->type_name());
    return *it;
  }
  uint64_t Unsigned(const Value& parent, const std::string& path,
                    const char* key) const {
    return Field(parent, path, key, Value::value_t::number_unsigned)
        .get<uint64_t>();
  }
  int64_t Integer(const Value& parent, const std::string& path, const char* key,
                  int64_t min = INT64_MIN, int64_t max = INT64_MAX) const {
    const Value& value =
        Field(parent, path, key, Value::value_t::number_integer);
    // An unsigned above INT64_MAX would wrap to a negative number.
    if ((value.is_number_unsigned() &&
         value.get<uint64_t>() > static_cast<uint64_t>(max)) ||
        (!value.is_number_unsigned() &&
         (value.get<int64_t>() < min || value.get<int64_t>() > max))) {
      Fail(Join(path, key), "expected an integer in [" + std::to_string(min) +
                                ", " + std::to_string(max) + "], got " +
                                value.dump());
    }
    return value.get<int64_t>();
  }
  double Number(const Value& parent, const std::string& path,
                const char* key) const {
    return Field(parent, path, key, Value::value_t::number_float).get<double>();
  }
  double NonNegativeNumber(const Value& parent, const std::string& path,
                           const char* key) const {
    const double value = Number(parent, path, key);
    if (value < 0) Fail(Join(path, key), "expected a number >= 0");
    return value;
  }
  std::string String(const Value& parent, const std::string& path,
                     const char* key) const {
    return Field(parent, path, key, Value::value_t::string).get<std::string>();
  }
  bool Boolean(const Value& parent, const std::string& path,
               const char* key) const {
    return Field(parent, path, key, Value::value_t::boolean).get<bool>();
  }
  const Value& Object(const Value& parent, const std::string& path,
                      const char* key) const {
    return Field(parent, path, key, Value::value_t::object);
  }
  const Value& Array(const Value& parent, const std::string& path,
                     const char* key) const {
    return Field(parent, path, key, Value::value_t::array);
  }

  // `part` (errors, successes, ...) read from `key` may not exceed `whole`.
  void ExpectAtMost(uint64_t part, uint64_t whole, const std::string& path,
                    const char* key, const char* whole_name) const {
    if (part > whole) {
      Fail(Join(path, key), "is " + std::to_string(part) + ", more than the " +
                                std::to_string(whole) + " " + whole_name);
    }
  }

  Histogram ReadHistogram(const Value& value, const std::string& path) const {
    // Only kept from truncation here: the histogram knows its valid range.
    const int precision = static_cast<int>(
        Integer(value, path, "precision_bits", INT_MIN, INT_MAX));
    const uint64_t count = Unsigned(value, path, "count");
    std::vector<std::pair<int64_t, uint64_t>> buckets;
    const Value& rows = Array(value, path, "buckets");
    uint64_t bucket_total = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      const Value& row = rows[i];
      const std::string row_path = path + ".buckets[" + std::to_string(i) + "]";
      if (!row.is_array() || row.size() != 2 || !row[0].is_number_unsigned() ||
          row[0].get<uint64_t>() > static_cast<uint64_t>(INT64_MAX) ||
          !row[1].is_number_unsigned()) {
        Fail(row_path, "expected [value, count] integers >= 0");
      }
      const uint64_t bucket_count = row[1].get<uint64_t>();
      if (bucket_count > UINT64_MAX - bucket_total) {
        Fail(row_path, "the bucket counts add up beyond 2^64");
      }
      bucket_total += bucket_count;
      buckets.emplace_back(row[0].get<int64_t>(), bucket_count);
    }
    try {
      Histogram histogram = Histogram::FromBuckets(
          precision, buckets, Integer(value, path, "min"),
          Integer(value, path, "max"), Number(value, path, "sum"));
      if (histogram.count() != count) {
        Fail(path + ".count", "is " + std::to_string(count) +
                                  " but the buckets hold " +
                                  std::to_string(histogram.count()));
      }
      return histogram;
    } catch (const std::invalid_argument& e) {
      Fail(path, e.what());
    }
  }

  void ReadErrorsByKind(const Value& parent, const std::string& path,
                        std::array<uint64_t, kErrorKindCount>& counts) const {
    const Value& object = Object(parent, path, "errors_by_kind");
    const std::string object_path = path + ".errors_by_kind";
    for (int kind = 1; kind < kErrorKindCount; ++kind) {
      const std::string name(ErrorKindName(static_cast<ErrorKind>(kind)));
      // Kinds added later (not_sent, ...) are absent from older reports,
      // which had none of them.
      counts[kind] = object.contains(name)
                         ? Unsigned(object, object_path, name.c_str())
                         : 0;
    }
  }

  void ReadStats(const Value& value, const std::string& path,
                 TagStats& stats) const {
    stats.requests = Unsigned(value, path, "requests");
    stats.errors = Unsigned(value, path, "errors");
    ExpectAtMost(stats.errors, stats.requests, path, "errors", "requests");
    stats.met_objectives = Unsigned(value, path, "met_objectives");
    ExpectAtMost(stats.met_objectives, stats.requests, path, "met_objectives",
                 "requests");
    stats.bytes_received = Unsigned(value, path, "bytes_received");
    const Value& tokens = Object(value, path, "tokens");
    stats.prompt_tokens = Unsigned(tokens, path + ".tokens", "prompt");
    stats.output_tokens = Unsigned(tokens, path + ".tokens", "output");
    ReadErrorsByKind(value, path, stats.errors_by_kind);
    // Successes are not listed by kind; they are what the errors leave.
    stats.errors_by_kind[0] = stats.requests - stats.errors;
    const std::string status_path = path + ".status_counts";
    for (const auto& [status, count] :
         Object(value, path, "status_counts").items()) {
      int code = 0;
      const auto [end, error] =
          std::from_chars(status.data(), status.data() + status.size(), code);
      if (error != std::errc() || end != status.data() + status.size() ||
          code < 0 || code > 999) {
        Fail(status_path + "." + status, "the key is not a status code");
      }
      if (!count.is_number_unsigned()) {
        Fail(status_path + "." + status, "expected a count");
      }
      stats.status_counts[code] = count.get<uint64_t>();
    }
    const Value& histograms = Object(value, path, "histograms");
    for (const NamedHistogram& named : kTagHistograms) {
      const std::string histogram_path = path + ".histograms." + named.name;
      stats.*named.member = ReadHistogram(
          Object(histograms, path + ".histograms", named.name), histogram_path);
    }
  }

 private:
  static std::string Join(const std::string& path, const char* key) {
    return path.empty() ? key : path + "." + key;
  }

  static const char* TypeName(Value::value_t type) {
    switch (type) {
      case Value::value_t::object:
        return "an object";
      case Value::value_t::array:
        return "an array";
      case Value::value_t::string:
        return "a string";
      case Value::value_t::number_unsigned:
        return "a non-negative integer";
      case Value::value_t::number_integer:
        return "an integer";
      case Value::value_t::boolean:
        return "true or false";
      default:
        return "a number";
    }
  }

  std::string source_;
};

std::string PercentileLine(const Histogram& histogram) {
  auto ms = [](int64_t ns) {
    return FormatMilliseconds(static_cast<double>(ns));
  };
  return "p50 " + ms(histogram.Percentile(50)) + ", p90 " +
         ms(histogram.Percentile(90)) + ", p95 " +
         ms(histogram.Percentile(95)) + ", p99 " +
         ms(histogram.Percentile(99)) + ", max " + ms(histogram.max()) +
         ", mean " + FormatMilliseconds(histogram.mean());
}

// "GET /patients" -> {"GET", "/patients"}; anything else has no method.
std::pair<std::string, std::string> SplitMethod(const std::string& tag) {
  const size_t space = tag.find(' ');
  if (space == std::string::npos || space == 0 || space + 1 >= tag.size()) {
    return {"", tag};
  }
  for (size_t i = 0; i < space; ++i) {
    if (tag[i] < 'A' || tag[i] > 'Z') return {"", tag};
  }
  return {tag.substr(0, space), tag.substr(space + 1)};
}

std::string CsvField(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

void WriteCsvRow(const std::string& type, const std::string& name,
                 const TagStats& stats, const RunInfo& info,
                 std::ostream& out) {
  const Figures figures = ComputeFigures(stats, info);
  const Histogram& latency = stats.latency;
  // Locust rounds percentiles to whole milliseconds and averages to floats.
  auto ms = [](double ns) { return std::llround(ns / kNanosPerMilli); };
  out << CsvField(type) << ',' << CsvField(name) << ',' << stats.requests << ','
      << stats.errors << ',';
  if (stats.requests == 0) {
    out << "0,0,0,0,0,0,0";
    for (int i = 0; i < 11; ++i) out << ",N/A";
    out << '\n';
    return;
  }
  out << ms(static_cast<double>(latency.Percentile(50))) << ','
      << latency.mean() / kNanosPerMilli << ','
      << static_cast<double>(latency.min()) / kNanosPerMilli << ','
      << static_cast<double>(latency.max()) / kNanosPerMilli << ','
      << static_cast<double>(stats.bytes_received) /
             static_cast<double>(stats.requests)
      << ',' << figures.achieved_rps << ',' << PerSecond(stats.errors, info);
  for (double p :
       {50.0, 66.0, 75.0, 80.0, 90.0, 95.0, 98.0, 99.0, 99.9, 99.99, 100.0}) {
    out << ',' << ms(static_cast<double>(latency.Percentile(p)));
  }
  out << '\n';
}

}  // namespace

Figures ComputeFigures(const TagStats& stats, const RunInfo& info) {
  Figures figures;
  figures.requests = stats.requests;
  figures.errors = stats.errors;
  figures.error_rate = Share(stats.errors, stats.requests);
  figures.achieved_rps = PerSecond(stats.requests, info);
  figures.goodput_rps = PerSecond(stats.met_objectives, info);
  figures.slo_attainment = Share(stats.met_objectives, stats.requests);
  figures.output_tokens_per_s = PerSecond(stats.output_tokens, info);
  figures.estimated_cost_usd = (static_cast<double>(stats.prompt_tokens) *
                                    info.prices.input_per_million +
                                static_cast<double>(stats.output_tokens) *
                                    info.prices.output_per_million) /
                               1e6;
  return figures;
}

uint64_t RunReport::requests() const { return metrics.total.requests; }
uint64_t RunReport::errors() const { return metrics.total.errors; }
double RunReport::error_rate() const {
  return ComputeFigures(metrics.total, info).error_rate;
}
double RunReport::achieved_rps() const {
  return ComputeFigures(metrics.total, info).achieved_rps;
}
double RunReport::goodput_rps() const {
  return ComputeFigures(metrics.total, info).goodput_rps;
}
double RunReport::slo_attainment() const {
  return ComputeFigures(metrics.total, info).slo_attainment;
}
double RunReport::output_tokens_per_s() const {
  return ComputeFigures(metrics.total, info).output_tokens_per_s;
}
double RunReport::estimated_cost_usd() const {
  return ComputeFigures(metrics.total, info).estimated_cost_usd;
}

const TagStats* RunReport::FindTag(std::string_view name) const {
  for (const TagStats& tag : metrics.tags) {
    if (tag.name == name) return &tag;
  }
  return nullptr;
}

const CustomMetric* RunReport::FindCustom(std::string_view name) const {
  for (const CustomMetric& custom : metrics.custom) {
    if (custom.name == name) return &custom;
  }
  return nullptr;
}

void WriteJson(const RunReport& report, std::ostream& out) {
  const RunInfo& info = report.info;
  json custom = json::array();
  for (const CustomMetric& metric : report.metrics.custom) {
    json entry{{"name", metric.name},
               {"count", metric.count},
               {"failures", metric.failures},
               {"histogram", HistogramJson(metric.value)}};
    if (!metric.value.empty()) {
      entry["value_ms"] = PercentilesJson(metric.value, kNanosPerMilli);
    }
    custom.push_back(std::move(entry));
  }
  json tags = json::array();
  for (const TagStats& tag : report.metrics.tags) {
    json block = StatsJson(tag, info);
    block["name"] = tag.name;
    tags.push_back(std::move(block));
  }
  json slos = json::array();
  for (const SloVerdict& slo : report.slos) {
    slos.push_back({{"objective", slo.objective},
                    {"passed", slo.passed},
                    {"observed", slo.observed},
                    {"explanation", slo.explanation}});
  }
  const json document{
      {"schema_version", kReportSchemaVersion},
      {"info",
       {{"name", info.name},
        {"load_model", info.load_model},
        {"target_rps", info.target_rps},
        {"users", info.users},
        {"planned_duration_ns", info.planned_duration_ns},
        {"actual_duration_ns", info.actual_duration_ns},
        {"started_at", info.started_at},
        {"stop_reason", info.stop_reason},
        {"prices",
         {{"input_per_million", info.prices.input_per_million},
          {"output_per_million", info.prices.output_per_million}}}}},
      {"summary", StatsJson(report.metrics.total, info)},
      {"errors_by_kind", ErrorsByKindJson(report.metrics.total.errors_by_kind)},
      {"status_counts", StatusCountsJson(report.metrics.total.status_counts)},
      {"tags", std::move(tags)},
      {"custom", std::move(custom)},
      {"series", SeriesJson(report.metrics.series)},
      {"slos", std::move(slos)}};
  // Names, tags and verdicts set through the C++ API may hold any bytes:
  // invalid UTF-8 is written as U+FFFD rather than failing the run's end.
  out << document.dump(1, ' ', false, json::error_handler_t::replace) << '\n';
}

RunReport ReadJson(std::istream& in, const std::string& source) {
  const std::string text(std::istreambuf_iterator<char>(in), {});
  if (in.bad()) throw std::runtime_error(source + ": cannot read the report");
  JsonDocument document;
  try {
    document = ParseJsonDocument(text);
  } catch (const JsonDocumentError& e) {
    throw std::runtime_error(EscapeUnprintable(
        source + ": " + (e.path().empty() ? "" : "field " + e.path() + ": ") +
        "not valid JSON" +
        (e.line() > 0 ? " at line " + std::to_string(e.line()) + ", column " +
                            std::to_string(e.column())
                      : "") +
        ": " + e.message()));
  }
  const Reader reader(source);
  if (!document.is_object()) reader.Fail("(root)", "expected an object");
  const int64_t version = reader.Integer(document, "", "schema_version");
  if (version != kReportSchemaVersion) {
    reader.Fail("schema_version",
                "unsupported version " + std::to_string(version) +
                    " (this build reads " +
                    std::to_string(kReportSchemaVersion) + ")");
  }
  RunReport report;
  RunInfo& info = report.info;
  const JsonDocument& info_json = reader.Object(document, "", "info");
  info.name = reader.String(info_json, "info", "name");
  info.load_model = reader.String(info_json, "info", "load_model");
  info.target_rps = reader.NonNegativeNumber(info_json, "info", "target_rps");
  info.users =
      static_cast<int>(reader.Integer(info_json, "info", "users", 0, INT_MAX));
  info.planned_duration_ns =
      reader.Integer(info_json, "info", "planned_duration_ns", 0);
  info.actual_duration_ns =
      reader.Integer(info_json, "info", "actual_duration_ns", 0);
  info.started_at = reader.String(info_json, "info", "started_at");
  info.stop_reason = reader.String(info_json, "info", "stop_reason");
  const JsonDocument& prices = reader.Object(info_json, "info", "prices");
  info.prices.input_per_million =
      reader.NonNegativeNumber(prices, "info.prices", "input_per_million");
  info.prices.output_per_million =
      reader.NonNegativeNumber(prices, "info.prices", "output_per_million");

  reader.ReadStats(reader.Object(document, "", "summary"), "summary",
                   report.metrics.total);
  const JsonDocument& tags = reader.Array(document, "", "tags");
  for (size_t i = 0; i < tags.size(); ++i) {
    const std::string path = "tags[" + std::to_string(i) + "]";
    TagStats& tag = report.metrics.tags.emplace_back();
    tag.name = reader.String(tags[i], path, "name");
    reader.ReadStats(tags[i], path, tag);
  }
  const JsonDocument& custom = reader.Array(document, "", "custom");
  for (size_t i = 0; i < custom.size(); ++i) {
    const std::string path = "custom[" + std::to_string(i) + "]";
    CustomMetric& metric = report.metrics.custom.emplace_back();
    metric.name = reader.String(custom[i], path, "name");
    metric.count = reader.Unsigned(custom[i], path, "count");
    metric.failures = reader.Unsigned(custom[i], path, "failures");
    reader.ExpectAtMost(metric.failures, metric.count, path, "failures",
                        "counted");
    metric.value = reader.ReadHistogram(
        reader.Object(custom[i], path, "histogram"), path + ".histogram");
  }
  const JsonDocument& series = reader.Array(document, "", "series");
  for (size_t i = 0; i < series.size(); ++i) {
    const std::string path = "series[" + std::to_string(i) + "]";
    TimeSlot& slot = report.metrics.series.emplace_back();
    slot.second = reader.Integer(series[i], path, "second");
    slot.requests = reader.Unsigned(series[i], path, "requests");
    slot.errors = reader.Unsigned(series[i], path, "errors");
    reader.ExpectAtMost(slot.errors, slot.requests, path, "errors", "requests");
    slot.output_tokens = reader.Unsigned(series[i], path, "output_tokens");
    reader.ReadErrorsByKind(series[i], path, slot.errors_by_kind);
    slot.errors_by_kind[0] = slot.requests - slot.errors;
    slot.latency = reader.ReadHistogram(
        reader.Object(series[i], path, "histogram"), path + ".histogram");
  }
  // Optional: reports written before verdicts were kept have none.
  if (document.contains("slos")) {
    const JsonDocument& slos = reader.Array(document, "", "slos");
    for (size_t i = 0; i < slos.size(); ++i) {
      const std::string path = "slos[" + std::to_string(i) + "]";
      SloVerdict& slo = report.slos.emplace_back();
      slo.objective = reader.String(slos[i], path, "objective");
      slo.passed = reader.Boolean(slos[i], path, "passed");
      slo.observed = reader.String(slos[i], path, "observed");
      slo.explanation = reader.String(slos[i], path, "explanation");
    }
  }
  return report;
}

void WriteCsv(const RunReport& report, std::ostream& out) {
  out << "Type,Name,Request Count,Failure Count,Median Response Time,"
         "Average Response Time,Min Response Time,Max Response Time,"
         "Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,"
         "98%,99%,99.9%,99.99%,100%\n";
  for (const TagStats& tag : report.metrics.tags) {
    const auto [type, name] = SplitMethod(tag.name);
    WriteCsvRow(type, name, tag, report.info, out);
  }
  WriteCsvRow("", "Aggregated", report.metrics.total, report.info, out);
}

std::string DescribeErrors(const TagStats& stats) {
  if (stats.errors == 0) return "none";
  std::string text = std::to_string(stats.errors) + " (" +
                     Fixed(100 * Share(stats.errors, stats.requests), 2) +
                     " %):";
  const char* separator = " ";
  for (int kind = 1; kind < kErrorKindCount; ++kind) {
    if (stats.errors_by_kind[kind] == 0) continue;
    text += separator;
    text += ErrorKindName(static_cast<ErrorKind>(kind));
    text += ' ';
    text += std::to_string(stats.errors_by_kind[kind]);
    separator = ", ";
  }
  std::string statuses;
  for (const auto& [status, count] : stats.status_counts) {
    if (status != 0 && status < 400) continue;
    statuses += statuses.empty() ? "; status " : ", ";
    statuses += (status == 0 ? "none" : std::to_string(status)) + " x" +
                std::to_string(count);
  }
  return text + statuses;
}

void WriteSummary(const RunReport& report, std::ostream& out) {
  const RunInfo& info = report.info;
  const TagStats& total = report.metrics.total;
  const Figures figures = ComputeFigures(total, info);
  out << "loadgate run \"" << info.name << "\"";
  if (!info.load_model.empty()) out << ": " << info.load_model;
  out << ", " << Fixed(Seconds(info.actual_duration_ns), 1) << " s";
  if (info.planned_duration_ns > 0) {
    out << " (planned " << Fixed(Seconds(info.planned_duration_ns), 1) << " s)";
  }
  out << '\n';
  if (!info.stop_reason.empty()) {
    out << "  stopped early: " << info.stop_reason << '\n';
  }
  out << "  requests     " << figures.requests << " at "
      << Fixed(figures.achieved_rps, 1) << " req/s";
  if (info.target_rps > 0) {
    out << " (target " << Fixed(info.target_rps, 1) << " req/s, "
        << Fixed(100 * figures.achieved_rps / info.target_rps, 1) << " %)";
  }
  if (info.users > 0) out << ", " << info.users << " users";
  out << '\n';
  out << "  errors       " << DescribeErrors(total) << '\n';
  out << "  goodput      " << Fixed(figures.goodput_rps, 1)
      << " req/s, SLO attainment " << Fixed(100 * figures.slo_attainment, 2)
      << " %\n";
  auto line = [&](const char* label, const Histogram& histogram) {
    if (histogram.empty()) return;
    out << "  " << label << PercentileLine(histogram) << '\n';
  };
  line("latency      ", total.latency);
  line("service time ", total.service_time);
  line("send lag     ", total.send_lag);
  line("ttfb         ", total.ttfb);
  line("ttft         ", total.ttft);
  line("itl (chunk)  ", total.chunk_gap);
  line("itl (token)  ", total.token_gap);
  line("tpot         ", total.tpot);
  if (total.output_tokens > 0 || total.prompt_tokens > 0) {
    out << "  tokens       output " << total.output_tokens << " ("
        << Fixed(figures.output_tokens_per_s, 1) << " tokens/s), prompt "
        << total.prompt_tokens;
    if (figures.estimated_cost_usd > 0) {
      out << ", estimated cost $" << Fixed(figures.estimated_cost_usd, 4);
    }
    out << '\n';
  }
  for (const TagStats& tag : report.metrics.tags) {
    if (tag.requests == 0) continue;
    out << "  [" << tag.name << "] " << tag.requests << " requests, "
        << tag.errors << " errors; " << PercentileLine(tag.latency) << '\n';
  }
  for (const CustomMetric& metric : report.metrics.custom) {
    if (metric.count == 0) continue;
    out << "  {" << metric.name << "} " << metric.count << " times, "
        << metric.failures << " failed; " << PercentileLine(metric.value)
        << '\n';
  }
}

std::vector<std::pair<std::string, std::string>> SummaryProperties(
    const RunReport& report) {
  const TagStats& total = report.metrics.total;
  const Figures figures = ComputeFigures(total, report.info);
  std::vector<std::pair<std::string, std::string>> properties;
  auto add = [&](std::string name, std::string value) {
    properties.emplace_back("loadgate." + std::move(name), std::move(value));
  };
  // Six decimals, trailing zeros dropped: small rates stay visible.
  auto number = [](double value) {
    std::string text = Fixed(value, 6);
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
    return text;
  };
  add("requests", std::to_string(figures.requests));
  add("errors", std::to_string(figures.errors));
  add("error_rate", number(figures.error_rate));
  add("achieved_rps", number(figures.achieved_rps));
  add("target_rps", number(report.info.target_rps));
  add("goodput_rps", number(figures.goodput_rps));
  add("slo_attainment", number(figures.slo_attainment));
  add("duration_s", number(Seconds(report.info.actual_duration_ns)));
  for (int kind = 1; kind < kErrorKindCount; ++kind) {
    if (total.errors_by_kind[kind] == 0) continue;
    add("errors." + std::string(ErrorKindName(static_cast<ErrorKind>(kind))),
        std::to_string(total.errors_by_kind[kind]));
  }
  for (const TimeFigure& figure : kTimeFigures) {
    const Histogram& histogram = total.*figure.member;
    if (histogram.empty()) continue;
    const std::string prefix = std::string(figure.key) + ".";
    auto ms = [&](double ns) { return number(ns / kNanosPerMilli); };
    for (const auto& [label, p] : {std::pair{"p50", 50.0},
                                   {"p90", 90.0},
                                   {"p95", 95.0},
                                   {"p99", 99.0}}) {
      add(prefix + label, ms(static_cast<double>(histogram.Percentile(p))));
    }
    add(prefix + "max", ms(static_cast<double>(histogram.max())));
    add(prefix + "mean", ms(histogram.mean()));
  }
  if (total.output_tokens > 0 || total.prompt_tokens > 0) {
    add("tokens.output", std::to_string(total.output_tokens));
    add("tokens.prompt", std::to_string(total.prompt_tokens));
    add("output_tokens_per_s", number(figures.output_tokens_per_s));
    add("estimated_cost_usd", number(figures.estimated_cost_usd));
  }
  if (!report.info.stop_reason.empty()) {
    add("stop_reason", report.info.stop_reason);
  }
  return properties;
}

void PrintTo(const RunReport& report, std::ostream* out) {
  *out << "run \"" << report.info.name << "\": " << report.requests()
       << " requests, " << report.errors() << " errors over "
       << Fixed(Seconds(report.info.actual_duration_ns), 1) << " s";
}

}  // namespace loadgate
