#include "live/page.h"

#include "assets/page_assets.h"
#include "live/page_assets.h"

namespace loadgate::live {

std::string LivePage() {
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\">\n<title>loadgate live</title>\n<style>\n";
  page += assets::kPageCss;
  page += '\n';
  page += assets::kChartsCss;
  page += '\n';
  page += kLiveCss;
  page +=
      "</style>\n</head>\n<body>\n<header class=\"page\"><span "
      "class=\"status\" id=\"status\" data-status=\"connecting\">connecting"
      "</span><h1>loadgate live</h1><p>Load test runs of this process, the "
      "current one on top</p></header>\n<main id=\"runs\">\n<p "
      "class=\"waiting\" id=\"waiting\">Waiting for the first run.</p>\n"
      "</main>\n<script>\n";
  page += assets::kChartsJs;
  page += '\n';
  page += kLiveJs;
  page += "</script>\n</body>\n</html>\n";
  return page;
}

}  // namespace loadgate::live
