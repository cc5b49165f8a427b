// The live progress line of `loadgate run` fitted to the terminal: pure
// functions, header-only so that unit tests use them without the CLI
// executable.
#ifndef LOADGATE_CLI_PROGRESS_LINE_H_
#define LOADGATE_CLI_PROGRESS_LINE_H_

#include <charconv>
#include <cstring>
#include <string>
#include <string_view>

namespace loadgate::cli {

// The terminal width assumed when neither the terminal nor $COLUMNS says.
inline constexpr int kDefaultColumns = 80;

// How many columns the line may use: the terminal's own width
// (`terminal_columns`, from TIOCGWINSZ; 0 when unknown), else $COLUMNS
// (`columns_env`, may be null) when it is a positive whole number, else 80.
inline int ProgressColumns(int terminal_columns, const char* columns_env) {
  if (terminal_columns > 0) return terminal_columns;
  if (columns_env != nullptr) {
    const char* end = columns_env + std::strlen(columns_env);
    int columns = 0;
    const auto [stop, error] = std::from_chars(columns_env, end, columns);
    if (error == std::errc() && stop == end && columns > 0) return columns;
  }
  return kDefaultColumns;
}

// `text` (one line, no control characters) as drawn over the previous one:
// "\r", at most columns - 1 characters of it, then "\x1b[K" to clear what a
// longer previous line left. The last column stays free because a character
// written there makes many terminals wrap, and a wrapped line leaves a stale
// row behind at every redraw. Characters are UTF-8 code points, each taken
// as one column, and a cut never splits one.
inline std::string FitProgressLine(std::string_view text, int columns) {
  const size_t room = columns > 1 ? static_cast<size_t>(columns - 1) : 0;
  size_t characters = 0;
  size_t end = 0;
  for (; end < text.size(); ++end) {
    const bool continuation =
        (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80;
    if (!continuation && characters++ == room) break;
  }
  std::string line = "\r";
  line.append(text.substr(0, end));
  line.append("\x1b[K");
  return line;
}

}  // namespace loadgate::cli

#endif  // LOADGATE_CLI_PROGRESS_LINE_H_
