// The process backend against real child processes: small Python HTTP
// servers and shell commands.
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "loadgate/fixtures/process_service.h"
#include "loadgate/http_probe.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace loadgate::fixtures {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using namespace std::chrono_literals;

// An HTTP server on the port in argv[1] (0: any) that prints the
// "listening on HOST:PORT" line the stack's services print, answers 200 on
// /health and 404 elsewhere, and shows its pid on /pid.
constexpr char kPythonServer[] = R"(
import http.server, os, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = {'/health': b'ok', '/pid': str(os.getpid()).encode()}.get(self.path)
        self.send_response(200 if body else 404)
        self.send_header('Content-Length', str(len(body or b'')))
        self.end_headers()
        self.wfile.write(body or b'')
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), Handler)
print('listening on 127.0.0.1:%d' % server.server_port, flush=True)
server.serve_forever()
)";

ServiceSpec PythonServer(const test_support::TempDir& dir, std::string name,
                         PortSource port_source, Probe probe) {
  return {.name = std::move(name),
          .command = {"python3", "-c", kPythonServer, "{port}"},
          .port_source = port_source,
          .probe = std::move(probe),
          .startup_timeout = 20s,
          .log_file = dir.path() / "service.log"};
}

bool ProcessAlive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return false;
  size_t close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() &&
         text[close + 2] != 'Z';
}

// Live (non-zombie) processes whose process group is `pgid`.
int LiveMembersOfGroup(pid_t pgid) {
  int members = 0;
  DIR* proc = opendir("/proc");
  while (dirent* entry = readdir(proc)) {
    pid_t pid = static_cast<pid_t>(atoi(entry->d_name));
    if (pid <= 0) continue;
    std::ifstream stat(std::string("/proc/") + entry->d_name + "/stat");
    std::string text;
    if (!std::getline(stat, text)) continue;
    size_t close = text.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    int parent = 0, group = 0;
    if (sscanf(text.c_str() + close + 2, "%c %d %d", &state, &parent, &group) ==
            3 &&
        group == pgid && state != 'Z') {
      ++members;
    }
  }
  closedir(proc);
  return members;
}

TEST(ProcessServiceTest, PicksAFreePortAndWaitsForHttpReadiness) {
  test_support::TempDir dir;
  ProcessService service(
      PythonServer(dir, "py", PortSource::kPickFree, Probe::Http("/health")));
  service.Start();
  ASSERT_NE(service.port(), 0);
  EXPECT_EQ(service.url(),
            "http://127.0.0.1:" + std::to_string(service.port()));
  HttpProbeResult pid = HttpGet(service.url() + "/pid", 5s);
  ASSERT_TRUE(pid.ok()) << pid.error;
  EXPECT_EQ(pid.body, std::to_string(service.pid()));
  EXPECT_TRUE(service.running());

  service.Stop();
  EXPECT_FALSE(service.running());
  EXPECT_EQ(service.pid(), 0);
  ASSERT_TRUE(service.wait_status().has_value());
  EXPECT_EQ(DescribeWaitStatus(*service.wait_status()),
            "killed by signal 15 (Terminated)");
  EXPECT_THAT(HttpGet(service.url() + "/health", 2s).error,
              HasSubstr("connect"));
}

TEST(ProcessServiceTest, ReadsThePortFromTheListeningLine) {
  test_support::TempDir dir;
  ProcessService service(PythonServer(dir, "py", PortSource::kListeningLine,
                                      Probe::Http("/health")));
  service.Start();
  ASSERT_NE(service.port(), 0);
  EXPECT_TRUE(HttpGet(service.url() + "/health", 5s).ok());
  std::ifstream log(service.log_file());
  std::string text((std::istreambuf_iterator<char>(log)), {});
  EXPECT_THAT(text, HasSubstr("listening on 127.0.0.1:" +
                              std::to_string(service.port())));
}

