// The dissector: one walk over a frame, layer by layer, with the wire codecs doing every parse.
// What it adds is the demultiplexing between them (EtherType, protocol numbers, UDP ports, the
// TLV nibble), the few headers the suite has no codec for because it only needs to show them
// (link layers, TCP and GRE basics, ESP's SPI and sequence number, AH, minimal encapsulation),
// checksum status, and error offsets counted from the start of the frame.
#include "wire/dissect.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "common/ip_address.hpp"
#include "wire/checksum.hpp"
#include "wire/ecn_dscp.hpp"
#include "wire/icmpv4.hpp"
#include "wire/icmpv6.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"
#include "wire/m6t_keepalive.hpp"
#include "wire/mh.hpp"
#include "wire/mh_options.hpp"
#include "wire/mipv4.hpp"
#include "wire/tlv.hpp"
#include "wire/udp.hpp"

namespace dsmip::wire {
namespace {

constexpr std::size_t kNoLayer = static_cast<std::size_t>(-1);

// EtherTypes (IEEE 802 registry).
constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kEtherTypeArp = 0x0806;
constexpr std::uint16_t kEtherTypeVlan = 0x8100;     // IEEE 802.1Q
constexpr std::uint16_t kEtherTypeQinQ = 0x88A8;     // IEEE 802.1ad
constexpr std::uint16_t kEtherTypeQinQOld = 0x9100;  // pre-standard double tagging
constexpr std::uint16_t kEtherTypeIpv6 = 0x86DD;

constexpr std::size_t kEthernetHeaderLength = 14;
constexpr std::size_t kVlanTagLength = 4;
constexpr std::size_t kLinuxSllHeaderLength = 16;   // tcpdump.org LINKTYPE_LINUX_SLL
constexpr std::size_t kLinuxSll2HeaderLength = 20;  // tcpdump.org LINKTYPE_LINUX_SLL2
constexpr std::size_t kLoopbackHeaderLength = 4;    // LINKTYPE_NULL / LINKTYPE_LOOP
constexpr std::size_t kLinkAddressLength = 8;       // SLL / SLL2 address field

// Address family values a loopback header may carry (AF_INET is 2 everywhere; AF_INET6 is
// 10 on Linux, 24 on NetBSD/OpenBSD, 28 on FreeBSD, 30 on macOS).
constexpr std::uint32_t kAfInet = 2;
constexpr std::array<std::uint32_t, 4> kAfInet6Values = {10, 24, 28, 30};

constexpr std::size_t kEspHeaderLength = 8;        // SPI + sequence number (RFC 4303 §2)
constexpr std::size_t kTcpMinHeaderLength = 20;    // RFC 9293 §3.1
constexpr std::size_t kGreBaseHeaderLength = 4;    // RFC 2784 §2.1
constexpr std::size_t kMinimalHeaderLength = 8;    // RFC 2004 §3.1, S = 0
constexpr std::size_t kAhMinLength = 12;           // RFC 4302 §2
constexpr std::size_t kNonEspMarkerLength = 4;     // RFC 3948 §2.2
constexpr std::uint8_t kNatKeepaliveOctet = 0xFF;  // RFC 3948 §2.3

// GRE flag bits (RFC 2784 §2.1; K and S from RFC 2890 §2; R from RFC 1701).
constexpr std::uint16_t kGreChecksumPresent = 0x8000;
constexpr std::uint16_t kGreRoutingPresent = 0x4000;
constexpr std::uint16_t kGreKeyPresent = 0x2000;
constexpr std::uint16_t kGreSequencePresent = 0x1000;
constexpr std::uint16_t kGreVersionMask = 0x0007;

std::string hexNumber(std::uint64_t v, int digits) { return fmt::format("0x{:0{}x}", v, digits); }

std::uint16_t readU16(ByteView v, std::size_t at) {
  if (at + 2 > v.size()) return 0;
  return static_cast<std::uint16_t>((v[at] << 8) | v[at + 1]);
}

std::string macText(ByteView v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ':';
    out += fmt::format("{:02x}", v[i]);
  }
  return out;
}

std::string_view ecnName(Ecn ecn) {
  switch (ecn) {
    case Ecn::NotEct:
      return "not-ect";
    case Ecn::Ect1:
      return "ect1";
    case Ecn::Ect0:
      return "ect0";
    case Ecn::Ce:
      return "ce";
  }
  return "not-ect";
}

std::string_view etherTypeName(std::uint16_t type) {
  switch (type) {
    case kEtherTypeIpv4:
      return "ipv4";
    case kEtherTypeArp:
      return "arp";
    case kEtherTypeIpv6:
      return "ipv6";
    case kEtherTypeVlan:
      return "vlan";
    case kEtherTypeQinQ:
    case kEtherTypeQinQOld:
      return "qinq";
    default:
      return "unknown";
  }
}

// Linux packet types of the cooked headers (<linux/if_packet.h> PACKET_*).
std::string_view linuxPacketTypeName(std::uint16_t type) {
  switch (type) {
    case 0:
      return "host";
    case 1:
      return "broadcast";
    case 2:
      return "multicast";
    case 3:
      return "other-host";
    case 4:
      return "outgoing";
    default:
      return "unknown";
  }
}

std::string_view icmpv6CodeName(std::uint8_t type, std::uint8_t code) {
  if (type == icmpv6_type::kDestinationUnreachable) {
    switch (code) {
      case icmpv6_unreachable::kNoRoute:
        return "no-route";
      case icmpv6_unreachable::kAdministrativelyProhibited:
        return "administratively-prohibited";
      case icmpv6_unreachable::kBeyondScope:
        return "beyond-scope";
      case icmpv6_unreachable::kAddressUnreachable:
        return "address-unreachable";
      case icmpv6_unreachable::kPortUnreachable:
        return "port-unreachable";
      case icmpv6_unreachable::kSourcePolicyFailed:
        return "source-policy-failed";
      case icmpv6_unreachable::kRejectRoute:
        return "reject-route";
      default:
        return {};
    }
  }
  if (type == icmpv6_type::kTimeExceeded) {
    if (code == 0) return "hop-limit-exceeded";
    if (code == 1) return "reassembly-time-exceeded";
    return {};
  }
  if (type == icmpv6_type::kParameterProblem) {
    switch (code) {
      case icmpv6_parameter_problem::kErroneousHeaderField:
        return "erroneous-header-field";
      case icmpv6_parameter_problem::kUnrecognizedNextHeader:
        return "unrecognized-next-header";
      case icmpv6_parameter_problem::kUnrecognizedOption:
        return "unrecognized-option";
      default:
        return {};
    }
  }
  return {};
}

std::string_view icmpv4CodeName(std::uint8_t type, std::uint8_t code) {
  if (type == icmpv4_type::kDestinationUnreachable) {
    switch (code) {
      case icmpv4_unreachable::kNet:
        return "net-unreachable";
      case icmpv4_unreachable::kHost:
        return "host-unreachable";
      case icmpv4_unreachable::kProtocol:
        return "protocol-unreachable";
      case icmpv4_unreachable::kPort:
        return "port-unreachable";
      case icmpv4_unreachable::kFragmentationNeeded:
        return "fragmentation-needed";
      case icmpv4_unreachable::kSourceRouteFailed:
        return "source-route-failed";
      case icmpv4_unreachable::kAdministrativelyProhibited:
        return "administratively-prohibited";
      default:
        return {};
    }
  }
  if (type == icmpv4_type::kTimeExceeded) {
    if (code == icmpv4_time_exceeded::kTtlExceeded) return "ttl-exceeded";
    if (code == icmpv4_time_exceeded::kReassemblyTimeExceeded) return "reassembly-time-exceeded";
  }
  return {};
}

// Short message names for the one-line summary (RFC 6275 §6.1 abbreviations).
std::string mhShortName(std::uint8_t type) {
  static constexpr std::array<std::string_view, 8> kNames = {"BRR", "HoTI", "CoTI", "HoT",
                                                             "CoT", "BU",   "BA",   "BE"};
  if (type < kNames.size()) return std::string(kNames[type]);
  return fmt::format("type={} ({})", type, mhTypeName(type));
}

std::string registrationFlagsText(const RegistrationFlags& f) {
  std::string out;
  auto add = [&out](bool on, char letter) {
    if (!on) return;
    if (!out.empty()) out += '|';
    out += letter;
  };
  add(f.simultaneous_bindings, 'S');
  add(f.broadcast, 'B');
  add(f.decapsulation_by_mobile_node, 'D');
  add(f.minimal_encapsulation, 'M');
  add(f.gre_encapsulation, 'G');
  add(f.reserved_r, 'r');
  add(f.reverse_tunneling, 'T');
  add(f.reserved_x, 'x');
  return out;
}

std::string tcpFlagsText(std::uint8_t flags) {
  static constexpr std::array<std::string_view, 8> kNames = {"FIN", "SYN", "RST", "PSH",
                                                             "ACK", "URG", "ECE", "CWR"};
  std::string out;
  for (std::size_t bit = 0; bit < kNames.size(); ++bit) {
    if ((flags & (1u << bit)) == 0) continue;
    if (!out.empty()) out += '|';
    out += kNames[bit];
  }
  return out;
}

std::string lifetimeText(std::uint32_t seconds) { return fmt::format("{}s", seconds); }

// The context an upper layer needs from the network header that carried it.
struct IpContext {
  enum class Family : std::uint8_t { None, V4, V6 };
  Family family = Family::None;
  Ipv4Address source4;
  Ipv4Address destination4;
  Ipv6Address source6;  // pseudo-header addresses: Home Address option and RH2 considered
  Ipv6Address destination6;
  std::size_t summary_layer = kNoLayer;  // the layer whose summary UDP and TCP rewrite
  std::string label;                     // "IPv4", "IPv6", "MinEnc"
  std::string source_text;               // addresses as the summary shows them
  std::string destination_text;
  std::string suffix;  // shown after the addresses (" HAO=…")
};

// One field in a mobility option object.
void describeMobilityOption(const MobilityOption& option, DissectObject& o) {
  const std::uint8_t type = optionTypeOf(option);
  o.addNumber("type", type);
  o.addText("name", std::string(optionTypeName(type)));
  if (const auto* bra = std::get_if<BindingRefreshAdviceOption>(&option)) {
    o.addNumber("refresh_interval", mhLifetimeSeconds(bra->refresh_interval_units));
    o.addNumber("refresh_interval_units", bra->refresh_interval_units);
  } else if (const auto* alt = std::get_if<AlternateCareOfAddressOption>(&option)) {
    o.addText("address", alt->care_of_address.toString());
  } else if (const auto* ni = std::get_if<NonceIndicesOption>(&option)) {
    o.addNumber("home_nonce_index", ni->home_nonce_index);
    o.addNumber("care_of_nonce_index", ni->care_of_nonce_index);
  } else if (const auto* bad = std::get_if<BindingAuthorizationDataOption>(&option)) {
    o.addNumber("length", bad->authenticator.size());
    o.addText("authenticator", toHex(bad->authenticator));
  } else if (const auto* mnp = std::get_if<MobileNetworkPrefixOption>(&option)) {
    o.addNumber("prefix_length", mnp->prefix_length);
    o.addText("prefix", mnp->prefix.toString());
  } else if (const auto* hoa = std::get_if<Ipv4HomeAddressOption>(&option)) {
    o.addNumber("prefix_length", hoa->prefix_length);
    o.addBool("p_flag", hoa->prefix_requested);
    o.addText("address", hoa->home_address.toString());
  } else if (const auto* ack = std::get_if<Ipv4AddressAckOption>(&option)) {
    o.addNumber("status", static_cast<std::uint8_t>(ack->status));
    o.addText("status_name", std::string(ipv4AckStatusName(ack->status)));
    o.addNumber("prefix_length", ack->prefix_length);
    o.addText("address", ack->home_address.toString());
  } else if (const auto* nat = std::get_if<NatDetectionOption>(&option)) {
    o.addBool("f_flag", nat->force_udp);
    o.addNumber("refresh_time", nat->refresh_time);
    o.addBool("nat_detected", nat->natDetected());
  } else if (const auto* coa = std::get_if<Ipv4CareOfAddressOption>(&option)) {
    o.addText("address", coa->care_of_address.toString());
  } else if (const auto* unknown = std::get_if<UnknownMobilityOption>(&option)) {
    o.addNumber("length", unknown->data.size());
    o.addText("data", toHex(unknown->data));
  }
}

void describeMipv4Extension(const Mipv4Extension& extension, DissectObject& o) {
  const std::uint8_t type = mipv4ExtensionType(extension);
  o.addNumber("type", type);
  o.addText("name", std::string(mipv4ExtensionTypeName(type)));
  auto auth = [&o](std::uint32_t spi, const Bytes& authenticator) {
    o.addNumber("spi", spi, 8);
    o.addNumber("authenticator_length", authenticator.size());
    o.addText("authenticator", toHex(authenticator));
  };
  if (const auto* mh = std::get_if<MobileHomeAuthExtension>(&extension)) {
    auth(mh->spi, mh->authenticator);
  } else if (const auto* mf = std::get_if<MobileForeignAuthExtension>(&extension)) {
    auth(mf->spi, mf->authenticator);
  } else if (const auto* fh = std::get_if<ForeignHomeAuthExtension>(&extension)) {
    auth(fh->spi, fh->authenticator);
  } else if (const auto* req = std::get_if<UdpTunnelRequestExtension>(&extension)) {
    o.addNumber("sub_type", 0);
    o.addBool("f_flag", req->force);
    o.addBool("r_flag", req->registered_through_fa);
    o.addNumber("encapsulation", req->encapsulation);
    o.addText("encapsulation_name", req->encapsulation == kUdpTunnelEncapsulationFromFlags
                                        ? "from-flags"
                                        : std::string(ipProtocolName(req->encapsulation)));
  } else if (const auto* rep = std::get_if<UdpTunnelReplyExtension>(&extension)) {
    o.addNumber("sub_type", 0);
    o.addNumber("reply_code", static_cast<std::uint8_t>(rep->reply_code));
    o.addText("reply_code_name", std::string(udpTunnelReplyCodeName(rep->reply_code)));
    o.addBool("f_flag", rep->force);
    o.addNumber("keepalive_interval", rep->keepalive_interval);
  } else if (const auto* preq = std::get_if<Ipv6PrefixRequestExtension>(&extension)) {
    const auto sub = static_cast<std::uint8_t>(Dsmipv4SubType::Ipv6PrefixRequest);
    o.addNumber("sub_type", sub);
    o.addText("sub_type_name", std::string(dsmipv4SubTypeName(sub)));
    o.addNumber("prefix_length", preq->prefix_length);
    o.addText("prefix", preq->prefix.toString());
  } else if (const auto* prep = std::get_if<Ipv6PrefixReplyExtension>(&extension)) {
    const auto sub = static_cast<std::uint8_t>(Dsmipv4SubType::Ipv6PrefixReply);
    o.addNumber("sub_type", sub);
    o.addText("sub_type_name", std::string(dsmipv4SubTypeName(sub)));
    o.addNumber("code", static_cast<std::uint8_t>(prep->code));
    o.addText("code_name", std::string(ipv6PrefixReplyCodeName(prep->code)));
    o.addNumber("prefix_length", prep->prefix_length);
    o.addText("prefix", prep->prefix.toString());
  } else if (std::holds_alternative<Ipv6TunnelingModeExtension>(extension)) {
    const auto sub = static_cast<std::uint8_t>(Dsmipv4SubType::Ipv6TunnelingMode);
    o.addNumber("sub_type", sub);
    o.addText("sub_type_name", std::string(dsmipv4SubTypeName(sub)));
  } else if (const auto* unknown = std::get_if<Mipv4UnknownExtension>(&extension)) {
    o.addText("skipped", std::string(mipv4SkipReasonName(unknown->reason)));
    o.addNumber("length", unknown->data.size());
    o.addText("data", toHex(unknown->data));
  }
}

class Dissector {
 public:
  Dissector(ByteView frame, const DissectOptions& options, Dissection& out)
      : frame_(frame), options_(options), out_(out) {}

