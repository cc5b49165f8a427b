// The word list synthetic prompts are made of (prompt_words.cc says how it
// was chosen).
#ifndef LOADGATE_ENGINE_PROMPT_WORDS_H_
#define LOADGATE_ENGINE_PROMPT_WORDS_H_

#include <array>
#include <cstddef>
#include <string_view>

namespace loadgate::engine {

inline constexpr size_t kPromptWordCount = 256;

// Lower-case English words, each one token in cl100k_base and o200k_base
// with or without a leading space.
const std::array<std::string_view, kPromptWordCount>& PromptWords();

}  // namespace loadgate::engine

#endif  // LOADGATE_ENGINE_PROMPT_WORDS_H_
