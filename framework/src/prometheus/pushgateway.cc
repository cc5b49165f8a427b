// The Pusher's thread: wakes every interval (or when a run ends), renders
// the groups that changed under the lock and sends them without it.
#include "prometheus/pushgateway.h"

#include <ostream>
#include <stdexcept>
#include <utility>
#include <vector>

#include "loadgate/format.h"
#include "loadgate/http_probe.h"

namespace loadgate::prometheus {
namespace {

using Clock = std::chrono::steady_clock;

// One exchange with the Pushgateway never takes longer, so a Pushgateway
// that went silent holds up shutdown by at most this per group.
constexpr std::chrono::milliseconds kExchangeTimeout{2000};

// RFC 4648 base64url with padding, as the Pushgateway decodes
// "label@base64" path segments; "=" for the empty value.
std::string Base64Url(std::string_view text) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  if (text.empty()) return "=";
  std::string encoded;
  for (size_t i = 0; i < text.size(); i += 3) {
    uint32_t group = static_cast<uint8_t>(text[i]) << 16;
    if (i + 1 < text.size()) group |= static_cast<uint8_t>(text[i + 1]) << 8;
    if (i + 2 < text.size()) group |= static_cast<uint8_t>(text[i + 2]);
    encoded += kDigits[(group >> 18) & 63];
    encoded += kDigits[(group >> 12) & 63];
    encoded += i + 1 < text.size() ? kDigits[(group >> 6) & 63] : '=';
    encoded += i + 2 < text.size() ? kDigits[group & 63] : '=';
  }
  return encoded;
}

std::string TrimmedUrl(std::string url) {
  while (url.ends_with('/')) url.pop_back();
  return url;
}

}  // namespace

std::string GroupPath(std::string_view scenario, std::string_view shard) {
  std::string path =
      "/metrics/job/loadgate/scenario@base64/" + Base64Url(scenario);
  if (!shard.empty()) path += "/shard@base64/" + Base64Url(shard);
  return path;
}

Pusher::Pusher(PushOptions options, std::ostream& log)
    : options_([&options] {
        options.url = TrimmedUrl(std::move(options.url));
        return std::move(options);
      }()),
      log_(log),
      exposition_(ExpositionOptions{.shard = options_.shard}) {
  if (!options_.url.starts_with("http://") ||
      options_.url.size() == std::string_view("http://").size()) {
    throw std::invalid_argument(
        "pushgateway: \"" + options_.url +
        "\": expected an http:// URL such as http://127.0.0.1:9091");
  }
  if (options_.interval.count() <= 0) {
    throw std::invalid_argument("pushgateway: the push interval must be > 0");
  }
  thread_ = std::thread([this] { Loop(); });
}

Pusher::~Pusher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void Pusher::BeginRun(const std::string& scenario, const LoadModel& model) {
  std::lock_guard lock(mutex_);
  if (open_run_) dirty_.insert(*open_run_);
  exposition_.BeginRun(scenario, model);
  open_run_ = scenario;
  dirty_.insert(scenario);
}

void Pusher::Publish(const Progress& progress) {
  const RunFigures so_far = FiguresOf(progress);  // outside the lock
  std::lock_guard lock(mutex_);
  if (!open_run_) return;
  exposition_.Update(progress, so_far);
  dirty_.insert(*open_run_);
}

void Pusher::EndRun(const RunReport& report) {
  RunFigures figures = FiguresOf(report);  // outside the lock
  {
    std::lock_guard lock(mutex_);
    if (!open_run_) return;
    exposition_.EndRun(figures);
    dirty_.insert(*open_run_);
    open_run_.reset();
    push_now_ = true;
  }
  wake_.notify_one();
}

void Pusher::AbortRun() {
  {
    std::lock_guard lock(mutex_);
    if (!open_run_) return;
    exposition_.AbortRun();
    dirty_.insert(*open_run_);
    open_run_.reset();
    push_now_ = true;
  }
  wake_.notify_one();
}

std::function<void(const Progress&)> Pusher::ProgressCallback(
    std::function<void(const Progress&)> next) {
  return [this, next = std::move(next)](const Progress& progress) {
    Publish(progress);
    if (next) next(progress);
  };
}

uint64_t Pusher::successes() const {
  std::lock_guard lock(mutex_);
  return successes_;
}

uint64_t Pusher::failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

void Pusher::Loop() {
  std::unique_lock lock(mutex_);
  Clock::time_point next = Clock::now() + options_.interval;
  while (!stopping_) {
    wake_.wait_until(lock, next, [this] { return stopping_ || push_now_; });
    if (stopping_) break;
    if (push_now_ || Clock::now() >= next) {
      push_now_ = false;
      Push(lock);
      next = Clock::now() + options_.interval;
    }
  }
  Push(lock);
  if (options_.delete_at_end) DeleteGroups(lock);
}

void Pusher::Push(std::unique_lock<std::mutex>& lock) {
  std::vector<std::pair<std::string, std::string>> groups;
  for (const std::string& scenario : dirty_) {
    groups.emplace_back(scenario, exposition_.Render(Format::kText, scenario));
  }
  dirty_.clear();
  lock.unlock();
  std::vector<std::pair<std::string, bool>> results;
  for (const auto& [scenario, body] : groups) {
    results.emplace_back(
        scenario, Exchange("PUT", GroupPath(scenario, options_.shard), body));
  }
  lock.lock();
  for (const auto& [scenario, ok] : results) {
    if (ok) {
      pushed_.insert(scenario);
    } else {
      dirty_.insert(scenario);  // retried at the next interval
    }
  }
}

void Pusher::DeleteGroups(std::unique_lock<std::mutex>& lock) {
  const std::set<std::string> groups = std::move(pushed_);
  pushed_.clear();
  lock.unlock();
  for (const std::string& scenario : groups) {
    Exchange("DELETE", GroupPath(scenario, options_.shard), "");
  }
  lock.lock();
}

bool Pusher::Exchange(std::string_view method, const std::string& path,
                      const std::string& body) {
  const HttpProbeResult result =
      HttpFetch(method, options_.url + path, body, ContentType(Format::kText),
                kExchangeTimeout);
  {
    std::lock_guard lock(mutex_);
    ++(result.ok() ? successes_ : failures_);
  }
  if (result.ok()) {
    if (failing_) {
      log_ << "loadgate: pushgateway " << options_.url << ": pushing again"
           << std::endl;
    }
    failing_ = false;
    return true;
  }
  if (!failing_) {
    const std::string why = !result.error.empty()
                                ? result.error
                                : "HTTP " + std::to_string(result.status) +
                                      ": " + result.body.substr(0, 200);
    log_ << "loadgate: pushgateway " << options_.url << ": " << method
         << " failed (" << why << "); retrying every "
         << FormatDuration(options_.interval) << ", the run goes on"
         << std::endl;
  }
  failing_ = true;
  return false;
}

}  // namespace loadgate::prometheus
