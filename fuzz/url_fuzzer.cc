// URLs from users (--url, a scenario's target and requests) and from
// servers (a Location header, links resolved against a base). Input: a URL,
// optionally a newline and a reference to resolve against it.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "http/url.h"

namespace {

using loadgate::http::Url;

// ParseUrl, or nothing when the text is rejected the documented way.
bool TryParse(std::string_view text, Url* url) {
  try {
    *url = loadgate::http::ParseUrl(text);
    return true;
  } catch (const std::invalid_argument&) {
    return false;
  }
}

bool SameUrl(const Url& a, const Url& b) {
  return a.scheme == b.scheme && a.host == b.host && a.port == b.port &&
         a.target == b.target;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input = loadgate::fuzz::AsText(data, size);
  const size_t newline = input.find('\n');
  const loadgate::fuzz::ExactCopy base_text(input.substr(0, newline));

  Url base;
  if (TryParse(base_text.view(), &base)) {
    // The canonical text parses back to the same URL.
    const std::string canonical = base.ToString();
    Url again;
    loadgate::fuzz::Expect(TryParse(canonical, &again) && SameUrl(base, again),
                           "ParseUrl(url.ToString()) gives url back");
    loadgate::fuzz::Expect(base.port != 0, "a URL has a port");
  }
  if (newline == std::string_view::npos) return 0;

  const loadgate::fuzz::ExactCopy reference(input.substr(newline + 1));
  std::string joined;
  try {
    joined = loadgate::http::JoinUrl(base_text.view(), reference.view());
  } catch (const std::invalid_argument&) {
    return 0;
  }
  Url resolved;
  loadgate::fuzz::Expect(TryParse(joined, &resolved), "a resolved URL parses");
  loadgate::fuzz::Expect(resolved.ToString() == joined,
                         "a resolved URL is in canonical form");
  return 0;
}
