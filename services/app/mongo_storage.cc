#include "app/mongo_storage.h"

#include <mongoc/mongoc.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <utility>

#include "app/dataset.h"

namespace loadgate::services::app {
namespace {

using nlohmann::json;
// Documents sent to MongoDB keep their key order (sort specs, index keys
// and commands depend on it).
using OrderedJson = nlohmann::ordered_json;

constexpr const char* kDefaultDatabase = "loadgate_app";
constexpr int kSeedBatchPatients = 1000;

// Server-selection and network failures are transient (503); anything else
// is an error of the request or of the data (500).
[[noreturn]] void Fail(const std::string& what, const bson_error_t& error) {
  const bool busy = error.domain == MONGOC_ERROR_SERVER_SELECTION ||
                    error.domain == MONGOC_ERROR_STREAM ||
                    error.domain == MONGOC_ERROR_CLIENT;
  throw StorageError(what + ": " + error.message, busy);
}

// Owning wrappers of the libmongoc / libbson handles used here.
// (A class rather than unique_ptr<bson_t>: bson_t's alignment attribute
// does not survive as a template argument.)
class Bson {
 public:
  explicit Bson(bson_t* bson) : bson_(bson) {}
  ~Bson() { bson_destroy(bson_); }
  Bson(const Bson&) = delete;
  Bson& operator=(const Bson&) = delete;
  const bson_t* get() const { return bson_; }

 private:
  bson_t* bson_;
};
struct CollectionDeleter {
  void operator()(mongoc_collection_t* c) const {
    mongoc_collection_destroy(c);
  }
};
using Collection = std::unique_ptr<mongoc_collection_t, CollectionDeleter>;
struct CursorDeleter {
  void operator()(mongoc_cursor_t* c) const { mongoc_cursor_destroy(c); }
};
using Cursor = std::unique_ptr<mongoc_cursor_t, CursorDeleter>;

Bson ToBson(const OrderedJson& value) {
  const std::string text = value.dump();
  bson_error_t error;
  bson_t* bson =
      bson_new_from_json(reinterpret_cast<const uint8_t*>(text.data()),
                         static_cast<ssize_t>(text.size()), &error);
  if (bson == nullptr) Fail("bson from json", error);
  return Bson(bson);
}

json ToJson(const bson_t* bson) {
  size_t length = 0;
  char* text = bson_as_relaxed_extended_json(bson, &length);
  json value = json::parse(text, text + length);
  bson_free(text);
  return value;
}

// The write concern of everything the API acknowledges.
const OrderedJson& DurableWrite() {
  static const OrderedJson kOptions = {
      {"writeConcern", {{"w", "majority"}, {"j", true}}}};
  return kOptions;
}

OrderedJson ToJson(const PatientRecord& p) {
  return {{"_id", p.mrn},
          {"mrn", p.mrn},
          {"given_name", p.given_name},
          {"family_name", p.family_name},
          {"birth_date", p.birth_date},
          {"sex", p.sex},
          {"city", p.city}};
}
OrderedJson ToJson(const EncounterRecord& e) {
  return {{"_id", e.id},
          {"id", e.id},
          {"mrn", e.mrn},
          {"date", e.date},
          {"type", e.type},
          {"status", e.status},
          {"department", e.department},
          {"provider", e.provider}};
}
OrderedJson ToJson(const ClaimRecord& c) {
  return {{"_id", c.id},      {"id", c.id},
          {"mrn", c.mrn},     {"encounter_id", c.encounter_id},
          {"date", c.date},   {"status", c.status},
          {"payer", c.payer}, {"amount_cents", c.amount_cents}};
}
OrderedJson ToJson(const DocumentRecord& d) {
  return {{"_id", d.id},      {"id", d.id},
          {"mrn", d.mrn},     {"encounter_id", d.encounter_id},
          {"date", d.date},   {"kind", d.kind},
          {"title", d.title}, {"body", d.body}};
}

class MongoConnection : public StorageConnection {
 public:
  MongoConnection(mongoc_client_pool_t* pool, std::string database)
      : pool_(pool),
        client_(mongoc_client_pool_pop(pool)),
        database_(std::move(database)) {}
  ~MongoConnection() override { mongoc_client_pool_push(pool_, client_); }

