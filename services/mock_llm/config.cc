#include "mock_llm/config.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace mock_llm {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, kFaultKinds + 1> kFaultNames = {
    "none", "429",        "500",          "503",
    "hang", "disconnect", "stream-error", "slow-headers"};

// The largest number a config value may have: delays are turned into
// integer nanoseconds, which 1e9 ms still fits.
constexpr double kMaxNumber = 1e9;

bool ReadNumber(const json& value, std::string_view key, double min,
                double* out, std::string* error) {
  if (!value.is_number() || value.get<double>() < min ||
      value.get<double>() > kMaxNumber) {
    *error = std::string(key) + " must be a number from " +
             std::to_string(min) + " to 1e9";
    return false;
  }
  *out = value.get<double>();
  return true;
}

bool ReadInteger(const json& value, std::string_view key, int64_t min,
                 int64_t* out, std::string* error) {
  if (!value.is_number_integer() || value.get<int64_t>() < min) {
    *error = std::string(key) + " must be an integer >= " + std::to_string(min);
    return false;
  }
  *out = value.get<int64_t>();
  return true;
}

// A number means a constant; an object names the distribution.
bool ReadDistribution(const json& value, std::string_view key,
                      Distribution* out, std::string* error) {
  if (value.is_number()) {
    double constant = 0;
    if (!ReadNumber(value, key, 0, &constant, error)) return false;
    *out = Distribution::Constant(constant);
    return true;
  }
  if (!value.is_object()) {
    *error = std::string(key) + " must be a number or a distribution object";
    return false;
  }
  Distribution d;
  auto named = value.find("distribution");
  if (named != value.end() && !named->is_string()) {
    *error = std::string(key) + ".distribution must be a string";
    return false;
  }
  const std::string kind =
      named == value.end() ? "constant" : named->get<std::string>();
  if (kind == "constant") {
    d.kind = Distribution::Kind::kConstant;
  } else if (kind == "uniform") {
    d.kind = Distribution::Kind::kUniform;
  } else if (kind == "gaussian") {
    d.kind = Distribution::Kind::kGaussian;
  } else {
    *error = std::string(key) + ": unknown distribution '" + kind +
             "' (constant, uniform, gaussian)";
    return false;
  }
  for (auto& [name, field] : {std::pair<const char*, double*>{"mean", &d.mean},
                              {"stddev", &d.stddev},
                              {"min", &d.min},
                              {"max", &d.max}}) {
    if (value.contains(name) &&
        !ReadNumber(value[name], std::string(key) + "." + name, 0, field,
                    error)) {
      return false;
    }
  }
  if (d.kind == Distribution::Kind::kConstant && !value.contains("mean") &&
      value.contains("value")) {
    if (!ReadNumber(value["value"], std::string(key) + ".value", 0, &d.mean,
                    error)) {
      return false;
    }
  }
  if (d.kind != Distribution::Kind::kConstant) {
    if (!value.contains("max")) d.max = std::max(d.min, d.mean * 2);
    if (d.max < d.min) {
      *error = std::string(key) + ": max < min";
      return false;
    }
    if (d.kind == Distribution::Kind::kGaussian && !value.contains("mean")) {
      d.mean = (d.min + d.max) / 2;
    }
  }
  *out = d;
  return true;
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

bool ReadStringList(const json& value, std::string_view key,
                    std::vector<std::string>* out, std::string* error) {
  if (!value.is_array()) {
    *error = std::string(key) + " must be an array of strings";
    return false;
  }
  std::vector<std::string> list;
  for (const json& item : value) {
    if (!item.is_string()) {
      *error = std::string(key) + " must be an array of strings";
      return false;
    }
    list.push_back(item.get<std::string>());
  }
  *out = std::move(list);
  return true;
}

bool ReadFaults(const json& value, Config* config, std::string* error) {
  if (!value.is_object()) {
    *error = "faults must map a fault name to a probability";
    return false;
  }
  for (const auto& [name, probability] : value.items()) {
    auto fault = ParseFault(name);
    if (!fault || *fault == Fault::kNone) {
      *error = "unknown fault '" + name +
               "' (429, 500, 503, hang, disconnect, stream-error, "
               "slow-headers)";
      return false;
    }
    double p = 0;
    if (!ReadNumber(probability, "faults." + name, 0, &p, error) || p > 1) {
      *error = "faults." + name + " must be a probability in [0, 1]";
      return false;
    }
    config->FaultProbability(*fault) = p;
  }
  return true;
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

bool LoadCannedFile(const std::string& path, std::vector<std::string>* canned,
                    std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read canned responses file " + path;
    return false;
  }
  std::stringstream content;
  content << in.rdbuf();
  const std::string text = content.str();
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_array()) return ReadStringList(parsed, path, canned, error);
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  *canned = std::move(lines);
  return true;
}

