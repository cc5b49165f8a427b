// What the scale suite sends: a clinician's session with the sample app, run
// by closed-model users or arriving on an open model's schedule; the
// objectives every phase is judged by; and the LLM prices behind the cost
// estimates.
#ifndef LOADGATE_SUITES_SCALE_SCALE_WORKLOAD_H_
#define LOADGATE_SUITES_SCALE_SCALE_WORKLOAD_H_

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "loadgate/load_model.h"
#include "loadgate/objective.h"
#include "loadgate/report.h"
#include "loadgate/scenario.h"

namespace loadgate::suites::scale {

// The session: the patient list, one patient's summary and claims, and a
// triage question to the LLM about that patient. Each request once, so a
// session is kSessionRequests requests.
inline constexpr int kSessionRequests = 4;
inline constexpr char kSessionMetric[] = "session";
inline constexpr char kTriageTag[] = "POST /triage";

// A clinician reads for 0.5-1.5 s (1 s on average) between sessions.
ThinkTime SessionThinkTime();
std::chrono::nanoseconds MeanThinkTime();

// One flow, the session, timed as the custom metric kSessionMetric.
Scenario SessionScenario(const std::string& base_url);

// Sessions arriving at rate_rps / kSessionRequests per second, so that
// requests arrive at about `rate_rps` (iterations are whole sessions: every
// request of the session is measured in every run, however short), with at
// most `max_in_flight` sessions in flight.
OpenModel OpenSessions(double rate_rps, int max_in_flight);

// Errors under 1 %, p95 under 100 ms for each database read, under 3 s for
// the LLM-backed triage and under 5 s for the whole session.
std::vector<Objective> SessionObjectives();

}  // namespace loadgate::suites::scale

#endif  // LOADGATE_SUITES_SCALE_SCALE_WORKLOAD_H_