// The log is appended to: an earlier process that wrote the same file (a
// reused test pid names the default log) must not lend its port.
TEST(ProcessServiceTest, ReadsOnlyThisStartsListeningLine) {
  test_support::TempDir dir;
  const ServiceSpec spec = PythonServer(dir, "py", PortSource::kListeningLine,
                                        Probe::Http("/health"));
  std::ofstream(spec.log_file) << "=== loadgate: starting py: old\n"
                               << "listening on 127.0.0.1:1\n";
  ProcessService service(spec);
  service.Start();
  EXPECT_NE(service.port(), 1);
  EXPECT_TRUE(HttpGet(service.url() + "/health", 5s).ok());
}

TEST(ProcessServiceTest, CreatesTheLogFolder) {
  test_support::TempDir dir;
  ServiceSpec spec = PythonServer(dir, "py", PortSource::kListeningLine,
                                  Probe::Http("/health"));
  spec.log_file = dir.path() / "logs" / "new" / "service.log";
  ProcessService service(spec);
  service.Start();
  EXPECT_TRUE(HttpGet(service.url() + "/health", 5s).ok());
  EXPECT_THAT(test_support::ReadFileText(spec.log_file),
              HasSubstr("=== loadgate: starting py:"));
}

TEST(ProcessServiceTest, TcpProbeWaitsUntilThePortAccepts) {
  test_support::TempDir dir;
  // The server binds only after a second: the probe must not pass earlier.
  ServiceSpec spec = {
      .name = "late",
      .command = {"sh", "-c",
                  std::string("sleep 1; exec python3 -c \"$0\" {port}"),
                  kPythonServer},
      .port_source = PortSource::kPickFree,
      .probe = Probe::Tcp(),
      .startup_timeout = 20s,
      .log_file = dir.path() / "late.log"};
  ProcessService service(spec);
  auto started = std::chrono::steady_clock::now();
  service.Start();
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1s);
  EXPECT_TRUE(HttpGet(service.url() + "/health", 5s).ok());
}

TEST(ProcessServiceTest, FailedStartReportsStatusAndLogTail) {
  test_support::TempDir dir;
  ServiceSpec spec = {
      .name = "crashy",
      .command = {"sh", "-c",
                  "for i in $(seq 1 100); do echo progress $i; done; "
                  "echo 'fatal: cannot open database' >&2; exit 3"},
      .probe = Probe::Http(),
      .log_file = dir.path() / "crashy.log"};
  ProcessService service(spec);
  EXPECT_THAT([&] { service.Start(); },
              ::testing::ThrowsMessage<StartError>(
                  AllOf(StartsWith("service crashy exited with status 3"),
                        HasSubstr("fatal: cannot open database"),
                        HasSubstr("progress 100\n"), HasSubstr("progress 62\n"),
                        // Only the tail: about 40 lines, not the whole log.
                        Not(HasSubstr("progress 40\n")))));
  EXPECT_FALSE(service.running());
}

TEST(ProcessServiceTest, StartTimesOutAndKillsTheService) {
  test_support::TempDir dir;
  ServiceSpec spec = {.name = "mute",
                      .command = {"sh", "-c", "echo waiting; exec sleep 60"},
                      .probe = Probe::Tcp(),
                      .startup_timeout = 500ms,
                      .log_file = dir.path() / "mute.log"};
  ProcessService service(spec);
  EXPECT_THAT([&] { service.Start(); },
              ::testing::ThrowsMessage<StartError>(
                  AllOf(HasSubstr("not ready within 500 ms"),
                        HasSubstr("connect"), HasSubstr("waiting"))));
  EXPECT_EQ(service.pid(), 0);
  ASSERT_TRUE(service.wait_status().has_value());
  EXPECT_EQ(DescribeWaitStatus(*service.wait_status()),
            "killed by signal 9 (Killed)");
}

