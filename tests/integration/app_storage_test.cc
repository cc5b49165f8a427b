// The storage contract, run against every backend: SQLite always, MongoDB
// when LOADGATE_MONGODB_URI names a server.
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "app/dataset.h"
#include "app/storage.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace app = loadgate::services::app;

namespace {

constexpr uint64_t kSeed = 11;
constexpr int kPatients = 120;

class StorageTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "mongodb") {
      const char* uri = std::getenv("LOADGATE_MONGODB_URI");
      if (uri == nullptr || *uri == '\0')
        GTEST_SKIP() << "LOADGATE_MONGODB_URI is not set (no MongoDB server)";
      spec_ = uri;
    } else {
      spec_ = "sqlite:" + (dir_.path() / "storage.db").string();
    }
    auto storage = app::OpenStorage(spec_, 2);
    ASSERT_TRUE(storage.ok()) << storage.error();
    storage_ = std::move(*storage);
    auto report = storage_->Prepare({kPatients, kSeed});
    ASSERT_TRUE(report.ok()) << report.error();
    report_ = *report;
    auto connection = storage_->Connect();
    ASSERT_TRUE(connection.ok()) << connection.error();
    connection_ = std::move(*connection);
  }

  loadgate::test_support::TempDir dir_;
  std::string spec_;
  std::unique_ptr<app::Storage> storage_;
  app::SeedReport report_;
  std::unique_ptr<app::StorageConnection> connection_;
};

TEST_P(StorageTest, SeedsOnceAndMatchesTheGenerator) {
  EXPECT_EQ(report_.patients, kPatients);
  EXPECT_GT(report_.rows, kPatients);
  // A second Prepare finds the data set and leaves it alone.
  const auto again = storage_->Prepare({kPatients, kSeed});
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_FALSE(again->seeded_now);
  EXPECT_EQ(again->rows, report_.rows);

  app::PatientBundle bundle;
  app::GeneratePatient(kSeed, 17, &bundle);
  auto patient = connection_->GetPatient(bundle.patient.mrn);
  ASSERT_TRUE(patient);
  EXPECT_EQ((*patient)["given_name"], bundle.patient.given_name);
  EXPECT_EQ((*patient)["city"], bundle.patient.city);
  EXPECT_FALSE(connection_->GetPatient("MRN99999999"));

  auto summary = connection_->GetSummary(bundle.patient.mrn, 2);
  ASSERT_TRUE(summary);
  EXPECT_EQ((*summary)["totals"]["encounters"].get<size_t>(),
            bundle.encounters.size());
  EXPECT_EQ((*summary)["totals"]["claims"].get<size_t>(), bundle.claims.size());
  EXPECT_LE((*summary)["encounters"].size(), 2u);
  // Most recent first.
  const auto& encounters = (*summary)["encounters"];
  if (encounters.size() == 2) {
    EXPECT_GE(encounters[0]["date"], encounters[1]["date"]);
  }
  EXPECT_FALSE(connection_->GetSummary("MRN99999999", 2));
}

TEST_P(StorageTest, PagesPatientsAndRecordsByKey) {
  app::Page first = connection_->ListPatients(50, std::nullopt);
  ASSERT_EQ(first.items.size(), 50u);
  EXPECT_EQ(first.next, app::MrnFor(49));
  app::Page last = connection_->ListPatients(100, app::MrnFor(99));
  EXPECT_EQ(last.items.size(), 20u);
  EXPECT_TRUE(last.next.is_null());

  app::RecordFilter filter;
  filter.status = "denied";
  filter.from = "2016-01-01";
  filter.to = "2024-12-31";
  filter.limit = 3;
  app::Page claims = connection_->ListRecords(app::RecordKind::kClaims, filter);
  ASSERT_EQ(claims.items.size(), 3u);
  for (const auto& claim : claims.items) {
    EXPECT_EQ(claim["status"], "denied");
    EXPECT_GE(claim["date"], "2016-01-01");
    EXPECT_LE(claim["date"], "2024-12-31");
  }
  filter.after_id = claims.next.get<int64_t>();
  app::Page more = connection_->ListRecords(app::RecordKind::kClaims, filter);
  ASSERT_FALSE(more.items.empty());
  EXPECT_GT(more.items[0]["id"].get<int64_t>(), *filter.after_id);

  app::RecordFilter by_kind;
  by_kind.type = "referral";
  by_kind.mrn = app::MrnFor(3);
  for (const auto& document :
       connection_->ListRecords(app::RecordKind::kDocuments, by_kind).items) {
    EXPECT_EQ(document["kind"], "referral");
    EXPECT_EQ(document["mrn"], app::MrnFor(3));
  }
}

