#ifndef SERVICES_MOCK_LLM_SERVER_H_
#define SERVICES_MOCK_LLM_SERVER_H_

#include <atomic>
#include <memory>
#include <string>

#include "common/http_server.h"
#include "mock_llm/config.h"
#include "mock_llm/journal.h"
#include "mock_llm/metrics.h"
#include "mock_llm/protocol.h"
#include "mock_llm/quota.h"

struct evhttp_request;

namespace loadgate::services::mock_llm {

struct Exchange;

// The mock LLM: routes the provider APIs, plans each response, and paces
// streams with timers on the worker's event loop (no thread per stream).
class MockLlmServer {
 public:
  MockLlmServer(Config config, services::HttpServerOptions http_options);
  ~MockLlmServer();
  MockLlmServer(const MockLlmServer&) = delete;
  MockLlmServer& operator=(const MockLlmServer&) = delete;

  Status Start();
  int port() const { return http_.port(); }
  void Wait() { http_.Wait(); }
  void Stop() { http_.Stop(); }

  std::shared_ptr<const Config> config() const { return config_.load(); }
  void SetConfig(Config config);
  Metrics& metrics() { return metrics_; }
  Journal& journal() { return journal_; }

 private:
  friend struct Exchange;
  void Handle(evhttp_request* request);
  // Both admin routes answer only loopback clients; true when refused.
  static bool RefuseRemoteAdmin(evhttp_request* request);
  void HandleAdmin(evhttp_request* request);
  void HandleJournal(evhttp_request* request);
  void HandleProvider(evhttp_request* request);

  // A generation or embeddings request that parsed, on its way in.
  struct Admission {
    const Route& route;
    const GenerationRequest& parsed;
    const RequestOverrides& overrides;
    int prompt_tokens;
    std::string api_key;  // the key its quota is charged to
    std::shared_ptr<const Config> config;
  };
  static std::string ApiKey(evhttp_request* request);
  void HandleEmbeddings(evhttp_request* request, const Admission& in);
  // Plans a generation, then refuses it (quota, injected error) or hands it
  // to an Exchange on the event loop.
  void StartGeneration(evhttp_request* request, const Admission& in);
  // Answers a request refused by its quota or by an injected error before
  // any response text; false when it may go on.
  bool RefuseBeforeStart(evhttp_request* request, const Route& route,
                         const QuotaLimiter::Decision& decision, Fault fault);
  static ResponseContext MakeResponseContext(evhttp_request* request,
                                             const Admission& in,
                                             const std::string& id);
  void SendError(evhttp_request* request, Api api, int status,
                 std::string_view message, std::string_view model);

  std::atomic<std::shared_ptr<const Config>> config_;
  Metrics metrics_;
  QuotaLimiter quotas_;
  Journal journal_;
  std::atomic<uint64_t> next_id_{1};
  services::HttpServer http_;
};

}  // namespace loadgate::services::mock_llm

#endif  // SERVICES_MOCK_LLM_SERVER_H_