  Collection Get(const char* name) {
    return Collection(
        mongoc_client_get_collection(client_, database_.c_str(), name));
  }

  // Every document matching `filter` with `options` (sort, limit, ...),
  // without the internal _id.
  json Find(const char* collection, const OrderedJson& filter,
            OrderedJson options) {
    options["projection"] = {{"_id", 0}};
    Bson filter_bson = ToBson(filter);
    Bson options_bson = ToBson(options);
    Collection handle = Get(collection);
    Cursor cursor(mongoc_collection_find_with_opts(
        handle.get(), filter_bson.get(), options_bson.get(), nullptr));
    json documents = json::array();
    const bson_t* document = nullptr;
    while (mongoc_cursor_next(cursor.get(), &document))
      documents.push_back(ToJson(document));
    bson_error_t error;
    if (mongoc_cursor_error(cursor.get(), &error))
      Fail(std::string("find in ") + collection, error);
    return documents;
  }

  void RunCommand(const OrderedJson& command) {
    Bson command_bson = ToBson(command);
    bson_t reply;
    bson_error_t error;
    const bool ok = mongoc_client_command_simple(client_, database_.c_str(),
                                                 command_bson.get(), nullptr,
                                                 &reply, &error);
    bson_destroy(&reply);
    if (!ok) Fail("command " + command.begin().key(), error);
  }

  void Insert(const char* collection, const OrderedJson& document,
              const OrderedJson& options) {
    Bson document_bson = ToBson(document);
    Bson options_bson = ToBson(options);
    bson_error_t error;
    if (!mongoc_collection_insert_one(Get(collection).get(),
                                      document_bson.get(), options_bson.get(),
                                      nullptr, &error)) {
      Fail(std::string("insert into ") + collection, error);
    }
  }

  void InsertMany(const char* collection,
                  const std::vector<OrderedJson>& documents) {
    if (documents.empty()) return;
    Collection handle = Get(collection);
    mongoc_bulk_operation_t* bulk =
        mongoc_collection_create_bulk_operation_with_opts(handle.get(),
                                                          nullptr);
    for (const OrderedJson& document : documents) {
      Bson bson = ToBson(document);
      mongoc_bulk_operation_insert(bulk, bson.get());
    }
    bson_t reply;
    bson_error_t error;
    const uint32_t ok = mongoc_bulk_operation_execute(bulk, &reply, &error);
    bson_destroy(&reply);
    mongoc_bulk_operation_destroy(bulk);
    if (ok == 0) Fail(std::string("bulk insert into ") + collection, error);
  }

  void Ping() override { RunCommand({{"ping", 1}}); }

  std::optional<json> GetPatient(const std::string& mrn) override {
    json found = Find("patients", {{"_id", mrn}}, {{"limit", 1}});
    if (found.empty()) return std::nullopt;
    return std::move(found[0]);
  }

  Page ListPatients(int limit,
                    const std::optional<std::string>& after_mrn) override {
    OrderedJson filter = OrderedJson::object();
    if (after_mrn) filter["_id"] = {{"$gt", *after_mrn}};
    json found = Find("patients", filter,
                      {{"sort", {{"_id", 1}}}, {"limit", limit + 1}});
    return ToPage(std::move(found), limit, "mrn");
  }

  KindSummary SummarizeKind(RecordKind kind, const std::string& mrn,
                            int max_each) override {
    // A patient has a handful of records: fetch them all, keep the most
    // recent and total the rest here rather than in an aggregation.
    json all = Find(RecordKindName(kind), {{"mrn", mrn}},
                    {{"sort", {{"date", -1}, {"_id", -1}}}});
    KindSummary part;
    part.total = static_cast<int64_t>(all.size());
    if (kind == RecordKind::kClaims) {
      for (const json& claim : all) {
        part.billed_cents += claim.value("amount_cents", int64_t{0});
        const std::string status = claim.value("status", "");
        if (status == "submitted" || status == "pending") ++part.open_claims;
      }
    }
    if (static_cast<int>(all.size()) > max_each)
      all.erase(all.begin() + max_each, all.end());
    part.recent = std::move(all);
    return part;
  }

