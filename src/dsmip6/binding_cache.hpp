#pragma once
// The home agent's binding cache (RFC 6275 §9.1, §10.1; NEMO RFC 3963 §6.1; DSMIPv6 RFC 5555
// §4.5): one entry per IPv6 home address, with the IPv4 home address / IPv4 prefixes and the
// IPv6 mobile network prefixes bound to it indexed separately, so that the data plane finds the
// entry for any destination (or inner source) in one hash lookup per prefix length.
//
// Deadlines (expiry, Binding Refresh Request time, removal of a de-registered entry) live in a
// binary heap with lazy deletion: rescheduling pushes a new item and the old one is skipped
// when it surfaces, so nextDeadline() is O(1) and rescheduling O(log n) even at a million
// bindings.

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "common/ip_address.hpp"
#include "common/time.hpp"
#include "dsmip6/types.hpp"

namespace dsmip::dsmip6 {

/// The state of a binding cache entry.
enum class BindingState : std::uint8_t {
  Active,        // a registered home registration
  Deregistered,  // de-registered, kept for MAX_DELETE_BCE_TIMEOUT so late BUs get 135
};
std::string_view bindingStateName(BindingState state);

/// An IPv4 home address (a /32) or IPv4 prefix bound to the entry (RFC 5555 §4.5: "a separate
/// binding cache entry for the IPv4 home address").
struct Ipv4Binding {
  Ipv4Prefix prefix;     // length 32 for an IPv4 home address
  bool dynamic = false;  // leased from the pool
  friend bool operator==(const Ipv4Binding&, const Ipv4Binding&) = default;
};

/// One binding cache entry.
struct BindingCacheEntry {
  Ipv6Address home_address;
  BindingState state = BindingState::Active;
  CareOfAddress care_of;
  /// UDP/IPv4: the outer source address and port the BU arrived from (the NAT's mapping when a
  /// NAT is present); everything for this binding goes there (RFC 5555 §2.3.2.2, §4.2).
  std::optional<Ipv4Endpoint> udp_endpoint;
  Ipv4Address local_ipv4;  // the home agent address the IPv4 BU was sent to (outer source)
  Encapsulation encapsulation = Encapsulation::None;
  bool nat_detected = false;
  std::uint16_t sequence = 0;  // last accepted
  std::uint16_t flags = 0;     // BU flags of the last accepted BU
  bool mobile_router = false;
  bool link_local = false;  // L: the derived link-local address is defended too
  bool refresh_requested = false;
  Duration lifetime{};  // granted
  TimePoint created_at{};
  TimePoint updated_at{};
  TimePoint expires_at{};                 // Active: expiry; Deregistered: removal
  TimePoint deadline = TimePoint::max();  // what is scheduled in the heap (max: nothing)
  std::vector<Ipv6Prefix> mobile_network_prefixes;
  std::vector<Ipv4Binding> ipv4;
  // Data-plane counters.
  std::uint64_t packets_to_mobile_node = 0;
  std::uint64_t bytes_to_mobile_node = 0;
  std::uint64_t packets_from_mobile_node = 0;
  std::uint64_t bytes_from_mobile_node = 0;

  [[nodiscard]] bool active() const { return state == BindingState::Active; }
  /// The IPv4 home address (the /32 binding), if any.
  [[nodiscard]] std::optional<Ipv4Address> ipv4HomeAddress() const;
};

class BindingCache {
 public:
  BindingCache();

  [[nodiscard]] BindingCacheEntry* find(const Ipv6Address& home_address);
  [[nodiscard]] const BindingCacheEntry* find(const Ipv6Address& home_address) const;
  /// Creates an entry (the caller fills it); the home address must not be present.
  BindingCacheEntry& insert(const Ipv6Address& home_address);
  /// Removes the entry and its prefix/IPv4 index entries.
  void erase(const Ipv6Address& home_address);

  /// The active entry whose home address or mobile network prefix (longest match) holds `a`.
  [[nodiscard]] BindingCacheEntry* lookupIpv6(const Ipv6Address& a);
  /// The active entry whose IPv4 home address or IPv4 prefix (longest match) holds `a`.
  [[nodiscard]] BindingCacheEntry* lookupIpv4(const Ipv4Address& a);
  /// The entry that owns `prefix` exactly in the IPv6 prefix index, if any.
  [[nodiscard]] BindingCacheEntry* ownerOfIpv6Prefix(const Ipv6Prefix& prefix);

  /// Index maintenance for an entry's mobile network prefixes and IPv4 bindings.
  void indexIpv6Prefix(const Ipv6Prefix& prefix, BindingCacheEntry* entry);
  void unindexIpv6Prefix(const Ipv6Prefix& prefix);
  void indexIpv4(const Ipv4Prefix& prefix, BindingCacheEntry* entry);
  void unindexIpv4(const Ipv4Prefix& prefix);

  /// Sets the entry's deadline and schedules it.
  void schedule(BindingCacheEntry& entry, TimePoint deadline);
  /// The earliest scheduled deadline of any entry.
  [[nodiscard]] std::optional<TimePoint> nextDeadline() const;
  /// Pops the home addresses of entries whose deadline is at or before `now` (each once); they
  /// stay unscheduled until schedule() is called again.
  std::vector<Ipv6Address> takeDue(TimePoint now);

  [[nodiscard]] std::size_t size() const { return entries_.size(); }
  [[nodiscard]] std::size_t activeCount() const { return active_; }
  /// Keeps the active count in step when an entry changes state.
  void setState(BindingCacheEntry& entry, BindingState state);

  template <class F>
  void forEach(F&& f) const {
    for (const auto& [key, entry] : entries_) f(entry);
  }

 private:
  struct HeapItem {
    TimePoint when;
    Ipv6Address home_address;
  };
  static bool later(const HeapItem& a, const HeapItem& b) { return a.when > b.when; }
  void dropStaleTop() const;
  void compactHeap();

  std::unordered_map<Ipv6Address, BindingCacheEntry> entries_;
  std::size_t active_ = 0;
  // Mobile network prefixes by length (longest-prefix match by probing the present lengths).
  std::array<std::unordered_map<Ipv6Address, BindingCacheEntry*>, 129> ipv6_prefixes_;
  std::bitset<129> ipv6_lengths_;
  std::array<std::size_t, 129> ipv6_length_count_{};
  // IPv4 home addresses (/32) and IPv4 prefixes by length.
  std::array<std::unordered_map<std::uint32_t, BindingCacheEntry*>, 33> ipv4_prefixes_;
  std::bitset<33> ipv4_lengths_;
  std::array<std::size_t, 33> ipv4_length_count_{};
  mutable std::vector<HeapItem> heap_;
};

}  // namespace dsmip::dsmip6
