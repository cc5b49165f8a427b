// JSON reports read back by `loadgate compare` and `loadgate report` (a
// baseline from CI, a file from anywhere). Anything malformed must end in
// the documented std::runtime_error naming the file; what is accepted must
// write back to a report that reads the same.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>

#include "fuzz_support.h"
#include "loadgate/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in{std::string(loadgate::fuzz::AsText(data, size))};
  loadgate::RunReport report;
  try {
    report = loadgate::ReadJson(in, "fuzz.json");
  } catch (const std::runtime_error&) {
    return 0;
  }
  std::ostringstream written;
  loadgate::WriteJson(report, written);
  std::istringstream again_in(written.str());
  std::ostringstream rewritten;
  try {
    loadgate::WriteJson(loadgate::ReadJson(again_in, "written.json"),
                        rewritten);
  } catch (const std::runtime_error& e) {
    std::fprintf(stderr, "a written report does not read back: %s\n%s\n",
                 e.what(), written.str().c_str());
    __builtin_trap();
  }
  loadgate::fuzz::Expect(rewritten.str() == written.str(),
                         "a report reads back as it was written");
  return 0;
}
