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

}  // namespace

int main(int argc, char** argv) {
  Config config;
  mock_llm::ListenSettings listen;
  listen.threads =
      static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int64_t drain_ms = 5000;

  services::FlagParser flags(
      "mock-llm: a mock Gemini / Vertex AI / OpenAI / Anthropic server for "
      "load tests.\nFlags apply in order; --config loads a JSON file at its "
      "place.");
  flags.AddString("host", &listen.host, "address to bind (default 127.0.0.1)");
  flags.AddInt("port", &listen.port,
               "port (default 8080; 0 picks a free one, printed on stdout)");
  flags.AddInt("threads", &listen.threads,
               "event-loop threads (default: the number of cores)");
  flags.AddCustom(
      "config", "FILE",
      [&](std::string_view value) {
        return mock_llm::LoadConfigFile(std::string(value), &config, &listen);
      },
      "JSON config file (see README)");
  flags.AddCustom("ttft-ms", "MS", ConstantSetter(&config.ttft_ms),
                  "constant time to first token (default: gaussian "
                  "mean 1000 sd 300 in [500, 2000])");
  flags.AddCustom(
      "itl-ms", "MS",
      [&](std::string_view value) {
        const std::optional<double> itl_ms = services::ParseDouble(value);
        if (!itl_ms || *itl_ms < 0)
          return services::Status::Error("must be a non-negative number");
        config.itl_ms = *itl_ms;
        config.tokens_per_second = 0;
        return services::Status::Ok();
      },
      "constant delay between tokens (default 50)");
  flags.AddDouble("tokens-per-second", &config.tokens_per_second,
                  "output rate; replaces --itl-ms");
  flags.AddCustom("output-tokens", "N", ConstantSetter(&config.output_tokens),
                  "constant output length (default: gaussian mean 64 sd 24)");
  flags.AddInt("tokens-per-chunk", &config.tokens_per_chunk,
               "tokens per stream chunk (default 1)");
  flags.AddCustom(
      "seed", "N",
      [&](std::string_view value) {
        const std::optional<int64_t> seed = services::ParseInt64(value);
        if (!seed || *seed < 0)
          return services::Status::Error("must be a non-negative integer");
        config.seed = static_cast<uint64_t>(*seed);
        return services::Status::Ok();
      },
      "seed for content and delays (default 0)");
  flags.AddCustom(
      "content", "MODE",
      [&](std::string_view value) {
        auto mode = mock_llm::ParseContentMode(value);
        if (!mode)
          return services::Status::Error("must be generate, echo or canned");
        config.content = *mode;
        return services::Status::Ok();
      },
      "generate (default), echo or canned");
  flags.AddCustom(
      "canned-file", "FILE",
      [&](std::string_view value) {
        auto canned = mock_llm::LoadCannedFile(std::string(value));
        if (!canned.ok()) return canned.status();
        config.canned = std::move(*canned);
        return services::Status::Ok();
      },
      "canned responses: a JSON array of strings or one per line");
  flags.AddCustom(
      "fault", "NAME=P",
      [&](std::string_view value) {
        const size_t eq = value.find('=');
        auto fault = mock_llm::ParseFault(value.substr(0, eq));
        // -1 (refused below) when there is no number.
        const double p =
            eq == std::string_view::npos
                ? -1
                : services::ParseDouble(value.substr(eq + 1)).value_or(-1);
        if (!fault || *fault == mock_llm::Fault::kNone || p < 0 || p > 1) {
          return services::Status::Error(
              "expected NAME=P with NAME one of 429, 500, 503, hang, "
              "disconnect, stream-error, slow-headers and P in [0, 1]");
        }
        config.FaultProbability(*fault) = p;
        return services::Status::Ok();
      },
      "probability of a fault per request (repeatable)");
  flags.AddDouble("slow-headers-ms", &config.slow_headers_ms,
                  "delay of the slow-headers fault (default 2000)");
  flags.AddDouble("hang-ms", &config.hang_ms,
                  "a hang ends by closing after this (default 600000)");
  flags.AddInt("rpm", &config.requests_per_minute,
               "requests per minute per API key and model (0: no quota)");
  flags.AddInt("tpm", &config.tokens_per_minute,
               "tokens per minute per API key and model (0: no quota)");
  flags.AddInt("capacity", &config.capacity,
               "in-flight requests before latency grows (0: unlimited)");
  flags.AddDouble("capacity-exponent", &config.capacity_exponent,
                  "latency x (in_flight/capacity)^exponent (default 1)");
  flags.AddBool("sse-crlf", &config.sse_crlf, "end SSE lines with CRLF");
  flags.AddCustom(
      "openai-role-content", "null|empty",
      [&](std::string_view value) {
        if (value != "null" && value != "empty")
          return services::Status::Error("must be null or empty");
        config.openai_role_content_null = value == "null";
        return services::Status::Ok();
      },
      "content of OpenAI's role-only first chunk (default empty)");
  flags.AddInt("max-body-bytes", &listen.max_body_bytes,
               "larger request bodies get 413 (default 4194304)");
  flags.AddInt("drain-ms", &drain_ms,
               "on SIGTERM/SIGINT, wait this long for open requests");
  services::ReadTimeouts read_timeouts;
  services::RegisterReadTimeoutFlags(&flags, &read_timeouts);

  if (services::Status parsed = flags.Parse(argc, argv); !parsed.ok()) {
    std::cerr << "mock-llm: " << parsed.message() << "\n\n" << flags.Usage();
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  if (config.content == mock_llm::ContentMode::kCanned &&
      config.canned.empty()) {
    std::cerr << "mock-llm: --content canned needs --canned-file\n";
    return 2;
  }

  services::HttpServerOptions options;
  options.host = listen.host;
  options.port = listen.port;
  options.threads = listen.threads;
  options.max_body_bytes = static_cast<size_t>(listen.max_body_bytes);
  options.drain_timeout = std::chrono::milliseconds(drain_ms);
  options.read_timeouts = read_timeouts;
  mock_llm::MockLlmServer server(std::move(config), options);
  if (services::Status started = server.Start(); !started.ok()) {
    std::cerr << "mock-llm: " << started.message() << "\n";
    return 1;
  }
  // The first line is the contract with launchers and tests (--port 0).
  std::printf("listening on %s:%d\n", listen.host.c_str(), server.port());
  std::fflush(stdout);
  server.Wait();
  std::fprintf(stderr, "mock-llm: stopped\n");
  return 0;
}