  void linkLayer(std::uint32_t link_type) {
    switch (link_type) {
      case link_type::kEthernet:
        ethernet(frame_);
        return;
      case link_type::kRawDlt12:
      case link_type::kRawDlt14:
      case link_type::kRaw:
        ipByVersion(frame_);
        return;
      case link_type::kIpv4:
        ipv4(frame_);
        return;
      case link_type::kIpv6:
        ipv6(frame_);
        return;
      case link_type::kLinuxSll:
        linuxSll(frame_);
        return;
      case link_type::kLinuxSll2:
        linuxSll2(frame_);
        return;
      case link_type::kNull:
        loopback(frame_, false);
        return;
      case link_type::kLoop:
        loopback(frame_, true);
        return;
      default:
        failWith("link", ErrorCode::Unsupported,
                 fmt::format("unsupported link-layer type {}", link_type), 0);
        return;
    }
  }

  void ipByVersion(ByteView data) {
    if (data.empty()) {
      failWith("ip", ErrorCode::Truncated, "no ip header", offsetOf(data));
      return;
    }
    const int version = data[0] >> 4;
    if (version == 4) {
      ipv4(data);
    } else if (version == 6) {
      ipv6(data);
    } else {
      failWith("ip", ErrorCode::BadVersion,
               fmt::format("ip version {} is neither 4 nor 6", version), offsetOf(data));
    }
  }

 private:
  // --- bookkeeping ------------------------------------------------------------------------

  [[nodiscard]] bool stopped() const { return out_.error.has_value(); }

  // Offset of a view's first octet from the start of the frame. Views into a repaired copy
  // (see keepCopy) map back through the copy's origin.
  std::size_t offsetOf(ByteView v) const {
    const std::less_equal<const std::uint8_t*> le;
    auto inside = [&](ByteView area) {
      return le(area.data(), v.data()) && le(v.data(), area.data() + area.size());
    };
    if (inside(frame_)) return static_cast<std::size_t>(v.data() - frame_.data());
    for (const auto& copy : copies_) {
      const ByteView area(copy->bytes);
      if (inside(area)) return copy->origin + static_cast<std::size_t>(v.data() - area.data());
    }
    return 0;
  }

