#include "common/json_text.h"

namespace loadgate::services {
namespace {

// Whether the arrays and objects of `text` nest deeper than `limit`; brackets
// inside strings do not count. A linear scan, so no parse is ever started
// on a value too deep to handle.
bool NestsDeeperThan(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<nlohmann::json> ParseJsonBody(std::string_view text) {
  if (NestsDeeperThan(text, kMaxJsonDepth)) {
    return Status::Error("the body nests arrays or objects deeper than " +
                         std::to_string(kMaxJsonDepth) + " levels");
  }
  nlohmann::json value =
      nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return Status::Error("the body is not valid JSON");
  return value;
}

}  // namespace loadgate::services
