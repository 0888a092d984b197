#pragma once
// The Security Policy Database (RFC 4301 §4.4.1): an ordered list of entries; the first enabled
// entry whose selectors match a packet decides: PROTECT (through an SA), BYPASS or DISCARD. A
// packet no entry matches is discarded (the RFC's default).
//
// A protect entry names its SA bundle by SPI: the outbound SA that protects traffic this node
// sends, and the inbound SA that traffic from the peer must arrive on (one SA per direction; no
// nested bundles). This link is also what answers, without looking into packets:
//   * "which SPI protects traffic matching X" (findProtectingSpi), and
//   * "what traffic does the SA with SPI s carry" (findBySpi),
// the two queries draft-laganier-mext-dsmipv6-ipsec-01 (Req. #3, Req. #4) relies on.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "esp/selector.hpp"
#include "esp/types.hpp"

namespace dsmip::esp {

enum class PolicyAction : std::uint8_t { Protect, Bypass, Discard };
std::string_view policyActionName(PolicyAction action);  // "protect", "bypass", "discard"

struct PolicyEntry {
  std::string name;  // unique; for configuration, logs and `show`
  Selector selector;
  PolicyAction action = PolicyAction::Discard;
  bool outbound = true;  // the entry applies to outbound traffic (SPD-S/SPD-O)
  bool inbound = true;   // the entry applies to inbound traffic (SPD-I, and SA selector checks)
  std::uint32_t outbound_spi = 0;  // protect + outbound: the SA outbound traffic goes through
  std::uint32_t inbound_spi = 0;   // protect + inbound: the SA inbound traffic must arrive on
  bool enabled = true;  // disabled entries are skipped (RFC 4877 §4.2: inactive when at home)

  friend bool operator==(const PolicyEntry&, const PolicyEntry&) = default;
};

/// Checks one entry on its own: a name, a direction, SPIs exactly where the action needs them,
/// next-layer selectors only with a protocol that has them.
Status validatePolicyEntry(const PolicyEntry& entry);

class Spd {
 public:
  /// Appends an entry (lowest priority so far). Errors: invalid entry, duplicate name.
  Status add(PolicyEntry entry);
  /// Inserts before position `index` (0 = highest priority; size() = append).
  Status insert(std::size_t index, PolicyEntry entry);
  /// Removes the entry with this name; false if absent.
  bool remove(std::string_view name);
  /// Enables or disables an entry; false if absent.
  bool setEnabled(std::string_view name, bool enabled);
  void clear() { entries_.clear(); }

  /// The first enabled entry for `direction` whose selectors match; nullptr if none.
  [[nodiscard]] const PolicyEntry* lookup(const PacketSelectors& packet, Direction direction) const;

  /// Req. #3 of the draft: the SPI of the SA that protects traffic like `traffic` in `direction`
  /// (outbound: the SA it is sent through; inbound: the SA it must arrive on), or nullopt if the
  /// matching entry does not protect it (or nothing matches).
  [[nodiscard]] std::optional<std::uint32_t> findProtectingSpi(const PacketSelectors& traffic,
                                                               Direction direction) const;

  /// Req. #4 of the draft: the first enabled protect entry whose SA for `direction` has this SPI
  /// (for an inbound SPI: the traffic selectors the SA was made for). nullptr if none.
  [[nodiscard]] const PolicyEntry* findBySpi(std::uint32_t spi, Direction direction) const;

  /// Does any enabled inbound protect entry tied to `inbound_spi` match this decrypted packet?
  /// (RFC 4301 §5.2 step 4: the packet must fall within the selectors of the SA it came on.)
  [[nodiscard]] const PolicyEntry* matchInboundSa(std::uint32_t inbound_spi,
                                                  const PacketSelectors& packet) const;

  [[nodiscard]] const PolicyEntry* find(std::string_view name) const;
  [[nodiscard]] std::span<const PolicyEntry> entries() const { return entries_; }
  [[nodiscard]] std::size_t size() const { return entries_.size(); }

 private:
  std::vector<PolicyEntry> entries_;
};

}  // namespace dsmip::esp