  // Keeps a repaired copy of `original` alive for the rest of the walk and returns a view of it.
  ByteView keepCopy(Bytes bytes, ByteView original) {
    auto copy = std::make_unique<Copy>();
    copy->bytes = std::move(bytes);
    copy->origin = offsetOf(original);
    const ByteView view(copy->bytes);
    copies_.push_back(std::move(copy));
    return view;
  }

  std::size_t addLayer(std::string name, ByteView at) {
    DissectLayer layer;
    layer.name = std::move(name);
    layer.offset = offsetOf(at);
    out_.layers.push_back(std::move(layer));
    return out_.layers.size() - 1;
  }
  DissectLayer& layer(std::size_t index) { return out_.layers[index]; }

  void fail(std::string_view layer_name, const Error& error, ByteView base) {
    failWith(layer_name, error.code,
             std::string(error.reason.empty() ? std::string_view(error.detail) : error.reason),
             offsetOf(base) + error.offset);
  }
  void failWith(std::string_view layer_name, ErrorCode code, std::string reason,
                std::size_t offset) {
    if (stopped()) return;
    out_.error = DissectError{std::string(layer_name), code, std::move(reason), offset};
  }

  // Counts a nested network-layer header; false (and an error) beyond the configured depth.
  bool enter(std::string_view layer_name, ByteView at) {
    if (++depth_ <= options_.max_depth) return true;
    failWith(
        layer_name, ErrorCode::Unsupported,
        fmt::format("nesting depth limit ({}) reached: not decoded further", options_.max_depth),
        offsetOf(at));
    return false;
  }

  // Adds checksum_status right after the layer's checksum field (or at the end).
  void addChecksumStatus(DissectObject& object, std::string_view status) {
    object.addText("checksum_status", std::string(status));
    auto& fields = object.fields;
    const auto checksum = std::find_if(fields.begin(), fields.end(),
                                       [](const DissectField& f) { return f.name == "checksum"; });
    if (checksum != fields.end()) {
      std::rotate(checksum + 1, fields.end() - 1, fields.end());
    }
  }

  void setChecksumStatus(std::size_t index, bool ok, std::string_view what) {
    if (!options_.verify_checksums) return;
    addChecksumStatus(layer(index), ok ? "ok" : "bad");
    if (!ok) {
      out_.warnings.push_back(
          fmt::format("{} checksum bad at offset {}", what, layer(index).offset));
      layer(index).summary += " (checksum bad)";
    }
  }

  // A layer for octets that are not interpreted further.
  void data(ByteView bytes, std::string description, std::string summary) {
    const std::size_t li = addLayer("data", bytes);
    layer(li).addNumber("length", bytes.size());
    layer(li).addText("description", std::move(description));
    layer(li).summary = std::move(summary);
  }

  // --- link layers ------------------------------------------------------------------------

  void ethernet(ByteView frame) {
    ByteReader in{frame};
    const ByteView destination = in.bytes(6);
    const ByteView source = in.bytes(6);
    std::uint16_t type = in.u16();
    if (!in.ok()) {
      failWith("ethernet", ErrorCode::Truncated,
               fmt::format("ethernet header needs {} octets", kEthernetHeaderLength), 0);
      return;
    }
    const std::size_t li = addLayer("ethernet", frame);
    layer(li).addText("destination", macText(destination));
    layer(li).addText("source", macText(source));
    std::vector<DissectObject> tags;
    while (type == kEtherTypeVlan || type == kEtherTypeQinQ || type == kEtherTypeQinQOld) {
      const std::uint16_t tci = in.u16();
      const std::uint16_t next = in.u16();
      if (!in.ok()) {
        failWith("ethernet", ErrorCode::Truncated,
                 fmt::format("vlan tag needs {} octets", kVlanTagLength), in.offset());
        return;
      }
      DissectObject tag;
      tag.addNumber("tpid", type, 4);
      tag.addNumber("id", tci & 0x0FFFu);
      tag.addNumber("priority", static_cast<unsigned>(tci >> 13));
      tags.push_back(std::move(tag));
      type = next;
    }
    layer(li).addNumber("ethertype", type, 4);
    layer(li).addText("ethertype_name", std::string(etherTypeName(type)));
    if (!tags.empty()) layer(li).addList("vlan_tags", "vlan") = std::move(tags);
    byEtherType(type, in.rest(), "ethernet");
  }

  void linuxSll(ByteView frame) {
    ByteReader in{frame};
    const std::uint16_t packet_type = in.u16();
    const std::uint16_t arphrd = in.u16();
    const std::uint16_t address_length = in.u16();
    const ByteView address = in.bytes(kLinkAddressLength);
    const std::uint16_t protocol = in.u16();
    if (!in.ok()) {
      failWith("linux-sll", ErrorCode::Truncated,
               fmt::format("linux cooked header needs {} octets", kLinuxSllHeaderLength), 0);
      return;
    }
    const std::size_t li = addLayer("linux-sll", frame);
    layer(li).addNumber("packet_type", packet_type);
    layer(li).addText("packet_type_name", std::string(linuxPacketTypeName(packet_type)));
    layer(li).addNumber("arphrd_type", arphrd);
    layer(li).addText(
        "address", macText(address.first(std::min<std::size_t>(address_length, address.size()))));
    layer(li).addNumber("protocol", protocol, 4);
    byEtherType(protocol, in.rest(), "linux-sll");
  }

  void linuxSll2(ByteView frame) {
    ByteReader in{frame};
    const std::uint16_t protocol = in.u16();
    in.skip(2);  // reserved
    const std::uint32_t interface_index = in.u32();
    const std::uint16_t arphrd = in.u16();
    const std::uint8_t packet_type = in.u8();
    const std::uint8_t address_length = in.u8();
    const ByteView address = in.bytes(kLinkAddressLength);
    if (!in.ok()) {
      failWith("linux-sll2", ErrorCode::Truncated,
               fmt::format("linux cooked v2 header needs {} octets", kLinuxSll2HeaderLength), 0);
      return;
    }
    const std::size_t li = addLayer("linux-sll2", frame);
    layer(li).addNumber("protocol", protocol, 4);
    layer(li).addNumber("interface_index", interface_index);
    layer(li).addNumber("arphrd_type", arphrd);
    layer(li).addNumber("packet_type", packet_type);
    layer(li).addText("packet_type_name", std::string(linuxPacketTypeName(packet_type)));
    layer(li).addText(
        "address", macText(address.first(std::min<std::size_t>(address_length, address.size()))));
    byEtherType(protocol, in.rest(), "linux-sll2");
  }

  void loopback(ByteView frame, bool network_order) {
    if (frame.size() < kLoopbackHeaderLength) {
      failWith("loopback", ErrorCode::Truncated,
               fmt::format("loopback header needs {} octets", kLoopbackHeaderLength), 0);
      return;
    }
    ByteReader in{frame};
    std::uint32_t family = in.u32();
    // LINKTYPE_NULL holds the family in the capturing host's byte order: a value that only
    // makes sense swapped came from a little-endian host.
    if (!network_order && (family & 0xFFFF0000u) != 0) {
      family = ((family & 0xFFu) << 24) | ((family & 0xFF00u) << 8) | ((family >> 8) & 0xFF00u) |
               (family >> 24);
    }
    const std::size_t li = addLayer("loopback", frame);
    layer(li).addNumber("family", family);
    const ByteView rest = in.rest();
    if (family == kAfInet) {
      ipv4(rest);
    } else if (std::find(kAfInet6Values.begin(), kAfInet6Values.end(), family) !=
               kAfInet6Values.end()) {
      ipv6(rest);
    } else {
      data(rest, fmt::format("address family {}, not ip", family),
           fmt::format("loopback family {} ({} octets)", family, rest.size()));
    }
  }

  void byEtherType(std::uint16_t type, ByteView payload, std::string_view link_name) {
    if (type == kEtherTypeIpv4) {
      ipv4(payload);
    } else if (type == kEtherTypeIpv6) {
      ipv6(payload);
    } else {
      data(payload, fmt::format("ethertype 0x{:04x} ({}), not ip", type, etherTypeName(type)),
           fmt::format("{} ethertype 0x{:04x} ({})", link_name, type, etherTypeName(type)));
    }
  }

  // --- network layers ---------------------------------------------------------------------

