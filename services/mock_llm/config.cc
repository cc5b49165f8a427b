#include "mock_llm/config.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

namespace loadgate::services::mock_llm {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, kFaultKinds + 1> kFaultNames = {
    "none", "429",        "500",          "503",
    "hang", "disconnect", "stream-error", "slow-headers"};

// The largest number a config value may have: delays are turned into
// integer nanoseconds, which 1e9 ms still fits.
constexpr double kMaxNumber = 1e9;

Result<double> ReadNumber(const json& value, std::string_view key, double min) {
  if (!value.is_number() || value.get<double>() < min ||
      value.get<double>() > kMaxNumber) {
    return Status::Error(std::string(key) + " must be a number from " +
                         std::to_string(min) + " to 1e9");
  }
  return value.get<double>();
}

Result<int64_t> ReadInteger(const json& value, std::string_view key,
                            int64_t min) {
  if (!value.is_number_integer() || value.get<int64_t>() < min) {
    return Status::Error(std::string(key) +
                         " must be an integer >= " + std::to_string(min));
  }
  return value.get<int64_t>();
}

// Stores a read value in `out`, or passes the failure on.
template <typename T, typename Target>
Status Store(Result<T> read, Target* out) {
  if (!read.ok()) return read.status();
  *out = static_cast<Target>(*read);
  return Status::Ok();
}

Result<Distribution::Kind> ReadDistributionKind(const json& value,
                                                std::string_view key) {
  auto named = value.find("distribution");
  if (named != value.end() && !named->is_string())
    return Status::Error(std::string(key) + ".distribution must be a string");
  const std::string kind =
      named == value.end() ? "constant" : named->get<std::string>();
  if (kind == "constant") return Distribution::Kind::kConstant;
  if (kind == "uniform") return Distribution::Kind::kUniform;
  if (kind == "gaussian") return Distribution::Kind::kGaussian;
  return Status::Error(std::string(key) + ": unknown distribution '" + kind +
                       "' (constant, uniform, gaussian)");
}

// A number means a constant; an object names the distribution.
Result<Distribution> ReadDistribution(const json& value, std::string_view key) {
  if (value.is_number()) {
    Result<double> constant = ReadNumber(value, key, 0);
    if (!constant.ok()) return constant.status();
    return Distribution::Constant(*constant);
  }
  if (!value.is_object()) {
    return Status::Error(std::string(key) +
                         " must be a number or a distribution object");
  }
  Result<Distribution::Kind> kind = ReadDistributionKind(value, key);
  if (!kind.ok()) return kind.status();
  Distribution d;
  d.kind = *kind;
  for (auto& [name, field] : {std::pair<const char*, double*>{"mean", &d.mean},
                              {"stddev", &d.stddev},
                              {"min", &d.min},
                              {"max", &d.max}}) {
    if (!value.contains(name)) continue;
    Status read =
        Store(ReadNumber(value[name], std::string(key) + "." + name, 0), field);
    if (!read.ok()) return read;
  }
  if (d.kind == Distribution::Kind::kConstant && !value.contains("mean") &&
      value.contains("value")) {
    Status read = Store(
        ReadNumber(value["value"], std::string(key) + ".value", 0), &d.mean);
    if (!read.ok()) return read;
  }
  if (d.kind != Distribution::Kind::kConstant) {
    if (!value.contains("max")) d.max = std::max(d.min, d.mean * 2);
    if (d.max < d.min) return Status::Error(std::string(key) + ": max < min");
    if (d.kind == Distribution::Kind::kGaussian && !value.contains("mean")) {
      d.mean = (d.min + d.max) / 2;
    }
  }
  return d;
}

json DistributionJson(const Distribution& d) {
  switch (d.kind) {
    case Distribution::Kind::kConstant:
      return {{"distribution", "constant"}, {"mean", d.mean}};
    case Distribution::Kind::kUniform:
      return {{"distribution", "uniform"}, {"min", d.min}, {"max", d.max}};
    case Distribution::Kind::kGaussian:
      return {{"distribution", "gaussian"},
              {"mean", d.mean},
              {"stddev", d.stddev},
              {"min", d.min},
              {"max", d.max}};
  }
  return {};
}

Result<std::vector<std::string>> ReadStringList(const json& value,
                                                std::string_view key) {
  const Status not_strings =
      Status::Error(std::string(key) + " must be an array of strings");
  if (!value.is_array()) return not_strings;
  std::vector<std::string> list;
  for (const json& item : value) {
    if (!item.is_string()) return not_strings;
    list.push_back(item.get<std::string>());
  }
  return list;
}

Status ReadFaults(const json& value, Config* config) {
  if (!value.is_object())
    return Status::Error("faults must map a fault name to a probability");
  for (const auto& [name, probability] : value.items()) {
    auto fault = ParseFault(name);
    if (!fault || *fault == Fault::kNone) {
      return Status::Error("unknown fault '" + name +
                           "' (429, 500, 503, hang, disconnect, stream-error, "
                           "slow-headers)");
    }
    Result<double> p = ReadNumber(probability, "faults." + name, 0);
    if (!p.ok() || *p > 1) {
      return Status::Error("faults." + name +
                           " must be a probability in [0, 1]");
    }
    config->FaultProbability(*fault) = *p;
  }
  return Status::Ok();
}

// Keys that hold a plain number (>= 0) or integer (>= 0) of the config.
struct NumberKey {
  std::string_view key;
  double Config::*field;
};
constexpr NumberKey kNumberKeys[] = {
    {"tokens_per_second", &Config::tokens_per_second},
    {"capacity_exponent", &Config::capacity_exponent},
    {"slow_headers_ms", &Config::slow_headers_ms},
    {"hang_ms", &Config::hang_ms}};
struct IntegerKey {
  std::string_view key;
  int64_t Config::*field;
};
constexpr IntegerKey kIntegerKeys[] = {
    {"capacity", &Config::capacity},
    {"requests_per_minute", &Config::requests_per_minute},
    {"tokens_per_minute", &Config::tokens_per_minute}};

// The keys whose value needs more than a bound check.
Status ApplyShapedKey(const std::string& key, const json& value, Config* c) {
  if (key == "ttft_ms") return Store(ReadDistribution(value, key), &c->ttft_ms);
  if (key == "output_tokens")
    return Store(ReadDistribution(value, key), &c->output_tokens);
  if (key == "itl_ms") {
    c->tokens_per_second = 0;
    return Store(ReadNumber(value, key, 0), &c->itl_ms);
  }
  if (key == "tokens_per_chunk") {
    Result<int64_t> chunk = ReadInteger(value, key, 1);
    if (!chunk.ok()) return chunk.status();
    c->tokens_per_chunk = static_cast<int>(std::min<int64_t>(*chunk, 1000));
    return Status::Ok();
  }
  if (key == "seed") return Store(ReadInteger(value, key, 0), &c->seed);
  if (key == "fault_at_fraction") {
    Result<double> fraction = ReadNumber(value, key, 0);
    if (!fraction.ok() || *fraction > 1)
      return Status::Error("fault_at_fraction must be in [0, 1]");
    c->fault_at_fraction = *fraction;
    return Status::Ok();
  }
  if (key == "journal") {
    Result<int64_t> journal = ReadInteger(value, key, 0);
    if (!journal.ok() || *journal > kMaxJournalEntries) {
      return Status::Error("journal must be an integer in [0, " +
                           std::to_string(kMaxJournalEntries) + "]");
    }
    c->journal = *journal;
    return Status::Ok();
  }
  if (key == "embedding_dimensions") {
    Result<int64_t> dimensions = ReadInteger(value, key, 1);
    if (!dimensions.ok() || *dimensions > 8192)
      return Status::Error("embedding_dimensions must be in [1, 8192]");
    c->embedding_dimensions = static_cast<int>(*dimensions);
    return Status::Ok();
  }
  return Status::Error("unknown config key '" + key + "'");
}

// The keys that hold a name, a flag or a list.
Status ApplyTextKey(const std::string& key, const json& value, Config* c) {
  if (key == "content") {
    auto mode = value.is_string() ? ParseContentMode(value.get<std::string>())
                                  : std::nullopt;
    if (!mode) return Status::Error("content must be generate, echo or canned");
    c->content = *mode;
    return Status::Ok();
  }
  if (key == "canned") return Store(ReadStringList(value, key), &c->canned);
  if (key == "models") return Store(ReadStringList(value, key), &c->models);
  if (key == "canned_file") {
    if (!value.is_string()) return Status::Error("canned_file must be a path");
    return Store(LoadCannedFile(value.get<std::string>()), &c->canned);
  }
  if (key == "faults") return ReadFaults(value, c);
  if (key == "sse_crlf") {
    if (!value.is_boolean()) return Status::Error("sse_crlf must be a boolean");
    c->sse_crlf = value.get<bool>();
    return Status::Ok();
  }
  if (key == "openai_role_content") {
    if (value != "null" && value != "empty") {
      return Status::Error("openai_role_content must be \"null\" or \"empty\"");
    }
    c->openai_role_content_null = value == "null";
    return Status::Ok();
  }
  return ApplyShapedKey(key, value, c);
}

Status ApplyKey(const std::string& key, const json& value, Config* c) {
  for (const NumberKey& number : kNumberKeys) {
    if (key == number.key)
      return Store(ReadNumber(value, key, 0), &(c->*number.field));
  }
  for (const IntegerKey& integer : kIntegerKeys) {
    if (key == integer.key)
      return Store(ReadInteger(value, key, 0), &(c->*integer.field));
  }
  return ApplyTextKey(key, value, c);
}

bool IsListenKey(const std::string& key) {
  return key == "host" || key == "port" || key == "threads" ||
         key == "max_body_bytes";
}

}  // namespace

