// The sample application as a black box: the real sample-app binary, its
// SQLite file and (for the chat API) the real mock-llm binary, over HTTP.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "app/dataset.h"
#include "gtest/gtest.h"
#include "support/service_process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace app = loadgate::services::app;

namespace {

using loadgate::test_support::ServiceProcess;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

const std::string kSampleApp = LOADGATE_BINARY_DIR "/bin/sample-app";
const std::string kMockLlm = LOADGATE_BINARY_DIR "/bin/mock-llm";
constexpr uint64_t kSeed = 7;
constexpr int kPatients = 300;

struct Response {
  int status = 0;
  std::string body;
  double seconds = 0;
  json Json() const { return json::parse(body, nullptr, false); }
};

// One HTTP/1.1 exchange over a fresh connection (Connection: close).
Response Call(int port, const std::string& method, const std::string& target,
              const std::string& body = "",
              std::chrono::milliseconds timeout = 15s) {
  const auto start = Clock::now();
  Response response;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    close(fd);
    return response;
  }
  const std::string request = method + " " + target +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Connection: close\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
  if (write(fd, request.data(), request.size()) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return response;
  }
  std::string raw;
  char buffer[8192];
  const auto deadline = start + timeout;
  while (Clock::now() < deadline) {
    pollfd entry{fd, POLLIN, 0};
    if (poll(&entry, 1, 50) <= 0) continue;
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    raw.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  response.seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  const size_t head_end = raw.find("\r\n\r\n");
  if (raw.starts_with("HTTP/1.1 ") && head_end != std::string::npos) {
    response.status = std::stoi(raw.substr(9, 3));
    response.body = raw.substr(head_end + 4);
  }
  return response;
}

Response Get(int port, const std::string& target) {
  return Call(port, "GET", target);
}
Response Post(int port, const std::string& target, const std::string& body) {
  return Call(port, "POST", target, body);
}

class AppApiTest : public ::testing::Test {
 protected:
  std::string DbSpec() const {
    return "sqlite:" + (dir_.path() / "app.db").string();
  }

  std::unique_ptr<ServiceProcess> StartApp(
      std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {kSampleApp,
                                     "--port=0",
                                     "--threads=2",
                                     "--db=" + DbSpec(),
                                     "--patients=" + std::to_string(kPatients),
                                     "--seed=" + std::to_string(kSeed),
                                     "--llm-url=" + refusing_.base_url()};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<ServiceProcess>(args);
  }

  std::unique_ptr<ServiceProcess> StartMockLlm(
      std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        kMockLlm,     "--port=0",           "--threads=1", "--ttft-ms=20",
        "--itl-ms=1", "--output-tokens=12", "--seed=3"};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<ServiceProcess>(args);
  }

  std::string NewSession(int port, const std::string& body = "") {
    Response created = Post(port, "/sessions", body);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.Json().value("id", "");
  }

  loadgate::test_support::TempDir dir_;
  // Where the LLM is unless a test starts the mock: nothing listens.
  loadgate::test_support::RefusingPort refusing_;
};

// Expects `status` and, for a 400, the offending field named in the body.
void ExpectError(const Response& response, int status,
                 const char* field = nullptr) {
  EXPECT_EQ(response.status, status) << response.body;
  const json body = response.Json();
  ASSERT_TRUE(body.is_object()) << response.body;
  EXPECT_TRUE(body.contains("error")) << response.body;
  if (field != nullptr) {
    EXPECT_EQ(body.value("field", ""), field) << response.body;
  }
}

