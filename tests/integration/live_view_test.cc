// The live view end to end over real sockets: a LiveServer fed by real runs
// of the engine against a local server (directly, through the GoogleTest
// fixture and through `loadgate run --live`), read by plain HTTP clients as a
// browser would read it.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "loadgate/engine.h"
#include "loadgate/live.h"
#include "loadgate/testing.h"
#include "support/run_command.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A blocking TCP client of 127.0.0.1 whose reads are bounded in time.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) !=
        0) {
      ADD_FAILURE() << "cannot connect to port " << port;
    }
  }
  ~Client() { close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void Send(std::string_view bytes) {
    ASSERT_EQ(send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  void Get(std::string_view path, std::string_view host) {
    Send("GET " + std::string(path) +
         " HTTP/1.1\r\nHost: " + std::string(host) + "\r\nAccept: */*\r\n\r\n");
  }

  // Reads until `text` has arrived (true), the peer closed or `timeout`
  // passed (false).
  bool ReadUntil(std::string_view text,
                 std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (received_.find(text) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd poll_fd{fd_, POLLIN, 0};
      if (left.count() <= 0 ||
          poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) {
        return false;
      }
      char buffer[65536];
      const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return false;
      received_.append(buffer, static_cast<size_t>(n));
    }
    return true;
  }
  // Reads the whole response of a connection the server closes.
  std::string ReadAll() {
    ReadUntil("\x01 never sent");
    return received_;
  }
  const std::string& received() const { return received_; }

 private:
  int fd_ = -1;
  std::string received_;
};

std::string Host(const LiveServer& live) {
  return "127.0.0.1:" + std::to_string(live.port());
}

std::string Fetch(const LiveServer& live, std::string_view path) {
  Client client(live.port());
  client.Get(path, Host(live));
  return client.ReadAll();
}

// The events of an event-stream response (head skipped), as (name, data);
// frames without an event name (retry, keep-alive comments) are skipped.
std::vector<std::pair<std::string, json>> Events(const std::string& response) {
  std::vector<std::pair<std::string, json>> events;
  size_t at = response.find("\r\n\r\n");
  if (at == std::string::npos) return events;
  at += 4;
  for (size_t end = response.find("\n\n", at); end != std::string::npos;
       at = end + 2, end = response.find("\n\n", at)) {
    const std::string frame = response.substr(at, end - at);
    if (!frame.starts_with("event: ")) continue;
    const size_t data = frame.find("\ndata: ");
    events.emplace_back(frame.substr(7, data - 7),
                        json::parse(frame.substr(data + 7)));
  }
  return events;
}

// A viewer of /events that has received its snapshot.
std::unique_ptr<Client> Viewer(const LiveServer& live) {
  auto viewer = std::make_unique<Client>(live.port());
  viewer->Get("/events", Host(live));
  EXPECT_TRUE(viewer->ReadUntil("event: snapshot\ndata: ") &&
              viewer->ReadUntil("}\n\n"))
      << viewer->received();
  return viewer;
}

// A request to /maybe of `server`, where every fourth request fails.
Scenario MaybeScenario(test_support::TestServer& server) {
  server.Handle("/maybe", [](const test_support::HttpRequest& request,
                             test_support::ResponseWriter& writer) {
    writer.Send(request.number % 4 == 0 ? 503 : 200, "maybe");
  });
  Scenario scenario;
  scenario.name = "maybe";
  scenario.base_url = server.base_url();
  Request request;
  request.name = "GET /maybe";
  request.url = "/maybe";
  scenario.Add(request);
  return scenario;
}

TEST(LiveViewTest, ServesASelfContainedPage) {
  LiveServer live("127.0.0.1:0");
  ASSERT_GT(live.port(), 0);
  EXPECT_EQ(live.url(), "http://" + Host(live) + "/");

  const std::string response = Fetch(live, "/");
  ASSERT_THAT(response, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(response, HasSubstr("Content-Type: text/html; charset=utf-8"));
  const std::string body = response.substr(response.find("\r\n\r\n") + 4);
  EXPECT_THAT(response,
              HasSubstr("Content-Length: " + std::to_string(body.size())));
  EXPECT_THAT(body, HasSubstr("<title>loadgate live</title>"));
  EXPECT_THAT(body, HasSubstr("new EventSource('events')"));
  EXPECT_THAT(body, HasSubstr("var LoadgateCharts"));
  // Nothing to fetch from elsewhere: the only URL is the SVG namespace.
  size_t urls = 0;
  for (size_t at = body.find("http"); at != std::string::npos;
       at = body.find("http", at + 1)) {
    EXPECT_EQ(body.compare(at, 26, "http://www.w3.org/2000/svg"), 0)
        << body.substr(at, 40);
    ++urls;
  }
  EXPECT_GT(urls, 0u);
  EXPECT_EQ(body.find(" src="), std::string::npos);
}

TEST(LiveViewTest, AnswersOtherRequestsPlainly) {
  LiveServer live("127.0.0.1:0");
  EXPECT_THAT(Fetch(live, "/nope"), StartsWith("HTTP/1.1 404 Not Found"));
  {
    Client client(live.port());
    client.Send("POST / HTTP/1.1\r\nHost: " + Host(live) +
                "\r\nContent-Length: 0\r\n\r\n");
    EXPECT_THAT(client.ReadAll(), StartsWith("HTTP/1.1 405"));
  }
  {
    // What a page of another site sees after rebinding its name to us.
    Client client(live.port());
    client.Get("/events", "evil.example:" + std::to_string(live.port()));
    EXPECT_THAT(client.ReadAll(), StartsWith("HTTP/1.1 403 Forbidden"));
  }
  {
    Client client(live.port());
    client.Send("hello\r\n\r\n");
    EXPECT_THAT(client.ReadAll(), StartsWith("HTTP/1.1 400"));
  }
  {
    Client client(live.port());
    client.Send("GET / HTTP/1.1\r\nX-Long: " + std::string(9000, 'x'));
    EXPECT_THAT(client.ReadAll(), StartsWith("HTTP/1.1 431"));
  }
  EXPECT_EQ(live.viewers(), 0u);
}

TEST(LiveViewTest, RefusesNonLoopbackAddresses) {
  try {
    LiveServer live("0.0.0.0:0");
    ADD_FAILURE() << "listened on every interface";
  } catch (const std::invalid_argument& error) {
    EXPECT_THAT(error.what(), HasSubstr("0.0.0.0 is not a loopback address"));
  }
  EXPECT_THROW(LiveServer(LiveAddress{"10.0.0.1", 0}), std::invalid_argument);
  EXPECT_THROW(LiveServer(LiveAddress{"::", 0}), std::invalid_argument);
  EXPECT_THROW(LiveServer("example.com:8089"), std::invalid_argument);
}

TEST(LiveViewTest, ReportsAPortInUse) {
  LiveServer first("127.0.0.1:0");
  try {
    LiveServer second("127.0.0.1:" + std::to_string(first.port()));
    ADD_FAILURE() << "two servers on one port";
  } catch (const std::system_error& error) {
    EXPECT_THAT(error.what(),
                HasSubstr("live view: cannot listen on " + Host(first)));
  }
}

TEST(LiveViewTest, ListensOnIpv6Loopback) {
  std::unique_ptr<LiveServer> live;
  try {
    live = std::make_unique<LiveServer>("[::1]:0");
  } catch (const std::system_error& error) {
    GTEST_SKIP() << "no IPv6 loopback here: " << error.what();
  }
  EXPECT_EQ(live->url(), "http://[::1]:" + std::to_string(live->port()) + "/");
}

TEST(LiveViewTest, StreamsARealRunAsItGoes) {
  test_support::TestServer server;
  const Scenario scenario = MaybeScenario(server);
  LiveServer live("127.0.0.1:0");
  const std::unique_ptr<Client> early = Viewer(live);
  EXPECT_EQ(Events(early->received()).at(0).second["runs"], json::array());

  OpenModel model;
  model.rate = 40;
  RunOptions options;
  options.duration = 3500ms;
  options.threads = 1;
  std::atomic<int> callbacks{0};
  options.on_progress = live.ProgressCallback(
      [&callbacks](const Progress&) { callbacks.fetch_add(1); });
  live.BeginRun("real run", model, scenario, options.duration);
  const RunReport report = loadgate::Run(scenario, model, options);
  live.EndRun(report);
  ASSERT_GT(report.errors(), 0u);

  ASSERT_TRUE(early->ReadUntil("event: end\n")) << early->received();
  ASSERT_TRUE(early->ReadUntil("}\n\n"));
  const auto events = Events(early->received());
  ASSERT_GE(events.size(), 4u) << early->received();
  EXPECT_EQ(events.front().first, "snapshot");
  EXPECT_EQ(events[1].first, "run");
  EXPECT_EQ(events[1].second["name"], "real run");
  EXPECT_EQ(events[1].second["load_model"], report.info.load_model);
  EXPECT_EQ(events.back().first, "end");

  // One progress event per on_progress call, each later and with more
  // requests than the one before; errors show up as they happen.
  std::vector<json> points;
  for (size_t i = 2; i + 1 < events.size(); ++i) {
    EXPECT_EQ(events[i].first, "progress");
    points.push_back(events[i].second);
  }
  EXPECT_EQ(static_cast<int>(points.size()), callbacks.load());
  ASSERT_GE(points.size(), 2u);
  for (size_t i = 0; i < points.size(); ++i) {
    const json& point = points[i];
    EXPECT_EQ(point["run"], events[1].second["id"]);
    EXPECT_DOUBLE_EQ(point["target_rps"].get<double>(), 40);
    EXPECT_GT(point["rps"].get<double>(), 0);
    EXPECT_GT(point["p50_ms"].get<double>(), 0);
    EXPECT_GE(point["p99_ms"].get<double>(), point["p50_ms"].get<double>());
    for (std::string_view field :
         {"elapsed_s", "requests", "errors", "error_rate", "errors_per_s",
          "in_flight", "p95_ms"}) {
      EXPECT_TRUE(point.contains(field)) << field;
    }
    if (i == 0) continue;
    EXPECT_GT(point["elapsed_s"].get<double>(),
              points[i - 1]["elapsed_s"].get<double>());
    EXPECT_GT(point["requests"].get<uint64_t>(),
              points[i - 1]["requests"].get<uint64_t>());
  }
  EXPECT_GT(points.back()["errors"].get<uint64_t>(), 0u);

  const json& end = events.back().second;
  EXPECT_EQ(end["state"], "finished");
  EXPECT_EQ(end["requests"], report.requests());
  EXPECT_EQ(end["errors"], report.errors());
  EXPECT_DOUBLE_EQ(end["achieved_rps"].get<double>(), report.achieved_rps());

  // A viewer arriving after the run sees all of it.
  const std::unique_ptr<Client> late = Viewer(live);
  const json snapshot = Events(late->received()).at(0).second;
  ASSERT_EQ(snapshot["runs"].size(), 1u);
  const json& run = snapshot["runs"][0];
  EXPECT_EQ(run["state"], "finished");
  EXPECT_EQ(run["points"].size(), points.size());
  EXPECT_EQ(run["points"].back()["requests"], points.back()["requests"]);
  EXPECT_EQ(run["result"]["requests"], report.requests());
  EXPECT_EQ(live.viewers(), 2u);
}

// An open model over multi-step flows schedules iterations: the page says
// so from the start, as the run's report will.
TEST(LiveViewTest, DescribesTheModelAsTheReportWill) {
  Scenario scenario;
  scenario.Add(Flow{.name = "login then list",
                    .steps = {Step{.request = {.url = "/login"}},
                              Step{.request = {.url = "/list"}}}});
  OpenModel model;
  model.rate = 5;
  LiveServer live("127.0.0.1:0");
  live.BeginRun("flows", model, scenario, 10s);
  const std::unique_ptr<Client> viewer = Viewer(live);
  const json snapshot = Events(viewer->received()).at(0).second;
  ASSERT_EQ(snapshot["runs"].size(), 1u);
  EXPECT_EQ(snapshot["runs"][0]["load_model"], "constant 5 iterations/s");
}

TEST(LiveViewTest, ForgetsViewersThatLeave) {
  LiveServer live("127.0.0.1:0");
  {
    const std::unique_ptr<Client> viewer = Viewer(live);
    EXPECT_EQ(live.viewers(), 1u);
  }
  // The server notices the close on its next poll.
  for (int i = 0; i < 100 && live.viewers() > 0; ++i) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(live.viewers(), 0u);
}

// A tab that stops reading (suspended, or a stuck client) must not make the
// server buffer without bound, nor slow the publisher down.
TEST(LiveViewTest, DropsAViewerThatStopsReading) {
  LiveServer live("127.0.0.1:0");
  Client stuck(live.port());
  stuck.Get("/events", Host(live));
  for (int i = 0; i < 500 && live.viewers() == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(live.viewers(), 1u);
  OpenModel model;
  model.rate = 100;
  live.BeginRun("flood", model, 1h);
  Progress progress;
  // Some 250 bytes per event: a few hundred thousand are past the server's
  // bound plus what the kernel buffers. Paced, so the server thread keeps up
  // rather than shedding updates; bounded by time rather than by count, as
  // a slower server thread (a sanitizer build) sheds more of them.
  const auto give_up = std::chrono::steady_clock::now() + 60s;
  for (int i = 0;
       std::chrono::steady_clock::now() < give_up && live.viewers() > 0; ++i) {
    progress.elapsed = std::chrono::seconds(i);
    progress.requests = 100 * i;
    live.Publish(progress);
    if (i % 1000 == 999) std::this_thread::sleep_for(2ms);
  }
  for (int i = 0; i < 500 && live.viewers() > 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(live.viewers(), 0u);
}

TEST(LiveViewTest, LingersServingUntilInterrupted) {
  LiveServer live("127.0.0.1:0");
  // SIGINT must not kill the test program if it lands before Linger()
  // installed its handler.
  InstallStopSignalHandlers();
  std::atomic<bool> lingering{true};
  std::thread interrupter([&] {
    // A viewer is still served while the process lingers...
    EXPECT_THAT(Fetch(live, "/"), StartsWith("HTTP/1.1 200 OK"));
    // ...until Ctrl-C, repeated in case the first beat the handler.
    for (int i = 0; i < 300 && lingering.load(); ++i) {
      kill(getpid(), SIGINT);
      std::this_thread::sleep_for(100ms);
    }
  });
  const auto started = std::chrono::steady_clock::now();
  live.Linger(10min);
  lingering.store(false);
  interrupter.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5min);
}

class LiveFixtureTest : public LoadTest {
 protected:
  void SetUp() override {
    setenv("LOADGATE_LIVE", "127.0.0.1:0", 1);
    setenv("LOADGATE_DURATION", "2200ms", 1);
    setenv("LOADGATE_REPORT_DIR", reports_.path().c_str(), 1);
  }
  void TearDown() override {
    unsetenv("LOADGATE_LIVE");
    unsetenv("LOADGATE_DURATION");
    unsetenv("LOADGATE_REPORT_DIR");
  }

  test_support::TestServer server_;
  test_support::TempDir reports_;
};

// LOADGATE_LIVE: the first RunLoad starts the view and says where, and every
// run of the test program lands on it.
TEST_F(LiveFixtureTest, FeedsEveryRunToOneView) {
  const Scenario scenario = MaybeScenario(server_);
  OpenModel model;
  model.rate = 30;
  int caller_progress = 0;
  RunOptions options;
  options.threads = 1;
  options.on_progress = [&caller_progress](const Progress&) {
    ++caller_progress;
  };

  ::testing::internal::CaptureStdout();
  const RunReport first = RunLoad(scenario, model, options);
  const std::string first_output = ::testing::internal::GetCapturedStdout();
  constexpr std::string_view kBanner = "live view: http://127.0.0.1:";
  const size_t banner = first_output.find(kBanner);
  ASSERT_NE(banner, std::string::npos) << first_output;
  const int port = std::atoi(first_output.c_str() + banner + kBanner.size());
  ASSERT_GT(port, 0);
  EXPECT_GT(caller_progress, 0) << "the caller's on_progress was replaced";

  ::testing::internal::CaptureStdout();
  const RunReport second = RunLoad(scenario, model, options);
  EXPECT_THAT(::testing::internal::GetCapturedStdout(),
              ::testing::Not(HasSubstr("live view:")));

  Client viewer(static_cast<uint16_t>(port));
  viewer.Get("/events", "localhost:" + std::to_string(port));
  ASSERT_TRUE(viewer.ReadUntil("event: snapshot\ndata: ") &&
              viewer.ReadUntil("}\n\n"))
      << viewer.received();
  const json runs = Events(viewer.received()).at(0).second["runs"];
  ASSERT_EQ(runs.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(runs[i]["name"],
              "LiveFixtureTest.FeedsEveryRunToOneView (maybe)");
    EXPECT_EQ(runs[i]["state"], "finished");
    EXPECT_DOUBLE_EQ(runs[i]["planned_s"].get<double>(), 2.2);
    EXPECT_FALSE(runs[i]["points"].empty());
  }
  EXPECT_EQ(runs[0]["result"]["requests"], first.requests());
  EXPECT_EQ(runs[1]["result"]["requests"], second.requests());
  EXPECT_GT(runs[1]["id"].get<int>(), runs[0]["id"].get<int>());
}

TEST(LiveCliTest, RunWithLiveServesAndRefusesOtherInterfaces) {
  test_support::TempDir dir;
  test_support::TestServer server;
  server.Handle("/ok", test_support::Respond(200, "ok"));
  const test_support::CommandResult ran = test_support::RunLoadgate(
      {"run", "--url", server.base_url() + "/ok", "--rate", "20", "-d",
       "1500ms", "--live", "127.0.0.1:0", "-q"},
      dir.path());
  EXPECT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_THAT(ran.err, StartsWith("live view: http://127.0.0.1:"));

  const uint64_t requests_before = server.requests();
  const test_support::CommandResult refused = test_support::RunLoadgate(
      {"run", "--url", server.base_url() + "/ok", "--live", "0.0.0.0:8089"},
      dir.path());
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err,
              HasSubstr("--live: live view address \"0.0.0.0:8089\": 0.0.0.0 "
                        "is not a loopback address"));
  EXPECT_EQ(server.requests(), requests_before) << "it ran anyway";
}

}  // namespace
}  // namespace loadgate
