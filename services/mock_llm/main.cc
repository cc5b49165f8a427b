// mock-llm: a Gemini / Vertex AI / OpenAI / Anthropic compatible mock LLM
// server for load tests. See services/mock_llm/README.md.
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "common/connection_guard.h"
#include "common/flags.h"
#include "mock_llm/config.h"
#include "mock_llm/server.h"

namespace mock_llm = loadgate::services::mock_llm;
namespace services = loadgate::services;

namespace {

using mock_llm::Config;
using mock_llm::Distribution;

// A constant delay or length flag.
services::FlagParser::Setter ConstantSetter(Distribution* target) {
  return [target](std::string_view value) {
    const std::optional<double> parsed = services::ParseDouble(value);
    if (!parsed || *parsed < 0)
      return services::Status::Error("must be a non-negative number");
    *target = Distribution::Constant(*parsed);
    return services::Status::Ok();
  };
}

// Everything the flags set.
struct Settings {
  Config config;
  mock_llm::ListenSettings listen;
  int64_t drain_ms = 5000;
  services::ReadTimeouts read_timeouts;
};

// The flags in the order --help lists them: where to listen, what responses
// look like, faults and quotas, then how the server treats connections.
void AddListenFlags(services::FlagParser* flags, Settings* settings) {
  flags->AddString("host", &settings->listen.host,
                   "address to bind (default 127.0.0.1)");
  flags->AddInt("port", &settings->listen.port,
                "port (default 8080; 0 picks a free one, printed on stdout)");
  flags->AddInt("threads", &settings->listen.threads,
                "event-loop threads (default: the number of cores)");
  flags->AddCustom(
      "config", "FILE",
      [settings](std::string_view value) {
        return mock_llm::LoadConfigFile(std::string(value), &settings->config,
                                        &settings->listen);
      },
      "JSON config file (see README)");
}

void AddResponseFlags(services::FlagParser* flags, Config* config) {
  flags->AddCustom("ttft-ms", "MS", ConstantSetter(&config->ttft_ms),
                   "constant time to first token (default: gaussian "
                   "mean 1000 sd 300 in [500, 2000])");
  flags->AddCustom(
      "itl-ms", "MS",
      [config](std::string_view value) {
        const std::optional<double> itl_ms = services::ParseDouble(value);
        if (!itl_ms || *itl_ms < 0)
          return services::Status::Error("must be a non-negative number");
        config->itl_ms = *itl_ms;
        config->tokens_per_second = 0;
        return services::Status::Ok();
      },
      "constant delay between tokens (default 50)");
  flags->AddDouble("tokens-per-second", &config->tokens_per_second,
                   "output rate; replaces --itl-ms");
  flags->AddCustom("output-tokens", "N", ConstantSetter(&config->output_tokens),
                   "constant output length (default: gaussian mean 64 sd 24)");
  flags->AddInt("tokens-per-chunk", &config->tokens_per_chunk,
                "tokens per stream chunk (default 1)");
  flags->AddCustom(
      "seed", "N",
      [config](std::string_view value) {
        const std::optional<int64_t> seed = services::ParseInt64(value);
        if (!seed || *seed < 0)
          return services::Status::Error("must be a non-negative integer");
        config->seed = static_cast<uint64_t>(*seed);
        return services::Status::Ok();
      },
      "seed for content and delays (default 0)");
  flags->AddCustom(
      "content", "MODE",
      [config](std::string_view value) {
        auto mode = mock_llm::ParseContentMode(value);
        if (!mode)
          return services::Status::Error("must be generate, echo or canned");
        config->content = *mode;
        return services::Status::Ok();
      },
      "generate (default), echo or canned");
  flags->AddCustom(
      "canned-file", "FILE",
      [config](std::string_view value) {
        auto canned = mock_llm::LoadCannedFile(std::string(value));
        if (!canned.ok()) return canned.status();
        config->canned = std::move(*canned);
        return services::Status::Ok();
      },
      "canned responses: a JSON array of strings or one per line");
}

void AddFaultAndQuotaFlags(services::FlagParser* flags, Config* config) {
  flags->AddCustom(
      "fault", "NAME=P",
      [config](std::string_view value) {
        const size_t eq = value.find('=');
        auto fault = mock_llm::ParseFault(value.substr(0, eq));
        // -1 (refused below) when there is no number.
        const double p =
            eq == std::string_view::npos
                ? -1
                : services::ParseDouble(value.substr(eq + 1)).value_or(-1);
        if (!fault || *fault == mock_llm::Fault::kNone || !(p >= 0 && p <= 1)) {
          return services::Status::Error(
              "expected NAME=P with NAME one of 429, 500, 503, hang, "
              "disconnect, stream-error, slow-headers and P in [0, 1]");
        }
        config->FaultProbability(*fault) = p;
        return services::Status::Ok();
      },
      "probability of a fault per request (repeatable)");
  flags->AddDouble("slow-headers-ms", &config->slow_headers_ms,
                   "delay of the slow-headers fault (default 2000)");
  flags->AddDouble("hang-ms", &config->hang_ms,
                   "a hang ends by closing after this (default 600000)");
  flags->AddInt("rpm", &config->requests_per_minute,
                "requests per minute per API key and model (0: no quota)");
  flags->AddInt("tpm", &config->tokens_per_minute,
                "tokens per minute per API key and model (0: no quota)");
  flags->AddInt("capacity", &config->capacity,
                "in-flight requests before latency grows (0: unlimited)");
  flags->AddDouble("capacity-exponent", &config->capacity_exponent,
                   "latency x (in_flight/capacity)^exponent (default 1)");
  flags->AddBool("sse-crlf", &config->sse_crlf, "end SSE lines with CRLF");
  flags->AddCustom(
      "journal", "N",
      [config](std::string_view value) {
        const std::optional<int64_t> entries = services::ParseInt64(value);
        if (!entries || *entries < 0 || *entries > mock_llm::kMaxJournalEntries)
          return services::Status::Error("must be an integer in [0, 100000]");
        config->journal = *entries;
        return services::Status::Ok();
      },
      "keep the last N generation exchanges for GET /admin/journal (0: off)");
  flags->AddCustom(
      "openai-role-content", "null|empty",
      [config](std::string_view value) {
        if (value != "null" && value != "empty")
          return services::Status::Error("must be null or empty");
        config->openai_role_content_null = value == "null";
        return services::Status::Ok();
      },
      "content of OpenAI's role-only first chunk (default empty)");
}

void AddConnectionFlags(services::FlagParser* flags, Settings* settings) {
  flags->AddInt("max-body-bytes", &settings->listen.max_body_bytes,
                "larger request bodies get 413 (default 4194304)");
  flags->AddInt("drain-ms", &settings->drain_ms,
                "on SIGTERM/SIGINT, wait this long for open requests");
  services::RegisterReadTimeoutFlags(flags, &settings->read_timeouts);
}

// Serves until SIGINT/SIGTERM; the exit code of the process.
int Serve(Settings settings) {
  services::HttpServerOptions options;
  options.host = settings.listen.host;
  options.port = settings.listen.port;
  options.threads = settings.listen.threads;
  options.max_body_bytes = static_cast<size_t>(settings.listen.max_body_bytes);
  options.drain_timeout = std::chrono::milliseconds(settings.drain_ms);
  options.read_timeouts = settings.read_timeouts;
  mock_llm::MockLlmServer server(std::move(settings.config), options);
  if (services::Status started = server.Start(); !started.ok()) {
    std::cerr << "mock-llm: " << started.message() << "\n";
    return 1;
  }
  // The first line is the contract with launchers and tests (--port 0).
  std::printf("listening on %s:%d\n", settings.listen.host.c_str(),
              server.port());
  std::fflush(stdout);
  server.Wait();
  std::fprintf(stderr, "mock-llm: stopped\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  settings.listen.threads =
      static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  services::FlagParser flags(
      "mock-llm: a mock Gemini / Vertex AI / OpenAI / Anthropic server for "
      "load tests.\nFlags apply in order; --config loads a JSON file at its "
      "place.");
  AddListenFlags(&flags, &settings);
  AddResponseFlags(&flags, &settings.config);
  AddFaultAndQuotaFlags(&flags, &settings.config);
  AddConnectionFlags(&flags, &settings);

  if (services::Status parsed = flags.Parse(argc, argv); !parsed.ok()) {
    std::cerr << "mock-llm: " << parsed.message() << "\n\n" << flags.Usage();
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  if (settings.config.content == mock_llm::ContentMode::kCanned &&
      settings.config.canned.empty()) {
    std::cerr << "mock-llm: --content canned needs --canned-file\n";
    return 2;
  }
  return Serve(std::move(settings));
}
