// YAML config documents, read into the JSON value a JSON file becomes (see
// ParseDocument in document.h, the one entry point for both formats).
#ifndef LOADGATE_CONFIG_YAML_DOCUMENT_H_
#define LOADGATE_CONFIG_YAML_DOCUMENT_H_

#include <string>
#include <string_view>

#include "config/field.h"

namespace loadgate::config {

// Parses non-empty YAML text. Plain scalars are typed by the YAML 1.2 core
// schema; throws ConfigError, with the line, for syntax errors, invalid
// UTF-8, non-scalar keys, tags outside the core schema, a second document
// and aliases that expand too far.
Json ParseYaml(std::string_view text, const std::string& source_name);

}  // namespace loadgate::config

#endif  // LOADGATE_CONFIG_YAML_DOCUMENT_H_
