#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "http/json_array_stream.h"

namespace loadgate::http {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class Collector : public JsonArrayStreamParser::Handler {
 public:
  void OnElement(std::string_view json) override {
    elements.emplace_back(json);
  }
  std::vector<std::string> elements;
};

struct Outcome {
  bool ok = true;
  bool finished = false;
  std::vector<std::string> elements;
  std::string error;

  bool operator==(const Outcome&) const = default;
};

Outcome Parse(const std::vector<std::string_view>& pieces) {
  JsonArrayStreamParser parser;
  Collector collector;
  Outcome outcome;
  for (std::string_view piece : pieces) {
    outcome.ok = parser.Feed(piece, collector);
    if (!outcome.ok) break;
  }
  outcome.finished = parser.finished();
  outcome.elements = collector.elements;
  outcome.error = std::string(parser.error());
  return outcome;
}

Outcome Parse(std::string_view input) {
  return Parse(std::vector<std::string_view>{input});
}

void ExpectSplitInvariant(std::string_view input) {
  const Outcome whole = Parse(input);
  for (size_t split = 0; split <= input.size(); ++split) {
    const Outcome outcome =
        Parse({input.substr(0, split), input.substr(split)});
    ASSERT_EQ(outcome.elements, whole.elements) << "split at byte " << split;
    ASSERT_EQ(outcome, whole) << "split at byte " << split;
  }
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < input.size(); ++i) bytes.push_back(input.substr(i, 1));
  ASSERT_EQ(Parse(bytes), whole) << "one byte at a time";
}

// The shape of Gemini streamGenerateContent without alt=sse: pretty-printed
// objects separated by "\r\n,\r\n".
constexpr std::string_view kGeminiArray =
    "[{\r\n"
    "  \"candidates\": [\r\n"
    "    {\r\n"
    "      \"content\": {\r\n"
    "        \"parts\": [\r\n"
    "          {\r\n"
    "            \"text\": \"The answer {is} [\\\"42\\\"]\\\\\"\r\n"
    "          }\r\n"
    "        ],\r\n"
    "        \"role\": \"model\"\r\n"
    "      },\r\n"
    "      \"index\": 0\r\n"
    "    }\r\n"
    "  ],\r\n"
    "  \"usageMetadata\": {\r\n"
    "    \"promptTokenCount\": 9,\r\n"
    "    \"candidatesTokenCount\": 5\r\n"
    "  }\r\n"
    "}\r\n"
    ",\r\n"
    "{\r\n"
    "  \"candidates\": [\r\n"
    "    {\r\n"
    "      \"content\": {\r\n"
    "        \"parts\": [\r\n"
    "          {\r\n"
    "            \"text\": \". Done ]}\"\r\n"
    "          }\r\n"
    "        ],\r\n"
    "        \"role\": \"model\"\r\n"
    "      },\r\n"
    "      \"finishReason\": \"STOP\",\r\n"
    "      \"index\": 0\r\n"
    "    }\r\n"
    "  ]\r\n"
    "}\r\n"
    "]";

TEST(JsonArrayStreamTest, GeminiStream) {
  const Outcome outcome = Parse(kGeminiArray);
  ASSERT_TRUE(outcome.ok) << outcome.error;
  EXPECT_TRUE(outcome.finished);
  ASSERT_EQ(outcome.elements.size(), 2u);
  const auto first = nlohmann::json::parse(outcome.elements[0]);
  EXPECT_EQ(first["candidates"][0]["content"]["parts"][0]["text"],
            "The answer {is} [\"42\"]\\");
  const auto second = nlohmann::json::parse(outcome.elements[1]);
  EXPECT_EQ(second["candidates"][0]["finishReason"], "STOP");
  // Elements come without surrounding whitespace.
  EXPECT_EQ(outcome.elements[0].front(), '{');
  EXPECT_EQ(outcome.elements[0].back(), '}');
  ExpectSplitInvariant(kGeminiArray);
}

TEST(JsonArrayStreamTest, ElementsAreDeliveredAsSoonAsComplete) {
  JsonArrayStreamParser parser;
  Collector collector;
  ASSERT_TRUE(parser.Feed("[{\"a\": [1, {\"b\": \"}\"}]}", collector));
  EXPECT_THAT(collector.elements, ElementsAre("{\"a\": [1, {\"b\": \"}\"}]}"));
  EXPECT_FALSE(parser.finished());
  ASSERT_TRUE(parser.Feed(" , {\"c\"", collector));
  EXPECT_EQ(collector.elements.size(), 1u);
  ASSERT_TRUE(parser.Feed(": 2}\n]\n", collector));
  EXPECT_THAT(collector.elements,
              ElementsAre("{\"a\": [1, {\"b\": \"}\"}]}", "{\"c\": 2}"));
  EXPECT_TRUE(parser.finished());
}

