#ifndef SERVICES_MOCK_LLM_SERVER_H_
#define SERVICES_MOCK_LLM_SERVER_H_

#include <atomic>
#include <memory>
#include <string>

#include "common/http_server.h"
#include "mock_llm/config.h"
#include "mock_llm/metrics.h"
#include "mock_llm/protocol.h"
#include "mock_llm/quota.h"

struct evhttp_request;

namespace mock_llm {

struct Exchange;

// The mock LLM: routes the provider APIs, plans each response, and paces
// streams with timers on the worker's event loop (no thread per stream).
class MockLlmServer {
 public:
  MockLlmServer(Config config, services::HttpServerOptions http_options);
  ~MockLlmServer();
  MockLlmServer(const MockLlmServer&) = delete;
  MockLlmServer& operator=(const MockLlmServer&) = delete;

  bool Start(std::string* error);
  int port() const { return http_.port(); }
  void Wait() { http_.Wait(); }
  void Stop() { http_.Stop(); }

  std::shared_ptr<const Config> config() const { return config_.load(); }
  void SetConfig(Config config);
  Metrics& metrics() { return metrics_; }

 private:
  friend struct Exchange;
  void Handle(evhttp_request* request);
  void HandleAdmin(evhttp_request* request);
  void HandleProvider(evhttp_request* request);
  void SendError(evhttp_request* request, Api api, int status,
                 std::string_view message, std::string_view model);

  std::atomic<std::shared_ptr<const Config>> config_;
  Metrics metrics_;
  QuotaLimiter quotas_;
  std::atomic<uint64_t> next_id_{1};
  services::HttpServer http_;
};

}  // namespace mock_llm

#endif  // SERVICES_MOCK_LLM_SERVER_H_
