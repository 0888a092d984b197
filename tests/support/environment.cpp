#include "test_support/environment.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace dsmip::test {

bool isRoot() { return ::geteuid() == 0; }

bool haveTool(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) continue;
    const auto candidate = std::filesystem::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
  }
  return false;
}

bool skipsForbidden() {
  const char* v = std::getenv("DSMIP_NO_SKIP");
  return v != nullptr && std::string(v) == "1";
}

std::string sourceDir() { return DSMIP_SOURCE_DIR; }

}  // namespace dsmip::test
