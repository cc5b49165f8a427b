#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "loadgate/config.h"
#include "support/temp_dir.h"

namespace loadgate {
namespace {

using std::chrono::seconds;

std::string PresetError(std::string_view text) {
  try {
    ParsePreset(text, ConfigFormat::kJson, "db_api_100rps.json");
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "no error";
}

TEST(PresetFileTest, ReadsALocustStylePreset) {
  const PresetFile preset = ParsePreset(
      R"({"name": "db_api_100rps", "rate": 100, "users": 100,
          "spawn_rate": 10, "run_time": "60s",
          "host": "http://127.0.0.1:8080"})",
      ConfigFormat::kJson, "db_api_100rps.json");
  EXPECT_EQ(preset.name, "db_api_100rps");
  EXPECT_EQ(preset.rate, 100);
  EXPECT_EQ(preset.users, 100);
  EXPECT_EQ(preset.spawn_rate, 10);
  EXPECT_EQ(preset.run_time, seconds(60));
  EXPECT_EQ(preset.host, "http://127.0.0.1:8080");

  const LoadModel model = preset.Model();
  const auto* open = std::get_if<OpenModel>(&model);
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->rate, 100);
  EXPECT_EQ(open->max_in_flight, 100);
}

TEST(PresetFileTest, WithoutARateItIsAClosedModel) {
  const PresetFile preset =
      ParsePreset("name: chat_50users\nusers: 50\nspawn_rate: 5\n",
                  ConfigFormat::kYaml, "chat.yaml");
  const LoadModel model = preset.Model();
  const auto* closed = std::get_if<ClosedModel>(&model);
  ASSERT_NE(closed, nullptr);
  EXPECT_EQ(closed->users, 50);
  EXPECT_EQ(closed->spawn_rate, 5);
  EXPECT_EQ(preset.run_time, seconds(0));  // not set
  EXPECT_EQ(preset.host, "");
}

TEST(PresetFileTest, ErrorsNameTheFileAndField) {
  EXPECT_EQ(PresetError(R"({"name": "x", "rate": "lots"})"),
            "db_api_100rps.json: rate: expected a positive number, got "
            "\"lots\"");
  EXPECT_EQ(PresetError(R"({"name": "x", "rate": 1, "run_tme": "60s"})"),
            "db_api_100rps.json: unknown field \"run_tme\" (did you mean "
            "\"run_time\"?)");
  EXPECT_EQ(PresetError(R"({"rate": 1})"),
            "db_api_100rps.json: missing required field \"name\"");
  EXPECT_EQ(PresetError(R"({"name": "x"})"),
            "db_api_100rps.json: expected rate (requests/s), users, or both");
  EXPECT_EQ(PresetError(R"({"name": "x", "users": 1.5})"),
            "db_api_100rps.json: users: expected an integer in [1, "
            "2147483647], got 1.5");
  EXPECT_EQ(PresetError(R"({"name": "x", "rate": 1, "run_time": 60})"),
            "db_api_100rps.json: run_time: expected a duration such as "
            "\"250ms\", \"10s\" or \"1m30s\" (above zero), got 60");
  EXPECT_THAT(PresetError(R"({"name": "x", "rate": 1, "host": "localhost"})"),
              ::testing::StartsWith("db_api_100rps.json: host: bad URL"));
  EXPECT_THAT(
      PresetError("{\"name\": \"x\",\n\"rate\": 1,,}"),
      ::testing::StartsWith("db_api_100rps.json: line 2: syntax error"));
}

TEST(PresetFileTest, UnreadablePreset) {
  EXPECT_THAT([] { LoadPresetFile("/nonexistent/db_api_10rps.json"); },
              ::testing::ThrowsMessage<ConfigError>(
                  "/nonexistent/db_api_10rps.json: cannot read: No such file "
                  "or directory"));
}

class ScenarioWithPresetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.WriteFile("db_api_10rps.json",
                   R"({"name": "db_api_10rps", "rate": 10, "users": 20,
                       "run_time": "45s", "host": "http://127.0.0.1:9000"})");
  }
  ScenarioFile Load(std::string_view text) {
    return LoadScenarioFile(dir_.WriteFile("scenario.yaml", text));
  }
  test_support::TempDir dir_;
};

TEST_F(ScenarioWithPresetTest, ThePresetGivesLoadDurationAndHost) {
  const ScenarioFile file =
      Load("preset: db_api_10rps.json\nrequests: [{url: /patients}]\n");
  EXPECT_EQ(file.scenario.base_url, "http://127.0.0.1:9000");
  EXPECT_EQ(file.options.duration, seconds(45));
  const auto* open = std::get_if<OpenModel>(&file.model);
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->rate, 10);
  EXPECT_EQ(open->max_in_flight, 20);
}

TEST_F(ScenarioWithPresetTest, TheScenarioOverridesWhatItStatesItself) {
  const ScenarioFile file = Load(
      "preset: db_api_10rps.json\ntarget: http://127.0.0.1:7000\n"
      "duration: 5s\nload: {users: 3}\nrequests: [{url: /patients}]\n");
  EXPECT_EQ(file.scenario.base_url, "http://127.0.0.1:7000");
  EXPECT_EQ(file.options.duration, seconds(5));
  const auto* closed = std::get_if<ClosedModel>(&file.model);
  ASSERT_NE(closed, nullptr);
  EXPECT_EQ(closed->users, 3);
}

TEST_F(ScenarioWithPresetTest, AMissingPresetNamesItsPath) {
  try {
    Load("preset: db_api_1000rps.json\nrequests: [{url: /patients}]\n");
    FAIL() << "no error";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.file(), (dir_.path() / "db_api_1000rps.json").string());
    EXPECT_THAT(error.what(), ::testing::HasSubstr("cannot read"));
  }
}

}  // namespace
}  // namespace loadgate