TEST(ProcessServiceTest, MissingProgramIsAStartError) {
  test_support::TempDir dir;
  ProcessService service({.name = "ghost",
                          .command = {"/nonexistent/ghost-service"},
                          .log_file = dir.path() / "ghost.log"});
  EXPECT_THAT([&] { service.Start(); },
              ::testing::ThrowsMessage<StartError>(AllOf(
                  HasSubstr("ghost"), HasSubstr("No such file or directory"))));
}

TEST(ProcessServiceTest, KillThenRestartKeepsThePort) {
  test_support::TempDir dir;
  ProcessService service(PythonServer(dir, "py", PortSource::kListeningLine,
                                      Probe::Http("/health")));
  service.Start();
  uint16_t port = service.port();
  pid_t first_pid = service.pid();

  service.Kill();
  ASSERT_TRUE(service.wait_status().has_value());
  EXPECT_EQ(DescribeWaitStatus(*service.wait_status()),
            "killed by signal 9 (Killed)");
  EXPECT_FALSE(ProcessAlive(first_pid));
  EXPECT_THAT(HttpGet(service.url() + "/health", 2s).error,
              HasSubstr("connect"));

  service.Restart();
  EXPECT_EQ(service.port(), port);
  EXPECT_NE(service.pid(), first_pid);
  HttpProbeResult pid = HttpGet(service.url() + "/pid", 5s);
  ASSERT_TRUE(pid.ok()) << pid.error;
  EXPECT_EQ(pid.body, std::to_string(service.pid()));

  // Restart of a running service: stop, then start on the same port.
  pid_t second_pid = service.pid();
  service.Restart();
  EXPECT_EQ(service.port(), port);
  EXPECT_FALSE(ProcessAlive(second_pid));
  EXPECT_TRUE(HttpGet(service.url() + "/health", 5s).ok());
}

