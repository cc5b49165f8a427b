// The mock LLM over real sockets: streaming against the announced plan,
// every fault, every bad input, slow and vanishing clients, the admin API,
// the journal of exchanges and graceful shutdown.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mock_llm/server.h"
#include "support/mock_llm_http_client.h"

namespace loadgate::services::mock_llm {
namespace {

using mock_llm_test::Fetch;
using mock_llm_test::Headers;
using mock_llm_test::HttpConnection;
using mock_llm_test::HttpResponse;
using nlohmann::json;
using std::chrono::milliseconds;
using testing::HasSubstr;

constexpr char kChat[] = "/v1/chat/completions";
constexpr char kGeminiStream[] =
    "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse";

std::string ChatBody(bool stream) {
  return json{{"model", "gpt-4o-mini"},
              {"stream", stream},
              {"messages", {{{"role", "user"}, {"content", "hello there"}}}}}
      .dump();
}

const std::string kGeminiBody =
    R"({"contents":[{"role":"user","parts":[{"text":"hello there"}]}]})";

std::map<std::string, std::string> ParsePairs(const std::string& text,
                                              char separator) {
  std::map<std::string, std::string> pairs;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, separator);) {
    const size_t eq = item.find('=');
    if (eq != std::string::npos)
      pairs[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return pairs;
}

std::vector<int64_t> ActualEmitUs(const std::string& body) {
  const size_t at = body.find("emit_us=");
  std::vector<int64_t> times;
  if (at == std::string::npos) return times;
  std::stringstream stream(body.substr(at + 8, body.find('\n', at) - at - 8));
  for (std::string item; std::getline(stream, item, ',');)
    times.push_back(std::stoll(item));
  return times;
}

class MockLlmServerTest : public testing::Test {
 protected:
  void SetUp() override { StartServer(DefaultConfig()); }
  void TearDown() override { StopServer(); }

  static Config DefaultConfig() {
    Config config;
    config.ttft_ms = Distribution::Constant(20);
    config.itl_ms = 2;
    config.output_tokens = Distribution::Constant(8);
    config.seed = 5;
    config.hang_ms = 30000;
    return config;
  }

  void StartServer(Config config, int threads = 1) {
    services::HttpServerOptions options;
    options.port = 0;
    options.threads = threads;
    options.handle_signals = false;
    options.max_body_bytes = 64 * 1024;
    options.drain_timeout = milliseconds(3000);
    server_ = std::make_unique<MockLlmServer>(std::move(config), options);
    const Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.message();
    waiter_ = std::thread([this] { server_->Wait(); });
    port_ = server_->port();
  }

  void StopServer() {
    if (!server_) return;
    server_->Stop();
    waiter_.join();
    server_.reset();
  }

  // Waits (bounded) until the server has no request in flight.
  bool Drained() {
    for (int i = 0; i < 200; ++i) {
      if (server_->metrics().in_flight().load() == 0) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }

  HttpResponse Post(const std::string& path, const std::string& body,
                    const Headers& headers = {}) {
    return Fetch(port_, "POST", path, body, headers);
  }

  std::unique_ptr<MockLlmServer> server_;
  std::thread waiter_;
  int port_ = 0;
};

TEST_F(MockLlmServerTest, HealthAndMetrics) {
  HttpResponse health = Fetch(port_, "GET", "/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"ok"})");
  ASSERT_EQ(Post(kChat, ChatBody(false)).status, 200);
  HttpResponse metrics = Fetch(port_, "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body,
              HasSubstr("mock_llm_requests_total{api=\"openai_chat\",model="
                        "\"gpt-4o-mini\",status=\"200\"} 1"));
  EXPECT_THAT(metrics.body, HasSubstr("mock_llm_tokens_generated_total 8"));
  EXPECT_THAT(metrics.body, HasSubstr("mock_llm_in_flight_requests 0"));
}

TEST_F(MockLlmServerTest, StreamFollowsThePlanItAnnounces) {
  HttpResponse response =
      Post(kGeminiStream, kGeminiBody,
           {{"x-mock-llm-ttft-ms", "60"}, {"x-mock-llm-itl-ms", "10"}});
  ASSERT_EQ(response.status, 200);
  ASSERT_TRUE(response.complete);
  EXPECT_EQ(response.headers["content-type"], "text/event-stream");
  auto plan = ParsePairs(response.headers["x-mock-llm-plan"], ';');
  EXPECT_EQ(plan["ttft_ms"], "60.000");
  EXPECT_EQ(plan["itl_ms"], "10.000");
  EXPECT_EQ(plan["chunks"], "8");
  const std::vector<int64_t> emitted = ActualEmitUs(response.body);
  ASSERT_EQ(emitted.size(), 8u);
  for (size_t i = 0; i < emitted.size(); ++i) {
    const int64_t planned_us = 60000 + static_cast<int64_t>(i) * 10000;
    // Never early; late only by scheduling noise on a busy machine.
    EXPECT_GE(emitted[i], planned_us) << i;
    EXPECT_LT(emitted[i], planned_us + 500000) << i;
  }
}

TEST_F(MockLlmServerTest, SameSeedAndPromptGiveTheSameTextAcrossRestarts) {
  const std::string first = Post(kChat, ChatBody(false)).body;
  StopServer();
  StartServer(DefaultConfig());
  const std::string second = Post(kChat, ChatBody(false)).body;
  EXPECT_EQ(json::parse(first)["choices"][0]["message"]["content"],
            json::parse(second)["choices"][0]["message"]["content"]);
  const std::string other =
      Post(kChat, ChatBody(false), {{"x-mock-llm-seed", "6"}}).body;
  EXPECT_NE(json::parse(first)["choices"][0]["message"]["content"],
            json::parse(other)["choices"][0]["message"]["content"]);
}

TEST_F(MockLlmServerTest, GeminiWithoutAltSseStreamsAJsonArray) {
  HttpResponse response = Post(
      "/v1beta/models/gemini-2.0-flash:streamGenerateContent", kGeminiBody);
  ASSERT_EQ(response.status, 200);
  ASSERT_TRUE(response.complete);
  const json chunks = json::parse(response.body);
  ASSERT_EQ(chunks.size(), 8u);
  EXPECT_EQ(chunks[7]["candidates"][0]["finishReason"], "STOP");
}

TEST_F(MockLlmServerTest, InjectedErrorStatuses) {
  for (auto [fault, status] : std::vector<std::pair<std::string, int>>{
           {"429", 429}, {"500", 500}, {"503", 503}}) {
    HttpResponse response =
        Post("/v1beta/models/gemini-2.0-flash:generateContent", kGeminiBody,
             {{"x-mock-llm-fault", fault}});
    EXPECT_EQ(response.status, status) << fault;
    const json body = json::parse(response.body);
    EXPECT_EQ(body["error"]["code"], status);
    if (status == 429) {
      EXPECT_EQ(body["error"]["status"], "RESOURCE_EXHAUSTED");
      EXPECT_EQ(response.headers["retry-after"], "1");
      EXPECT_EQ(response.headers["retry-after-ms"], "1000");
    }
  }
  EXPECT_TRUE(Drained());
}

TEST_F(MockLlmServerTest, HangHoldsTheRequestUntilTheClientLeaves) {
  {
    HttpConnection connection(port_);
    ASSERT_TRUE(connection.Send("POST", kChat, ChatBody(true),
                                {{"x-mock-llm-fault", "hang"}}));
    HttpResponse response = connection.Read(milliseconds(300));
    EXPECT_TRUE(response.timed_out);
    EXPECT_EQ(response.status, 0);
    EXPECT_EQ(server_->metrics().in_flight().load(), 1);
  }  // the client gives up and closes
  EXPECT_TRUE(Drained());
  EXPECT_THAT(Fetch(port_, "GET", "/metrics").body,
              HasSubstr("status=\"499\"} 1"));
}

TEST_F(MockLlmServerTest, DisconnectCutsTheStreamInTheMiddle) {
  HttpResponse response = Post(
      kChat, ChatBody(true),
      {{"x-mock-llm-fault", "disconnect"}, {"x-mock-llm-fault-after", "3"}});
  EXPECT_EQ(response.status, 200);
  EXPECT_FALSE(response.complete);
  EXPECT_FALSE(response.timed_out);
  // The role chunk and three tokens arrived, then half an event.
  size_t events = 0;
  for (size_t at = 0;
       (at = response.body.find("data: ", at)) != std::string::npos; ++at)
    ++events;
  EXPECT_EQ(events, 5u);
  EXPECT_EQ(response.body.find("[DONE]"), std::string::npos);
  EXPECT_TRUE(Drained());
}

TEST_F(MockLlmServerTest, StreamErrorEventEndsTheStream) {
  HttpResponse response =
      Post(kGeminiStream, kGeminiBody, {{"x-mock-llm-fault", "stream-error"}});
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(response.complete);
  EXPECT_THAT(response.body,
              HasSubstr(R"(data: {"error":{"code":500,"message":"mock-llm: )"
                        R"(injected stream error","status":"INTERNAL"}})"));
  EXPECT_EQ(response.body.find("finishReason"), std::string::npos);
}

TEST_F(MockLlmServerTest, SlowHeadersDelayTheResponseHead) {
  HttpResponse response = Post(kChat, ChatBody(true),
                               {{"x-mock-llm-fault", "slow-headers"},
                                {"x-mock-llm-slow-headers-ms", "150"}});
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(response.complete);
  EXPECT_GE(response.headers_after, milliseconds(150));
  EXPECT_THAT(response.headers["x-mock-llm-plan"],
              HasSubstr("headers_ms=150.000"));
}

TEST_F(MockLlmServerTest, FaultProbabilitiesSetAtRunTimeThroughAdmin) {
  HttpResponse update = Post("/admin/config", R"({"faults": {"503": 1.0}})");
  ASSERT_EQ(update.status, 200) << update.body;
  EXPECT_EQ(json::parse(update.body)["faults"]["503"], 1.0);
  EXPECT_EQ(Post(kChat, ChatBody(false)).status, 503);
  EXPECT_EQ(Post("/admin/config", R"({"faults": {"503": 0}})").status, 200);
  EXPECT_EQ(Post(kChat, ChatBody(false)).status, 200);
  EXPECT_EQ(Post("/admin/config", R"({"faults": {"503": 7}})").status, 400);
  EXPECT_EQ(Post("/admin/config", "{oops").status, 400);
  EXPECT_EQ(
      json::parse(Fetch(port_, "GET", "/admin/config").body)["ttft_ms"]["mean"],
      20);
}

TEST_F(MockLlmServerTest, BadInputGetsTheProviderErrorShape) {
  HttpResponse malformed = Post(kChat, "{\"model\": ");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(json::parse(malformed.body)["error"]["type"],
            "invalid_request_error");

  HttpResponse missing = Post("/v1/messages", R"({"model":"c","messages":[]})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(json::parse(missing.body)["error"]["type"],
            "invalid_request_error");

  HttpResponse gemini =
      Post("/v1beta/models/gemini-2.0-flash:generateContent", "{}");
  EXPECT_EQ(gemini.status, 400);
  EXPECT_EQ(json::parse(gemini.body)["error"]["status"], "INVALID_ARGUMENT");

  HttpResponse bad_header =
      Post(kChat, ChatBody(false), {{"x-mock-llm-ttft-ms", "later"}});
  EXPECT_EQ(bad_header.status, 400);

  HttpResponse unknown = Post("/v1/teapot", "{}");
  EXPECT_EQ(unknown.status, 404);
  HttpResponse bad_form =
      Post("/v1beta/models/gemini-2.0-flash:explode", kGeminiBody);
  EXPECT_EQ(bad_form.status, 404);
  EXPECT_EQ(json::parse(bad_form.body)["error"]["status"], "NOT_FOUND");

  HttpResponse too_big = Post(kChat, std::string(100 * 1024, 'x'));
  EXPECT_EQ(too_big.status, 413);
  EXPECT_EQ(Fetch(port_, "GET", "/health").status, 200);
  EXPECT_TRUE(Drained());
}

TEST_F(MockLlmServerTest, GarbageOnTheWireNeverTakesTheServerDown) {
  for (const char* junk :
       {"\r\n\r\n", "GET\r\n\r\n", "POST / HTTP/9.9\r\n\r\n",
        "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: "
        "10\r\n\r\nabc"}) {
    HttpConnection connection(port_);
    ASSERT_TRUE(connection.connected());
    connection.SendRaw(junk);
    connection.ShutdownWrite();
    connection.Read(milliseconds(500));
  }
  EXPECT_EQ(Fetch(port_, "GET", "/health").status, 200);
}

TEST_F(MockLlmServerTest, ASlowReaderDoesNotHoldBackOtherStreams) {
  // A client that asks for a long, fast stream and never reads.
  HttpConnection stalled(port_);
  ASSERT_TRUE(stalled.Send("POST", kChat, ChatBody(true),
                           {{"x-mock-llm-tokens", "200000"},
                            {"x-mock-llm-ttft-ms", "0"},
                            {"x-mock-llm-itl-ms", "0"}}));
  std::this_thread::sleep_for(milliseconds(200));
  // Others on the same (single) event loop are still served on time.
  const auto start = std::chrono::steady_clock::now();
  HttpResponse other = Post(kChat, ChatBody(true));
  EXPECT_TRUE(other.complete);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
  stalled.Close();
  EXPECT_TRUE(Drained());
}

TEST_F(MockLlmServerTest, AClientThatLeavesMidStreamIsForgotten) {
  {
    HttpConnection leaver(port_);
    ASSERT_TRUE(leaver.Send("POST", kChat, ChatBody(true),
                            {{"x-mock-llm-ttft-ms", "0"},
                             {"x-mock-llm-itl-ms", "20"},
                             {"x-mock-llm-tokens", "1000"}}));
    HttpResponse partial = leaver.Read(milliseconds(100));
    EXPECT_EQ(partial.status, 200);
    EXPECT_FALSE(partial.complete);
  }
  EXPECT_TRUE(Drained());
}

TEST_F(MockLlmServerTest, QuotaRefusalsCarryRateLimitHeaders) {
  ASSERT_EQ(Post("/admin/config", R"({"requests_per_minute": 2})").status, 200);
  const Headers key = {{"authorization", "Bearer k1"}};
  HttpResponse first = Post(kChat, ChatBody(false), key);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.headers["x-ratelimit-limit-requests"], "2");
  EXPECT_EQ(first.headers["x-ratelimit-remaining-requests"], "1");
  EXPECT_EQ(Post(kChat, ChatBody(false), key).status, 200);
  HttpResponse refused = Post(kChat, ChatBody(false), key);
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.headers["x-ratelimit-remaining-requests"], "0");
  EXPECT_EQ(refused.headers["retry-after"], "30");
  EXPECT_EQ(json::parse(refused.body)["error"]["code"], "rate_limit_exceeded");
  EXPECT_EQ(
      Post(kChat, ChatBody(false), {{"authorization", "Bearer k2"}}).status,
      200);
}

