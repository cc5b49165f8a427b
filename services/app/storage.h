#ifndef SERVICES_APP_STORAGE_H_
#define SERVICES_APP_STORAGE_H_

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/status.h"

// One storage interface, two implementations (SQLite, MongoDB) with the same
// observable behaviour. Every call blocks; the application runs them on its
// DB worker pool, never on an HTTP event-loop thread.
//
// Errors (see common/status.h): opening, preparing and connecting return a
// Status. A query is a dozen database calls that can each fail, so inside a
// backend a failure throws StorageError out of the StorageConnection call;
// the DbExecutor's job boundary (db_executor.h) catches it and hands the
// job's completion a DbOutcome. It never reaches an event loop.
namespace loadgate::services::app {

// A database failure. `busy` marks a transient condition (a lock held too
// long, a server not reachable) that the API reports as 503 rather than 500.
class StorageError : public std::runtime_error {
 public:
  StorageError(const std::string& what, bool busy = false)
      : std::runtime_error(what), busy_(busy) {}
  bool busy() const { return busy_; }

 private:
  bool busy_;
};

// A page of records in key order; `next` is the cursor of the following page
// (the key of the last item) or null when there are no more.
struct Page {
  nlohmann::json items = nlohmann::json::array();
  nlohmann::json next;  // null, a string (patients) or an integer (records)
};

// Filters of /encounters, /claims and /documents. Unset fields match all.
// Dates are YYYY-MM-DD and compare as text; `from` and `to` are inclusive.
struct RecordFilter {
  std::optional<std::string> mrn;
  std::optional<std::string> status;  // encounters, claims
  std::optional<std::string> type;    // encounter type or document kind
  std::optional<std::string> from;
  std::optional<std::string> to;
  int limit = 50;
  std::optional<int64_t> after_id;  // the cursor
};

enum class RecordKind { kEncounters, kClaims, kDocuments };
// Every kind, in the order a summary lists them.
inline constexpr RecordKind kRecordKinds[] = {
    RecordKind::kEncounters, RecordKind::kClaims, RecordKind::kDocuments};
// "encounters", "claims", "documents": the table, collection and JSON key.
const char* RecordKindName(RecordKind kind);

struct SessionEvent {
  int64_t offset = 0;
  std::string kind;
  std::string source;
  std::string message;
  std::string created_at;  // UTC, ISO 8601
};

struct SeedOptions {
  int64_t patients = 10000;
  uint64_t seed = 1;
};

struct SeedReport {
  bool seeded_now = false;  // false: the data set was already there
  int64_t patients = 0;
  int64_t rows = 0;  // every record written, patients included
  double seconds = 0;
};

// One connection; used by one thread at a time.
class StorageConnection {
 public:
  virtual ~StorageConnection() = default;

  virtual void Ping() = 0;
  virtual std::optional<nlohmann::json> GetPatient(const std::string& mrn) = 0;
  virtual Page ListPatients(int limit,
                            const std::optional<std::string>& after_mrn) = 0;
  // The patient with their encounters, claims and documents (most recent
  // first, at most `max_each` of each) and totals over all of them. Built
  // here from the backend's SummarizeKind().
  std::optional<nlohmann::json> GetSummary(const std::string& mrn,
                                           int max_each);
  virtual Page ListRecords(RecordKind kind, const RecordFilter& filter) = 0;

  // `mrn` is empty for a session not about a patient.
  virtual void CreateSession(const std::string& id, const std::string& mrn) = 0;
  // The session's patient MRN ("" for none), or nullopt for no session.
  virtual std::optional<std::string> FindSession(const std::string& id) = 0;
  // Stores the event durably (committed and synced) and returns its offset:
  // 0, 1, 2, ... per session. nullopt when the session does not exist.
  virtual std::optional<int64_t> AppendEvent(const std::string& session_id,
                                             const std::string& kind,
                                             const std::string& source,
                                             const std::string& message) = 0;
  // Events with offset >= min_offset in offset order (at most `limit`);
  // nullopt when the session does not exist.
  virtual std::optional<std::vector<SessionEvent>> ListEvents(
      const std::string& session_id, int64_t min_offset, int limit) = 0;

 protected:
  // One kind of record of a patient, as GetSummary shows it.
  struct KindSummary {
    // The `max_each` most recent (by date, then id, descending).
    nlohmann::json recent = nlohmann::json::array();
    int64_t total = 0;  // records of this kind in all
    // Claims only: cents billed, and claims still submitted or pending.
    int64_t billed_cents = 0;
    int64_t open_claims = 0;
  };
  virtual KindSummary SummarizeKind(RecordKind kind, const std::string& mrn,
                                    int max_each) = 0;
};

class Storage {
 public:
  virtual ~Storage() = default;
  virtual std::string backend() const = 0;  // "sqlite", "mongodb"
  // Creates the schema and, when the data set is missing, seeds it in one
  // go. A busy or unreachable database fails as Status::Unavailable.
  Result<SeedReport> Prepare(const SeedOptions& options);
  Result<std::unique_ptr<StorageConnection>> Connect();

 protected:
  // The backend's side of Prepare() and Connect(); they throw StorageError.
  virtual SeedReport PrepareOrThrow(const SeedOptions& options) = 0;
  virtual std::unique_ptr<StorageConnection> ConnectOrThrow() = 0;
};

// "sqlite:PATH" (or a bare path) or "mongodb://...". `pool_size` bounds the
// connections the backend opens. Fails on a bad spec.
Result<std::unique_ptr<Storage>> OpenStorage(const std::string& spec,
                                             int pool_size);

// The current UTC time as "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string UtcNow();

}  // namespace loadgate::services::app

#endif  // SERVICES_APP_STORAGE_H_
