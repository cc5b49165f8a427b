#include "engine/test_identity.h"

#include <bit>
#include <cstdint>
#include <string_view>
#include <variant>

namespace loadgate::engine {
namespace {

// 64-bit FNV-1a over length-prefixed fields.
class Digest {
 public:
  Digest& Add(std::string_view text) {
    Add(static_cast<uint64_t>(text.size()));
    for (char c : text) Byte(static_cast<uint8_t>(c));
    return *this;
  }
  Digest& Add(uint64_t value) {
    for (int i = 0; i < 8; ++i) Byte(static_cast<uint8_t>(value >> (8 * i)));
    return *this;
  }
  Digest& Add(int64_t value) { return Add(static_cast<uint64_t>(value)); }
  Digest& Add(int value) { return Add(static_cast<uint64_t>(value)); }
  Digest& Add(double value) { return Add(std::bit_cast<uint64_t>(value)); }
  Digest& Add(std::chrono::nanoseconds value) { return Add(value.count()); }

  std::string Hex() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex(16, '0');
    for (int i = 0; i < 16; ++i) hex[15 - i] = kDigits[(hash_ >> (4 * i)) & 15];
    return hex;
  }

 private:
  void Byte(uint8_t byte) {
    hash_ ^= byte;
    hash_ *= 0x100000001b3ULL;
  }
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

void AddScenario(Digest& digest, const Scenario& scenario) {
  digest.Add(scenario.name).Add(scenario.base_url);
  digest.Add(static_cast<uint64_t>(scenario.flows.size()));
  for (const Flow& flow : scenario.flows) {
    digest.Add(flow.name).Add(flow.weight).Add(flow.metric);
    digest.Add(static_cast<uint64_t>(flow.steps.size()));
    for (const Step& step : flow.steps) {
      const Request& request = step.request;
      digest.Add(request.name).Add(request.method).Add(request.url);
      digest.Add(request.body).Add(request.weight);
    }
  }
  digest.Add(static_cast<uint64_t>(scenario.data.size()));
  for (const DataSet& data : scenario.data) {
    digest.Add(static_cast<uint64_t>(data.rows.size()));
    digest.Add(static_cast<int>(data.order));
  }
}

void AddModel(Digest& digest, const LoadModel& model) {
  if (const auto* open = std::get_if<OpenModel>(&model)) {
    digest.Add(std::string_view("open")).Add(open->rate);
    digest.Add(static_cast<int>(open->arrivals)).Add(open->max_in_flight);
    digest.Add(static_cast<uint64_t>(open->stages.size()));
    for (const Stage& stage : open->stages) {
      digest.Add(stage.duration).Add(stage.target_rps);
    }
    return;
  }
  const ClosedModel& closed = std::get<ClosedModel>(model);
  digest.Add(std::string_view("closed")).Add(closed.users);
  digest.Add(closed.spawn_rate).Add(closed.iterations_per_user);
  const ThinkTime& think = closed.think;
  digest.Add(static_cast<int>(think.kind)).Add(think.value).Add(think.mean);
  digest.Add(think.stddev).Add(think.min).Add(think.max);
}

}  // namespace

std::string TestIdentity(const Scenario& scenario, const LoadModel& model,
                         const RunOptions& options) {
  Digest digest;
  AddScenario(digest, scenario);
  AddModel(digest, model);
  digest.Add(options.duration).Add(options.max_requests);
  digest.Add(options.connections).Add(options.seed).Add(options.shard.count);
  return digest.Hex();
}

}  // namespace loadgate::engine
