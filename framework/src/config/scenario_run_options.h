// A scenario file's run options (see scenario_file.cc for the whole file):
// how long the run lasts, request and thread counts, the safety limits and
// the token prices that cost estimates need.
#ifndef LOADGATE_CONFIG_SCENARIO_RUN_OPTIONS_H_
#define LOADGATE_CONFIG_SCENARIO_RUN_OPTIONS_H_

#include <optional>
#include <string_view>

#include "config/field.h"
#include "loadgate/config.h"
#include "loadgate/engine.h"
#include "loadgate/load_model.h"
#include "loadgate/preset.h"

namespace loadgate::config {

// The run options of the document `root`. Without `duration` the run lasts
// as long as the stages of `model`, else as the preset says.
RunOptions ParseRunOptions(const Field& root, const LoadModel& model,
                           const std::optional<Preset>& preset);

// The estimated cost is tokens times prices: without prices it stays 0,
// and a cost limit or SLO would silently never bite.
inline constexpr std::string_view kNeedsPrices =
    "needs prices (the cost is estimated from them)";
bool HasPrices(const TokenPrices& prices);

}  // namespace loadgate::config

#endif  // LOADGATE_CONFIG_SCENARIO_RUN_OPTIONS_H_
