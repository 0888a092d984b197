#pragma once
// The ESP stage of the DSMIPv6 daemons' signalling path (draft-laganier-mext-dsmipv6-ipsec-01 §3,
// RFC 4877): an esp::Ipsec module behind the SignallingFilter seam of daemon/dsmip6_signalling.hpp,
// and the `[[esp_sa]]` / `[[esp_policy]]` tables of the `ha` and `mn` configuration files.
//
//   outbound: core's plain IPv6 packet → Ipsec::outbound (SPD: protect / bypass / discard;
//             transport-mode ESP goes after the HAO / type 2 routing header) → transport
//   inbound:  transport decapsulation (SignallingPath::receive has already put the outer IPv4
//             addresses and UDP ports in Inbound::transport, i.e. BEFORE ESP processing) →
//             Ipsec::inbound (SA by SPI, ICV, anti-replay, selector check) → the decrypted packet
//             with the same Inbound::transport (Req. #4: NAT detection on encrypted BUs) → core.
//
// The stage knows nothing of mobility: esp_protected is "a transport-mode SA accepted it" and
// esp_home_address is the single IPv6 address the SA's policy names as its remote end on a home
// agent (the SA "speaks for" that home address, RFC 6275 §9.5.1; the core compares it with the
// BU's). Keys live in the module's cipher contexts only; nothing here logs or shows them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "common/bytes.hpp"
#include "common/random.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "daemon/dsmip6_signalling.hpp"
#include "esp/config.hpp"
#include "esp/ipsec.hpp"

namespace dsmip::daemon {

/// The manual SAs and SPD entries of a daemon, as written and as built.
struct EspDaemonConfig {
  std::vector<esp::SaConfig> sas;           // [[esp_sa]] tables, in file order
  std::vector<esp::PolicyConfig> policies;  // [[esp_policy]] tables, in SPD order
  esp::EspConfiguration built;              // validated by readEspTables()
  [[nodiscard]] bool configured() const { return !sas.empty() || !policies.empty(); }
};

/// Reads and removes the `esp_sa` and `esp_policy` arrays of tables from a parsed configuration
/// file and builds them with esp::buildConfiguration (D7: aes-gcm-16 with a static key is refused
/// citing RFC 4106 §2). Errors name the file, the table ("[[esp_sa]] #2") and the key; key
/// material never appears in them.
[[nodiscard]] Status readEspTables(toml::table& file, std::string_view origin,
                                   EspDaemonConfig& config);

/// Which end of the SAs the peer is: on a home agent the peer is a mobile node (its SA's remote
/// selector is the home address the SA speaks for); on a mobile node the peer is the home agent.
enum class EspPeer : std::uint8_t { MobileNode, HomeAgent };

/// The esp::Ipsec-backed SignallingFilter.
class EspSignallingFilter final : public SignallingFilter {
 public:
  /// `random` supplies the CBC IVs; it must outlive the filter.
  EspSignallingFilter(RandomSource& random, EspPeer peer);

  /// Installs the SAs (their lifetimes start at `now`) and the SPD entries.
  [[nodiscard]] Status install(const esp::EspConfiguration& config, TimePoint now);

  FilterVerdict outbound(PacketBuffer& packet, const dsmip6::Transport& transport,
                         TimePoint now) override;
  FilterVerdict inbound(PacketBuffer& packet, dsmip6::Inbound& inbound, TimePoint now) override;
  [[nodiscard]] std::string_view name() const override { return "esp"; }
  /// "outbound-protected", "outbound-bypassed", "inbound-accepted", "inbound-bypassed",
  /// "outbound-drop:<reason>" / "inbound-drop:<reason>" (every reason), then per SA
  /// "sa:<spi>:<direction>:<counter>" (packets, bytes, replay-drops, icv-failures, …, and
  /// last-sequence). No key material.
  [[nodiscard]] NamedCounters counters() const override;

  [[nodiscard]] const esp::Ipsec& ipsec() const { return ipsec_; }

 private:
  void logEvents();

  esp::Ipsec ipsec_;
  EspPeer peer_;
};

}  // namespace dsmip::daemon
