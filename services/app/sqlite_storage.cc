#include "app/sqlite_storage.h"

#include <sqlite3.h>

#include <chrono>
#include <unordered_map>
#include <utility>

#include "app/dataset.h"

namespace loadgate::services::app {
namespace {

using nlohmann::json;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS patients(
  mrn TEXT PRIMARY KEY, given_name TEXT NOT NULL, family_name TEXT NOT NULL,
  birth_date TEXT NOT NULL, sex TEXT NOT NULL, city TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS encounters(
  id INTEGER PRIMARY KEY, mrn TEXT NOT NULL, date TEXT NOT NULL,
  type TEXT NOT NULL, status TEXT NOT NULL, department TEXT NOT NULL,
  provider TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS encounters_by_mrn ON encounters(mrn, id);
CREATE TABLE IF NOT EXISTS claims(
  id INTEGER PRIMARY KEY, mrn TEXT NOT NULL, encounter_id INTEGER NOT NULL,
  date TEXT NOT NULL, status TEXT NOT NULL, payer TEXT NOT NULL,
  amount_cents INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS claims_by_mrn ON claims(mrn, id);
CREATE TABLE IF NOT EXISTS documents(
  id INTEGER PRIMARY KEY, mrn TEXT NOT NULL, encounter_id INTEGER NOT NULL,
  date TEXT NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL,
  body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS documents_by_mrn ON documents(mrn, id);
CREATE TABLE IF NOT EXISTS sessions(
  id TEXT PRIMARY KEY, mrn TEXT NOT NULL, created_at TEXT NOT NULL,
  next_offset INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS events(
  session_id TEXT NOT NULL, event_offset INTEGER NOT NULL,
  kind TEXT NOT NULL, source TEXT NOT NULL, message TEXT NOT NULL,
  created_at TEXT NOT NULL, PRIMARY KEY(session_id, event_offset))
  WITHOUT ROWID;
)sql";

// Columns of each record table, in the order of its JSON fields.
struct Table {
  const char* name;
  const char* columns;
  const char* type_column;  // what RecordFilter::type matches, or nullptr
  bool has_status;
};
const Table& TableFor(RecordKind kind) {
  static const Table kEncounters{
      "encounters", "id, mrn, date, type, status, department, provider", "type",
      true};
  static const Table kClaims{
      "claims", "id, mrn, encounter_id, date, status, payer, amount_cents",
      nullptr, true};
  static const Table kDocuments{
      "documents", "id, mrn, encounter_id, date, kind, title, body", "kind",
      false};
  switch (kind) {
    case RecordKind::kEncounters:
      return kEncounters;
    case RecordKind::kClaims:
      return kClaims;
    case RecordKind::kDocuments:
      break;
  }
  return kDocuments;
}

[[noreturn]] void Fail(sqlite3* db, int rc, const std::string& what) {
  const bool busy = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
  throw StorageError(
      what + ": " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)),
      busy);
}

// A cached prepared statement in use: reset (bindings cleared) on scope exit
// so the next user finds it clean.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement() { Reset(); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int index, const std::string& text) {
    Check(sqlite3_bind_text(stmt_, index, text.data(),
                            static_cast<int>(text.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Statement& Bind(int index, int64_t value) {
    Check(sqlite3_bind_int64(stmt_, index, value));
    return *this;
  }
  // Makes the statement ready for new bindings.
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  // True while there is a row.
  bool Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Fail(db_, rc, "sqlite step");
  }
  void Run() {
    while (Step()) {
    }
  }
  // Binds `values` to the parameters in order, runs the statement and
  // resets it for the next row.
  template <typename... Values>
  void RunWith(const Values&... values) {
    int index = 0;
    (Bind(++index, values), ...);
    Run();
    Reset();
  }
  std::string Text(int column) const {
    const auto* text =
        reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return text != nullptr
               ? std::string(text, sqlite3_column_bytes(stmt_, column))
               : std::string();
  }
  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  // The current row as a JSON object keyed by column name.
  json Row() const {
    json row = json::object();
    const int columns = sqlite3_column_count(stmt_);
    for (int i = 0; i < columns; ++i) {
      const char* name = sqlite3_column_name(stmt_, i);
      if (sqlite3_column_type(stmt_, i) == SQLITE_INTEGER) {
        row[name] = Int(i);
      } else {
        row[name] = Text(i);
      }
    }
    return row;
  }

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK) Fail(db_, rc, "sqlite bind");
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteConnection : public StorageConnection {
 public:
  SqliteConnection(const std::string& path,
                   std::chrono::milliseconds busy_timeout) {
    const int rc = sqlite3_open_v2(
        path.c_str(), &db_,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
        nullptr);
    if (rc != SQLITE_OK) {
      std::string message =
          "cannot open " + path + ": " +
          (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
      sqlite3_close(db_);
      throw StorageError(message);
    }
    sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout.count()));
    Execute("PRAGMA journal_mode=WAL");
    Execute("PRAGMA synchronous=FULL");
  }
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }

  void Execute(const char* sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
      std::string text = message != nullptr ? message : sqlite3_errstr(rc);
      sqlite3_free(message);
      throw StorageError(std::string("sqlite: ") + text,
                         rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    }
  }

  Statement Prepare(const std::string& sql) {
    auto found = statements_.find(sql);
    if (found == statements_.end()) {
      sqlite3_stmt* stmt = nullptr;
      const int rc =
          sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                             SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) Fail(db_, rc, "sqlite prepare");
      found = statements_.emplace(sql, stmt).first;
    }
    return Statement(db_, found->second);
  }

  // Runs `body` inside a write transaction; rolls back if it throws.
  template <typename Body>
  auto InTransaction(Body body, const char* begin = "BEGIN IMMEDIATE") {
    Execute(begin);
    try {
      auto result = body();
      Execute("COMMIT");
      return result;
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  void Ping() override { Prepare("SELECT 1").Run(); }

  std::optional<json> GetPatient(const std::string& mrn) override {
    Statement stmt = Prepare(
        "SELECT mrn, given_name, family_name, birth_date, sex, city "
        "FROM patients WHERE mrn = ?");
    stmt.Bind(1, mrn);
    if (!stmt.Step()) return std::nullopt;
    return stmt.Row();
  }

  Page ListPatients(int limit,
                    const std::optional<std::string>& after_mrn) override {
    Statement stmt = Prepare(
        "SELECT mrn, given_name, family_name, birth_date, sex, city "
        "FROM patients WHERE mrn > ? ORDER BY mrn LIMIT ?");
    stmt.Bind(1, after_mrn.value_or("")).Bind(2, int64_t{limit} + 1);
    Page page;
    while (stmt.Step()) {
      if (static_cast<int>(page.items.size()) == limit) {
        page.next = page.items.back()["mrn"];
        break;
      }
      page.items.push_back(stmt.Row());
    }
    return page;
  }

  KindSummary SummarizeKind(RecordKind kind, const std::string& mrn,
                            int max_each) override {
    const Table& table = TableFor(kind);
    KindSummary part;
    Statement recent =
        Prepare(std::string("SELECT ") + table.columns + " FROM " + table.name +
                " WHERE mrn = ? ORDER BY date DESC, id DESC "
                "LIMIT ?");
    recent.Bind(1, mrn).Bind(2, int64_t{max_each});
    while (recent.Step()) part.recent.push_back(recent.Row());
    Statement count = Prepare(std::string("SELECT COUNT(*) FROM ") +
                              table.name + " WHERE mrn = ?");
    count.Bind(1, mrn);
    count.Step();
    part.total = count.Int(0);
    if (kind == RecordKind::kClaims) {
      Statement billing = Prepare(
          "SELECT COALESCE(SUM(amount_cents), 0), "
          "COALESCE(SUM(status IN ('submitted', 'pending')), 0) "
          "FROM claims WHERE mrn = ?");
      billing.Bind(1, mrn);
      billing.Step();
      part.billed_cents = billing.Int(0);
      part.open_claims = billing.Int(1);
    }
    return part;
  }

  Page ListRecords(RecordKind kind, const RecordFilter& filter) override {
    const Table& table = TableFor(kind);
    // The SQL depends only on which filters are set, so at most a few dozen
    // distinct statements get cached per connection.
    std::string sql = std::string("SELECT ") + table.columns + " FROM " +
                      table.name + " WHERE id > ?";
    if (filter.mrn) sql += " AND mrn = ?";
    if (filter.status && table.has_status) sql += " AND status = ?";
    if (filter.type && table.type_column != nullptr)
      sql += std::string(" AND ") + table.type_column + " = ?";
    if (filter.from) sql += " AND date >= ?";
    if (filter.to) sql += " AND date <= ?";
    sql += " ORDER BY id LIMIT ?";
    Statement stmt = Prepare(sql);
    int index = 1;
    stmt.Bind(index++, filter.after_id.value_or(0));
    if (filter.mrn) stmt.Bind(index++, *filter.mrn);
    if (filter.status && table.has_status) stmt.Bind(index++, *filter.status);
    if (filter.type && table.type_column != nullptr)
      stmt.Bind(index++, *filter.type);
    if (filter.from) stmt.Bind(index++, *filter.from);
    if (filter.to) stmt.Bind(index++, *filter.to);
    stmt.Bind(index, int64_t{filter.limit} + 1);
    Page page;
    while (stmt.Step()) {
      if (static_cast<int>(page.items.size()) == filter.limit) {
        page.next = page.items.back()["id"];
        break;
      }
      page.items.push_back(stmt.Row());
    }
    return page;
  }

  void CreateSession(const std::string& id, const std::string& mrn) override {
    Statement stmt = Prepare(
        "INSERT INTO sessions(id, mrn, created_at, next_offset) "
        "VALUES(?, ?, ?, 0)");
    stmt.Bind(1, id).Bind(2, mrn).Bind(3, UtcNow());
    stmt.Run();
  }

  std::optional<std::string> FindSession(const std::string& id) override {
    Statement stmt = Prepare("SELECT mrn FROM sessions WHERE id = ?");
    stmt.Bind(1, id);
    if (!stmt.Step()) return std::nullopt;
    return stmt.Text(0);
  }

  std::optional<int64_t> AppendEvent(const std::string& session_id,
                                     const std::string& kind,
                                     const std::string& source,
                                     const std::string& message) override {
    return InTransaction([&]() -> std::optional<int64_t> {
      int64_t offset = 0;
      {
        Statement claim = Prepare(
            "UPDATE sessions SET next_offset = next_offset + 1 WHERE id = ? "
            "RETURNING next_offset - 1");
        claim.Bind(1, session_id);
        if (!claim.Step()) return std::nullopt;
        offset = claim.Int(0);
        claim.Run();
      }
      Statement insert = Prepare(
          "INSERT INTO events(session_id, event_offset, kind, source, "
          "message, created_at) VALUES(?, ?, ?, ?, ?, ?)");
      insert.Bind(1, session_id)
          .Bind(2, offset)
          .Bind(3, kind)
          .Bind(4, source)
          .Bind(5, message)
          .Bind(6, UtcNow());
      insert.Run();
      return offset;
    });
  }

  std::optional<std::vector<SessionEvent>> ListEvents(
      const std::string& session_id, int64_t min_offset, int limit) override {
    // One read transaction, so the session check and the events agree.
    return InTransaction(
        [&]() -> std::optional<std::vector<SessionEvent>> {
          if (!FindSession(session_id)) return std::nullopt;
          Statement stmt = Prepare(
              "SELECT event_offset, kind, source, message, created_at "
              "FROM events WHERE session_id = ? AND event_offset >= ? "
              "ORDER BY event_offset LIMIT ?");
          stmt.Bind(1, session_id).Bind(2, min_offset).Bind(3, int64_t{limit});
          std::vector<SessionEvent> events;
          while (stmt.Step()) {
            events.push_back(SessionEvent{stmt.Int(0), stmt.Text(1),
                                          stmt.Text(2), stmt.Text(3),
                                          stmt.Text(4)});
          }
          return events;
        },
        "BEGIN");
  }

  SeedReport Seed(const SeedOptions& options) {
    SeedReport report;
    {
      Statement existing =
          Prepare("SELECT value FROM meta WHERE key = 'dataset'");
      if (existing.Step()) {
        const json dataset = json::parse(existing.Text(0));
        report.patients = dataset.value("patients", int64_t{0});
        report.rows = dataset.value("rows", int64_t{0});
        return report;
      }
    }
    const auto start = std::chrono::steady_clock::now();
    report.seeded_now = true;
    report.patients = options.patients;
    report.rows = InTransaction([&] {
      int64_t rows = 0;
      PatientBundle bundle;
      for (int64_t i = 0; i < options.patients; ++i) {
        GeneratePatient(options.seed, i, &bundle);
        rows += InsertBundle(bundle);
      }
      Statement meta = Prepare("INSERT INTO meta VALUES('dataset', ?)");
      meta.Bind(1, json{{"patients", options.patients},
                        {"seed", options.seed},
                        {"rows", rows}}
                       .dump());
      meta.Run();
      return rows;
    });
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    return report;
  }

  // Writes one patient and their records; returns the rows written.
  int64_t InsertBundle(const PatientBundle& bundle) {
    const PatientRecord& p = bundle.patient;
    Prepare("INSERT INTO patients VALUES(?, ?, ?, ?, ?, ?)")
        .RunWith(p.mrn, p.given_name, p.family_name, p.birth_date, p.sex,
                 p.city);
    for (const EncounterRecord& e : bundle.encounters) {
      Prepare("INSERT INTO encounters VALUES(?, ?, ?, ?, ?, ?, ?)")
          .RunWith(e.id, e.mrn, e.date, e.type, e.status, e.department,
                   e.provider);
    }
    for (const ClaimRecord& c : bundle.claims) {
      Prepare("INSERT INTO claims VALUES(?, ?, ?, ?, ?, ?, ?)")
          .RunWith(c.id, c.mrn, c.encounter_id, c.date, c.status, c.payer,
                   c.amount_cents);
    }
    for (const DocumentRecord& d : bundle.documents) {
      Prepare("INSERT INTO documents VALUES(?, ?, ?, ?, ?, ?, ?)")
          .RunWith(d.id, d.mrn, d.encounter_id, d.date, d.kind, d.title,
                   d.body);
    }
    return 1 +
           static_cast<int64_t>(bundle.encounters.size() +
                                bundle.claims.size() + bundle.documents.size());
  }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace

SqliteStorage::SqliteStorage(std::string path,
                             std::chrono::milliseconds busy_timeout)
    : path_(std::move(path)), busy_timeout_(busy_timeout) {}

SeedReport SqliteStorage::PrepareOrThrow(const SeedOptions& options) {
  SqliteConnection connection(path_, busy_timeout_);
  connection.Execute(kSchema);
  return connection.Seed(options);
}

std::unique_ptr<StorageConnection> SqliteStorage::ConnectOrThrow() {
  return std::make_unique<SqliteConnection>(path_, busy_timeout_);
}

}  // namespace loadgate::services::app
