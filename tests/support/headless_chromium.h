// Renders a page in headless Chromium (Debian's `chromium`) and returns the
// DOM after the page's scripts ran, for tests of the pages loadgate writes
// and serves.
#ifndef LOADGATE_TESTS_SUPPORT_HEADLESS_CHROMIUM_H_
#define LOADGATE_TESTS_SUPPORT_HEADLESS_CHROMIUM_H_

#include <filesystem>
#include <string>
#include <string_view>

namespace loadgate::test_support {

inline constexpr std::string_view kChromium = "/usr/bin/chromium";

// The serialized DOM of `url` (file:// or http://127.0.0.1...) once the page
// is idle and `virtual_time_ms` of virtual time has passed, or "" when
// Chromium failed. Chromium's profile and its log (chromium.log) go to
// `scratch_dir`. An open network request (an event stream) holds virtual
// time still, so a live page is dumped after its stream ends. Bounded by a
// two-minute timeout, so a hung browser cannot stall the suite.
std::string RenderedDom(const std::filesystem::path& scratch_dir,
                        const std::string& url, int virtual_time_ms = 5000);

}  // namespace loadgate::test_support

#endif  // LOADGATE_TESTS_SUPPORT_HEADLESS_CHROMIUM_H_
