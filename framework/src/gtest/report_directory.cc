#include "gtest/report_directory.h"

#include <cstdlib>

namespace loadgate::gtest_internal {

std::filesystem::path ReportDirectory() {
  const char* dir = std::getenv("LOADGATE_REPORT_DIR");
  return dir != nullptr && *dir != '\0' ? dir : "reports";
}

std::string TestName(const ::testing::TestInfo* test) {
  return test == nullptr
             ? std::string("loadgate")
             : std::string(test->test_suite_name()) + "." + test->name();
}

std::string FileStem(std::string test_name) {
  for (char& c : test_name) {
    if (c == '/') c = '_';
  }
  return test_name;
}

}  // namespace loadgate::gtest_internal