  Page ListRecords(RecordKind kind, const RecordFilter& filter) override {
    OrderedJson query = {{"_id", {{"$gt", filter.after_id.value_or(0)}}}};
    if (filter.mrn) query["mrn"] = *filter.mrn;
    if (filter.status && kind != RecordKind::kDocuments)
      query["status"] = *filter.status;
    if (filter.type && kind == RecordKind::kEncounters)
      query["type"] = *filter.type;
    if (filter.type && kind == RecordKind::kDocuments)
      query["kind"] = *filter.type;
    if (filter.from) query["date"]["$gte"] = *filter.from;
    if (filter.to) query["date"]["$lte"] = *filter.to;
    json found = Find(RecordKindName(kind), query,
                      {{"sort", {{"_id", 1}}}, {"limit", filter.limit + 1}});
    return ToPage(std::move(found), filter.limit, "id");
  }

  void CreateSession(const std::string& id, const std::string& mrn) override {
    Insert("sessions",
           {{"_id", id},
            {"mrn", mrn},
            {"created_at", UtcNow()},
            {"next_offset", int64_t{0}}},
           DurableWrite());
  }

  std::optional<std::string> FindSession(const std::string& id) override {
    json found = Find("sessions", {{"_id", id}}, {{"limit", 1}});
    if (found.empty()) return std::nullopt;
    return found[0].value("mrn", "");
  }

  std::optional<int64_t> AppendEvent(const std::string& session_id,
                                     const std::string& kind,
                                     const std::string& source,
                                     const std::string& message) override {
    // Claim the next offset atomically, then write the event under a unique
    // (session_id, offset) index. A failed insert leaves a gap in the
    // offsets, never a duplicate.
    Bson query = ToBson({{"_id", session_id}});
    Bson update = ToBson({{"$inc", {{"next_offset", 1}}}});
    Bson extra = ToBson(DurableWrite());
    mongoc_find_and_modify_opts_t* options = mongoc_find_and_modify_opts_new();
    mongoc_find_and_modify_opts_set_update(options, update.get());
    mongoc_find_and_modify_opts_append(options, extra.get());
    bson_t reply;
    bson_error_t error;
    const bool ok = mongoc_collection_find_and_modify_with_opts(
        Get("sessions").get(), query.get(), options, &reply, &error);
    mongoc_find_and_modify_opts_destroy(options);
    json result = ok ? ToJson(&reply) : json();
    bson_destroy(&reply);
    if (!ok) Fail("claim an event offset", error);
    const json& before = result["value"];
    if (!before.is_object()) return std::nullopt;
    const int64_t offset = before.value("next_offset", int64_t{0});
    Insert("events",
           {{"session_id", session_id},
            {"offset", offset},
            {"kind", kind},
            {"source", source},
            {"message", message},
            {"created_at", UtcNow()}},
           DurableWrite());
    return offset;
  }

  std::optional<std::vector<SessionEvent>> ListEvents(
      const std::string& session_id, int64_t min_offset, int limit) override {
    if (!FindSession(session_id)) return std::nullopt;
    json found =
        Find("events",
             {{"session_id", session_id}, {"offset", {{"$gte", min_offset}}}},
             {{"sort", {{"offset", 1}}}, {"limit", limit}});
    std::vector<SessionEvent> events;
    events.reserve(found.size());
    for (const json& e : found) {
      events.push_back(SessionEvent{e.value("offset", int64_t{0}),
                                    e.value("kind", ""), e.value("source", ""),
                                    e.value("message", ""),
                                    e.value("created_at", "")});
    }
    return events;
  }

  // The indexes the queries rely on (a no-op when they exist).
  void CreateIndexes() {
    RunCommand({{"createIndexes", "events"},
                {"indexes",
                 {{{"key", {{"session_id", 1}, {"offset", 1}}},
                   {"name", "session_offset"},
                   {"unique", true}}}}});
    for (const char* name : {"encounters", "claims", "documents"}) {
      RunCommand({{"createIndexes", name},
                  {"indexes",
                   {{{"key", {{"mrn", 1}, {"_id", 1}}}, {"name", "mrn_id"}}}}});
    }
  }