  void ipv4(ByteView data_in) {
    if (!enter("ipv4", data_in)) return;
    ByteView bytes = data_in;
    auto decoded = decodeIpv4(bytes);
    bool checksum_bad = false;
    if (!decoded && decoded.error().code == ErrorCode::BadChecksum) {
      // Decode a copy with the header checksum repaired, to show what the header says.
      const std::size_t header_length = std::size_t{bytes[0] & 0x0Fu} * 4;
      Bytes copy(bytes.begin(), bytes.end());
      copy[10] = 0;
      copy[11] = 0;
      const std::uint16_t sum = internetChecksum(ByteView(copy).first(header_length));
      copy[10] = static_cast<std::uint8_t>(sum >> 8);
      copy[11] = static_cast<std::uint8_t>(sum);
      bytes = keepCopy(std::move(copy), bytes);
      decoded = decodeIpv4(bytes);
      checksum_bad = true;
    }
    if (!decoded) {
      fail("ipv4", decoded.error(), bytes);
      return;
    }
    const Ipv4Packet& p = *decoded;
    const Ipv4Header& h = p.header;
    const std::size_t li = addLayer("ipv4", bytes);
    DissectLayer& l = layer(li);
    l.addText("source", h.source.toString());
    l.addText("destination", h.destination.toString());
    l.addNumber("header_length", p.headerLength());
    l.addNumber("tos", h.tos, 2);
    l.addNumber("dscp", h.dscp());
    l.addText("ecn", std::string(ecnName(h.ecn())));
    l.addNumber("total_length", h.total_length);
    l.addNumber("identification", h.identification, 4);
    l.addBool("dont_fragment", h.dont_fragment);
    l.addBool("more_fragments", h.more_fragments);
    l.addNumber("fragment_offset", std::size_t{h.fragment_offset} * 8);
    l.addNumber("ttl", h.ttl);
    l.addNumber("protocol", h.protocol);
    l.addText("protocol_name", std::string(ipProtocolName(h.protocol)));
    l.addNumber("checksum", readU16(data_in, 10), 4);  // as received, not as repaired
    if (!p.options.empty()) l.addNumber("options_length", p.options.size());
    l.summary = fmt::format("IPv4 {} > {}", h.source.toString(), h.destination.toString());
    if (checksum_bad) {
      // The repaired copy verifies; report the received value as bad.
      out_.warnings.push_back(fmt::format("ipv4 header checksum bad at offset {}", l.offset));
      if (options_.verify_checksums) addChecksumStatus(l, "bad");
      l.summary += " (checksum bad)";
    } else if (options_.verify_checksums) {
      addChecksumStatus(l, "ok");
    }
    std::string suffix;
    if (checksum_bad) suffix = " (ip checksum bad)";
    if (h.isFragment()) {
      l.summary += fmt::format(" fragment offset={}{}", std::size_t{h.fragment_offset} * 8,
                               h.more_fragments ? " more" : "");
      data(p.payload,
           fmt::format("ipv4 fragment of a {} datagram: not reassembled",
                       ipProtocolName(h.protocol)),
           {});
      return;
    }
    IpContext ctx;
    ctx.family = IpContext::Family::V4;
    ctx.source4 = h.source;
    ctx.destination4 = h.destination;
    ctx.summary_layer = li;
    ctx.label = "IPv4";
    ctx.source_text = h.source.toString();
    ctx.destination_text = h.destination.toString();
    ctx.suffix = suffix;
    upper(h.protocol, p.payload, ctx);
  }

  void ipv6(ByteView bytes) {
    if (!enter("ipv6", bytes)) return;
    auto decoded = decodeIpv6(bytes);
    if (!decoded) {
      fail("ipv6", decoded.error(), bytes);
      return;
    }
    const Ipv6Packet& p = *decoded;
    const Ipv6Header& h = p.header;
    const std::size_t li = addLayer("ipv6", bytes);
    {
      DissectLayer& l = layer(li);
      l.addText("source", h.source.toString());
      l.addText("destination", h.destination.toString());
      l.addNumber("traffic_class", h.traffic_class, 2);
      l.addNumber("dscp", h.dscp());
      l.addText("ecn", std::string(ecnName(h.ecn())));
      l.addNumber("flow_label", h.flow_label, 5);
      l.addNumber("payload_length", h.payload_length);
      l.addNumber("next_header", h.next_header);
      l.addText("next_header_name", std::string(ipProtocolName(h.next_header)));
      l.addNumber("hop_limit", h.hop_limit);
      l.addNumber("upper_layer_protocol", p.upper_layer_protocol);
      l.addText("upper_layer_name", std::string(ipProtocolName(p.upper_layer_protocol)));
      if (p.unknown_option_count > 0) l.addNumber("unknown_options", p.unknown_option_count);
      l.summary = fmt::format("IPv6 {} > {}", h.source.toString(), h.destination.toString());
    }
    std::string suffix;
    if (p.discard_option) {
      out_.warnings.push_back(
          fmt::format("unrecognised ipv6 option type 0x{:02x} at offset {} asks to discard the "
                      "packet",
                      p.discard_option->type, offsetOf(bytes) + p.discard_option->offset));
    }
    extensionHeaders(p, bytes, suffix);
    layer(li).summary += suffix;

    const M6tKeepaliveKind keepalive = classifyM6tKeepalive(p);
    if (keepalive != M6tKeepaliveKind::None) {
      const bool request = keepalive == M6tKeepaliveKind::Request;
      const std::size_t ki = addLayer("m6t-keepalive", p.upper_layer);
      layer(ki).addText("kind", request ? "request" : "reply");
      layer(ki).addText("mobile_node", (request ? h.source : h.destination).toString());
      layer(ki).summary = request ? "m6t keep-alive request" : "m6t keep-alive reply";
      return;
    }
    if (p.fragment) {
      data(p.upper_layer,
           fmt::format("ipv6 fragment of a {} packet: not reassembled",
                       ipProtocolName(p.fragment->next_header)),
           {});
      return;
    }
    IpContext ctx;
    ctx.family = IpContext::Family::V6;
    ctx.source6 = ipv6UpperLayerSource(p);
    ctx.destination6 = ipv6UpperLayerDestination(p);
    ctx.summary_layer = li;
    ctx.label = "IPv6";
    ctx.source_text = h.source.toString();
    ctx.destination_text = h.destination.toString();
    ctx.suffix = suffix;
    upper(p.upper_layer_protocol, p.upper_layer, ctx);
  }

  // The extension headers decodeIpv6() walked, as layers in packet order.
  void extensionHeaders(const Ipv6Packet& p, ByteView bytes, std::string& suffix) {
    enum class Kind : std::uint8_t { HomeAddress, Type2Routing, OtherRouting, Fragment, Ah };
    struct Pending {
      std::size_t offset;
      Kind kind;
    };
    // The codec gives where each piece is: the HAO's address (after its type and length), the
    // RH2's address (after 8 octets of header), the other headers' first octets.
    std::vector<Pending> found;
    if (p.home_address) found.push_back({p.home_address_offset - 2, Kind::HomeAddress});
    if (p.routing_home_address) {
      found.push_back({p.routing_home_address_offset - 8, Kind::Type2Routing});
    }
    if (p.other_routing) found.push_back({p.other_routing->header_offset, Kind::OtherRouting});
    if (p.fragment) found.push_back({p.fragment->header_offset, Kind::Fragment});
    if (p.authentication_header_offset) {
      found.push_back({*p.authentication_header_offset, Kind::Ah});
    }
    std::sort(found.begin(), found.end(),
              [](const Pending& a, const Pending& b) { return a.offset < b.offset; });
    for (const Pending& e : found) {
      const ByteView at = bytes.subspan(std::min(e.offset, bytes.size()));
      switch (e.kind) {
        case Kind::HomeAddress: {
          const std::size_t li = addLayer("home-address-option", at);
          layer(li).addText("home_address", p.home_address->toString());
          suffix += " HAO=" + p.home_address->toString();
          break;
        }
        case Kind::Type2Routing: {
          const std::size_t li = addLayer("type2-routing-header", at);
          layer(li).addText("home_address", p.routing_home_address->toString());
          layer(li).addNumber("segments_left", 1);
          suffix += " RH2=" + p.routing_home_address->toString();
          break;
        }
        case Kind::OtherRouting: {
          const std::size_t li = addLayer("routing-header", at);
          layer(li).addNumber("routing_type", p.other_routing->routing_type);
          layer(li).addNumber("segments_left", p.other_routing->segments_left);
          suffix += fmt::format(" RH{}", p.other_routing->routing_type);
          break;
        }
        case Kind::Fragment: {
          const Ipv6FragmentInfo& f = *p.fragment;
          const std::size_t li = addLayer("fragment-header", at);
          layer(li).addNumber("next_header", f.next_header);
          layer(li).addNumber("fragment_offset", std::size_t{f.offset} * 8);
          layer(li).addBool("more_fragments", f.more_fragments);
          layer(li).addNumber("identification", f.identification, 8);
          suffix += fmt::format(" fragment offset={}{} id={}", std::size_t{f.offset} * 8,
                                f.more_fragments ? " more" : "", hexNumber(f.identification, 8));
          break;
        }
        case Kind::Ah: {
          // AH (RFC 4302 §2): Next Header, Payload Len, Reserved, SPI, Sequence Number.
          ByteReader in{at};
          const std::uint8_t next_header = in.u8();
          const std::uint8_t length = in.u8();
          in.skip(2);
          const std::uint32_t spi = in.u32();
          const std::uint32_t sequence = in.u32();
          const std::size_t li = addLayer("ah", at);
          layer(li).addNumber("next_header", next_header);
          layer(li).addNumber("length", (std::size_t{length} + 2) * 4);
          layer(li).addNumber("spi", spi, 8);
          layer(li).addNumber("sequence", sequence);
          suffix += fmt::format(" AH spi={}", hexNumber(spi, 8));
          break;
        }
      }
    }
  }