TEST_F(AppApiTest, ServesTheSeededDataSet) {
  auto app = StartApp();
  const int port = app->port();

  const json health = Get(port, "/health").Json();
  EXPECT_EQ(health.value("status", ""), "ok");
  EXPECT_EQ(health.value("db", ""), "sqlite");
  EXPECT_EQ(health.value("patients", 0), kPatients);
  EXPECT_TRUE(health.value("seeded_now", false));

  // Paging visits every patient once, in MRN order, then ends with null.
  std::set<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    const std::string target =
        "/patients?limit=70" + (cursor.empty() ? "" : "&cursor=" + cursor);
    const json body = Get(port, target).Json();
    ASSERT_TRUE(body["items"].is_array()) << body;
    for (const json& patient : body["items"])
      seen.insert(patient["mrn"].get<std::string>());
    if (body["next"].is_null()) break;
    cursor = body["next"].get<std::string>();
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kPatients));
  EXPECT_EQ(*seen.begin(), app::MrnFor(0));
  EXPECT_EQ(*seen.rbegin(), app::MrnFor(kPatients - 1));

  // A patient and their summary are exactly what the generator made.
  app::PatientBundle bundle;
  app::GeneratePatient(kSeed, 41, &bundle);
  const std::string mrn = bundle.patient.mrn;
  const json patient = Get(port, "/patients/" + mrn).Json();
  EXPECT_EQ(patient.value("family_name", ""), bundle.patient.family_name);
  EXPECT_EQ(patient.value("birth_date", ""), bundle.patient.birth_date);
  const json summary = Get(port, "/patients/" + mrn + "/summary").Json();
  EXPECT_EQ(summary["patient"]["mrn"], mrn);
  EXPECT_EQ(summary["encounters"].size(), bundle.encounters.size());
  EXPECT_EQ(summary["claims"].size(), bundle.claims.size());
  EXPECT_EQ(summary["documents"].size(), bundle.documents.size());
  int64_t billed = 0;
  for (const auto& claim : bundle.claims) billed += claim.amount_cents;
  EXPECT_EQ(summary["totals"]["billed_cents"].get<int64_t>(), billed);

  // Filters: by patient, by status and date range, by document kind.
  const json encounters = Get(port, "/encounters?mrn=" + mrn).Json();
  ASSERT_EQ(encounters["items"].size(), bundle.encounters.size());
  EXPECT_EQ(encounters["items"][0]["id"], bundle.encounters[0].id);
  EXPECT_TRUE(encounters["next"].is_null());
  const json claims =
      Get(port, "/claims?status=paid&from=2018-01-01&to=2019-12-31&limit=500")
          .Json();
  ASSERT_FALSE(claims["items"].empty());
  for (const json& claim : claims["items"]) {
    EXPECT_EQ(claim["status"], "paid");
    EXPECT_GE(claim["date"].get<std::string>(), "2018-01-01");
    EXPECT_LE(claim["date"].get<std::string>(), "2019-12-31");
  }
  const json first = Get(port, "/documents?kind=lab-report&limit=5").Json();
  ASSERT_EQ(first["items"].size(), 5u);
  for (const json& document : first["items"])
    EXPECT_EQ(document["kind"], "lab-report");
  const json second = Get(port, "/documents?kind=lab-report&limit=5&cursor=" +
                                    first["next"].dump())
                          .Json();
  ASSERT_FALSE(second["items"].empty());
  EXPECT_GT(second["items"][0]["id"].get<int64_t>(),
            first["items"][4]["id"].get<int64_t>());
}

