// Request templates: compiled once, expanded per request.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engine/template.h"

namespace loadgate::engine {
namespace {

const std::vector<std::string> kVariables = {"id", "query", "user.name"};

std::string Expand(std::string_view text, std::vector<std::string_view> values,
                   Escaping escaping = Escaping::kNone) {
  const Template compiled = Template::Compile(text, kVariables, "field");
  std::string out = "prefix:";
  compiled.AppendTo(out, values, escaping);
  return out;
}

TEST(TemplateTest, LiteralTextStaysLiteral) {
  const Template compiled = Template::Compile("/items?x=1", kVariables, "f");
  EXPECT_TRUE(compiled.is_literal());
  EXPECT_EQ(compiled.literal(), "/items?x=1");
  EXPECT_EQ(Expand("", {}), "prefix:");
}

TEST(TemplateTest, PlaceholdersTakeTheirSlotsValues) {
  EXPECT_EQ(Expand("/items/{id}/q/{query}{id}", {"42", "cat", ""}),
            "prefix:/items/42/q/cat42");
  EXPECT_EQ(Expand("{user.name}", {"", "", "ada"}), "prefix:ada");
  EXPECT_FALSE(Template::Compile("{id}", kVariables, "f").is_literal());
}

TEST(TemplateTest, JsonBracesAndDoubledBracesAreLiteral) {
  EXPECT_EQ(Expand(R"({"id": "{id}", "n": {}})", {"7", "", ""}),
            R"(prefix:{"id": "7", "n": {}})");
  EXPECT_EQ(Expand("{{id}", {"7", "", ""}), "prefix:{id}");
  EXPECT_EQ(Expand("{ id }", {"7", "", ""}), "prefix:{ id }");
  EXPECT_EQ(Expand("tail {", {}), "prefix:tail {");
  EXPECT_EQ(Expand("{id", {"7"}), "prefix:{id");
  const Template compiled = Template::Compile("{{x}}", kVariables, "f");
  EXPECT_TRUE(compiled.is_literal());
  EXPECT_EQ(compiled.literal(), "{x}}");
}

TEST(TemplateTest, UnknownVariableNamesTheFieldAndTheVariable) {
  try {
    Template::Compile("/a/{missing}", kVariables, "flows[0].url");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_EQ(std::string(error.what()),
              "flows[0].url: unknown template variable {missing}");
  }
}

TEST(TemplateTest, RequestTargetValuesArePercentEncodedWhereInvalid) {
  EXPECT_EQ(Expand("/search?q={query}", {"", "chest pain/\"x\"?a=1&b", ""},
                   Escaping::kRequestTarget),
            "prefix:/search?q=chest%20pain/%22x%22?a=1&b");
  EXPECT_EQ(
      Expand("/{query}", {"", "caf\xc3\xa9{}", ""}, Escaping::kRequestTarget),
      "prefix:/caf%C3%A9%7B%7D");
  // The template's own text is not touched.
  EXPECT_EQ(Expand("/a b/{id}", {"1"}, Escaping::kRequestTarget),
            "prefix:/a b/1");
}

TEST(TemplateTest, HeaderValuesCannotInjectLines) {
  EXPECT_EQ(Expand("Bearer {id}", {"abc\r\nX-Evil: 1"}, Escaping::kHeaderValue),
            "prefix:Bearer abcX-Evil: 1");
}

TEST(TemplateTest, ExpandingIntoAReservedBufferDoesNotReallocate) {
  const Template compiled =
      Template::Compile("/items/{id}?q={query}", kVariables, "f");
  std::string out;
  out.reserve(256);
  const char* data = out.data();
  for (int i = 0; i < 100; ++i) {
    out.clear();
    compiled.AppendTo(out, std::vector<std::string_view>{"12345", "abc", ""},
                      Escaping::kRequestTarget);
  }
  EXPECT_EQ(out, "/items/12345?q=abc");
  EXPECT_EQ(out.data(), data);
}

}  // namespace
}  // namespace loadgate::engine
