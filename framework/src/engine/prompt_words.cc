// The words of synthetic prompts (SyntheticPromptText in llm_traffic.cc):
// common English words each of which js-tiktoken 1.0.21's cl100k_base and
// o200k_base encode as one token both with and without a leading space, so
// a prompt of N words separated by single spaces is N tokens by those
// tokenizers and by the mock LLM's count (a run of non-space characters).
#include "engine/prompt_words.h"

namespace loadgate::engine {

const std::array<std::string_view, kPromptWordCount>& PromptWords() {
  static constexpr std::array<std::string_view, kPromptWordCount> kWords = {
      "the",       "of",        "and",    "to",        "in",        "is",
      "was",       "for",       "on",     "are",       "with",      "as",
      "be",        "at",        "by",     "this",      "have",      "from",
      "or",        "one",       "had",    "not",       "but",       "what",
      "all",       "were",      "when",   "we",        "there",     "can",
      "an",        "your",      "which",  "their",     "said",      "if",
      "do",        "will",      "each",   "about",     "how",       "up",
      "out",       "them",      "then",   "she",       "many",      "some",
      "so",        "these",     "would",  "other",     "into",      "has",
      "more",      "her",       "two",    "like",      "him",       "see",
      "time",      "could",     "no",     "make",      "than",      "first",
      "been",      "its",       "who",    "now",       "people",    "my",
      "made",      "over",      "did",    "down",      "only",      "way",
      "find",      "use",       "may",    "water",     "long",      "little",
      "very",      "after",     "words",  "called",    "just",      "where",
      "most",      "know",      "get",    "through",   "back",      "much",
      "go",        "good",      "new",    "write",     "our",       "me",
      "man",       "too",       "any",    "day",       "same",      "right",
      "look",      "think",     "also",   "around",    "another",   "came",
      "come",      "work",      "three",  "word",      "must",      "because",
      "does",      "part",      "even",   "place",     "well",      "such",
      "here",      "take",      "why",    "things",    "help",      "put",
      "years",     "different", "away",   "again",     "off",       "went",
      "old",       "number",    "great",  "tell",      "men",       "say",
      "small",     "every",     "found",  "still",     "between",   "name",
      "should",    "home",      "big",    "give",      "air",       "line",
      "set",       "own",       "under",  "read",      "last",      "never",
      "us",        "left",      "end",    "along",     "while",     "might",
      "next",      "sound",     "below",  "something", "thought",   "both",
      "few",       "those",     "always", "show",      "large",     "often",
      "house",     "world",     "going",  "want",      "school",    "important",
      "until",     "form",      "food",   "keep",      "children",  "land",
      "side",      "without",   "boy",    "once",      "animals",   "life",
      "sometimes", "four",      "head",   "above",     "kind",      "almost",
      "live",      "page",      "got",    "earth",     "need",      "far",
      "hand",      "high",      "year",   "mother",    "light",     "parts",
      "country",   "father",    "let",    "night",     "following", "picture",
      "being",     "study",     "second", "eyes",      "soon",      "times",
      "story",     "boys",      "since",  "white",     "days",      "ever",
      "paper",     "hard",      "near",   "sentence",  "better",    "best",
      "during",    "today",     "others", "however",   "sure",      "means",
      "try",       "young",     "sun",    "ways",      "thing",     "whole",
      "hear",      "example",   "heard",  "change",
  };
  return kWords;
}

}  // namespace loadgate::engine
