// Hostile and broken config input: whatever the bytes, scenario and preset
// parsers end in a ConfigError that names the file and the field, whose
// message is printable UTF-8 on one line. Nothing else may escape.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "loadgate/config.h"
#include "loadgate/preset.h"
#include "metrics/json_document.h"
#include "support/temp_dir.h"

namespace loadgate {
namespace {

using ::testing::HasSubstr;

enum class Parser { kScenarioJson, kScenarioYaml, kPresetJson, kPresetYaml };

struct Row {
  Parser parser;
  std::string text;
  std::string field;    // ConfigError::field(), exactly
  std::string message;  // a substring of what()
};

// Scenario text around one JSON member of the load, so that each row reads
// as the one thing that is wrong.
std::string JsonScenario(const std::string& load) {
  return R"({"target": "http://127.0.0.1:1", "requests": [{"url": "/"}],
             "load": )" +
         load + "}";
}
std::string JsonScenarioWith(const std::string& member) {
  return R"({"target": "http://127.0.0.1:1", "requests": [{"url": "/"}],
             "load": {"rate": 1}, )" +
         member + "}";
}
std::string YamlScenarioWith(const std::string& lines) {
  return "target: http://127.0.0.1:1\nrequests: [{url: /}]\n" + lines;
}

std::string Repeat(const std::string& text, int times) {
  std::string result;
  for (int i = 0; i < times; ++i) result += text;
  return result;
}

// "0.000...0001s": 400 zeros, below a nanosecond.
const std::string kTinyDuration = "0." + std::string(400, '0') + "1s";

