#include "dsmip4/prefix_table.hpp"

namespace dsmip::dsmip4 {

Ipv6Address PrefixTable::mask(const Ipv6Address& address, std::uint8_t length) {
  Ipv6Address out = address;
  const std::size_t full = length / 8;
  const unsigned rest = length % 8;
  if (full >= 16) return out;
  if (rest != 0) {
    out.bytes[full] = static_cast<std::uint8_t>(out.bytes[full] & (0xFF << (8 - rest)));
  }
  for (std::size_t i = full + (rest != 0 ? 1 : 0); i < 16; ++i) out.bytes[i] = 0;
  return out;
}

void PrefixTable::rebuildLengths() {
  lengths_in_use_.clear();
  for (std::size_t l = by_length_.size(); l-- > 0;) {
    if (!by_length_[l].empty()) lengths_in_use_.push_back(static_cast<std::uint8_t>(l));
  }
}

void PrefixTable::insert(const Ipv6Prefix& prefix, Entry entry) {
  const std::uint8_t length = prefix.length > 128 ? std::uint8_t{128} : prefix.length;
  auto& map = by_length_[length];
  const bool was_empty = map.empty();
  const auto [it, inserted] = map.insert_or_assign(mask(prefix.address, length), entry);
  (void)it;
  if (inserted) ++size_;
  if (was_empty) rebuildLengths();
}

void PrefixTable::erase(const Ipv6Prefix& prefix) {
  const std::uint8_t length = prefix.length > 128 ? std::uint8_t{128} : prefix.length;
  auto& map = by_length_[length];
  if (map.erase(mask(prefix.address, length)) == 0) return;
  --size_;
  if (map.empty()) rebuildLengths();
}

const PrefixTable::Entry* PrefixTable::find(const Ipv6Address& address) const {
  for (const std::uint8_t length : lengths_in_use_) {
    const auto& map = by_length_[length];
    const auto it = map.find(mask(address, length));
    if (it != map.end()) return &it->second;
  }
  return nullptr;
}

const PrefixTable::Entry* PrefixTable::findExact(const Ipv6Prefix& prefix) const {
  const std::uint8_t length = prefix.length > 128 ? std::uint8_t{128} : prefix.length;
  const auto& map = by_length_[length];
  const auto it = map.find(mask(prefix.address, length));
  return it == map.end() ? nullptr : &it->second;
}

bool PrefixTable::overlapsOtherNode(const Ipv6Prefix& prefix, std::size_t node) const {
  const Ipv6Prefix p{mask(prefix.address, prefix.length), prefix.length};
  for (const std::uint8_t length : lengths_in_use_) {
    const auto& map = by_length_[length];
    if (length <= p.length) {
      // A registered prefix at least as short contains p exactly when p masked to it matches.
      const auto it = map.find(mask(p.address, length));
      if (it != map.end() && it->second.node != node) return true;
    } else {
      // Longer registered prefixes lie inside p when p contains their address.
      for (const auto& [address, entry] : map) {
        if (entry.node != node && p.contains(address)) return true;
      }
    }
  }
  return false;
}

}  // namespace dsmip::dsmip4
