// The DB API of the AppServer: patients, a patient's summary, and the
// encounters, claims and documents lists with their filters and cursors.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "app/app_server.h"
#include "app/app_server_internal.h"
#include "common/flags.h"

namespace loadgate::services::app {
namespace {

using nlohmann::json;

bool IsDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

// Page sizes of the lists, and the records of each kind a summary shows.
constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;
constexpr int kSummaryRecordsEach = 20;

// Reads ?limit= (1..kMaxPageSize, kDefaultPageSize when absent); fails with
// a 400 message.
Result<int> ReadLimit(evhttp_request* request) {
  std::optional<std::string> text = services::QueryParam(request, "limit");
  if (!text) return kDefaultPageSize;
  const std::optional<int64_t> value = ParseInt64(*text);
  if (!value || *value < 1 || *value > kMaxPageSize) {
    return Status::Error("limit must be an integer from 1 to " +
                         std::to_string(kMaxPageSize));
  }
  return static_cast<int>(*value);
}

// {"items": [...], "next": cursor or null}
json PageJson(Page page) {
  return {{"items", std::move(page.items)}, {"next", std::move(page.next)}};
}

}  // namespace

void AppServer::HandlePatients(const ExchangePtr& exchange) {
  const Result<int> limit = ReadLimit(exchange->request);
  if (!limit.ok()) {
    ReplyError(*exchange, 400, limit.error(), "limit");
    return;
  }
  std::optional<std::string> cursor =
      services::QueryParam(exchange->request, "cursor");
  RunQuery(
      exchange,
      [limit = *limit, cursor](StorageConnection& connection) {
        return connection.ListPatients(limit, cursor);
      },
      [this, exchange](Page page) {
        Reply(*exchange, 200, PageJson(std::move(page)));
      });
}

void AppServer::HandlePatient(const ExchangePtr& exchange, std::string mrn,
                              bool summary) {
  RunQuery(
      exchange,
      [mrn, summary](StorageConnection& connection) {
        return summary ? connection.GetSummary(mrn, kSummaryRecordsEach)
                       : connection.GetPatient(mrn);
      },
      [this, exchange, mrn](std::optional<json> found) {
        if (!found) {
          ReplyError(*exchange, 404, "unknown mrn " + mrn, "mrn");
          return;
        }
        Reply(*exchange, 200, *found);
      });
}

void AppServer::HandleRecords(const ExchangePtr& exchange, RecordKind kind) {
  evhttp_request* request = exchange->request;
  RecordFilter filter;
  const Result<int> limit = ReadLimit(request);
  if (!limit.ok()) {
    ReplyError(*exchange, 400, limit.error(), "limit");
    return;
  }
  filter.limit = *limit;
  filter.mrn = services::QueryParam(request, "mrn");
  if (kind != RecordKind::kDocuments)
    filter.status = services::QueryParam(request, "status");
  if (kind == RecordKind::kEncounters)
    filter.type = services::QueryParam(request, "type");
  if (kind == RecordKind::kDocuments)
    filter.type = services::QueryParam(request, "kind");
  for (auto [name, target] :
       {std::pair{"from", &filter.from}, std::pair{"to", &filter.to}}) {
    *target = services::QueryParam(request, name);
    if (*target && !IsDate(**target)) {
      ReplyError(*exchange, 400,
                 std::string(name) + " must be a date YYYY-MM-DD", name);
      return;
    }
  }
  if (std::optional<std::string> cursor =
          services::QueryParam(request, "cursor")) {
    const std::optional<int64_t> after = ParseInt64(*cursor);
    if (!after || *after < 0) {
      ReplyError(*exchange, 400, "cursor must be a record id", "cursor");
      return;
    }
    filter.after_id = *after;
  }
  RunQuery(
      exchange,
      [kind, filter](StorageConnection& connection) {
        return connection.ListRecords(kind, filter);
      },
      [this, exchange](Page page) {
        Reply(*exchange, 200, PageJson(std::move(page)));
      });
}

}  // namespace loadgate::services::app
