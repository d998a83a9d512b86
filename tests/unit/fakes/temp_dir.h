// TempDir: a private directory under /tmp for one test (a state_dir), removed with it.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace failoverd::testing {

class TempDir {
 public:
  TempDir() {
    char dir[] = "/tmp/failoverd-test-XXXXXX";
    if (mkdtemp(dir)) path_ = dir;
  }
  ~TempDir() {
    if (!path_.empty()) std::filesystem::remove_all(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }  // "" if it could not be made

 private:
  std::string path_;
};

}  // namespace failoverd::testing
