#pragma once
// ICMPv6 (RFC 4443) error and echo messages, and the Mobile IPv6 messages carried in it
// (RFC 6275 §6.5–§6.8): Home Agent Address Discovery Request/Reply and Mobile Prefix
// Solicitation/Advertisement with Prefix Information options (RFC 4861 §4.6.2, RFC 6275 §7.2).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"

namespace dsmip::wire {

inline constexpr std::size_t kIcmpv6HeaderLength = 8;
/// Quoted octets of an invoking packet so that the error, with a 40-octet IPv6 header and no
/// extension headers, fits the IPv6 minimum MTU (RFC 4443 §2.4 (c)).
inline constexpr std::size_t kIcmpv6MaxQuote = 1280 - 40 - kIcmpv6HeaderLength;

/// ICMPv6 types (RFC 4443 §2.1; RFC 6275 §6.5–§6.8).
namespace icmpv6_type {
inline constexpr std::uint8_t kDestinationUnreachable = 1;
inline constexpr std::uint8_t kPacketTooBig = 2;
inline constexpr std::uint8_t kTimeExceeded = 3;
inline constexpr std::uint8_t kParameterProblem = 4;
inline constexpr std::uint8_t kEchoRequest = 128;
inline constexpr std::uint8_t kEchoReply = 129;
inline constexpr std::uint8_t kHomeAgentAddressDiscoveryRequest = 144;
inline constexpr std::uint8_t kHomeAgentAddressDiscoveryReply = 145;
inline constexpr std::uint8_t kMobilePrefixSolicitation = 146;
inline constexpr std::uint8_t kMobilePrefixAdvertisement = 147;
}  // namespace icmpv6_type

/// Destination Unreachable codes (RFC 4443 §3.1).
namespace icmpv6_unreachable {
inline constexpr std::uint8_t kNoRoute = 0;
inline constexpr std::uint8_t kAdministrativelyProhibited = 1;
inline constexpr std::uint8_t kBeyondScope = 2;
inline constexpr std::uint8_t kAddressUnreachable = 3;
inline constexpr std::uint8_t kPortUnreachable = 4;
inline constexpr std::uint8_t kSourcePolicyFailed = 5;
inline constexpr std::uint8_t kRejectRoute = 6;
}  // namespace icmpv6_unreachable

/// Parameter Problem codes (RFC 4443 §3.4).
namespace icmpv6_parameter_problem {
inline constexpr std::uint8_t kErroneousHeaderField = 0;
inline constexpr std::uint8_t kUnrecognizedNextHeader = 1;
inline constexpr std::uint8_t kUnrecognizedOption = 2;
}  // namespace icmpv6_parameter_problem

/// Destination Unreachable (RFC 4443 §3.1).
struct Icmpv6DestinationUnreachable {
  ByteView invoking_packet;
};
/// Packet Too Big (RFC 4443 §3.2).
struct Icmpv6PacketTooBig {
  std::uint32_t mtu = 0;
  ByteView invoking_packet;
};
/// Time Exceeded (RFC 4443 §3.3).
struct Icmpv6TimeExceeded {
  ByteView invoking_packet;
};
/// Parameter Problem (RFC 4443 §3.4): `pointer` is an octet offset into the invoking packet.
struct Icmpv6ParameterProblem {
  std::uint32_t pointer = 0;
  ByteView invoking_packet;
};
/// Echo Request / Echo Reply (RFC 4443 §4.1, §4.2).
struct Icmpv6Echo {
  std::uint16_t identifier = 0;
  std::uint16_t sequence = 0;
  ByteView data;
};

/// A list of IPv6 addresses held as a view of 16-octet records (no copy).
class Ipv6AddressList {
 public:
  Ipv6AddressList() = default;
  explicit Ipv6AddressList(ByteView records) : records_(records) {}
  [[nodiscard]] std::size_t size() const { return records_.size() / 16; }
  [[nodiscard]] bool empty() const { return records_.size() < 16; }
  /// The i-th address; i must be below size().
  [[nodiscard]] Ipv6Address operator[](std::size_t i) const {
    return Ipv6Address::fromBytes(records_.subspan(i * 16, 16));
  }
  [[nodiscard]] ByteView bytes() const { return records_; }

