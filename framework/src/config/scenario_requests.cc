// A scenario file's requests and flows: each request's method, URL,
// headers, body, checks, captures and stream format; flows of steps, with
// polls, or an LLM conversation flow (scenario_llm.cc); and the check that
// every template placeholder names something.
#include "config/scenario_requests.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/scenario_llm.h"
#include "engine/template.h"
#include "http/text.h"
#include "http/url.h"

namespace loadgate::config {
namespace {

// Templates ("{mrn}") are filled per iteration; for checking a URL's shape
// any placeholder stands for a plain word.
std::string WithoutPlaceholders(std::string_view url) {
  std::string result;
  for (size_t i = 0; i < url.size(); ++i) {
    if (url[i] == '{' && i + 1 < url.size() && url[i + 1] == '{') {
      result += 'x';
      ++i;
    } else if (url[i] == '{') {
      const size_t close = url.find('}', i);
      if (close == std::string_view::npos) break;
      result += 'x';
      i = close;
    } else {
      result += url[i];
    }
  }
  return result;
}

std::string JsonPointer(const Field& field) {
  std::string pointer = field.String();
  if (pointer[0] != '/') {
    field.Expected("a JSON pointer such as \"/items/0/id\"");
  }
  return pointer;
}

std::vector<Check> ParseChecks(const Field& field) {
  std::vector<Check> checks;
  for (const Field& item : field.Items()) {
    item.ExpectObject({"status", "json", "equals", "body_contains"});
    const int kinds =
        item.Has("status") + item.Has("json") + item.Has("body_contains");
    if (kinds != 1) {
      item.Fail("expected exactly one of status, json or body_contains");
    }
    if (item.Has("equals") && !item.Has("json")) {
      item.Fail("equals goes with json (a JSON pointer)");
    }
    if (auto status = item.Get("status")) {
      checks.push_back(
          Check::Status(static_cast<int>(status->Integer(100, 599))));
    } else if (auto pointer = item.Get("json")) {
      if (auto equals = item.Get("equals")) {
        checks.push_back(
            Check::JsonEquals(JsonPointer(*pointer), equals->json().dump()));
      } else {
        checks.push_back(Check::JsonPresent(JsonPointer(*pointer)));
      }
    } else {
      checks.push_back(
          Check::BodyContains(item.Require("body_contains").String()));
    }
  }
  return checks;
}

std::vector<Capture> ParseCaptures(const Field& field) {
  std::vector<Capture> captures;
  for (const auto& [variable, pointer] : field.Members()) {
    const bool valid_name =
        !variable.empty() &&
        !std::isdigit(static_cast<unsigned char>(variable[0])) &&
        std::all_of(variable.begin(), variable.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
        });
    if (!valid_name) {
      field.Fail("\"" + variable +
                 "\" is not a variable name (letters, digits and _)");
    }
    captures.push_back({variable, JsonPointer(pointer)});
  }
  return captures;
}

}  // namespace

void CheckRequestUrl(const Field& field, const std::string& base_url) {
  const std::string url = WithoutPlaceholders(field.String());
  const bool absolute = url.find("://") != std::string::npos;
  if (!absolute && base_url.empty()) {
    field.Fail("\"" + field.String() +
               "\" is relative, so the scenario needs a target (base URL)");
  }
  try {
    if (absolute) {
      http::ParseUrl(url);
    } else {
      http::JoinUrl(base_url, url);
    }
  } catch (const std::invalid_argument& error) {
    field.Fail(error.what());
  }
}

namespace {

Request ParseRequest(const Field& field, const std::string& base_url) {
  Request request;
  if (auto name = field.Get("name")) request.name = name->String();
  if (auto method = field.Get("method")) {
    static const std::vector<std::string> kMethods = {
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
    request.method = kMethods[method->Choice(kMethods)];
  }
  const Field url = field.Require("url");
  request.url = url.String();
  CheckRequestUrl(url, base_url);
  if (auto headers = field.Get("headers"))
    request.headers = ParseHeaders(*headers);
  if (auto body = field.Get("body")) {
    if (body->json().is_string()) {
      request.body = body->json().get<std::string>();
    } else if (body->json().is_object() || body->json().is_array()) {
      request.body = body->json().dump();
      const bool has_content_type =
          std::any_of(request.headers.begin(), request.headers.end(),
                      [](const Header& header) {
                        return http::EqualsNoCase(header.first, "Content-Type");
                      });
      if (!has_content_type) {
        request.headers.emplace_back("Content-Type", "application/json");
      }
    } else {
      body->Expected("a string, or an object or list to send as JSON");
    }
  }
  if (auto weight = field.Get("weight"))
    request.weight = weight->PositiveNumber();
  if (auto timeout = field.Get("timeout"))
    request.timeout = timeout->Duration();
  if (auto checks = field.Get("checks")) request.checks = ParseChecks(*checks);
  if (auto captures = field.Get("captures")) {
    request.captures = ParseCaptures(*captures);
  }
  if (auto stream = field.Get("stream")) {
    static constexpr StreamFormat kFormats[] = {
        StreamFormat::kAuto, StreamFormat::kNone, StreamFormat::kSse,
        StreamFormat::kJsonArray};
    request.stream =
        kFormats[stream->Choice({"auto", "none", "sse", "json_array"})];
  }
  if (auto bound = field.Get("max_buffered_bytes")) {
    request.max_buffered_bytes =
        static_cast<size_t>(bound->Integer(1, kMaxInt64));
  }
  return request;
}

Poll ParsePoll(const Field& field) {
  field.ExpectObject({"until", "max_attempts", "interval"});
  Poll poll;
  poll.until = ParseChecks(field.Require("until"));
  if (auto attempts = field.Get("max_attempts")) {
    poll.max_attempts = static_cast<int>(attempts->Integer(1, kMaxInt));
  }
  if (auto interval = field.Get("interval")) {
    poll.interval = interval->Duration(/*allow_zero=*/true);
  }
  return poll;
}

Flow ParseFlow(const Field& item, const std::string& base_url) {
  item.ExpectObject({"name", "weight", "metric", "steps", "llm"});
  Flow flow;
  if (auto name = item.Get("name")) flow.name = name->String();
  if (auto weight = item.Get("weight")) flow.weight = weight->PositiveNumber();
  if (auto metric = item.Get("metric")) flow.metric = metric->String();
  if (auto llm = item.Get("llm")) {
    if (auto steps = item.Get("steps"))
      steps->Fail("a flow has either steps or an llm block, not both");
    flow.llm = ParseLlmConversations(*llm, base_url);
    return flow;
  }
  for (const Field& step_field : item.Require("steps").Items()) {
    step_field.ExpectObject({"name", "method", "url", "headers", "body",
                             "timeout", "checks", "captures", "stream",
                             "max_buffered_bytes", "poll"});
    Step step;
    step.request = ParseRequest(step_field, base_url);
    if (auto poll = step_field.Get("poll")) step.poll = ParsePoll(*poll);
    flow.steps.push_back(std::move(step));
  }
  return flow;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) {
    joined += (joined.empty() ? "" : ", ") + name;
  }
  return joined;
}

}  // namespace

