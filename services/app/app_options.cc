#include "app/app_options.h"

#include <cstdlib>
#include <optional>
#include <string_view>

namespace loadgate::services::app {
namespace {

// "30", "2.5s" or "500ms"; nullopt unless positive.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  double scale = 1000;
  if (text.ends_with("ms")) {
    scale = 1;
    text.remove_suffix(2);
  } else if (text.ends_with("s")) {
    text.remove_suffix(1);
  }
  const std::optional<double> number = ParseDouble(text);
  if (!number || *number <= 0) return std::nullopt;
  const std::chrono::milliseconds value(static_cast<int64_t>(*number * scale));
  if (value.count() <= 0) return std::nullopt;
  return value;
}

}  // namespace

void ApplyEnvironment(AppOptions* options) {
  if (const char* url = std::getenv("LLM_URL")) options->llm_url = url;
  if (const char* api = std::getenv("LLM_API")) {
    if (auto parsed = ParseLlmApi(api)) options->llm.api = *parsed;
  }
  if (const char* model = std::getenv("LLM_MODEL")) options->llm.model = model;
  if (const char* key = std::getenv("LLM_API_KEY")) options->llm.api_key = key;
}

void RegisterFlags(services::FlagParser* parser, AppOptions* options) {
  parser->AddString("host", &options->host, "address to listen on");
  parser->AddInt("port", &options->port,
                 "port to listen on; 0 picks a free one (printed)");
  parser->AddInt("threads", &options->threads, "HTTP event-loop threads");
  parser->AddString("db", &options->db,
                    "sqlite:PATH or mongodb://HOST[:PORT]/DATABASE");
  parser->AddInt("db-pool", &options->db_pool,
                 "database connections (and DB worker threads)");
  parser->AddCustom(
      "db-wait-ms", "MS",
      [options](std::string_view value) {
        const std::optional<int64_t> ms = ParseInt64(value);
        if (!ms || *ms <= 0)
          return Status::Error("must be a positive number of milliseconds");
        options->db_wait = std::chrono::milliseconds(*ms);
        return Status::Ok();
      },
      "longest wait for a free DB connection before 503");
  parser->AddString("llm-url", &options->llm_url,
                    "LLM base URL, http://HOST:PORT[/PREFIX] (env LLM_URL)");
  parser->AddCustom(
      "llm-api", "gemini|openai",
      [options](std::string_view value) {
        auto api = ParseLlmApi(value);
        if (!api) return Status::Error("must be gemini or openai");
        options->llm.api = *api;
        return Status::Ok();
      },
      "LLM protocol (env LLM_API)");
  parser->AddString("llm-model", &options->llm.model,
                    "model name (env LLM_MODEL)");
  parser->AddString("llm-api-key", &options->llm.api_key,
                    "API key sent to the LLM (env LLM_API_KEY)");
  parser->AddCustom(
      "llm-timeout", "DURATION",
      [options](std::string_view value) {
        const std::optional<std::chrono::milliseconds> timeout =
            ParseDuration(value);
        if (!timeout)
          return Status::Error(
              "must be a positive duration: 30, 2.5s or 500ms");
        options->llm.timeout = *timeout;
        return Status::Ok();
      },
      "bound of one LLM call (seconds, or with s/ms)");
  services::RegisterReadTimeoutFlags(parser, &options->read_timeouts);
  parser->AddInt("patients", &options->seed.patients,
                 "patients in the seeded data set");
  parser->AddCustom(
      "seed", "N",
      [options](std::string_view value) {
        const std::optional<int64_t> seed = ParseInt64(value);
        if (!seed || *seed < 0)
          return Status::Error("must be a non-negative integer");
        options->seed.seed = static_cast<uint64_t>(*seed);
        return Status::Ok();
      },
      "seed of the generated data set");
}

Status FinishOptions(AppOptions* options) {
  if (options->seed.patients < 0)
    return Status::Error("--patients must not be negative");
  if (options->db_pool < 1 || options->threads < 1)
    return Status::Error("--db-pool and --threads must be at least 1");
  return ParseLlmUrl(options->llm_url, &options->llm);
}

}  // namespace loadgate::services::app
