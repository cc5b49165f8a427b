// The script of the HTML report (html_report.cc), kept as plain JavaScript
// in gate/assets/report.js and compiled in at build time
// (loadgate_embed_assets in framework/CMakeLists.txt). It reads the page's
// JSON data block and draws each run's charts with the shared chart script
// (assets/page_assets.h), which the page inlines before it.
#ifndef LOADGATE_GATE_HTML_REPORT_ASSETS_H_
#define LOADGATE_GATE_HTML_REPORT_ASSETS_H_

#include <string_view>

namespace loadgate::gate {

// gate/assets/report.js.
extern const std::string_view kReportJs;

}  // namespace loadgate::gate

#endif  // LOADGATE_GATE_HTML_REPORT_ASSETS_H_
