// The live page's own stylesheet and script, kept as plain CSS and
// JavaScript in live/assets/ and compiled in at build time
// (loadgate_embed_assets in framework/CMakeLists.txt). They come on top of
// the look and chart script every page shares (assets/page_assets.h).
#ifndef LOADGATE_LIVE_PAGE_ASSETS_H_
#define LOADGATE_LIVE_PAGE_ASSETS_H_

#include <string_view>

namespace loadgate::live {

// live/assets/live.css: the connection status, run-state badges and the
// waiting note, on top of the report's look.
extern const std::string_view kLiveCss;

// live/assets/live.js: follows /events: a snapshot replaces everything (also
// after a reconnect), then run / progress / end events change it. Mirrors
// the server's history limits, so a page left open for days stays as small
// as the server's history. body[data-events] counts the events drawn, for
// tests.
extern const std::string_view kLiveJs;

}  // namespace loadgate::live

#endif  // LOADGATE_LIVE_PAGE_ASSETS_H_
