// Load presets (loadgate/preset.h): the models a preset stands for, how
// GoogleTest prints and names it, the standard presets, and preset files
// read on their own or through a scenario's `preset`.
#include "loadgate/preset.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <variant>
#include <vector>

#include "loadgate/config.h"
#include "loadgate/testing.h"
#include "support/temp_dir.h"

namespace loadgate {
namespace {

using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::Field;

std::string PresetError(std::string_view text) {
  try {
    ParsePreset(text, ConfigFormat::kJson, "db_api_100rps.json");
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "no error";
}

TEST(PresetTest, OpenIsTheRateWithUsersInFlight) {
  const Preset preset{.name = "p", .rate = 40, .users = 8, .spawn_rate = 2};
  const OpenModel open = preset.Open();
  EXPECT_EQ(open.rate, 40);
  EXPECT_EQ(open.max_in_flight, 8);
  EXPECT_TRUE(open.stages.empty());
  // Without users the engine sizes the in-flight cap itself.
  EXPECT_EQ(Preset{.rate = 40}.Open().max_in_flight, 0);
}

TEST(PresetTest, ClosedIsTheUsersSpawnedWithTheGivenThinkTime) {
  const Preset preset{.name = "p", .rate = 40, .users = 8, .spawn_rate = 2};
  const ClosedModel closed = preset.Closed(ThinkTime::Constant(seconds(1)));
  EXPECT_EQ(closed.users, 8);
  EXPECT_EQ(closed.spawn_rate, 2);
  EXPECT_EQ(closed.think.kind, ThinkTime::Kind::kConstant);
  EXPECT_EQ(closed.think.value, seconds(1));
  EXPECT_EQ(preset.Closed().think.kind, ThinkTime::Kind::kNone);
}

TEST(PresetTest, ModelIsOpenWithARateElseClosed) {
  const LoadModel open = Preset{.rate = 5, .users = 3}.Model();
  ASSERT_TRUE(std::holds_alternative<OpenModel>(open));
  EXPECT_EQ(std::get<OpenModel>(open).rate, 5);
  EXPECT_EQ(std::get<OpenModel>(open).max_in_flight, 3);

  const LoadModel closed = Preset{.users = 3, .spawn_rate = 1}.Model();
  ASSERT_TRUE(std::holds_alternative<ClosedModel>(closed));
  EXPECT_EQ(std::get<ClosedModel>(closed).users, 3);
  EXPECT_EQ(std::get<ClosedModel>(closed).spawn_rate, 1);
}

TEST(PresetTest, StandardPresetsAreTenHundredThousand) {
  const std::vector<Preset> presets = StandardPresets();
  EXPECT_THAT(presets, ElementsAre(Field(&Preset::name, "rps_10"),
                                   Field(&Preset::name, "rps_100"),
                                   Field(&Preset::name, "rps_1000")));
  for (const Preset& preset : presets) {
    EXPECT_EQ(preset.users, static_cast<int>(preset.rate));
    EXPECT_DOUBLE_EQ(preset.spawn_rate, preset.rate / 2);
    EXPECT_EQ(preset.duration, seconds(10));
    EXPECT_EQ(preset.host, "");
  }
}

TEST(PresetTest, PrintsAndNamesReadably) {
  Preset preset = StandardPresets()[1];
  EXPECT_EQ(testing::PrintToString(preset),
            "rps_100 (100 req/s, 100 users at 50/s, 10000 ms)");
  preset.host = "http://127.0.0.1:8080";
  EXPECT_EQ(testing::PrintToString(preset),
            "rps_100 (100 req/s, 100 users at 50/s, 10000 ms, "
            "http://127.0.0.1:8080)");
  preset.name = "chat-api 5/s";
  EXPECT_EQ(PresetName()(testing::TestParamInfo<Preset>(preset, 0)),
            "chat_api_5_s");
  // A preset without a name is named after its position.
  EXPECT_EQ(PresetName()(testing::TestParamInfo<Preset>(Preset{}, 2)), "2");
}

TEST(PresetTest, ReadsALocustStyleFile) {
  const Preset preset = ParsePreset(
      R"({"name": "db_api_100rps", "rate": 100, "users": 100,
          "spawn_rate": 10, "run_time": "60s",
          "host": "http://127.0.0.1:8080"})",
      ConfigFormat::kJson, "db_api_100rps.json");
  EXPECT_EQ(preset.name, "db_api_100rps");
  EXPECT_EQ(preset.rate, 100);
  EXPECT_EQ(preset.users, 100);
  EXPECT_EQ(preset.spawn_rate, 10);
  EXPECT_EQ(preset.duration, seconds(60));
  EXPECT_EQ(preset.host, "http://127.0.0.1:8080");