TEST(ProcessServiceTest, StopTakesTheWholeProcessGroup) {
  test_support::TempDir dir;
  // A service that forks a helper which would outlive a plain kill(pid).
  ProcessService service({.name = "forker",
                          .command = {"sh", "-c", "sleep 300 & wait"},
                          .port_source = PortSource::kNone,
                          .probe = Probe::None(),
                          .log_file = dir.path() / "forker.log"});
  service.Start();
  pid_t group = service.pid();
  // Until the helper exists (bounded).
  for (int i = 0; i < 1000 && LiveMembersOfGroup(group) < 2; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(LiveMembersOfGroup(group), 2);
  service.Stop();
  // The signalled helper needs a moment to die (it is not our child, so
  // Stop cannot wait for it); without the group signal it would live on.
  for (int i = 0; i < 500 && LiveMembersOfGroup(group) > 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(LiveMembersOfGroup(group), 0);
}

TEST(ProcessServiceTest, StopEscalatesToSigkillAfterTheGrace) {
  test_support::TempDir dir;
  ProcessService service(
      {.name = "stubborn",
       .command = {"sh", "-c",
                   "trap '' TERM; echo ready; while :; do sleep 0.05; done"},
       .port_source = PortSource::kNone,
       .probe = Probe::None(),
       .stop_grace = 300ms,
       .log_file = dir.path() / "stubborn.log"});
  service.Start();
  // Until the trap is installed (the echo follows it).
  for (int i = 0; i < 200 && TailFile(service.log_file(), 1) != "ready\n";
       ++i) {
    std::this_thread::sleep_for(10ms);
  }
  service.Stop();
  ASSERT_TRUE(service.wait_status().has_value());
  EXPECT_EQ(DescribeWaitStatus(*service.wait_status()),
            "killed by signal 9 (Killed)");
}

TEST(ProcessServiceTest, SamplesRssAndCpuOfTheService) {
  test_support::TempDir dir;
  // Touches 64 MiB, then burns CPU.
  ProcessService service({.name = "hungry",
                          .command = {"python3", "-c",
                                      "data = b'x' * (64 << 20)\n"
                                      "print('allocated', flush=True)\n"
                                      "while True: pass\n"},
                          .port_source = PortSource::kNone,
                          .probe = Probe::None(),
                          .log_file = dir.path() / "hungry.log",
                          .sample_interval = 50ms});
  service.Start();
  constexpr int64_t kAllocated = 64 << 20;
  ResourceSummary summary;
  for (int i = 0; i < 300; ++i) {  // at most ~15 s on a loaded machine
    summary = service.Resources();
    if (summary.peak_rss_bytes >= kAllocated && summary.cpu_seconds > 0.1) {
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_GE(summary.samples, 2);
  EXPECT_GE(summary.peak_rss_bytes, kAllocated);
  EXPECT_LT(summary.peak_rss_bytes, 4 * kAllocated);
  EXPECT_GT(summary.cpu_seconds, 0.1);
  // One busy thread cannot use more than a core (plus tick rounding).
  EXPECT_LE(summary.average_cpu_cores, 1.5);

  std::vector<ResourceSample> samples = service.ResourceSamples();
  for (size_t i = 1; i < samples.size(); ++i) {
    EXPECT_GT(samples[i].elapsed, samples[i - 1].elapsed);
    EXPECT_GE(samples[i].cpu_seconds, samples[i - 1].cpu_seconds);
  }
  service.Stop();
  // The series survives the stop, for the report.
  EXPECT_GE(service.Resources().samples, summary.samples);
}

TEST(ResourceSummaryTest, SummarizesPeakGrowthAndCpu) {
  std::vector<ResourceSample> samples = {
      {.elapsed = 0s, .rss_bytes = 100, .cpu_seconds = 1.0},
      {.elapsed = 1s, .rss_bytes = 300, .cpu_seconds = 1.5},
      {.elapsed = 2s, .rss_bytes = 200, .cpu_seconds = 2.0}};
  ResourceSummary summary = Summarize(samples);
  EXPECT_EQ(summary.samples, 3);
  EXPECT_EQ(summary.first_rss_bytes, 100);
  EXPECT_EQ(summary.last_rss_bytes, 200);
  EXPECT_EQ(summary.peak_rss_bytes, 300);
  EXPECT_EQ(summary.rss_growth_bytes, 100);
  EXPECT_DOUBLE_EQ(summary.cpu_seconds, 1.0);
  EXPECT_DOUBLE_EQ(summary.average_cpu_cores, 0.5);
  EXPECT_EQ(summary.watched, 2s);
  EXPECT_EQ(Summarize({}).samples, 0);
}

TEST(ResourceSamplerTest, ReadsThisProcess) {
  std::optional<ResourceSample> self = ReadProcessResources(getpid());
  ASSERT_TRUE(self.has_value());
  EXPECT_GT(self->rss_bytes, 1 << 20);
  // The counter is cumulative and tick-granular: reading /proc is work, so
  // it moves within a few ticks (bounded at 5 s on a loaded machine).
  std::optional<ResourceSample> later;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  do {
    later = ReadProcessResources(getpid());
  } while (later.has_value() && later->cpu_seconds <= self->cpu_seconds &&
           std::chrono::steady_clock::now() < deadline);
  ASSERT_TRUE(later.has_value());
  EXPECT_GT(later->cpu_seconds, self->cpu_seconds);
  EXPECT_FALSE(ReadProcessResources(0).has_value());
}

TEST(TailFileTest, ReturnsTheLastLines) {
  test_support::TempDir dir;
  std::string path = dir.WriteFile("log", "a\nb\nc\nd\n");
  EXPECT_EQ(TailFile(path, 2), "c\nd\n");
  EXPECT_EQ(TailFile(path, 10), "a\nb\nc\nd\n");
  EXPECT_EQ(TailFile(dir.WriteFile("partial", "a\nb\nc"), 2), "b\nc");
  EXPECT_EQ(TailFile(dir.path() / "missing", 5), "");
}

}  // namespace
}  // namespace loadgate::fixtures