// A table, one row per malformed input: as long as the list of cases.
std::vector<Row> MalformedRows() {
  using enum Parser;
  const std::string cut_in_half = Repeat("\xC3\xA9", 30);  // é: 2 bytes each
  return {
      // Numbers out of range, in every number field kind.
      {kScenarioJson, JsonScenario(R"({"rate": 1e999})"), "load.rate",
       "number out of range: 1e999"},
      {kScenarioJson, JsonScenario(R"({"rate": -1e999})"), "load.rate",
       "number out of range"},
      {kScenarioJson, JsonScenario(R"({"rate": NaN})"), "load.rate",
       "syntax error"},
      {kScenarioJson, JsonScenario(R"({"rate": -5})"), "load.rate",
       "expected a positive number, got -5"},
      {kScenarioJson, JsonScenario(R"({"users": 99999999999999999999})"),
       "load.users", "expected an integer in [1, 2147483647]"},
      {kScenarioJson, JsonScenario(R"({"users": 18446744073709551615})"),
       "load.users", "expected an integer in [1, 2147483647]"},
      {kScenarioJson, JsonScenario(R"({"users": -3})"), "load.users",
       "expected an integer"},
      {kScenarioJson, JsonScenario(R"({"users": 2.5})"), "load.users",
       "expected an integer"},
      {kScenarioJson, JsonScenario(R"({"users": 2, "iterations": -1})"),
       "load.iterations", "expected an integer >= 0"},
      {kScenarioJson, JsonScenarioWith(R"("max_requests": 0)"), "max_requests",
       "expected an integer >= 1"},
      {kScenarioJson, JsonScenarioWith(R"("threads": 5000)"), "threads",
       "expected an integer in [0, 1024]"},
      {kScenarioJson, JsonScenarioWith(R"("seed": -1)"), "seed",
       "expected an integer >= 0"},
      {kScenarioJson, JsonScenarioWith(R"("limits": {"max_error_rate": 2})"),
       "limits.max_error_rate", "expected a fraction in [0, 1]"},
      {kScenarioJson,
       JsonScenarioWith(R"("prices": {"input_per_million": -1})"),
       "prices.input_per_million", "expected a number >= 0"},
      {kScenarioYaml, YamlScenarioWith("load: {rate: 1e999}\n"), "load.rate",
       "expected a positive number, got \"1e999\""},
      {kScenarioYaml, YamlScenarioWith("load: {rate: .nan}\n"), "load.rate",
       "expected a positive number"},
      {kScenarioYaml, YamlScenarioWith("load: {rate: -.inf}\n"), "load.rate",
       "expected a positive number"},
      {kScenarioYaml, YamlScenarioWith("load: {users: 99999999999999999999}\n"),
       "load.users", "expected an integer"},
      // Long scalars: std::regex recursed per character here, to a crash.
      {kScenarioYaml,
       YamlScenarioWith("load: {rate: " + std::string(300000, '1') + "}\n"),
       "load.rate",
       "expected a positive number, got \"" + std::string(40, '1') + "\"..."},
      {kScenarioYaml,
       YamlScenarioWith("load: {rate: 1." + std::string(300000, '5') + "e}\n"),
       "load.rate", "expected a positive number"},
      {kScenarioYaml, YamlScenarioWith("load: {rate: 1e}\n"), "load.rate",
       "expected a positive number, got \"1e\""},
      {kScenarioYaml, YamlScenarioWith("load: {rate: .}\n"), "load.rate",
       "expected a positive number, got \".\""},
      {kScenarioYaml, YamlScenarioWith("load: {rate: +}\n"), "load.rate",
       "expected a positive number, got \"+\""},

      // Wrong JSON types at every level.
      {kScenarioJson, "[1, 2]", "", "expected an object, got a list"},
      {kScenarioJson, "\"scenario\"", "",
       "expected an object, got \"scenario\""},
      {kScenarioJson, JsonScenario("\"fast\""), "load",
       "expected an object, got \"fast\""},
      {kScenarioJson,
       R"({"target": "http://127.0.0.1:1", "requests": {}, "load": {"rate": 1}})",
       "requests", "expected a list"},
      {kScenarioJson,
       R"({"target": "http://127.0.0.1:1", "requests": [5], "load": {"rate": 1}})",
       "requests[0]", "expected an object, got 5"},
      {kScenarioJson,
       R"({"target": "http://127.0.0.1:1", "requests": [{"url": 5}],
           "load": {"rate": 1}})",
       "requests[0].url", "expected a non-empty string, got 5"},
      {kScenarioJson,
       R"({"target": "http://127.0.0.1:1",
           "requests": [{"url": "/", "checks": [{"status": "200"}]}],
           "load": {"rate": 1}})",
       "requests[0].checks[0].status", "expected an integer in [100, 599]"},
      {kScenarioJson,
       R"({"target": "http://127.0.0.1:1",
           "requests": [{"url": "/", "headers": {"X-A": [1]}}],
           "load": {"rate": 1}})",
       "requests[0].headers.X-A", "expected a string or a number, got a list"},
      {kScenarioJson, JsonScenarioWith(R"("headers": [])"), "headers",
       "expected an object, got a list"},
      {kScenarioJson, JsonScenarioWith(R"("tls": {"verify": "yes"})"),
       "tls.verify", "expected true or false"},
      {kScenarioJson, JsonScenarioWith(R"("slos": {})"), "slos",
       "expected a list"},
      {kScenarioJson, JsonScenarioWith(R"("slos": [5])"), "slos[0]",
       "expected an SLO such as"},
      {kScenarioJson, JsonScenarioWith(R"("data": "rows.csv")"), "data",
       "expected a list"},
      {kScenarioJson, JsonScenarioWith(R"("duration": 10)"), "duration",
       "expected a duration"},
      {kScenarioYaml, YamlScenarioWith("load: [1, 2]\n"), "load",
       "expected an object, got a list"},
      {kScenarioYaml, YamlScenarioWith("load: {rate: 1}\nname: [a]\n"), "name",
       "expected a non-empty string, got a list"},

      // Invalid UTF-8, and valid UTF-8 that the 40-byte excerpt must not cut
      // inside a character.
      {kScenarioJson, JsonScenarioWith("\"name\": \"\xFF\""), "name",
       "ill-formed UTF-8"},
      {kScenarioJson, JsonScenarioWith("\"\xFF\": 1"), "", "ill-formed UTF-8"},
      {kScenarioJson, JsonScenarioWith("\"name\": \"\xC3\""), "name", "UTF-8"},
      {kScenarioJson, JsonScenarioWith("\"name\": \"\xED\xA0\x80\""), "name",
       "UTF-8"},  // an encoded surrogate
      {kScenarioYaml, YamlScenarioWith("load: {rate: 1}\nname: \"\xFF\"\n"),
       "name", "invalid UTF-8 at byte 1 of \"\\xFF\""},
      {kScenarioYaml, YamlScenarioWith("load: {rate: 1}\nname: a\xC3\n"),
       "name", "invalid UTF-8 at byte 2 of \"a\\xC3\""},
      {kScenarioYaml, YamlScenarioWith("load: {rate: 1}\n\xFE: 1\n"), "",
       "invalid UTF-8"},
      {kScenarioJson,
       R"({"target": "http://127.0.0.1:1",
           "requests": [{"url": "/", "method": ")" +
           cut_in_half + R"("}], "load": {"rate": 1}})",
       "requests[0].method", "got \"" + Repeat("\xC3\xA9", 20) + "\"..."},
      {kScenarioYaml,
       YamlScenarioWith("load: {rate: 1}\nduration: a" +
                        Repeat("\xE2\x82\xAC", 20) + "\n"),
       "duration", "got \"a" + Repeat("\xE2\x82\xAC", 13) + "\"..."},
      {kScenarioJson, JsonScenarioWith(R"("duration": "\u0007\u001b[31m")"),
       "duration", "got \"\\u0007\\u001b[31m\""},

      // YAML oddities.
      {kScenarioYaml, YamlScenarioWith("load: {rate: 1}\nname: !custom x\n"),
       "name", "unsupported tag \"!custom\""},
      {kScenarioYaml, YamlScenarioWith("load: {rate: !!int fast}\n"),
       "load.rate", "expected a valid !!int, got \"fast\""},
      {kScenarioYaml, YamlScenarioWith("load: !!seq {rate: 1}\n"), "load",
       "unsupported tag \"tag:yaml.org,2002:seq\" on a mapping"},
      {kScenarioYaml, YamlScenarioWith("load: {rate: !!str 5}\n"), "load.rate",
       "expected a positive number, got \"5\""},
      {kScenarioYaml, YamlScenarioWith("load: {rate: 1}\n? [a, b]\n: 1\n"), "",
       "expected a plain field name as a key"},
      {kScenarioYaml, YamlScenarioWith("load: {rate: 1, {a: 1}: 2}\n"), "load",
       "expected a plain field name as a key"},
      {kScenarioYaml, YamlScenarioWith("load: {rate: 1}\n~: 1\n"), "",
       "expected a field name as a key, got null"},
      {kScenarioYaml, YamlScenarioWith("load:\n  rate: 1\n  rate: 2\n"), "load",
       "duplicate field \"rate\""},
      {kScenarioJson, JsonScenario(R"({"rate": 1, "rate": 2})"), "load",
       "duplicate field \"rate\""},
      {kScenarioYaml, YamlScenarioWith("load: {rate: 1}\nname: &n [*n]\n"),
       "name[0]", "an alias refers to the value that contains it"},
      {kScenarioYaml,
       YamlScenarioWith("load: {rate: 1}\n"
                        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"),
       "e[7]", "aliases expand to more than 100000 values"},
      {kScenarioYaml, YamlScenarioWith("load: {rate: 1}\n---\nname: x\n"), "",
       "expected one YAML document, found a second"},
      {kScenarioYaml, YamlScenarioWith("load: {rate: 1\n"), "", "syntax error"},
      {kScenarioYaml, "a: b: c\n", "", "syntax error"},

      // Nesting: capped with an error, never the end of the stack.
      {kScenarioJson, JsonScenarioWith("\"name\": " + Repeat("[", 100000)),
       "name" + Repeat("[0]", 99), "nested deeper than 100 levels"},
      {kScenarioYaml,
       YamlScenarioWith("name: " + Repeat("[", 150) + Repeat("]", 150) + "\n"),
       "name" + Repeat("[0]", 99), "nested deeper than 100 levels"},
      {kScenarioYaml,
       YamlScenarioWith("name: " + Repeat("{a: ", 150) + "1" +
                        Repeat("}", 150) + "\n"),
       "name" + Repeat(".a", 99), "nested deeper than 100 levels"},

      // Empty and truncated files.
      {kScenarioJson, "", "", "the file is empty"},
      {kScenarioYaml, " \n\t\n", "", "the file is empty"},
      {kScenarioYaml, "# nothing here\n", "", "expected an object"},
      {kScenarioJson, R"({"load": {"rate": 1)", "load", "syntax error"},
      {kScenarioJson, R"({"load": {"rate": )", "load.rate",
       "unexpected end of input"},
      {kScenarioJson, R"({"name": "abc)", "name", "syntax error"},
      {kScenarioJson, "{} {}", "", "syntax error"},

      // Durations: overflow, negative, empty, unknown units, below 1 ns.
      {kScenarioJson, JsonScenarioWith(R"("duration": "1e30s")"), "duration",
       "expected a duration"},
      {kScenarioJson,
       JsonScenarioWith(R"("duration": "99999999999999999999h")"), "duration",
       "expected a duration"},
      {kScenarioJson,
       JsonScenarioWith("\"duration\": \"" + kTinyDuration + "\""), "duration",
       "(above zero)"},
      {kScenarioJson,
       JsonScenarioWith("\"duration\": \"" + std::string(400, '9') + "s\""),
       "duration", "expected a duration"},
      {kScenarioJson, JsonScenarioWith(R"("duration": "-5s")"), "duration",
       "expected a duration"},
      {kScenarioJson, JsonScenarioWith(R"("duration": "")"), "duration",
       "expected a duration"},
      {kScenarioJson, JsonScenarioWith(R"("duration": "5 fortnights")"),
       "duration", "expected a duration"},
      {kScenarioJson,
       R"({"target": "http://127.0.0.1:1", "requests": [{"url": "/",
           "timeout": "-1s"}], "load": {"rate": 1}})",
       "requests[0].timeout", "expected a duration"},
      {kScenarioJson,
       JsonScenario(R"({"stages": [{"duration": "2000000h", "target": 1},
                                   {"duration": "2000000h", "target": 1}]})"),
       "load.stages", "add up to more than 64-bit nanoseconds"},

      // SLO expressions, as strings and as objects.
      {kScenarioJson, JsonScenarioWith(R"("slos": ["p95(latency) <"])"),
       "slos[0]", "bad SLO"},
      {kScenarioJson, JsonScenarioWith(R"("slos": ["p95(latency) < 1e999s"])"),
       "slos[0]", "expected a time with a unit"},
      {kScenarioJson, JsonScenarioWith(R"("slos": ["achieved_rps > 1e999"])"),
       "slos[0]", "expected a number for achieved_rps"},
      {kScenarioJson, JsonScenarioWith(R"("slos": ["error_rate < 200%"])"),
       "slos[0]", "expected a percentage"},
      {kScenarioJson, JsonScenarioWith(R"("slos": ["p1000(latency) < 3s"])"),
       "slos[0]", "expected a percentile"},
      {kScenarioJson,
       JsonScenarioWith(
           R"("slos": [{"metric": "latency", "percentile": 1e999, "lt": "1s"}])"),
       "slos[0].percentile", "number out of range"},
      {kScenarioJson,
       JsonScenarioWith(
           R"("slos": [{"metric": "latency", "percentile": 101, "lt": "1s"}])"),
       "slos[0].percentile", "expected a number in (0, 100]"},
      {kScenarioJson,
       JsonScenarioWith(
           R"("slos": [{"metric": "latency", "percentile": 95, "lt": true}])"),
       "slos[0].lt", "expected a threshold"},

      // Presets.
      {kPresetJson, R"({"name": "p", "rate": 1e999})", "rate",
       "number out of range"},
      {kPresetJson, R"({"name": "p", "rate": -5})", "rate",
       "expected a positive number"},
      {kPresetJson, R"({"name": "p", "users": 1e20})", "users",
       "expected an integer"},
      {kPresetJson, R"({"name": "p", "users": -1})", "users",
       "expected an integer"},
      {kPresetJson, R"({"name": "p", "rate": 1, "run_time": "1e30s"})",
       "run_time", "expected a duration"},
      {kPresetJson, R"({"name": 5, "rate": 1})", "name",
       "expected a non-empty string"},
      {kPresetJson, "{\"name\": \"\xFF\", \"rate\": 1}", "name", "UTF-8"},
      {kPresetJson, R"({"name": "p", "rate": 1, "host": "ftp://x"})", "host",
       "bad URL"},
      {kPresetJson, "[]", "", "expected an object"},
      {kPresetJson, "", "", "the file is empty"},
      {kPresetYaml, "name: p\nrate: [1]\n", "rate",
       "expected a positive number, got a list"},
      {kPresetYaml, "name: p\nusers: 1\nusers: 2\n", "",
       "duplicate field \"users\""},
  };
}

