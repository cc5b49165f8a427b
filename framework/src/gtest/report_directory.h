// Where the GoogleTest glue writes what a test run leaves behind.
#ifndef LOADGATE_GTEST_REPORT_DIRECTORY_H_
#define LOADGATE_GTEST_REPORT_DIRECTORY_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace loadgate::gtest_internal {

// $LOADGATE_REPORT_DIR, default "reports" (relative to the working
// directory; ctest runs tests in the build directory).
std::filesystem::path ReportDirectory();

// "Presets/DbApiLoad.MeetsSlos/rps_100"; "loadgate" outside a test
// (nullptr).
std::string TestName(const ::testing::TestInfo* test);

// "Presets/DbApiLoad.MeetsSlos/rps_100" as a file name stem:
// "Presets_DbApiLoad.MeetsSlos_rps_100".
std::string FileStem(std::string test_name);

}  // namespace loadgate::gtest_internal

#endif  // LOADGATE_GTEST_REPORT_DIRECTORY_H_