TEST_P(StorageTest, EventsGetConsecutiveOffsetsAndPersist) {
  connection_->CreateSession("s1", app::MrnFor(0));
  connection_->CreateSession("s2", "");
  EXPECT_EQ(connection_->FindSession("s1"), app::MrnFor(0));
  EXPECT_EQ(connection_->FindSession("s2"), "");
  EXPECT_FALSE(connection_->FindSession("nope"));
  EXPECT_EQ(connection_->AppendEvent("s1", "message", "customer", "a"), 0);
  EXPECT_EQ(connection_->AppendEvent("s2", "message", "customer", "x"), 0);
  EXPECT_EQ(connection_->AppendEvent("s1", "message", "agent", "b"), 1);
  EXPECT_EQ(connection_->AppendEvent("s1", "message", "customer", "c"), 2);
  EXPECT_FALSE(connection_->AppendEvent("nope", "message", "customer", "x"));
  EXPECT_FALSE(connection_->ListEvents("nope", 0, 10));

  // A fresh connection (a restarted process) sees the same events.
  connection_.reset();
  auto reopened_storage = app::OpenStorage(spec_, 1);
  ASSERT_TRUE(reopened_storage.ok()) << reopened_storage.error();
  auto reopened_connection = (*reopened_storage)->Connect();
  ASSERT_TRUE(reopened_connection.ok()) << reopened_connection.error();
  auto& reopened = *reopened_connection;
  auto events = reopened->ListEvents("s1", 1, 10);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].offset, 1);
  EXPECT_EQ((*events)[0].source, "agent");
  EXPECT_EQ((*events)[1].message, "c");
  EXPECT_TRUE(reopened->ListEvents("s1", 3, 10)->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageTest,
                         ::testing::Values("sqlite", "mongodb"),
                         [](const auto& info) { return info.param; });

TEST(DatasetTest, IsDeterministicPerSeedAndIndex) {
  app::PatientBundle a, b, c;
  app::GeneratePatient(5, 1234, &a);
  app::GeneratePatient(5, 1234, &b);
  app::GeneratePatient(6, 1234, &c);
  EXPECT_EQ(a.patient.mrn, "MRN00001235");
  EXPECT_EQ(a.patient.birth_date, b.patient.birth_date);
  ASSERT_EQ(a.encounters.size(), b.encounters.size());
  EXPECT_EQ(a.encounters.back().date, b.encounters.back().date);
  EXPECT_EQ(c.patient.mrn, a.patient.mrn);
  EXPECT_NE(a.patient.birth_date + a.patient.given_name + a.patient.city,
            c.patient.birth_date + c.patient.given_name + c.patient.city);
  // Record ids are derived from the index, and dates are well formed.
  ASSERT_FALSE(a.encounters.empty());
  EXPECT_EQ(a.encounters[0].id, 1234 * app::kMaxEncountersPerPatient + 1);
  for (const auto& e : a.encounters) {
    EXPECT_EQ(e.date.size(), 10u);
    EXPECT_GE(e.date, "2015-01-01");
    EXPECT_LE(e.date, "2025-12-31");
  }
}

TEST(OpenStorageTest, RejectsAnEmptySqlitePathAndABadMongoUri) {
  EXPECT_FALSE(app::OpenStorage("sqlite:", 1).ok());
  EXPECT_FALSE(app::OpenStorage("mongodb://", 1).ok());
}

// Without a server, the MongoDB backend still has to fail fast and as a
// transient (503) condition rather than hang or crash.
TEST(OpenStorageTest, UnreachableMongoFailsAsBusyWithinTheSelectionTimeout) {
  loadgate::test_support::RefusingPort refusing;
  auto storage = app::OpenStorage(
      "mongodb://127.0.0.1:" + std::to_string(refusing.port()) +
          "/loadgate_test?serverSelectionTimeoutMS=300",
      1);
  ASSERT_TRUE(storage.ok()) << storage.error();
  EXPECT_EQ((*storage)->backend(), "mongodb");
  const auto start = std::chrono::steady_clock::now();
  const auto prepared = (*storage)->Prepare({10, 1});
  ASSERT_FALSE(prepared.ok()) << "Prepare succeeded without a server";
  EXPECT_TRUE(prepared.status().unavailable()) << prepared.error();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
