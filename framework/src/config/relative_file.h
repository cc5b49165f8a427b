// Reading a file that a config field names, relative to the config file's
// folder, so that whatever the reader throws becomes an error naming the
// file, the field and the file read.
#ifndef LOADGATE_CONFIG_RELATIVE_FILE_H_
#define LOADGATE_CONFIG_RELATIVE_FILE_H_

#include <exception>
#include <filesystem>
#include <string>
#include <system_error>

#include "config/document.h"
#include "config/field.h"

namespace loadgate::config {

// `load(path)` for the path `field` names, resolved against `folder`.
template <typename Load>
auto LoadRelativeFile(const Field& field, const std::string& folder,
                      Load load) {
  const std::string path = ResolveRelative(folder, field.String());
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    field.Fail(path + ": cannot read: it is a directory, not a file");
  }
  try {
    return load(path);
  } catch (const std::exception& error) {
    // Whatever the reader threw, the message names the file.
    const std::string what = error.what();
    field.Fail(what.starts_with(path) ? what : path + ": " + what);
  }
}

}  // namespace loadgate::config

#endif  // LOADGATE_CONFIG_RELATIVE_FILE_H_
