// A scenario file's LLM conversation flows: the `llm` block of a flow, with
// its API, synthetic prompts or dataset, and token-length distributions
// (see scenario_requests.cc for the flows around it).
#ifndef LOADGATE_CONFIG_SCENARIO_LLM_H_
#define LOADGATE_CONFIG_SCENARIO_LLM_H_

#include <string>

#include "config/field.h"
#include "loadgate/llm_traffic.h"

namespace loadgate::config {

// The `llm` block `field` of a flow. Relative dataset paths resolve against
// the folder of the scenario file; `base_url` is the scenario's target,
// which a relative or default URL needs.
LlmConversations ParseLlmConversations(const Field& field,
                                       const std::string& base_url);

}  // namespace loadgate::config

#endif  // LOADGATE_CONFIG_SCENARIO_LLM_H_
