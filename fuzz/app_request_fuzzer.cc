// The sample app's routing, query strings and JSON bodies, as any client on
// the network may send them. The app's handlers only run on a libevent
// request, so the app runs in this process as it does in production (a
// SQLite data set in a private folder, one HTTP thread on 127.0.0.1) and
// each input is sent as the raw bytes of a request on a new connection. A
// handler that throws or crashes ends the process, which the fuzzer reports.
// The app's LLM is a closed port on 127.0.0.1: LLM calls fail fast as 502.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "app/app_server.h"
#include "fuzz_support.h"
#include "http/response_parser.h"

namespace app = loadgate::services::app;

namespace {

using Clock = std::chrono::steady_clock;

// Set up once per process; removed at exit.
std::filesystem::path data_folder;
app::AppServer* server = nullptr;

void RemoveDataFolder() {
  std::error_code ignored;
  std::filesystem::remove_all(data_folder, ignored);
}

void StartApp() {
  // Under $TMPDIR: fuzz/run.sh points it into the build directory, so a
  // run that crashes leaves nothing behind in /tmp.
  std::string folder =
      (std::filesystem::temp_directory_path() / "loadgate-fuzz-app-XXXXXX")
          .string();
  if (mkdtemp(folder.data()) == nullptr) {
    std::perror("mkdtemp");
    std::abort();
  }
  data_folder = folder;
  std::atexit(RemoveDataFolder);
  app::AppOptions options;
  options.port = 0;
  options.threads = 1;
  options.db = "sqlite:" + (data_folder / "app.db").string();
  options.llm_url = "http://127.0.0.1:1";
  options.seed.patients = 20;  // MRN00000001 .. MRN00000020
  options.db_pool = 2;
  options.handle_signals = false;
  if (auto finished = app::FinishOptions(&options); !finished.ok()) {
    std::fprintf(stderr, "app options: %s\n", finished.message().c_str());
    std::abort();
  }
  auto storage = app::OpenStorage(options.db, options.db_pool);
  if (!storage.ok()) {
    std::fprintf(stderr, "app storage: %s\n", storage.error().c_str());
    std::abort();
  }
  server = new app::AppServer(std::move(options), std::move(*storage));
  if (auto started = server->Start(); !started.ok()) {
    std::fprintf(stderr, "app start: %s\n", started.message().c_str());
    std::abort();
  }
}

// Reads what the app answers until one whole response, the app closing the
// connection, or `deadline`. Returns false only at the deadline.
bool ReadAnswer(int fd, Clock::time_point deadline) {
  loadgate::http::ResponseParser parser;
  char buffer[16384];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd readable{fd, POLLIN, 0};
    const int ready = poll(&readable, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;  // libFuzzer's timer signal
    if (ready <= 0) return false;
    const ssize_t got = read(fd, buffer, sizeof(buffer));
    if (got <= 0) return true;  // closed (or reset) by the app
    size_t consumed = 0;
    if (parser.Feed(std::string_view(buffer, static_cast<size_t>(got)),
                    &consumed, nullptr) !=
        loadgate::http::ResponseParser::Status::kIncomplete) {
      return true;
    }
  }
}

// Connects `fd` to the app. libFuzzer's timeout timer (SIGALRM) can
// interrupt a blocking connect on a busy machine; the connection then goes
// on in the background, so an interrupted connect is waited for, not
// taken for a dead app.
bool ConnectToApp(int fd) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(server->port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) ==
      0) {
    return true;
  }
  if (errno != EINTR) return false;
  pollfd writable{fd, POLLOUT, 0};
  int ready = 0;
  do {
    ready = poll(&writable, 1, 5000);
  } while (ready < 0 && errno == EINTR);
  int error = 0;
  socklen_t length = sizeof(error);
  if (ready <= 0 ||
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
    return false;
  }
  errno = error;
  return error == 0;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  StartApp();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view request = loadgate::fuzz::AsText(data, size);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) std::abort();
  if (!ConnectToApp(fd)) {
    std::perror("connect to the app");
    std::abort();
  }
  // A write may fail once the app has answered and closed: not an error.
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n =
        send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  // Without a complete head the app can only wait for more: end the request
  // at once. With one, give the app time to answer before ending it (the
  // app drops a request whose client has gone, before its reply is made).
  const bool has_head = request.find("\n\r\n") != std::string_view::npos ||
                        request.find("\n\n") != std::string_view::npos;
  const auto start = Clock::now();
  if (!has_head || !ReadAnswer(fd, start + std::chrono::milliseconds(300))) {
    shutdown(fd, SHUT_WR);
    ReadAnswer(fd, start + std::chrono::seconds(5));
  }
  close(fd);
  return 0;
}
