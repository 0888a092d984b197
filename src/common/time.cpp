#include "common/time.hpp"

#include <cmath>
#include <limits>

namespace dsmip {

std::optional<Duration> parseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::size_t i = 0;
  double value = 0;
  bool digits = false;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    value = value * 10 + (text[i] - '0');
    digits = true;
    ++i;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    double scale = 0.1;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      value += (text[i] - '0') * scale;
      scale /= 10;
      digits = true;
      ++i;
    }
  }
  if (!digits) return std::nullopt;
  const std::string_view unit = text.substr(i);
  double ns_per_unit = 0;
  if (unit.empty() || unit == "s") {
    ns_per_unit = 1e9;
  } else if (unit == "ms") {
    ns_per_unit = 1e6;
  } else if (unit == "us") {
    ns_per_unit = 1e3;
  } else if (unit == "m" || unit == "min") {
    ns_per_unit = 60e9;
  } else if (unit == "h") {
    ns_per_unit = 3600e9;
  } else {
    return std::nullopt;
  }
  const double ns = value * ns_per_unit;
  if (!std::isfinite(ns) ||
      ns > static_cast<double>(std::numeric_limits<std::int64_t>::max() / 2)) {
    return std::nullopt;
  }
  return Duration{static_cast<std::int64_t>(std::llround(ns))};
}

std::string formatDuration(Duration d) {
  const auto ns = d.count();
  if (ns % 60'000'000'000 == 0 && ns != 0 && ns >= 600'000'000'000) {
    return std::to_string(ns / 60'000'000'000) + "m";
  }
  if (ns % 1'000'000'000 == 0) return std::to_string(ns / 1'000'000'000) + "s";
  if (ns % 1'000'000 == 0) return std::to_string(ns / 1'000'000) + "ms";
  if (ns % 1'000 == 0) return std::to_string(ns / 1'000) + "us";
  return std::to_string(ns) + "ns";
}

}  // namespace dsmip
