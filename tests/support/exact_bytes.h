// Input bytes in a heap buffer of exactly their size, with no terminator
// after them, so that a parser reading one byte past the end of its input is
// caught by AddressSanitizer (a string literal or std::string would hand it
// a '\0' to read instead). Regression tests for over-reads use it.
#ifndef LOADGATE_TESTS_SUPPORT_EXACT_BYTES_H_
#define LOADGATE_TESTS_SUPPORT_EXACT_BYTES_H_

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace loadgate::test_support {

class ExactBytes {
 public:
  explicit ExactBytes(std::string_view bytes)
      : size_(bytes.size()), data_(std::make_unique<char[]>(bytes.size())) {
    std::memcpy(data_.get(), bytes.data(), bytes.size());
  }

  std::string_view view() const { return {data_.get(), size_}; }

 private:
  size_t size_;
  std::unique_ptr<char[]> data_;
};

}  // namespace loadgate::test_support

#endif  // LOADGATE_TESTS_SUPPORT_EXACT_BYTES_H_
