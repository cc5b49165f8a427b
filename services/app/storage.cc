#include "app/storage.h"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "app/mongo_storage.h"
#include "app/sqlite_storage.h"

namespace loadgate::services::app {

namespace {

// Runs a backend call, turning the StorageError it may throw into a Status.
template <typename Call>
auto Guarded(Call call) -> Result<decltype(call())> {
  try {
    return call();
  } catch (const StorageError& error) {
    return error.busy() ? Status::Unavailable(error.what())
                        : Status::Error(error.what());
  }
}

}  // namespace

const char* RecordKindName(RecordKind kind) {
  switch (kind) {
    case RecordKind::kEncounters:
      return "encounters";
    case RecordKind::kClaims:
      return "claims";
    case RecordKind::kDocuments:
      break;
  }
  return "documents";
}

std::optional<nlohmann::json> StorageConnection::GetSummary(
    const std::string& mrn, int max_each) {
  std::optional<nlohmann::json> patient = GetPatient(mrn);
  if (!patient) return std::nullopt;
  nlohmann::json summary = {{"patient", std::move(*patient)}};
  nlohmann::json totals = nlohmann::json::object();
  for (RecordKind kind : kRecordKinds) {
    KindSummary part = SummarizeKind(kind, mrn, max_each);
    totals[RecordKindName(kind)] = part.total;
    if (kind == RecordKind::kClaims) {
      totals["billed_cents"] = part.billed_cents;
      totals["open_claims"] = part.open_claims;
    }
    summary[RecordKindName(kind)] = std::move(part.recent);
  }
  summary["totals"] = std::move(totals);
  return summary;
}

Result<SeedReport> Storage::Prepare(const SeedOptions& options) {
  return Guarded([&] { return PrepareOrThrow(options); });
}

Result<std::unique_ptr<StorageConnection>> Storage::Connect() {
  return Guarded([&] { return ConnectOrThrow(); });
}

Result<std::unique_ptr<Storage>> OpenStorage(const std::string& spec,
                                             int pool_size) {
  if (spec.starts_with("mongodb://") || spec.starts_with("mongodb+srv://")) {
    return Guarded([&]() -> std::unique_ptr<Storage> {
      return std::make_unique<MongoStorage>(spec, pool_size);
    });
  }
  std::string path = spec.starts_with("sqlite:") ? spec.substr(7) : spec;
  if (path.empty()) return Status::Error("--db sqlite: needs a file path");
  return std::unique_ptr<Storage>(
      std::make_unique<SqliteStorage>(std::move(path)));
}

std::string UtcNow() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                          now.time_since_epoch())
                          .count() %
                      1000;
  std::tm utc;
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  return text;
}

}  // namespace loadgate::services::app
