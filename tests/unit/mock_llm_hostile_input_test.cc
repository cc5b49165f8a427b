// The pure parts of the services' defences against hostile clients: the
// request-framing tracker, request-target validation and the JSON helpers
// (services/common, linked through mock_llm_lib), and the mock's body
// parser on fields of the wrong type.
#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/http_util.h"
#include "common/json_text.h"
#include "common/request_framing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mock_llm/config.h"
#include "mock_llm/plan.h"
#include "mock_llm/protocol.h"
#include "mock_llm/random.h"

namespace mock_llm = loadgate::services::mock_llm;
namespace services = loadgate::services;

namespace {

using services::RequestFraming;
using testing::HasSubstr;
using Phase = RequestFraming::Phase;

// Feeds `bytes` whole and one byte at a time; both must agree.
RequestFraming Framed(std::string_view bytes) {
  RequestFraming whole;
  whole.Feed(bytes);
  RequestFraming split;
  for (char c : bytes) split.Feed(std::string_view(&c, 1));
  EXPECT_EQ(whole.error(), split.error()) << bytes;
  EXPECT_EQ(whole.phase(), split.phase()) << bytes;
  EXPECT_EQ(whole.requests_started(), split.requests_started()) << bytes;
  return whole;
}

std::string PostHead(std::string_view framing) {
  return "POST /v1/messages HTTP/1.1\r\nHost: h\r\n" + std::string(framing) +
         "\r\n";
}

TEST(RequestFramingTest, FollowsWellFramedRequests) {
  const RequestFraming framing = Framed(
      "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
      "\r\n"  // a blank line between requests is tolerated
      "POST /b HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}"
      "POST /c HTTP/1.1\nTransfer-Encoding: Chunked\n\n"
      "2\r\n{}\r\nA \r\n0123456789\n0\r\nX-Trailer: t\r\n\r\n");
  EXPECT_FALSE(framing.failed()) << framing.error();
  EXPECT_EQ(framing.phase(), Phase::kIdle);
  EXPECT_EQ(framing.requests_started(), 3u);
}

TEST(RequestFramingTest, TellsWhichPartIsBeingRead) {
  RequestFraming framing;
  EXPECT_EQ(framing.phase(), Phase::kIdle);
  framing.Feed("POST /b HTTP/1.1\r\nContent-Le");
  EXPECT_EQ(framing.phase(), Phase::kHeaders);
  framing.Feed("ngth: 4\r\n\r\n{}");
  EXPECT_EQ(framing.phase(), Phase::kBody);
  framing.Feed("{}");
  EXPECT_EQ(framing.phase(), Phase::kIdle);
  framing.Feed("G");
  EXPECT_EQ(framing.phase(), Phase::kHeaders);
  EXPECT_EQ(framing.requests_started(), 2u);
}

TEST(RequestFramingTest, RefusesAmbiguousLengths) {
  for (const std::string& head : {
           PostHead("Content-Length: 2\r\nTransfer-Encoding: chunked\r\n"),
           PostHead("Content-Length: 2\r\nContent-Length: 2\r\n"),
           PostHead("Transfer-Encoding: chunked\r\nTransfer-Encoding: "
                    "chunked\r\n"),
           PostHead("Transfer-Encoding: gzip, chunked\r\n"),
           PostHead("Transfer-Encoding : chunked\r\n"),
           PostHead("X-A: 1\r\n\tTransfer-Encoding: chunked\r\n"),
           PostHead("Content-Length: -1\r\n"),
           PostHead("Content-Length: +1\r\n"),
           PostHead("Content-Length: 0x10\r\n"),
           PostHead("Content-Length: 1234567890123456789\r\n"),
           PostHead("Content-Length: \r\n"),
           std::string("HEAD / HTTP/1.1\r\nContent-Length: 1\r\n\r\n"),
       }) {
    EXPECT_TRUE(Framed(head + "{}").failed()) << head;
  }
  EXPECT_FALSE(Framed(PostHead("Content-Length:  12 \r\n")).failed());
  EXPECT_FALSE(Framed("HEAD / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").failed());
}

TEST(RequestFramingTest, RefusesBadChunks) {
  const std::string head = PostHead("Transfer-Encoding: chunked\r\n");
  for (const std::string& body : std::vector<std::string>{
           "zz\r\n", "-1\r\n", " 1\r\n", "1;ext=2\r\n", "\r\n",
           "1000000000000000\r\n",        // 16 hex digits
           "2\r\n{}X\r\n", "2\r\n{}\rX",  // no CRLF after the data
           // A size line longer than any real one.
           std::string("1").append(70, ' ').append("\r\n")}) {
    const RequestFraming framing = Framed(head + body);
    EXPECT_TRUE(framing.failed()) << body;
    EXPECT_THAT(framing.error(), HasSubstr("chunk")) << body;
  }
}

TEST(RequestFramingTest, StopsAtTheFirstError) {
  RequestFraming framing;
  framing.Feed(PostHead("Transfer-Encoding: chunked\r\n") + "x\r\n");
  const std::string error = framing.error();
  framing.Feed("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n");
  EXPECT_EQ(framing.error(), error);
}

TEST(RequestTargetTest, AcceptsPercentEncodedUtf8) {
  for (std::string_view target :
       {"/", "/patients/MRN-1?limit=5&cursor=", "/a%20b?q=caf%C3%A9+x",
        "/caf\xc3\xa9", "/?emoji=%F0%9F%98%80", "/%E2%82%AC"}) {
    const services::Status valid = services::ValidateRequestTarget(target);
    EXPECT_TRUE(valid.ok()) << target << ": " << valid.message();
  }
}

TEST(RequestTargetTest, RefusesBadEscapesAndBadUtf8) {
  for (std::string_view target : {
           "/patients/\xff",
           "/?status=%FF",
           "/%C0%AF",        // overlong '/'
           "/%ED%A0%80",     // a surrogate
           "/%F4%90%80%80",  // above U+10FFFF
           "/%E2%82",
           "/?a=%",
           "/?a=%4",
           "/?a=%zz",
           "/%C3%28",
       }) {
    const services::Status valid = services::ValidateRequestTarget(target);
    EXPECT_FALSE(valid.ok()) << target;
    EXPECT_FALSE(valid.message().empty());
  }
}

TEST(JsonTextTest, DumpReplacesInvalidUtf8) {
  const std::string text =
      services::DumpJson({{"error", "unknown mrn \xff"}, {"ok", "\xc3\xa9"}});
  EXPECT_EQ(text,
            "{\"error\":\"unknown mrn \xef\xbf\xbd\",\"ok\":\"\xc3\xa9\"}");
}

TEST(JsonTextTest, ParseRefusesDeepNestingAndBadText) {
  const int limit = services::kMaxJsonDepth;
  auto deepest = services::ParseJsonBody(std::string(limit, '[') +
                                         std::string(limit, ']'));
  EXPECT_TRUE(deepest.ok()) << deepest.error();
  EXPECT_THAT(services::ParseJsonBody(std::string(limit + 1, '[') +
                                      std::string(limit + 1, ']'))
                  .error(),
              HasSubstr("deeper than"));
  EXPECT_FALSE(services::ParseJsonBody(std::string(100000, '[')).ok());
  // Brackets inside strings do not nest.
  auto quoted =
      services::ParseJsonBody("{\"a\":\"" + std::string(1000, '[') + "\\\"\"}");
  EXPECT_TRUE(quoted.ok()) << quoted.error();
  EXPECT_THAT(services::ParseJsonBody("{\"a\":\"\xff\"}").error(),
              HasSubstr("not valid JSON"));
}

TEST(MockLlmRequestTest, FieldsOfTheWrongTypeAreRefused) {
  for (const auto& [api, body] : {
           std::pair{mock_llm::Api::kOpenAiChat,
                     "{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}],"
                     "\"stream_options\":{\"include_usage\":1}}"},
           std::pair{mock_llm::Api::kOpenAiCompletions,
                     "{\"model\":\"m\",\"prompt\":\"p\","
                     "\"stream_options\":{\"include_usage\":\"yes\"}}"},
           std::pair{mock_llm::Api::kOpenAiEmbeddings,
                     "{\"model\":\"m\",\"input\":\"x\","
                     "\"encoding_format\":7}"},
       }) {
    mock_llm::Route route{api};
    if (api == mock_llm::Api::kOpenAiEmbeddings)
      route.action = mock_llm::Action::kEmbed;
    mock_llm::GenerationRequest request;
    const services::Status parsed =
        mock_llm::ParseRequest(&route, body, &request);
    EXPECT_FALSE(parsed.ok()) << body;
    EXPECT_FALSE(parsed.message().empty());
  }
}

TEST(MockLlmRequestTest, EmbeddingInputsAreBounded) {
  auto body_with = [](size_t inputs) {
    std::string body = "{\"model\":\"m\",\"input\":[\"\"";
    for (size_t i = 1; i < inputs; ++i) body += ",\"\"";
    return body + "]}";
  };
  mock_llm::Route route{mock_llm::Api::kOpenAiEmbeddings,
                        mock_llm::Action::kEmbed};
  mock_llm::GenerationRequest request;
  const services::Status largest = mock_llm::ParseRequest(
      &route, body_with(mock_llm::kMaxEmbeddingInputs), &request);
  EXPECT_TRUE(largest.ok()) << largest.message();
  EXPECT_THAT(
      mock_llm::ParseRequest(
          &route, body_with(mock_llm::kMaxEmbeddingInputs + 1), &request)
          .message(),
      HasSubstr("at most"));
}

TEST(MockLlmRequestTest, NonFiniteDelayHeadersAreRefused) {
  for (const char* value : {"nan", "NaN", "inf", "-0.5", "1e400"}) {
    mock_llm::RequestOverrides overrides;
    EXPECT_FALSE(mock_llm::ParseOverrides(
                     [value](const char* name) {
                       return std::string_view(name) == "x-mock-llm-ttft-ms"
                                  ? value
                                  : nullptr;
                     },
                     &overrides)
                     .ok())
        << value;
  }
}

TEST(MockLlmConfigTest, NumbersTooLargeForTheTimersAreRefused) {
  for (const char* update :
       {"{\"itl_ms\":1e300}", "{\"hang_ms\":1e10}", "{\"ttft_ms\":1e300}",
        "{\"ttft_ms\":{\"distribution\":\"uniform\",\"max\":1e300}}",
        "{\"ttft_ms\":{\"distribution\":7}}"}) {
    mock_llm::Config config;
    const services::Status applied =
        mock_llm::ApplyJson(nlohmann::json::parse(update), &config);
    EXPECT_FALSE(applied.ok()) << update;
    EXPECT_FALSE(applied.message().empty());
  }
}

TEST(MockLlmPlanTest, OverloadSlowdownKeepsDelaysFinite) {
  mock_llm::Config config;
  config.capacity = 1;
  config.capacity_exponent = 1e9;  // the largest the config accepts
  for (double ttft : {0.0, 500.0}) {
    config.ttft_ms = mock_llm::Distribution::Constant(ttft);
    mock_llm::Rng timing(1), content(2);
    const mock_llm::Plan plan = mock_llm::MakePlan(
        config, {}, /*in_flight=*/1000, /*natural_tokens=*/-1,
        /*max_tokens=*/-1, timing, content);
    EXPECT_TRUE(std::isfinite(plan.ttft_ms)) << ttft;
    EXPECT_LE(plan.ttft_ms, 3.6e6);
    EXPECT_TRUE(std::isfinite(plan.ChunkOffsetMs(plan.chunks - 1)));
  }
}

}  // namespace