std::string SourceName(Parser parser) {
  switch (parser) {
    case Parser::kScenarioJson:
      return "dir/scenario.json";
    case Parser::kScenarioYaml:
      return "dir/scenario.yaml";
    case Parser::kPresetJson:
      return "dir/preset.json";
    case Parser::kPresetYaml:
      return "dir/preset.yaml";
  }
  return "";
}

void Parse(const Row& row) {
  const std::string source = SourceName(row.parser);
  switch (row.parser) {
    case Parser::kScenarioJson:
      ParseScenario(row.text, ConfigFormat::kJson, source);
      break;
    case Parser::kScenarioYaml:
      ParseScenario(row.text, ConfigFormat::kYaml, source);
      break;
    case Parser::kPresetJson:
      ParsePreset(row.text, ConfigFormat::kJson, source);
      break;
    case Parser::kPresetYaml:
      ParsePreset(row.text, ConfigFormat::kYaml, source);
      break;
  }
}

// One line of printable UTF-8: what a terminal, a log or a JSON report can
// carry without breaking.
void ExpectPrintable(const std::string& message) {
  EXPECT_EQ(FindInvalidUtf8(message), std::nullopt) << message;
  for (unsigned char c : message) {
    EXPECT_FALSE(c < 0x20 || c == 0x7F) << "control byte " << int{c};
  }
}

