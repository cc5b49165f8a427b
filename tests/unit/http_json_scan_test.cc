#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/json_scan.h"
#include "support/exact_bytes.h"

namespace loadgate::http::json {
namespace {

Value MustParse(std::string_view text) {
  Value value;
  EXPECT_TRUE(Parse(text, &value)) << text;
  return value;
}

TEST(JsonScanTest, AcceptsValidDocuments) {
  for (std::string_view text :
       {"{}", "[]", " { \"a\" : [ 1 , -0.5e+3 , true , false , null ] }\n",
        "\"\\u00e9\\n\\\\\\/\"", "0", "-0", "1E9", "[[[[]]]]",
        "{\"a\":{\"b\":{\"c\":\"d\"}}}"}) {
    Value value;
    EXPECT_TRUE(Parse(text, &value)) << text;
  }
  EXPECT_EQ(MustParse("  [1, 2] \r\n").text, "[1, 2]");
}

TEST(JsonScanTest, RejectsInvalidDocuments) {
  for (std::string_view text :
       {"",        " ",        "{",          "}",           "[1,]",
        "{\"a\"}", "{\"a\":}", "{a:1}",      "[1 2]",       "01",
        "1.",      ".5",       "-",          "1e",          "tru",
        "nul",     "\"abc",    "\"a\\x\"",   "\"\\u12G4\"", "\"tab\there\"",
        "{} {}",   "[1]]",     "{\"a\":1,}", "'single'"}) {
    Value value;
    EXPECT_FALSE(Parse(text, &value)) << text;
  }
  const std::string too_deep =
      std::string(kMaxDepth + 1, '[') + std::string(kMaxDepth + 1, ']');
  Value value;
  EXPECT_FALSE(Parse(too_deep, &value));
  const std::string deep_enough =
      std::string(kMaxDepth, '[') + std::string(kMaxDepth, ']');
  EXPECT_TRUE(Parse(deep_enough, &value));
}

TEST(JsonScanTest, Types) {
  EXPECT_EQ(MustParse("{}").type(), Type::kObject);
  EXPECT_EQ(MustParse("[]").type(), Type::kArray);
  EXPECT_EQ(MustParse("\"\"").type(), Type::kString);
  EXPECT_EQ(MustParse("-1").type(), Type::kNumber);
  EXPECT_EQ(MustParse("false").type(), Type::kBool);
  EXPECT_TRUE(MustParse("null").is_null());
  EXPECT_EQ(Value{}.type(), Type::kInvalid);
}

TEST(JsonScanTest, WalksObjectsAndArrays) {
  const Value root = MustParse(
      "{ \"a\" : [1, {\"x\": \"]}\"}, [] ] , \"b\":null,\"c\":\"s\"}");
  ObjectReader reader(root);
  std::vector<std::string> seen;
  std::string_view key;
  Value value;
  while (reader.Next(&key, &value)) {
    seen.push_back(std::string(key) + "=" + std::string(value.text));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a=[1, {\"x\": \"]}\"}, [] ]",
                                            "b=null", "c=\"s\""}));
  ArrayReader elements(MustParse("[1, {\"x\": \"]}\"}, [] ]"));
  std::vector<std::string> items;
  while (elements.Next(&value)) items.emplace_back(value.text);
  EXPECT_EQ(items, (std::vector<std::string>{"1", "{\"x\": \"]}\"}", "[]"}));
  ArrayReader empty(MustParse("[ ]"));
  EXPECT_FALSE(empty.Next(&value));
  ObjectReader empty_object(MustParse("{ }"));
  EXPECT_FALSE(empty_object.Next(&key, &value));
}

TEST(JsonScanTest, ReadersValidateUnvalidatedText) {
  std::string_view key;
  Value value;
  constexpr std::string_view kGood = "{\"a\": 1 , \"b\" :[2]} trailing";
  ObjectReader good(Value{kGood});
  int members = 0;
  while (good.Next(&key, &value)) ++members;
  EXPECT_EQ(members, 2);
  EXPECT_TRUE(good.ok());
  EXPECT_EQ(good.end(), kGood.find('}') + 1);

  for (std::string_view bad :
       {"{\"a\":1,}", "{\"a\" 1}", "{\"a\":1 \"b\":2}", "{\"a\":01}",
        "{\"a\":1", "{a:1}", "{,}", "[1]", ""}) {
    ObjectReader reader(Value{bad});
    while (reader.Next(&key, &value)) {
    }
    EXPECT_FALSE(reader.ok()) << bad;
    // Finished readers stay finished.
    EXPECT_FALSE(reader.Next(&key, &value)) << bad;
  }
  for (std::string_view bad : {"[1,]", "[1 2]", "[,]", "[1", "[\"x]", "{}"}) {
    ArrayReader reader(Value{bad});
    while (reader.Next(&value)) {
    }
    EXPECT_FALSE(reader.ok()) << bad;
  }
  ArrayReader empty(Value{"[ ]"});
  EXPECT_FALSE(empty.Next(&value));
  EXPECT_TRUE(empty.ok());
  EXPECT_EQ(empty.end(), 3u);
}

// Text that ends right after a separator: the readers must stop at the end
// rather than look at the byte after it (an over-read found by fuzzing).
TEST(JsonScanTest, ReadersStopAtTextEndingAfterSeparator) {
  std::string_view key;
  Value value;
  for (std::string_view bad : {"{\"a\":1,", "{\"a\":1, ", "{\"a\":1,\t\n"}) {
    const test_support::ExactBytes text(bad);
    ObjectReader reader(Value{text.view()});
    ASSERT_TRUE(reader.Next(&key, &value)) << bad;
    EXPECT_FALSE(reader.Next(&key, &value)) << bad;
    EXPECT_FALSE(reader.ok()) << bad;
  }
  for (std::string_view bad : {"[1,", "[1, "}) {
    const test_support::ExactBytes text(bad);
    ArrayReader reader(Value{text.view()});
    ASSERT_TRUE(reader.Next(&value)) << bad;
    EXPECT_FALSE(reader.Next(&value)) << bad;
    EXPECT_FALSE(reader.ok()) << bad;
  }
}

TEST(JsonScanTest, ComparesDecodedStrings) {
  EXPECT_TRUE(StringEquals(MustParse("\"text\""), "text"));
  EXPECT_FALSE(StringEquals(MustParse("\"text\""), "tex"));
  EXPECT_FALSE(StringEquals(MustParse("\"tex\""), "text"));
  EXPECT_TRUE(StringEquals(MustParse("\"\\u0074ext\""), "text"));
  EXPECT_TRUE(StringEquals(MustParse("\"a\\\"b\\n\""), "a\"b\n"));
  EXPECT_TRUE(StringEquals(MustParse("\"caf\\u00e9\""), "caf\xC3\xA9"));
  EXPECT_FALSE(StringEquals(MustParse("\"caf\\u00e9\""), "cafe"));
  EXPECT_FALSE(StringEquals(MustParse("\"a\\nb\""), "a"));
  // The raw text of an escape is not its decoded text.
  EXPECT_FALSE(StringEquals(MustParse("\"a\\nb\""), "a\\nb"));
  EXPECT_TRUE(StringEquals(MustParse("\"a\\\\b\""), "a\\b"));
  EXPECT_FALSE(StringEquals(MustParse("1"), "1"));
  EXPECT_TRUE(KeyEquals("ch\\u006fices", "choices"));
  EXPECT_FALSE(KeyEquals("choices", "choice"));
}

TEST(JsonScanTest, MeasuresDecodedStringsInUtf8Bytes) {
  EXPECT_EQ(DecodedStringSize(MustParse("\"\"")), 0u);
  EXPECT_EQ(DecodedStringSize(MustParse("\"Hello\"")), 5u);
  EXPECT_EQ(DecodedStringSize(MustParse("\"a\\nb\\t\\\"\\\\\\/\"")), 7u);
  EXPECT_EQ(DecodedStringSize(MustParse("\"\\u0041\"")), 1u);
  EXPECT_EQ(DecodedStringSize(MustParse("\"\\u00e9\"")), 2u);
  EXPECT_EQ(DecodedStringSize(MustParse("\"\\u20ac\"")), 3u);
  EXPECT_EQ(DecodedStringSize(MustParse("\"\\ud83d\\ude00\"")), 4u);
  // Raw UTF-8 counts its bytes, the same as the escaped form.
  EXPECT_EQ(DecodedStringSize(MustParse("\"\xF0\x9F\x98\x80\"")), 4u);
  // A lone surrogate decodes to U+FFFD.
  EXPECT_EQ(DecodedStringSize(MustParse("\"\\ud83dx\"")), 4u);
  EXPECT_EQ(DecodedStringSize(MustParse("null")), 0u);
}

TEST(JsonScanTest, DecodesStringsIntoTheCallersBuffer) {
  std::string out = ">";
  for (const char* text : {"\"plain \xc3\xa9\"", "\"a\\nb\\t\\\"\\\\\\/\"",
                           "\"\\u0041\\u00e9\\u20ac\\ud83d\\ude00\"",
                           "\"\\ud83dx\"", "null", "7"}) {
    const Value value = MustParse(text);
    const size_t before = out.size();
    AppendDecodedString(value, &out);
    EXPECT_EQ(out.size() - before, DecodedStringSize(value)) << text;
  }
  EXPECT_EQ(out,
            ">plain \xc3\xa9"
            "a\nb\t\"\\/"
            "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
            "\xef\xbf\xbdx");
}

TEST(JsonScanTest, ReadsIntegers) {
  int64_t out = 0;
  EXPECT_TRUE(ToInt64(MustParse("42"), &out));
  EXPECT_EQ(out, 42);
  EXPECT_TRUE(ToInt64(MustParse("-7"), &out));
  EXPECT_EQ(out, -7);
  EXPECT_TRUE(ToInt64(MustParse("12.0"), &out));
  EXPECT_EQ(out, 12);
  EXPECT_TRUE(ToInt64(MustParse("1e3"), &out));
  EXPECT_EQ(out, 1000);
  EXPECT_TRUE(ToInt64(MustParse("9223372036854775807"), &out));
  EXPECT_EQ(out, INT64_MAX);
  EXPECT_FALSE(ToInt64(MustParse("1.5"), &out));
  EXPECT_FALSE(ToInt64(MustParse("1e30"), &out));
  EXPECT_FALSE(ToInt64(MustParse("\"5\""), &out));
  EXPECT_FALSE(ToInt64(MustParse("true"), &out));
}

}  // namespace
}  // namespace loadgate::http::json
