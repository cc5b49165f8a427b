// What the live page shows, kept by the server thread: the runs of this
// process, oldest first, each with its progress points, and the Server-Sent
// Events that tell a viewer how it changed. Pure (no I/O, no clock), so it
// is unit-tested on its own.
//
// Events, each "event: <name>\ndata: <one line of JSON>\n\n":
//   snapshot  {"limits": {...}, "runs": [run...]}     first, on connect
//   run       run                                    a run began
//   progress  {"run": id, point fields}              about once a second
//   end       {"run": id, "state": ..., result}      a run ended
// A run is {"id", "name", "load_model", "open", "users", "planned_s",
// "started_at", "state" ("running", "finished", "stopped", "failed"),
// "points": [point...], "result": null or the end fields}.
#ifndef LOADGATE_LIVE_HISTORY_H_
#define LOADGATE_LIVE_HISTORY_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "loadgate/engine.h"
#include "loadgate/load_model.h"
#include "loadgate/report.h"

namespace loadgate::live {

// Bounds on what the server keeps (and a viewer mirrors): an hour of points
// per run, and the oldest runs dropped first beyond either total.
struct HistoryLimits {
  size_t runs = 50;
  size_t points_per_run = 3600;
  size_t points = 20000;
};

struct RunStart {
  std::string name;
  LoadModel model;
  std::string load_model;  // as the report will say it (Describe)
  std::chrono::nanoseconds planned_duration{0};
  std::string started_at;  // ISO 8601 UTC
};

// How a run ended, with its figures over the whole run.
struct RunEnd {
  enum class State { kFinished, kStopped, kFailed };
  State state = State::kFinished;
  std::string reason;  // why it stopped early or failed; empty when finished
  uint64_t requests = 0;
  uint64_t errors = 0;
  double error_rate = 0;
  double achieved_rps = 0;
  double duration_s = 0;
  double p50_ms = 0, p95_ms = 0, p99_ms = 0;
};
RunEnd FinalFigures(const RunReport& report);
RunEnd FailedRun(std::string reason);

// "event: <event>\ndata: <data as one line>\n\n".
std::string SseFrame(std::string_view event, const nlohmann::json& data);

class History {
 public:
  explicit History(HistoryLimits limits = {}) : limits_(limits) {}

  // Each returns the frame that tells viewers of the change, or "" when
  // nothing changed (no run is open). Begin ends an open run as failed
  // ("superseded") first and returns both frames.
  std::string Begin(const RunStart& start);
  std::string Add(const Progress& progress);
  std::string End(const RunEnd& end);

  // The "snapshot" frame a new viewer starts from.
  std::string Snapshot() const;

  size_t runs() const { return runs_.size(); }
  size_t points() const { return total_points_; }

 private:
  struct Point {
    double elapsed_s = 0;
    uint64_t requests = 0, errors = 0, in_flight = 0;
    double rps = 0;
    double target_rps = 0;  // open models only
    double errors_per_s = 0;
    double p50_ms = 0, p95_ms = 0, p99_ms = 0;
  };
  struct Run {
    uint64_t id = 0;
    nlohmann::json info;  // the run object without state, points, result
    // Open models: the model, whose schedule gives the target line.
    std::optional<OpenModel> open_model;
    std::deque<Point> points;
    std::optional<RunEnd> end;
  };
  static nlohmann::json PointJson(const Run& run, const Point& point);
  static nlohmann::json EndJson(const Run& run);
  static nlohmann::json RunJson(const Run& run);
  void Trim();

  HistoryLimits limits_;
  std::deque<Run> runs_;  // oldest first; only the last may be open
  uint64_t next_id_ = 1;
  size_t total_points_ = 0;
};

}  // namespace loadgate::live

#endif  // LOADGATE_LIVE_HISTORY_H_
