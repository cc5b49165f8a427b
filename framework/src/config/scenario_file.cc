// Scenario files: one schema for JSON and YAML, validated field by field so
// that every mistake is reported once, on one line, with its path. This file
// walks the top level (target, name, data sets, SLOs) in the order errors
// are reported; requests and flows, the load model and the run options are
// read by scenario_requests, scenario_load_model and scenario_run_options.
#include <algorithm>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/document.h"
#include "config/relative_file.h"
#include "config/scenario_load_model.h"
#include "config/scenario_requests.h"
#include "config/scenario_run_options.h"
#include "config/slo_syntax.h"
#include "http/url.h"
#include "loadgate/config.h"
#include "loadgate/preset.h"

namespace loadgate {
namespace {

using config::Field;
using config::Json;
using config::kNeedsPrices;

class ScenarioParser {
 public:
  ScenarioParser(const Json& root, const std::string& source_name)
      : root_(root, "", source_name), folder_(config::FolderOf(source_name)) {}

  ScenarioFile Parse() {
    root_.ExpectObject({"name",
                        "description",
                        "target",
                        "base_url",
                        "headers",
                        "tls",
                        "data",
                        "requests",
                        "flows",
                        "load",
                        "duration",
                        "max_requests",
                        "threads",
                        "connections",
                        "graceful_stop",
                        "seed",
                        "limits",
                        "prices",
                        "request_objectives",
                        "slos",
                        "preset"});
    std::optional<Preset> preset;
    if (auto field = root_.Get("preset")) {
      preset = LoadPreset(config::ResolveRelative(folder_, field->String()));
    }
    Scenario& scenario = file_.scenario;
    ParseTarget(preset);
    scenario.name = NameOf(preset);
    if (auto field = root_.Get("description")) field->String();
    if (auto field = root_.Get("headers"))
      scenario.headers = config::ParseHeaders(*field);
    if (auto field = root_.Get("tls")) {
      field->ExpectObject({"verify"});
      if (auto verify = field->Get("verify"))
        scenario.verify_tls = verify->Bool();
    }
    if (auto field = root_.Get("data")) ParseData(*field);
    config::ParseRequestsAndFlows(root_, &scenario);
    config::CheckTemplates(root_, scenario);
    if (auto field = root_.Get("request_objectives")) {
      field->ExpectObject({"latency", "ttft", "tpot", "max_itl"});
      if (auto latency = field->Get("latency")) {
        scenario.request_latency_objective = latency->Duration();
      }
      if (auto ttft = field->Get("ttft")) {
        scenario.request_ttft_objective = ttft->Duration();
      }
      if (auto tpot = field->Get("tpot")) {
        scenario.request_tpot_objective = tpot->Duration();
      }
      if (auto max_itl = field->Get("max_itl")) {
        scenario.request_max_itl_objective = max_itl->Duration();
      }
    }
    file_.model = config::ParseLoadModel(root_, preset);
    file_.options = config::ParseRunOptions(root_, file_.model, preset);
    if (auto field = root_.Get("slos")) ParseSlos(*field);
    return std::move(file_);
  }

 private:
  void ParseTarget(const std::optional<Preset>& preset) {
    std::optional<Field> target = root_.Get("target");
    if (auto base_url = root_.Get("base_url")) {
      if (target) base_url->Fail("use target or base_url, not both");
      target = base_url;
    }
    if (target) {
      file_.scenario.base_url = target->String();
      try {
        http::ParseUrl(file_.scenario.base_url);
      } catch (const std::invalid_argument& error) {
        target->Fail(error.what());
      }
    } else if (preset) {
      file_.scenario.base_url = preset->host;
    }
  }

  std::string NameOf(const std::optional<Preset>& preset) const {
    if (auto field = root_.Get("name")) return field->String();
    std::string stem = root_.file().substr(folder_.size());
    if (size_t dot = stem.rfind('.'); dot != std::string::npos && dot > 0) {
      stem.resize(dot);
    }
    return preset && stem.empty() ? preset->name : stem;
  }

  void ParseData(const Field& field) {
    for (const Field& item : field.Items()) {
      item.ExpectObject({"csv", "json", "rows", "column", "values", "order"});
      const int sources = item.Has("csv") + item.Has("json") +
                          item.Has("rows") + item.Has("values");
      if (sources != 1) {
        item.Fail("expected exactly one of csv, json, rows or values");
      }
      if (item.Has("column") != item.Has("values")) {
        item.Fail("column and values go together");
      }
      DataSet data;
      if (auto csv = item.Get("csv")) {
        data = LoadDataFile(*csv, &DataSet::FromCsvFile);
      } else if (auto json = item.Get("json")) {
        data = LoadDataFile(*json, &DataSet::FromJsonFile);
      } else if (auto rows = item.Get("rows")) {
        data = InlineRows(*rows);
      } else {
        std::vector<std::string> values;
        for (const Field& value : item.Require("values").Items()) {
          values.push_back(value.ScalarText());
        }
        data = DataSet::FromValues(item.Require("column").String(),
                                   std::move(values));
      }
      if (auto order = item.Get("order")) {
        data.order = order->Choice({"sequential", "random"}) == 0
                         ? DataSet::Order::kSequential
                         : DataSet::Order::kRandom;
      }
      file_.scenario.data.push_back(std::move(data));
    }
  }

