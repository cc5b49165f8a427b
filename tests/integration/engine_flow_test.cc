// Multi-step flows (captures carried into later steps, polling until a
// condition holds, timed as a custom metric) and data sets filling request
// templates, verified by what the server actually received.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "loadgate/engine.h"
#include "support/report_checks.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test_support::HttpRequest;
using test_support::IsConsistent;
using test_support::kJson;
using test_support::ResponseWriter;
using test_support::TestServer;

constexpr int64_t kMs = 1'000'000;

// A chat service in miniature: POST /sessions creates a session, POST
// /sessions/<id>/messages posts a message, GET /sessions/<id>/reply answers
// "pending" until it has been polled `polls_until_ready` times. Every
// request that does not fit the session's state gets a 4xx.
class SessionService {
 public:
  explicit SessionService(int polls_until_ready)
      : polls_until_ready_(polls_until_ready) {
    server_.Handle("/sessions",
                   [this](const HttpRequest& request, ResponseWriter& writer) {
                     Create(request, writer);
                   });
    server_.Handle("/sessions/*",
                   [this](const HttpRequest& request, ResponseWriter& writer) {
                     InSession(request, writer);
                   });
  }

  const TestServer& server() const { return server_; }
  int sessions() const {
    std::lock_guard lock(mutex_);
    return static_cast<int>(sessions_.size());
  }

 private:
  struct Session {
    uint64_t seq = 0;
    bool posted = false;
    int polls = 0;
  };

  void Create(const HttpRequest& request, ResponseWriter& writer) {
    if (request.method != "POST") return writer.Send(405, "");
    std::string id = "s" + std::to_string(request.number);
    {
      std::lock_guard lock(mutex_);
      sessions_[id].seq = request.number;
    }
    writer.Send(201, json{{"id", id}, {"seq", request.number}}.dump(), kJson);
  }

  void InSession(const HttpRequest& request, ResponseWriter& writer) {
    std::string_view rest = std::string_view(request.path)
                                .substr(std::string_view("/sessions/").size());
    size_t slash = rest.find('/');
    std::string id(rest.substr(0, slash));
    std::string_view action =
        slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    std::lock_guard lock(mutex_);
    auto session = sessions_.find(id);
    if (session == sessions_.end()) return writer.Send(404, "no session");
    if (action == "messages" && request.method == "POST") {
      json body =
          json::parse(request.body, nullptr, /*allow_exceptions=*/false);
      // The captured number must come back as a JSON number.
      if (!body.is_object() ||
          body.value("seq", json()) != session->second.seq) {
        return writer.Send(400, "wrong seq");
      }
      session->second.posted = true;
      return writer.Send(202, R"({"accepted":true})", kJson);
    }
    if (action == "reply" && request.method == "GET") {
      if (!session->second.posted) return writer.Send(409, "nothing posted");
      bool ready = ++session->second.polls >= polls_until_ready_;
      return writer.Send(
          200,
          ready ? R"({"status":"done","text":"MARKER-)" + id + R"("})"
                : R"({"status":"pending"})",
          kJson);
    }
    writer.Send(404, "no such action");
  }

  const int polls_until_ready_;
  mutable std::mutex mutex_;
  std::map<std::string, Session> sessions_;
  // Last, so it stops (joining the handlers) before the state they use goes.
  TestServer server_;
};

Flow ChatTurn(int max_attempts, std::chrono::nanoseconds interval) {
  Flow flow;
  flow.name = "turn";
  flow.metric = "full_turn";
  flow.steps.push_back(
      {.request = {.name = "create",
                   .method = "POST",
                   .url = "/sessions",
                   .body = "{}",
                   .checks = {Check::Status(201)},
                   .captures = {{"id", "/id"}, {"seq", "/seq"}}}});
  flow.steps.push_back({.request = {.name = "post",
                                    .method = "POST",
                                    .url = "/sessions/{id}/messages",
                                    .body = R"({"text":"hi","seq":{seq}})"}});
  flow.steps.push_back(
      {.request = {.name = "poll", .url = "/sessions/{id}/reply"},
       .poll = Poll{.until = {Check::BodyContains("MARKER")},
                    .max_attempts = max_attempts,
                    .interval = interval}});
  return flow;
}

