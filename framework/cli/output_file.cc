// Output files of the commands: one wording for a file that cannot be
// written, whether opening, writing or closing it failed.
#include "output_file.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace loadgate::cli {
namespace {

[[noreturn]] void CannotWrite(const std::string& path) {
  throw std::runtime_error("cannot write " + path + ": " +
                           std::strerror(errno));
}

}  // namespace

std::ofstream OpenOutputFile(const std::string& path, std::ios::openmode mode) {
  std::ofstream out(path, std::ios::binary | mode);
  if (!out) CannotWrite(path);
  return out;
}

void CloseOutputFile(std::ofstream& out, const std::string& path) {
  out.close();
  if (!out) CannotWrite(path);
}

void WriteOutputFile(const std::string& path,
                     const std::function<void(std::ostream&)>& write,
                     std::ios::openmode mode) {
  std::ofstream out = OpenOutputFile(path, mode);
  write(out);
  CloseOutputFile(out, path);
}

}  // namespace loadgate::cli
