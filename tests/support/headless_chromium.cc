#include "support/headless_chromium.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>

namespace loadgate::test_support {

std::string RenderedDom(const std::filesystem::path& scratch_dir,
                        const std::string& url, int virtual_time_ms) {
  const std::string command =
      "timeout 120 " + std::string(kChromium) +
      " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
      " --disable-background-networking --disable-component-update"
      " --disable-sync --disable-dev-shm-usage --user-data-dir=" +
      (scratch_dir / "profile").string() +
      " --virtual-time-budget=" + std::to_string(virtual_time_ms) +
      " --dump-dom '" + url + "' 2>" + (scratch_dir / "chromium.log").string();
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string dom;
  std::array<char, 65536> buffer;
  size_t read;
  while ((read = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    dom.append(buffer.data(), read);
  }
  const int status = pclose(pipe);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? dom : "";
}

}  // namespace loadgate::test_support