RunOptions Options() {
  RunOptions options;
  options.duration = 20s;  // an upper bound: the iterations end the run
  options.threads = 1;
  options.graceful_stop = 2s;
  return options;
}

TEST(EngineFlowTest, CapturesCarryIntoLaterStepsAndPollWaitsForTheReply) {
  SessionService service(/*polls_until_ready=*/3);
  Scenario scenario;
  scenario.name = "chat";
  scenario.base_url = service.server().base_url();
  scenario.Add(ChatTurn(/*max_attempts=*/20, /*interval=*/50ms));

  RunReport report = loadgate::Run(
      scenario, ClosedModel{.users = 1, .iterations_per_user = 3}, Options());

  ASSERT_TRUE(IsConsistent(report));
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_EQ(service.sessions(), 3);
  const TagStats* create = report.FindTag("create");
  const TagStats* post = report.FindTag("post");
  const TagStats* poll = report.FindTag("poll");
  ASSERT_NE(create, nullptr);
  ASSERT_NE(post, nullptr);
  ASSERT_NE(poll, nullptr);
  EXPECT_EQ(create->requests, 3u);
  EXPECT_EQ(post->requests, 3u);
  // Two "pending" answers, then the reply: three attempts per turn.
  EXPECT_EQ(poll->requests, 9u);
  const CustomMetric* turn = report.FindCustom("full_turn");
  ASSERT_NE(turn, nullptr);
  EXPECT_EQ(turn->count, 3u);
  EXPECT_EQ(turn->failures, 0u);
  // At least the two intervals between the three attempts.
  EXPECT_GE(turn->value.min(), 99 * kMs);
}

// An open model over multi-step flows schedules iterations, not requests:
// the report says so instead of a request-rate target.
TEST(EngineFlowTest, OpenModelOverFlowsHasAnIterationRateNotATarget) {
  SessionService service(/*polls_until_ready=*/1);
  Scenario scenario;
  scenario.base_url = service.server().base_url();
  scenario.Add(ChatTurn(/*max_attempts=*/20, /*interval=*/10ms));
  RunOptions options = Options();
  options.duration = 1s;
  const RunReport report =
      loadgate::Run(scenario, OpenModel{.rate = 5}, options);
  EXPECT_EQ(report.info.load_model, "constant 5 iterations/s");
  EXPECT_EQ(report.info.target_rps, 0);
  EXPECT_GT(report.requests(), 5u);  // several requests per iteration
}

TEST(EngineFlowTest, PollRunningOutOfAttemptsFailsTheFlow) {
  SessionService service(/*polls_until_ready=*/1000);
  Scenario scenario;
  scenario.name = "chat";
  scenario.base_url = service.server().base_url();
  scenario.Add(ChatTurn(/*max_attempts=*/3, /*interval=*/20ms));

  RunReport report = loadgate::Run(
      scenario, ClosedModel{.users = 1, .iterations_per_user = 2}, Options());

  ASSERT_TRUE(IsConsistent(report));
  const TagStats* poll = report.FindTag("poll");
  ASSERT_NE(poll, nullptr);
  EXPECT_EQ(poll->requests, 6u);
  const CustomMetric* turn = report.FindCustom("full_turn");
  ASSERT_NE(turn, nullptr);
  EXPECT_EQ(turn->count, 2u);
  EXPECT_EQ(turn->failures, 2u);
}