TEST_F(AppApiTest, RejectsBadInputWithTheFieldNamed) {
  auto app = StartApp();
  const int port = app->port();
  ExpectError(Get(port, "/patients?limit=0"), 400, "limit");
  ExpectError(Get(port, "/patients?limit=many"), 400, "limit");
  ExpectError(Get(port, "/encounters?from=2020-1-1"), 400, "from");
  ExpectError(Get(port, "/claims?to=yesterday"), 400, "to");
  ExpectError(Get(port, "/documents?cursor=abc"), 400, "cursor");
  ExpectError(Get(port, "/patients/MRN99999999"), 404, "mrn");
  ExpectError(Get(port, "/patients/MRN99999999/summary"), 404, "mrn");

  ExpectError(Post(port, "/triage", "{not json"), 400);
  ExpectError(Post(port, "/triage", "[1, 2]"), 400);
  ExpectError(Post(port, "/triage", R"({"query": "fever?"})"), 400, "mrn");
  ExpectError(Post(port, "/triage", R"({"mrn": "MRN00000001"})"), 400, "query");
  ExpectError(Post(port, "/triage", R"({"mrn": "MRN00000001", "query": 5})"),
              400, "query");
  ExpectError(Post(port, "/triage", R"({"mrn": "MRN99999999", "query": "?"})"),
              404, "mrn");

  ExpectError(Post(port, "/sessions", "{oops"), 400);
  ExpectError(Post(port, "/sessions", R"({"mrn": 12})"), 400, "mrn");
  ExpectError(Post(port, "/sessions", R"({"mrn": "MRN99999999"})"), 404, "mrn");
  const std::string session = NewSession(port);
  const std::string events = "/sessions/" + session + "/events";
  ExpectError(Post(port, events, "]"), 400);
  ExpectError(
      Post(port, events, R"({"kind": "message", "source": "customer"})"), 400,
      "message");
  ExpectError(Post(port, events, R"({"source": "customer", "message": "hi"})"),
              400, "kind");
  ExpectError(Post(port, events,
                   R"({"kind": "tool", "source": "customer", "message": "x"})"),
              400, "kind");
  ExpectError(Post(port, events,
                   R"({"kind": "message", "source": "agent", "message": "x"})"),
              400, "source");
  ExpectError(
      Post(port, "/sessions/no-such-session/events",
           R"({"kind": "message", "source": "customer", "message": "x"})"),
      404, "session");
  ExpectError(Get(port, "/sessions/no-such-session/events"), 404, "session");
  ExpectError(Get(port, events + "?min_offset=-1"), 400, "min_offset");
  ExpectError(Get(port, events + "?wait_for_data=soon"), 400, "wait_for_data");

  ExpectError(Get(port, "/no/such/route"), 404);
  ExpectError(Call(port, "DELETE", "/patients"), 405);
  ExpectError(Get(port, "/triage"), 405);
}

TEST_F(AppApiTest, TriageAsksTheLlmWithBothProtocols) {
  auto llm = StartMockLlm();
  for (const char* api : {"gemini", "openai"}) {
    SCOPED_TRACE(api);
    const std::string model =
        std::string(api) == "gemini" ? "gemini-2.0-flash" : "gpt-4o-mini";
    auto app =
        StartApp({"--llm-url=" + llm->url(), std::string("--llm-api=") + api,
                  "--llm-model=" + model, "--llm-api-key=test-key"});
    const Response response =
        Post(app->port(), "/triage",
             R"({"mrn": "MRN00000003", "query": "Anything urgent?"})");
    ASSERT_EQ(response.status, 200) << response.body;
    const json body = response.Json();
    EXPECT_FALSE(body.value("response", "").empty());
    EXPECT_EQ(body.value("model", ""), model);
    EXPECT_EQ(body.value("trace_id", "").size(), 32u);
    EXPECT_EQ(body["usage"].value("completion_tokens", 0), 12);
    EXPECT_GT(body["usage"].value("prompt_tokens", 0), 0);
    EXPECT_GT(body.value("latency_ms", 0.0), 0.0);
  }
}