TEST_F(MockLlmServerTest, StopLetsOpenStreamsFinish) {
  HttpConnection connection(port_);
  ASSERT_TRUE(connection.Send("POST", kChat, ChatBody(true),
                              {{"x-mock-llm-ttft-ms", "300"}}));
  std::this_thread::sleep_for(milliseconds(50));
  server_->Stop();
  HttpResponse response = connection.Read(milliseconds(5000));
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(response.complete);
  EXPECT_THAT(response.body, HasSubstr("[DONE]"));
  waiter_.join();
  server_.reset();
  // No longer accepting.
  EXPECT_EQ(Fetch(port_, "GET", "/health").status, 0);
}

TEST_F(MockLlmServerTest, SeveralThreadsShareOnePort) {
  StopServer();
  StartServer(DefaultConfig(), 3);
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < 12; ++i) {
    clients.emplace_back([&] {
      if (Post(kChat, ChatBody(true)).complete) ++ok;
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(ok.load(), 12);
}

json Journal(int port) {
  HttpResponse response = Fetch(port, "GET", "/admin/journal");
  EXPECT_EQ(response.status, 200) << response.body;
  return json::parse(response.body)["exchanges"];
}

TEST_F(MockLlmServerTest, JournalIsOffByDefault) {
  ASSERT_EQ(Post(kChat, ChatBody(false)).status, 200);
  EXPECT_EQ(Journal(port_), json::array());
  EXPECT_EQ(Fetch(port_, "PUT", "/admin/journal").status, 405);
}

TEST_F(MockLlmServerTest, JournalKeepsEachApiWithTheRolesAsSent) {
  ASSERT_EQ(Post("/admin/config", R"({"journal": 10})").status, 200);
  const json chat = {
      {"model", "gpt-4o-mini"},
      {"max_completion_tokens", 5},
      {"messages",
       {{{"role", "system"}, {"content", "be brief"}},
        {{"role", "user"}, {"content", "first question"}},
        {{"role", "assistant"}, {"content", "first answer"}},
        {{"role", "user"},
         {"content", {{{"type", "text"}, {"text", "second question"}}}}}}}};
  HttpResponse openai = Post(kChat, chat.dump());
  ASSERT_EQ(openai.status, 200) << openai.body;
  const json gemini = {
      {"systemInstruction", {{"parts", {{{"text", "be brief"}}}}}},
      {"contents",
       {{{"role", "user"}, {"parts", {{{"text", "hi"}}}}},
        {{"role", "model"}, {"parts", {{{"text", "hello"}}}}},
        {{"parts", {{{"text", "again"}}}}}}}};
  ASSERT_EQ(Post(kGeminiStream, gemini.dump()).status, 200);
  const json anthropic = {
      {"model", "claude-sonnet-4-5"},
      {"max_tokens", 3},
      {"system", "be brief"},
      {"messages", {{{"role", "user"}, {"content", "hello claude"}}}}};
  ASSERT_EQ(Post("/v1/messages", anthropic.dump()).status, 200);

  const json exchanges = Journal(port_);
  ASSERT_EQ(exchanges.size(), 3u) << exchanges.dump();
  const json& first = exchanges[0];
  EXPECT_EQ(first["api"], "openai");
  EXPECT_EQ(first["model"], "gpt-4o-mini");
  EXPECT_EQ(first["stream"], false);
  EXPECT_EQ(first["messages"],
            json::parse(R"([{"role":"system","text":"be brief"},
                {"role":"user","text":"first question"},
                {"role":"assistant","text":"first answer"},
                {"role":"user","text":"second question"}])"));
  EXPECT_EQ(first["prompt_tokens"], 8);
  EXPECT_EQ(first["max_tokens"], 5);
  EXPECT_EQ(first["output_tokens"], 5);
  EXPECT_EQ(first["status"], 200);
  EXPECT_EQ(first["text"],
            json::parse(openai.body)["choices"][0]["message"]["content"]);

  const json& second = exchanges[1];
  EXPECT_EQ(second["api"], "gemini");
  EXPECT_EQ(second["model"], "gemini-2.0-flash");
  EXPECT_EQ(second["stream"], true);
  EXPECT_EQ(second["messages"],
            json::parse(R"([{"role":"system","text":"be brief"},
                {"role":"user","text":"hi"},{"role":"model","text":"hello"},
                {"role":"user","text":"again"}])"));
  EXPECT_EQ(second["max_tokens"], nullptr);
  EXPECT_EQ(second["output_tokens"], 8);  // DefaultConfig's length

  EXPECT_EQ(exchanges[2]["api"], "anthropic");
  EXPECT_EQ(exchanges[2]["messages"][0],
            json::parse(R"({"role":"system","text":"be brief"})"));
  EXPECT_EQ(exchanges[2]["output_tokens"], 3);
}

TEST_F(MockLlmServerTest, JournalOfAStreamHoldsTheTextSent) {
  ASSERT_EQ(
      Post("/admin/config", R"({"journal": 1, "content": "echo"})").status,
      200);
  HttpResponse response = Post(kChat, ChatBody(true));
  ASSERT_TRUE(response.complete);
  const json exchanges = Journal(port_);
  ASSERT_EQ(exchanges.size(), 1u);
  EXPECT_EQ(exchanges[0]["text"], "hello there");
  EXPECT_EQ(exchanges[0]["output_tokens"], 2);
  EXPECT_EQ(exchanges[0]["stream"], true);
}

TEST_F(MockLlmServerTest, JournalKeepsTheLastNOldestFirstUntilCleared) {
  ASSERT_EQ(Post("/admin/config", R"({"journal": 2})").status, 200);
  for (const char* prompt : {"one", "two", "three"}) {
    const json body = {{"model", "gpt-4o-mini"},
                       {"messages", {{{"role", "user"}, {"content", prompt}}}}};
    ASSERT_EQ(Post(kChat, body.dump()).status, 200);
  }
  const json exchanges = Journal(port_);
  ASSERT_EQ(exchanges.size(), 2u);
  EXPECT_EQ(exchanges[0]["messages"][0]["text"], "two");
  EXPECT_EQ(exchanges[1]["messages"][0]["text"], "three");
  HttpResponse cleared = Fetch(port_, "DELETE", "/admin/journal");
  EXPECT_EQ(cleared.status, 200);
  EXPECT_EQ(json::parse(cleared.body)["cleared"], 2);
  EXPECT_EQ(Journal(port_), json::array());
  EXPECT_EQ(Post("/admin/config", R"({"journal": 100001})").status, 400);
  EXPECT_EQ(Post("/admin/config", R"({"journal": -1})").status, 400);
}

TEST_F(MockLlmServerTest, JournalCollectsExchangesFromEveryThread) {
  StopServer();
  Config config = DefaultConfig();
  config.journal = 100;
  StartServer(config, 2);
  std::vector<std::thread> clients;
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&] {
      for (int j = 0; j < 5; ++j) Post(kChat, ChatBody(j % 2 == 0));
    });
  }
  for (auto& client : clients) client.join();
  ASSERT_TRUE(Drained());
  EXPECT_EQ(Journal(port_).size(), 20u);
}

}  // namespace
}  // namespace loadgate::services::mock_llm
