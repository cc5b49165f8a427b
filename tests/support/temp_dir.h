// A private directory under the system temp dir, removed with its contents.
#ifndef LOADGATE_TESTS_SUPPORT_TEMP_DIR_H_
#define LOADGATE_TESTS_SUPPORT_TEMP_DIR_H_

#include <filesystem>
#include <string>
#include <string_view>

namespace loadgate::test_support {

class TempDir {
 public:
  TempDir();  // throws std::system_error when it cannot be created
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `contents` to `name` inside the directory; returns the full path.
  std::string WriteFile(std::string_view name, std::string_view contents) const;

 private:
  std::filesystem::path path_;
};

}  // namespace loadgate::test_support

#endif  // LOADGATE_TESTS_SUPPORT_TEMP_DIR_H_
