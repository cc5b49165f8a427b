// Everything loadgate offers in one include: the engine and its load models,
// the capacity search, scenarios and LLM traffic shapes, metrics and reports,
// objectives and SLOs, configuration files and load presets, the gate and the
// HTML report, the live view, and, when GoogleTest is on the include path
// (loadgate::gtest), the LoadTest fixture, preset test names and the SLO
// matchers. The version is in loadgate/version.h.
#ifndef LOADGATE_LOADGATE_H_
#define LOADGATE_LOADGATE_H_

#include "loadgate/capacity.h"
#include "loadgate/config.h"
#include "loadgate/duration.h"
#include "loadgate/engine.h"
#include "loadgate/format.h"
#include "loadgate/gate.h"
#include "loadgate/histogram.h"
#include "loadgate/html_report.h"
#include "loadgate/http_probe.h"
#include "loadgate/live.h"
#include "loadgate/llm_traffic.h"
#include "loadgate/load_model.h"
#include "loadgate/metrics.h"
#include "loadgate/objective.h"
#include "loadgate/preset.h"
#include "loadgate/report.h"
#include "loadgate/scenario.h"
#include "loadgate/slo.h"
#include "loadgate/version.h"

#if __has_include(<gtest/gtest.h>)
#include "loadgate/testing.h"
#endif

#endif  // LOADGATE_LOADGATE_H_