  class Iterator {
   public:
    Iterator(const Ipv6AddressList* list, std::size_t index) : list_(list), index_(index) {}
    Ipv6Address operator*() const { return (*list_)[index_]; }
    Iterator& operator++() {
      ++index_;
      return *this;
    }
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.index_ == b.index_; }

   private:
    const Ipv6AddressList* list_;
    std::size_t index_;
  };
  [[nodiscard]] Iterator begin() const { return Iterator(this, 0); }
  [[nodiscard]] Iterator end() const { return Iterator(this, size()); }

 private:
  ByteView records_;
};

/// Home Agent Address Discovery Request (RFC 6275 §6.5; R flag: RFC 3963 §7.1).
struct HomeAgentAddressDiscoveryRequest {
  std::uint16_t identifier = 0;
  bool mobile_router = false;  // R: the sender is a mobile router (NEMO)
};
/// Home Agent Address Discovery Reply (RFC 6275 §6.6; R flag: RFC 3963 §7.2): home agents in
/// order of preference.
struct HomeAgentAddressDiscoveryReply {
  std::uint16_t identifier = 0;
  bool mobile_router = false;  // R: the listed home agents support mobile routers
  Ipv6AddressList home_agents;
};
/// Mobile Prefix Solicitation (RFC 6275 §6.7).
struct MobilePrefixSolicitation {
  std::uint16_t identifier = 0;
};

/// Prefix Information option (RFC 4861 §4.6.2, with the R flag of RFC 6275 §7.2).
struct PrefixInformation {
  std::uint8_t prefix_length = 0;
  bool on_link = false;         // L
  bool autonomous = false;      // A
  bool router_address = false;  // R: `prefix` holds the sender's full address
  std::uint32_t valid_lifetime = 0;
  std::uint32_t preferred_lifetime = 0;
  Ipv6Address prefix;
  friend bool operator==(const PrefixInformation&, const PrefixInformation&) = default;
};
inline constexpr std::uint8_t kPrefixInformationOptionType = 3;
inline constexpr std::size_t kPrefixInformationOptionLength = 32;

/// The Prefix Information options among a validated block of ND options (a view; iterating
/// decodes each one and skips the other option types).
class PrefixInformationList {
 public:
  PrefixInformationList() = default;
  /// `options` must have been validated by decodeIcmpv6 (lengths non-zero and in bounds).
  explicit PrefixInformationList(ByteView options) : options_(options) {}
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] bool empty() const { return size() == 0; }

  class Iterator {
   public:
    Iterator(ByteView options, std::size_t pos) : options_(options), pos_(pos) { settle(); }
    PrefixInformation operator*() const;
    Iterator& operator++();
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.pos_ == b.pos_; }

   private:
    void settle();  // moves to the next Prefix Information option (or the end)
    ByteView options_;
    std::size_t pos_;
  };
  [[nodiscard]] Iterator begin() const { return Iterator(options_, 0); }
  [[nodiscard]] Iterator end() const { return Iterator(options_, options_.size()); }

 private:
  ByteView options_;
};

/// Mobile Prefix Advertisement (RFC 6275 §6.8).
struct MobilePrefixAdvertisement {
  std::uint16_t identifier = 0;
  bool managed = false;  // M: managed address configuration
  bool other = false;    // O: other stateful configuration
  ByteView options;      // all ND options, validated
  PrefixInformationList prefixes;
};

/// Any other type: the octets after the checksum.
struct Icmpv6Other {
  ByteView body;
};

/// A decoded ICMPv6 message; views into the input.
struct Icmpv6Message {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint16_t checksum = 0;
  std::variant<Icmpv6DestinationUnreachable, Icmpv6PacketTooBig, Icmpv6TimeExceeded,
               Icmpv6ParameterProblem, Icmpv6Echo, HomeAgentAddressDiscoveryRequest,
               HomeAgentAddressDiscoveryReply, MobilePrefixSolicitation, MobilePrefixAdvertisement,
               Icmpv6Other>
      body;

  [[nodiscard]] bool isError() const { return type < 128; }  // RFC 4443 §2.1
};

