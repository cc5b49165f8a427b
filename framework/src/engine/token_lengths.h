// Drawing token counts from a TokenLengths distribution (llm_traffic.h),
// for synthetic conversations and for the replay engine, and counting the
// tokens of a text the way the mock LLM does.
#ifndef LOADGATE_ENGINE_TOKEN_LENGTHS_H_
#define LOADGATE_ENGINE_TOKEN_LENGTHS_H_

#include <string_view>

#include "engine/random.h"
#include "loadgate/llm_traffic.h"

namespace loadgate::engine {

// One draw, >= 0: kConstant's value; kUniform's integers in [min, max];
// kNormal rounded and clamped to [min, max]; kSampled one of the samples
// (0 when there are none).
int SampleTokenLength(const TokenLengths& lengths, Rng& rng);

// The mock LLM's token count, which synthetic prompts are exact by and
// dataset lengths are counted in: runs of non-space characters.
int CountWordTokens(std::string_view text);

}  // namespace loadgate::engine

#endif  // LOADGATE_ENGINE_TOKEN_LENGTHS_H_
