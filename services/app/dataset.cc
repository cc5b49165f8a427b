#include "app/dataset.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <string_view>

namespace loadgate::services::app {
namespace {

// SplitMix64: tiny, fast and good enough for synthetic records.
class Rng {
 public:
  explicit Rng(uint64_t state) : state_(state) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n).
  int64_t Below(int64_t n) { return static_cast<int64_t>(Next() % n); }
  template <typename T, size_t N>
  const T& Pick(const std::array<T, N>& items) {
    return items[Below(N)];
  }

 private:
  uint64_t state_;
};

constexpr std::array<std::string_view, 16> kGivenNames = {
    "Ada",  "Ben",   "Chloe", "David", "Elena", "Farid", "Grace", "Hugo",
    "Iris", "Jonas", "Keiko", "Liam",  "Maya",  "Noah",  "Olga",  "Priya"};
constexpr std::array<std::string_view, 16> kFamilyNames = {
    "Adler",  "Brooks", "Castro", "Dubois", "Evans", "Fischer",
    "Garcia", "Haas",   "Ito",    "Jensen", "Kowal", "Lopez",
    "Moreau", "Novak",  "Okafor", "Petrov"};
constexpr std::array<std::string_view, 8> kCities = {
    "Berlin", "Boston",  "Lyon",    "Madrid",
    "Osaka",  "Toronto", "Chicago", "Lisbon"};
constexpr std::array<std::string_view, 4> kEncounterTypes = {
    "outpatient", "inpatient", "emergency", "telehealth"};
constexpr std::array<std::string_view, 4> kEncounterStatuses = {
    "finished", "finished", "in-progress", "cancelled"};
constexpr std::array<std::string_view, 6> kDepartments = {
    "cardiology", "oncology",    "pediatrics",
    "neurology",  "orthopedics", "general-medicine"};
constexpr std::array<std::string_view, 8> kProviders = {
    "Dr. Abbott",  "Dr. Baker", "Dr. Chen",  "Dr. Diaz",
    "Dr. Eriksen", "Dr. Fox",   "Dr. Gupta", "Dr. Hall"};
constexpr std::array<std::string_view, 5> kClaimStatuses = {
    "submitted", "pending", "approved", "denied", "paid"};
constexpr std::array<std::string_view, 4> kPayers = {
    "Acme Health", "Blue Meadow", "CareFirst Mutual", "Medicare"};
constexpr std::array<std::string_view, 5> kDocumentKinds = {
    "discharge-summary", "lab-report", "progress-note", "imaging-report",
    "referral"};
constexpr std::array<std::string_view, 6> kFindings = {
    "stable vital signs", "elevated blood pressure",   "mild anaemia",
    "normal findings",    "follow-up imaging advised", "medication adjusted"};

// Days since 1970-01-01 as YYYY-MM-DD.
std::string DateFromDays(int64_t days) {
  const std::chrono::year_month_day date{
      std::chrono::sys_days{std::chrono::days{days}}};
  char text[16];
  std::snprintf(
      text, sizeof(text), "%04d-%02u-%02u", static_cast<int>(date.year()),
      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

constexpr int64_t kFirstVisitDay = 16436;  // 2015-01-01
constexpr int64_t kVisitDays = 4017;       // through 2025-12-31

}  // namespace

std::string MrnFor(int64_t index) {
  char text[24];
  std::snprintf(text, sizeof(text), "MRN%08lld",
                static_cast<long long>(index + 1));
  return text;
}

void GeneratePatient(uint64_t seed, int64_t index, PatientBundle* bundle) {
  Rng rng(seed * 0x100000001b3ULL ^ static_cast<uint64_t>(index) * 0x9e37ULL);
  PatientRecord& patient = bundle->patient;
  patient.mrn = MrnFor(index);
  patient.given_name = rng.Pick(kGivenNames);
  patient.family_name = rng.Pick(kFamilyNames);
  patient.birth_date = DateFromDays(-18262 + rng.Below(29220));  // 1920-2000
  patient.sex = rng.Below(2) == 0 ? "female" : "male";
  patient.city = rng.Pick(kCities);

  bundle->encounters.clear();
  bundle->claims.clear();
  bundle->documents.clear();
  const int encounters =
      1 + static_cast<int>(rng.Below(kMaxEncountersPerPatient));
  for (int k = 0; k < encounters; ++k) {
    const int64_t id = index * kMaxEncountersPerPatient + k + 1;
    const int64_t day = kFirstVisitDay + rng.Below(kVisitDays);
    EncounterRecord& encounter = bundle->encounters.emplace_back();
    encounter.id = id;
    encounter.mrn = patient.mrn;
    encounter.date = DateFromDays(day);
    encounter.type = rng.Pick(kEncounterTypes);
    encounter.status = rng.Pick(kEncounterStatuses);
    encounter.department = rng.Pick(kDepartments);
    encounter.provider = rng.Pick(kProviders);
    if (rng.Below(5) != 0) {  // most encounters are billed
      ClaimRecord& claim = bundle->claims.emplace_back();
      claim.id = id;
      claim.mrn = patient.mrn;
      claim.encounter_id = id;
      claim.date = DateFromDays(day + 1 + rng.Below(30));
      claim.status = rng.Pick(kClaimStatuses);
      claim.payer = rng.Pick(kPayers);
      claim.amount_cents = 5000 + rng.Below(2000000);
    }
    if (rng.Below(2) == 0) {
      DocumentRecord& document = bundle->documents.emplace_back();
      document.id = id;
      document.mrn = patient.mrn;
      document.encounter_id = id;
      document.date = DateFromDays(day + rng.Below(3));
      document.kind = rng.Pick(kDocumentKinds);
      document.title = std::string(encounter.department) + " " + document.kind +
                       " for " + patient.family_name;
      document.body = "Patient seen in " + encounter.department + " (" +
                      encounter.type +
                      "): " + std::string(rng.Pick(kFindings)) + "; " +
                      std::string(rng.Pick(kFindings)) + ".";
    }
  }
}

}  // namespace loadgate::services::app
