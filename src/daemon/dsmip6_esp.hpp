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
#include <utility>
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
  /// esp_state_directory: where outbound sequence numbers are persisted (SequenceStore).
  std::string state_directory = "/var/lib/dsmip";
  [[nodiscard]] bool configured() const { return !sas.empty() || !policies.empty(); }
};

/// Reads and removes the `esp_sa` and `esp_policy` arrays of tables from a parsed configuration
/// file and builds them with esp::buildConfiguration (D7: aes-gcm-16 with a static key is refused
/// citing RFC 4106 §2). Errors name the file, the table ("[[esp_sa]] #2") and the key; key
/// material never appears in them.
[[nodiscard]] Status readEspTables(toml::table& file, std::string_view origin,
                                   EspDaemonConfig& config);

/// Write-ahead persistence of the outbound sequence numbers of manually keyed SAs (RFC 4303
/// §3.3.3: with anti-replay on, a sender must not reuse a number under the same keys, restarts
/// included). One file per outbound SA, `<directory>/<daemon>-sa-<spi>.seq`, holding one decimal
/// number R: every number up to R may have been sent. On start an SA continues after R; before a
/// number above R leaves, R + kBlock is written (temporary file, fsync, rename), so a crash at
/// any point never reuses a number and the disk is written once per kBlock packets.
class SequenceStore {
 public:
  static constexpr std::uint64_t kBlock = 1024;
  SequenceStore(std::string directory, std::string daemon);
  /// Creates the directory if needed.
  [[nodiscard]] Status prepare() const;
  /// The reservation recorded for `spi`; 0 when there is no file yet.
  [[nodiscard]] Result<std::uint64_t> load(std::uint32_t spi) const;
  /// Durably records `reserved` for `spi`.
  [[nodiscard]] Status store(std::uint32_t spi, std::uint64_t reserved) const;
  [[nodiscard]] std::string path(std::uint32_t spi) const;

 private:
  std::string directory_;
  std::string daemon_;
};

/// Which end of the SAs the peer is: on a home agent the peer is a mobile node (its SA's remote
/// selector is the home address the SA speaks for); on a mobile node the peer is the home agent.
enum class EspPeer : std::uint8_t { MobileNode, HomeAgent };

/// The esp::Ipsec-backed SignallingFilter.
class EspSignallingFilter final : public SignallingFilter {
 public:
  /// `random` supplies the CBC IVs; it must outlive the filter.
  EspSignallingFilter(RandomSource& random, EspPeer peer);

  /// Installs the SAs (their lifetimes start at `now`) and the SPD entries. With a `store`,
  /// each outbound SA continues after the sequence number reserved on disk, and numbers are
  /// reserved ahead as they are used (a packet whose number cannot be reserved is dropped,
  /// "sequence-not-persisted"). The store must outlive the filter.
  [[nodiscard]] Status install(const esp::EspConfiguration& config, TimePoint now,
                               const SequenceStore* store = nullptr);

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

  /// The payload stage's entry to the module (daemon/dsmip6_payload.hpp): Ipsec::outbound() on a
  /// whole payload packet, with the same sequence-number write-ahead as signalling (a packet
  /// whose number cannot be reserved is discarded; `reason` is then NoSpace and
  /// `persist_failed` is set).
  struct PayloadOutbound {
    esp::OutboundResult result;
    bool persist_failed = false;
  };
  [[nodiscard]] PayloadOutbound protectPayload(PacketBuffer& packet, TimePoint now);
  /// Ipsec::inbound() on a whole payload packet (ESP to decrypt, or a decapsulated packet that
  /// came in the clear, for the SPD check).
  [[nodiscard]] esp::InboundResult openPayload(PacketBuffer& packet, TimePoint now);

  /// Names the SAs after their `[[esp_sa]]` tables (by SPI and direction), for the log and
  /// `dsmip show`.
  void nameSecurityAssociations(const std::vector<esp::SaConfig>& sas);
  /// SA lifetimes by time (RFC 4301 §4.4.2.1), with no traffic needed: the earliest soft or
  /// hard time limit still ahead; at it, onTimer() logs a soft expiry once and removes an SA
  /// whose hard lifetime ended from the SAD (it then shows as "expired").
  [[nodiscard]] std::optional<TimePoint> nextDeadline() const override;
  void onTimer(TimePoint now) override;
  /// Every SA in the SAD ("mature" or "soft-expired"), then the ones removed ("expired").
  [[nodiscard]] std::vector<SecurityAssociationStatus> securityAssociations(
      TimePoint now) const override;

 private:
  void logEvents();
  [[nodiscard]] std::string describe(std::uint32_t spi, esp::Direction direction) const;
  [[nodiscard]] SecurityAssociationStatus statusOf(const esp::SecurityAssociation& sa,
                                                   TimePoint now) const;
  /// Write-ahead of the sequence number of a protected packet; false if it cannot be recorded.
  bool reserveSequence(const esp::OutboundResult& r);

  esp::Ipsec ipsec_;
  EspPeer peer_;
  const SequenceStore* store_ = nullptr;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> reserved_;  // outbound SPI → R
  std::uint64_t persist_failures_ = 0;
  struct SaName {
    std::uint32_t spi = 0;
    esp::Direction direction = esp::Direction::Inbound;
    std::string name;
  };
  std::vector<SaName> names_;
  std::vector<SecurityAssociationStatus> expired_;  // removed at their hard lifetime
};

}  // namespace dsmip::daemon
