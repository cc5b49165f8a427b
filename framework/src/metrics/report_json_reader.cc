// ReadJson (report.h): a JSON report back into a RunReport, checked field by
// field, since reports come from files anyone can edit. Reads what
// report_json_writer.cc writes, through the same histogram table, from a
// JsonTree (report_json_tree.h): a shard report of a 10-minute run is read
// in milliseconds, so `loadgate merge` of 64 of them stays under 2 s. What
// its histograms would take is checked against kReportHistogramBudgetBytes
// before any is allocated.
#include "metrics/report_json_reader.h"

#include <charconv>
#include <climits>
#include <cstdint>
#include <istream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loadgate/format.h"
#include "loadgate/histogram.h"
#include "loadgate/report.h"
#include "metrics/json_document.h"
#include "metrics/metric_catalogue.h"
#include "metrics/report_json_tree.h"

namespace loadgate {
namespace {

// Reading: every accessor names the field it failed on, prefixed with the
// source, as "report.json: field tags[2].histograms.latency.min: ...".
// Reports come from files anyone can edit, so nothing is taken on trust:
// types, ranges and the counts that must agree are all checked.
class Reader {
 public:
  using Value = JsonTree::Value;
  using Type = JsonTree::Type;

  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void Fail(const std::string& path,
                         const std::string& why) const {
    // Keys and strings of the file may hold control characters.
    throw std::runtime_error(
        EscapeUnprintable(source_ + ": field " + path + ": " + why));
  }