TEST_F(AppApiTest, LlmErrorsAre502AndTimeoutsAre504WithTheTraceId) {
  const std::string triage = R"({"mrn": "MRN00000001", "query": "?"})";
  {
    auto app = StartApp();  // the LLM port refuses connections
    const Response refused = Post(app->port(), "/triage", triage);
    ExpectError(refused, 502);
    EXPECT_EQ(refused.Json().value("trace_id", "").size(), 32u);
  }
  {
    auto llm = StartMockLlm({"--fault=500=1"});
    auto app = StartApp({"--llm-url=" + llm->url()});
    const Response failed = Post(app->port(), "/triage", triage);
    ExpectError(failed, 502);
    EXPECT_EQ(failed.Json().value("upstream_status", 0), 500);
    EXPECT_EQ(failed.Json().value("trace_id", "").size(), 32u);
  }
  {
    auto llm = StartMockLlm({"--fault=hang=1"});
    auto app = StartApp({"--llm-url=" + llm->url(), "--llm-timeout=300ms"});
    const Response timed_out = Post(app->port(), "/triage", triage);
    ExpectError(timed_out, 504);
    EXPECT_EQ(timed_out.Json().value("trace_id", "").size(), 32u);
    EXPECT_GE(timed_out.seconds, 0.25);
    EXPECT_LT(timed_out.seconds, 10);  // bounded, not the mock's 10-minute hang
  }
}

TEST_F(AppApiTest, AgentAnswersACustomerMessageInTheBackground) {
  auto llm = StartMockLlm();
  auto app = StartApp({"--llm-url=" + llm->url()});
  const int port = app->port();
  const std::string session = NewSession(port, R"({"mrn": "MRN00000009"})");
  const std::string events = "/sessions/" + session + "/events";
  const Response ack = Post(
      port, events,
      R"({"kind": "message", "source": "customer", "message": "Is my claim paid?"})");
  ASSERT_EQ(ack.status, 201) << ack.body;
  EXPECT_EQ(ack.Json().value("offset", -1), 0);

  const Response reply = Get(port, events + "?min_offset=1&wait_for_data=20");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json agent = reply.Json()["events"];
  ASSERT_EQ(agent.size(), 1u) << reply.body;
  EXPECT_EQ(agent[0].value("offset", -1), 1);
  EXPECT_EQ(agent[0].value("source", ""), "agent");
  EXPECT_EQ(agent[0].value("kind", ""), "message");
  EXPECT_FALSE(agent[0].value("message", "").empty());

  const json all = Get(port, events + "?min_offset=0").Json()["events"];
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].value("message", ""), "Is my claim paid?");
  EXPECT_EQ(all[0].value("source", ""), "customer");
}

TEST_F(AppApiTest, LongPollAnswersWhenAnEventArrivesOrTheWaitEnds) {
  auto app = StartApp();
  const int port = app->port();
  const std::string session = NewSession(port);
  const std::string events = "/sessions/" + session + "/events";

  const Response empty = Get(port, events + "?min_offset=0&wait_for_data=0.4");
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_TRUE(empty.Json()["events"].empty());
  EXPECT_GE(empty.seconds, 0.35);

  // A poll waiting on one loop thread is woken by a post on any thread.
  Response woken;
  std::thread poller(
      [&] { woken = Get(port, events + "?min_offset=0&wait_for_data=25"); });
  std::this_thread::sleep_for(300ms);
  const Response ack = Post(
      port, events,
      R"({"kind": "message", "source": "customer", "message": "wake up"})");
  ASSERT_EQ(ack.status, 201);
  poller.join();
  ASSERT_EQ(woken.status, 200) << woken.body;
  ASSERT_FALSE(woken.Json()["events"].empty());
  EXPECT_EQ(woken.Json()["events"][0].value("message", ""), "wake up");
  EXPECT_LT(woken.seconds, 15);  // far from the 25 s wait
}