TEST(ConfigMalformedInputTest, EveryRowEndsInAConfigErrorNamingFileAndField) {
  for (const Row& row : MalformedRows()) {
    SCOPED_TRACE(EscapeUnprintable(row.text.substr(0, 300)));
    try {
      Parse(row);
      ADD_FAILURE() << "accepted";
    } catch (const ConfigError& error) {
      EXPECT_EQ(error.file(), SourceName(row.parser));
      EXPECT_EQ(error.field(), row.field) << error.what();
      EXPECT_THAT(error.what(), HasSubstr(row.message));
      ExpectPrintable(error.what());
    } catch (const std::exception& error) {
      ADD_FAILURE() << "escaped as another type: " << error.what();
    }
  }
}

TEST(ConfigMalformedInputTest, YamlErrorsCarryTheLine) {
  try {
    ParseScenario(YamlScenarioWith("load:\n  rate: 1\n  rate: 2\n"),
                  ConfigFormat::kYaml, "s.yaml");
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.line(), 5);
    EXPECT_STREQ(error.what(),
                 "s.yaml: line 5: load: duplicate field \"rate\"");
  }
}

TEST(ConfigMalformedInputTest, JsonSyntaxErrorsCarryLineAndColumn) {
  try {
    ParseScenario("{\n  \"load\": {\"rate\": 1e999}}", ConfigFormat::kJson,
                  "s.json");
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.line(), 2);
    EXPECT_STREQ(error.what(),
                 "s.json: line 2: load.rate: syntax error at column 20: "
                 "number out of range: 1e999");
  }
}

