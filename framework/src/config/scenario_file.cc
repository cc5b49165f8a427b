// Scenario files: one schema for JSON and YAML, validated field by field so
// that every mistake is reported once, on one line, with its path.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/document.h"
#include "config/slo_syntax.h"
#include "engine/template.h"
#include "http/url.h"
#include "loadgate/config.h"

namespace loadgate {
namespace {

using config::Field;
using config::Json;

constexpr int64_t kMaxInt = std::numeric_limits<int>::max();
constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](unsigned char x, unsigned char y) {
                      return std::tolower(x) == std::tolower(y);
                    });
}

// Templates ("{mrn}") are filled per iteration; for checking a URL's shape
// any placeholder stands for a plain word.
std::string WithoutPlaceholders(std::string_view url) {
  std::string result;
  for (size_t i = 0; i < url.size(); ++i) {
    if (url[i] == '{' && i + 1 < url.size() && url[i + 1] == '{') {
      result += 'x';
      ++i;
    } else if (url[i] == '{') {
      const size_t close = url.find('}', i);
      if (close == std::string_view::npos) break;
      result += 'x';
      i = close;
    } else {
      result += url[i];
    }
  }
  return result;
}

std::string JsonPointer(const Field& field) {
  std::string pointer = field.String();
  if (pointer[0] != '/') {
    field.Expected("a JSON pointer such as \"/items/0/id\"");
  }
  return pointer;
}

std::vector<Header> ParseHeaders(const Field& field) {
  std::vector<Header> headers;
  for (const auto& [name, value] : field.Members()) {
    const bool valid_name =
        !name.empty() && std::none_of(name.begin(), name.end(), [](char c) {
          return c == ':' || std::isspace(static_cast<unsigned char>(c)) ||
                 std::iscntrl(static_cast<unsigned char>(c));
        });
    if (!valid_name) {
      field.Fail("\"" + name +
                 "\" is not a header name (no spaces, colons or controls)");
    }
    std::string text = value.ScalarText();
    if (text.find_first_of("\r\n") != std::string::npos) {
      value.Fail("expected a single-line header value");
    }
    headers.emplace_back(name, std::move(text));
  }
  return headers;
}

std::vector<Check> ParseChecks(const Field& field) {
  std::vector<Check> checks;
  for (const Field& item : field.Items()) {
    item.ExpectObject({"status", "json", "equals", "body_contains"});
    const int kinds =
        item.Has("status") + item.Has("json") + item.Has("body_contains");
    if (kinds != 1) {
      item.Fail("expected exactly one of status, json or body_contains");
    }
    if (item.Has("equals") && !item.Has("json")) {
      item.Fail("equals goes with json (a JSON pointer)");
    }
    if (auto status = item.Get("status")) {
      checks.push_back(
          Check::Status(static_cast<int>(status->Integer(100, 599))));
    } else if (auto pointer = item.Get("json")) {
      if (auto equals = item.Get("equals")) {
        checks.push_back(
            Check::JsonEquals(JsonPointer(*pointer), equals->json().dump()));
      } else {
        checks.push_back(Check::JsonPresent(JsonPointer(*pointer)));
      }
    } else {
      checks.push_back(
          Check::BodyContains(item.Require("body_contains").String()));
    }
  }
  return checks;
}

