// The value types of scenario.h and load_model.h: factories, descriptions,
// and loading data sets from files.
#include "loadgate/scenario.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>
#include <variant>

#include "engine/llm_body.h"
#include "engine/plan.h"
#include "loadgate/format.h"
#include "loadgate/load_model.h"

namespace loadgate {
namespace {

void AddUnique(std::vector<std::string>& names, const std::string& name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    names.push_back(name);
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error(path + ": cannot open (" + std::strerror(errno) +
                             ")");
  }
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

// The records of a CSV file (RFC 4180): fields separated by commas,
// optionally quoted; a quoted field may hold commas, line breaks and doubled
// quotes. Lines end in LF or CRLF; blank lines are skipped. Errors throw
// std::runtime_error naming the file and line.
class CsvReader {
 public:
  struct Record {
    std::vector<std::string> fields;
    int line = 0;  // where it starts
  };

  CsvReader(std::string_view text, const std::string& path)
      : text_(text), path_(path) {}

  std::vector<Record> ReadAll() {
    while (at_ < text_.size()) {
      const char c = text_[at_];
      if (!field_started_) record_.line = line_;
      if (c == '"' && field_.empty()) {
        ReadQuoted();
      } else if (c == ',') {
        field_started_ = true;
        EndField();
        ++at_;
      } else if (c == '\r' || c == '\n') {
        EndRecord();
        if (c == '\r' && at_ + 1 < text_.size() && text_[at_ + 1] == '\n') {
          ++at_;
        }
        ++at_;
        ++line_;
      } else {
        field_started_ = true;
        field_.push_back(c);
        ++at_;
      }
    }
    EndRecord();
    return std::move(records_);
  }

 private:
  // From the opening quote to just after the closing one, which must end
  // the field.
  void ReadQuoted() {
    field_started_ = true;
    const int quote_line = line_;
    ++at_;
    while (true) {
      if (at_ >= text_.size()) {
        Fail(quote_line, "unterminated quoted field");
      }
      if (text_[at_] == '"') {
        if (at_ + 1 < text_.size() && text_[at_ + 1] == '"') {
          field_.push_back('"');
          at_ += 2;
          continue;
        }
        ++at_;
        break;
      }
      if (text_[at_] == '\n') ++line_;
      field_.push_back(text_[at_++]);
    }
    if (at_ < text_.size() && text_[at_] != ',' && text_[at_] != '\n' &&
        text_[at_] != '\r') {
      Fail(line_,
           "unexpected character after a quoted field (expected a comma or "
           "a line end)");
    }
  }

  void EndField() {
    record_.fields.push_back(std::move(field_));
    field_.clear();
  }

  void EndRecord() {
    if (field_started_) {
      EndField();
      records_.push_back(std::move(record_));
    }
    record_ = Record{};
    field_started_ = false;
  }

  [[noreturn]] void Fail(int line, const std::string& what) const {
    throw std::runtime_error(path_ + ":" + std::to_string(line) + ": " + what);
  }

