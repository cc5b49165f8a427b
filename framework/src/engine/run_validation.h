// The checks Run() makes before it starts anything: the run options and the
// load model, each failure a std::invalid_argument naming the field.
#ifndef LOADGATE_ENGINE_RUN_VALIDATION_H_
#define LOADGATE_ENGINE_RUN_VALIDATION_H_

#include <string>

#include "loadgate/engine.h"
#include "loadgate/load_model.h"
#include "loadgate/scenario.h"

namespace loadgate::engine {

// Beyond what one process can send (per shard): a larger test is split over
// shards.
// The bound also keeps a typo (1e300) from scheduling arrivals closer than a
// nanosecond, which no loop could work through.
inline constexpr double kMaxRate = 1e7;

// Throws std::invalid_argument ("load.rate: expected a positive number")
// for options, a model or a shard the engine cannot run.
void ValidateRun(const Scenario& scenario, const LoadModel& model,
                 const RunOptions& options);

// Throws std::invalid_argument naming `field` + ".min" (etc.) for think
// times that cannot be sampled (negative, max below min).
void ValidateThink(const ThinkTime& think, const std::string& field);

// Whether a closed model runs wrk-style: full speed over
// RunOptions::connections keep-alive connections, one user each.
bool FullSpeed(const ClosedModel& closed, const RunOptions& options);

}  // namespace loadgate::engine

#endif  // LOADGATE_ENGINE_RUN_VALIDATION_H_
