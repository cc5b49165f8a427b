// framework/cmake/embed_asset.cmake, run as the build runs it: the text of
// an asset reaches the generated source verbatim, whatever CMake or C++
// would otherwise read into it, and an asset that would end the raw string
// literal early is refused instead of being cut short.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <string>
#include <vector>

#include "support/run_command.h"
#include "support/temp_dir.h"

namespace loadgate {
namespace {

using test_support::CommandResult;
using test_support::ReadFileText;
using test_support::RunCommand;
using test_support::TempDir;
using ::testing::HasSubstr;

// The cmake that configured this build, as its cache records it.
std::string CMakeCommand() {
  std::ifstream cache(std::string(LOADGATE_BINARY_DIR) + "/CMakeCache.txt");
  const std::string key = "CMAKE_COMMAND:INTERNAL=";
  for (std::string line; std::getline(cache, line);) {
    if (line.rfind(key, 0) == 0) return line.substr(key.size());
  }
  return "";
}

CommandResult Embed(const TempDir& dir, const std::string& asset) {
  const std::string cmake = CMakeCommand();
  EXPECT_FALSE(cmake.empty()) << "no CMAKE_COMMAND in the build's cache";
  return RunCommand(
      {cmake, "-DASSET=" + asset,
       "-DSOURCE=" + (dir.path() / "out.cc").string(), "-DHEADER=page/assets.h",
       "-DNAMESPACE=loadgate::test", "-DNAME=kAsset", "-P",
       std::string(LOADGATE_SOURCE_DIR) + "/framework/cmake/embed_asset.cmake"},
      dir.path());
}

TEST(EmbedAssetTest, WritesTheTextVerbatimIntoARawStringLiteral) {
  const TempDir dir;
  // What CMake or C++ could reinterpret: list separators, variable and
  // @-references, brackets, escapes, and the delimiter without its quote.
  const std::string text =
      "a;b ${HOME} @NAME@ [[x]] \\n \"q\" )loadgate_asset );\n"
      "}\n";
  const CommandResult result = Embed(dir, dir.WriteFile("asset.js", text));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string source = ReadFileText(dir.path() / "out.cc");
  EXPECT_THAT(source, HasSubstr("#include \"page/assets.h\"\n"));
  EXPECT_THAT(source, HasSubstr("namespace loadgate::test {\n"));
  EXPECT_THAT(source, HasSubstr("extern const std::string_view kAsset = "
                                "R\"loadgate_asset(" +
                                text + ")loadgate_asset\";\n"));
}

TEST(EmbedAssetTest, RefusesAnAssetHoldingTheClosingSequence) {
  const TempDir dir;
  const CommandResult result =
      Embed(dir, dir.WriteFile("asset.js", "x = ')loadgate_asset\"';\n"));
  EXPECT_NE(result.exit_code, 0);
  // CMake wraps its messages: compare them with the line breaks undone.
  std::string message;
  for (const char c : result.err) {
    if (!std::isspace(static_cast<unsigned char>(c))) {
      message += c;
    } else if (!message.empty() && message.back() != ' ') {
      message += ' ';
    }
  }
  EXPECT_THAT(message, HasSubstr("holds the sequence )loadgate_asset\", which "
                                 "would end the raw string literal"));
  EXPECT_EQ(ReadFileText(dir.path() / "out.cc"), "");
}

}  // namespace
}  // namespace loadgate
