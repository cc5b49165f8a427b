// JsonTree, the parse reports are read through: it must accept exactly the
// texts ParseJsonDocument accepts (which then explains the refusals) and
// hold the same values, typed as nlohmann types them.
#include "metrics/report_json_tree.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "loadgate/report.h"
#include "metrics/json_document.h"
#include "support/sample_report.h"

namespace loadgate {
namespace {

using Type = JsonTree::Type;
using std::string_literals::operator""s;

// Whether `tree` holds what `document` holds, member names, order and
// number types included; the first difference is added as a failure.
void ExpectSameValue(const JsonTree::Value& tree, const JsonDocument& document,
                     const std::string& path) {
  SCOPED_TRACE(path);
  switch (document.type()) {
    case JsonDocument::value_t::object: {
      ASSERT_EQ(tree.type(), Type::kObject);
      ASSERT_EQ(tree.size(), document.size());
      auto member = tree.begin();
      for (const auto& [key, value] : document.items()) {
        EXPECT_EQ(member->key(), key);
        ExpectSameValue(*member, value, path + "." + key);
        ++member;
      }
      return;
    }
    case JsonDocument::value_t::array: {
      ASSERT_EQ(tree.type(), Type::kArray);
      ASSERT_EQ(tree.size(), document.size());
      size_t index = 0;
      for (const JsonTree::Value& element : tree) {
        ExpectSameValue(element, document[index],
                        path + "[" + std::to_string(index) + "]");
        ++index;
      }
      return;
    }
    case JsonDocument::value_t::string:
      ASSERT_EQ(tree.type(), Type::kString);
      EXPECT_EQ(tree.as_string(), document.get<std::string>());
      return;
    case JsonDocument::value_t::boolean:
      ASSERT_EQ(tree.type(), Type::kBoolean);
      EXPECT_EQ(tree.as_bool(), document.get<bool>());
      return;
    case JsonDocument::value_t::number_unsigned:
      ASSERT_EQ(tree.type(), Type::kUnsigned);
      EXPECT_EQ(tree.as_uint64(), document.get<uint64_t>());
      return;
    case JsonDocument::value_t::number_integer:
      ASSERT_EQ(tree.type(), Type::kInteger);
      EXPECT_EQ(tree.as_int64(), document.get<int64_t>());
      return;
    case JsonDocument::value_t::number_float:
      ASSERT_EQ(tree.type(), Type::kFloat);
      EXPECT_EQ(tree.as_double(), document.get<double>());
      return;
    default:
      EXPECT_EQ(tree.type(), Type::kNull);
  }
}

// Parses `text` both ways: both accept it and agree, or both refuse it.
// Returns whether it was accepted.
bool ExpectParsedAsJsonDocumentDoes(const std::string& text) {
  SCOPED_TRACE(EscapeUnprintable(text.substr(0, 80)));
  const std::optional<JsonTree> tree = JsonTree::Parse(text);
  JsonDocument document;
  bool accepted = true;
  try {
    document = ParseJsonDocument(text);
  } catch (const JsonDocumentError&) {
    accepted = false;
  }
  EXPECT_EQ(tree.has_value(), accepted);
  if (tree && accepted) ExpectSameValue(tree->root(), document, "(root)");
  return accepted;
}

std::string ObjectOfKeys(int count, bool repeat_first) {
  std::string text = "{";
  for (int i = 0; i < count; ++i) {
    text += "\"k" + std::to_string(i == count - 1 && repeat_first ? 0 : i) +
            "\": " + std::to_string(i) + (i + 1 < count ? ", " : "}");
  }
  return text;
}

std::string Nested(int depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

TEST(JsonTreeTest, AcceptsWhatJsonDocumentAcceptsWithTheSameValues) {
  std::ostringstream report;
  WriteJson(test_support::SampleReport(), report);
  const std::vector<std::string> valid = {
      report.str(),
      " {\"a\": [1, -2, 3.5, true, false, null, \"x\", {}, []]}\r\n\t",
      "\xEF\xBB\xBF{\"bom\": 1}",
      "-0",
      "0",
      "18446744073709551615",
      "18446744073709551616",
      "-9223372036854775808",
      "-9223372036854775809",
      "1e-400",
      "-2.5E+3",
      "0.000001",
      R"("\u00e9\ud83d\ude00\n\"\\\/\b\f\r\t")",
      R"("\u0000")",
      "\"caf\xC3\xA9 \x7F\"",
      R"({"k\u00e9y": "a\tb", "ke": 1})",
      Nested(100),
      ObjectOfKeys(16, false),
      ObjectOfKeys(40, false),
      // After the value, a NUL byte ends the text for nlohmann.
      "0\0;#"s,
      "{\"a\": 1} \0 ]]"s,
  };
  for (const std::string& text : valid) {
    EXPECT_TRUE(ExpectParsedAsJsonDocumentDoes(text));
  }
}

TEST(JsonTreeTest, RefusesWhatJsonDocumentRefuses) {
  const std::vector<std::string> invalid = {
      "",
      " ",
      "{} []",
      "01",
      "1.",
      "-",
      "1e",
      "+1",
      ".5",
      "NaN",
      "[1,]",
      "[1 2]",
      "[",
      "{\"a\":1,}",
      "{\"a\" 1}",
      "{a: 1}",
      "{\"a\": 1 \"b\": 2}",
      "tru",
      "nul",
      "truex",
      "// comment\n1",
      R"("\x")",
      R"("\ud800")",
      R"("\udc00")",
      R"("\ud800\u0041")",
      R"("\u12")",
      "\"\\",
      "\"abc",
      "\"a\nb\"",
      "\"\xFF\"",
      "\"\xE2\x82\"",
      "\"\xED\xA0\x80\"",
      "\xEF\xBB",
      "1e999",
      "-1e999",
      Nested(101),
      R"({"a": 1, "a": 2})",
      ObjectOfKeys(16, true),
      ObjectOfKeys(40, true),
      "\0"s,
      "[\0]"s,
      "[1\0]"s,
      "{\"a\": 1\0}"s,
      "\"a\0\""s,
  };
  for (const std::string& text : invalid) {
    EXPECT_FALSE(ExpectParsedAsJsonDocumentDoes(text));
  }
}

TEST(JsonTreeTest, TypesNumbersAsNlohmannDoes) {
  const auto root_type = [](const std::string& text) {
    return JsonTree::Parse(text)->root().type();
  };
  EXPECT_EQ(root_type("5"), Type::kUnsigned);
  EXPECT_EQ(root_type("-0"), Type::kInteger);
  EXPECT_EQ(root_type("-5"), Type::kInteger);
  EXPECT_EQ(root_type("5.0"), Type::kFloat);
  EXPECT_EQ(root_type("18446744073709551616"), Type::kFloat);
  EXPECT_EQ(JsonTree::Parse("-9223372036854775809")->root().as_double(),
            -9223372036854775809.0);
  EXPECT_EQ(JsonTree::Parse("1e-400")->root().as_double(), 0.0);
}

TEST(JsonTreeTest, FindsMembersByTheirDecodedNames) {
  const std::string text = R"({"plain": 1, "esc\u0061ped": [2, 3]})";
  const std::optional<JsonTree> tree = JsonTree::Parse(text);
  ASSERT_TRUE(tree);
  const JsonTree::Value& root = tree->root();
  ASSERT_NE(root.find("plain"), nullptr);
  EXPECT_EQ(root.find("plain")->as_uint64(), 1u);
  const JsonTree::Value* list = root.find("escaped");
  ASSERT_NE(list, nullptr);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((++list->begin())->as_uint64(), 3u);
  EXPECT_EQ(root.find("esc\\u0061ped"), nullptr);
  EXPECT_EQ(root.find("missing"), nullptr);
  // Only objects have members: an element is not found by an empty name.
  EXPECT_EQ(list->find(""), nullptr);
}

}  // namespace
}  // namespace loadgate