  DataSet LoadDataFile(const Field& field,
                       DataSet (*load)(const std::string& path)) const {
    return config::LoadRelativeFile(field, folder_, load);
  }

  static DataSet InlineRows(const Field& field) {
    DataSet data;
    for (const Field& row : field.Items()) {
      std::vector<std::string> columns, values;
      for (const auto& [column, value] : row.Members()) {
        columns.push_back(column);
        values.push_back(value.ScalarText());
      }
      if (data.rows.empty()) {
        if (columns.empty()) row.Expected("an object of column values");
        data.columns = std::move(columns);
      } else if (columns != data.columns) {
        row.Fail("expected the same fields as rows[0], in the same order");
      }
      data.rows.push_back(std::move(values));
    }
    return data;
  }

  bool HasPrices() const { return config::HasPrices(file_.options.prices); }

  void ParseSlos(const Field& field) {
    const std::vector<std::string> tags = file_.scenario.TagNames();
    const std::vector<std::string> custom = file_.scenario.CustomMetricNames();
    for (const Field& item : field.Items(/*allow_empty=*/true)) {
      Objective objective;
      if (item.json().is_string()) {
        try {
          objective = ParseObjective(item.json().get<std::string>());
        } catch (const std::invalid_argument& error) {
          item.Fail(error.what());
        }
      } else {
        objective = ParseObjectiveObject(item);
      }
      if (!objective.tag.empty() &&
          std::find(tags.begin(), tags.end(), objective.tag) == tags.end()) {
        item.Fail(UnknownName("no request is named", objective.tag, tags));
      }
      if (objective.metric == "estimated_cost_usd" && !HasPrices()) {
        item.Fail("estimated_cost_usd " + std::string(kNeedsPrices));
      }
      if (objective.metric.starts_with("custom:")) {
        const std::string name = objective.metric.substr(7);
        if (std::find(custom.begin(), custom.end(), name) == custom.end()) {
          item.Fail(UnknownName("no flow records the metric", name, custom));
        }
      }
      file_.objectives.push_back(std::move(objective));
    }
  }

  static std::string UnknownName(const std::string& what,
                                 const std::string& name,
                                 const std::vector<std::string>& known) {
    std::string message = what + " \"" + name + "\"";
    const std::string suggestion = config::ClosestMatch(name, known);
    if (!suggestion.empty())
      message += " (did you mean \"" + suggestion + "\"?)";
    return message;
  }

  static Objective ParseObjectiveObject(const Field& field) {
    if (!field.json().is_object()) {
      field.Expected("an SLO such as \"p95(latency) < 3s\" or an object");
    }
    field.ExpectObject({"metric", "percentile", "lt", "le", "gt", "ge", "tag"});
    Objective objective;
    const Field metric = field.Require("metric");
    objective.metric = metric.String();
    try {
      config::ValidateMetricName(objective.metric);
    } catch (const std::invalid_argument& error) {
      metric.Fail(error.what());
    }
    if (auto percentile = field.Get("percentile")) {
      if (!config::TakesPercentile(objective.metric)) {
        percentile->Fail(objective.metric +
                         " is a run figure and takes no percentile");
      }
      objective.percentile = percentile->PositiveNumber();
      if (objective.percentile > 100)
        percentile->Expected("a number in (0, 100]");
    } else if (config::TakesPercentile(objective.metric)) {
      field.Fail("missing required field \"percentile\" (" + objective.metric +
                 " is a distribution)");
    }
    std::optional<Field> threshold;
    for (const auto& [key, value] : field.Members()) {
      Objective::Op op;
      if (!config::OpFromName(key, &op)) continue;
      if (threshold) field.Fail("expected only one of lt, le, gt or ge");
      objective.op = op;
      threshold = value;
    }
    if (!threshold) field.Fail("expected one of lt, le, gt or ge");
    const Json& value = threshold->json();
    if (!value.is_string() && !value.is_number()) {
      threshold->Expected("a threshold such as \"3s\", \"1%\" or 95");
    }
    try {
      objective.threshold = config::ParseThreshold(
          objective.metric,
          value.is_string() ? value.get<std::string>() : value.dump());
    } catch (const std::invalid_argument& error) {
      threshold->Fail(error.what());
    }
    if (auto tag = field.Get("tag")) objective.tag = tag->String();
    return objective;
  }

  Field root_;
  std::string folder_;
  ScenarioFile file_;
};

}  // namespace

ScenarioFile ParseScenario(std::string_view text, ConfigFormat format,
                           const std::string& source_name) {
  const Json root = config::ParseDocument(text, format, source_name);
  return ScenarioParser(root, source_name).Parse();
}

ScenarioFile LoadScenarioFile(const std::string& path) {
  const ConfigFormat format = FormatForPath(path);
  return ParseScenario(config::ReadConfigFile(path), format, path);
}

}  // namespace loadgate
