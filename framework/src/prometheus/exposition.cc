// Rendering of exposition.h: family by family, every series of a family
// together, as both formats require.
#include "prometheus/exposition.h"

#include <algorithm>
#include <cctype>
#include <variant>

#include "loadgate/format.h"

namespace loadgate::prometheus {
namespace {

struct HistogramFamily {
  std::string_view name;
  std::string_view help;
  Histogram TagStats::*source;
};
// The order of TagFigures::histograms.
constexpr std::array<HistogramFamily, kHistogramFamilyCount>
    kHistogramFamilies = {{
        {"loadgate_latency_seconds",
         "Request latency from the intended send time (queueing included).",
         &TagStats::latency},
        {"loadgate_service_time_seconds",
         "Request time from the actual send to the last byte.",
         &TagStats::service_time},
        {"loadgate_ttfb_seconds",
         "Time from the actual send to the first byte.", &TagStats::ttfb},
        {"loadgate_ttft_seconds",
         "Time to the first streamed event with content (streams only).",
         &TagStats::ttft},
        {"loadgate_inter_token_latency_seconds",
         "Time per output token between streamed content events.",
         &TagStats::token_gap},
        {"loadgate_time_per_output_token_seconds",
         "Per stream, the time after the first token divided by the output "
         "tokens after the first (TPOT).",
         &TagStats::tpot},
        {"loadgate_latency_per_output_token_seconds",
         "Per answered request with output tokens, its latency divided by its "
         "output tokens.",
         &TagStats::latency_per_token},
    }};

// The `percentile` label of loadgate_run_latency_last_second_seconds (not
// `quantile`, which belongs to summaries).
constexpr std::array<std::string_view, 3> kPercentiles = {"50", "95", "99"};

std::string Number(double value) { return FormatNumber(value, 9); }

// Label values may hold anything; the formats escape \, " and newlines.
std::string EscapeLabelValue(std::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '"') {
      escaped += '\\';
      escaped += c;
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

// One family's text: "# HELP" and "# TYPE" before its first sample, so a
// family without series (TTFT of runs that never streamed) is left out, as
// the Pushgateway requires. Counters are named without "_total" in
// OpenMetrics metadata and with it in the text format; samples always
// carry it.
class FamilyWriter {
 public:
  FamilyWriter(Format format, std::string_view name, std::string_view type,
               std::string_view help, std::string& out)
      : format_(format), name_(name), type_(type), help_(help), out_(out) {}

  void Sample(std::string_view name, std::string_view labels,
              std::string_view value) {
    if (!header_written_) WriteHeader();
    out_.append(name).append("{").append(labels).append("} ").append(value);
    out_ += '\n';
  }

  // A sample of the family itself ("<name>_total" for counters).
  void Value(std::string_view labels, std::string_view value) {
    Sample(type_ == "counter" ? std::string(name_) + "_total" : name_, labels,
           value);
  }

  void Histogram(const std::string& labels, const Buckets& buckets) {
    const std::string bucket_name = std::string(name_) + "_bucket";
    const std::string prefix = labels.empty() ? "" : labels + ",";
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= kBucketCount; ++i) {
      cumulative += buckets.counts[i];
      Sample(bucket_name, prefix + "le=\"" + LeLabel(i) + "\"",
             std::to_string(cumulative));
    }
    Sample(std::string(name_) + "_sum", labels, Number(buckets.sum_seconds));
    Sample(std::string(name_) + "_count", labels,
           std::to_string(buckets.count));
  }

 private:
  void WriteHeader() {
    std::string family(name_);
    if (type_ == "counter" && format_ == Format::kText) family += "_total";
    out_.append("# HELP ").append(family).append(" ").append(help_);
    out_.append("\n# TYPE ").append(family).append(" ").append(type_);
    out_ += '\n';
    header_written_ = true;
  }

  Format format_;
  std::string_view name_, type_, help_;
  std::string& out_;
  bool header_written_ = false;
};

double CostUsd(const TagStats& stats, const TokenPrices& prices) {
  return static_cast<double>(stats.prompt_tokens) * prices.input_per_million /
             1e6 +
         static_cast<double>(stats.output_tokens) * prices.output_per_million /
             1e6;
}

TagFigures FiguresOf(const TagStats& stats, const TokenPrices& prices) {
  TagFigures tag;
  tag.tag = stats.name;
  tag.requests = stats.requests;
  tag.errors_by_kind = stats.errors_by_kind;
  tag.met_objectives = stats.met_objectives;
  tag.prompt_tokens = stats.prompt_tokens;
  tag.output_tokens = stats.output_tokens;
  tag.cost_usd = CostUsd(stats, prices);
  for (size_t i = 0; i < kHistogramFamilies.size(); ++i) {
    tag.histograms[i].Add(stats.*kHistogramFamilies[i].source);
  }
  return tag;
}

}  // namespace

Format NegotiateFormat(std::string_view accept) {
  std::string lower(accept);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return lower.find("application/openmetrics-text") != std::string::npos
             ? Format::kOpenMetrics
             : Format::kText;
}

std::string_view ContentType(Format format) {
  return format == Format::kOpenMetrics
             ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
             : "text/plain; version=0.0.4; charset=utf-8";
}

void Buckets::Add(const Histogram& histogram) {
  if (histogram.empty()) return;
  // Each value is binned as Percentile() reports it: its bucket's value
  // clamped to [min, max], except that the first and the last rank are the
  // exact min and max. So the value at any rank lies in the bucket that
  // holds that rank here.
  const int64_t min = histogram.min();
  const int64_t max = histogram.max();
  const auto binned = [&](int64_t value) {
    return BucketIndex(std::clamp(value, min, max));
  };
  const std::vector<std::pair<int64_t, uint64_t>> values =
      histogram.NonEmptyBuckets();
  for (const auto& [value, n] : values) counts[binned(value)] += n;
  --counts[binned(values.front().first)];
  ++counts[BucketIndex(min)];
  if (histogram.count() > 1) {
    --counts[binned(values.back().first)];
    ++counts[BucketIndex(max)];
  }
  count += histogram.count();
  sum_seconds += histogram.sum() / 1e9;
}

void Buckets::Add(const Buckets& other) {
  for (size_t i = 0; i < counts.size(); ++i) counts[i] += other.counts[i];
  count += other.count;
  sum_seconds += other.sum_seconds;
}

void TagFigures::Add(const TagFigures& other) {
  requests += other.requests;
  for (size_t i = 0; i < errors_by_kind.size(); ++i) {
    errors_by_kind[i] += other.errors_by_kind[i];
  }
  met_objectives += other.met_objectives;
  prompt_tokens += other.prompt_tokens;
  output_tokens += other.output_tokens;
  cost_usd += other.cost_usd;
  for (size_t i = 0; i < histograms.size(); ++i) {
    histograms[i].Add(other.histograms[i]);
  }
}

void Buckets::RaiseTo(const Buckets& now) {
  uint64_t shown = 0;   // cumulative, as last exposed
  uint64_t latest = 0;  // cumulative, of `now`
  uint64_t raised = 0;  // cumulative, of the result
  for (size_t i = 0; i < counts.size(); ++i) {
    shown += counts[i];
    latest += now.counts[i];
    const uint64_t cumulative = std::max(shown, latest);
    counts[i] = cumulative - raised;
    raised = cumulative;
  }
  count = std::max(count, now.count);
  sum_seconds = std::max(sum_seconds, now.sum_seconds);
}

void TagFigures::RaiseTo(const TagFigures& now) {
  requests = std::max(requests, now.requests);
  for (size_t i = 0; i < errors_by_kind.size(); ++i) {
    errors_by_kind[i] = std::max(errors_by_kind[i], now.errors_by_kind[i]);
  }
  met_objectives = std::max(met_objectives, now.met_objectives);
  prompt_tokens = std::max(prompt_tokens, now.prompt_tokens);
  output_tokens = std::max(output_tokens, now.output_tokens);
  cost_usd = std::max(cost_usd, now.cost_usd);
  for (size_t i = 0; i < histograms.size(); ++i) {
    histograms[i].RaiseTo(now.histograms[i]);
  }
}

RunFigures FiguresOf(const RunReport& report) {
  RunFigures figures;
  figures.requests = report.requests();
  figures.errors = report.errors();
  for (const TagStats& stats : report.metrics.tags) {
    figures.tags.push_back(FiguresOf(stats, report.info.prices));
  }
  return figures;
}

RunFigures FiguresOf(const Progress& progress) {
  RunFigures figures;
  figures.requests = progress.requests;
  figures.errors = progress.errors;
  if (progress.tags == nullptr) return figures;
  for (const TagStats& stats : *progress.tags) {
    figures.tags.push_back(FiguresOf(stats, progress.prices));
  }
  return figures;
}

Exposition::Exposition(ExpositionOptions options)
    : options_(std::move(options)) {}

void Exposition::BeginRun(const std::string& scenario, const LoadModel& model) {
  CloseRun();
  open_run_ = scenario;
  Scenario& state = scenarios_[scenario];
  state.open_model.reset();
  if (const auto* open = std::get_if<OpenModel>(&model)) {
    state.open_model = *open;
  }
}

void Exposition::Update(const Progress& progress) {
  if (!open_run_) return;  // spares the bucketing
  Update(progress, FiguresOf(progress));
}

void Exposition::Update(const Progress& progress, const RunFigures& so_far) {
  if (!open_run_) return;
  for (const TagFigures& tag : so_far.tags) {
    TagFigures& shown = open_tags_[tag.tag];
    shown.tag = tag.tag;
    shown.RaiseTo(tag);
  }
  Scenario& state = scenarios_[*open_run_];
  // The open run's part is replaced, never subtracted below zero: the
  // totals always hold it.
  state.requests = state.requests - state.open_requests + progress.requests;
  state.errors = state.errors - state.open_errors + progress.errors;
  state.open_requests = progress.requests;
  state.open_errors = progress.errors;
  state.in_flight = progress.in_flight;
  state.achieved_rps = progress.current_rps;
  state.last_second_ns = {progress.p50_ns, progress.p95_ns, progress.p99_ns};
  if (state.open_model) {
    // Progress covers the last complete second, as current_rps does: the
    // target is the arrivals scheduled within that second (as on the page).
    const double second_end = std::max(
        1.0, static_cast<double>(progress.elapsed.count() / 1'000'000'000));
    state.target_rps = ScheduledArrivals(*state.open_model, second_end) -
                       ScheduledArrivals(*state.open_model, second_end - 1);
  }
}

void Exposition::EndRun(const RunFigures& figures) {
  if (!open_run_) return;
  const std::string scenario = *open_run_;
  Scenario& state = scenarios_[scenario];
  // Exactly the report's counts, even were they below the last progress.
  state.requests = state.requests - state.open_requests + figures.requests;
  state.errors = state.errors - state.open_errors + figures.errors;
  state.open_requests = state.open_errors = 0;
  open_tags_.clear();  // the report's figures replace them
  for (const TagFigures& tag : figures.tags) {
    TagFigures& total = tags_[{scenario, tag.tag}];
    total.tag = tag.tag;
    total.Add(tag);
  }
  CloseRun();
}

void Exposition::AbortRun() { CloseRun(); }

void Exposition::CloseRun() {
  if (!open_run_) return;
  Scenario& state = scenarios_[*open_run_];
  state.open_requests = state.open_errors = 0;
  state.in_flight = 0;
  state.achieved_rps = 0;
  state.target_rps.reset();
  state.open_model.reset();
  state.last_second_ns = {};
  // A failed run's tags stay counted as last shown.
  for (const auto& [name, tag] : open_tags_) {
    TagFigures& total = tags_[{*open_run_, name}];
    total.tag = name;
    total.Add(tag);
  }
  open_tags_.clear();
  open_run_.reset();
}

std::map<Exposition::TagKey, TagFigures> Exposition::CurrentTags() const {
  std::map<TagKey, TagFigures> current = tags_;
  for (const auto& [name, tag] : open_tags_) {
    TagFigures& total = current[{*open_run_, name}];
    total.tag = name;
    total.Add(tag);
  }
  return current;
}

std::string Exposition::Labels(
    std::string_view scenario,
    std::initializer_list<std::pair<std::string_view, std::string_view>> more)
    const {
  std::string labels = "scenario=\"" + EscapeLabelValue(scenario) + "\"";
  for (const auto& [name, value] : more) {
    labels.append(",").append(name).append("=\"");
    labels.append(EscapeLabelValue(value)).append("\"");
  }
  if (!options_.shard.empty()) {
    labels += ",shard=\"" + EscapeLabelValue(options_.shard) + "\"";
  }
  return labels;
}

bool Exposition::Shown(const std::string& scenario,
                       std::optional<std::string_view> only) {
  return !only || *only == scenario;
}

void Exposition::RenderLive(Format format, std::optional<std::string_view> only,
                            std::string& out) const {
  // One family with a sample per scenario; `value` gives its text, or
  // nullopt to leave a scenario out.
  const auto family = [&](std::string_view name, std::string_view type,
                          std::string_view help, const auto& value) {
    FamilyWriter writer(format, name, type, help, out);
    for (const auto& [scenario, state] : scenarios_) {
      if (!Shown(scenario, only)) continue;
      const std::optional<std::string> text = value(state);
      if (text) writer.Value(Labels(scenario, {}), *text);
    }
  };
  using Text = std::optional<std::string>;
  family("loadgate_run_requests", "counter",
         "Requests completed, counted about once a second while a run goes "
         "on and exactly as its report counts them once it ends.",
         [](const Scenario& s) -> Text { return std::to_string(s.requests); });
  family("loadgate_run_errors", "counter",
         "Requests that failed, of any kind, counted as "
         "loadgate_run_requests_total is.",
         [](const Scenario& s) -> Text { return std::to_string(s.errors); });
  family("loadgate_in_flight_requests", "gauge",
         "Requests sent and not yet answered.",
         [](const Scenario& s) -> Text { return std::to_string(s.in_flight); });
  family("loadgate_target_rate_requests_per_second", "gauge",
         "Arrivals the open load model scheduled in the last second.",
         [](const Scenario& s) -> Text {
           return s.target_rps ? Text(Number(*s.target_rps)) : std::nullopt;
         });
  family("loadgate_achieved_rate_requests_per_second", "gauge",
         "Requests completed in the last second (0 between runs).",
         [](const Scenario& s) -> Text { return Number(s.achieved_rps); });
  FamilyWriter last_second(
      format, "loadgate_run_latency_last_second_seconds", "gauge",
      "Latency percentiles over the last second of a run (absent between "
      "runs); loadgate_latency_seconds has whole runs.",
      out);
  if (open_run_ && Shown(*open_run_, only)) {
    const Scenario& state = scenarios_.at(*open_run_);
    for (size_t i = 0; i < kPercentiles.size(); ++i) {
      last_second.Value(
          Labels(*open_run_, {{"percentile", kPercentiles[i]}}),
          Number(static_cast<double>(state.last_second_ns[i]) / 1e9));
    }
  }
}

void Exposition::RenderTags(Format format, std::optional<std::string_view> only,
                            std::string& out) const {
  const std::map<TagKey, TagFigures> tags = CurrentTags();
  // One counter family with a sample per tag of `value`.
  const auto counter = [&](std::string_view name, std::string_view help,
                           const auto& value) {
    FamilyWriter writer(format, name, "counter", help, out);
    for (const auto& [key, tag] : tags) {
      if (!Shown(key.first, only)) continue;
      writer.Value(Labels(key.first, {{"tag", key.second}}), value(tag));
    }
  };
  counter(
      "loadgate_requests",
      "Requests completed, by tag (a run under way as of its last progress).",
      [](const TagFigures& tag) { return std::to_string(tag.requests); });
  FamilyWriter errors(
      format, "loadgate_errors", "counter",
      "Failed requests, by tag and kind (as loadgate_requests_total).", out);
  for (const auto& [key, tag] : tags) {
    if (!Shown(key.first, only)) continue;
    for (int kind = 1; kind < kErrorKindCount; ++kind) {
      errors.Value(
          Labels(key.first,
                 {{"tag", key.second},
                  {"kind", ErrorKindName(static_cast<ErrorKind>(kind))}}),
          std::to_string(tag.errors_by_kind[kind]));
    }
  }
  counter(
      "loadgate_good_requests",
      "Requests that met every per-request objective (goodput), by tag "
      "(as loadgate_requests_total).",
      [](const TagFigures& tag) { return std::to_string(tag.met_objectives); });
  counter(
      "loadgate_input_tokens",
      "Input (prompt) tokens sent, by tag (as loadgate_requests_total).",
      [](const TagFigures& tag) { return std::to_string(tag.prompt_tokens); });
  counter(
      "loadgate_output_tokens",
      "Output tokens received, by tag (as loadgate_requests_total).",
      [](const TagFigures& tag) { return std::to_string(tag.output_tokens); });
  counter("loadgate_estimated_cost_usd",
          "Estimated LLM cost in US dollars, by tag (as "
          "loadgate_requests_total), from the run's token prices.",
          [](const TagFigures& tag) { return Number(tag.cost_usd); });
  for (size_t i = 0; i < kHistogramFamilies.size(); ++i) {
    const HistogramFamily& family = kHistogramFamilies[i];
    FamilyWriter histogram(format, family.name, "histogram", family.help, out);
    for (const auto& [key, tag] : tags) {
      // TTFT and ITL of a tag that never streamed stay absent.
      if (!Shown(key.first, only) || tag.histograms[i].count == 0) continue;
      histogram.Histogram(Labels(key.first, {{"tag", key.second}}),
                          tag.histograms[i]);
    }
  }
}

std::string Exposition::Render(Format format,
                               std::optional<std::string_view> only) const {
  std::string out;
  RenderLive(format, only, out);
  RenderTags(format, only, out);
  if (format == Format::kOpenMetrics) out += "# EOF\n";
  return out;
}

std::vector<std::string> Exposition::Scenarios() const {
  std::vector<std::string> names;
  for (const auto& [scenario, state] : scenarios_) names.push_back(scenario);
  return names;
}

}  // namespace loadgate::prometheus
