#pragma once
// Packet dissection for `dsmip decode` (and anything else that wants to show a packet): walks a
// captured frame from its link-layer header through IP, extension headers, tunnels and UDP
// encapsulations down to the mobility messages and their options, using the wire codecs, and
// describes every layer as named, typed fields. Pure: no I/O, no clock, never throws on input.
//
// Encapsulations followed (protocol reference §3.3, §5.8, §6.1, §7):
//   IPv4 / IPv6 (extension headers: Home Address option, type 2 and other routing headers,
//   Fragment, AH; ESP stops the walk after SPI and sequence number) → protocol 4 and 41 in
//   either, GRE (47) and minimal encapsulation (55) → the inner packet;
//   UDP DSMIPv6 port (4191): IPv4 / IPv6 directly, or after the TLV header (decision D3);
//   UDP Mobile IPv4 port (434): registration request / reply, or Tunnel Data → inner packet;
//   UDP m6t ports (3544): IPv6, including the m6t keep-alive and its reply;
//   UDP 4500: ESP-in-UDP, IKE after the non-ESP marker, NAT-T keep-alive; UDP 500: IKE.
// Other TCP and UDP traffic shows ports and lengths only.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "common/result.hpp"
#include "wire/ip_protocol.hpp"

namespace dsmip::wire {

/// Link-layer header types: tcpdump.org LINKTYPE_ values, plus libpcap's DLT_RAW numbers 12
/// and 14, which pcap_datalink() reports for LINKTYPE_RAW (101) files.
namespace link_type {
inline constexpr std::uint32_t kNull = 0;         // BSD loopback: AF in host byte order
inline constexpr std::uint32_t kEthernet = 1;     // IEEE 802.3, with 802.1Q / 802.1ad tags
inline constexpr std::uint32_t kRawDlt12 = 12;    // DLT_RAW (most platforms)
inline constexpr std::uint32_t kRawDlt14 = 14;    // DLT_RAW (OpenBSD)
inline constexpr std::uint32_t kRaw = 101;        // raw IPv4 or IPv6 (TUN captures)
inline constexpr std::uint32_t kLoop = 108;       // OpenBSD loopback: AF in network byte order
inline constexpr std::uint32_t kLinuxSll = 113;   // Linux "cooked" v1 (tcpdump -i any, old)
inline constexpr std::uint32_t kIpv4 = 228;       // raw IPv4
inline constexpr std::uint32_t kIpv6 = 229;       // raw IPv6
inline constexpr std::uint32_t kLinuxSll2 = 276;  // Linux "cooked" v2 (tcpdump -i any)
}  // namespace link_type

/// Stable name of a link type ("ethernet", "raw", "linux-sll", "linux-sll2", "ipv4", "ipv6",
/// "null", "loop"); "unknown" otherwise.
std::string_view linkTypeName(std::uint32_t link_type);
/// True if dissectFrame() understands the link type.
bool isSupportedLinkType(std::uint32_t link_type);

struct DissectObject;

/// One named value of a layer or of an object inside it (an option, an extension, a prefix).
/// JSON output writes Number as a number, Boolean as true/false, Text as a string and List as
/// an array of objects. Text output writes name=value.
struct DissectField {
  enum class Kind : std::uint8_t { Number, Boolean, Text, List };
  std::string name;
  Kind kind = Kind::Number;
  std::uint64_t number = 0;          // Number; Boolean as 0 or 1
  std::uint8_t hex_digits = 0;       // Number: text output writes 0x and this many hex digits
  std::string text;                  // Text
  std::string item_label;            // List: what text output calls each item ("option")
  std::vector<DissectObject> items;  // List
};

/// An ordered group of fields.
struct DissectObject {
  std::vector<DissectField> fields;

  DissectObject& addNumber(std::string name, std::uint64_t value, std::uint8_t hex_digits = 0);
  DissectObject& addBool(std::string name, bool value);
  DissectObject& addText(std::string name, std::string value);
  /// Adds a List field and returns its (empty) item vector. The reference stays valid until
  /// the next field is added to this object.
  std::vector<DissectObject>& addList(std::string name, std::string item_label);

  /// The first field with this name, or nullptr.
  [[nodiscard]] const DissectField* find(std::string_view name) const;
  /// The value of a field as text output would write it ("7", "true", "A|H", "0x0100"); empty
  /// if there is no such field or it is a List.
  [[nodiscard]] std::string value(std::string_view name) const;
  /// The items of a List field (empty if absent).
  [[nodiscard]] const std::vector<DissectObject>& list(std::string_view name) const;
};

/// One protocol layer of a frame: its name ("ipv4", "udp", "mh", ...), where it starts in the
/// frame, its fields, and its part of the one-line summary (may be empty).
struct DissectLayer : DissectObject {
  std::string name;
  std::size_t offset = 0;
  std::string summary;
};

/// Why the dissection of a frame stopped early: the layer being decoded, the codec's error
/// code and reason, and the offset of the offending octet counted from the start of the frame.
struct DissectError {
  std::string layer;
  ErrorCode code = ErrorCode::Ok;
  std::string reason;
  std::size_t offset = 0;
};

/// The dissection of one frame.
struct Dissection {
  std::uint32_t link_type = link_type::kRaw;
  std::size_t length = 0;  // captured octets dissected
  std::vector<DissectLayer> layers;
  /// Things a user debugging a deployment should notice that do not stop the decoding: bad
  /// checksums (a capture on the sending host may show offloaded checksums as bad), an
  /// unrecognised IPv6 option that asks for the packet to be discarded, and so on.
  std::vector<std::string> warnings;
  std::optional<DissectError> error;

  /// True when the frame decoded to the end (warnings allowed).
  [[nodiscard]] bool ok() const { return !error.has_value(); }
  /// The layers' summaries joined with " | ", then the error if any.
  [[nodiscard]] std::string summary() const;
  /// The nth layer (0-based) with this name, or nullptr.
  [[nodiscard]] const DissectLayer* findLayer(std::string_view name, std::size_t nth = 0) const;
};

/// What the dissector treats as which protocol.
struct DissectOptions {
  std::vector<std::uint16_t> m6t_ports{udp_port::kM6tDefault};
  std::uint16_t dsmip6_port = udp_port::kDsmipv6;
  std::uint16_t mip4_port = udp_port::kMobileIpv4;
  bool verify_checksums = true;  // false: no checksum status fields and no checksum warnings
  std::size_t max_depth = 8;     // IP headers in one frame; one more is reported as an error
};

/// Dissects a frame whose link-layer header type is `link_type` (LINKTYPE_ / DLT_ value).
/// An unsupported link type gives a Dissection with an error (layer "link", offset 0).
Dissection dissectFrame(std::uint32_t link_type, ByteView frame, const DissectOptions& options);

/// Dissects a packet that starts with an IPv4 or IPv6 header (told apart by the version
/// nibble), as in a raw-IP capture.
Dissection dissectIpPacket(ByteView packet, const DissectOptions& options);

}  // namespace dsmip::wire