std::vector<Capture> ParseCaptures(const Field& field) {
  std::vector<Capture> captures;
  for (const auto& [variable, pointer] : field.Members()) {
    const bool valid_name =
        !variable.empty() &&
        !std::isdigit(static_cast<unsigned char>(variable[0])) &&
        std::all_of(variable.begin(), variable.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
        });
    if (!valid_name) {
      field.Fail("\"" + variable +
                 "\" is not a variable name (letters, digits and _)");
    }
    captures.push_back({variable, JsonPointer(pointer)});
  }
  return captures;
}

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
    std::optional<PresetFile> preset;
    if (auto field = root_.Get("preset")) {
      preset =
          LoadPresetFile(config::ResolveRelative(folder_, field->String()));
    }
    Scenario& scenario = file_.scenario;
    ParseTarget(preset);
    scenario.name = NameOf(preset);
    if (auto field = root_.Get("description")) field->String();
    if (auto field = root_.Get("headers"))
      scenario.headers = ParseHeaders(*field);
    if (auto field = root_.Get("tls")) {
      field->ExpectObject({"verify"});
      if (auto verify = field->Get("verify"))
        scenario.verify_tls = verify->Bool();
    }
    if (auto field = root_.Get("data")) ParseData(*field);
    ParseRequestsAndFlows();
    CheckTemplates();
    if (auto field = root_.Get("request_objectives")) {
      field->ExpectObject({"latency", "ttft"});
      if (auto latency = field->Get("latency")) {
        scenario.request_latency_objective = latency->Duration();
      }
      if (auto ttft = field->Get("ttft")) {
        scenario.request_ttft_objective = ttft->Duration();
      }
    }
    ParseLoad(preset);
    ParseOptions(preset);
    if (auto field = root_.Get("slos")) ParseSlos(*field);
    return std::move(file_);
  }

 private:
  void ParseTarget(const std::optional<PresetFile>& preset) {
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

  std::string NameOf(const std::optional<PresetFile>& preset) const {
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
    const std::string path = config::ResolveRelative(folder_, field.String());
    std::error_code ignored;
    if (std::filesystem::is_directory(path, ignored)) {
      field.Fail(path + ": cannot read: it is a directory, not a file");
    }
    try {
      return load(path);
    } catch (const std::exception& error) {
      // Whatever the data set reader threw, the message names the file.
      const std::string what = error.what();
      field.Fail(what.starts_with(path) ? what : path + ": " + what);
    }
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

  void ParseRequestsAndFlows() {
    std::optional<Field> requests = root_.Get("requests");
    std::optional<Field> flows = root_.Get("flows");
    if (!requests && !flows) {
      root_.Fail("missing required field \"requests\" (or \"flows\")");
    }
    if (requests) {
      for (const Field& item : requests->Items()) {
        item.ExpectObject({"name", "method", "url", "headers", "body", "weight",
                           "timeout", "checks", "captures", "stream",
                           "max_buffered_bytes"});
        file_.scenario.Add(ParseRequest(item));
      }
    }
    if (flows) {
      for (const Field& item : flows->Items()) {
        item.ExpectObject({"name", "weight", "metric", "steps"});
        Flow flow;
        if (auto name = item.Get("name")) flow.name = name->String();
        if (auto weight = item.Get("weight"))
          flow.weight = weight->PositiveNumber();
        if (auto metric = item.Get("metric")) flow.metric = metric->String();
        for (const Field& step_field : item.Require("steps").Items()) {
          step_field.ExpectObject({"name", "method", "url", "headers", "body",
                                   "timeout", "checks", "captures", "stream",
                                   "max_buffered_bytes", "poll"});
          Step step;
          step.request = ParseRequest(step_field);
          if (auto poll = step_field.Get("poll")) step.poll = ParsePoll(*poll);
          flow.steps.push_back(std::move(step));
        }
        file_.scenario.Add(std::move(flow));
      }
    }
  }

  // A placeholder is filled from a data set column or a capture (of any
  // step, as the engine does); one naming neither would otherwise only fail
  // when a run starts, in words that do not name the file.
  void CheckTemplates() const {
    std::vector<std::string> variables;
    for (const DataSet& data : file_.scenario.data) {
      variables.insert(variables.end(), data.columns.begin(),
                       data.columns.end());
    }
    for (const Flow& flow : file_.scenario.flows) {
      for (const Step& step : flow.steps) {
        for (const Capture& capture : step.request.captures) {
          variables.push_back(capture.variable);
        }
      }
    }
    const auto check = [&](const Field& field, std::string_view text) {
      try {
        engine::Template::Compile(text, variables, "");
      } catch (const std::invalid_argument& error) {
        // ": unknown template variable {name}"; the field says where.
        std::string message = std::string(error.what()).substr(2);
        message += variables.empty() ? " (no data set or capture defines any)"
                                     : " (data set columns and captures: " +
                                           JoinNames(variables) + ")";
        field.Fail(message);
      }
    };
    const auto check_headers = [&](const std::optional<Field>& headers) {
      if (!headers) return;
      for (const auto& [name, value] : headers->Members()) {
        check(value, value.ScalarText());
      }
    };
    const auto check_request = [&](const Field& request) {
      check(request.Require("url"), request.Require("url").String());
      check_headers(request.Get("headers"));
      if (auto body = request.Get("body")) {
        check(*body, body->json().is_string() ? body->json().get<std::string>()
                                              : body->json().dump());
      }
    };
    check_headers(root_.Get("headers"));
    if (auto requests = root_.Get("requests")) {
      for (const Field& request : requests->Items()) check_request(request);
    }
    if (auto flows = root_.Get("flows")) {
      for (const Field& flow : flows->Items()) {
        for (const Field& step : flow.Require("steps").Items()) {
          check_request(step);
        }
      }
    }
  }

  static std::string JoinNames(const std::vector<std::string>& names) {
    std::string joined;
    for (const std::string& name : names) {
      joined += (joined.empty() ? "" : ", ") + name;
    }
    return joined;
  }

  Request ParseRequest(const Field& field) const {
    Request request;
    if (auto name = field.Get("name")) request.name = name->String();
    if (auto method = field.Get("method")) {
      static const std::vector<std::string> kMethods = {
          "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
      request.method = kMethods[method->Choice(kMethods)];
    }
    const Field url = field.Require("url");
    request.url = url.String();
    CheckRequestUrl(url);
    if (auto headers = field.Get("headers"))
      request.headers = ParseHeaders(*headers);
    if (auto body = field.Get("body")) {
      if (body->json().is_string()) {
        request.body = body->json().get<std::string>();
      } else if (body->json().is_object() || body->json().is_array()) {
        request.body = body->json().dump();
        const bool has_content_type = std::any_of(
            request.headers.begin(), request.headers.end(),
            [](const Header& header) {
              return EqualsIgnoringCase(header.first, "Content-Type");
            });
        if (!has_content_type) {
          request.headers.emplace_back("Content-Type", "application/json");
        }
      } else {
        body->Expected("a string, or an object or list to send as JSON");
      }
    }
    if (auto weight = field.Get("weight"))
      request.weight = weight->PositiveNumber();
    if (auto timeout = field.Get("timeout"))
      request.timeout = timeout->Duration();
    if (auto checks = field.Get("checks"))
      request.checks = ParseChecks(*checks);
    if (auto captures = field.Get("captures")) {
      request.captures = ParseCaptures(*captures);
    }
    if (auto stream = field.Get("stream")) {
      static constexpr StreamFormat kFormats[] = {
          StreamFormat::kAuto, StreamFormat::kNone, StreamFormat::kSse,
          StreamFormat::kJsonArray};
      request.stream =
          kFormats[stream->Choice({"auto", "none", "sse", "json_array"})];
    }
    if (auto bound = field.Get("max_buffered_bytes")) {
      request.max_buffered_bytes =
          static_cast<size_t>(bound->Integer(1, kMaxInt64));
    }
    return request;
  }

  void CheckRequestUrl(const Field& field) const {
    const std::string url = WithoutPlaceholders(field.String());
    const bool absolute = url.find("://") != std::string::npos;
    if (!absolute && file_.scenario.base_url.empty()) {
      field.Fail("\"" + field.String() +
                 "\" is relative, so the scenario needs a target (base URL)");
    }
    try {
      if (absolute) {
        http::ParseUrl(url);
      } else {
        http::JoinUrl(file_.scenario.base_url, url);
      }
    } catch (const std::invalid_argument& error) {
      field.Fail(error.what());
    }
  }

  static Poll ParsePoll(const Field& field) {
    field.ExpectObject({"until", "max_attempts", "interval"});
    Poll poll;
    poll.until = ParseChecks(field.Require("until"));
    if (auto attempts = field.Get("max_attempts")) {
      poll.max_attempts = static_cast<int>(attempts->Integer(1, kMaxInt));
    }
    if (auto interval = field.Get("interval")) {
      poll.interval = interval->Duration(/*allow_zero=*/true);
    }
    return poll;
  }

  void ParseLoad(const std::optional<PresetFile>& preset) {
    std::optional<Field> load = root_.Get("load");
    if (!load) {
      if (!preset) root_.Fail("missing required field \"load\"");
      file_.model = preset->Model();
      return;
    }
    load->ExpectObject({"rate", "stages", "arrivals", "max_in_flight", "users",
                        "spawn_rate", "think_time", "iterations"});
    const bool open = load->Has("rate") || load->Has("stages");
    const bool closed = load->Has("users");
    if (open == closed) {
      load->Fail(open ? "expected rate/stages (an open model) or users (a "
                        "closed model), not both"
                      : "expected rate (an open model) or users (a closed "
                        "model)");
    }
    if (open) {
      for (std::string_view key : {"spawn_rate", "think_time", "iterations"}) {
        if (load->Has(key)) {
          load->Fail(std::string(key) +
                     " applies to users (a closed model), "
                     "not to rate");
        }
      }
      file_.model = ParseOpenModel(*load);
    } else {
      for (std::string_view key : {"arrivals", "max_in_flight"}) {
        if (load->Has(key)) {
          load->Fail(std::string(key) +
                     " applies to rate (an open model), "
                     "not to users");
        }
      }
      file_.model = ParseClosedModel(*load);
    }
  }

  static OpenModel ParseOpenModel(const Field& load) {
    OpenModel model;
    std::optional<Field> stages = load.Get("stages");
    if (auto rate = load.Get("rate")) {
      // A ramp may start from zero; a constant rate may not be zero.
      model.rate = stages ? rate->NonNegativeNumber() : rate->PositiveNumber();
    }
    if (stages) {
      for (const Field& item : stages->Items()) {
        item.ExpectObject({"duration", "target"});
        model.stages.push_back({item.Require("duration").Duration(),
                                item.Require("target").NonNegativeNumber()});
      }
    }
    if (auto arrivals = load.Get("arrivals")) {
      model.arrivals = arrivals->Choice({"constant", "poisson"}) == 0
                           ? OpenModel::Arrivals::kConstant
                           : OpenModel::Arrivals::kPoisson;
    }
    if (auto cap = load.Get("max_in_flight")) {
      model.max_in_flight = static_cast<int>(cap->Integer(0, kMaxInt));
    }
    return model;
  }

  static ClosedModel ParseClosedModel(const Field& load) {
    ClosedModel model;
    model.users = static_cast<int>(load.Require("users").Integer(1, kMaxInt));
    if (auto spawn_rate = load.Get("spawn_rate")) {
      model.spawn_rate = spawn_rate->PositiveNumber();
    }
    if (auto think = load.Get("think_time"))
      model.think = ParseThinkTime(*think);
    if (auto iterations = load.Get("iterations")) {
      model.iterations_per_user = iterations->Integer(0, kMaxInt64);
    }
    return model;
  }

  static ThinkTime ParseThinkTime(const Field& field) {
    if (field.json().is_string()) {
      return ThinkTime::Constant(field.Duration(/*allow_zero=*/true));
    }
    field.ExpectObject(
        {"distribution", "value", "min", "max", "mean", "stddev"});
    struct Distribution {
      std::string name;
      std::vector<std::string_view> required, optional;
    };
    static const std::vector<Distribution> kDistributions = {
        {"constant", {"value"}, {}},
        {"uniform", {"min", "max"}, {}},
        {"gaussian", {"mean", "stddev"}, {"min", "max"}},
        {"exponential", {"mean"}, {"max"}},
    };
    std::vector<std::string> names;
    for (const Distribution& distribution : kDistributions) {
      names.push_back(distribution.name);
    }
    const Distribution& distribution =
        kDistributions[field.Require("distribution").Choice(names)];
    for (const auto& [key, value] : field.Members()) {
      if (key == "distribution") continue;
      const auto& required = distribution.required;
      const auto& optional = distribution.optional;
      if (std::find(required.begin(), required.end(), key) == required.end() &&
          std::find(optional.begin(), optional.end(), key) == optional.end()) {
        value.Fail("not used by the " + distribution.name + " distribution");
      }
    }
    auto duration = [&](std::string_view key) {
      auto value = field.Get(key);
      if (!value) return std::chrono::nanoseconds{0};
      return value->Duration(/*allow_zero=*/true);
    };
    for (std::string_view key : distribution.required) field.Require(key);
    ThinkTime think;
    if (distribution.name == "constant") {
      think = ThinkTime::Constant(duration("value"));
    } else if (distribution.name == "uniform") {
      think = ThinkTime::Uniform(duration("min"), duration("max"));
      if (think.min > think.max) field.Fail("expected min <= max");
    } else if (distribution.name == "gaussian") {
      // Without bounds the tails are cut at 0 and mean + 4 stddev, which
      // keeps 99.997 % of the distribution and no absurd pauses.
      const auto mean = duration("mean"), stddev = duration("stddev");
      // Saturated: mean + 4 stddev of two long durations overflows int64.
      constexpr auto kLongest = std::chrono::nanoseconds::max();
      const auto max = field.Has("max")                 ? duration("max")
                       : stddev > (kLongest - mean) / 4 ? kLongest
                                                        : mean + 4 * stddev;
      think = ThinkTime::Gaussian(mean, stddev, duration("min"), max);
      if (think.min > think.max) field.Fail("expected min <= max");
    } else {
      think = ThinkTime::Exponential(duration("mean"), duration("max"));
    }
    return think;
  }

  void ParseOptions(const std::optional<PresetFile>& preset) {
    RunOptions& options = file_.options;
    if (auto duration = root_.Get("duration")) {
      options.duration = duration->Duration();
    } else if (const auto* open = std::get_if<OpenModel>(&file_.model);
               open && !open->stages.empty()) {
      options.duration = std::chrono::nanoseconds{0};
      for (const Stage& stage : open->stages) {
        if (stage.duration >
            std::chrono::nanoseconds::max() - options.duration) {
          root_.Require("load").Require("stages").Fail(
              "the stages add up to more than 64-bit nanoseconds (292 "
              "years)");
        }
        options.duration += stage.duration;
      }
    } else if (preset && preset->run_time.count() > 0) {
      options.duration = preset->run_time;
    }
    if (auto field = root_.Get("max_requests")) {
      options.max_requests =
          static_cast<uint64_t>(field->Integer(1, kMaxInt64));
    }
    if (auto field = root_.Get("threads")) {
      options.threads = static_cast<int>(field->Integer(0, 1024));
    }
    if (auto field = root_.Get("connections")) {
      options.connections = static_cast<int>(field->Integer(1, kMaxInt));
    }
    if (auto field = root_.Get("graceful_stop")) {
      options.graceful_stop = field->Duration(/*allow_zero=*/true);
    }
    if (auto field = root_.Get("seed")) {
      options.seed = static_cast<uint64_t>(field->Integer(0, kMaxInt64));
    }
    if (auto field = root_.Get("limits")) {
      field->ExpectObject({"max_error_rate", "error_window", "min_requests",
                           "max_duration", "max_cost_usd"});
      SafetyLimits& limits = options.limits;
      if (auto value = field->Get("max_error_rate")) {
        limits.max_error_rate = value->Fraction();
      }
      if (auto value = field->Get("error_window")) {
        limits.error_window = value->Duration();
      }
      if (auto value = field->Get("min_requests")) {
        limits.min_requests_in_window =
            static_cast<uint64_t>(value->Integer(1, kMaxInt64));
      }
      if (auto value = field->Get("max_duration")) {
        limits.max_duration = value->Duration();
      }
      if (auto value = field->Get("max_cost_usd")) {
        limits.max_cost_usd = value->PositiveNumber();
      }
    }
    if (auto field = root_.Get("prices")) {
      field->ExpectObject({"input_per_million", "output_per_million"});
      if (auto value = field->Get("input_per_million")) {
        options.prices.input_per_million = value->NonNegativeNumber();
      }
      if (auto value = field->Get("output_per_million")) {
        options.prices.output_per_million = value->NonNegativeNumber();
      }
    }
    if (options.limits.max_cost_usd > 0 && !HasPrices()) {
      root_.Require("limits")
          .Require("max_cost_usd")
          .Fail(std::string(kNeedsPrices));
    }
  }

  // The estimated cost is tokens times prices: without prices it stays 0,
  // and a cost limit or SLO would silently never bite.
  static constexpr std::string_view kNeedsPrices =
      "needs prices (the cost is estimated from them)";
  bool HasPrices() const {
    const TokenPrices& prices = file_.options.prices;
    return prices.input_per_million > 0 || prices.output_per_million > 0;
  }

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
