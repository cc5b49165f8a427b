// JSON in and out of the services, safe for any bytes a client sends.
#ifndef SERVICES_COMMON_JSON_TEXT_H_
#define SERVICES_COMMON_JSON_TEXT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace loadgate::services {

// Deepest nesting of arrays and objects a request body may have. Parsing is
// iterative, but copying and serialising a value recurse once per level, so
// a body of 100k '[' would overflow a worker's stack later on.
inline constexpr int kMaxJsonDepth = 64;

// Compact JSON text of `value`. Strings that are not valid UTF-8 (an id taken
// from a request path, a prompt cut in the middle of a character) have their
// bad bytes replaced by U+FFFD instead of throwing.
std::string DumpJson(const nlohmann::json& value);

// Parses a request body. Fails (with a message for the client) when the text
// is not JSON or nests deeper than kMaxJsonDepth.
Result<nlohmann::json> ParseJsonBody(std::string_view text);

}  // namespace loadgate::services

#endif  // SERVICES_COMMON_JSON_TEXT_H_
