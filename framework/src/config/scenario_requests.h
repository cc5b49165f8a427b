// A scenario file's requests and flows (see scenario_file.cc for the whole
// file): requests with their checks, captures and stream format, flows of
// steps with polls, and the check that every template placeholder names a
// data set column or a capture.
#ifndef LOADGATE_CONFIG_SCENARIO_REQUESTS_H_
#define LOADGATE_CONFIG_SCENARIO_REQUESTS_H_

#include <vector>

#include "config/field.h"
#include "loadgate/scenario.h"

namespace loadgate::config {

// A `headers` object: names without spaces, colons or controls, values on
// one line.
std::vector<Header> ParseHeaders(const Field& field);

// Fails unless the URL of `field` is absolute, or relative with a
// `base_url` to join it to.
void CheckRequestUrl(const Field& field, const std::string& base_url);

// Adds the `requests` and the `flows` of the document `root` to `scenario`,
// whose base_url, which relative URLs need, is set already.
void ParseRequestsAndFlows(const Field& root, Scenario* scenario);

// Fails on the first placeholder in a URL, header or body of `root` that
// names neither a data set column of `scenario` nor a capture.
void CheckTemplates(const Field& root, const Scenario& scenario);

}  // namespace loadgate::config

#endif  // LOADGATE_CONFIG_SCENARIO_REQUESTS_H_
