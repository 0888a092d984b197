// /proc/sys access.
#include "platform/sysctl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>

#include "platform/fd.hpp"

namespace dsmip::platform {

std::string sysctlPath(std::string_view key) {
  if (key.empty() || key.front() == '/' || key.front() == '.') return {};
  std::string relative(key);
  if (relative.find('/') == std::string::npos) {
    for (char& c : relative) {
      if (c == '.') c = '/';
    }
  }
  // Reject any ".." component so a key cannot leave /proc/sys.
  std::size_t start = 0;
  while (start <= relative.size()) {
    const std::size_t end = std::min(relative.find('/', start), relative.size());
    const std::string_view part(relative.data() + start, end - start);
    if (part.empty() || part == "." || part == "..") return {};
    start = end + 1;
  }
  return "/proc/sys/" + relative;
}

Result<std::string> readSysctl(std::string_view key) {
  const std::string path = sysctlPath(key);
  if (path.empty())
    return makeError(ErrorCode::InvalidArgument, "bad sysctl key '" + std::string(key) + "'");
  UniqueFd fd{retryOnEintr([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); })};
  if (!fd) return osError("sysctl: open", errno, path);
  std::string value;
  std::array<char, 256> chunk{};
  for (;;) {
    const ssize_t n = retryOnEintr([&] { return ::read(fd.get(), chunk.data(), chunk.size()); });
    if (n < 0) return osError("sysctl: read", errno, path);
    if (n == 0) break;
    value.append(chunk.data(), static_cast<std::size_t>(n));
  }
  while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
  return value;
}

Status writeSysctl(std::string_view key, std::string_view value) {
  const std::string path = sysctlPath(key);
  if (path.empty())
    return makeError(ErrorCode::InvalidArgument, "bad sysctl key '" + std::string(key) + "'");
  UniqueFd fd{retryOnEintr([&] { return ::open(path.c_str(), O_WRONLY | O_CLOEXEC); })};
  if (!fd) return osError("sysctl: open", errno, path);
  const std::string line = std::string(value) + "\n";
  const ssize_t n = retryOnEintr([&] { return ::write(fd.get(), line.data(), line.size()); });
  if (n < 0) return osError("sysctl: write", errno, path + " = " + std::string(value));
  if (static_cast<std::size_t>(n) != line.size()) {
    return osError("sysctl: write", EIO, path + ": short write");
  }
  return {};
}

namespace {
std::string join(std::string_view a, std::string_view b, std::string_view c) {
  std::string s(a);
  s += b;
  s += '/';
  s += c;
  return s;
}
}  // namespace

std::string ipv4ConfKey(std::string_view interface, std::string_view setting) {
  return join("net/ipv4/conf/", interface, setting);
}
std::string ipv6ConfKey(std::string_view interface, std::string_view setting) {
  return join("net/ipv6/conf/", interface, setting);
}
std::string ipv4NeighKey(std::string_view interface, std::string_view setting) {
  return join("net/ipv4/neigh/", interface, setting);
}
std::string ipv6NeighKey(std::string_view interface, std::string_view setting) {
  return join("net/ipv6/neigh/", interface, setting);
}

}  // namespace dsmip::platform