  const Value& Field(const Value& parent, const std::string& parent_path,
                     const char* key, Type type) const {
    if (!parent.is_object()) Fail(parent_path, "expected an object");
    const Value* value = parent.find(key);
    if (value == nullptr) Fail(Join(parent_path, key), "missing");
    const bool type_ok = type == Type::kFloat ? value->is_number()
                         : type == Type::kUnsigned
                             ? value->is_unsigned() || (value->is_integer() &&
                                                        value->as_int64() >= 0)
                         : type == Type::kInteger ? value->is_integer()
                                                  : value->type() == type;
    if (!type_ok) {
      Fail(Join(parent_path, key), std::string("expected ") + TypeName(type) +
                                       ", got " + value->type_name());
    }
    return *value;
  }
  uint64_t Unsigned(const Value& parent, const std::string& path,
                    const char* key) const {
    return Field(parent, path, key, Type::kUnsigned).as_uint64();
  }
  int64_t Integer(const Value& parent, const std::string& path, const char* key,
                  int64_t min = INT64_MIN, int64_t max = INT64_MAX) const {
    const Value& value = Field(parent, path, key, Type::kInteger);
    // An unsigned above INT64_MAX would wrap to a negative number.
    if ((value.is_unsigned() &&
         value.as_uint64() > static_cast<uint64_t>(max)) ||
        (!value.is_unsigned() &&
         (value.as_int64() < min || value.as_int64() > max))) {
      Fail(Join(path, key),
           "expected an integer in [" + std::to_string(min) + ", " +
               std::to_string(max) + "], got " +
               (value.is_unsigned() ? std::to_string(value.as_uint64())
                                    : std::to_string(value.as_int64())));
    }
    return value.as_int64();
  }
  double Number(const Value& parent, const std::string& path,
                const char* key) const {
    return Field(parent, path, key, Type::kFloat).as_double();
  }
  double NonNegativeNumber(const Value& parent, const std::string& path,
                           const char* key) const {
    const double value = Number(parent, path, key);
    if (value < 0) Fail(Join(path, key), "expected a number >= 0");
    return value;
  }
  std::string String(const Value& parent, const std::string& path,
                     const char* key) const {
    return std::string(Field(parent, path, key, Type::kString).as_string());
  }
  bool Boolean(const Value& parent, const std::string& path,
               const char* key) const {
    return Field(parent, path, key, Type::kBoolean).as_bool();
  }
  const Value& Object(const Value& parent, const std::string& path,
                      const char* key) const {
    return Field(parent, path, key, Type::kObject);
  }
  const Value& Array(const Value& parent, const std::string& path,
                     const char* key) const {
    return Field(parent, path, key, Type::kArray);
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
    const Value& rows = Array(value, path, "buckets");
    std::vector<std::pair<int64_t, uint64_t>> buckets;
    buckets.reserve(rows.size());
    uint64_t bucket_total = 0;
    for (const Value& row : rows) {
      // The thousands of rows are read without building their paths.
      const auto row_path = [&] {
        return path + ".buckets[" + std::to_string(buckets.size()) + "]";
      };
      constexpr const char* kNotARow = "expected [value, count] integers >= 0";
      if (!row.is_array() || row.size() != 2) Fail(row_path(), kNotARow);
      Value::Iterator element = row.begin();
      const Value& bucket_value = *element;
      const Value& bucket_count = *++element;
      if (!bucket_value.is_unsigned() ||
          bucket_value.as_uint64() > static_cast<uint64_t>(INT64_MAX) ||
          !bucket_count.is_unsigned()) {
        Fail(row_path(), kNotARow);
      }
      if (bucket_count.as_uint64() > UINT64_MAX - bucket_total) {
        Fail(row_path(), "the bucket counts add up beyond 2^64");
      }
      bucket_total += bucket_count.as_uint64();
      buckets.emplace_back(bucket_value.as_int64(), bucket_count.as_uint64());
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
      counts[kind] = object.find(name) != nullptr
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
    for (const Value& count : Object(value, path, "status_counts")) {
      const std::string_view status = count.key();
      int code = 0;
      const auto [end, error] =
          std::from_chars(status.data(), status.data() + status.size(), code);
      if (error != std::errc() || end != status.data() + status.size() ||
          code < 0 || code > 999) {
        Fail(status_path + "." + std::string(status),
             "the key is not a status code");
      }
      if (!count.is_unsigned()) {
        Fail(status_path + "." + std::string(status), "expected a count");
      }
      stats.status_counts[code] = count.as_uint64();
    }
    const Value& histograms = Object(value, path, "histograms");
    for (const MetricDefinition& metric : MetricCatalogue()) {
      if (metric.kind != MetricKind::kDistribution) continue;
      const std::string name(metric.name);
      // Written by an older loadgate, before the metric existed: no samples.
      if (histograms.find(name) == nullptr) continue;
      stats.*metric.histogram =
          ReadHistogram(Object(histograms, path + ".histograms", name.c_str()),
                        path + ".histograms." + name);
    }
  }

  const std::string& source() const { return source_; }

 private:
  static std::string Join(const std::string& path, const char* key) {
    return path.empty() ? key : path + "." + key;
  }

  static const char* TypeName(Type type) {
    switch (type) {
      case Type::kObject:
        return "an object";
      case Type::kArray:
        return "an array";
      case Type::kString:
        return "a string";
      case Type::kUnsigned:
        return "a non-negative integer";
      case Type::kInteger:
        return "an integer";
      case Type::kBoolean:
        return "true or false";
      default:
        return "a number";
    }
  }

  std::string source_;
};

// The text as a tree; when it is not valid JSON, ParseJsonDocument, which
// refuses the same texts, says where and why.
JsonTree Parse(std::string_view text, const std::string& source) {
  if (text.size() >= UINT32_MAX) {
    throw std::runtime_error(source + ": too large to be a report (4 GiB)");
  }
  std::optional<JsonTree> tree = JsonTree::Parse(text);
  if (tree) return std::move(*tree);
  try {
    ParseJsonDocument(text);
  } catch (const JsonDocumentError& e) {
    throw std::runtime_error(EscapeUnprintable(
        source + ": " + (e.path().empty() ? "" : "field " + e.path() + ": ") +
        "not valid JSON" +
        (e.line() > 0 ? " at line " + std::to_string(e.line()) + ", column " +
                            std::to_string(e.column())
                      : "") +
        ": " + e.message()));
  }
  // Not a runtime_error: the report reader fuzzer stops on it.
  throw std::logic_error(source +
                         ": the report reader refused JSON that "
                         "ParseJsonDocument accepts");
}

// The memory budget (kReportHistogramBudgetBytes), checked on the tree
// before any histogram is allocated: a Histogram takes the same memory
// empty or full, so a short text can ask for gigabytes.
//
// Bytes of the Histogram `json` describes (Histogram::BucketBytes). Absent or
// unsupported, the precision counts as `fallback_bits`: reading refuses an
// unsupported one later, and an absent metric is a default histogram all the
// same.
uint64_t HistogramBytes(const JsonTree::Value* json, int fallback_bits) {
  int bits = fallback_bits;
  const JsonTree::Value* precision = json != nullptr && json->is_object()
                                         ? json->find("precision_bits")
                                         : nullptr;
  if (precision != nullptr && precision->is_integer() &&
      precision->as_int64() >= 1 && precision->as_int64() <= 14) {
    bits = static_cast<int>(precision->as_int64());
  }
  return Histogram::BucketBytes(bits);
}

// A TagStats' histograms: every distribution metric of the catalogue.
uint64_t StatsBytes(const JsonTree::Value& stats) {
  const JsonTree::Value* histograms =
      stats.is_object() ? stats.find("histograms") : nullptr;
  if (histograms != nullptr && !histograms->is_object()) histograms = nullptr;
  uint64_t bytes = 0;
  for (const MetricDefinition& metric : MetricCatalogue()) {
    if (metric.kind != MetricKind::kDistribution) continue;
    bytes += HistogramBytes(
        histograms != nullptr ? histograms->find(metric.name) : nullptr,
        Histogram::kDefaultPrecisionBits);
  }
  return bytes;
}

// Sums `bytes_of` over the rows of the array `key` (none when it is not one:
// reading says so later).
template <typename BytesOf>
std::pair<uint64_t, size_t> RowsBytes(const JsonTree::Value& document,
                                      const char* key, BytesOf bytes_of) {
  const JsonTree::Value* rows = document.find(key);
  if (rows == nullptr || !rows->is_array()) return {0, 0};
  uint64_t bytes = 0;
  for (const JsonTree::Value& row : *rows) bytes += bytes_of(row);
  return {bytes, rows->size()};
}

void CheckHistogramBudget(const Reader& reader,
                          const JsonTree::Value& document) {
  const auto nested = [](const char* key, int fallback_bits) {
    return [=](const JsonTree::Value& row) {
      return HistogramBytes(row.is_object() ? row.find(key) : nullptr,
                            fallback_bits);
    };
  };
  struct Part {
    const char* field;
    std::pair<uint64_t, size_t> bytes_and_rows;
  };
  const JsonTree::Value* summary = document.find("summary");
  const Part parts[] = {
      {"summary", {summary != nullptr ? StatsBytes(*summary) : 0, 1}},
      {"tags", RowsBytes(document, "tags", StatsBytes)},
      {"custom",
       RowsBytes(document, "custom",
                 nested("histogram", Histogram::kDefaultPrecisionBits))},
      // A time slot's histogram is 4 bits (TimeSlot) unless it says.
      {"series", RowsBytes(document, "series", nested("histogram", 4))}};
  uint64_t total = 0;
  const Part* largest = &parts[0];
  for (const Part& part : parts) {
    total += part.bytes_and_rows.first;
    if (part.bytes_and_rows.first > largest->bytes_and_rows.first) {
      largest = &part;
    }
  }
  if (total <= kReportHistogramBudgetBytes) return;
  constexpr double kMiB = 1024.0 * 1024.0;
  const auto mib = [&](uint64_t bytes) {
    return FormatNumber(static_cast<double>(bytes) / kMiB, 1) + " MiB";
  };
  throw ReportTooLargeError(EscapeUnprintable(
      reader.source() + ": field " + largest->field +
      ": the histograms of its " +
      std::to_string(largest->bytes_and_rows.second) + " entries would take " +
      mib(largest->bytes_and_rows.first) + " in memory (the whole report " +
      mib(total) + "), over the " + mib(kReportHistogramBudgetBytes) +
      " a report may take (docs/report-schema.md)"));
}

RunInfo ReadInfo(const Reader& reader, const JsonTree::Value& document) {
  RunInfo info;
  const JsonTree::Value& info_json = reader.Object(document, "", "info");
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
  const JsonTree::Value& prices = reader.Object(info_json, "info", "prices");
  info.prices.input_per_million =
      reader.NonNegativeNumber(prices, "info.prices", "input_per_million");
  info.prices.output_per_million =
      reader.NonNegativeNumber(prices, "info.prices", "output_per_million");
  // Optional: only shards' reports carry them.
  if (info_json.find("shard") != nullptr) {
    const JsonTree::Value& shard = reader.Object(info_json, "info", "shard");
    info.shard.count = static_cast<int>(
        reader.Integer(shard, "info.shard", "count", 1, INT_MAX));
    info.shard.index = static_cast<int>(
        reader.Integer(shard, "info.shard", "index", 0, info.shard.count - 1));
    info.test_id = reader.String(info_json, "info", "test_id");
  }
  return info;
}

void ReadTags(const Reader& reader, const JsonTree::Value& document,
              std::vector<TagStats>& tags) {
  const JsonTree::Value& rows = reader.Array(document, "", "tags");
  size_t index = 0;
  for (const JsonTree::Value& row : rows) {
    const std::string path = "tags[" + std::to_string(index++) + "]";
    TagStats& tag = tags.emplace_back();
    tag.name = reader.String(row, path, "name");
    reader.ReadStats(row, path, tag);
  }
}

void ReadCustom(const Reader& reader, const JsonTree::Value& document,
                std::vector<CustomMetric>& metrics) {
  const JsonTree::Value& rows = reader.Array(document, "", "custom");
  size_t index = 0;
  for (const JsonTree::Value& row : rows) {
    const std::string path = "custom[" + std::to_string(index++) + "]";
    CustomMetric& metric = metrics.emplace_back();
    metric.name = reader.String(row, path, "name");
    metric.count = reader.Unsigned(row, path, "count");
    metric.failures = reader.Unsigned(row, path, "failures");
    reader.ExpectAtMost(metric.failures, metric.count, path, "failures",
                        "counted");
    metric.value = reader.ReadHistogram(reader.Object(row, path, "histogram"),
                                        path + ".histogram");
  }
}

void ReadSeries(const Reader& reader, const JsonTree::Value& document,
                std::vector<TimeSlot>& series) {
  const JsonTree::Value& rows = reader.Array(document, "", "series");
  size_t index = 0;
  for (const JsonTree::Value& row : rows) {
    const std::string path = "series[" + std::to_string(index++) + "]";
    TimeSlot& slot = series.emplace_back();
    slot.second = reader.Integer(row, path, "second");
    slot.requests = reader.Unsigned(row, path, "requests");
    slot.errors = reader.Unsigned(row, path, "errors");
    reader.ExpectAtMost(slot.errors, slot.requests, path, "errors", "requests");
    slot.output_tokens = reader.Unsigned(row, path, "output_tokens");
    reader.ReadErrorsByKind(row, path, slot.errors_by_kind);
    slot.errors_by_kind[0] = slot.requests - slot.errors;
    slot.latency = reader.ReadHistogram(reader.Object(row, path, "histogram"),
                                        path + ".histogram");
  }
}

void ReadSlos(const Reader& reader, const JsonTree::Value& document,
              std::vector<SloVerdict>& slos) {
  // Optional: reports written before verdicts were kept have none.
  if (document.find("slos") == nullptr) return;
  const JsonTree::Value& rows = reader.Array(document, "", "slos");
  size_t index = 0;
  for (const JsonTree::Value& row : rows) {
    const std::string path = "slos[" + std::to_string(index++) + "]";
    SloVerdict& slo = slos.emplace_back();
    slo.objective = reader.String(row, path, "objective");
    slo.passed = reader.Boolean(row, path, "passed");
    slo.observed = reader.String(row, path, "observed");
    slo.explanation = reader.String(row, path, "explanation");
    // Optional: older reports and run verdicts have none.
    if (row.find("expression") != nullptr) {
      slo.expression = reader.String(row, path, "expression");
    }
  }
}

}  // namespace

RunReport ReadJsonText(std::string_view text, const std::string& source) {
  const JsonTree tree = Parse(text, source);
  const JsonTree::Value& document = tree.root();
  const Reader reader(source);
  if (!document.is_object()) reader.Fail("(root)", "expected an object");
  const int64_t version = reader.Integer(document, "", "schema_version");
  if (version != kReportSchemaVersion) {
    reader.Fail("schema_version",
                "unsupported version " + std::to_string(version) +
                    " (this build reads " +
                    std::to_string(kReportSchemaVersion) + ")");
  }
  CheckHistogramBudget(reader, document);
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

RunReport ReadJson(std::istream& in, const std::string& source) {
  std::string text;
  // Sized at once when the stream knows its length (files, strings): a
  // report is megabytes, and growing by doubling copies it twice over.
  if (const std::istream::pos_type start = in.tellg();
      start != std::istream::pos_type(-1)) {
    if (in.seekg(0, std::ios::end)) {
      text.reserve(static_cast<size_t>(in.tellg() - start));
      in.seekg(start);
    } else {
      in.clear();  // not seekable (a pipe): read it as it comes
    }
  }
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) throw std::runtime_error(source + ": cannot read the report");
  return ReadJsonText(text, source);
}

}  // namespace loadgate
