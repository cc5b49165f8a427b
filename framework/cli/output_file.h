// Output files of the commands (reports, summaries): each opened and closed
// with the same error, "cannot write PATH: why", whichever step failed.
#ifndef LOADGATE_CLI_OUTPUT_FILE_H_
#define LOADGATE_CLI_OUTPUT_FILE_H_

#include <fstream>
#include <functional>
#include <ios>
#include <ostream>
#include <string>

namespace loadgate::cli {

// Opens `path` for binary output, truncated (or appended to, with
// std::ios::app). Throws std::runtime_error "cannot write PATH: why".
std::ofstream OpenOutputFile(const std::string& path,
                             std::ios::openmode mode = std::ios::trunc);

// Closes `out`; throws the same error when anything written to it failed.
void CloseOutputFile(std::ofstream& out, const std::string& path);

// Opens `path`, writes it with `write` and closes it; throws as above.
void WriteOutputFile(const std::string& path,
                     const std::function<void(std::ostream&)>& write,
                     std::ios::openmode mode = std::ios::trunc);

}  // namespace loadgate::cli

#endif  // LOADGATE_CLI_OUTPUT_FILE_H_
