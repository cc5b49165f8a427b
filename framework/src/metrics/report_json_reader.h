// ReadJson (loadgate/report.h) of a report already in memory, as the
// collector holds one it received: read without copying the text again;
// and the memory budget every read of a report keeps to.
#ifndef LOADGATE_METRICS_REPORT_JSON_READER_H_
#define LOADGATE_METRICS_REPORT_JSON_READER_H_

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "loadgate/report.h"

namespace loadgate {

// What the histograms of one report may take in memory once read: 1 GiB.
// A Histogram is a fixed array (57 KiB at the default 7 bits, 7.5 KiB for a
// per-second slot, 6.25 MiB at 14 bits) whatever it holds, so a small but
// hostile text (many tags, high precision) could ask for tens of GiB. A
// real single-machine report stays far below: a 24-hour run (86,400 slots,
// 633 MiB) with 100 tags at the default precision (62 MiB) takes 0.7 GiB;
// a 10-minute shard report, 7.6 MiB.
inline constexpr uint64_t kReportHistogramBudgetBytes = uint64_t{1} << 30;

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
