// What the suites that load the sample application share about it: its
// patients' record numbers, the questions a clinician asks the triage
// assistant about them, and how its DB API is requested. Public headers only.
#ifndef LOADGATE_SUITES_SAMPLE_APP_WORKLOAD_H_
#define LOADGATE_SUITES_SAMPLE_APP_WORKLOAD_H_

#include <chrono>
#include <cstdio>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "loadgate/scenario.h"

namespace loadgate::suites {

// The sample app's default data set: --patients 10000.
inline constexpr int kSampleAppPatients = 10000;

// "MRN00000001" ...: the sample app numbers its patients from 1.
inline std::string Mrn(int number) {
  char mrn[16];
  std::snprintf(mrn, sizeof(mrn), "MRN%08d", number);
  return mrn;
}

// Rows of (mrn, query) over the first `patients` patients, each asked one of
// the sample questions in turn, in random order: what a clinician asks the
// triage assistant.
inline DataSet PatientQuestions(int patients) {
  static const char* const kQueries[] = {
      "Summarise the most recent encounter.",
      "Are there any open or denied claims?",
      "Which documents were filed in the last year?",
      "Is a follow-up visit recommended?",
      "What is the total billed amount so far?",
  };
  DataSet data;
  data.columns = {"mrn", "query"};
  data.order = DataSet::Order::kRandom;
  for (int i = 1; i <= patients; ++i) {
    data.rows.push_back({Mrn(i), kQueries[i % std::size(kQueries)]});
  }
  return data;
}

// A scenario named `name` against the sample app at `base_url`, asking for
// JSON, its requests drawing their placeholders from `data`.
inline Scenario SampleAppScenario(std::string name, std::string base_url,
                                  DataSet data) {
  Scenario scenario;
  scenario.name = std::move(name);
  scenario.base_url = std::move(base_url);
  scenario.headers = {{"Accept", "application/json"}};
  scenario.data.push_back(std::move(data));
  return scenario;
}

// A GET of the DB API: 5 s timeout, the given checks.
inline Request ApiGet(std::string name, std::string url,
                      std::vector<Check> checks, double weight = 1) {
  Request request;
  request.name = std::move(name);
  request.url = std::move(url);
  request.weight = weight;
  request.timeout = std::chrono::seconds(5);
  request.checks = std::move(checks);
  return request;
}

}  // namespace loadgate::suites

#endif  // LOADGATE_SUITES_SAMPLE_APP_WORKLOAD_H_