/// Decodes an ICMPv6 message (the upper layer of an IPv6 packet) and verifies its checksum
/// with the pseudo-header of `source` / `destination` (RFC 4443 §2.3; pass
/// ipv6UpperLayerSource() / ipv6UpperLayerDestination()). Rejects: fewer than 4 octets, or
/// fewer than 8 for a known type (Truncated); a wrong checksum (BadChecksum, offset 2); a Home
/// Agent list not a multiple of 16 octets (BadLength); an ND option of length 0 or running
/// past the message, or a Prefix Information option whose length is not 4 (BadLength).
Result<Icmpv6Message> decodeIcmpv6(ByteView message, const Ipv6Address& source,
                                   const Ipv6Address& destination);

/// Short name of an ICMPv6 type for decoder output ("packet-too-big", ...; "unknown").
std::string_view icmpv6TypeName(std::uint8_t type);

// Builders. Each takes the pseudo-header addresses `source` / `destination` for the checksum
// (the addresses the enclosing IPv6 header will carry; prependIpv6() adds that header). The
// build… functions replace the content of `out` (default headroom) with the message; inputs
// must not point into `out` (use prependIcmpv6Error() to work in place).

/// Turns `packet`, which holds an invoking packet, into an ICMPv6 error message in place: the
/// packet is cut to kIcmpv6MaxQuote octets and an 8-octet header (type, code, 32-bit
/// `parameter`: MTU, pointer or unused) is prepended, checksum computed.
Status prependIcmpv6Error(PacketBuffer& packet, std::uint8_t type, std::uint8_t code,
                          std::uint32_t parameter, const Ipv6Address& source,
                          const Ipv6Address& destination);
/// Packet Too Big (RFC 4443 §3.2) quoting as much of `invoking_packet` as fits 1280 octets.
Status buildIcmpv6PacketTooBig(PacketBuffer& out, ByteView invoking_packet, std::uint32_t mtu,
                               const Ipv6Address& source, const Ipv6Address& destination);
/// Destination Unreachable (RFC 4443 §3.1) with `code`.
Status buildIcmpv6DestinationUnreachable(PacketBuffer& out, ByteView invoking_packet,
                                         std::uint8_t code, const Ipv6Address& source,
                                         const Ipv6Address& destination);
/// Time Exceeded (RFC 4443 §3.3) with `code`.
Status buildIcmpv6TimeExceeded(PacketBuffer& out, ByteView invoking_packet, std::uint8_t code,
                               const Ipv6Address& source, const Ipv6Address& destination);
/// Parameter Problem (RFC 4443 §3.4) with `code` and `pointer`.
Status buildIcmpv6ParameterProblem(PacketBuffer& out, ByteView invoking_packet, std::uint8_t code,
                                   std::uint32_t pointer, const Ipv6Address& source,
                                   const Ipv6Address& destination);

/// Prepends an Echo Request / Reply header in front of the echo data in `packet`.
Status prependIcmpv6EchoRequest(PacketBuffer& packet, std::uint16_t identifier,
                                std::uint16_t sequence, const Ipv6Address& source,
                                const Ipv6Address& destination);
Status prependIcmpv6EchoReply(PacketBuffer& packet, std::uint16_t identifier,
                              std::uint16_t sequence, const Ipv6Address& source,
                              const Ipv6Address& destination);

/// Home Agent Address Discovery Request (RFC 6275 §6.5), 8 octets.
Status buildHomeAgentAddressDiscoveryRequest(PacketBuffer& out, std::uint16_t identifier,
                                             bool mobile_router, const Ipv6Address& source,
                                             const Ipv6Address& destination);
/// Home Agent Address Discovery Reply (RFC 6275 §6.6) listing `home_agents`.
Status buildHomeAgentAddressDiscoveryReply(PacketBuffer& out, std::uint16_t identifier,
                                           bool mobile_router,
                                           std::span<const Ipv6Address> home_agents,
                                           const Ipv6Address& source,
                                           const Ipv6Address& destination);
/// Mobile Prefix Solicitation (RFC 6275 §6.7), 8 octets.
Status buildMobilePrefixSolicitation(PacketBuffer& out, std::uint16_t identifier,
                                     const Ipv6Address& source, const Ipv6Address& destination);
/// Mobile Prefix Advertisement (RFC 6275 §6.8) with one Prefix Information option per entry.
Status buildMobilePrefixAdvertisement(PacketBuffer& out, std::uint16_t identifier, bool managed,
                                      bool other, std::span<const PrefixInformation> prefixes,
                                      const Ipv6Address& source, const Ipv6Address& destination);

}  // namespace dsmip::wire
