#pragma once
// The IPsec module of draft-laganier-mext-dsmipv6-ipsec-01 §3: the RFC 4301 processing model over
// whole IP packets, between the protocol module (which emits and consumes plain IP packets) and
// the tunnel interface (which encapsulates and decapsulates). It is an ordinary RFC 4301/4303
// implementation and knows nothing of mobility: the only Mobile IPv6 rules it applies are the
// header rules RFC 4877 §4.2 states for IPsec itself (the Home Address option's address is the
// source and the type 2 routing header's address the destination for selector matching; ESP goes
// after those headers in transport mode).
//
// Outbound (RFC 4301 §5.1): parse → SPD lookup → bypass / discard / protect through the entry's
// outbound SA: transport mode inserts ESP after the IP header and its extension headers; tunnel
// mode wraps the packet in a new outer header with the SA's tunnel addresses.
// Inbound (RFC 4301 §5.2): ESP → SA by SPI → ESP processing → rebuild → the decrypted packet
// must match the selectors of a protect entry tied to that SA ("selector mismatch" otherwise);
// anything else → SPD lookup: bypass, discard, or, if a protect entry covers it, "unprotected".
//
// Every drop is counted per reason (IpsecStats) and, where an SA is involved, on the SA.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/bytes.hpp"
#include "common/random.hpp"
#include "common/time.hpp"
#include "esp/esp.hpp"
#include "esp/sad.hpp"
#include "esp/security_association.hpp"
#include "esp/spd.hpp"
#include "esp/types.hpp"

namespace dsmip::esp {

enum class OutboundVerdict : std::uint8_t { Protected, Bypass, Discard };
enum class InboundVerdict : std::uint8_t { Accepted, Bypass, Discard };

struct OutboundResult {
  OutboundVerdict verdict = OutboundVerdict::Discard;
  DropReason reason = DropReason::NoPolicy;  // meaningful for Discard
  std::uint32_t spi = 0;                     // Protected: the outbound SA used
  std::uint64_t sequence = 0;                // Protected: its sequence number
  Mode mode = Mode::Transport;               // Protected: the SA's mode
  /// Protected: offset of the ESP header in the packet. Tunnel mode: the outer header length,
  /// so that the tunnel code can replace the outer header (draft Req. #1) or strip it for
  /// ESP-in-UDP (RFC 3948) without parsing.
  std::size_t esp_offset = 0;
};

struct InboundResult {
  InboundVerdict verdict = InboundVerdict::Discard;
  DropReason reason = DropReason::NoPolicy;  // meaningful for Discard
  std::uint32_t spi = 0;        // the inbound SA (Accepted, and discards after the SA lookup)
  std::uint64_t sequence = 0;   // Accepted: the packet's full sequence number
  Mode mode = Mode::Transport;  // Accepted: the SA's mode
};

/// Module counters (per-SA counters are on the SAs).
struct IpsecStats {
  std::uint64_t outbound_protected = 0;
  std::uint64_t outbound_bypassed = 0;
  std::uint64_t inbound_accepted = 0;
  std::uint64_t inbound_bypassed = 0;
  DropCounters outbound_drops{};
  DropCounters inbound_drops{};
};

/// The SPI of the ESP header of a whole IP packet (after the IPv6 extension headers or the IPv4
/// header), or nullopt if the packet is not (unfragmented, parseable) ESP. For the tunnel code's
/// SPI-based decisions (draft Req. #3 and #4) without any ESP processing.
std::optional<std::uint32_t> peekEspSpi(ByteView ip_packet);

class Ipsec {
 public:
  /// `random` supplies CBC IVs (and the first IPv4 identification); it must outlive the module.
  explicit Ipsec(RandomSource& random);

  [[nodiscard]] Spd& spd() { return spd_; }
  [[nodiscard]] const Spd& spd() const { return spd_; }
  [[nodiscard]] Sad& sad() { return sad_; }
  [[nodiscard]] const Sad& sad() const { return sad_; }

  /// RFC 4301 §5.1 on a whole IP packet leaving this node. On Protected the buffer holds the ESP
  /// packet; on Bypass it is unchanged; on Discard it is to be dropped.
  [[nodiscard]] OutboundResult outbound(PacketBuffer& ip_packet, TimePoint now);

  /// RFC 4301 §5.2 on a whole IP packet addressed to this node (for UDP-encapsulated traffic: the
  /// packet after the caller removed the outer IPv4/UDP headers, keeping their addresses itself).
  /// On Accepted the buffer holds the decrypted packet (transport: the same IP header without
  /// ESP; tunnel: the inner packet); on Bypass it is unchanged.
  [[nodiscard]] InboundResult inbound(PacketBuffer& ip_packet, TimePoint now);

  /// RFC 4301 §5.2 for an ESP packet without an IP header in front, as a UDP socket delivers
  /// ESP-in-UDP (RFC 3948 §2.1). Only tunnel-mode SAs can be used this way (transport mode needs
  /// the IP header that was protected): others are discarded with ModeMismatch. On Accepted the
  /// buffer holds the inner packet.
  [[nodiscard]] InboundResult inboundEsp(PacketBuffer& esp_packet, TimePoint now);

  /// Lifetime transitions (soft and hard expiry) since the last call, for the daemon to log.
  [[nodiscard]] std::vector<SaEvent> takeEvents();
  /// Earliest time-based lifetime deadline; arm a timer and call onTimer() then.
  [[nodiscard]] std::optional<TimePoint> nextDeadline() const { return sad_.nextDeadline(); }
  void onTimer(TimePoint now);

  [[nodiscard]] const IpsecStats& stats() const { return stats_; }

 private:
  OutboundResult dropOutbound(DropReason reason);
  InboundResult dropInbound(DropReason reason, std::uint32_t spi = 0);
  void collectEvents(SecurityAssociation& sa);
  InboundResult finishTunnel(SecurityAssociation& sa, PacketBuffer& packet, TimePoint now);
  InboundResult checkDecrypted(std::uint32_t spi, const OpenedEsp& opened, Mode mode,
                               ByteView packet);

  RandomSource& random_;
  Spd spd_;
  Sad sad_;
  IpsecStats stats_;
  std::vector<SaEvent> events_;
  std::uint16_t ipv4_identification_;
};

}  // namespace dsmip::esp
