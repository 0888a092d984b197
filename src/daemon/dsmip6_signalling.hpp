#pragma once
// The signalling path of the DSMIPv6 daemons (`dsmip ha`, `dsmip mn`), built as
// draft-laganier-mext-dsmipv6-ipsec-01 §3 describes a (DS)MIPv6 node: a protocol module (the
// pure cores of src/dsmip6, which emit and consume PLAIN IPv6 signalling packets), an IPsec
// module in between, and a tunnel interface below that adds and removes the transport:
//
//   outbound:  core ─SendSignalling─▶ SignallingFilter::outbound ─▶ transport encapsulation ─▶
//   socket inbound:   socket ─▶ transport decapsulation ─▶ SignallingFilter::inbound ─▶
//   core.onSignalling
//              (the outer IPv4 addresses and ports are kept aside in the Transport: Req. #4)
//
// SignallingFilter is the seam where the ESP module slots in: an implementation that runs
// esp::Ipsec::outbound()/inbound() on the packet (and sets Inbound::esp_protected and
// esp_home_address from the SA it used) needs no change to the cores, to SignallingPath or to
// the daemons' socket code. EspSignallingFilter (daemon/dsmip6_esp.hpp) is that implementation;
// without ESP configured, PassThroughFilter lets every packet through unchanged.
//
// Everything here is pure (no sockets): SignallingPath turns a core's SendSignalling into the
// bytes and the socket kind to use, and a received plain packet into the Inbound descriptor for
// the core; the daemons do the I/O.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "dsmip6/types.hpp"

namespace dsmip::daemon {

/// Counters a daemon exports beside a core's (name, value), in a stable order.
using NamedCounters = std::vector<std::pair<std::string, std::uint64_t>>;

/// What a filter stage decided about one packet.
struct FilterVerdict {
  bool pass = true;
  /// Why the packet was dropped (a stable kebab-case name, counted per reason by the path).
  std::string_view reason;

  static FilterVerdict accept() { return FilterVerdict{}; }
  static FilterVerdict drop(std::string_view why) { return FilterVerdict{false, why}; }
};

/// One security association of a filter stage, for `dsmip show` (no key material).
struct SecurityAssociationStatus {
  std::string name;  // the configuration's name ("" if none)
  std::uint32_t spi = 0;
  std::string direction;  // "inbound" / "outbound"
  std::string mode;       // "transport" / "tunnel"
  /// "mature" (usable, no limit reached), "soft-expired" (usable; should be replaced) or
  /// "expired" (hard limit reached: removed from the SAD, no traffic).
  std::string state;
  std::string cause;  // what reached the limit: "time", "packets", "bytes", … ("" while mature)
  std::optional<Duration> soft_time_left;  // time-based limits still ahead
  std::optional<Duration> hard_time_left;
  NamedCounters counters;  // packets, bytes, replay-drops, …
};

/// The IPsec stage of the signalling path (draft-laganier-mext-dsmipv6-ipsec-01 §3, RFC 4877).
/// It sees whole IPv6 packets only — what the cores emit, what the tunnel code decapsulated —
/// and the Transport beside them; it knows nothing else of mobility.
class SignallingFilter {
 public:
  SignallingFilter() = default;
  SignallingFilter(const SignallingFilter&) = delete;
  SignallingFilter& operator=(const SignallingFilter&) = delete;
  virtual ~SignallingFilter() = default;

  /// A plain IPv6 packet a core emitted, about to be sent as `transport` says. The filter may
  /// rewrite it in place (ESP transport mode inserts its header after the IPv6 extension headers,
  /// using the buffer's headroom) or drop it (no policy, no SA).
  [[nodiscard]] virtual FilterVerdict outbound(PacketBuffer& packet,
                                               const dsmip6::Transport& transport,
                                               TimePoint now) = 0;
  /// An IPv6 packet after transport decapsulation; `inbound.transport` says how it came. The
  /// filter may replace it by the decrypted packet and then sets `inbound.esp_protected` and
  /// `inbound.esp_home_address`, or drop it (bad ICV, replay, policy).
  [[nodiscard]] virtual FilterVerdict inbound(PacketBuffer& packet, dsmip6::Inbound& inbound,
                                              TimePoint now) = 0;
  /// "pass-through", "esp", … for `dsmip show`.
  [[nodiscard]] virtual std::string_view name() const = 0;
  /// The stage's own counters for `dsmip show`.
  [[nodiscard]] virtual NamedCounters counters() const = 0;

