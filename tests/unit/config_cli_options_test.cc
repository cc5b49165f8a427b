#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

// The tests' include path holds tests/ and the public headers only.
#include "config/cli_options.h"
#include "support/temp_dir.h"

namespace loadgate::cli {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::StartsWith;

std::string UsageErrorOf(const std::vector<std::string>& args) {
  try {
    ParseCommandLine(args);
  } catch (const UsageError& error) {
    return error.what();
  }
  return "no error";
}

TEST(CommandLineTest, TopLevelCommands) {
  EXPECT_EQ(ParseCommandLine({"--help"}).command, CommandLine::Command::kHelp);
  EXPECT_EQ(ParseCommandLine({"help"}).command, CommandLine::Command::kHelp);
  EXPECT_EQ(ParseCommandLine({"version"}).command,
            CommandLine::Command::kVersion);
  EXPECT_EQ(ParseCommandLine({"--version"}).command,
            CommandLine::Command::kVersion);
  EXPECT_EQ(ParseCommandLine({"run", "--help"}).command,
            CommandLine::Command::kRunHelp);
  EXPECT_EQ(ParseCommandLine({"run", "x.yaml", "-h"}).command,
            CommandLine::Command::kRunHelp);
  const CommandLine validate = ParseCommandLine({"validate", "s.yaml"});
  EXPECT_EQ(validate.command, CommandLine::Command::kValidate);
  EXPECT_EQ(validate.scenario_path, "s.yaml");

  EXPECT_EQ(UsageErrorOf({}), "expected a command (loadgate --help)");
  EXPECT_EQ(UsageErrorOf({"fly"}),
            "unknown command \"fly\" (expected run, validate or version)");
  EXPECT_EQ(UsageErrorOf({"version", "now"}), "version: takes no arguments");
  EXPECT_EQ(UsageErrorOf({"validate"}), "validate: expected one scenario file");
}

// Every option of `run` at once, one check each: as long as the option list.
TEST(CommandLineTest, AdHocRunWithEveryOption) {
  const CommandLine command_line =
      ParseCommandLine({"run",
                        "--url",
                        "http://127.0.0.1:8080/items?x=1",
                        "-X",
                        "post",
                        "-H",
                        "Authorization: Bearer t",
                        "--header=Content-Type:application/json",
                        "--body",
                        "{\"a\":1}",
                        "--rate",
                        "250.5",
                        "-c",
                        "64",
                        "--duration=1m30s",
                        "-t",
                        "2",
                        "--timeout",
                        "500ms",
                        "--insecure",
                        "-o",
                        "report.json",
                        "--csv",
                        "stats.csv",
                        "--quiet",
                        "--slo",
                        "p95(latency) < 200ms",
                        "--slo",
                        "error_rate < 1%"});
  EXPECT_EQ(command_line.command, CommandLine::Command::kRun);
  EXPECT_EQ(command_line.url, "http://127.0.0.1:8080/items?x=1");
  EXPECT_EQ(command_line.method, "POST");
  EXPECT_THAT(command_line.headers,
              ElementsAre(Pair("Authorization", "Bearer t"),
                          Pair("Content-Type", "application/json")));
  EXPECT_EQ(command_line.body, "{\"a\":1}");
  EXPECT_EQ(command_line.rate, 250.5);
  EXPECT_EQ(command_line.connections, 64);
  EXPECT_EQ(command_line.duration, seconds(90));
  EXPECT_EQ(command_line.threads, 2);
  EXPECT_EQ(command_line.timeout, milliseconds(500));
  EXPECT_TRUE(command_line.insecure);
  EXPECT_EQ(command_line.out_path, "report.json");
  EXPECT_EQ(command_line.csv_path, "stats.csv");
  EXPECT_TRUE(command_line.quiet);
  ASSERT_EQ(command_line.slos.size(), 2u);
  EXPECT_EQ(command_line.slos[0].threshold, 200);
  EXPECT_DOUBLE_EQ(command_line.slos[1].threshold, 0.01);

  const ScenarioFile run = BuildRun(command_line);
  ASSERT_EQ(run.scenario.flows.size(), 1u);
  const Request& request = run.scenario.flows[0].steps.at(0).request;
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "http://127.0.0.1:8080/items?x=1");
  EXPECT_EQ(request.body, "{\"a\":1}");
  EXPECT_EQ(request.timeout, milliseconds(500));
  EXPECT_EQ(request.headers.size(), 2u);
  EXPECT_FALSE(run.scenario.verify_tls);
  const auto* open = std::get_if<OpenModel>(&run.model);
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->rate, 250.5);
  EXPECT_EQ(open->max_in_flight, 64);  // wrk2-style: -c bounds in flight
  EXPECT_EQ(run.options.duration, seconds(90));
  EXPECT_EQ(run.options.threads, 2);
  EXPECT_EQ(run.objectives.size(), 2u);
}

