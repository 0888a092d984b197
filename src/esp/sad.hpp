#pragma once
// The Security Association Database (RFC 4301 §4.4.2): SAs by SPI, inbound and outbound kept
// apart. Inbound lookup is by SPI alone (§4.1 unicast SAs), O(1) on average. Outbound SAs are
// reached from SPD protect entries by their SPI. References returned by find() stay valid until
// that SA is removed.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "esp/security_association.hpp"
#include "esp/types.hpp"

namespace dsmip::esp {

class Sad {
 public:
  /// Adds an SA; AlreadyExists if one with the same SPI and direction is present.
  Status add(SecurityAssociation sa);
  /// Convenience: creates the SA from parameters (validation errors are returned) and adds it.
  Status add(const SaParameters& params, TimePoint now);
  /// Removes an SA; false if absent.
  bool remove(std::uint32_t spi, Direction direction);

  [[nodiscard]] SecurityAssociation* find(std::uint32_t spi, Direction direction);
  [[nodiscard]] const SecurityAssociation* find(std::uint32_t spi, Direction direction) const;
  [[nodiscard]] std::size_t size() const { return inbound_.size() + outbound_.size(); }

  /// Earliest time-based lifetime deadline among all SAs.
  [[nodiscard]] std::optional<TimePoint> nextDeadline() const;
  /// Applies time limits to all SAs and returns every pending lifetime event.
  [[nodiscard]] std::vector<SaEvent> onTimer(TimePoint now);

  /// Visits every SA (for `show`): fn(const SecurityAssociation&). Inbound first, then outbound,
  /// each in ascending SPI order.
  template <typename Fn>
  void forEach(Fn&& fn) const {
    for (const auto* table : {&inbound_, &outbound_}) {
      std::vector<std::uint32_t> spis;
      spis.reserve(table->size());
      for (const auto& [spi, sa] : *table) spis.push_back(spi);
      std::sort(spis.begin(), spis.end());
      for (auto spi : spis) fn(table->at(spi));
    }
  }

 private:
  using Table = std::unordered_map<std::uint32_t, SecurityAssociation>;
  Table& table(Direction d) { return d == Direction::Inbound ? inbound_ : outbound_; }
  const Table& table(Direction d) const { return d == Direction::Inbound ? inbound_ : outbound_; }

  Table inbound_;
  Table outbound_;
};

}  // namespace dsmip::esp
