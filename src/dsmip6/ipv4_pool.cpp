#include "dsmip6/ipv4_pool.hpp"

namespace dsmip::dsmip6 {

Ipv4AddressPool::Ipv4AddressPool(const Ipv4Range& range)
    : range_(range), in_use_(range.size(), false) {}

std::optional<Ipv4Address> Ipv4AddressPool::allocate(const Ipv6Address& owner) {
  if (!range_) return std::nullopt;
  const std::uint32_t base = range_->first.toU32();
  auto it = holders_.find(owner);
  if (it != holders_.end()) {
    if (it->second.active) return Ipv4Address::fromU32(base + it->second.slot);
    if (!in_use_[it->second.slot]) {
      in_use_[it->second.slot] = true;
      it->second.active = true;
      ++leased_;
      return Ipv4Address::fromU32(base + it->second.slot);
    }
  }
  const auto n = static_cast<std::uint32_t>(in_use_.size());
  if (leased_ >= n) return std::nullopt;
  // Round-robin from the cursor: recently released addresses are handed out last, which keeps
  // them free for their previous holder as long as possible.
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t slot = (cursor_ + i) % n;
    if (in_use_[slot]) continue;
    in_use_[slot] = true;
    cursor_ = (slot + 1) % n;
    ++leased_;
    holders_[owner] = Holder{slot, true};
    return Ipv4Address::fromU32(base + slot);
  }
  return std::nullopt;
}

bool Ipv4AddressPool::allocateSpecific(const Ipv4Address& address, const Ipv6Address& owner) {
  if (!contains(address)) return false;
  const std::uint32_t slot = address.toU32() - range_->first.toU32();
  auto it = holders_.find(owner);
  if (it != holders_.end() && it->second.active) {
    if (it->second.slot == slot) return true;
    return false;  // it holds another address; one lease per home address
  }
  if (in_use_[slot]) return false;
  in_use_[slot] = true;
  ++leased_;
  holders_[owner] = Holder{slot, true};
  return true;
}

bool Ipv4AddressPool::isLeasedTo(const Ipv4Address& address, const Ipv6Address& owner) const {
  const auto lease = leaseOf(owner);
  return lease && *lease == address;
}

std::optional<Ipv4Address> Ipv4AddressPool::leaseOf(const Ipv6Address& owner) const {
  if (!range_) return std::nullopt;
  auto it = holders_.find(owner);
  if (it == holders_.end() || !it->second.active) return std::nullopt;
  return Ipv4Address::fromU32(range_->first.toU32() + it->second.slot);
}

void Ipv4AddressPool::release(const Ipv6Address& owner) {
  auto it = holders_.find(owner);
  if (it == holders_.end() || !it->second.active) return;
  in_use_[it->second.slot] = false;
  it->second.active = false;
  --leased_;
}

}  // namespace dsmip::dsmip6