TEST(CommandLineTest, WithoutRateOrUsersItIsAFullSpeedClosedLoop) {
  const ScenarioFile defaults =
      BuildRun(ParseCommandLine({"run", "--url", "http://127.0.0.1:1/"}));
  const auto* closed = std::get_if<ClosedModel>(&defaults.model);
  ASSERT_NE(closed, nullptr);
  EXPECT_EQ(closed->users, kDefaultConnections);
  EXPECT_EQ(closed->think.kind, ThinkTime::Kind::kNone);
  EXPECT_EQ(defaults.options.connections, kDefaultConnections);
  EXPECT_EQ(defaults.options.duration, seconds(10));  // the engine's default

  const ScenarioFile users = BuildRun(ParseCommandLine(
      {"run", "--url", "http://127.0.0.1:1/", "--users", "7"}));
  EXPECT_EQ(std::get<ClosedModel>(users.model).users, 7);
  EXPECT_EQ(users.options.connections, 0);  // one per user
}

// One bad argument per statement, each with the message it gets.
TEST(CommandLineTest, BadArgumentsSayWhatWasExpected) {
  const std::string url = "http://127.0.0.1:1/";
  EXPECT_EQ(UsageErrorOf({"run"}),
            "expected a scenario file or --url (loadgate run --help)");
  EXPECT_EQ(UsageErrorOf({"run", "--url", "ftp://x"}),
            "bad URL \"ftp://x\": expected http:// or https:// followed by a "
            "host");
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "--rate", "fast"}),
            "--rate: expected a positive number, got \"fast\"");
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "--users", "2.5"}),
            "--users: expected a whole number >= 1, got \"2.5\"");
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "-d", "10"}),
            "-d: invalid duration \"10\": the number 10 has no unit; expected "
            "a duration such as \"250ms\", \"10s\", \"1m30s\", \"1h\" or "
            "\"500us\" (units ns, us, ms, s, m, h)");
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "-d",
                          "0." + std::string(400, '0') + "1s"}),
            "-d: expected a duration above zero, such as 250ms, 10s or 1m30s, "
            "got \"0." +
                std::string(400, '0') + "1s\"");
  EXPECT_THAT(UsageErrorOf({"run", "--url", url, "-d", "1e30s"}),
              StartsWith("-d: invalid duration \"1e30s\": unknown unit"));
  EXPECT_THAT(UsageErrorOf({"run", "--url", url, "-d", "-5s"}),
              StartsWith("-d: invalid duration \"-5s\": it is negative"));
  EXPECT_THAT(
      UsageErrorOf({"run", "--url", url, "--timeout", "99999999999999999999h"}),
      HasSubstr("it does not fit in 64-bit nanoseconds"));
  EXPECT_EQ(UsageErrorOf({"run", "--url", url + "\xFF"}),
            "--url: byte 20 of \"" + url + "\xFF\" is not valid UTF-8");
  EXPECT_EQ(UsageErrorOf({"run", "a.yaml", "--host", "http://\xC3"}),
            "--host: byte 8 of \"http://\xC3\" is not valid UTF-8");
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "-H", "X-A: \xFF"}),
            "--header: byte 6 of \"X-A: \xFF\" is not valid UTF-8");
  EXPECT_EQ(
      UsageErrorOf({"run", "--url", url, "--slo", "p95(latency{\xFF}) < 3s"}),
      "--slo: bad SLO \"p95(latency{\\xFF}) < 3s\": byte 13 is not "
      "valid UTF-8");
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "--rate", "1e999"}),
            "--rate: expected a positive number, got \"1e999\"");
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "--users", "99999999999"}),
            "--users: expected a whole number >= 1, got \"99999999999\"");
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "--rate", "1", "--users", "2"}),
            "--rate (an open model) and --users (a closed model) exclude each "
            "other");
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "-H", "NoColon"}),
            "--header: expected 'Name: value', got \"NoColon\"");
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "-X", "FETCH"}),
            "--method: expected one of GET, POST, PUT, PATCH, DELETE, HEAD, "
            "OPTIONS, got \"FETCH\"");
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "--out"}),
            "--out: expected a value");
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "--quiet=yes"}),
            "--quiet: takes no value");
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "--rps", "5"}),
            "unknown option --rps (loadgate run --help lists them)");
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "--slo", "p95(latency) < 3"}),
            "--slo: bad SLO \"p95(latency) < 3\": expected a time with a unit "
            "such as \"3s\" or \"250ms\" for latency, got \"3\"");
  EXPECT_EQ(UsageErrorOf({"run", "a.yaml", "b.yaml"}),
            "expected one scenario file, got \"a.yaml\" and \"b.yaml\"");
  EXPECT_EQ(UsageErrorOf({"run", "a.yaml", "--host", "127.0.0.1:8000"}),
            "--host: bad URL \"127.0.0.1:8000\": expected http:// or https:// "
            "followed by a host");
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "--host", url}),
            "--host is for scenario files; --url names the whole URL");
  EXPECT_EQ(UsageErrorOf({"run", "a.yaml", "--rate", "5"}),
            "--rate is for ad-hoc runs (--url); a scenario file declares its "
            "own");
}