Distribution Distribution::Constant(double value) {
  return {Kind::kConstant, value, 0, value, value};
}
Distribution Distribution::Uniform(double min, double max) {
  return {Kind::kUniform, (min + max) / 2, 0, min, max};
}
Distribution Distribution::Gaussian(double mean, double stddev, double min,
                                    double max) {
  return {Kind::kGaussian, mean, stddev, min, max};
}

double Distribution::Sample(Rng& rng) const {
  switch (kind) {
    case Kind::kConstant:
      return mean;
    case Kind::kUniform:
      return min + (max - min) * rng.Uniform();
    case Kind::kGaussian:
      return std::clamp(mean + stddev * rng.Gaussian(), min, max);
  }
  return mean;
}

std::optional<Fault> ParseFault(std::string_view name) {
  for (size_t i = 0; i < kFaultNames.size(); ++i) {
    if (kFaultNames[i] == name) return static_cast<Fault>(i);
  }
  return std::nullopt;
}

std::string_view FaultName(Fault fault) {
  return kFaultNames[static_cast<size_t>(fault)];
}

std::optional<ContentMode> ParseContentMode(std::string_view name) {
  if (name == "generate") return ContentMode::kGenerate;
  if (name == "echo") return ContentMode::kEcho;
  if (name == "canned") return ContentMode::kCanned;
  return std::nullopt;
}