  // Dispatch on an IP protocol number (IPv4 Protocol, IPv6 Next Header, TLV / Tunnel Data /
  // minimal encapsulation / AH next header).
  void upper(std::uint8_t protocol, ByteView payload, const IpContext& ctx) {
    switch (protocol) {
      case ip_protocol::kIpv4:
        ipv4(payload);
        return;
      case ip_protocol::kIpv6:
        ipv6(payload);
        return;
      case ip_protocol::kUdp:
        udp(payload, ctx);
        return;
      case ip_protocol::kTcp:
        tcp(payload, ctx);
        return;
      case ip_protocol::kIcmp:
        icmpv4(payload);
        return;
      case ip_protocol::kIcmpv6:
        if (ctx.family == IpContext::Family::V6) {
          icmpv6(payload, ctx);
          return;
        }
        break;
      case ip_protocol::kMobility:
        if (ctx.family == IpContext::Family::V6) {
          mobility(payload, ctx);
          return;
        }
        break;
      case ip_protocol::kEsp:
        esp(payload);
        return;
      case ip_protocol::kAh:
        ah(payload, ctx);
        return;
      case ip_protocol::kGre:
        gre(payload);
        return;
      case ip_protocol::kMinimalEncapsulation:
        if (ctx.family == IpContext::Family::V4) {
          minimalEncapsulation(payload, ctx);
          return;
        }
        break;
      case ip_protocol::kNoNextHeader:
        if (!payload.empty()) {
          data(payload, "octets after no-next-header (ignored)", {});
        }
        return;
      default:
        break;
    }
    data(payload, fmt::format("protocol {} ({}), not decoded", protocol, ipProtocolName(protocol)),
         fmt::format("proto {} ({}) len={}", protocol, ipProtocolName(protocol), payload.size()));
  }

  void setTransportSummary(const IpContext& ctx, std::uint16_t source_port,
                           std::uint16_t destination_port, const std::string& rest,
                           std::size_t own_layer) {
    auto endpoint = [&ctx](const std::string& address, std::uint16_t port) {
      return ctx.family == IpContext::Family::V6 ? fmt::format("[{}]:{}", address, port)
                                                 : fmt::format("{}:{}", address, port);
    };
    const std::string text =
        fmt::format("{} {} > {}{} {}", ctx.label, endpoint(ctx.source_text, source_port),
                    endpoint(ctx.destination_text, destination_port), ctx.suffix, rest);
    if (ctx.summary_layer != kNoLayer) {
      layer(ctx.summary_layer).summary = text;
    } else {
      layer(own_layer).summary = text;
    }
  }

  // --- transport and encapsulations -----------------------------------------------------

  void udp(ByteView bytes, const IpContext& ctx) {
    auto decoded = decodeUdp(bytes);
    if (!decoded) {
      fail("udp", decoded.error(), bytes);
      return;
    }
    const UdpDatagram& d = *decoded;
    const std::size_t li = addLayer("udp", bytes);
    layer(li).addNumber("source_port", d.header.source_port);
    layer(li).addNumber("destination_port", d.header.destination_port);
    layer(li).addNumber("length", d.header.length);
    layer(li).addNumber("checksum", d.header.checksum, 4);

    // Which protocol the ports say follows: the destination port first, then the source port.
    enum class Service : std::uint8_t { None, Dsmip6, Mip4, M6t, NatT, Ike };
    auto serviceOf = [this](std::uint16_t port) {
      if (port == options_.dsmip6_port) return Service::Dsmip6;
      if (port == options_.mip4_port) return Service::Mip4;
      if (std::find(options_.m6t_ports.begin(), options_.m6t_ports.end(), port) !=
          options_.m6t_ports.end()) {
        return Service::M6t;
      }
      if (port == udp_port::kIkeNatTraversal) return Service::NatT;
      if (port == udp_port::kIke) return Service::Ike;
      return Service::None;
    };
    Service service = serviceOf(d.header.destination_port);
    if (service == Service::None) service = serviceOf(d.header.source_port);
    static constexpr std::array<std::string_view, 6> kServiceNames = {
        "", "dsmipv6", "mobile-ipv4", "m6t", "ike-nat-t", "ike"};
    const std::string_view service_name = kServiceNames[static_cast<std::size_t>(service)];
    if (!service_name.empty()) layer(li).addText("service", std::string(service_name));

    std::string rest =
        service == Service::None ? fmt::format("UDP len={}", d.payload.size()) : std::string("UDP");
    bool checksum_ok = true;
    bool checksum_checked = false;
    if (options_.verify_checksums) {
      if (ctx.family == IpContext::Family::V4) {
        if (d.header.checksum == 0) {
          addChecksumStatus(layer(li), "none");
        } else {
          checksum_checked = true;
          checksum_ok = verifyUdpChecksum(d, ctx.source4, ctx.destination4).has_value();
        }
      } else if (ctx.family == IpContext::Family::V6) {
        checksum_checked = true;
        checksum_ok = verifyUdpChecksum(d, ctx.source6, ctx.destination6).has_value();
      }
    }
    if (checksum_checked) {
      addChecksumStatus(layer(li), checksum_ok ? "ok" : "bad");
      if (!checksum_ok) {
        out_.warnings.push_back(fmt::format("udp checksum bad at offset {}", layer(li).offset));
        rest += " (udp checksum bad)";
      }
    }
    setTransportSummary(ctx, d.header.source_port, d.header.destination_port, rest, li);

    switch (service) {
      case Service::Dsmip6:
        dsmip6Payload(d.payload);
        return;
      case Service::Mip4:
        mobileIpv4(d.payload, ctx);
        return;
      case Service::M6t:
        m6tPayload(d.payload);
        return;
      case Service::NatT:
        natTraversal(d.payload);
        return;
      case Service::Ike:
        ike(d.payload, false);
        return;
      case Service::None:
        return;
    }
  }

  void tcp(ByteView bytes, const IpContext& ctx) {
    ByteReader in{bytes};
    const std::uint16_t source_port = in.u16();
    const std::uint16_t destination_port = in.u16();
    in.skip(8);  // sequence and acknowledgement numbers
    const std::uint8_t data_offset = in.u8();
    const std::uint8_t flags = in.u8();
    if (!in.ok()) {
      failWith("tcp", ErrorCode::Truncated,
               fmt::format("tcp header needs {} octets", kTcpMinHeaderLength), offsetOf(bytes));
      return;
    }
    const std::size_t header_length = std::size_t{static_cast<std::uint8_t>(data_offset >> 4)} * 4;
    if (header_length < kTcpMinHeaderLength || header_length > bytes.size()) {
      failWith("tcp",
               header_length < kTcpMinHeaderLength ? ErrorCode::BadLength : ErrorCode::Truncated,
               fmt::format("tcp data offset {} octets is invalid for {} octets", header_length,
                           bytes.size()),
               offsetOf(bytes) + 12);
      return;
    }
    const std::size_t li = addLayer("tcp", bytes);
    layer(li).addNumber("source_port", source_port);
    layer(li).addNumber("destination_port", destination_port);
    layer(li).addText("flags", tcpFlagsText(flags));
    layer(li).addNumber("header_length", header_length);
    layer(li).addNumber("payload_length", bytes.size() - header_length);
    setTransportSummary(
        ctx, source_port, destination_port,
        fmt::format("TCP [{}] len={}", tcpFlagsText(flags), bytes.size() - header_length), li);
  }

  void dsmip6Payload(ByteView payload) {
    if (payload.empty()) return;
    if (isTlvHeader(payload)) {
      auto decoded = decodeTlv(payload);
      if (!decoded) {
        fail("tlv", decoded.error(), payload);
        return;
      }
      const std::size_t li = addLayer("tlv", payload);
      layer(li).addNumber("next_header", decoded->header.next_header);
      layer(li).addText("next_header_name",
                        std::string(ipProtocolName(decoded->header.next_header)));
      layer(li).addNumber("length", decoded->header.length);
      layer(li).summary = fmt::format("TLV nh={} ({})", decoded->header.next_header,
                                      ipProtocolName(decoded->header.next_header));
      const IpContext inner;  // what follows is a new packet: no pseudo-header context
      upper(decoded->header.next_header, decoded->payload, inner);
      return;
    }
    const int version = payload[0] >> 4;
    if (version != 4 && version != 6) {
      failWith("dsmipv6", ErrorCode::BadVersion,
               fmt::format("udp payload starts with version {}: neither an ip packet nor a tlv "
                           "header",
                           version),
               offsetOf(payload));
      return;
    }
    ipByVersion(payload);
  }

  void m6tPayload(ByteView payload) {
    if (payload.empty()) {
      data(payload, "empty m6t datagram", "m6t empty");
      return;
    }
    if ((payload[0] >> 4) != 6) {
      failWith(
          "m6t", ErrorCode::BadVersion,
          fmt::format("m6t payload starts with version {}, not an ipv6 packet", payload[0] >> 4),
          offsetOf(payload));
      return;
    }
    ipv6(payload);
  }

