// Small text helpers for assertions on generated documents.
#ifndef LOADGATE_TESTS_SUPPORT_TEXT_H_
#define LOADGATE_TESTS_SUPPORT_TEXT_H_

#include <cstddef>
#include <string_view>

namespace loadgate::test_support {

// Non-overlapping occurrences of `needle` in `text`.
size_t CountOccurrences(std::string_view text, std::string_view needle);

}  // namespace loadgate::test_support

#endif  // LOADGATE_TESTS_SUPPORT_TEXT_H_