TEST(CommandLineTest, LiveViewFlags) {
  const std::string url = "http://127.0.0.1:1/";
  const CommandLine command_line = ParseCommandLine(
      {"run", "--url", url, "--live", "127.0.0.1:8089", "--live-linger=1m"});
  EXPECT_EQ(command_line.live_address, "127.0.0.1:8089");
  EXPECT_EQ(command_line.live_linger, seconds(60));
  const CommandLine without = ParseCommandLine({"run", "--url", url});
  EXPECT_EQ(without.live_address, "");
  EXPECT_EQ(without.live_linger.count(), 0);

  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "--live"}),
            "--live: expected a value");
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "--live="}),
            "--live: expected PORT or HOST:PORT");
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "--live-linger", "30s"}),
            "--live-linger: keeps a live view up, so needs --live or "
            "--metrics");
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "--live", "8089",
                          "--live-linger", "soon"}),
            "--live-linger: invalid duration \"soon\": expected a number at "
            "\"soon\"; expected a duration such as \"250ms\", \"10s\", "
            "\"1m30s\", \"1h\" or \"500us\" (units ns, us, ms, s, m, h)");
  EXPECT_NE(kRunUsage.find("--live ADDR"), std::string_view::npos);
}

TEST(CommandLineTest, MetricsFlag) {
  const std::string url = "http://127.0.0.1:1/";
  const CommandLine command_line = ParseCommandLine(
      {"run", "--url", url, "--metrics", "9464", "--live-linger", "10s"});
  EXPECT_EQ(command_line.metrics_address, "9464");
  EXPECT_EQ(command_line.live_address, "");
  EXPECT_EQ(command_line.live_linger, seconds(10));
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "--metrics="}),
            "--metrics: expected PORT or HOST:PORT");
  EXPECT_EQ(
      UsageErrorOf({"run", "--url", url, "--live", "1", "--metrics", "2"}),
      "--metrics: --live serves /metrics too; give one of the two");
  EXPECT_NE(kRunUsage.find("--metrics ADDR"), std::string_view::npos);
}

