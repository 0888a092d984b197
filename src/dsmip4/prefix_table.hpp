#pragma once
// The registered IPv6 prefixes of a home agent, for the per-packet lookup of which mobile node
// owns a destination (home side) or a source (ingress check, RFC 5454 §3.3.2, §4), and for the
// overlap check of RFC 5454 §3.3 ("registered prefixes are not overlapping").
//
// One hash map per prefix length in use: a lookup masks the address to each length in use,
// longest first, and probes that map. No allocation on lookup.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "common/ip_address.hpp"
#include "dsmip4/tunnel.hpp"

namespace dsmip::dsmip4 {

class PrefixTable {
 public:
  struct Entry {
    std::size_t node = 0;  // the owner's index in the home agent
    Ipv6TunnelMode mode = Ipv6TunnelMode::ToHomeAddress;
  };

  /// Adds or replaces `prefix` (normalised by the caller).
  void insert(const Ipv6Prefix& prefix, Entry entry);
  /// Removes `prefix` if present.
  void erase(const Ipv6Prefix& prefix);
  /// The entry of the longest registered prefix that contains `address`, or nullptr.
  [[nodiscard]] const Entry* find(const Ipv6Address& address) const;
  /// The entry registered for exactly `prefix`, or nullptr.
  [[nodiscard]] const Entry* findExact(const Ipv6Prefix& prefix) const;
  /// True when a prefix of a node other than `node` overlaps `prefix` (contains it or lies
  /// inside it).
  [[nodiscard]] bool overlapsOtherNode(const Ipv6Prefix& prefix, std::size_t node) const;
  [[nodiscard]] std::size_t size() const { return size_; }

 private:
  static Ipv6Address mask(const Ipv6Address& address, std::uint8_t length);
  void rebuildLengths();

  std::array<std::unordered_map<Ipv6Address, Entry>, 129> by_length_;
  std::vector<std::uint8_t> lengths_in_use_;  // descending
  std::size_t size_ = 0;
};

}  // namespace dsmip::dsmip4
