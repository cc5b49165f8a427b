// The live view's page: self-contained HTML that follows /events and
// redraws as it goes. The markup is in page.cc; it inlines the look and SVG
// chart script every page shares (assets/page_assets.h) and the live view's
// own stylesheet and script (live/page_assets.h).
#ifndef LOADGATE_LIVE_PAGE_H_
#define LOADGATE_LIVE_PAGE_H_

#include <string>

namespace loadgate::live {

std::string LivePage();

}  // namespace loadgate::live

#endif  // LOADGATE_LIVE_PAGE_H_