  /// When the stage next has work that depends on time alone (an SA's lifetime in seconds,
  /// RFC 4301 §4.4.2.1), so that it happens with no traffic; nullopt: none. The daemon arms a
  /// timer for it and calls onTimer() then (early calls are harmless).
  [[nodiscard]] virtual std::optional<TimePoint> nextDeadline() const { return std::nullopt; }
  /// Time-driven work due at `now`.
  virtual void onTimer(TimePoint /*now*/) {}
  /// The stage's security associations (those removed at their hard lifetime included), for
  /// `dsmip show`.
  [[nodiscard]] virtual std::vector<SecurityAssociationStatus> securityAssociations(
      TimePoint /*now*/) const {
    return {};
  }
};

/// The filter used until the ESP module is configured: every packet passes unchanged and is
/// reported as not ESP-protected (so `require_esp` must stay off).
class PassThroughFilter final : public SignallingFilter {
 public:
  FilterVerdict outbound(PacketBuffer& packet, const dsmip6::Transport& transport,
                         TimePoint now) override;
  FilterVerdict inbound(PacketBuffer& packet, dsmip6::Inbound& inbound, TimePoint now) override;
  [[nodiscard]] std::string_view name() const override { return "pass-through"; }
  [[nodiscard]] NamedCounters counters() const override;

 private:
  std::uint64_t outbound_ = 0;
  std::uint64_t inbound_ = 0;
};

/// The socket a prepared outbound signalling packet goes to.
enum class SignallingSocket : std::uint8_t {
  RawIpv6,  // a whole IPv6 packet (HAO / type 2 routing header included): raw sender or TUN
  Udp,      // the payload of a UDP datagram from transport.ipv4_source to ipv4_destination
  RawIpv4,  // a whole IPv4 packet (protocol 41), for an IP_HDRINCL sender
};

/// One outbound signalling packet ready for the socket layer.
struct PreparedSignalling {
  SignallingSocket socket = SignallingSocket::RawIpv6;
  ByteView bytes;  // into the scratch buffer given to prepare()
  dsmip6::Transport transport;
};

/// The pipeline of the header comment, with per-stage counters. One per daemon.
class SignallingPath {
 public:
  /// `filter` must outlive the path.
  explicit SignallingPath(SignallingFilter& filter) : filter_(&filter) {}

  /// Filter stage then transport encapsulation of a core's SendSignalling, into `scratch`
  /// (reset here). nullopt when the filter dropped it or the transport cannot be built
  /// (counted). `identification` is the IPv4 Identification of a protocol-41 outer header.
  [[nodiscard]] std::optional<PreparedSignalling> prepare(const dsmip6::SendSignalling& send,
                                                          PacketBuffer& scratch,
                                                          std::uint16_t identification,
                                                          TimePoint now);

  /// Filter stage of a received signalling packet. `packet` must hold exactly the plain IPv6
  /// packet the transport carried (outer headers already removed, their addresses in
  /// `transport`). Returns the Inbound descriptor for the core's onSignalling(), or nullopt
  /// when the filter dropped it (counted).
  [[nodiscard]] std::optional<dsmip6::Inbound> receive(PacketBuffer& packet,
                                                       const dsmip6::Transport& transport,
                                                       TimePoint now);

  [[nodiscard]] const SignallingFilter& filter() const { return *filter_; }
  [[nodiscard]] SignallingFilter& filter() { return *filter_; }
  /// Counters: "sent-ipv6", "sent-udp", "sent-ipv4-41", "received-*", "outbound-dropped",
  /// "inbound-dropped", "encapsulation-errors", then "filter-drop:<reason>" per reason seen.
  [[nodiscard]] NamedCounters counters() const;

 private:
  void countDrop(std::string_view reason);

  SignallingFilter* filter_;
  std::uint64_t sent_ipv6_ = 0;
  std::uint64_t sent_udp_ = 0;
  std::uint64_t sent_ipv4_ = 0;
  std::uint64_t received_ipv6_ = 0;
  std::uint64_t received_udp_ = 0;
  std::uint64_t received_ipv4_ = 0;
  std::uint64_t outbound_dropped_ = 0;
  std::uint64_t inbound_dropped_ = 0;
  std::uint64_t encapsulation_errors_ = 0;
  std::vector<std::pair<std::string, std::uint64_t>> drop_reasons_;
};

/// Builds the outer IPv4 header (and UDP header for UdpIpv4) of `transport` in front of the
/// packet held by `packet`: nothing for Ipv6, IPv4 + UDP (checksum computed) for UdpIpv4, IPv4
/// protocol 41 for Ipv4Protocol41 (TTL 64, DF clear: RFC 4213 §3.2.1). Used for protocol 41
/// sends and by tests and tools that need the bytes on the wire.
Status encapsulateTransport(PacketBuffer& packet, const dsmip6::Transport& transport,
                            std::uint16_t identification);

}  // namespace dsmip::daemon
