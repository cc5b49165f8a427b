#ifndef SERVICES_MOCK_LLM_CONFIG_H_
#define SERVICES_MOCK_LLM_CONFIG_H_

#include <array>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "mock_llm/random.h"

namespace loadgate::services::mock_llm {

// A one-dimensional distribution of a delay (ms) or a length (tokens).
struct Distribution {
  enum class Kind { kConstant, kUniform, kGaussian };
  Kind kind = Kind::kConstant;
  double mean = 0;    // constant value, or the gaussian mean
  double stddev = 0;  // gaussian only
  double min = 0;     // uniform range / gaussian clamp
  double max = 0;

  static Distribution Constant(double value);
  static Distribution Uniform(double min, double max);
  static Distribution Gaussian(double mean, double stddev, double min,
                               double max);
  double Sample(Rng& rng) const;
};

// Faults, each drawn with its own probability per request.
enum class Fault {
  kNone,
  kRateLimit,    // 429 with Retry-After and a provider-shaped body
  kServerError,  // 500
  kUnavailable,  // 503
  kHang,         // accept the request, never answer
  kDisconnect,   // close the connection in the middle of a stream
  kStreamError,  // an error event in the middle of a stream
  kSlowHeaders,  // hold the response headers back for slow_headers_ms
};
inline constexpr int kFaultKinds = 7;  // excluding kNone
// "429", "500", "503", "hang", "disconnect", "stream-error", "slow-headers",
// "none".
std::optional<Fault> ParseFault(std::string_view name);
std::string_view FaultName(Fault fault);

enum class ContentMode { kGenerate, kEcho, kCanned };
std::optional<ContentMode> ParseContentMode(std::string_view name);
std::string_view ContentModeName(ContentMode mode);

inline constexpr int64_t kMaxJournalEntries = 100000;

// Everything that shapes the mock's behaviour. Immutable once published:
// POST /admin/config builds a new one and swaps it in.
struct Config {
  Distribution ttft_ms = Distribution::Gaussian(1000, 300, 500, 2000);
  double itl_ms = 50;            // delay between tokens
  double tokens_per_second = 0;  // when > 0, replaces itl_ms
  Distribution output_tokens = Distribution::Gaussian(64, 24, 1, 512);
  int tokens_per_chunk = 1;
  // Capacity model: past `capacity` requests in flight (0 = unlimited), TTFT
  // and inter-token delay grow by (in_flight / capacity)^capacity_exponent,
  // the way a saturated inference server shares its throughput.
  int64_t capacity = 0;
  double capacity_exponent = 1.0;

  uint64_t seed = 0;
  ContentMode content = ContentMode::kGenerate;
  std::vector<std::string> canned;  // used by ContentMode::kCanned

  // Probability of each fault, indexed by Fault - 1.
  std::array<double, kFaultKinds> fault_probability{};
  double slow_headers_ms = 2000;
  double hang_ms = 600000;         // a hang ends by itself after this
  double fault_at_fraction = 0.5;  // where mid-stream faults strike

  // Depleting quotas per API key and model (0 = unlimited).
  int64_t requests_per_minute = 0;
  int64_t tokens_per_minute = 0;

  bool sse_crlf = false;                  // "\r\n" line ends in SSE
  bool openai_role_content_null = false;  // role-only chunk: null vs ""
  int embedding_dimensions = 256;
  // How many finished generation exchanges GET /admin/journal keeps (0:
  // none, at most kMaxJournalEntries).
  int64_t journal = 0;
  std::vector<std::string> models = {
      "gemini-2.0-flash",      "gemini-2.5-flash", "gemini-2.5-pro",
      "gpt-4o-mini",           "gpt-4o",           "claude-sonnet-4-5",
      "text-embedding-3-small"};

  double FaultProbability(Fault fault) const {
    return fault_probability[static_cast<int>(fault) - 1];
  }
  double& FaultProbability(Fault fault) {
    return fault_probability[static_cast<int>(fault) - 1];
  }
  double EffectiveItlMs() const {
    return tokens_per_second > 0 ? 1000.0 / tokens_per_second : itl_ms;
  }
};

// Applies the keys present in `json` on top of `config` (a partial update, as
// in a config file or POST /admin/config). Unknown keys and bad values are
// errors and leave `config` unchanged.
Status ApplyJson(const nlohmann::json& json, Config* config);
// Where and how the server listens; read from a config file at start only.
struct ListenSettings {
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 1;
  int64_t max_body_bytes = 4 << 20;
};
// A config file is Config's JSON plus the ListenSettings keys (host, port,
// threads, max_body_bytes).
Status LoadConfigFile(const std::string& path, Config* config,
                      ListenSettings* listen);
// Canned responses: a JSON array of strings, or else one response per line.
Result<std::vector<std::string>> LoadCannedFile(const std::string& path);
nlohmann::json ToJson(const Config& config);

// Per-request overrides from x-mock-llm-* headers.
struct RequestOverrides {
  std::optional<double> ttft_ms;
  std::optional<double> itl_ms;
  std::optional<int> output_tokens;
  std::optional<Fault> fault;
  std::optional<int> fault_after_chunks;
  std::optional<uint64_t> seed;
  std::optional<ContentMode> content;
  std::optional<bool> sse_crlf;
  std::optional<double> slow_headers_ms;
};

}  // namespace loadgate::services::mock_llm

#endif  // SERVICES_MOCK_LLM_CONFIG_H_
