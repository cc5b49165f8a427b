// The readable SLO syntax shared by scenario files and the CLI's --slo.
#ifndef LOADGATE_CONFIG_SLO_SYNTAX_H_
#define LOADGATE_CONFIG_SLO_SYNTAX_H_

#include <string_view>

#include "loadgate/objective.h"

namespace loadgate::config {

// Throws std::invalid_argument for an unknown metric (suggesting the closest
// known one).
void ValidateMetricName(std::string_view metric);

// Whether the metric is read from a histogram (and so needs a percentile).
bool TakesPercentile(std::string_view metric);

// A threshold as written ("3s", "250ms", "1%", "0.01", "95") in the unit
// Objective uses for `metric`: ms for times (a unit is required), a
// fraction for rates, a plain number otherwise. Throws std::invalid_argument
// saying what was expected.
double ParseThreshold(std::string_view metric, std::string_view text);

// "lt", "le", "gt", "ge" -> the operator; false for anything else.
bool OpFromName(std::string_view name, Objective::Op* op);

}  // namespace loadgate::config

#endif  // LOADGATE_CONFIG_SLO_SYNTAX_H_
