// The declarative front door: scenario files in JSON or YAML (one schema for
// both; reference in docs/scenario-format.md), the errors every config file
// reports, and the readable SLO syntax ("p95(latency) < 3s") they share with
// the CLI. Load preset files, which a scenario's `preset` names, are read by
// loadgate/preset.h.
#ifndef LOADGATE_CONFIG_H_
#define LOADGATE_CONFIG_H_

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "loadgate/engine.h"
#include "loadgate/load_model.h"
#include "loadgate/objective.h"
#include "loadgate/scenario.h"

namespace loadgate {

// A problem with a config file, reported on one line that names the file,
// the field path and what was expected, e.g.
//   scenario.yaml: load.rate: expected a positive number, got "fast"
//   scenario.json: line 2: load.rate: syntax error at column 20: number out
//   of range: 1e999
// The only exception the file parsers below and in preset.h let out,
// whatever the input.
// Every part is printable UTF-8: bytes of the file that are not UTF-8, and
// control characters, are shown as \xHH.
class ConfigError : public std::runtime_error {
 public:
  // `field` is a path such as "requests[2].method", empty for the file as a
  // whole; `line` is 1-based, 0 when unknown.
  ConfigError(std::string file, std::string field, std::string message,
              int line = 0);

  const std::string& file() const { return file_; }
  const std::string& field() const { return field_; }
  const std::string& message() const { return message_; }
  int line() const { return line_; }

 private:
  std::string file_;
  std::string field_;
  std::string message_;
  int line_;
};

enum class ConfigFormat { kJson, kYaml };

// By extension: .json, .yaml or .yml (case-insensitive). Throws ConfigError
// for anything else.
ConfigFormat FormatForPath(const std::string& path);

// Everything a scenario file declares.
struct ScenarioFile {
  Scenario scenario;
  LoadModel model;
  RunOptions options;  // on_progress is left empty for the caller
  std::vector<Objective> objectives;  // the file's `slos`, in order
};

// Reads and validates a scenario file. Data files and presets (LoadPreset)
// are resolved relative to the scenario file's folder. Throws ConfigError.
ScenarioFile LoadScenarioFile(const std::string& path);

// Validates scenario text; `source_name` is the path used in error messages
// and whose folder relative paths are resolved against. Throws ConfigError.
ScenarioFile ParseScenario(std::string_view text, ConfigFormat format,
                           const std::string& source_name);

// Parses one readable SLO:
//   "p95(latency) < 3s"           time thresholds are converted to ms
//   "error_rate < 1%"             percentages to fractions (also "< 0.01")
//   "p99(ttft{POST /chat}) <= 2s" a tag in braces limits it to one request
//   "achieved_rps >= 95"          run figures take no percentile
//   "p95(custom:full_turn) < 8s"  "median(...)" = p50, "max(...)" = p100
// Throws std::invalid_argument saying what was expected.
Objective ParseObjective(std::string_view text);

// Parses "K/N", shard K (from 0) of a test split into N (`--shard`,
// LOADGATE_SHARD; K matches a Kubernetes Indexed Job's
// JOB_COMPLETION_INDEX). Throws std::invalid_argument saying what was
// expected.
Shard ParseShard(std::string_view text);

// Parses the instant a distributed run starts (`--start-at`): Unix seconds
// ("1796567400", fractions allowed) or an RFC 3339 time
// ("2026-12-06T14:30:00Z", "2026-12-06T15:30:00+01:00"). Throws
// std::invalid_argument saying what was expected.
std::chrono::system_clock::time_point ParseStartTime(std::string_view text);

}  // namespace loadgate

#endif  // LOADGATE_CONFIG_H_
