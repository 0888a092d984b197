#pragma once
// The Traffic Class / TOS octet of tunnel headers: ECN (RFC 3168 §5, tunnels per RFC 6040 §4)
// and DSCP (RFC 2474 §3, tunnels per RFC 2983 §3.1, §5.1). Protocol reference §7.4, §7.5.

#include <cstdint>

namespace dsmip::wire {

/// ECN field values (RFC 3168 §5): the two low bits of the TOS / Traffic Class octet.
enum class Ecn : std::uint8_t { NotEct = 0, Ect1 = 1, Ect0 = 2, Ce = 3 };

/// DSCP: the six high bits of the TOS / Traffic Class octet (RFC 2474 §3).
constexpr std::uint8_t dscpOf(std::uint8_t traffic_class) {
  return static_cast<std::uint8_t>(traffic_class >> 2);
}
constexpr Ecn ecnOf(std::uint8_t traffic_class) { return static_cast<Ecn>(traffic_class & 0x03); }
/// The TOS / Traffic Class octet from a DSCP (low six bits used) and an ECN value.
constexpr std::uint8_t makeTrafficClass(std::uint8_t dscp, Ecn ecn) {
  return static_cast<std::uint8_t>(((dscp & 0x3F) << 2) | static_cast<std::uint8_t>(ecn));
}

/// Encapsulation mode of RFC 6040 §4.1: Normal copies the inner ECN field into the outer
/// header; Compatibility sets the outer header to Not-ECT. The inner header is never changed.
enum class EcnEncapsulationMode : std::uint8_t { Normal, Compatibility };

/// The outer ECN field at encapsulation (RFC 6040 §4.1).
constexpr Ecn encapsulateEcn(Ecn inner, EcnEncapsulationMode mode) {
  return mode == EcnEncapsulationMode::Normal ? inner : Ecn::NotEct;
}

/// How unusual an inner/outer ECN combination is at decapsulation (RFC 6040 §4.2).
enum class EcnAnomaly : std::uint8_t {
  None,
  CurrentlyUnused,  // "(!)": inner ECT(1) with outer ECT(0); may be logged, no alarm
  Unexpected,       // "(!!!)": no known protocol produces it; SHOULD log (rate-limited), MAY alarm
};

/// Result of the decapsulation table of RFC 6040 §4.2 (protocol reference §7.4).
struct EcnDecapsulation {
  bool drop = false;           // inner Not-ECT with outer CE: the packet MUST be dropped
  Ecn outgoing = Ecn::NotEct;  // the ECN field to write into the forwarded inner header
  EcnAnomaly anomaly = EcnAnomaly::None;
  friend constexpr bool operator==(const EcnDecapsulation&, const EcnDecapsulation&) = default;
};

/// The outgoing ECN field (or drop) for an arriving inner and outer ECN field (RFC 6040 §4.2).
EcnDecapsulation decapsulateEcn(Ecn inner, Ecn outer);

/// The two DSCP tunnelling models of RFC 2983 §3.1: Uniform copies the inner DSCP out at
/// ingress and the outer DSCP back in at egress; Pipe keeps the inner DSCP at egress.
enum class DscpModel : std::uint8_t { Uniform, Pipe };

/// The outer DSCP at encapsulation: the inner one (copied) in both models, as RFC 5555 §4.1.1
/// and RFC 5454 §3.6 recommend; a configured value may replace it in Pipe mode.
constexpr std::uint8_t encapsulateDscp(std::uint8_t inner_dscp) {
  return static_cast<std::uint8_t>(inner_dscp & 0x3F);
}
/// The DSCP of the forwarded inner packet at decapsulation (RFC 2983 §3.1).
constexpr std::uint8_t decapsulateDscp(std::uint8_t inner_dscp, std::uint8_t outer_dscp,
                                       DscpModel model) {
  return static_cast<std::uint8_t>((model == DscpModel::Uniform ? outer_dscp : inner_dscp) & 0x3F);
}

}  // namespace dsmip::wire