std::vector<Header> ParseHeaders(const Field& field) {
  std::vector<Header> headers;
  for (const auto& [name, value] : field.Members()) {
    const bool valid_name =
        !name.empty() && std::none_of(name.begin(), name.end(), [](char c) {
          return c == ':' || std::isspace(static_cast<unsigned char>(c)) ||
                 std::iscntrl(static_cast<unsigned char>(c));
        });
    if (!valid_name) {
      field.Fail("\"" + name +
                 "\" is not a header name (no spaces, colons or controls)");
    }
    std::string text = value.ScalarText();
    if (text.find_first_of("\r\n") != std::string::npos) {
      value.Fail("expected a single-line header value");
    }
    headers.emplace_back(name, std::move(text));
  }
  return headers;
}

void ParseRequestsAndFlows(const Field& root, Scenario* scenario) {
  std::optional<Field> requests = root.Get("requests");
  std::optional<Field> flows = root.Get("flows");
  if (!requests && !flows) {
    root.Fail("missing required field \"requests\" (or \"flows\")");
  }
  if (requests) {
    for (const Field& item : requests->Items()) {
      item.ExpectObject({"name", "method", "url", "headers", "body", "weight",
                         "timeout", "checks", "captures", "stream",
                         "max_buffered_bytes"});
      scenario->Add(ParseRequest(item, scenario->base_url));
    }
  }
  if (flows) {
    for (const Field& item : flows->Items()) {
      scenario->Add(ParseFlow(item, scenario->base_url));
    }
  }
}

// A placeholder is filled from a data set column or a capture (of any
// step, as the engine does); one naming neither would otherwise only fail
// when a run starts, in words that do not name the file.
void CheckTemplates(const Field& root, const Scenario& scenario) {
  std::vector<std::string> variables;
  for (const DataSet& data : scenario.data) {
    variables.insert(variables.end(), data.columns.begin(), data.columns.end());
  }
  for (const Flow& flow : scenario.flows) {
    for (const Step& step : flow.steps) {
      for (const Capture& capture : step.request.captures) {
        variables.push_back(capture.variable);
      }
    }
  }
  const auto check = [&](const Field& field, std::string_view text) {
    try {
      engine::Template::Compile(text, variables, "");
    } catch (const std::invalid_argument& error) {
      // ": unknown template variable {name}"; the field says where.
      std::string message = std::string(error.what()).substr(2);
      message += variables.empty() ? " (no data set or capture defines any)"
                                   : " (data set columns and captures: " +
                                         JoinNames(variables) + ")";
      field.Fail(message);
    }
  };
  const auto check_headers = [&](const std::optional<Field>& headers) {
    if (!headers) return;
    for (const auto& [name, value] : headers->Members()) {
      check(value, value.ScalarText());
    }
  };
  const auto check_request = [&](const Field& request) {
    check(request.Require("url"), request.Require("url").String());
    check_headers(request.Get("headers"));
    if (auto body = request.Get("body")) {
      check(*body, body->json().is_string() ? body->json().get<std::string>()
                                            : body->json().dump());
    }
  };
  check_headers(root.Get("headers"));
  if (auto requests = root.Get("requests")) {
    for (const Field& request : requests->Items()) check_request(request);
  }
  if (auto flows = root.Get("flows")) {
    for (const Field& flow : flows->Items()) {
      if (flow.Has("llm")) continue;  // no templates in LLM turns
      for (const Field& step : flow.Require("steps").Items()) {
        check_request(step);
      }
    }
  }
}

}  // namespace loadgate::config
