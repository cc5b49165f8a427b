// The head of a request to the live view (any local process, or a web page
// through DNS rebinding, may send one) and its Host check.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "fuzz_support.h"
#include "live/request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view head = loadgate::fuzz::AsText(data, size);
  loadgate::live::IsLoopbackHost(head);
  loadgate::live::IsLoopbackHostHeader(head);
  const std::optional<loadgate::live::RequestHead> request =
      loadgate::live::ParseRequestHead(head);
  if (request) {
    const loadgate::fuzz::ExactCopy host(request->host);
    loadgate::live::IsLoopbackHostHeader(host.view());
    loadgate::live::Response(404, "text/plain", request->path);
  }
  return 0;
}
