#ifndef SERVICES_APP_DATASET_H_
#define SERVICES_APP_DATASET_H_

#include <cstdint>
#include <string>
#include <vector>

// The deterministic synthetic data set the sample application serves: each
// patient's records depend only on (seed, patient index), so any subset can
// be regenerated and checked, and every backend holds identical data.
namespace loadgate::services::app {

struct PatientRecord {
  std::string mrn;
  std::string given_name;
  std::string family_name;
  std::string birth_date;  // YYYY-MM-DD
  std::string sex;         // "female", "male"
  std::string city;
};

struct EncounterRecord {
  int64_t id = 0;
  std::string mrn;
  std::string date;
  std::string type;    // outpatient, inpatient, emergency, telehealth
  std::string status;  // planned, in-progress, finished, cancelled
  std::string department;
  std::string provider;
};

struct ClaimRecord {
  int64_t id = 0;
  std::string mrn;
  int64_t encounter_id = 0;
  std::string date;
  std::string status;  // submitted, pending, approved, denied, paid
  std::string payer;
  int64_t amount_cents = 0;
};

struct DocumentRecord {
  int64_t id = 0;
  std::string mrn;
  int64_t encounter_id = 0;
  std::string date;
  std::string kind;  // discharge-summary, lab-report, progress-note, ...
  std::string title;
  std::string body;
};

// One patient with everything that belongs to them.
struct PatientBundle {
  PatientRecord patient;
  std::vector<EncounterRecord> encounters;
  std::vector<ClaimRecord> claims;
  std::vector<DocumentRecord> documents;
};

// At most this many encounters per patient: record ids are
// index * kMaxEncountersPerPatient + k + 1, stable whatever the patient count.
inline constexpr int kMaxEncountersPerPatient = 6;

// "MRN" and the 1-based index in 8 digits: MrnFor(0) == "MRN00000001".
std::string MrnFor(int64_t index);

// Fills `bundle` (reusing its storage) with patient `index` (0-based).
void GeneratePatient(uint64_t seed, int64_t index, PatientBundle* bundle);

}  // namespace loadgate::services::app

#endif  // SERVICES_APP_DATASET_H_
