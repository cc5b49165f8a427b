// sample-app: the system under test of the loadgate suites. See README.md.
#include <cstdio>
#include <memory>
#include <string>

#include "app/app_server.h"
#include "common/flags.h"

namespace app = loadgate::services::app;
namespace services = loadgate::services;

int main(int argc, char** argv) {
  app::AppOptions options;
  app::ApplyEnvironment(&options);
  services::FlagParser parser(
      "sample-app: a patient-records DB API and an LLM-backed chat API");
  app::RegisterFlags(&parser, &options);
  if (services::Status parsed = parser.Parse(argc, argv); !parsed.ok()) {
    std::fprintf(stderr, "%s\n\n%s", parsed.message().c_str(),
                 parser.Usage().c_str());
    return 2;
  }
  if (parser.help_requested()) {
    std::printf("%s", parser.Usage().c_str());
    return 0;
  }
  if (services::Status finished = app::FinishOptions(&options);
      !finished.ok()) {
    std::fprintf(stderr, "%s\n", finished.message().c_str());
    return 2;
  }
  services::Result<std::unique_ptr<app::Storage>> storage =
      app::OpenStorage(options.db, options.db_pool);
  if (!storage.ok()) {
    std::fprintf(stderr, "%s\n", storage.error().c_str());
    return 2;
  }
  const std::string host = options.host;
  app::AppServer server(std::move(options), std::move(*storage));
  if (services::Status started = server.Start(); !started.ok()) {
    std::fprintf(stderr, "cannot start: %s\n", started.message().c_str());
    return 1;
  }
  // The first stdout line is the contract with launchers (--port 0).
  std::printf("listening on %s:%d\n", host.c_str(), server.port());
  std::fflush(stdout);
  const app::SeedReport& seed = server.seed_report();
  if (seed.seeded_now) {
    std::fprintf(stderr, "seeded %lld patients (%lld rows) in %.3f s\n",
                 static_cast<long long>(seed.patients),
                 static_cast<long long>(seed.rows), seed.seconds);
  } else {
    std::fprintf(stderr, "using the existing data set (%lld patients)\n",
                 static_cast<long long>(seed.patients));
  }
  server.Wait();
  return 0;
}