TEST_F(AppApiTest, ExhaustedPoolAnswers503WithinTheWaitBound) {
  auto app = StartApp({"--db-pool=1", "--db-wait-ms=300"});
  const int port = app->port();
  // Another writer holds the database lock, so a write holds the single
  // pooled connection (waiting on SQLite's busy timeout).
  sqlite3* blocker = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() / "app.db").c_str(), &blocker),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(blocker, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr),
            SQLITE_OK);
  Response held;
  std::thread writer([&] { held = Post(port, "/sessions", ""); });
  bool in_use = false;
  for (auto deadline = Clock::now() + 10s; !in_use && Clock::now() < deadline;
       std::this_thread::sleep_for(20ms)) {
    in_use = Get(port, "/metrics").body.find("app_db_pool_in_use 1") !=
             std::string::npos;
  }
  ASSERT_TRUE(in_use);

  const Response rejected = Get(port, "/patients/MRN00000001");
  ExpectError(rejected, 503);
  EXPECT_NE(rejected.body.find("pool"), std::string::npos) << rejected.body;
  EXPECT_GE(rejected.seconds, 0.25);
  EXPECT_LT(rejected.seconds, 3.0);
  EXPECT_NE(Get(port, "/metrics").body.find("app_db_pool_timeouts_total 1"),
            std::string::npos);

  ASSERT_EQ(sqlite3_exec(blocker, "COMMIT", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(blocker);
  writer.join();
  EXPECT_EQ(held.status, 201) << held.body;
  EXPECT_EQ(Get(port, "/patients/MRN00000001").status, 200);
}

TEST_F(AppApiTest, AcknowledgedEventsSurviveKillNine) {
  auto app = StartApp();
  const std::string session = NewSession(app->port());
  const std::string events = "/sessions/" + session + "/events";
  std::vector<int64_t> offsets;
  for (int i = 0; i < 20; ++i) {
    const Response ack = Post(app->port(), events,
                              json{{"kind", "message"},
                                   {"source", "customer"},
                                   {"message", "note " + std::to_string(i)}}
                                  .dump());
    ASSERT_EQ(ack.status, 201) << ack.body;
    offsets.push_back(ack.Json()["offset"].get<int64_t>());
  }
  app->Kill(SIGKILL);

  auto restarted = StartApp();
  EXPECT_FALSE(
      Get(restarted->port(), "/health").Json().value("seeded_now", true));
  const json stored =
      Get(restarted->port(), events + "?min_offset=0").Json()["events"];
  // Agent replies (errors: no LLM here) may be interleaved; every
  // acknowledged customer event is there at its offset.
  std::map<int64_t, std::string> customer;
  for (const json& event : stored) {
    if (event["source"] == "customer")
      customer[event["offset"].get<int64_t>()] = event["message"];
  }
  ASSERT_EQ(customer.size(), offsets.size());
  for (size_t i = 0; i < offsets.size(); ++i)
    EXPECT_EQ(customer[offsets[i]], "note " + std::to_string(i));
}

TEST_F(AppApiTest, MetricsCountRequestsPoolAndLlmCalls) {
  auto llm = StartMockLlm();
  auto app = StartApp({"--llm-url=" + llm->url(), "--db-pool=3"});
  const int port = app->port();
  ASSERT_EQ(Get(port, "/health").status, 200);
  ASSERT_EQ(Get(port, "/patients/nope").status, 404);
  ASSERT_EQ(
      Post(port, "/triage", R"({"mrn": "MRN00000002", "query": "?"})").status,
      200);
  const std::string metrics = Get(port, "/metrics").body;
  for (const char* expected :
       {"app_requests_total{route=\"/health\",status=\"200\"} 1",
        "app_requests_total{route=\"/patients/{mrn}\",status=\"404\"} 1",
        "app_requests_total{route=\"/triage\",status=\"200\"} 1",
        "app_request_duration_seconds_count{route=\"/triage\"} 1",
        "app_request_duration_seconds_bucket{route=\"/health\",le=\"+Inf\"} 1",
        "app_llm_calls_total{outcome=\"ok\"} 1",
        "app_llm_calls_total{outcome=\"timeout\"} 0", "app_db_pool_size 3",
        "app_db_pool_in_use 0", "app_db_pool_waiting 0"}) {
    EXPECT_NE(metrics.find(expected), std::string::npos) << expected;
  }
}

}  // namespace