TEST(ConfigMalformedInputTest, AnchorsAliasesAndCoreTagsStillWork) {
  const ScenarioFile file = ParseScenario(
      "target: http://127.0.0.1:1\n"
      "headers: &common {X-Team: load}\n"
      "requests:\n"
      "  - {url: /a, headers: *common}\n"
      "  - {url: /b, headers: *common, weight: !!float 2}\n"
      "load: {rate: !!int 5}\n"
      "name: !!str 123\n",
      ConfigFormat::kYaml, "s.yaml");
  EXPECT_EQ(file.scenario.name, "123");
  ASSERT_EQ(file.scenario.flows.size(), 2u);
  const Request& second = file.scenario.flows[1].steps[0].request;
  EXPECT_EQ(second.headers, (std::vector<Header>{{"X-Team", "load"}}));
  EXPECT_EQ(second.weight, 2);
  EXPECT_EQ(std::get<OpenModel>(file.model).rate, 5);
}

TEST(ConfigMalformedInputTest, YamlNumbersFollowTheCoreSchema) {
  for (const auto& [text, rate] :
       std::vector<std::pair<std::string, double>>{{"5", 5},
                                                   {"+5", 5},
                                                   {"5.", 5},
                                                   {".5", 0.5},
                                                   {"2.5e1", 25},
                                                   {"1E+2", 100}}) {
    SCOPED_TRACE(text);
    const ScenarioFile file =
        ParseScenario(YamlScenarioWith("load: {rate: " + text + "}\n"),
                      ConfigFormat::kYaml, "s.yaml");
    EXPECT_EQ(std::get<OpenModel>(file.model).rate, rate);
  }
}

TEST(ConfigMalformedInputTest, AGaussianThinkTimeOfHugeDurationsSaturates) {
  const ScenarioFile file = ParseScenario(
      "target: http://127.0.0.1:1\nrequests: [{url: /}]\n"
      "load: {users: 1, think_time: {distribution: gaussian, mean: 2000000h, "
      "stddev: 2000000h}}\n",
      ConfigFormat::kYaml, "s.yaml");
  const auto& model = std::get<ClosedModel>(file.model);
  EXPECT_EQ(model.think.max, std::chrono::nanoseconds::max());
}

