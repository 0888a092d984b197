#include "dsmip6/binding_cache.hpp"

#include <algorithm>

namespace dsmip::dsmip6 {

namespace {

Ipv6Address maskIpv6(const Ipv6Address& a, unsigned length) {
  Ipv6Address out = a;
  for (std::size_t i = 0; i < 16; ++i) {
    const unsigned bit = static_cast<unsigned>(i) * 8;
    if (bit >= length) {
      out.bytes[i] = 0;
    } else if (length - bit < 8) {
      out.bytes[i] &= static_cast<std::uint8_t>(0xFF << (8 - (length - bit)));
    }
  }
  return out;
}

std::uint32_t maskIpv4(std::uint32_t a, unsigned length) {
  return length == 0 ? 0 : a & (0xFFFFFFFFu << (32 - length));
}

}  // namespace

std::string_view bindingStateName(BindingState state) {
  return state == BindingState::Active ? "active" : "deregistered";
}

std::optional<Ipv4Address> BindingCacheEntry::ipv4HomeAddress() const {
  for (const auto& b : ipv4) {
    if (b.prefix.length == 32) return b.prefix.address;
  }
  return std::nullopt;
}

BindingCache::BindingCache() = default;

BindingCacheEntry* BindingCache::find(const Ipv6Address& home_address) {
  auto it = entries_.find(home_address);
  return it == entries_.end() ? nullptr : &it->second;
}

const BindingCacheEntry* BindingCache::find(const Ipv6Address& home_address) const {
  auto it = entries_.find(home_address);
  return it == entries_.end() ? nullptr : &it->second;
}

BindingCacheEntry& BindingCache::insert(const Ipv6Address& home_address) {
  auto [it, inserted] = entries_.try_emplace(home_address);
  DSMIP_CHECK(inserted);
  it->second.home_address = home_address;
  it->second.state = BindingState::Active;
  ++active_;
  return it->second;
}

void BindingCache::erase(const Ipv6Address& home_address) {
  auto it = entries_.find(home_address);
  if (it == entries_.end()) return;
  BindingCacheEntry& entry = it->second;
  for (const auto& p : entry.mobile_network_prefixes) {
    if (ownerOfIpv6Prefix(p) == &entry) unindexIpv6Prefix(p);
  }
  for (const auto& b : entry.ipv4) {
    const unsigned len = b.prefix.length;
    auto& map = ipv4_prefixes_[len];
    auto found = map.find(maskIpv4(b.prefix.address.toU32(), len));
    if (found != map.end() && found->second == &entry) unindexIpv4(b.prefix);
  }
  if (entry.active()) --active_;
  entries_.erase(it);
  compactHeap();
}

void BindingCache::setState(BindingCacheEntry& entry, BindingState state) {
  if (entry.state == state) return;
  if (entry.state == BindingState::Active) --active_;
  if (state == BindingState::Active) ++active_;
  entry.state = state;
}

BindingCacheEntry* BindingCache::lookupIpv6(const Ipv6Address& a) {
  auto it = entries_.find(a);
  if (it != entries_.end()) return it->second.active() ? &it->second : nullptr;
  if (ipv6_lengths_.none()) return nullptr;
  for (int len = 128; len >= 0; --len) {
    const auto l = static_cast<std::size_t>(len);
    if (!ipv6_lengths_.test(l)) continue;
    auto& map = ipv6_prefixes_[l];
    auto found = map.find(maskIpv6(a, static_cast<unsigned>(len)));
    if (found != map.end()) return found->second->active() ? found->second : nullptr;
  }
  return nullptr;
}

BindingCacheEntry* BindingCache::lookupIpv4(const Ipv4Address& a) {
  if (ipv4_lengths_.none()) return nullptr;
  const std::uint32_t v = a.toU32();
  for (int len = 32; len >= 0; --len) {
    const auto l = static_cast<std::size_t>(len);
    if (!ipv4_lengths_.test(l)) continue;
    auto& map = ipv4_prefixes_[l];
    auto found = map.find(maskIpv4(v, static_cast<unsigned>(len)));
    if (found != map.end()) return found->second->active() ? found->second : nullptr;
  }
  return nullptr;
}

BindingCacheEntry* BindingCache::ownerOfIpv6Prefix(const Ipv6Prefix& prefix) {
  if (prefix.length > 128) return nullptr;
  auto& map = ipv6_prefixes_[prefix.length];
  auto found = map.find(maskIpv6(prefix.address, prefix.length));
  return found == map.end() ? nullptr : found->second;
}

void BindingCache::indexIpv6Prefix(const Ipv6Prefix& prefix, BindingCacheEntry* entry) {
  const std::size_t l = prefix.length;
  auto [it, inserted] =
      ipv6_prefixes_[l].insert_or_assign(maskIpv6(prefix.address, prefix.length), entry);
  (void)it;
  if (inserted) {
    ++ipv6_length_count_[l];
    ipv6_lengths_.set(l);
  }
}

void BindingCache::unindexIpv6Prefix(const Ipv6Prefix& prefix) {
  const std::size_t l = prefix.length;
  if (ipv6_prefixes_[l].erase(maskIpv6(prefix.address, prefix.length)) == 0) return;
  if (--ipv6_length_count_[l] == 0) ipv6_lengths_.reset(l);
}

void BindingCache::indexIpv4(const Ipv4Prefix& prefix, BindingCacheEntry* entry) {
  const std::size_t l = prefix.length;
  auto [it, inserted] =
      ipv4_prefixes_[l].insert_or_assign(maskIpv4(prefix.address.toU32(), prefix.length), entry);
  (void)it;
  if (inserted) {
    ++ipv4_length_count_[l];
    ipv4_lengths_.set(l);
  }
}

void BindingCache::unindexIpv4(const Ipv4Prefix& prefix) {
  const std::size_t l = prefix.length;
  if (ipv4_prefixes_[l].erase(maskIpv4(prefix.address.toU32(), prefix.length)) == 0) return;
  if (--ipv4_length_count_[l] == 0) ipv4_lengths_.reset(l);
}

void BindingCache::schedule(BindingCacheEntry& entry, TimePoint deadline) {
  entry.deadline = deadline;
  heap_.push_back(HeapItem{deadline, entry.home_address});
  std::push_heap(heap_.begin(), heap_.end(), later);
  if (heap_.size() > 2 * entries_.size() + 64) compactHeap();
}

void BindingCache::dropStaleTop() const {
  while (!heap_.empty()) {
    const HeapItem& top = heap_.front();
    auto it = entries_.find(top.home_address);
    if (it != entries_.end() && it->second.deadline == top.when) return;
    std::pop_heap(heap_.begin(), heap_.end(), later);
    heap_.pop_back();
  }
}

void BindingCache::compactHeap() {
  if (heap_.size() <= 2 * entries_.size() + 64) return;
  heap_.clear();
  heap_.reserve(entries_.size());
  for (const auto& [key, entry] : entries_) {
    if (entry.deadline != TimePoint::max()) heap_.push_back(HeapItem{entry.deadline, key});
  }
  std::make_heap(heap_.begin(), heap_.end(), later);
}

std::optional<TimePoint> BindingCache::nextDeadline() const {
  // Stale items only make the answer early, never late; drop them first so it is exact.
  dropStaleTop();
  if (heap_.empty()) return std::nullopt;
  return heap_.front().when;
}

std::vector<Ipv6Address> BindingCache::takeDue(TimePoint now) {
  std::vector<Ipv6Address> due;
  for (;;) {
    dropStaleTop();
    if (heap_.empty() || heap_.front().when > now) break;
    const Ipv6Address home_address = heap_.front().home_address;
    std::pop_heap(heap_.begin(), heap_.end(), later);
    heap_.pop_back();
    // Unscheduled until the caller reschedules: a duplicate item for the same time is stale.
    entries_.find(home_address)->second.deadline = TimePoint::max();
    due.push_back(home_address);
  }
  return due;
}

}  // namespace dsmip::dsmip6
