#include "esp/sad.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>
#include <utility>

namespace dsmip::esp {

Status Sad::add(SecurityAssociation sa) {
  Table& t = table(sa.direction());
  const std::uint32_t spi = sa.spi();
  if (t.contains(spi)) {
    return makeError(ErrorCode::AlreadyExists,
                     fmt::format("spi: an {} SA with SPI 0x{:08x} already exists",
                                 directionName(sa.direction()), spi));
  }
  t.emplace(spi, std::move(sa));
  return {};
}

Status Sad::add(const SaParameters& params, TimePoint now) {
  auto sa = SecurityAssociation::create(params, now);
  if (!sa) return Unexpected{sa.error()};
  return add(std::move(*sa));
}

bool Sad::remove(std::uint32_t spi, Direction direction) {
  return table(direction).erase(spi) != 0;
}

SecurityAssociation* Sad::find(std::uint32_t spi, Direction direction) {
  auto& t = table(direction);
  auto it = t.find(spi);
  return it == t.end() ? nullptr : &it->second;
}

const SecurityAssociation* Sad::find(std::uint32_t spi, Direction direction) const {
  const auto& t = table(direction);
  auto it = t.find(spi);
  return it == t.end() ? nullptr : &it->second;
}

std::optional<TimePoint> Sad::nextDeadline() const {
  std::optional<TimePoint> next;
  for (const auto* t : {&inbound_, &outbound_}) {
    for (const auto& [spi, sa] : *t) next = earliest(next, sa.nextDeadline());
  }
  return next;
}

std::vector<SaEvent> Sad::onTimer(TimePoint now) {
  std::vector<SaEvent> events;
  for (auto* t : {&inbound_, &outbound_}) {
    for (auto& [spi, sa] : *t) {
      sa.onTimer(now);
      for (auto& e : sa.takeEvents()) events.push_back(e);
    }
  }
  // Hash-table order is arbitrary; report in a stable order.
  std::sort(events.begin(), events.end(), [](const SaEvent& a, const SaEvent& b) {
    return std::tie(a.direction, a.spi, a.state) < std::tie(b.direction, b.spi, b.state);
  });
  return events;
}

}  // namespace dsmip::esp