TEST(EngineFlowTest, SequentialDataSetFillsTheUrl) {
  TestServer server;
  server.Handle("/items/*", test_support::Respond(200, "{}", kJson));
  Scenario scenario;
  scenario.name = "items";
  scenario.base_url = server.base_url();
  scenario.data.push_back(DataSet::FromValues("item", {"a", "b", "c"}));
  scenario.Add(Request{.name = "item", .url = "/items/{item}"});

  RunReport report = loadgate::Run(
      scenario, ClosedModel{.users = 1, .iterations_per_user = 6}, Options());

  ASSERT_TRUE(IsConsistent(report));
  EXPECT_EQ(report.requests(), 6u);
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_EQ(server.CountTarget("/items/a"), 2u);
  EXPECT_EQ(server.CountTarget("/items/b"), 2u);
  EXPECT_EQ(server.CountTarget("/items/c"), 2u);
}

TEST(EngineFlowTest, UrlValuesArePercentEncodedAndQueriesKept) {
  TestServer server;
  server.Handle("/search", test_support::Respond(200, "{}", kJson));
  Scenario scenario;
  scenario.name = "search";
  scenario.base_url = server.base_url();
  scenario.data.push_back(DataSet::FromValues("term", {"sore throat"}));
  scenario.Add(Request{.name = "search", .url = "/search?q={term}&n=1"});

  RunReport report = loadgate::Run(
      scenario, ClosedModel{.users = 1, .iterations_per_user = 2}, Options());

  ASSERT_TRUE(IsConsistent(report));
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_EQ(server.CountTarget("/search?q=sore%20throat&n=1"), 2u);
}

TEST(EngineFlowTest, AbsoluteUrlOverridesTheBaseUrl) {
  TestServer base;
  TestServer other;
  other.Handle("/elsewhere", test_support::Respond(200, "{}", kJson));
  Scenario scenario;
  scenario.name = "two_origins";
  scenario.base_url = base.base_url();
  scenario.Add(
      Request{.name = "elsewhere", .url = other.base_url() + "/elsewhere"});

  RunReport report = loadgate::Run(
      scenario, ClosedModel{.users = 1, .iterations_per_user = 3}, Options());

  ASSERT_TRUE(IsConsistent(report));
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_EQ(other.CountTarget("/elsewhere"), 3u);
  EXPECT_EQ(base.requests(), 0u);
}

TEST(EngineFlowTest, CsvRowsFillUrlHeaderAndBodyTogether) {
  test_support::TempDir dir;
  std::string csv =
      dir.WriteFile("patients.csv", "mrn,query\nM1,fever\nM2,cough\n");
  const std::map<std::string, std::string> query_of = {
      {"/patients/M1", "fever"}, {"/patients/M2", "cough"}};
  TestServer server;
  // 200 only when URL, header and body came from the same row; "{{" in the
  // template is a literal brace.
  server.Handle("/patients/*", [&query_of](const HttpRequest& request,
                                           ResponseWriter& writer) {
    auto row = query_of.find(request.path);
    bool same_row =
        row != query_of.end() && request.Header("X-Query") == row->second &&
        request.body == R"({"q":")" + row->second + R"(","literal":"{query}"})";
    writer.Send(same_row ? 200 : 400, request.body, kJson);
  });
  Scenario scenario;
  scenario.name = "patients";
  scenario.base_url = server.base_url();
  scenario.data.push_back(DataSet::FromCsvFile(csv));
  scenario.Add(Request{.name = "patient",
                       .method = "POST",
                       .url = "/patients/{mrn}",
                       .headers = {{"X-Query", "{query}"}},
                       .body = R"({"q":"{query}","literal":"{{query}"})"});

  RunReport report = loadgate::Run(
      scenario, ClosedModel{.users = 1, .iterations_per_user = 4}, Options());

  ASSERT_TRUE(IsConsistent(report));
  EXPECT_EQ(report.requests(), 4u);
  EXPECT_EQ(report.errors(), 0u);
  EXPECT_EQ(server.CountTarget("/patients/M1"), 2u);
  EXPECT_EQ(server.CountTarget("/patients/M2"), 2u);
}

}  // namespace
}  // namespace loadgate
