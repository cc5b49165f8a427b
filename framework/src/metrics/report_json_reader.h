// ReadJson (loadgate/report.h) of a report already in memory, as the
// collector holds one it received: read without copying the text again.
#ifndef LOADGATE_METRICS_REPORT_JSON_READER_H_
#define LOADGATE_METRICS_REPORT_JSON_READER_H_

#include <string>
#include <string_view>

#include "loadgate/report.h"

namespace loadgate {

// As ReadJson(std::istream&, source): the report `text` holds, checked field
// by field; throws std::runtime_error naming `source` and the field.
RunReport ReadJsonText(std::string_view text, const std::string& source);

}  // namespace loadgate

#endif  // LOADGATE_METRICS_REPORT_JSON_READER_H_
