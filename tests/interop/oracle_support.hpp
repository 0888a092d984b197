#pragma once
// Helpers of the oracle tests: running a tool, a scratch folder, and reading a field of our
// dissection by path ("mh.sequence", "ipv4[1].source", "mh.options[2].address",
// "icmpv6.home_agents[*].address" joins every item with ',').

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "wire/dissect.hpp"

namespace dsmip::interop {

/// Runs a shell command and returns its standard output; `status` receives the exit status.
inline std::string runCommand(const std::string& command, int* status = nullptr) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    if (status != nullptr) *status = -1;
    return output;
  }
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int rc = ::pclose(pipe);
  if (status != nullptr) *status = rc;
  return output;
}

inline std::vector<std::string> splitString(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, separator)) out.push_back(item);
  if (!text.empty() && text.back() == separator) out.emplace_back();
  return out;
}

/// A folder under the test temporary directory, removed with everything in it.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

namespace detail {

// "name[3]" → ("name", "3"); "name" → ("name", "").
inline std::pair<std::string, std::string> splitIndex(std::string_view part) {
  const auto open = part.find('[');
  if (open == std::string_view::npos || part.back() != ']') return {std::string(part), {}};
  return {std::string(part.substr(0, open)),
          std::string(part.substr(open + 1, part.size() - open - 2))};
}

}  // namespace detail

/// The value of a field of a dissection, as text output writes it; "<absent>" if the path
/// leads nowhere.
inline std::string dissectedValue(const wire::Dissection& d, std::string_view path) {
  const std::string absent = "<absent>";
  const auto dot = path.find('.');
  if (dot == std::string_view::npos) return absent;
  const auto [layer_name, layer_index] = detail::splitIndex(path.substr(0, dot));
  const wire::DissectLayer* layer =
      d.findLayer(layer_name, layer_index.empty() ? 0 : std::stoul(layer_index));
  if (layer == nullptr) return absent;
  const std::string_view rest = path.substr(dot + 1);
  const auto dot2 = rest.find('.');
  if (dot2 == std::string_view::npos) {
    return layer->find(rest) != nullptr ? layer->value(rest) : absent;
  }
  const auto [list_name, item_index] = detail::splitIndex(rest.substr(0, dot2));
  const std::string_view field = rest.substr(dot2 + 1);
  const auto& items = layer->list(list_name);
  if (item_index == "*") {
    std::string joined;
    for (const auto& item : items) {
      if (!joined.empty()) joined += ',';
      joined += item.value(field);
    }
    return joined;
  }
  const std::size_t i = item_index.empty() ? 0 : std::stoul(item_index);
  if (i >= items.size() || items[i].find(field) == nullptr) return absent;
  return items[i].value(field);
}

}  // namespace dsmip::interop
