#pragma once
// Tunnel-mode ESP for the payload between mobile node and home agent, and the mobile node's
// SPI-based tell-apart of BUs and data (draft-laganier-mext-dsmipv6-ipsec-01 Req. #1 and #3;
// RFC 4877 §4.1 "payload packets", RFC 3776 §3.4, RFC 5555 §5.2.2). docs/ipsec.md tells the
// story; this is the daemons' tunnel code for it. The ESP module (src/esp) is used through its
// public interface only and knows nothing of it.
//
// Outbound (both ends), after the core decided to encapsulate a packet for a binding:
//   plain packet → Ipsec::outbound (SPD: the payload entry, last before "bypass the rest")
//     Bypass  → the core's tunnel as today;
//     Protected, tunnel mode → IPv6(SA's tunnel addresses) / ESP / plain packet, then re-addressed
//       for the binding as it is NOW (Req. #1: the SA is never changed, the packet is, after ESP):
//         IPv6 care-of address: outer destination (home agent) or source (mobile node) := CoA;
//         IPv4 care-of address: the ESP packet is carried, as it is, in the binding's IPv4
//           encapsulation (protocol 41, UDP 4191, UDP 4191 + TLV) — exactly as a BU or BA is
//           (RFC 5555 §4.1: an IP packet follows UDP 4191; §5.2.1) — so the NAT mapping, the
//           port checks and the keep-alives of the binding apply unchanged.
//     Discard → dropped and counted.
// Inbound (both ends): ESP on a tunnel-mode inbound SA (found by SPI, outer addresses not
// compared: RFC 4301 §5.2, RFC 4877 §4.3) is decrypted and the inner packet goes through the
// core's ingress checks as if it had come tunnelled from the same outer addresses. Decapsulated
// payload that arrived in the clear is checked against the SPD: a protect entry covering it means
// it must have come through ESP ("unprotected": dropped and counted).
//
// All of this is active only when a tunnel-mode SA is configured; otherwise nothing changes.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "daemon/dsmip6_esp.hpp"
#include "daemon/dsmip6_signalling.hpp"
#include "dsmip6/tunnel.hpp"
#include "dsmip6/types.hpp"
#include "esp/ipsec.hpp"

namespace dsmip::daemon {

/// Which end of the tunnel this daemon is: the end whose address does not move (home agent) or
/// the one that does (mobile node).
enum class TunnelEnd : std::uint8_t { HomeAgent, MobileNode };

/// Worst-case octets tunnel-mode ESP adds to a packet, outer IPv6 header included: 40 + SPI and
/// sequence 8 + IV 16 (AES-CBC) + padding 15 + pad length and next header 2 + ICV 16.
inline constexpr std::uint32_t kPayloadEspOverhead = 40 + 8 + 16 + 15 + 2 + 16;

/// Req. #1: re-addresses an ESP packet that Ipsec::outbound() produced in tunnel mode (its outer
/// header is `esp_offset` octets) for the tunnel `tunnel` the core chose for the plain packet.
/// Encapsulation::Ipv6: the outer IPv6 destination (home agent end) or source (mobile node end)
/// becomes the care-of address of `tunnel`; the packet is then complete. IPv4 encapsulations:
/// `tunnel` is prepended around the ESP packet (its inner protocol becomes 41). Errors:
/// InvalidArgument when the SA's outer header is not IPv6 (the payload SAs' tunnel endpoints are
/// the home agent's and the home address, both IPv6) or the encapsulation is None; NoSpace.
Status readdressTunnelEsp(PacketBuffer& esp_packet, std::size_t esp_offset,
                          dsmip6::TunnelHeaders& tunnel, TunnelEnd end);

/// What an outbound ESP packet carries, by its SPI alone (Req. #3, the draft's first technique).
enum class OutboundEspKind : std::uint8_t {
  NotEsp,         // not an (unfragmented, parseable) ESP packet
  BindingUpdate,  // the SPI the SPD gives BUs from a home address to the home agent
  Payload,        // a tunnel-mode SA: data
  Other,          // another transport-mode SA (prefix discovery, ...)
};
std::string_view outboundEspKindName(OutboundEspKind kind);

struct OutboundEspClass {
  OutboundEspKind kind = OutboundEspKind::NotEsp;
  std::uint32_t spi = 0;
  Ipv6Address home_address;  // BindingUpdate: the home address whose BU SA it is
};

/// Req. #3: classifies the whole IP packet `packet` (ESP already applied) by its SPI: the SPI
/// protecting BUs from each of `home_addresses` to `home_agent` is asked of the SPD
/// (Spd::findProtectingSpi, outbound, MH type 5); the mode of other SPIs' SAs tells data from
/// other signalling. Nothing but the packet and the module's tables is used.
OutboundEspClass classifyOutboundEsp(ByteView packet, const esp::Ipsec& ipsec,
                                     std::span<const Ipv6Address> home_addresses,
                                     const Ipv6Address& home_agent);

/// The payload stage of one daemon, around its EspSignallingFilter (which owns the esp::Ipsec,
/// so payload and signalling share the SAD, the SPD, the counters and the sequence-number
/// persistence).
class EspPayloadStage {
 public:
  /// What protect() did.
  enum class Outcome : std::uint8_t {
    Plain,      // no payload SA applies: use the core's tunnel as it is
    Protected,  // the buffer holds the packet to send as `tunnel.encapsulation` says
    Dropped,    // discarded (counted)
  };

