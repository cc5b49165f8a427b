#include "config/cli_options.h"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <limits>

#include "config/document.h"
#include "http/url.h"
#include "loadgate/duration.h"
#include "metrics/json_document.h"
#include "metrics/report_json_reader.h"

namespace loadgate::cli {

const std::string_view kUsage = R"(loadgate - load tests with SLOs

Usage:
  loadgate run SCENARIO.{yaml,yml,json} [options]   run a scenario file
  loadgate run --url URL [options]                  ad-hoc run of one request
  loadgate validate SCENARIO.{yaml,yml,json}        check a file, run nothing
  loadgate version                                  print the version
  loadgate compare --baseline F... --current F...   CI gate: exit 1 when a
                                                    report regressed
  loadgate report --in F.json... --out F.html       JSON reports to one
                                                    self-contained HTML page
  loadgate merge [-o F.json] SHARD.json...          a sharded test's reports
                                                    to one, judged
  loadgate collect --listen ADDR --expect N         receive the shards'
                                                    reports, then merge
  loadgate capacity SCENARIO | --url URL --slo E   the highest rate that
                                                    meets the objectives
  loadgate run --help                               all run options
  loadgate compare --help                           tolerances and the rule
  loadgate capacity --help                          the search's options

Exit status: 0 ok, 1 an SLO failed or a safety limit stopped the run,
2 bad input (usage, unreadable or invalid file, bad URL), 130 interrupted.
The scenario format is described in docs/scenario-format.md.
)";

const std::string_view kRunUsage = R"(Usage:
  loadgate run SCENARIO.{yaml,yml,json} [options]
  loadgate run --url URL [request options] [load options] [options]

Scenario files:
  --host URL             run against URL instead of the file's target, e.g.
                         http://127.0.0.1:8000 (relative URLs resolve on it)

Request (ad-hoc runs):
  --url URL              absolute http:// or https:// URL
  -X, --method M         GET (default), POST, PUT, PATCH, DELETE, HEAD, OPTIONS
  -H, --header 'K: V'    add a header (repeatable)
  --body TEXT            request body
  --timeout D            per-request timeout (default 60s)
  --insecure             do not verify TLS certificates

Load (ad-hoc runs; without --rate or --users: a closed loop at full speed
over --connections keep-alive connections, as wrk does):
  --rate R               open model: R requests/s, scheduled, no coordinated
                         omission
  --users U              closed model: U virtual users, no think time
  -c, --connections C    keep-alive connections (default 10); with --rate,
                         the cap on requests in flight

