#include "live/history.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <variant>

namespace loadgate::live {
namespace {

using nlohmann::json;

constexpr double kNsPerMs = 1e6;

double Seconds(std::chrono::nanoseconds duration) {
  return static_cast<double>(duration.count()) * 1e-9;
}

double Ms(int64_t nanoseconds) {
  return static_cast<double>(nanoseconds) / kNsPerMs;
}

std::string_view StateName(const std::optional<RunEnd>& end) {
  if (!end) return "running";
  switch (end->state) {
    case RunEnd::State::kFinished:
      return "finished";
    case RunEnd::State::kStopped:
      return "stopped";
    case RunEnd::State::kFailed:
      return "failed";
  }
  return "failed";
}

}  // namespace

RunEnd FinalFigures(const RunReport& report) {
  RunEnd end;
  end.state = report.info.stop_reason.empty() ? RunEnd::State::kFinished
                                              : RunEnd::State::kStopped;
  end.reason = report.info.stop_reason;
  end.requests = report.requests();
  end.errors = report.errors();
  end.error_rate = report.error_rate();
  end.achieved_rps = report.achieved_rps();
  end.duration_s = static_cast<double>(report.info.actual_duration_ns) * 1e-9;
  const Histogram& latency = report.metrics.total.latency;
  end.p50_ms = Ms(latency.Percentile(50));
  end.p95_ms = Ms(latency.Percentile(95));
  end.p99_ms = Ms(latency.Percentile(99));
  return end;
}

RunEnd FailedRun(std::string reason) {
  RunEnd end;
  end.state = RunEnd::State::kFailed;
  end.reason = std::move(reason);
  return end;
}

std::string SseFrame(std::string_view event, const json& data) {
  // dump() escapes control characters, so the JSON is one line and cannot
  // end the event early.
  std::string frame = "event: ";
  frame += event;
  frame += "\ndata: ";
  frame += data.dump(-1, ' ', false, json::error_handler_t::replace);
  frame += "\n\n";
  return frame;
}

json History::PointJson(const Run& run, const Point& point) {
  json data = {{"run", run.id},
               {"elapsed_s", point.elapsed_s},
               {"requests", point.requests},
               {"errors", point.errors},
               {"error_rate", point.requests == 0
                                  ? 0.0
                                  : static_cast<double>(point.errors) /
                                        static_cast<double>(point.requests)},
               {"errors_per_s", point.errors_per_s},
               {"in_flight", point.in_flight},
               {"rps", point.rps},
               {"p50_ms", point.p50_ms},
               {"p95_ms", point.p95_ms},
               {"p99_ms", point.p99_ms}};
  if (run.open_model) data["target_rps"] = point.target_rps;
  return data;
}

json History::EndJson(const Run& run) {
  json data = {{"run", run.id}, {"state", StateName(run.end)}};
  if (!run.end) return data;
  const RunEnd& end = *run.end;
  data.update({{"reason", end.reason},
               {"requests", end.requests},
               {"errors", end.errors},
               {"error_rate", end.error_rate},
               {"achieved_rps", end.achieved_rps},
               {"duration_s", end.duration_s},
               {"p50_ms", end.p50_ms},
               {"p95_ms", end.p95_ms},
               {"p99_ms", end.p99_ms}});
  return data;
}

json History::RunJson(const Run& run) {
  json data = run.info;
  data["state"] = StateName(run.end);
  json points = json::array();
  for (const Point& point : run.points) {
    json entry = PointJson(run, point);
    entry.erase("run");
    points.push_back(std::move(entry));
  }
  data["points"] = std::move(points);
  data["result"] = run.end ? EndJson(run) : json(nullptr);
  return data;
}

std::string History::Begin(const RunStart& start) {
  std::string frames;
  if (!runs_.empty() && !runs_.back().end) {
    frames = End(FailedRun("superseded by the next run before it ended"));
  }
  Run run;
  run.id = next_id_++;
  const double planned_s = Seconds(start.planned_duration);
  run.info = {{"id", run.id},
              {"name", start.name},
              {"load_model", start.load_model},
              {"planned_s", planned_s},
              {"started_at", start.started_at}};
  if (const auto* open = std::get_if<OpenModel>(&start.model)) {
    run.open_model = *open;
    run.info["open"] = true;
    // The mean target over the planned duration, as the report states it.
    run.info["target_rps"] =
        planned_s > 0 ? ScheduledArrivals(*open, planned_s) / planned_s
                      : open->rate;
  } else {
    run.info["open"] = false;
    run.info["users"] = std::get<ClosedModel>(start.model).users;
  }
  runs_.push_back(std::move(run));
  frames += SseFrame("run", RunJson(runs_.back()));
  Trim();
  return frames;
}

std::string History::Add(const Progress& progress) {
  if (runs_.empty() || runs_.back().end) return "";
  Run& run = runs_.back();
  Point point;
  point.elapsed_s = Seconds(progress.elapsed);
  point.requests = progress.requests;
  point.errors = progress.errors;
  point.in_flight = progress.in_flight;
  point.rps = progress.current_rps;
  point.p50_ms = Ms(progress.p50_ns);
  point.p95_ms = Ms(progress.p95_ns);
  point.p99_ms = Ms(progress.p99_ns);
  const double previous_s =
      run.points.empty() ? 0 : run.points.back().elapsed_s;
  const uint64_t previous_errors =
      run.points.empty() ? 0 : run.points.back().errors;
  if (point.elapsed_s > previous_s && point.errors >= previous_errors) {
    point.errors_per_s = static_cast<double>(point.errors - previous_errors) /
                         (point.elapsed_s - previous_s);
  }
  if (run.open_model) {
    // Progress covers the last complete second, as current_rps does: the
    // target is the arrivals scheduled within that second.
    const double second_end = std::max(1.0, std::floor(point.elapsed_s));
    point.target_rps = ScheduledArrivals(*run.open_model, second_end) -
                       ScheduledArrivals(*run.open_model, second_end - 1);
  }
  run.points.push_back(point);
  ++total_points_;
  std::string frame = SseFrame("progress", PointJson(run, point));
  Trim();
  return frame;
}

std::string History::End(const RunEnd& end) {
  if (runs_.empty() || runs_.back().end) return "";
  Run& run = runs_.back();
  run.end = end;
  return SseFrame("end", EndJson(run));
}

std::string History::Snapshot() const {
  json runs = json::array();
  for (const Run& run : runs_) runs.push_back(RunJson(run));
  return SseFrame("snapshot", {{"limits",
                                {{"runs", limits_.runs},
                                 {"points_per_run", limits_.points_per_run},
                                 {"points", limits_.points}}},
                               {"runs", std::move(runs)}});
}

void History::Trim() {
  Run& current = runs_.back();
  while (current.points.size() > limits_.points_per_run) {
    current.points.pop_front();
    --total_points_;
  }
  while (runs_.size() > 1 &&
         (runs_.size() > limits_.runs || total_points_ > limits_.points)) {
    total_points_ -= runs_.front().points.size();
    runs_.pop_front();
  }
}

}  // namespace loadgate::live
