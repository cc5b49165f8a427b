// A scenario file's load model (see scenario_file.cc for the whole file).
#ifndef LOADGATE_CONFIG_SCENARIO_LOAD_MODEL_H_
#define LOADGATE_CONFIG_SCENARIO_LOAD_MODEL_H_

#include <optional>

#include "config/field.h"
#include "loadgate/config.h"
#include "loadgate/load_model.h"
#include "loadgate/preset.h"

namespace loadgate::config {

// A think time: a duration ("2s"), or {distribution: constant | uniform |
// gaussian | exponential, ...} (also the think time between LLM turns).
ThinkTime ParseThinkTime(const Field& field);

// The `load` of the document `root`: rate or stages (an open model) or
// users (a closed one), never both; without `load`, the preset's model.
LoadModel ParseLoadModel(const Field& root,
                         const std::optional<Preset>& preset);

}  // namespace loadgate::config

#endif  // LOADGATE_CONFIG_SCENARIO_LOAD_MODEL_H_