  std::string_view text_;
  const std::string& path_;
  size_t at_ = 0;
  int line_ = 1;
  bool field_started_ = false;  // the record has at least one field
  std::string field_;
  Record record_;
  std::vector<Record> records_;
};

}  // namespace

std::string engine::TagNameOf(const Request& request) {
  if (!request.name.empty()) return request.name;
  std::string_view path = request.url;
  // An absolute URL is named by its path: "GET /items/{id}".
  if (const size_t scheme = path.find("://"); scheme != std::string::npos) {
    const size_t slash = path.find('/', scheme + 3);
    path =
        slash == std::string::npos ? std::string_view("/") : path.substr(slash);
  }
  return request.method + " " + std::string(path.empty() ? "/" : path);
}

Scenario& Scenario::Add(Request request) {
  Flow flow;
  flow.name = engine::TagNameOf(request);
  flow.weight = request.weight;
  flow.steps.push_back(Step{std::move(request), std::nullopt});
  return Add(std::move(flow));
}

Scenario& Scenario::Add(Flow flow) {
  flows.push_back(std::move(flow));
  return *this;
}

std::vector<std::string> Scenario::TagNames() const {
  std::vector<std::string> names;
  for (const Flow& flow : flows) {
    // A conversation flow reports every turn under one tag.
    if (flow.llm)
      AddUnique(names, engine::TagNameOf(engine::LlmTurnRequest(flow)));
    for (const Step& step : flow.steps) {
      AddUnique(names, engine::TagNameOf(step.request));
    }
  }
  return names;
}

std::vector<std::string> Scenario::CustomMetricNames() const {
  std::vector<std::string> names;
  for (const Flow& flow : flows) {
    if (!flow.metric.empty()) AddUnique(names, flow.metric);
  }
  return names;
}

Check Check::Status(int status) {
  Check check;
  check.kind = Kind::kStatus;
  check.status = status;
  return check;
}

Check Check::JsonPresent(std::string pointer) {
  Check check;
  check.kind = Kind::kJsonPresent;
  check.pointer = std::move(pointer);
  return check;
}

Check Check::JsonEquals(std::string pointer, std::string expected_json) {
  Check check;
  check.kind = Kind::kJsonEquals;
  check.pointer = std::move(pointer);
  check.expected = std::move(expected_json);
  return check;
}

Check Check::BodyContains(std::string text) {
  Check check;
  check.kind = Kind::kBodyContains;
  check.expected = std::move(text);
  return check;
}

std::string Check::Describe() const {
  switch (kind) {
    case Kind::kStatus:
      return "status == " + std::to_string(status);
    case Kind::kJsonPresent:
      return pointer + " present";
    case Kind::kJsonEquals:
      return pointer + " == " + expected;
    case Kind::kBodyContains:
      return "body contains \"" + expected + "\"";
  }
  return "unknown check";
}

DataSet DataSet::FromValues(std::string column,
                            std::vector<std::string> values) {
  DataSet data;
  data.columns.push_back(std::move(column));
  data.rows.reserve(values.size());
  for (std::string& value : values) data.rows.push_back({std::move(value)});
  return data;
}

DataSet DataSet::FromCsvFile(const std::string& path) {
  const std::string text = ReadFile(path);
  std::vector<CsvReader::Record> records = CsvReader(text, path).ReadAll();
  if (records.empty()) {
    throw std::runtime_error(path +
                             ":1: expected a header row naming the "
                             "columns");
  }
  DataSet data;
  data.columns = std::move(records.front().fields);
  for (size_t r = 1; r < records.size(); ++r) {
    if (records[r].fields.size() != data.columns.size()) {
      throw std::runtime_error(
          path + ":" + std::to_string(records[r].line) + ": expected " +
          std::to_string(data.columns.size()) + " fields, found " +
          std::to_string(records[r].fields.size()));
    }
    data.rows.push_back(std::move(records[r].fields));
  }
  return data;
}

DataSet DataSet::FromJsonFile(const std::string& path) {
  const std::string text = ReadFile(path);
  // ordered_json keeps each object's keys in file order, so the columns
  // come out as the file lists them.
  nlohmann::ordered_json document;
  try {
    document = nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    const size_t end = std::min<size_t>(error.byte, text.size());
    const auto line = 1 + std::count(text.begin(), text.begin() + end, '\n');
    throw std::runtime_error(path + ":" + std::to_string(line) +
                             ": invalid JSON: " + error.what());
  } catch (const nlohmann::json::exception& error) {
    // A number out of range (1e999) has no position to report.
    throw std::runtime_error(path + ": invalid JSON: " + error.what());
  }
  if (!document.is_array()) {
    throw std::runtime_error(path + ": expected a JSON array of objects");
  }
  DataSet data;
  for (const auto& element : document) {
    if (!element.is_object()) {
      throw std::runtime_error(path + ": element " +
                               std::to_string(data.rows.size()) +
                               ": expected an object");
    }
    for (const auto& [key, value] : element.items()) {
      AddUnique(data.columns, key);
    }
    data.rows.emplace_back();
  }
  size_t index = 0;
  for (const auto& element : document) {
    std::vector<std::string>& row = data.rows[index++];
    row.resize(data.columns.size());
    for (size_t c = 0; c < data.columns.size(); ++c) {
      const auto found = element.find(data.columns[c]);
      if (found == element.end() || found->is_null()) continue;
      row[c] =
          found->is_string()
              ? found->get<std::string>()
              : found->dump(-1, ' ', false,
                            nlohmann::ordered_json::error_handler_t::replace);
    }
  }
  return data;
}

ThinkTime ThinkTime::None() { return ThinkTime{}; }

ThinkTime ThinkTime::Constant(std::chrono::nanoseconds value) {
  ThinkTime think;
  think.kind = Kind::kConstant;
  think.value = value;
  return think;
}

ThinkTime ThinkTime::Uniform(std::chrono::nanoseconds min,
                             std::chrono::nanoseconds max) {
  ThinkTime think;
  think.kind = Kind::kUniform;
  think.min = min;
  think.max = max;
  return think;
}

ThinkTime ThinkTime::Gaussian(std::chrono::nanoseconds mean,
                              std::chrono::nanoseconds stddev,
                              std::chrono::nanoseconds min,
                              std::chrono::nanoseconds max) {
  ThinkTime think;
  think.kind = Kind::kGaussian;
  think.mean = mean;
  think.stddev = stddev;
  think.min = min;
  think.max = max;
  return think;
}

ThinkTime ThinkTime::Exponential(std::chrono::nanoseconds mean,
                                 std::chrono::nanoseconds max) {
  ThinkTime think;
  think.kind = Kind::kExponential;
  think.mean = mean;
  think.max = max;
  return think;
}

namespace {

// An open model's description with its rate in `rate_unit`.
std::string DescribeOpen(const OpenModel& open, std::string_view rate_unit) {
  const std::string arrivals =
      open.arrivals == OpenModel::Arrivals::kPoisson ? "poisson" : "constant";
  std::string unit = " ";
  unit += rate_unit;
  if (open.stages.empty())
    return arrivals + " " + FormatNumber(open.rate) + unit;
  std::string text = "ramping (" + arrivals + ") " + FormatNumber(open.rate);
  for (const Stage& stage : open.stages) {
    text += " -> " + FormatNumber(stage.target_rps) + unit + " over " +
            FormatMilliseconds(stage.duration);
    if (&stage != &open.stages.back()) text += ",";
  }
  return text;
}

std::string DescribeClosed(const ClosedModel& closed) {
  std::string text = "closed " + std::to_string(closed.users) +
                     (closed.users == 1 ? " user" : " users");
  if (closed.spawn_rate > 0) {
    text += ", spawn " + FormatNumber(closed.spawn_rate) + "/s";
  }
  const ThinkTime& think = closed.think;
  switch (think.kind) {
    case ThinkTime::Kind::kNone:
      text += ", no think time between iterations";
      break;
    case ThinkTime::Kind::kConstant:
      text += ", think " + FormatMilliseconds(think.value);
      break;
    case ThinkTime::Kind::kUniform:
      text += ", think uniform " + FormatMilliseconds(think.min) + " .. " +
              FormatMilliseconds(think.max);
      break;
    case ThinkTime::Kind::kGaussian:
      text += ", think gaussian mean " + FormatMilliseconds(think.mean) +
              " sd " + FormatMilliseconds(think.stddev) + " in [" +
              FormatMilliseconds(think.min) + ", " +
              FormatMilliseconds(think.max) + "]";
      break;
    case ThinkTime::Kind::kExponential:
      text += ", think exponential mean " + FormatMilliseconds(think.mean);
      if (think.max.count() > 0)
        text += " max " + FormatMilliseconds(think.max);
      break;
  }
  if (closed.iterations_per_user > 0) {
    text +=
        ", " + std::to_string(closed.iterations_per_user) + " iterations/user";
  }
  return text;
}

std::string DescribeInRateUnit(const LoadModel& model,
                               std::string_view rate_unit) {
  if (const auto* open = std::get_if<OpenModel>(&model)) {
    return DescribeOpen(*open, rate_unit);
  }
  return DescribeClosed(std::get<ClosedModel>(model));
}

}  // namespace

bool engine::IterationsAreRequests(const Scenario& scenario) {
  return std::all_of(
      scenario.flows.begin(), scenario.flows.end(), [](const Flow& flow) {
        if (!flow.llm) return flow.steps.size() == 1;
        // A conversation of several turns is several requests.
        const std::vector<Conversation>& conversations =
            flow.llm->conversations;
        return std::all_of(conversations.begin(), conversations.end(),
                           [](const Conversation& conversation) {
                             return conversation.turns.size() == 1;
                           });
      });
}

std::string Describe(const LoadModel& model) {
  return DescribeInRateUnit(model, "req/s");
}

std::string Describe(const LoadModel& model, const Scenario& scenario) {
  return DescribeInRateUnit(model, engine::IterationsAreRequests(scenario)
                                       ? "req/s"
                                       : "iterations/s");
}

}  // namespace loadgate