  /// `esp` must outlive the stage. The stage is active when `esp` has a tunnel-mode SA; call
  /// after EspSignallingFilter::install().
  EspPayloadStage(EspSignallingFilter& esp, TunnelEnd end);

  [[nodiscard]] bool active() const { return active_; }

  /// Outbound: `packet` holds the plain packet the core decided to send through `tunnel`.
  /// Protected: the buffer holds the ESP packet, re-addressed for `tunnel` (which may have been
  /// adjusted: IPv4 encapsulations carry IPv6, protocol 41) and already encapsulated.
  [[nodiscard]] Outcome protect(PacketBuffer& packet, dsmip6::TunnelHeaders& tunnel, TimePoint now);

  /// Inbound classification by SPI: is this whole IP packet ESP on a tunnel-mode inbound SA?
  [[nodiscard]] bool isPayloadEsp(ByteView packet) const;

  /// Inbound: decrypts the payload ESP packet in `packet` (a whole IP packet that travelled as
  /// `transport` says) and returns the tunnelled packet for the core's ingress checks (its
  /// payload is the inner packet, now in `packet`). nullopt: dropped and counted.
  [[nodiscard]] std::optional<dsmip6::TunnelledPacket> open(PacketBuffer& packet,
                                                            const dsmip6::Transport& transport,
                                                            TimePoint now);

  /// Inbound: `packet` is a decapsulated packet that came through the tunnel in the clear. False
  /// (dropped, counted) when the SPD says it must have been protected ("unprotected") or
  /// discards it.
  [[nodiscard]] bool admitClear(PacketBuffer& packet, TimePoint now);

  /// "payload-protected", "payload-bypassed", "payload-decrypted", "payload-clear-admitted",
  /// then "payload-drop:<reason>" per reason seen (ESP reasons, "readdress",
  /// "transport-mode-sa").
  [[nodiscard]] NamedCounters counters() const;

 private:
  void countDrop(std::string_view reason);

  EspSignallingFilter& esp_;
  TunnelEnd end_;
  bool active_ = false;
  std::uint64_t protected_ = 0;
  std::uint64_t bypassed_ = 0;
  std::uint64_t decrypted_ = 0;
  std::uint64_t clear_admitted_ = 0;
  std::vector<std::pair<std::string, std::uint64_t>> drops_;
};

}  // namespace dsmip::daemon