std::string_view ContentModeName(ContentMode mode) {
  switch (mode) {
    case ContentMode::kGenerate:
      return "generate";
    case ContentMode::kEcho:
      return "echo";
    case ContentMode::kCanned:
      return "canned";
  }
  return "generate";
}

Result<std::vector<std::string>> LoadCannedFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Error("cannot read canned responses file " + path);
  std::stringstream content;
  content << in.rdbuf();
  const std::string text = content.str();
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_array()) return ReadStringList(parsed, path);
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

Status ApplyJson(const json& json_config, Config* config) {
  if (!json_config.is_object())
    return Status::Error("config must be a JSON object");
  Config c = *config;
  for (const auto& [key, value] : json_config.items()) {
    if (Status applied = ApplyKey(key, value, &c); !applied.ok())
      return applied;
  }
  if (c.content == ContentMode::kCanned && c.canned.empty())
    return Status::Error("content 'canned' needs canned or canned_file");
  *config = std::move(c);
  return Status::Ok();
}

namespace {

Status ApplyListenKey(const std::string& key, const json& value,
                      ListenSettings* listen) {
  if (key == "host") {
    if (!value.is_string()) return Status::Error("host must be a string");
    listen->host = value.get<std::string>();
    return Status::Ok();
  }
  if (key == "port") {
    Result<int64_t> port = ReadInteger(value, key, 0);
    if (!port.ok() || *port >= 65536)
      return Status::Error("port must be in [0, 65535]");
    listen->port = static_cast<int>(*port);
    return Status::Ok();
  }
  if (key == "threads") {
    Result<int64_t> threads = ReadInteger(value, key, 1);
    if (!threads.ok()) return threads.status();
    listen->threads = static_cast<int>(std::min<int64_t>(*threads, 256));
    return Status::Ok();
  }
  return Store(ReadInteger(value, key, 1), &listen->max_body_bytes);
}

}  // namespace

Status LoadConfigFile(const std::string& path, Config* config,
                      ListenSettings* listen) {
  std::ifstream in(path);
  if (!in) return Status::Error("cannot read config file " + path);
  json parsed = json::parse(in, nullptr, /*allow_exceptions=*/false,
                            /*ignore_comments=*/true);
  if (!parsed.is_object()) return Status::Error(path + ": not a JSON object");
  json runtime = json::object();
  ListenSettings l = *listen;
  for (const auto& [key, value] : parsed.items()) {
    if (!IsListenKey(key)) {
      runtime[key] = value;
      continue;
    }
    if (Status applied = ApplyListenKey(key, value, &l); !applied.ok())
      return applied.Prefixed(path + ": ");
  }
  if (Status applied = ApplyJson(runtime, config); !applied.ok())
    return applied.Prefixed(path + ": ");
  *listen = l;
  return Status::Ok();
}

json ToJson(const Config& c) {
  json faults = json::object();
  for (int i = 1; i <= kFaultKinds; ++i) {
    faults[std::string(FaultName(static_cast<Fault>(i)))] =
        c.fault_probability[i - 1];
  }
  return {
      {"ttft_ms", DistributionJson(c.ttft_ms)},
      {"itl_ms", c.itl_ms},
      {"tokens_per_second", c.tokens_per_second},
      {"output_tokens", DistributionJson(c.output_tokens)},
      {"tokens_per_chunk", c.tokens_per_chunk},
      {"capacity", c.capacity},
      {"capacity_exponent", c.capacity_exponent},
      {"seed", c.seed},
      {"content", ContentModeName(c.content)},
      {"canned", c.canned},
      {"faults", faults},
      {"slow_headers_ms", c.slow_headers_ms},
      {"hang_ms", c.hang_ms},
      {"fault_at_fraction", c.fault_at_fraction},
      {"requests_per_minute", c.requests_per_minute},
      {"tokens_per_minute", c.tokens_per_minute},
      {"sse_crlf", c.sse_crlf},
      {"openai_role_content", c.openai_role_content_null ? "null" : "empty"},
      {"embedding_dimensions", c.embedding_dimensions},
      {"journal", c.journal},
      {"models", c.models}};
}

}  // namespace loadgate::services::mock_llm