  SeedReport Seed(const SeedOptions& options) {
    CreateIndexes();
    SeedReport report;
    json dataset = Find("meta", {{"_id", "dataset"}}, {{"limit", 1}});
    if (!dataset.empty()) {
      report.patients = dataset[0].value("patients", int64_t{0});
      report.rows = dataset[0].value("rows", int64_t{0});
      return report;
    }
    const auto start = std::chrono::steady_clock::now();
    // A seeding that died half-way left no marker: start over.
    for (const char* name : {"patients", "encounters", "claims", "documents"}) {
      bson_error_t ignored;  // "ns not found" for a fresh database
      mongoc_collection_drop(Get(name).get(), &ignored);
    }
    PatientBundle bundle;
    std::vector<OrderedJson> patients, encounters, claims, documents;
    int64_t rows = 0;
    for (int64_t first = 0; first < options.patients;
         first += kSeedBatchPatients) {
      const int64_t end =
          std::min<int64_t>(options.patients, first + kSeedBatchPatients);
      for (int64_t i = first; i < end; ++i) {
        GeneratePatient(options.seed, i, &bundle);
        patients.push_back(ToJson(bundle.patient));
        for (const auto& e : bundle.encounters) encounters.push_back(ToJson(e));
        for (const auto& c : bundle.claims) claims.push_back(ToJson(c));
        for (const auto& d : bundle.documents) documents.push_back(ToJson(d));
      }
      rows += static_cast<int64_t>(patients.size() + encounters.size() +
                                   claims.size() + documents.size());
      InsertMany("patients", patients);
      InsertMany("encounters", encounters);
      InsertMany("claims", claims);
      InsertMany("documents", documents);
      patients.clear();
      encounters.clear();
      claims.clear();
      documents.clear();
    }
    Insert("meta",
           {{"_id", "dataset"},
            {"patients", options.patients},
            {"seed", options.seed},
            {"rows", rows}},
           DurableWrite());
    report.seeded_now = true;
    report.patients = options.patients;
    report.rows = rows;
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    return report;
  }

 private:
  static Page ToPage(json found, int limit, const char* key) {
    Page page;
    if (static_cast<int>(found.size()) > limit) {
      found.erase(found.begin() + limit, found.end());
      page.next = found.back()[key];
    }
    page.items = std::move(found);
    return page;
  }

  mongoc_client_pool_t* pool_;
  mongoc_client_t* client_;
  std::string database_;
};

}  // namespace

MongoStorage::MongoStorage(const std::string& uri_text, int pool_size) {
  static std::once_flag init;
  std::call_once(init, [] { mongoc_init(); });
  bson_error_t error;
  mongoc_uri_t* uri = mongoc_uri_new_with_error(uri_text.c_str(), &error);
  if (uri == nullptr)
    throw StorageError("bad MongoDB URI: " + std::string(error.message));
  // A server that is down should fail a request in seconds (then 503), not
  // after libmongoc's default 30 s of server selection.
  if (mongoc_uri_get_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS,
                                     -1) < 0) {
    mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS,
                                   5000);
  }
  const char* database = mongoc_uri_get_database(uri);
  database_ =
      database != nullptr && *database != '\0' ? database : kDefaultDatabase;
  pool_ = mongoc_client_pool_new(uri);
  mongoc_uri_destroy(uri);
  if (pool_ == nullptr)
    throw StorageError("cannot create a MongoDB client pool");
  mongoc_client_pool_set_error_api(pool_, MONGOC_ERROR_API_VERSION_2);
  mongoc_client_pool_set_appname(pool_, "loadgate-sample-app");
  // The pool's clients plus the one Prepare() uses before serving starts.
  mongoc_client_pool_max_size(pool_, static_cast<uint32_t>(pool_size + 1));
}

MongoStorage::~MongoStorage() { mongoc_client_pool_destroy(pool_); }

SeedReport MongoStorage::PrepareOrThrow(const SeedOptions& options) {
  MongoConnection connection(pool_, database_);
  return connection.Seed(options);
}

std::unique_ptr<StorageConnection> MongoStorage::ConnectOrThrow() {
  return std::make_unique<MongoConnection>(pool_, database_);
}

}  // namespace loadgate::services::app