TEST(CommandLineTest, ShardAndStartTimeFlags) {
  const std::string url = "http://127.0.0.1:1/";
  const CommandLine command_line =
      ParseCommandLine({"run", "--url", url, "--shard", "2/4", "--start-at",
                        "2026-12-06T15:30:00.5+01:00"});
  ASSERT_TRUE(command_line.shard.has_value());
  EXPECT_EQ(command_line.shard->index, 2);
  EXPECT_EQ(command_line.shard->count, 4);
  const ScenarioFile run = BuildRun(command_line);
  EXPECT_EQ(run.options.shard.count, 4);
  // 14:30:00.5 UTC on 2026-12-06 is 1796567400.5 Unix seconds.
  EXPECT_EQ(run.options.start_at.time_since_epoch(),
            milliseconds(1796567400500));
  EXPECT_EQ(ParseStartTime("1796567400").time_since_epoch(),
            seconds(1796567400));
  EXPECT_EQ(ParseStartTime("2026-12-06T14:30:00Z"),
            ParseStartTime("1796567400"));
  EXPECT_EQ(ParseStartTime("2026-12-06 09:30:00-05:00"),
            ParseStartTime("1796567400"));
  for (const std::string bad :
       {"1/1", "4/4", "-1/4", "2", "2/0", "a/b", "2/4x", ""}) {
    EXPECT_THAT(UsageErrorOf({"run", "--url", url, "--shard", bad}),
                StartsWith("--shard: expected K/N with 0 <= K < N"))
        << bad;
  }
  for (const std::string bad : {"tomorrow", "2026-12-06T14:30:00",
                                "2026-12-06T14:30:00+1", "12", "1e9", ""}) {
    EXPECT_THAT(UsageErrorOf({"run", "--url", url, "--start-at", bad}),
                StartsWith("--start-at: expected Unix seconds"))
        << bad;
  }
}

TEST(CommandLineTest, PushgatewayFlags) {
  const std::string url = "http://127.0.0.1:1/";
  const CommandLine command_line = ParseCommandLine(
      {"run", "--url", url, "--pushgateway", "http://127.0.0.1:9091",
       "--push-interval", "1s", "--push-delete"});
  EXPECT_EQ(command_line.pushgateway_url, "http://127.0.0.1:9091");
  EXPECT_EQ(command_line.push_interval, seconds(1));
  EXPECT_TRUE(command_line.push_delete);
  const CommandLine defaults = ParseCommandLine({"run", "--url", url});
  EXPECT_EQ(defaults.pushgateway_url, "");
  EXPECT_EQ(defaults.push_interval, std::nullopt);  // the pusher's default
  EXPECT_FALSE(defaults.push_delete);
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "--push-delete"}),
            "--push-delete: needs --pushgateway");
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "--push-interval", "1s"}),
            "--push-interval: needs --pushgateway");
  // Even at the default's value: it would be ignored.
  EXPECT_EQ(UsageErrorOf({"run", "--url", url, "--push-interval", "5s"}),
            "--push-interval: needs --pushgateway");
  EXPECT_NE(kRunUsage.find("--pushgateway URL"), std::string_view::npos);
}

TEST(CommandLineTest, ScenarioRunTakesOverrides) {
  test_support::TempDir dir;
  const std::string path = dir.WriteFile(
      "s.yaml",
      "target: http://127.0.0.1:1\nload: {rate: 5}\nduration: 1m\n"
      "threads: 4\nrequests: [{url: /}]\nslos: [\"error_rate < 5%\"]\n");
  const CommandLine command_line =
      ParseCommandLine({"run", path, "--duration", "2s", "--threads", "1",
                        "--slo", "p99(latency) < 1s", "--out", "r.json",
                        "--host", "http://127.0.0.1:8000"});
  EXPECT_EQ(command_line.scenario_path, path);
  const ScenarioFile run = BuildRun(command_line);
  EXPECT_EQ(run.options.duration, seconds(2));
  EXPECT_EQ(run.options.threads, 1);
  ASSERT_EQ(run.objectives.size(), 2u);
  EXPECT_EQ(run.objectives[0].metric, "error_rate");  // the file's first
  EXPECT_EQ(run.objectives[1].metric, "latency");
  EXPECT_EQ(std::get<OpenModel>(run.model).rate, 5);
  EXPECT_EQ(run.scenario.base_url, "http://127.0.0.1:8000");
}

}  // namespace
}  // namespace loadgate::cli
