// The identity of a load test: a digest of what defines it (the scenario's
// requests, the load model, the options that shape the load and the shard
// count), equal for every shard of one test and different for another test,
// so a merge can refuse reports that do not belong together. Not a
// security measure: it guards against mistakes, not forgery.
#ifndef LOADGATE_ENGINE_TEST_IDENTITY_H_
#define LOADGATE_ENGINE_TEST_IDENTITY_H_

#include <string>

#include "loadgate/engine.h"
#include "loadgate/load_model.h"
#include "loadgate/scenario.h"

namespace loadgate::engine {

// 16 lowercase hex digits (64-bit FNV-1a over the fields, each
// length-prefixed so no two field lists hash alike by concatenation).
std::string TestIdentity(const Scenario& scenario, const LoadModel& model,
                         const RunOptions& options);

}  // namespace loadgate::engine

#endif  // LOADGATE_ENGINE_TEST_IDENTITY_H_
