// The live view's page: self-contained HTML (inline CSS, the shared SVG
// chart toolkit and a script) that follows /events and redraws as it goes.
#ifndef LOADGATE_LIVE_PAGE_H_
#define LOADGATE_LIVE_PAGE_H_

#include <string>

namespace loadgate::live {

std::string LivePage();

}  // namespace loadgate::live

#endif  // LOADGATE_LIVE_PAGE_H_