TEST(JsonArrayStreamTest, ScalarsAndNestedArrays) {
  constexpr std::string_view kInput =
      " \n[1, -2.5e3,\"s]\\\"\" ,true,null,[[],{}], {\"k\":[\"]\"]}\t]\r\n";
  const Outcome outcome = Parse(kInput);
  ASSERT_TRUE(outcome.ok) << outcome.error;
  EXPECT_TRUE(outcome.finished);
  EXPECT_THAT(outcome.elements,
              ElementsAre("1", "-2.5e3", "\"s]\\\"\"", "true", "null",
                          "[[],{}]", "{\"k\":[\"]\"]}"));
  ExpectSplitInvariant(kInput);
}

TEST(JsonArrayStreamTest, EmptyArray) {
  for (std::string_view input : {"[]", " [ \r\n ] \n"}) {
    const Outcome outcome = Parse(input);
    EXPECT_TRUE(outcome.ok) << input;
    EXPECT_TRUE(outcome.finished) << input;
    EXPECT_TRUE(outcome.elements.empty()) << input;
  }
}

TEST(JsonArrayStreamTest, UnfinishedStreamIsNotAnError) {
  const Outcome outcome = Parse("[{\"a\":1},{\"b\":");
  EXPECT_TRUE(outcome.ok);
  EXPECT_FALSE(outcome.finished);
  EXPECT_THAT(outcome.elements, ElementsAre("{\"a\":1}"));
}

struct MalformedCase {
  std::string_view input;
  std::string_view error;
};

TEST(JsonArrayStreamTest, MalformedInputIsAnErrorAtAnySplit) {
  const MalformedCase cases[] = {
      {"{\"a\":1}", "expected '['"},
      {"[{},]", "expected an element after ','"},
      {"[,{}]", "expected an element"},
      {"[{} {}]", "expected ',' or ']'"},
      {"[{}]x", "after the closing ']'"},
      {"[{}] []", "after the closing ']'"},
      {"[{]}", "mismatched bracket"},
      {"[[}]", "mismatched bracket"},
      {"[{\"a\":1}}]", "expected ',' or ']'"},
  };
  for (const MalformedCase& c : cases) {
    SCOPED_TRACE(std::string(c.input));
    const Outcome whole = Parse(c.input);
    EXPECT_FALSE(whole.ok);
    EXPECT_THAT(whole.error, HasSubstr(std::string(c.error)));
    for (size_t split = 0; split <= c.input.size(); ++split) {
      const Outcome outcome =
          Parse({c.input.substr(0, split), c.input.substr(split)});
      ASSERT_FALSE(outcome.ok) << "split at " << split;
      ASSERT_EQ(outcome.error, whole.error) << "split at " << split;
    }
  }
}

TEST(JsonArrayStreamTest, DeepNestingIsAnErrorNotACrash) {
  const std::string deep = "[" + std::string(100000, '[');
  const Outcome outcome = Parse(deep);
  EXPECT_FALSE(outcome.ok);
  EXPECT_THAT(outcome.error, HasSubstr("nested too deeply"));
}

TEST(JsonArrayStreamTest, ElementSizeIsLimited) {
  JsonArrayStreamParser parser(/*max_element_bytes=*/64);
  Collector collector;
  ASSERT_TRUE(parser.Feed("[\"" + std::string(40, 'a'), collector));
  EXPECT_FALSE(parser.Feed(std::string(40, 'a') + "\"]", collector));
  EXPECT_THAT(std::string(parser.error()), HasSubstr("size limit"));
}

TEST(JsonArrayStreamTest, ErrorSticksUntilReset) {
  JsonArrayStreamParser parser;
  Collector collector;
  EXPECT_FALSE(parser.Feed("x", collector));
  EXPECT_FALSE(parser.Feed("[1]", collector));
  EXPECT_TRUE(collector.elements.empty());
  parser.Reset();
  EXPECT_TRUE(parser.Feed("[1]", collector));
  EXPECT_TRUE(parser.finished());
  EXPECT_TRUE(parser.error().empty());
  EXPECT_THAT(collector.elements, ElementsAre("1"));
}

}  // namespace
}  // namespace loadgate::http