Options (all runs):
  -d, --duration D       run time, e.g. 30s or 1m30s (default 10s, or the
                         scenario's)
  -t, --threads T        event-loop threads (default: one per core)
  --shard K/N            run shard K (from 0) of the test split into N: the
                         scenario and load describe the whole test, this
                         process offers its 1/N share; `loadgate merge`
                         judges the shards' reports as one run
  --send-report URL      POST the JSON report to `loadgate collect` at URL
                         when the run ends (a shard of a distributed test)
  --start-at TIME        start at TIME (Unix seconds or RFC 3339, e.g.
                         2026-12-06T14:30:00Z) so that every shard starts
                         together; their clocks must agree (NTP)
  --slo EXPR             objective, repeatable: "p95(latency) < 300ms",
                         "error_rate < 1%", "p99(ttft{POST /chat}) < 2s"
  -o, --out FILE         write the JSON report
  --csv FILE             write Locust-style CSV stats
  --junit FILE           write JUnit XML, one testcase per SLO
  --html FILE            write the self-contained HTML report (charts, SLOs)
  --live ADDR            serve a live web view of the run while it goes on:
                         PORT, 127.0.0.1:PORT or [::1]:PORT (loopback only;
                         port 0 picks a free one, printed on stderr)
  --live-linger D        keep the live view up for D after the run, e.g. 1m
                         (Ctrl-C ends it early); also for --metrics
  --metrics ADDR         serve /metrics for Prometheus without the web page
                         (--live serves it too); same ADDR forms as --live
  --pushgateway URL      push the /metrics figures to a Prometheus
                         Pushgateway (http://HOST:PORT) while the run goes
                         on and at its end; group job/scenario
  --push-interval D      how often to push (default 5s)
  --push-delete          delete the pushed group when loadgate exits
  -q, --quiet            no live progress and no summary; SLO verdicts only
  -h, --help             this help
)";

namespace {

// What a flag's value names ends up in reports and messages, which must be
// text: refuse bytes that are not UTF-8 where they enter.
std::string Utf8Value(std::string_view flag, std::string text) {
  if (std::optional<size_t> bad = FindInvalidUtf8(text)) {
    throw UsageError(std::string(flag) + ": byte " + std::to_string(*bad + 1) +
                     " of \"" + text + "\" is not valid UTF-8");
  }
  return text;
}

double ParsePositiveNumber(std::string_view flag, const std::string& text) {
  std::optional<double> value = config::ParseNumberText(text);
  if (!value || *value <= 0) {
    throw UsageError(std::string(flag) +
                     ": expected a positive number, got \"" + text + "\"");
  }
  return *value;
}

int ParseCount(std::string_view flag, const std::string& text, int min) {
  std::optional<double> value = config::ParseNumberText(text);
  if (!value || *value != static_cast<int64_t>(*value) || *value < min ||
      *value > std::numeric_limits<int>::max()) {
    throw UsageError(std::string(flag) + ": expected a whole number >= " +
                     std::to_string(min) + ", got \"" + text + "\"");
  }
  return static_cast<int>(*value);
}

std::chrono::nanoseconds ParsePositiveDuration(std::string_view flag,
                                               const std::string& text) {
  std::chrono::nanoseconds duration{0};
  try {
    duration = ParseDuration(text);
  } catch (const std::invalid_argument& error) {
    // Says why: no unit, an unknown one, negative, too large.
    throw UsageError(std::string(flag) + ": " + error.what());
  }
  if (duration.count() <= 0) {
    throw UsageError(std::string(flag) +
                     ": expected a duration above zero, such as 250ms, 10s "
                     "or 1m30s, got \"" +
                     text + "\"");
  }
  return duration;
}

Header ParseHeader(const std::string& text) {
  const size_t colon = text.find(':');
  const auto is_space = [](unsigned char c) { return std::isspace(c) != 0; };
  if (colon == std::string::npos || colon == 0 ||
      std::any_of(text.begin(), text.begin() + colon, is_space) ||
      text.find_first_of("\r\n") != std::string::npos) {
    throw UsageError("--header: expected 'Name: value', got \"" + text + "\"");
  }
  std::string value = text.substr(colon + 1);
  value.erase(value.begin(),
              std::find_if_not(value.begin(), value.end(), is_space));
  return {text.substr(0, colon), value};
}

std::string ParseMethod(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  for (std::string_view method :
       {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
    if (text == method) return text;
  }
  throw UsageError(
      "--method: expected one of GET, POST, PUT, PATCH, DELETE, "
      "HEAD, OPTIONS, got \"" +
      text + "\"");
}

// Walks the arguments of `run`, splitting "--flag=value" and fetching the
// value of a flag that takes one.
class ArgumentReader {
 public:
  explicit ArgumentReader(const std::vector<std::string>& args) : args_(args) {}

  bool Next() {
    if (index_ >= args_.size()) return false;
    const std::string& arg = args_[index_++];
    inline_value_.reset();
    const size_t equals = arg.find('=');
    if (arg.starts_with("--") && equals != std::string::npos) {
      current_ = arg.substr(0, equals);
      inline_value_ = arg.substr(equals + 1);
    } else {
      current_ = arg;
    }
    return true;
  }
  const std::string& current() const { return current_; }
  bool Is(std::string_view long_name, std::string_view short_name = {}) const {
    return current_ == long_name ||
           (!short_name.empty() && current_ == short_name);
  }
  std::string Value() {
    if (inline_value_) return *inline_value_;
    if (index_ >= args_.size()) {
      throw UsageError(current_ + ": expected a value");
    }
    return args_[index_++];
  }
  // A flag that takes no value must not be given one.
  void NoValue() const {
    if (inline_value_) throw UsageError(current_ + ": takes no value");
  }

 private:
  const std::vector<std::string>& args_;
  size_t index_ = 0;
  std::string current_;
  std::optional<std::string> inline_value_;
};

// Reads the flag at `reader` if it describes the ad-hoc request (--url) or
// its load; false for any other argument.
bool ReadAdHocFlag(ArgumentReader& reader, CommandLine& command_line) {
  const std::string& flag = reader.current();
  if (reader.Is("--url")) {
    command_line.url = Utf8Value("--url", reader.Value());
    try {
      http::ParseUrl(command_line.url);
    } catch (const std::invalid_argument& error) {
      throw UsageError(error.what());
    }
  } else if (reader.Is("--method", "-X")) {
    command_line.method = ParseMethod(reader.Value());
  } else if (reader.Is("--header", "-H")) {
    command_line.headers.push_back(
        ParseHeader(Utf8Value("--header", reader.Value())));
  } else if (reader.Is("--body")) {
    command_line.body = reader.Value();
  } else if (reader.Is("--rate")) {
    command_line.rate = ParsePositiveNumber(flag, reader.Value());
  } else if (reader.Is("--users")) {
    command_line.users = ParseCount(flag, reader.Value(), 1);
  } else if (reader.Is("--connections", "-c")) {
    command_line.connections = ParseCount(flag, reader.Value(), 1);
  } else if (reader.Is("--timeout")) {
    command_line.timeout = ParsePositiveDuration(flag, reader.Value());
  } else if (reader.Is("--insecure", "-k")) {
    reader.NoValue();
    command_line.insecure = true;
  } else {
    return false;
  }
  return true;
}

// Reads the flag at `reader` if it applies to every run (or, --host, to
// scenario files); false for any other argument.
bool ReadRunFlag(ArgumentReader& reader, CommandLine& command_line) {
  const std::string& flag = reader.current();
  if (reader.Is("--host")) {
    command_line.host = Utf8Value("--host", reader.Value());
    try {
      http::ParseUrl(command_line.host);
    } catch (const std::invalid_argument& error) {
      throw UsageError("--host: " + std::string(error.what()));
    }
  } else if (reader.Is("--duration", "-d")) {
    command_line.duration = ParsePositiveDuration(flag, reader.Value());
  } else if (reader.Is("--threads", "-t")) {
    command_line.threads = ParseCount(flag, reader.Value(), 0);
  } else if (reader.Is("--send-report")) {
    command_line.send_report_url = reader.Value();
    if (!command_line.send_report_url.starts_with("http://")) {
      throw UsageError(
          "--send-report: expected the collector's URL, such as "
          "http://loadgate-collector:8090/reports");
    }
  } else if (reader.Is("--start-at")) {
    try {
      command_line.start_at = ParseStartTime(reader.Value());
    } catch (const std::invalid_argument& error) {
      throw UsageError("--start-at: " + std::string(error.what()));
    }
  } else if (reader.Is("--shard")) {
    try {
      command_line.shard = ParseShard(reader.Value());
    } catch (const std::invalid_argument& error) {
      throw UsageError("--shard: " + std::string(error.what()));
    }
  } else if (reader.Is("--slo")) {
    try {
      command_line.slos.push_back(ParseObjective(reader.Value()));
    } catch (const std::invalid_argument& error) {
      throw UsageError("--slo: " + std::string(error.what()));
    }
  } else if (reader.Is("--out", "-o")) {
    command_line.out_path = reader.Value();
  } else if (reader.Is("--csv")) {
    command_line.csv_path = reader.Value();
  } else if (reader.Is("--junit")) {
    command_line.junit_path = reader.Value();
  } else if (reader.Is("--html")) {
    command_line.html_path = reader.Value();
  } else if (reader.Is("--live")) {
    command_line.live_address = reader.Value();
    if (command_line.live_address.empty()) {
      throw UsageError("--live: expected PORT or HOST:PORT");
    }
  } else if (reader.Is("--metrics")) {
    command_line.metrics_address = reader.Value();
    if (command_line.metrics_address.empty()) {
      throw UsageError("--metrics: expected PORT or HOST:PORT");
    }
  } else if (reader.Is("--pushgateway")) {
    command_line.pushgateway_url = reader.Value();
    if (command_line.pushgateway_url.empty()) {
      throw UsageError(
          "--pushgateway: expected a URL such as "
          "http://127.0.0.1:9091");
    }
  } else if (reader.Is("--push-interval")) {
    command_line.push_interval = ParsePositiveDuration(flag, reader.Value());
  } else if (reader.Is("--push-delete")) {
    reader.NoValue();
    command_line.push_delete = true;
  } else if (reader.Is("--live-linger")) {
    command_line.live_linger = ParsePositiveDuration(flag, reader.Value());
  } else if (reader.Is("--quiet", "-q")) {
    reader.NoValue();
    command_line.quiet = true;
  } else {
    return false;
  }
  return true;
}

// The flags that each make sense alone but not together.
void CheckRunFlagsAgree(const CommandLine& command_line,
                        const std::vector<std::string>& ad_hoc_flags) {
  if (!command_line.scenario_path.empty()) {
    if (!ad_hoc_flags.empty()) {
      throw UsageError(ad_hoc_flags.front() +
                       " is for ad-hoc runs (--url); a scenario file declares "
                       "its own");
    }
  } else if (command_line.url.empty()) {
    throw UsageError("expected a scenario file or --url (loadgate run --help)");
  } else if (!command_line.host.empty()) {
    throw UsageError("--host is for scenario files; --url names the whole URL");
  }
  if (command_line.live_linger.count() > 0 &&
      command_line.live_address.empty() &&
      command_line.metrics_address.empty()) {
    throw UsageError(
        "--live-linger: keeps a live view up, so needs --live or --metrics");
  }
  if (command_line.pushgateway_url.empty() &&
      (command_line.push_delete || command_line.push_interval)) {
    throw UsageError(std::string(command_line.push_delete ? "--push-delete"
                                                          : "--push-interval") +
                     ": needs --pushgateway");
  }
  if (!command_line.live_address.empty() &&
      !command_line.metrics_address.empty()) {
    throw UsageError(
        "--metrics: --live serves /metrics too; give one of the two");
  }
  if (command_line.rate && command_line.users) {
    throw UsageError(
        "--rate (an open model) and --users (a closed model) exclude each "
        "other");
  }
}

CommandLine ParseRun(const std::vector<std::string>& args) {
  CommandLine command_line;
  command_line.command = CommandLine::Command::kRun;
  // Ad-hoc-only flags given, for the error when a scenario file is given too.
  std::vector<std::string> ad_hoc_flags;
  ArgumentReader reader(args);
  while (reader.Next()) {
    const std::string flag = reader.current();
    if (reader.Is("--help", "-h")) {
      command_line.command = CommandLine::Command::kRunHelp;
      return command_line;
    }
    if (ReadAdHocFlag(reader, command_line)) {
      ad_hoc_flags.push_back(flag);
      continue;
    }
    if (ReadRunFlag(reader, command_line)) continue;
    if (flag.starts_with("-") && flag != "-") {
      throw UsageError("unknown option " + flag +
                       " (loadgate run --help lists them)");
    }
    if (!command_line.scenario_path.empty()) {
      throw UsageError("expected one scenario file, got \"" +
                       command_line.scenario_path + "\" and \"" + flag + "\"");
    }
    command_line.scenario_path = flag;
  }
  CheckRunFlagsAgree(command_line, ad_hoc_flags);
  return command_line;
}

}  // namespace

CommandLine ParseCommandLine(const std::vector<std::string>& args) {
  CommandLine command_line;
  if (args.empty()) throw UsageError("expected a command (loadgate --help)");
  const std::string& command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "--help" || command == "-h" || command == "help") {
    command_line.command = CommandLine::Command::kHelp;
  } else if (command == "version" || command == "--version") {
    command_line.command = CommandLine::Command::kVersion;
  } else if (command == "validate") {
    if (rest.size() == 1 && !rest[0].starts_with("-")) {
      command_line.command = CommandLine::Command::kValidate;
      command_line.scenario_path = rest[0];
    } else {
      throw UsageError("validate: expected one scenario file");
    }
    return command_line;
  } else if (command == "run") {
    return ParseRun(rest);
  } else {
    throw UsageError("unknown command \"" + command +
                     "\" (expected run, validate or version)");
  }
  if (!rest.empty()) {
    throw UsageError(command + ": takes no arguments");
  }
  return command_line;
}

ScenarioFile BuildRun(const CommandLine& command_line) {
  ScenarioFile run;
  if (!command_line.scenario_path.empty()) {
    run = LoadScenarioFile(command_line.scenario_path);
    if (!command_line.host.empty()) run.scenario.base_url = command_line.host;
  } else {
    Request request;
    request.method = command_line.method;
    request.url = command_line.url;
    request.headers = command_line.headers;
    request.body = command_line.body;
    if (command_line.timeout) request.timeout = *command_line.timeout;
    run.scenario.name = command_line.method + " " + command_line.url;
    run.scenario.verify_tls = !command_line.insecure;
    run.scenario.Add(std::move(request));
    const int connections =
        command_line.connections.value_or(kDefaultConnections);
    if (command_line.rate) {
      OpenModel model;
      model.rate = *command_line.rate;
      // As wrk2's -c with -R: the connections bound what is in flight.
      model.max_in_flight = command_line.connections.value_or(0);
      run.model = model;
    } else if (command_line.users) {
      ClosedModel model;
      model.users = *command_line.users;
      run.model = model;
      if (command_line.connections) run.options.connections = connections;
    } else {
      ClosedModel model;
      model.users = connections;
      run.model = model;
      run.options.connections = connections;
    }
  }
  if (command_line.duration) run.options.duration = *command_line.duration;
  if (command_line.threads) run.options.threads = *command_line.threads;
  if (command_line.shard) run.options.shard = *command_line.shard;
  if (command_line.start_at) run.options.start_at = *command_line.start_at;
  run.objectives.insert(run.objectives.end(), command_line.slos.begin(),
                        command_line.slos.end());
  return run;
}

RunReport ReadReportFile(const std::string& path) {
  // Read in place: a stream over the text would copy it twice more.
  return ReadJsonText(config::ReadConfigFile(path, kMaxReportFileBytes), path);
}

int ReportBadInput(std::string_view command, const std::exception& error) {
  std::cerr << command << ": " << EscapeUnprintable(error.what()) << "\n";
  return kExitBadInput;
}

}  // namespace loadgate::cli
