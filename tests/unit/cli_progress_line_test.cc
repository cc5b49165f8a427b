// The live progress line of `loadgate run` fitted to the terminal: which
// width it assumes, and that a redraw never reaches the last column.
#include <gtest/gtest.h>

#include <string>

// The CLI is an executable, not a library: its header-only pieces are
// tested where they live.
#include "../../framework/cli/progress_line.h"

namespace loadgate::cli {
namespace {

// A typical line at a few hundred requests: 103 characters.
const std::string kLine =
    "    3.0s  15000 req  5000.0 req/s  errors 0 (0.0 %)  p50 0.412 ms  p95 "
    "1.873 ms  p99 3.2 ms  in flight 12";

// `text` as a redraw writes it.
std::string Redrawn(const std::string& text) {
  std::string line = "\r";
  line.append(text);
  line.append("\x1b[K");
  return line;
}

TEST(ProgressColumnsTest, TheTerminalsWidthFirstThenColumnsThen80) {
  EXPECT_EQ(ProgressColumns(132, "40"), 132);
  EXPECT_EQ(ProgressColumns(0, "40"), 40);
  EXPECT_EQ(ProgressColumns(0, nullptr), 80);
  EXPECT_EQ(kDefaultColumns, 80);
}

TEST(ProgressColumnsTest, IgnoresAColumnsThatIsNotAPositiveNumber) {
  for (const char* bad : {"", "wide", "-5", "0", "80x", " 80"}) {
    EXPECT_EQ(ProgressColumns(0, bad), 80) << '"' << bad << '"';
  }
}

TEST(FitProgressLineTest, At80ColumnsKeeps79CharactersAndClears) {
  ASSERT_GT(kLine.size(), 80u);
  EXPECT_EQ(FitProgressLine(kLine, 80), Redrawn(kLine.substr(0, 79)));
}

TEST(FitProgressLineTest, AShortLineIsKeptWhole) {
  EXPECT_EQ(FitProgressLine(kLine, 200), Redrawn(kLine));
  // Exactly width - 1 characters still fit.
  EXPECT_EQ(FitProgressLine(kLine, static_cast<int>(kLine.size()) + 1),
            Redrawn(kLine));
  EXPECT_EQ(FitProgressLine(kLine, static_cast<int>(kLine.size())),
            Redrawn(kLine.substr(0, kLine.size() - 1)));
}

TEST(FitProgressLineTest, ATinyTerminalGetsNothingButTheClear) {
  EXPECT_EQ(FitProgressLine(kLine, 1), "\r\x1b[K");
  EXPECT_EQ(FitProgressLine(kLine, 0), "\r\x1b[K");
  EXPECT_EQ(FitProgressLine(kLine, 2), "\r \x1b[K");
}

TEST(FitProgressLineTest, CountsCharactersNotBytesAndNeverSplitsOne) {
  // "µ" is two bytes, one column.
  const std::string micro = "p50 412 \xC2\xB5s  p95 873 \xC2\xB5s";
  EXPECT_EQ(FitProgressLine(micro, 10), "\rp50 412 \xC2\xB5\x1b[K");
  EXPECT_EQ(FitProgressLine(micro, 9), "\rp50 412 \x1b[K");
}

}  // namespace
}  // namespace loadgate::cli
