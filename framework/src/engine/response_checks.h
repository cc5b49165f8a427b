// Judging a complete response against its step: the checks, the poll
// conditions and the captures, as a function of the step, the status and
// the body alone.
#ifndef LOADGATE_ENGINE_RESPONSE_CHECKS_H_
#define LOADGATE_ENGINE_RESPONSE_CHECKS_H_

#include <span>
#include <string>
#include <string_view>

#include "engine/plan.h"
#include "loadgate/metrics.h"

namespace loadgate::engine {

struct ResponseVerdict {
  ErrorKind error = ErrorKind::kNone;
  // Whether the step's poll conditions hold (true for a step without).
  bool until_met = true;
};

// A failed status check, or a status >= 400 on a step without one, is
// kHttp4xx / kHttp5xx (kCheckFailed below 400); any other failed check is
// kCheckFailed. A response that passed its checks but whose stream failed
// (`stream_failed`: an LLM error event or a malformed stream) is kProtocol;
// a capture whose pointer does not resolve in the JSON body is
// kCheckFailed. Each capture's value (a string as is, else its JSON text)
// goes to captured[slot], and values[slot] views it.
ResponseVerdict JudgeResponse(const CompiledStep& step, int status,
                              std::string_view body, bool stream_failed,
                              std::span<std::string> captured,
                              std::span<std::string_view> values);

}  // namespace loadgate::engine

#endif  // LOADGATE_ENGINE_RESPONSE_CHECKS_H_