  const LoadModel model = preset.Model();
  const auto* open = std::get_if<OpenModel>(&model);
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->rate, 100);
  EXPECT_EQ(open->max_in_flight, 100);
}

TEST(PresetTest, AFileWithoutARateIsAClosedModel) {
  const Preset preset =
      ParsePreset("name: chat_50users\nusers: 50\nspawn_rate: 5\n",
                  ConfigFormat::kYaml, "chat.yaml");
  const LoadModel model = preset.Model();
  const auto* closed = std::get_if<ClosedModel>(&model);
  ASSERT_NE(closed, nullptr);
  EXPECT_EQ(closed->users, 50);
  EXPECT_EQ(closed->spawn_rate, 5);
  EXPECT_EQ(preset.duration, seconds(0));  // not set
  EXPECT_EQ(preset.host, "");
}

TEST(PresetTest, ErrorsNameTheFileAndField) {
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

TEST(PresetTest, UnreadableFileAndUnknownExtension) {
  EXPECT_THAT([] { LoadPreset("/nonexistent/db_api_10rps.json"); },
              ::testing::ThrowsMessage<ConfigError>(
                  "/nonexistent/db_api_10rps.json: cannot read: No such file "
                  "or directory"));
  EXPECT_THAT([] { LoadPreset("db_api_10rps.toml"); },
              ::testing::ThrowsMessage<ConfigError>(::testing::StartsWith(
                  "db_api_10rps.toml: expected a file name ending in .json")));
}

TEST(PresetTest, LoadPresetsReadsEachFileInOrder) {
  test_support::TempDir dir;
  const std::string fast =
      dir.WriteFile("fast.yaml", "name: fast\nrate: 50\nusers: 5\n");
  const std::string slow = dir.WriteFile(
      "slow.json", R"({"name": "slow", "users": 2, "run_time": "3s"})");
  const std::vector<Preset> presets = LoadPresets({fast, slow});
  ASSERT_EQ(presets.size(), 2u);
  EXPECT_EQ(presets[0].name, "fast");
  EXPECT_EQ(presets[0].rate, 50);
  EXPECT_EQ(presets[1].name, "slow");
  EXPECT_EQ(presets[1].duration, seconds(3));
  EXPECT_TRUE(LoadPresets({}).empty());

  const std::string missing = (dir.path() / "missing.json").string();
  EXPECT_THAT(
      [&] {
        LoadPresets({fast, missing});
      },
      ::testing::ThrowsMessage<ConfigError>(
          ::testing::StartsWith(missing + ": cannot read")));
}

// The presets the suites and Make targets run (configs/), which the suites
// read through LoadPresets, are valid open-model presets.
TEST(PresetTest, TheRepositoryPresetsAreValid) {
  for (const std::string suite : {"db_api", "chat_api", "scale"}) {
    for (const std::string rate : {"10", "100", "1000"}) {
      const std::string name = suite + "_" + rate + "rps";
      SCOPED_TRACE(name);
      const Preset preset = LoadPreset(std::string(LOADGATE_SOURCE_DIR) +
                                       "/configs/" + name + ".json");
      EXPECT_EQ(preset.name, name);
      EXPECT_EQ(preset.rate, std::stod(rate));
      EXPECT_GE(preset.users, 1);
      EXPECT_GT(preset.duration.count(), 0);
    }
  }
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
