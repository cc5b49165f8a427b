// The sample application's settings: defaults, environment (LLM_*), flags,
// and their validation.
#ifndef SERVICES_APP_APP_OPTIONS_H_
#define SERVICES_APP_APP_OPTIONS_H_

#include <chrono>
#include <string>

#include "app/llm_client.h"
#include "app/storage.h"
#include "common/connection_guard.h"
#include "common/flags.h"
#include "common/status.h"

namespace loadgate::services::app {

struct AppOptions {
  std::string host = "127.0.0.1";
  int port = 8000;  // 0 picks a free port
  int threads = 2;
  std::string db = "sqlite:sample-app.db";
  std::string llm_url = "http://127.0.0.1:8080";
  LlmSettings llm;  // api, model, key, timeout; host/port from llm_url
  SeedOptions seed;
  int db_pool = 8;
  std::chrono::milliseconds db_wait{1000};
  services::ReadTimeouts read_timeouts;
  bool handle_signals = true;  // false when embedded in a test
};

// Defaults from LLM_URL, LLM_API, LLM_MODEL and LLM_API_KEY, then the flags
// (which win). FinishOptions validates and fills options->llm from llm_url.
void ApplyEnvironment(AppOptions* options);
void RegisterFlags(services::FlagParser* parser, AppOptions* options);
Status FinishOptions(AppOptions* options);

}  // namespace loadgate::services::app

#endif  // SERVICES_APP_APP_OPTIONS_H_
