#pragma once
// The pool of dynamic IPv4 home addresses (RFC 5555 §2.5, §4.5). A lease belongs to the IPv6
// home address whose binding asked for it and lives as long as that binding. A mobile node
// that comes back gets the address it last held if nobody took it meanwhile, so a binding that
// expired and is re-created keeps its IPv4 home address when possible.

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "common/ip_address.hpp"
#include "dsmip6/home_agent_config.hpp"

namespace dsmip::dsmip6 {

class Ipv4AddressPool {
 public:
  Ipv4AddressPool() = default;
  explicit Ipv4AddressPool(const Ipv4Range& range);

  /// The address leased to `owner`: its current lease, else the address it held last if free,
  /// else the next free one; nullopt when the pool is exhausted (status 132).
  std::optional<Ipv4Address> allocate(const Ipv6Address& owner);
  /// Leases exactly `address` to `owner` if it is in the pool and free (or already theirs):
  /// a mobile node re-registering the address it held before a home agent restart.
  bool allocateSpecific(const Ipv4Address& address, const Ipv6Address& owner);
  /// True if `address` is currently leased to `owner`.
  [[nodiscard]] bool isLeasedTo(const Ipv4Address& address, const Ipv6Address& owner) const;
  /// The current lease of `owner`, if any.
  [[nodiscard]] std::optional<Ipv4Address> leaseOf(const Ipv6Address& owner) const;
  /// Ends the lease of `owner` (the address stays remembered as its last one).
  void release(const Ipv6Address& owner);

  [[nodiscard]] bool contains(const Ipv4Address& address) const {
    return range_ && range_->contains(address);
  }
  [[nodiscard]] std::uint32_t size() const { return range_ ? range_->size() : 0; }
  [[nodiscard]] std::uint32_t leased() const { return leased_; }

 private:
  struct Holder {
    std::uint32_t slot = 0;
    bool active = false;  // false: a remembered, released lease
  };
  std::optional<Ipv4Range> range_;
  std::vector<bool> in_use_;
  std::unordered_map<Ipv6Address, Holder> holders_;
  std::uint32_t cursor_ = 0;  // where the search for a free slot resumes
  std::uint32_t leased_ = 0;
};

}  // namespace dsmip::dsmip6