  void natTraversal(ByteView payload) {
    if (payload.size() == 1 && payload[0] == kNatKeepaliveOctet) {
      const std::size_t li = addLayer("nat-keepalive", payload);
      layer(li).addNumber("length", 1);
      layer(li).summary = "NAT-T keep-alive";
      return;
    }
    if (payload.size() >= kNonEspMarkerLength && payload[0] == 0 && payload[1] == 0 &&
        payload[2] == 0 && payload[3] == 0) {
      ike(payload.subspan(kNonEspMarkerLength), true);
      return;
    }
    esp(payload);
  }

  void ike(ByteView payload, bool after_marker) {
    const std::size_t li = addLayer("ike", payload);
    layer(li).addBool("non_esp_marker", after_marker);
    layer(li).addNumber("length", payload.size());
    layer(li).summary = "IKE";
  }

  void esp(ByteView bytes) {
    ByteReader in{bytes};
    const std::uint32_t spi = in.u32();
    const std::uint32_t sequence = in.u32();
    if (!in.ok()) {
      failWith("esp", ErrorCode::Truncated,
               fmt::format("esp header needs {} octets", kEspHeaderLength), offsetOf(bytes));
      return;
    }
    const std::size_t li = addLayer("esp", bytes);
    layer(li).addNumber("spi", spi, 8);
    layer(li).addNumber("sequence", sequence);
    layer(li).addNumber("encrypted_length", in.remaining());
    layer(li).summary = fmt::format("ESP spi={} seq={}", hexNumber(spi, 8), sequence);
  }

  // AH outside an IPv6 extension chain (IPv4, RFC 4302 §2): shown, then what it protects.
  void ah(ByteView bytes, const IpContext& ctx) {
    if (!enter("ah", bytes)) return;
    ByteReader in{bytes};
    const std::uint8_t next_header = in.u8();
    const std::uint8_t payload_length = in.u8();
    in.skip(2);
    const std::uint32_t spi = in.u32();
    const std::uint32_t sequence = in.u32();
    if (!in.ok()) {
      failWith("ah", ErrorCode::Truncated, fmt::format("ah needs {} octets", kAhMinLength),
               offsetOf(bytes));
      return;
    }
    const std::size_t length = (std::size_t{payload_length} + 2) * 4;
    if (length < kAhMinLength || length > bytes.size()) {
      failWith("ah", length < kAhMinLength ? ErrorCode::BadLength : ErrorCode::Truncated,
               fmt::format("ah length {} octets is invalid for {} octets", length, bytes.size()),
               offsetOf(bytes) + 1);
      return;
    }
    const std::size_t li = addLayer("ah", bytes);
    layer(li).addNumber("next_header", next_header);
    layer(li).addNumber("length", length);
    layer(li).addNumber("spi", spi, 8);
    layer(li).addNumber("sequence", sequence);
    layer(li).summary = fmt::format("AH spi={} seq={}", hexNumber(spi, 8), sequence);
    upper(next_header, bytes.subspan(length), ctx);
  }

  // GRE (RFC 2784 with the key and sequence number of RFC 2890).
  void gre(ByteView bytes) {
    if (!enter("gre", bytes)) return;
    ByteReader in{bytes};
    const std::uint16_t flags = in.u16();
    const std::uint16_t protocol_type = in.u16();
    if (!in.ok()) {
      failWith("gre", ErrorCode::Truncated,
               fmt::format("gre header needs {} octets", kGreBaseHeaderLength), offsetOf(bytes));
      return;
    }
    const std::size_t li = addLayer("gre", bytes);
    const unsigned version = flags & kGreVersionMask;
    layer(li).addNumber("version", version);
    layer(li).addNumber("protocol_type", protocol_type, 4);
    layer(li).addText("protocol_name", std::string(etherTypeName(protocol_type)));
    layer(li).summary = fmt::format("GRE proto=0x{:04x}", protocol_type);
    if (version != 0 || (flags & kGreRoutingPresent) != 0) {
      data(in.rest(), "gre version 1 or with source routing (RFC 1701), not decoded", {});
      return;
    }
    if ((flags & kGreChecksumPresent) != 0) {
      const std::uint16_t checksum = in.u16();
      in.skip(2);  // reserved1
      if (in.ok()) {
        layer(li).addNumber("checksum", checksum, 4);
        setChecksumStatus(li, internetChecksum(bytes) == 0, "gre");
      }
    }
    if ((flags & kGreKeyPresent) != 0) {
      const std::uint32_t key = in.u32();
      if (in.ok()) layer(li).addNumber("key", key, 8);
    }
    if ((flags & kGreSequencePresent) != 0) {
      const std::uint32_t sequence = in.u32();
      if (in.ok()) layer(li).addNumber("sequence", sequence);
    }
    if (!in.ok()) {
      failWith("gre", ErrorCode::Truncated, "gre optional fields run past the packet",
               offsetOf(bytes) + kGreBaseHeaderLength);
      return;
    }
    const ByteView payload = in.rest();
    if (protocol_type == kEtherTypeIpv4) {
      ipv4(payload);
    } else if (protocol_type == kEtherTypeIpv6) {
      ipv6(payload);
    } else {
      data(payload, fmt::format("gre protocol 0x{:04x}, not decoded", protocol_type), {});
    }
  }

  // Minimal encapsulation (RFC 2004 §3.1): the forwarding header replaces the inner IPv4
  // header; the original source is the outer source unless S is set.
  void minimalEncapsulation(ByteView bytes, const IpContext& outer) {
    if (!enter("minimal-encapsulation", bytes)) return;
    ByteReader in{bytes};
    const std::uint8_t protocol = in.u8();
    const std::uint8_t s_octet = in.u8();
    const std::uint16_t checksum = in.u16();
    Ipv4Address original_destination;
    original_destination.bytes = in.array<4>();
    const bool source_present = (s_octet & 0x80) != 0;
    Ipv4Address original_source = outer.source4;
    if (source_present) original_source.bytes = in.array<4>();
    if (!in.ok()) {
      failWith("minimal-encapsulation", ErrorCode::Truncated,
               fmt::format("minimal forwarding header needs {} octets",
                           kMinimalHeaderLength + (source_present ? 4 : 0)),
               offsetOf(bytes));
      return;
    }
    const std::size_t header_length = in.position();
    const std::size_t li = addLayer("minimal-encapsulation", bytes);
    layer(li).addNumber("protocol", protocol);
    layer(li).addText("protocol_name", std::string(ipProtocolName(protocol)));
    layer(li).addBool("s_flag", source_present);
    layer(li).addNumber("checksum", checksum, 4);
    layer(li).addText("original_destination", original_destination.toString());
    if (source_present) layer(li).addText("original_source", original_source.toString());
    layer(li).summary =
        fmt::format("MinEnc {} > {}", original_source.toString(), original_destination.toString());
    setChecksumStatus(li, internetChecksum(bytes.first(header_length)) == 0,
                      "minimal forwarding header");
    IpContext inner;
    inner.family = IpContext::Family::V4;
    inner.source4 = original_source;
    inner.destination4 = original_destination;
    inner.summary_layer = li;
    inner.label = "MinEnc";
    inner.source_text = original_source.toString();
    inner.destination_text = original_destination.toString();
    upper(protocol, in.rest(), inner);
  }

  // --- ICMP -------------------------------------------------------------------------------

  // What an ICMP error quotes of the packet that caused it: addresses, protocol and, when
  // quoted, the ports (the quote is usually cut short, so this reads leniently).
  // Adds the invoking_* fields; returns what the summary should say about the quoted packet.
  std::string describeInvoking(std::size_t li, ByteView quote) {
    describeInvokingFields(li, quote);
    const DissectLayer& l = layer(li);
    const DissectField* protocol_field = l.find("invoking_protocol");
    if (protocol_field == nullptr) return {};
    const std::string_view protocol =
        ipProtocolName(static_cast<std::uint8_t>(protocol_field->number));
    if (l.find("invoking_source_port") != nullptr) {
      return fmt::format(" for {} {}:{} > {}:{}", protocol, l.value("invoking_source"),
                         l.value("invoking_source_port"), l.value("invoking_destination"),
                         l.value("invoking_destination_port"));
    }
    return fmt::format(" for {} {} > {}", protocol, l.value("invoking_source"),
                       l.value("invoking_destination"));
  }

