// ReadJson (loadgate/report.h) of a report already in memory, as the
// collector holds one it received: read without copying the text again;
// and the error for a report over the memory budget every read keeps to
// (kReportHistogramBudgetBytes).
#ifndef LOADGATE_METRICS_REPORT_JSON_READER_H_
#define LOADGATE_METRICS_REPORT_JSON_READER_H_

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "loadgate/report.h"

namespace loadgate {

// A report whose histograms would exceed kReportHistogramBudgetBytes,
// refused before any is allocated; what() names the source, the field and
// the figure.
class ReportTooLargeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// As ReadJson(std::istream&, source): the report `text` holds, checked field
// by field; throws std::runtime_error naming `source` and the field
// (ReportTooLargeError over the histogram budget).
RunReport ReadJsonText(std::string_view text, const std::string& source);

}  // namespace loadgate

#endif  // LOADGATE_METRICS_REPORT_JSON_READER_H_