TEST(ConfigMalformedInputTest, FilesThatAreMissingDirectoriesOrTruncated) {
  const test_support::TempDir dir;
  const std::string missing = (dir.path() / "missing.yaml").string();
  const std::string directory = (dir.path() / "folder.json").string();
  std::filesystem::create_directory(directory);
  const std::string truncated = dir.WriteFile(
      "truncated.json", R"({"target": "http://127.0.0.1:1", "re)");
  const std::string empty = dir.WriteFile("empty.yaml", "");
  const std::string bad_preset = dir.WriteFile(
      "uses_preset.yaml", "requests: [{url: /}]\npreset: folder.json\n");
  const std::string data_json = dir.WriteFile("rows.json", "[{\"a\": 1e999}]");
  const std::string data_in_folder = dir.WriteFile(
      "data_folder.yaml",
      "target: http://127.0.0.1:1\nrequests: [{url: /}]\nload: {rate: 1}\n"
      "data: [{csv: folder.json}]\n");
  const std::string data_out_of_range = dir.WriteFile(
      "data_range.yaml",
      "target: http://127.0.0.1:1\nrequests: [{url: /}]\nload: {rate: 1}\n"
      "data: [{json: rows.json}]\n");

  const struct {
    std::string path;
    std::string file;  // the file the error names
    std::string message;
  } kCases[] = {
      {missing, missing, "cannot read: No such file or directory"},
      {directory, directory, "cannot read: it is a directory, not a file"},
      {truncated, truncated, "syntax error"},
      {empty, empty, "the file is empty"},
      {bad_preset, directory, "cannot read: it is a directory"},
      {data_in_folder, data_in_folder,
       "data[0].csv: " + directory + ": cannot read: it is a directory"},
      {data_out_of_range, data_out_of_range, "data[0].json: " + data_json},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.path);
    try {
      LoadScenarioFile(c.path);
      ADD_FAILURE() << "accepted";
    } catch (const ConfigError& error) {
      EXPECT_EQ(error.file(), c.file);
      EXPECT_THAT(error.what(), HasSubstr(c.message));
    }
  }
  // An endless file (here /dev/zero) is cut off rather than read into all
  // the memory there is.
  const std::string endless = (dir.path() / "endless.yaml").string();
  std::filesystem::create_symlink("/dev/zero", endless);
  EXPECT_THAT([&] { LoadScenarioFile(endless); },
              ::testing::ThrowsMessage<ConfigError>(
                  endless + ": cannot read: larger than 64 MiB"));
  EXPECT_THROW(LoadPreset(directory), ConfigError);
  EXPECT_THROW(LoadPreset(missing), ConfigError);
}

TEST(ConfigMalformedInputTest,
     ObjectivesRefuseInvalidUtf8WithAPrintableMessage) {
  try {
    ParseObjective("p95(latency{\xFF}) < 3s");
    ADD_FAILURE() << "accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_THAT(error.what(), HasSubstr("\"p95(latency{\\xFF}) < 3s\""));
    EXPECT_THAT(error.what(), HasSubstr("byte 13 is not valid UTF-8"));
    ExpectPrintable(error.what());
  }
}

// The UTF-8 rules behind every quoted value: what counts as well-formed,
// where an excerpt may end, how the rest is shown.
TEST(MessageTextTest, Utf8IsCheckedCutAndEscapedByTheStandardsRules) {
  EXPECT_EQ(
      FindInvalidUtf8("plain, caf\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x98\x80"),
      std::nullopt);
  EXPECT_EQ(FindInvalidUtf8("ab\xC0\x80"), 2u);        // overlong NUL
  EXPECT_EQ(FindInvalidUtf8("\xE0\x80\xAF"), 0u);      // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("x\xED\xA0\x80"), 1u);     // surrogate
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("ok\xF0\x9F\x98"), 2u);    // cut short
  EXPECT_EQ(FindInvalidUtf8("\x80"), 0u);              // lone continuation

  const std::string smiley = "\xF0\x9F\x98\x80";
  EXPECT_EQ(Utf8Prefix("ab" + smiley, 5), "ab");
  EXPECT_EQ(Utf8Prefix("ab" + smiley, 6), "ab" + smiley);
  EXPECT_EQ(Utf8Prefix("ab\xFF\xFF", 3), "ab\xFF");  // bad bytes count as one

  EXPECT_EQ(EscapeUnprintable("caf\xC3\xA9 \xFF\x1B[0m\x7F\t"),
            "caf\xC3\xA9 \\xFF\\x1B[0m\\x7F\\x09");
}

}  // namespace
}  // namespace loadgate