  void describeInvokingFields(std::size_t li, ByteView quote) {
    if (quote.empty()) return;
    DissectLayer& l = layer(li);
    l.addNumber("invoking_length", quote.size());
    const int version = quote[0] >> 4;
    std::size_t transport = 0;
    std::uint8_t protocol = 0;
    if (version == 4 && quote.size() >= kIpv4MinHeaderLength) {
      ByteReader in{quote};
      in.skip(9);
      protocol = in.u8();
      in.skip(2);
      Ipv4Address source;
      Ipv4Address destination;
      source.bytes = in.array<4>();
      destination.bytes = in.array<4>();
      l.addText("invoking_source", source.toString());
      l.addText("invoking_destination", destination.toString());
      transport = std::size_t{quote[0] & 0x0Fu} * 4;
    } else if (version == 6 && quote.size() >= kIpv6HeaderLength) {
      ByteReader in{quote};
      in.skip(6);
      protocol = in.u8();
      in.skip(1);
      l.addText("invoking_source", Ipv6Address::fromBytes(in.bytes(16)).toString());
      l.addText("invoking_destination", Ipv6Address::fromBytes(in.bytes(16)).toString());
      transport = kIpv6HeaderLength;
    } else {
      return;
    }
    l.addNumber("invoking_protocol", protocol);
    if ((protocol == ip_protocol::kUdp || protocol == ip_protocol::kTcp) && transport >= 20 &&
        quote.size() >= transport + 4) {
      ByteReader in{quote.subspan(transport)};
      l.addNumber("invoking_source_port", in.u16());
      l.addNumber("invoking_destination_port", in.u16());
    }
  }

  void icmpv4(ByteView bytes_in) {
    ByteView bytes = bytes_in;
    auto decoded = decodeIcmpv4(bytes);
    bool checksum_bad = false;
    if (!decoded && decoded.error().code == ErrorCode::BadChecksum) {
      Bytes copy(bytes.begin(), bytes.end());
      copy[2] = 0;
      copy[3] = 0;
      const std::uint16_t sum = internetChecksum(copy);
      copy[2] = static_cast<std::uint8_t>(sum >> 8);
      copy[3] = static_cast<std::uint8_t>(sum);
      bytes = keepCopy(std::move(copy), bytes);
      decoded = decodeIcmpv4(bytes);
      checksum_bad = true;
    }
    if (!decoded) {
      fail("icmpv4", decoded.error(), bytes);
      return;
    }
    const Icmpv4Message& m = *decoded;
    const std::size_t li = addLayer("icmpv4", bytes);
    layer(li).addNumber("type", m.type);
    layer(li).addText("type_name", std::string(icmpv4TypeName(m.type)));
    layer(li).addNumber("code", m.code);
    const std::string_view code_name = icmpv4CodeName(m.type, m.code);
    if (!code_name.empty()) layer(li).addText("code_name", std::string(code_name));
    layer(li).addNumber("checksum", readU16(bytes_in, 2), 4);
    std::string summary = fmt::format("ICMP {}", icmpv4TypeName(m.type));
    if (!code_name.empty()) {
      summary += fmt::format(" {}", code_name);
    } else if (m.code != 0) {
      summary += fmt::format(" code={}", m.code);
    }
    if (const auto* echo = std::get_if<Icmpv4Echo>(&m.body)) {
      layer(li).addNumber("identifier", echo->identifier);
      layer(li).addNumber("sequence", echo->sequence);
      layer(li).addNumber("data_length", echo->data.size());
      summary += fmt::format(" id={} seq={}", echo->identifier, echo->sequence);
    } else if (const auto* unreachable = std::get_if<Icmpv4DestinationUnreachable>(&m.body)) {
      if (m.code == icmpv4_unreachable::kFragmentationNeeded) {
        layer(li).addNumber("next_hop_mtu", unreachable->next_hop_mtu);
        summary += fmt::format(" mtu={}", unreachable->next_hop_mtu);
      }
      summary += describeInvoking(li, unreachable->invoking_packet);
    } else if (const auto* exceeded = std::get_if<Icmpv4TimeExceeded>(&m.body)) {
      summary += describeInvoking(li, exceeded->invoking_packet);
    } else if (const auto* other = std::get_if<Icmpv4Other>(&m.body)) {
      layer(li).addNumber("body_length", other->body.size());
    }
    layer(li).summary = summary;
    setChecksumStatus(li, !checksum_bad, "icmpv4");
  }

  void icmpv6(ByteView bytes_in, const IpContext& ctx) {
    ByteView bytes = bytes_in;
    auto decoded = decodeIcmpv6(bytes, ctx.source6, ctx.destination6);
    bool checksum_bad = false;
    if (!decoded && decoded.error().code == ErrorCode::BadChecksum) {
      Bytes copy(bytes.begin(), bytes.end());
      copy[2] = 0;
      copy[3] = 0;
      const std::uint16_t sum =
          ipv6PseudoChecksum(ctx.source6, ctx.destination6, ip_protocol::kIcmpv6, copy);
      copy[2] = static_cast<std::uint8_t>(sum >> 8);
      copy[3] = static_cast<std::uint8_t>(sum);
      bytes = keepCopy(std::move(copy), bytes);
      decoded = decodeIcmpv6(bytes, ctx.source6, ctx.destination6);
      checksum_bad = true;
    }
    if (!decoded) {
      fail("icmpv6", decoded.error(), bytes);
      return;
    }
    const Icmpv6Message& m = *decoded;
    const std::size_t li = addLayer("icmpv6", bytes);
    layer(li).addNumber("type", m.type);
    layer(li).addText("type_name", std::string(icmpv6TypeName(m.type)));
    layer(li).addNumber("code", m.code);
    const std::string_view code_name = icmpv6CodeName(m.type, m.code);
    if (!code_name.empty()) layer(li).addText("code_name", std::string(code_name));
    layer(li).addNumber("checksum", readU16(bytes_in, 2), 4);
    std::string summary = fmt::format("ICMPv6 {}", icmpv6TypeName(m.type));
    if (!code_name.empty()) {
      summary += fmt::format(" {}", code_name);
    } else if (m.code != 0) {
      summary += fmt::format(" code={}", m.code);
    }
    if (const auto* ptb = std::get_if<Icmpv6PacketTooBig>(&m.body)) {
      layer(li).addNumber("mtu", ptb->mtu);
      summary += fmt::format(" mtu={}", ptb->mtu);
      summary += describeInvoking(li, ptb->invoking_packet);
    } else if (const auto* unreachable = std::get_if<Icmpv6DestinationUnreachable>(&m.body)) {
      summary += describeInvoking(li, unreachable->invoking_packet);
    } else if (const auto* exceeded = std::get_if<Icmpv6TimeExceeded>(&m.body)) {
      summary += describeInvoking(li, exceeded->invoking_packet);
    } else if (const auto* problem = std::get_if<Icmpv6ParameterProblem>(&m.body)) {
      layer(li).addNumber("pointer", problem->pointer);
      summary += fmt::format(" pointer={}", problem->pointer);
      summary += describeInvoking(li, problem->invoking_packet);
    } else if (const auto* echo = std::get_if<Icmpv6Echo>(&m.body)) {
      layer(li).addNumber("identifier", echo->identifier);
      layer(li).addNumber("sequence", echo->sequence);
      layer(li).addNumber("data_length", echo->data.size());
      summary += fmt::format(" id={} seq={}", echo->identifier, echo->sequence);
    } else if (const auto* haad_request = std::get_if<HomeAgentAddressDiscoveryRequest>(&m.body)) {
      layer(li).addNumber("identifier", haad_request->identifier);
      layer(li).addBool("r_flag", haad_request->mobile_router);
      summary += fmt::format(" id={}", haad_request->identifier);
    } else if (const auto* haad_reply = std::get_if<HomeAgentAddressDiscoveryReply>(&m.body)) {
      layer(li).addNumber("identifier", haad_reply->identifier);
      layer(li).addBool("r_flag", haad_reply->mobile_router);
      auto& agents = layer(li).addList("home_agents", "home-agent");
      for (const Ipv6Address& agent : haad_reply->home_agents) {
        DissectObject o;
        o.addText("address", agent.toString());
        agents.push_back(std::move(o));
      }
      summary += fmt::format(" id={} home-agents={}", haad_reply->identifier,
                             haad_reply->home_agents.size());
    } else if (const auto* mps = std::get_if<MobilePrefixSolicitation>(&m.body)) {
      layer(li).addNumber("identifier", mps->identifier);
      summary += fmt::format(" id={}", mps->identifier);
    } else if (const auto* mpa = std::get_if<MobilePrefixAdvertisement>(&m.body)) {
      layer(li).addNumber("identifier", mpa->identifier);
      layer(li).addBool("m_flag", mpa->managed);
      layer(li).addBool("o_flag", mpa->other);
      auto& prefixes = layer(li).addList("prefixes", "prefix");
      std::size_t count = 0;
      for (const PrefixInformation& pi : mpa->prefixes) {
        DissectObject o;
        o.addText("prefix", pi.prefix.toString());
        o.addNumber("prefix_length", pi.prefix_length);
        o.addBool("l_flag", pi.on_link);
        o.addBool("a_flag", pi.autonomous);
        o.addBool("r_flag", pi.router_address);
        o.addNumber("valid_lifetime", pi.valid_lifetime);
        o.addNumber("preferred_lifetime", pi.preferred_lifetime);
        prefixes.push_back(std::move(o));
        ++count;
      }
      summary += fmt::format(" id={} prefixes={}", mpa->identifier, count);
    } else if (const auto* other = std::get_if<Icmpv6Other>(&m.body)) {
      layer(li).addNumber("body_length", other->body.size());
    }
    layer(li).summary = summary;
    setChecksumStatus(li, !checksum_bad, "icmpv6");
  }