bool ApplyJson(const json& json_config, Config* config, std::string* error) {
  if (!json_config.is_object()) {
    *error = "config must be a JSON object";
    return false;
  }
  Config c = *config;
  for (const auto& [key, value] : json_config.items()) {
    bool ok = true;
    int64_t integer = 0;
    if (key == "ttft_ms") {
      ok = ReadDistribution(value, key, &c.ttft_ms, error);
    } else if (key == "itl_ms") {
      ok = ReadNumber(value, key, 0, &c.itl_ms, error);
      c.tokens_per_second = 0;
    } else if (key == "tokens_per_second") {
      ok = ReadNumber(value, key, 0, &c.tokens_per_second, error);
    } else if (key == "output_tokens") {
      ok = ReadDistribution(value, key, &c.output_tokens, error);
    } else if (key == "tokens_per_chunk") {
      ok = ReadInteger(value, key, 1, &integer, error);
      c.tokens_per_chunk = static_cast<int>(std::min<int64_t>(integer, 1000));
    } else if (key == "capacity") {
      ok = ReadInteger(value, key, 0, &c.capacity, error);
    } else if (key == "capacity_exponent") {
      ok = ReadNumber(value, key, 0, &c.capacity_exponent, error);
    } else if (key == "seed") {
      ok = ReadInteger(value, key, 0, &integer, error);
      c.seed = static_cast<uint64_t>(integer);
    } else if (key == "content") {
      auto mode = value.is_string() ? ParseContentMode(value.get<std::string>())
                                    : std::nullopt;
      if (!mode) {
        *error = "content must be generate, echo or canned";
        ok = false;
      } else {
        c.content = *mode;
      }
    } else if (key == "canned") {
      ok = ReadStringList(value, key, &c.canned, error);
    } else if (key == "canned_file") {
      ok = value.is_string() &&
           LoadCannedFile(value.get<std::string>(), &c.canned, error);
      if (!value.is_string()) *error = "canned_file must be a path";
    } else if (key == "faults") {
      ok = ReadFaults(value, &c, error);
    } else if (key == "slow_headers_ms") {
      ok = ReadNumber(value, key, 0, &c.slow_headers_ms, error);
    } else if (key == "hang_ms") {
      ok = ReadNumber(value, key, 0, &c.hang_ms, error);
    } else if (key == "fault_at_fraction") {
      ok = ReadNumber(value, key, 0, &c.fault_at_fraction, error) &&
           c.fault_at_fraction <= 1;
      if (!ok) *error = "fault_at_fraction must be in [0, 1]";
    } else if (key == "requests_per_minute") {
      ok = ReadInteger(value, key, 0, &c.requests_per_minute, error);
    } else if (key == "tokens_per_minute") {
      ok = ReadInteger(value, key, 0, &c.tokens_per_minute, error);
    } else if (key == "sse_crlf") {
      ok = value.is_boolean();
      if (ok)
        c.sse_crlf = value.get<bool>();
      else
        *error = "sse_crlf must be a boolean";
    } else if (key == "openai_role_content") {
      ok = value == "null" || value == "empty";
      if (ok)
        c.openai_role_content_null = value == "null";
      else
        *error = "openai_role_content must be \"null\" or \"empty\"";
    } else if (key == "embedding_dimensions") {
      ok = ReadInteger(value, key, 1, &integer, error) && integer <= 8192;
      if (ok)
        c.embedding_dimensions = static_cast<int>(integer);
      else
        *error = "embedding_dimensions must be in [1, 8192]";
    } else if (key == "models") {
      ok = ReadStringList(value, key, &c.models, error);
    } else {
      *error = "unknown config key '" + key + "'";
      ok = false;
    }
    if (!ok) return false;
  }
  if (c.content == ContentMode::kCanned && c.canned.empty()) {
    *error = "content 'canned' needs canned or canned_file";
    return false;
  }
  *config = std::move(c);
  return true;
}

bool LoadConfigFile(const std::string& path, Config* config,
                    ListenSettings* listen, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read config file " + path;
    return false;
  }
  json parsed = json::parse(in, nullptr, /*allow_exceptions=*/false,
                            /*ignore_comments=*/true);
  if (!parsed.is_object()) {
    *error = path + ": not a JSON object";
    return false;
  }
  json runtime = json::object();
  ListenSettings l = *listen;
  for (const auto& [key, value] : parsed.items()) {
    if (!IsListenKey(key)) {
      runtime[key] = value;
      continue;
    }
    int64_t integer = 0;
    bool ok = true;
    if (key == "host") {
      ok = value.is_string();
      if (ok)
        l.host = value.get<std::string>();
      else
        *error = "host must be a string";
    } else if (key == "port") {
      ok = ReadInteger(value, key, 0, &integer, error) && integer < 65536;
      l.port = static_cast<int>(integer);
      if (!ok) *error = "port must be in [0, 65535]";
    } else if (key == "threads") {
      ok = ReadInteger(value, key, 1, &integer, error);
      l.threads = static_cast<int>(std::min<int64_t>(integer, 256));
    } else {
      ok = ReadInteger(value, key, 1, &l.max_body_bytes, error);
    }
    if (!ok) {
      *error = path + ": " + *error;
      return false;
    }
  }
  if (!ApplyJson(runtime, config, error)) {
    *error = path + ": " + *error;
    return false;
  }
  *listen = l;
  return true;
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
      {"models", c.models}};
}

}  // namespace mock_llm
