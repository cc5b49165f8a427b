// The live view's page in headless Chromium: it must draw its tiles and
// charts from the event stream, both from the snapshot a viewer gets on
// connecting and from the events that follow while it watches.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "loadgate/engine.h"
#include "loadgate/live.h"
#include "support/headless_chromium.h"
#include "support/sample_report.h"
#include "support/temp_dir.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

Progress Second(int second) {
  Progress progress;
  progress.elapsed = std::chrono::seconds(second) + 5ms;
  progress.requests = 50 * second;
  progress.errors = 2 * second;
  progress.in_flight = 3;
  progress.current_rps = 48 + second;
  progress.p50_ns = (4 + second) * 1'000'000LL;
  progress.p95_ns = (9 + second) * 1'000'000LL;
  progress.p99_ns = (20 + second) * 1'000'000LL;
  return progress;
}

// The value of attribute `name` in the start tag that holds `marker`, or
// "" when absent.
std::string Attribute(const std::string& dom, std::string_view marker,
                      std::string_view name) {
  const size_t at = dom.find(marker);
  if (at == std::string::npos) return "";
  const size_t begin = dom.rfind('<', at);
  const std::string tag = dom.substr(begin, dom.find('>', at) - begin);
  std::string key = " ";
  key += name;
  key += "=\"";
  const size_t value = tag.find(key);
  if (value == std::string::npos) return "";
  const size_t start = value + key.size();
  return tag.substr(start, tag.find('"', start) - start);
}

// The text of tile `name` of the page's (only) run.
std::string Tile(const std::string& dom, std::string_view name) {
  const size_t tile = dom.find("data-tile=\"" + std::string(name) + "\"");
  if (tile == std::string::npos) return "";
  constexpr std::string_view kValue = "<div class=\"value\">";
  const size_t value = dom.find(kValue, tile) + kValue.size();
  return dom.substr(value, dom.find('<', value) - value);
}

TEST(LiveViewChromiumTest, DrawsTheChartsFromTheLiveStream) {
  if (!std::filesystem::exists(test_support::kChromium)) {
    GTEST_SKIP() << "Chromium is not installed (apt-get install chromium); "
                    "cannot render the live view";
  }
  test_support::TempDir dir;
  auto live = std::make_unique<LiveServer>("127.0.0.1:0");
  OpenModel model;
  model.rate = 50;
  live->BeginRun("checkout </script> run", model, 10s);
  for (int second = 1; second <= 3; ++second) live->Publish(Second(second));

  std::string dom;
  std::thread browser([&dom, &dir, url = live->url()] {
    dom = test_support::RenderedDom(dir.path(), url);
  });
  // The page's EventSource connects; what follows reaches it as events.
  // Bounded: Chromium starts in seconds even on a busy machine.
  for (int i = 0; i < 900 && live->viewers() == 0; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  const bool connected = live->viewers() > 0;
  for (int second = 4; second <= 6; ++second) live->Publish(Second(second));
  live->EndRun(test_support::ConstantRun(5, 10));
  // Ends the stream (after sending everything), which lets Chromium's
  // virtual clock run on to the dump.
  live.reset();
  browser.join();

  ASSERT_TRUE(connected) << "the page never opened /events; see "
                         << dir.path() / "chromium.log";
  ASSERT_FALSE(dom.empty()) << "chromium failed; see its log in " << dir.path();
  EXPECT_EQ(Attribute(dom, "<body", "data-rendered"), "ok");
  EXPECT_EQ(dom.find("id=\"script-error\""), std::string::npos);
  // The snapshot, three progress events and the end.
  EXPECT_EQ(Attribute(dom, "<body", "data-events"), "5");

  EXPECT_THAT(dom, HasSubstr("<span class=\"name\">checkout &lt;/script&gt; "
                             "run</span>"));
  EXPECT_EQ(Attribute(dom, "<section class=\"run\"", "data-state"), "finished");
  // Six points per line: target and achieved, three percentiles, errors.
  EXPECT_EQ(Attribute(dom, "data-chart=\"rate\"", "data-points"), "12");
  EXPECT_EQ(Attribute(dom, "data-chart=\"latency\"", "data-points"), "18");
  EXPECT_EQ(Attribute(dom, "data-chart=\"errors\"", "data-points"), "6");
  EXPECT_THAT(dom, HasSubstr("data-series=\"target req/s\""));
  EXPECT_THAT(dom, HasSubstr("data-series=\"p99\""));

  // The tiles show the run's final figures once it ended.
  EXPECT_EQ(Tile(dom, "requests"), "1000");
  EXPECT_EQ(Tile(dom, "errors"), "10 (1.00 %)");
  EXPECT_EQ(Tile(dom, "target"), "50 req/s");
  EXPECT_EQ(Tile(dom, "p50"), "5 ms");
  EXPECT_EQ(Tile(dom, "elapsed"), "10 s of 10 s");
}

}  // namespace
}  // namespace loadgate
