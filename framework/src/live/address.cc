// ParseLiveAddress, from loadgate/live.h.
#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>

#include "live/request.h"
#include "loadgate/live.h"

namespace loadgate {
namespace {

bool AllDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

}  // namespace

LiveAddress ParseLiveAddress(std::string_view text) {
  const std::string quoted = "live view address \"" + std::string(text) + "\"";
  std::string_view host = "127.0.0.1";
  std::string_view port = text;
  if (text.starts_with('[')) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || text.substr(close + 1, 1) != ":") {
      throw std::invalid_argument(quoted + ": expected [IPV6]:PORT");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else if (const size_t colon = text.rfind(':');
             colon != std::string_view::npos) {
    if (text.find(':') != colon) {
      throw std::invalid_argument(quoted +
                                  ": write an IPv6 address in brackets, as "
                                  "[::1]:8089");
    }
    if (colon > 0) host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (!AllDigits(port) || port.size() > 5 ||
      std::stoi(std::string(port)) > 65535) {
    throw std::invalid_argument(
        quoted +
        ": expected PORT, HOST:PORT or [::1]:PORT with a port "
        "from 0 (any free one) to 65535");
  }
  if (!live::IsLoopbackHost(host)) {
    throw std::invalid_argument(
        quoted + ": " + std::string(host) +
        " is not a loopback address; the live view has no authentication, "
        "so it listens only on 127.0.0.1, ::1 or localhost");
  }
  LiveAddress address;
  std::string lower(host);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  address.host = lower == "localhost" ? "127.0.0.1" : std::string(host);
  address.port = static_cast<uint16_t>(std::stoi(std::string(port)));
  return address;
}

}  // namespace loadgate
