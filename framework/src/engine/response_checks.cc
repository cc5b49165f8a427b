#include "engine/response_checks.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace loadgate::engine {
namespace {

ErrorKind StatusError(int status) {
  return status >= 500   ? ErrorKind::kHttp5xx
         : status >= 400 ? ErrorKind::kHttp4xx
                         : ErrorKind::kCheckFailed;
}

bool Passes(const CompiledCheck& check, int status, std::string_view body,
            const nlohmann::json& document) {
  switch (check.kind) {
    case Check::Kind::kStatus:
      return status == check.status;
    case Check::Kind::kBodyContains:
      return body.find(check.text) != std::string_view::npos;
    case Check::Kind::kJsonPresent:
    case Check::Kind::kJsonEquals:
      if (document.is_discarded()) return false;
      try {
        if (!document.contains(check.pointer)) return false;
        return check.kind == Check::Kind::kJsonPresent ||
               document.at(check.pointer) == check.expected_json;
      } catch (const nlohmann::json::exception&) {
        return false;
      }
  }
  return false;
}

bool TakeCaptures(const CompiledStep& step, const nlohmann::json& document,
                  std::span<std::string> captured,
                  std::span<std::string_view> values) {
  for (const CompiledCapture& capture : step.captures) {
    if (document.is_discarded()) return false;
    try {
      if (!document.contains(capture.pointer)) return false;
      const nlohmann::json& value = document.at(capture.pointer);
      std::string& storage = captured[capture.variable];
      storage = value.is_string() ? value.get_ref<const std::string&>()
                                  : value.dump();
      values[capture.variable] = storage;
    } catch (const nlohmann::json::exception&) {
      return false;
    }
  }
  return true;
}

}  // namespace

ResponseVerdict JudgeResponse(const CompiledStep& step, int status,
                              std::string_view body, bool stream_failed,
                              std::span<std::string> captured,
                              std::span<std::string_view> values) {
  nlohmann::json document;
  if (step.needs_json) document = nlohmann::json::parse(body, nullptr, false);
  if (!step.has_status_check && status >= 400) return {StatusError(status)};
  for (const CompiledCheck& check : step.checks) {
    if (!Passes(check, status, body, document)) {
      return {check.kind == Check::Kind::kStatus ? StatusError(status)
                                                 : ErrorKind::kCheckFailed};
    }
  }
  if (stream_failed) return {ErrorKind::kProtocol};
  if (!TakeCaptures(step, document, captured, values)) {
    return {ErrorKind::kCheckFailed};
  }
  const bool until_met = std::all_of(
      step.until.begin(), step.until.end(), [&](const CompiledCheck& check) {
        return Passes(check, status, body, document);
      });
  return {ErrorKind::kNone, until_met};
}

}  // namespace loadgate::engine
