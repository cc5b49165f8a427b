// ReadJson (report.h): a JSON report back into a RunReport, checked field by
// field, since reports come from files anyone can edit. Reads what
// report_json_writer.cc writes, through the same histogram table.
#include <charconv>
#include <climits>
#include <istream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "loadgate/report.h"
#include "metrics/json_document.h"
#include "metrics/metric_catalogue.h"

namespace loadgate {
namespace {

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
    for (const MetricDefinition& metric : MetricCatalogue()) {
      if (metric.kind != MetricKind::kDistribution) continue;
      const std::string name(metric.name);
      // Written by an older loadgate, before the metric existed: no samples.
      if (!histograms.contains(name)) continue;
      stats.*metric.histogram =
          ReadHistogram(Object(histograms, path + ".histograms", name.c_str()),
                        path + ".histograms." + name);
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

JsonDocument Parse(const std::string& text, const std::string& source) {
  try {
    return ParseJsonDocument(text);
  } catch (const JsonDocumentError& e) {
    throw std::runtime_error(EscapeUnprintable(
        source + ": " + (e.path().empty() ? "" : "field " + e.path() + ": ") +
        "not valid JSON" +
        (e.line() > 0 ? " at line " + std::to_string(e.line()) + ", column " +
                            std::to_string(e.column())
                      : "") +
        ": " + e.message()));
  }
}

RunInfo ReadInfo(const Reader& reader, const JsonDocument& document) {
  RunInfo info;
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
  // Optional: only shards' reports carry them.
  if (info_json.contains("shard")) {
    const JsonDocument& shard = reader.Object(info_json, "info", "shard");
    info.shard.count = static_cast<int>(
        reader.Integer(shard, "info.shard", "count", 1, INT_MAX));
    info.shard.index = static_cast<int>(
        reader.Integer(shard, "info.shard", "index", 0, info.shard.count - 1));
    info.test_id = reader.String(info_json, "info", "test_id");
  }
  return info;
}

void ReadTags(const Reader& reader, const JsonDocument& document,
              std::vector<TagStats>& tags) {
  const JsonDocument& rows = reader.Array(document, "", "tags");
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string path = "tags[" + std::to_string(i) + "]";
    TagStats& tag = tags.emplace_back();
    tag.name = reader.String(rows[i], path, "name");
    reader.ReadStats(rows[i], path, tag);
  }
}

void ReadCustom(const Reader& reader, const JsonDocument& document,
                std::vector<CustomMetric>& metrics) {
  const JsonDocument& rows = reader.Array(document, "", "custom");
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string path = "custom[" + std::to_string(i) + "]";
    CustomMetric& metric = metrics.emplace_back();
    metric.name = reader.String(rows[i], path, "name");
    metric.count = reader.Unsigned(rows[i], path, "count");
    metric.failures = reader.Unsigned(rows[i], path, "failures");
    reader.ExpectAtMost(metric.failures, metric.count, path, "failures",
                        "counted");
    metric.value = reader.ReadHistogram(
        reader.Object(rows[i], path, "histogram"), path + ".histogram");
  }
}

void ReadSeries(const Reader& reader, const JsonDocument& document,
                std::vector<TimeSlot>& series) {
  const JsonDocument& rows = reader.Array(document, "", "series");
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string path = "series[" + std::to_string(i) + "]";
    TimeSlot& slot = series.emplace_back();
    slot.second = reader.Integer(rows[i], path, "second");
    slot.requests = reader.Unsigned(rows[i], path, "requests");
    slot.errors = reader.Unsigned(rows[i], path, "errors");
    reader.ExpectAtMost(slot.errors, slot.requests, path, "errors", "requests");
    slot.output_tokens = reader.Unsigned(rows[i], path, "output_tokens");
    reader.ReadErrorsByKind(rows[i], path, slot.errors_by_kind);
    slot.errors_by_kind[0] = slot.requests - slot.errors;
    slot.latency = reader.ReadHistogram(
        reader.Object(rows[i], path, "histogram"), path + ".histogram");
  }
}

void ReadSlos(const Reader& reader, const JsonDocument& document,
              std::vector<SloVerdict>& slos) {
  // Optional: reports written before verdicts were kept have none.
  if (!document.contains("slos")) return;
  const JsonDocument& rows = reader.Array(document, "", "slos");
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string path = "slos[" + std::to_string(i) + "]";
    SloVerdict& slo = slos.emplace_back();
    slo.objective = reader.String(rows[i], path, "objective");
    slo.passed = reader.Boolean(rows[i], path, "passed");
    slo.observed = reader.String(rows[i], path, "observed");
    slo.explanation = reader.String(rows[i], path, "explanation");
    // Optional: older reports and run verdicts have none.
    if (rows[i].contains("expression")) {
      slo.expression = reader.String(rows[i], path, "expression");
    }
  }
}

}  // namespace

RunReport ReadJson(std::istream& in, const std::string& source) {
  const std::string text(std::istreambuf_iterator<char>(in), {});
  if (in.bad()) throw std::runtime_error(source + ": cannot read the report");
  const JsonDocument document = Parse(text, source);
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
  report.info = ReadInfo(reader, document);
  reader.ReadStats(reader.Object(document, "", "summary"), "summary",
                   report.metrics.total);
  ReadTags(reader, document, report.metrics.tags);
  ReadCustom(reader, document, report.metrics.custom);
  ReadSeries(reader, document, report.metrics.series);
  ReadSlos(reader, document, report.slos);
  return report;
}

}  // namespace loadgate