  // --- Mobility Header --------------------------------------------------------------------

  void mobility(ByteView bytes, const IpContext& ctx) {
    auto decoded = decodeMobilityHeader(bytes);
    if (!decoded) {
      fail("mh", decoded.error(), bytes);
      return;
    }
    const MobilityMessage& message = *decoded;
    const std::uint8_t type = mhTypeOf(message);
    const std::size_t li = addLayer("mh", bytes);
    DissectLayer& l = layer(li);
    l.addNumber("payload_proto", bytes[kMhPayloadProtoOffset]);
    l.addNumber("header_length", (std::size_t{bytes[kMhHeaderLenOffset]} + 1) * 8);
    l.addNumber("mh_type", type);
    l.addText("mh_type_name", std::string(mhTypeName(type)));
    l.addNumber("checksum", readU16(bytes, kMhChecksumOffset), 4);
    std::string summary = "MH " + mhShortName(type);

    if (const auto* bu = std::get_if<BindingUpdate>(&message)) {
      l.addNumber("sequence", bu->sequence);
      l.addText("flags", buFlagsText(bu->flags));
      l.addNumber("lifetime", mhLifetimeSeconds(bu->lifetime_units));
      l.addNumber("lifetime_units", bu->lifetime_units);
      summary += fmt::format(" seq={} flags={} lifetime={}", bu->sequence,
                             buFlagsText(bu->flags).empty() ? "-" : buFlagsText(bu->flags),
                             lifetimeText(mhLifetimeSeconds(bu->lifetime_units)));
    } else if (const auto* ba = std::get_if<BindingAck>(&message)) {
      l.addNumber("status", static_cast<std::uint8_t>(ba->status));
      l.addText("status_name", std::string(baStatusName(ba->status)));
      l.addText("flags", baFlagsText(ba->flags));
      l.addNumber("sequence", ba->sequence);
      l.addNumber("lifetime", mhLifetimeSeconds(ba->lifetime_units));
      l.addNumber("lifetime_units", ba->lifetime_units);
      summary += fmt::format(" status={} ({}) seq={}", static_cast<int>(ba->status),
                             baStatusName(ba->status), ba->sequence);
      if (!baFlagsText(ba->flags).empty()) summary += " flags=" + baFlagsText(ba->flags);
      summary += " lifetime=" + lifetimeText(mhLifetimeSeconds(ba->lifetime_units));
    } else if (const auto* be = std::get_if<BindingError>(&message)) {
      l.addNumber("status", static_cast<std::uint8_t>(be->status));
      l.addText("status_name", std::string(bindingErrorStatusName(be->status)));
      l.addText("home_address", be->home_address.toString());
      summary += fmt::format(" status={} ({}) hoa={}", static_cast<int>(be->status),
                             bindingErrorStatusName(be->status), be->home_address.toString());
    } else if (const auto* hoti = std::get_if<HomeTestInit>(&message)) {
      l.addText("home_init_cookie", toHex(hoti->home_init_cookie));
    } else if (const auto* coti = std::get_if<CareOfTestInit>(&message)) {
      l.addText("care_of_init_cookie", toHex(coti->care_of_init_cookie));
    } else if (const auto* hot = std::get_if<HomeTest>(&message)) {
      l.addNumber("home_nonce_index", hot->home_nonce_index);
      l.addText("home_init_cookie", toHex(hot->home_init_cookie));
      l.addText("home_keygen_token", toHex(hot->home_keygen_token));
      summary += fmt::format(" nonce-index={}", hot->home_nonce_index);
    } else if (const auto* cot = std::get_if<CareOfTest>(&message)) {
      l.addNumber("care_of_nonce_index", cot->care_of_nonce_index);
      l.addText("care_of_init_cookie", toHex(cot->care_of_init_cookie));
      l.addText("care_of_keygen_token", toHex(cot->care_of_keygen_token));
      summary += fmt::format(" nonce-index={}", cot->care_of_nonce_index);
    } else if (const auto* unknown = std::get_if<UnknownMobilityMessage>(&message)) {
      l.addNumber("data_length", unknown->data.size());
      l.addText("data", toHex(unknown->data));
    }
    if (const MobilityOptions* options = optionsOf(message)) {
      auto& items = l.addList("options", "option");
      for (const MobilityOption& option : *options) {
        DissectObject o;
        describeMobilityOption(option, o);
        items.push_back(std::move(o));
      }
      if (!options->empty()) {
        std::string names;
        for (const MobilityOption& option : *options) {
          names += names.empty() ? "" : ",";
          names += optionTypeName(optionTypeOf(option));
        }
        summary += " [" + names + "]";
      }
    }
    l.summary = summary;
    setChecksumStatus(li, verifyMobilityChecksum(ctx.source6, ctx.destination6, bytes),
                      "mobility header");
  }

  // --- Mobile IPv4 ------------------------------------------------------------------------

  void mobileIpv4(ByteView payload, const IpContext& ctx) {
    Mipv4AuthLocation auth;
    auto decoded = decodeMipv4Message(payload, &auth);
    if (!decoded) {
      fail("mipv4", decoded.error(), payload);
      return;
    }
    const std::size_t li = addLayer("mipv4", payload);
    const std::uint8_t type = payload[0];
    layer(li).addNumber("type", type);
    layer(li).addText("type_name", std::string(mipv4MessageTypeName(type)));
    auto extensions = [this, li](const std::vector<Mipv4Extension>& list) {
      auto& items = layer(li).addList("extensions", "extension");
      std::string names;
      for (const Mipv4Extension& extension : list) {
        DissectObject o;
        describeMipv4Extension(extension, o);
        const std::string sub_type_name = o.value("sub_type_name");
        names += names.empty() ? "" : ",";
        names += sub_type_name.empty() ? o.value("name") : sub_type_name;
        items.push_back(std::move(o));
      }
      if (!names.empty()) layer(li).summary += " [" + names + "]";
    };
    if (const auto* request = std::get_if<RegistrationRequest>(&*decoded)) {
      DissectLayer& l = layer(li);
      l.addText("flags", registrationFlagsText(request->flags));
      l.addNumber("lifetime", request->lifetime);
      l.addText("home_address", request->home_address.toString());
      l.addText("home_agent", request->home_agent.toString());
      l.addText("care_of_address", request->care_of_address.toString());
      l.addText("identification", hexNumber(request->identification, 16));
      l.summary = fmt::format("MIPv4 registration-request hoa={} ha={} coa={} lifetime={}",
                              request->home_address.toString(), request->home_agent.toString(),
                              request->care_of_address.toString(), lifetimeText(request->lifetime));
      extensions(request->extensions);
    } else if (const auto* reply = std::get_if<RegistrationReply>(&*decoded)) {
      DissectLayer& l = layer(li);
      l.addNumber("code", static_cast<std::uint8_t>(reply->code));
      l.addText("code_name", std::string(registrationReplyCodeName(reply->code)));
      l.addNumber("lifetime", reply->lifetime);
      l.addText("home_address", reply->home_address.toString());
      l.addText("home_agent", reply->home_agent.toString());
      l.addText("identification", hexNumber(reply->identification, 16));
      l.summary = fmt::format("MIPv4 registration-reply code={} ({}) hoa={} lifetime={}",
                              static_cast<int>(reply->code), registrationReplyCodeName(reply->code),
                              reply->home_address.toString(), lifetimeText(reply->lifetime));
      extensions(reply->extensions);
    } else if (const auto* tunnel = std::get_if<TunnelData>(&*decoded)) {
      layer(li).addNumber("next_header", tunnel->next_header);
      layer(li).addText("next_header_name", std::string(ipProtocolName(tunnel->next_header)));
      layer(li).summary = fmt::format("MIPv4 tunnel-data nh={} ({})", tunnel->next_header,
                                      ipProtocolName(tunnel->next_header));
      // Minimal encapsulation in Tunnel Data takes its original source from the outer header.
      IpContext inner;
      inner.family = ctx.family;
      inner.source4 = ctx.source4;
      inner.destination4 = ctx.destination4;
      upper(tunnel->next_header, tunnel->packet, inner);
    }
  }

  struct Copy {
    Bytes bytes;
    std::size_t origin = 0;
  };

  ByteView frame_;
  const DissectOptions& options_;
  Dissection& out_;
  std::vector<std::unique_ptr<Copy>> copies_;
  std::size_t depth_ = 0;
};

}  // namespace

Dissection dissectFrame(std::uint32_t link_type, ByteView frame, const DissectOptions& options) {
  Dissection out;
  out.link_type = link_type;
  out.length = frame.size();
  Dissector dissector(frame, options, out);
  dissector.linkLayer(link_type);
  return out;
}

Dissection dissectIpPacket(ByteView packet, const DissectOptions& options) {
  Dissection out;
  out.link_type = link_type::kRaw;
  out.length = packet.size();
  Dissector dissector(packet, options, out);
  dissector.ipByVersion(packet);
  return out;
}

}  // namespace dsmip::wire
