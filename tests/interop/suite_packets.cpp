#include "suite_packets.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <span>
#include <string_view>
#include <utility>

#include "common/assert.hpp"
#include "common/ip_address.hpp"
#include "wire/icmpv4.hpp"
#include "wire/icmpv6.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"
#include "wire/m6t_keepalive.hpp"
#include "wire/mh.hpp"
#include "wire/mipv4.hpp"
#include "wire/mipv4_auth.hpp"
#include "wire/tlv.hpp"
#include "wire/udp.hpp"

namespace dsmip::interop {
namespace {

using namespace dsmip::wire;

Ipv6Address v6(std::string_view text) { return Ipv6Address::parse(text).value(); }
Ipv4Address v4(std::string_view text) { return Ipv4Address::parse(text).value(); }

const Ipv6Address kHoa = v6("2001:db8:1::100");
const Ipv6Address kHa6 = v6("2001:db8:1::1");
const Ipv6Address kHa6Second = v6("2001:db8:1::2");
const Ipv6Address kHaAnycast = v6("2001:db8:1:0:fdff:ffff:ffff:fffe");  // RFC 2526 id 126
const Ipv6Address kCoa6 = v6("2001:db8:2::50");
const Ipv6Address kRouter6 = v6("2001:db8:2::1");
const Ipv6Address kCn = v6("2001:db8:3::3");
const Ipv6Address kM6tAddress = v6("fd12:3456:789a:1:0:1:a1b2:c3d4");
const Ipv6Address kMip4Prefix = v6("2001:db8:40::");

const Ipv4Address kMnPrivate = v4("192.168.1.10");
const Ipv4Address kNatRouter = v4("192.168.1.1");
const Ipv4Address kNatPublic = v4("203.0.113.5");
const Ipv4Address kHa4 = v4("198.51.100.1");
const Ipv4Address kM6tGateway = v4("198.51.100.2");
const Ipv4Address kHoa4 = v4("10.1.0.5");
const Ipv4Address kMip4Hoa = v4("10.2.0.7");
const Ipv4Address kMip4Coa = v4("192.0.2.10");
const Ipv4Address kRemote4 = v4("192.0.2.99");

constexpr std::uint16_t kMnPort = 50000;   // the mobile node's local DSMIPv6 UDP port
constexpr std::uint16_t kNatPort = 61000;  // what the NAT maps it to
constexpr std::uint16_t kM6tMnPort = 40000;
constexpr std::uint32_t kEspSpi = 0x0000c0de;
constexpr std::uint32_t kEspUdpSpi = 0x0000c0df;
constexpr std::uint32_t kMip4Spi = 0x00001000;
constexpr std::uint64_t kMip4Identification = 0xe9414d8012345678ULL;  // NTP time | nonce

// --- building blocks ------------------------------------------------------------------------

PacketBuffer withPayload(ByteView payload) {
  PacketBuffer b;
  DSMIP_CHECK(b.assign(payload));
  return b;
}

Bytes take(const PacketBuffer& b) { return Bytes(b.data().begin(), b.data().end()); }

Bytes filler(std::size_t n, std::uint8_t seed) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(seed + 37 * i);
  return out;
}

void ipv6(PacketBuffer& b, const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t nh,
          const Ipv6Extensions& ext = {}) {
  Ipv6Header h;
  h.next_header = nh;
  h.source = src;
  h.destination = dst;
  DSMIP_CHECK(prependIpv6(b, h, ext));
}

void ipv4(PacketBuffer& b, const Ipv4Address& src, const Ipv4Address& dst, std::uint8_t protocol,
          std::uint16_t id, bool dont_fragment = false) {
  Ipv4Header h;
  h.identification = id;
  h.dont_fragment = dont_fragment;
  h.protocol = protocol;
  h.source = src;
  h.destination = dst;
  DSMIP_CHECK(prependIpv4(b, h));
}

void udp4(PacketBuffer& b, const Ipv4Address& src, const Ipv4Address& dst, std::uint16_t sport,
          std::uint16_t dport, std::uint16_t id) {
  DSMIP_CHECK(prependUdp(b, sport, dport, UdpOverIpv4{src, dst, true}));
  ipv4(b, src, dst, ip_protocol::kUdp, id);
}

// A Mobility Header message in IPv6; the checksum uses the home address of a HAO and the final
// destination of a type 2 routing header (RFC 6275 §6.1.1).
PacketBuffer mhPacket(const MobilityMessage& message, const Ipv6Address& src,
                      const Ipv6Address& dst, const Ipv6Extensions& ext = {}) {
  const Ipv6Address checksum_src = ext.home_address.value_or(src);
  const Ipv6Address checksum_dst = ext.routing_home_address.value_or(dst);
  auto mh = encodeMobilityHeader(message, checksum_src, checksum_dst);
  DSMIP_CHECK(mh.has_value());
  PacketBuffer b = withPayload(*mh);
  ipv6(b, src, dst, kMhProtocol, ext);
  return b;
}

PacketBuffer icmpv6Echo(const Ipv6Address& src, const Ipv6Address& dst, std::uint16_t seq,
                        bool reply = false) {
  PacketBuffer b = withPayload(filler(32, 0x61));
  if (reply) {
    DSMIP_CHECK(prependIcmpv6EchoReply(b, 0x4d4e, seq, src, dst));
  } else {
    DSMIP_CHECK(prependIcmpv6EchoRequest(b, 0x4d4e, seq, src, dst));
  }
  ipv6(b, src, dst, ip_protocol::kIcmpv6);
  return b;
}

PacketBuffer icmpv4Echo(const Ipv4Address& src, const Ipv4Address& dst, std::uint16_t seq,
                        bool reply = false) {
  PacketBuffer b = withPayload(filler(32, 0x41));
  if (reply) {
    DSMIP_CHECK(prependIcmpv4EchoReply(b, 0x4d34, seq));
  } else {
    DSMIP_CHECK(prependIcmpv4EchoRequest(b, 0x4d34, seq));
  }
  ipv4(b, src, dst, ip_protocol::kIcmp, static_cast<std::uint16_t>(0x3000 + seq));
  return b;
}

Mipv4AuthKey mip4Key() {
  return Mipv4AuthKey{kMip4Spi, Mipv4AuthAlgorithm::HmacMd5, Bytes{'d', 's', 'm', 'i', 'p'}};
}

// --- the messages -----------------------------------------------------------------------------

BindingUpdate homeBindingUpdate(std::uint16_t sequence) {
  BindingUpdate bu;
  bu.sequence = sequence;
  bu.flags = kBuFlagAcknowledge | kBuFlagHomeRegistration;
  bu.lifetime_units = 50;  // 200 s
  return bu;
}

BindingAck acceptedAck(std::uint16_t sequence) {
  BindingAck ba;
  ba.status = BindingAckStatus::Accepted;
  ba.sequence = sequence;
  ba.lifetime_units = 50;
  return ba;
}

RegistrationRequest mip4Request() {
  RegistrationRequest r;
  r.flags.decapsulation_by_mobile_node = true;  // co-located care-of address
  r.flags.reverse_tunneling = true;
  r.lifetime = 300;
  r.home_address = kMip4Hoa;
  r.home_agent = kHa4;
  r.care_of_address = kMip4Coa;
  r.identification = kMip4Identification;
  r.extensions = {
      Ipv6PrefixRequestExtension{48, kMip4Prefix},
      Ipv6TunnelingModeExtension{},
      UdpTunnelRequestExtension{0, true, false, 0, kUdpTunnelEncapsulationFromFlags},
  };
  return r;
}

RegistrationReply mip4Reply() {
  RegistrationReply r;
  r.code = RegistrationReplyCode::Accepted;
  r.lifetime = 300;
  r.home_address = kMip4Hoa;
  r.home_agent = kHa4;
  r.identification = kMip4Identification;
  r.extensions = {
      Ipv6PrefixReplyExtension{Ipv6PrefixReplyCode::AcceptedTunnelToCareOfAddress, 48, kMip4Prefix},
      UdpTunnelReplyExtension{UdpTunnelReplyCode::WillTunnel, true, 110},
  };
  return r;
}

Bytes authenticatedRequest(const RegistrationRequest& r) {
  Bytes buffer(512);
  ByteWriter out{buffer};
  DSMIP_CHECK(encodeAuthenticatedRegistrationRequest(r, mip4Key(), out));
  buffer.resize(out.size());
  return buffer;
}

Bytes authenticatedReply(const RegistrationReply& r) {
  Bytes buffer(512);
  ByteWriter out{buffer};
  DSMIP_CHECK(encodeAuthenticatedRegistrationReply(r, mip4Key(), out));
  buffer.resize(out.size());
  return buffer;
}

PacketBuffer tunnelData(std::uint8_t next_header, const PacketBuffer& inner) {
  PacketBuffer b = withPayload(inner.data());
  DSMIP_CHECK(prependTunnelData(b, next_header));
  udp4(b, kMip4Coa, kHa4, kMipv4Port, kMipv4Port, 0x2003);
  return b;
}

// An IPv4 datagram from the NATed mobile node to the home agent's DSMIPv6 port.
PacketBuffer inDsmip6Udp(PacketBuffer inner, bool to_home_agent, std::uint16_t id) {
  if (to_home_agent) {
    udp4(inner, kMnPrivate, kHa4, kMnPort, udp_port::kDsmipv6, id);
  } else {
    udp4(inner, kHa4, kNatPublic, udp_port::kDsmipv6, kNatPort, id);
  }
  return inner;
}

SuitePacket packet(std::string name, std::string description, const PacketBuffer& b,
                   std::string tshark_4191 = "ipv6") {
  return SuitePacket{std::move(name), std::move(description), take(b), std::move(tshark_4191), 0};
}

}  // namespace

std::vector<SuitePacket> suitePackets() {
  std::vector<SuitePacket> out;

  // DSMIPv6 from an IPv6 care-of address: BU with the Home Address option asking for an IPv4
  // home address, BA through a type 2 routing header granting it.
  {
    BindingUpdate bu = homeBindingUpdate(7);
    bu.options = {Ipv4HomeAddressOption{32, false, v4("0.0.0.0")}};
    out.push_back(packet("dsmip6-bu-ipv6", "DSMIPv6 BU from an IPv6 care-of address (HAO)",
                         mhPacket(bu, kCoa6, kHa6, Ipv6Extensions{kHoa, std::nullopt})));
    BindingAck ba = acceptedAck(7);
    ba.options = {Ipv4AddressAckOption{Ipv4AckStatus::Success, 32, kHoa4},
                  BindingRefreshAdviceOption{45}};
    out.push_back(packet("dsmip6-ba-ipv6", "DSMIPv6 BA to an IPv6 care-of address (RH2)",
                         mhPacket(ba, kHa6, kCoa6, Ipv6Extensions{std::nullopt, kHoa})));
  }
  // DSMIPv6 from a private IPv4 care-of address behind a NAT: BU and BA in UDP 4191.
  {
    BindingUpdate bu = homeBindingUpdate(8);
    bu.options = {Ipv4HomeAddressOption{32, false, kHoa4}, Ipv4CareOfAddressOption{kMnPrivate}};
    out.push_back(packet("dsmip6-bu-udp", "DSMIPv6 BU in UDP 4191 from an IPv4 care-of address",
                         inDsmip6Udp(mhPacket(bu, kHoa, kHa6), true, 0x1001)));
    BindingAck ba = acceptedAck(8);
    ba.options = {Ipv4AddressAckOption{Ipv4AckStatus::Success, 32, kHoa4},
                  NatDetectionOption{false, 110}};
    out.push_back(packet("dsmip6-ba-udp", "DSMIPv6 BA in UDP 4191 with NAT Detection",
                         inDsmip6Udp(mhPacket(ba, kHa6, kHoa), false, 0x2001)));
    // The same BU with the F flag, refused with status 144 (decision D2).
    BindingUpdate forced = homeBindingUpdate(9);
    forced.set(kBuFlagForceUdp);
    forced.options = {Ipv4CareOfAddressOption{kMnPrivate}};
    out.push_back(packet("dsmip6-bu-udp-force", "DSMIPv6 BU in UDP 4191 with the F flag",
                         inDsmip6Udp(mhPacket(forced, kHoa, kHa6), true, 0x1002)));
    BindingAck refused;
    refused.status = kBaStatusCannotForceUdp;
    refused.sequence = 9;
    refused.options = {NatDetectionOption{true, kNatRefreshNoNat}};
    out.push_back(packet("dsmip6-ba-udp-refused", "DSMIPv6 BA refusing F (status 144)",
                         inDsmip6Udp(mhPacket(refused, kHa6, kHoa), false, 0x2002)));
  }
  // DSMIPv6 data in UDP: IPv6 and IPv4 directly after UDP, then after the TLV header (D3).
  out.push_back(packet("dsmip6-udp-ipv6", "IPv6 in UDP 4191 (vanilla)",
                       inDsmip6Udp(icmpv6Echo(kCn, kHoa, 1), false, 0x2003)));
  out.push_back(packet("dsmip6-udp-ipv4", "IPv4 in UDP 4191 (vanilla)",
                       inDsmip6Udp(icmpv4Echo(kHoa4, kRemote4, 1), true, 0x1003), "ip"));
  {
    PacketBuffer inner6 = icmpv6Echo(kHoa, kCn, 2);
    DSMIP_CHECK(prependTlv(inner6, ip_protocol::kIpv6));
    out.push_back(packet("dsmip6-tlv-ipv6", "IPv6 in UDP 4191 after the TLV header",
                         inDsmip6Udp(std::move(inner6), true, 0x1004), ""));
    PacketBuffer inner4 = icmpv4Echo(kRemote4, kHoa4, 2, true);
    DSMIP_CHECK(prependTlv(inner4, ip_protocol::kIpv4));
    out.push_back(packet("dsmip6-tlv-ipv4", "IPv4 in UDP 4191 after the TLV header",
                         inDsmip6Udp(std::move(inner4), false, 0x2004), ""));
  }
  // IP-in-IP tunnels (RFC 4213, RFC 2003, RFC 2473).
  {
    PacketBuffer b = icmpv6Echo(kHoa, kCn, 3);
    ipv4(b, kMnPrivate, kHa4, ip_protocol::kIpv6, 0x1005);
    out.push_back(packet("ipv6-in-ipv4", "IPv6 in IPv4 (protocol 41)", b));
  }
  {
    PacketBuffer b = icmpv4Echo(kHoa4, kRemote4, 3);
    ipv4(b, kMnPrivate, kHa4, ip_protocol::kIpv4, 0x1006);
    out.push_back(packet("ipv4-in-ipv4", "IPv4 in IPv4 (protocol 4)", b));
  }
  {
    PacketBuffer b = icmpv6Echo(kCn, kHoa, 3, true);
    ipv6(b, kHa6, kCoa6, ip_protocol::kIpv6);
    out.push_back(packet("ipv6-in-ipv6", "IPv6 in IPv6 (next header 41)", b));
  }
  {
    PacketBuffer b = icmpv4Echo(kRemote4, kHoa4, 3, true);
    ipv6(b, kHa6, kCoa6, ip_protocol::kIpv4);
    out.push_back(packet("ipv4-in-ipv6", "IPv4 in IPv6 (next header 4)", b));
  }
  // m6t: data, keep-alive and its reply.
  {
    PacketBuffer b = icmpv6Echo(kM6tAddress, kHa6, 4);
    udp4(b, kMnPrivate, kM6tGateway, kM6tMnPort, udp_port::kM6tDefault, 0x1007);
    out.push_back(packet("m6t-data", "m6t: IPv6 in UDP 3544", b));
    PacketBuffer keepalive;
    DSMIP_CHECK(buildM6tKeepalive(keepalive, kM6tAddress));
    udp4(keepalive, kMnPrivate, kM6tGateway, kM6tMnPort, udp_port::kM6tDefault, 0x1008);
    out.push_back(packet("m6t-keepalive", "m6t keep-alive to fe80::1", keepalive));
    PacketBuffer reply;
    DSMIP_CHECK(buildM6tKeepaliveReply(reply, kM6tAddress));
    udp4(reply, kM6tGateway, kNatPublic, udp_port::kM6tDefault, kNatPort, 0x3001);
    out.push_back(packet("m6t-keepalive-reply", "m6t keep-alive reply from fe80::1", reply));
  }
  // Mobile IPv4 with DSMIPv4 (RFC 5454) and UDP tunnelling (RFC 3519).
  {
    PacketBuffer request = withPayload(authenticatedRequest(mip4Request()));
    udp4(request, kMip4Coa, kHa4, kMipv4Port, kMipv4Port, 0x2005);
    out.push_back(packet("mip4-request",
                         "Mobile IPv4 registration request (152/1, 152/3, 144, MN-HA auth)",
                         request));
    PacketBuffer reply = withPayload(authenticatedReply(mip4Reply()));
    udp4(reply, kHa4, kMip4Coa, kMipv4Port, kMipv4Port, 0x4001);
    out.push_back(
        packet("mip4-reply", "Mobile IPv4 registration reply (152/2, 44, MN-HA auth)", reply));
    out.push_back(packet("mip4-tunnel-ipv4", "Mobile IPv4 Tunnel Data carrying IPv4",
                         tunnelData(kTunnelDataNextHeaderIpv4, icmpv4Echo(kMip4Hoa, kRemote4, 5))));
    out.push_back(
        packet("mip4-tunnel-ipv6", "Mobile IPv4 Tunnel Data carrying IPv6",
               tunnelData(kTunnelDataNextHeaderIpv6, icmpv6Echo(v6("2001:db8:40::7"), kCn, 5))));
  }
  // ICMP the mobility protocols depend on.
  {
    // A full-size tunnelled packet that did not fit, quoted by Packet Too Big.
    PacketBuffer big = withPayload(filler(1400, 0x11));
    DSMIP_CHECK(prependUdp(big, 443, 50443, UdpOverIpv6{kCn, kHoa}));
    ipv6(big, kCn, kHoa, ip_protocol::kUdp);
    ipv6(big, kHa6, kCoa6, ip_protocol::kIpv6);
    PacketBuffer ptb;
    DSMIP_CHECK(buildIcmpv6PacketTooBig(ptb, big.data(), 1400, kRouter6, kHa6));
    ipv6(ptb, kRouter6, kHa6, ip_protocol::kIcmpv6);
    out.push_back(packet("icmpv6-packet-too-big", "ICMPv6 Packet Too Big to the home agent", ptb));

    PacketBuffer dsmip = withPayload(filler(1400, 0x22));
    DSMIP_CHECK(prependUdp(dsmip, 443, 50443, UdpOverIpv6{kHoa, kCn}));
    ipv6(dsmip, kHoa, kCn, ip_protocol::kUdp);
    DSMIP_CHECK(prependUdp(dsmip, kMnPort, udp_port::kDsmipv6, UdpOverIpv4{kMnPrivate, kHa4}));
    ipv4(dsmip, kMnPrivate, kHa4, ip_protocol::kUdp, 0x1009, true);
    PacketBuffer needed;
    DSMIP_CHECK(buildIcmpv4FragmentationNeeded(needed, dsmip.data(), 1400));
    ipv4(needed, kNatRouter, kMnPrivate, ip_protocol::kIcmp, 0x5001);
    out.push_back(
        packet("icmpv4-frag-needed", "ICMP fragmentation needed for a DSMIPv6 UDP packet", needed));
  }
  {
    PacketBuffer request;
    DSMIP_CHECK(buildHomeAgentAddressDiscoveryRequest(request, 0x0101, false, kCoa6, kHaAnycast));
    ipv6(request, kCoa6, kHaAnycast, ip_protocol::kIcmpv6);
    out.push_back(packet("haad-request", "Home Agent Address Discovery Request", request));
    const std::vector<Ipv6Address> agents = {kHa6, kHa6Second};
    PacketBuffer reply;
    DSMIP_CHECK(buildHomeAgentAddressDiscoveryReply(reply, 0x0101, false, agents, kHa6, kCoa6));
    ipv6(reply, kHa6, kCoa6, ip_protocol::kIcmpv6);
    out.push_back(packet("haad-reply", "Home Agent Address Discovery Reply", reply));

    PacketBuffer mps;
    DSMIP_CHECK(buildMobilePrefixSolicitation(mps, 0x0202, kHoa, kHa6));
    ipv6(mps, kCoa6, kHa6, ip_protocol::kIcmpv6, Ipv6Extensions{kHoa, std::nullopt});
    out.push_back(packet("mps", "Mobile Prefix Solicitation (HAO)", mps));
    const std::vector<PrefixInformation> prefixes = {
        PrefixInformation{64, true, true, false, 86400, 14400, v6("2001:db8:1::")}};
    PacketBuffer mpa;
    DSMIP_CHECK(buildMobilePrefixAdvertisement(mpa, 0x0202, false, false, prefixes, kHa6, kHoa));
    ipv6(mpa, kHa6, kCoa6, ip_protocol::kIcmpv6, Ipv6Extensions{std::nullopt, kHoa});
    out.push_back(packet("mpa", "Mobile Prefix Advertisement (RH2)", mpa));
  }
  // The remaining Mobility Header messages: return routability, NEMO, Binding Error.
  {
    const MhCookie home_cookie = {1, 2, 3, 4, 5, 6, 7, 8};
    const MhCookie care_of_cookie = {9, 10, 11, 12, 13, 14, 15, 16};
    const MhKeygenToken home_token = {0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8};
    const MhKeygenToken care_of_token = {0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8};
    out.push_back(
        packet("mh-brr", "Binding Refresh Request",
               mhPacket(BindingRefreshRequest{}, kHa6, kCoa6, Ipv6Extensions{std::nullopt, kHoa})));
    out.push_back(
        packet("mh-hoti", "Home Test Init", mhPacket(HomeTestInit{home_cookie, {}}, kHoa, kCn)));
    out.push_back(packet("mh-coti", "Care-of Test Init",
                         mhPacket(CareOfTestInit{care_of_cookie, {}}, kCoa6, kCn)));
    out.push_back(packet("mh-hot", "Home Test",
                         mhPacket(HomeTest{3, home_cookie, home_token, {}}, kCn, kHoa)));
    out.push_back(packet("mh-cot", "Care-of Test",
                         mhPacket(CareOfTest{4, care_of_cookie, care_of_token, {}}, kCn, kCoa6)));
    BindingUpdate bu;
    bu.sequence = 21;
    bu.flags = kBuFlagAcknowledge;
    bu.lifetime_units = 15;
    bu.options = {NonceIndicesOption{3, 4}, BindingAuthorizationDataOption{filler(12, 0x5a)}};
    out.push_back(packet("mh-bu-cn", "BU to a correspondent (Nonce Indices, BAD)",
                         mhPacket(bu, kCoa6, kCn, Ipv6Extensions{kHoa, std::nullopt})));
    BindingAck ba = acceptedAck(21);
    ba.lifetime_units = 15;
    ba.options = {BindingRefreshAdviceOption{10}, BindingAuthorizationDataOption{filler(12, 0x6b)}};
    out.push_back(packet("mh-ba-cn", "BA from a correspondent (Refresh Advice, BAD)",
                         mhPacket(ba, kCn, kCoa6, Ipv6Extensions{std::nullopt, kHoa})));
    out.push_back(
        packet("mh-be", "Binding Error (unknown binding for home address)",
               mhPacket(BindingError{BindingErrorStatus::UnknownBindingForHomeAddress, kHoa, {}},
                        kCn, kCoa6)));
    BindingUpdate nemo = homeBindingUpdate(30);
    nemo.set(kBuFlagMobileRouter);
    nemo.options = {AlternateCareOfAddressOption{kCoa6},
                    MobileNetworkPrefixOption{64, v6("2001:db8:77:1::")},
                    MobileNetworkPrefixOption{56, v6("2001:db8:78::")}};
    out.push_back(packet("mh-nemo-bu", "NEMO BU (R, Alternate CoA, two MNPs)",
                         mhPacket(nemo, kCoa6, kHa6, Ipv6Extensions{kHoa, std::nullopt})));
    BindingAck nemo_ack = acceptedAck(30);
    nemo_ack.set(kBaFlagMobileRouter);
    out.push_back(packet("mh-nemo-ba", "NEMO BA (R)",
                         mhPacket(nemo_ack, kHa6, kCoa6, Ipv6Extensions{std::nullopt, kHoa})));
  }
  // IPsec: a BU protected by ESP, ESP in UDP 4500, IKE after the non-ESP marker, NAT keep-alive.
  {
    Bytes esp(8 + 64);
    ByteWriter w{esp};
    w.u32(kEspSpi);
    w.u32(1);
    w.bytes(filler(64, 0x77));
    PacketBuffer protected_bu = withPayload(esp);
    ipv6(protected_bu, kCoa6, kHa6, ip_protocol::kEsp, Ipv6Extensions{kHoa, std::nullopt});
    out.push_back(packet("esp-ipv6", "ESP-protected BU (HAO, ESP)", protected_bu));

    Bytes esp_udp = esp;
    esp_udp[3] = static_cast<std::uint8_t>(kEspUdpSpi);  // another SA: the NAT-T one
    PacketBuffer natt = withPayload(esp_udp);
    udp4(natt, kMnPrivate, kHa4, 4500, udp_port::kIkeNatTraversal, 0x100a);
    out.push_back(packet("esp-in-udp", "ESP in UDP 4500 (RFC 3948)", natt));

    Bytes ike(4 + 28);
    ByteWriter iw{ike};
    iw.u32(0);                  // non-ESP marker
    iw.bytes(filler(8, 0x31));  // initiator SPI
    iw.u64(0);                  // responder SPI
    iw.u8(33);                  // next payload: SA
    iw.u8(0x20);                // version 2.0
    iw.u8(34);                  // IKE_SA_INIT
    iw.u8(0x08);                // initiator
    iw.u32(0);                  // message ID
    iw.u32(28);                 // length
    PacketBuffer ike_packet = withPayload(ike);
    udp4(ike_packet, kMnPrivate, kHa4, 4500, udp_port::kIkeNatTraversal, 0x100b);
    out.push_back(packet("ike-nat-t", "IKE on UDP 4500 after the non-ESP marker", ike_packet));

    const Bytes keepalive_octet = {0xFF};
    PacketBuffer keepalive = withPayload(keepalive_octet);
    udp4(keepalive, kMnPrivate, kHa4, 4500, udp_port::kIkeNatTraversal, 0x100c);
    out.push_back(packet("nat-t-keepalive", "NAT-T keep-alive (RFC 3948 §2.3)", keepalive));
  }
  return out;
}

std::vector<SuitePacket> malformedPackets() {
  std::vector<SuitePacket> out;
  {
    // The DSMIPv6 BU in UDP, captured with a snap length that cut it inside the MH.
    BindingUpdate bu = homeBindingUpdate(8);
    bu.options = {Ipv4HomeAddressOption{32, false, kHoa4}, Ipv4CareOfAddressOption{kMnPrivate}};
    SuitePacket p = packet("truncated-capture", "DSMIPv6 BU cut by the capture's snap length",
                           inDsmip6Udp(mhPacket(bu, kHoa, kHa6), true, 0x1001));
    p.captured_length = 80;
    out.push_back(std::move(p));
  }
  {
    // An IPv4 CoA option whose Length says 10 instead of 6.
    BindingUpdate bu = homeBindingUpdate(11);
    bu.options = {Ipv4CareOfAddressOption{kMnPrivate}};
    PacketBuffer b = mhPacket(bu, kHoa, kHa6);
    Bytes bytes = take(b);
    // IPv6 header (40), MH fixed part (12), the option padded to 4n+0: type at 40+12, length
    // right after.
    DSMIP_CHECK(bytes[40 + 12] == static_cast<std::uint8_t>(MobilityOptionType::Ipv4CareOfAddress));
    bytes[40 + 13] = 10;
    PacketBuffer broken = withPayload(bytes);
    out.push_back(packet("mh-bad-option-length",
                         "DSMIPv6 BU in UDP whose IPv4 CoA option has Length 10",
                         inDsmip6Udp(std::move(broken), true, 0x100d)));
  }
  {
    PacketBuffer b = withPayload(Bytes{0x50, 0x00, 0x00, 0x14, 1, 2, 3, 4, 5, 6, 7, 8});
    out.push_back(packet("dsmip6-bad-version", "UDP 4191 payload with IP version 5",
                         inDsmip6Udp(std::move(b), true, 0x100e)));
  }
  {
    // A registration request with extension type 99 (0–127: not skippable).
    Bytes payload = authenticatedRequest(mip4Request());
    payload.insert(payload.begin() + static_cast<std::ptrdiff_t>(kRegistrationRequestFixedSize),
                   {99, 2, 0, 0});
    PacketBuffer b = withPayload(payload);
    udp4(b, kMip4Coa, kHa4, kMipv4Port, kMipv4Port, 0x2006);
    out.push_back(packet("mip4-unknown-extension",
                         "Mobile IPv4 request with the unknown non-skippable extension 99", b));
  }
  {
    // IPv6 in IPv4 whose inner Payload Length runs past the outer packet.
    PacketBuffer inner = icmpv6Echo(kHoa, kCn, 9);
    Bytes bytes = take(inner);
    bytes[5] = static_cast<std::uint8_t>(bytes[5] + 16);
    PacketBuffer b = withPayload(bytes);
    ipv4(b, kMnPrivate, kHa4, ip_protocol::kIpv6, 0x100f);
    out.push_back(packet("ipv6-in-ipv4-truncated-inner",
                         "IPv6 in IPv4 with an inner Payload Length 16 octets too long", b));
  }
  {
    PacketBuffer b = icmpv4Echo(kHoa4, kRemote4, 9);
    udp4(b, kMnPrivate, kM6tGateway, kM6tMnPort, udp_port::kM6tDefault, 0x1010);
    out.push_back(packet("m6t-not-ipv6", "IPv4 where m6t expects IPv6", b));
  }
  {
    PacketBuffer b = withPayload(Bytes{0x00, 0x00, 0xc0, 0xde, 0x00});
    udp4(b, kMnPrivate, kHa4, 4500, udp_port::kIkeNatTraversal, 0x1011);
    out.push_back(packet("esp-truncated", "ESP in UDP 4500 shorter than its 8-octet header", b));
  }
  {
    // Well formed except for its checksum: decodes, with a warning.
    BindingUpdate bu = homeBindingUpdate(12);
    bu.options = {Ipv4CareOfAddressOption{kMnPrivate}};
    Bytes bytes = take(mhPacket(bu, kHoa, kHa6));
    bytes[40 + 4] ^= 0x5a;
    PacketBuffer b = withPayload(bytes);
    out.push_back(packet("mh-bad-checksum", "DSMIPv6 BU in UDP with a wrong MH checksum",
                         inDsmip6Udp(std::move(b), true, 0x1012)));
  }
  return out;
}

Bytes ethernetFrame(ByteView ip) {
  constexpr std::size_t kMinimumFrame = 60;  // without the FCS: short frames are padded
  Bytes out(std::max<std::size_t>(14 + ip.size(), kMinimumFrame));
  ByteWriter w{out};
  const bool v6 = !ip.empty() && (ip[0] >> 4) == 6;
  // Alternate the direction by version so that both MACs appear; nothing depends on it.
  w.bytes(v6 ? ByteView(kMacB) : ByteView(kMacA));
  w.bytes(v6 ? ByteView(kMacA) : ByteView(kMacB));
  w.u16(v6 ? 0x86DD : 0x0800);
  w.bytes(ip);
  return out;
}

Bytes linuxSllFrame(ByteView ip) {
  Bytes out(16 + ip.size());
  ByteWriter w{out};
  const bool v6 = !ip.empty() && (ip[0] >> 4) == 6;
  w.u16(4);  // outgoing
  w.u16(1);  // ARPHRD_ETHER
  w.u16(6);  // address length
  w.bytes(ByteView(kMacA));
  w.u16(0);  // address padding to 8 octets
  w.u16(v6 ? 0x86DD : 0x0800);
  w.bytes(ip);
  return out;
}

Bytes linuxSll2Frame(ByteView ip) {
  Bytes out(20 + ip.size());
  ByteWriter w{out};
  const bool v6 = !ip.empty() && (ip[0] >> 4) == 6;
  w.u16(v6 ? 0x86DD : 0x0800);
  w.u16(0);      // reserved
  w.u32(3);      // interface index
  w.u16(65534);  // ARPHRD_NONE (a TUN device)
  w.u8(0);       // to us
  w.u8(0);       // no address
  w.u64(0);
  w.bytes(ip);
  return out;
}

Bytes pcapFile(std::uint32_t link_type, const std::vector<PcapRecord>& records) {
  Bytes out;
  auto le32 = [&out](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  auto le16 = [&out](std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
  };
  le32(0xa1b2c3d4);  // microsecond timestamps
  le16(2);
  le16(4);
  le32(0);  // GMT offset
  le32(0);  // accuracy
  le32(65535);
  le32(link_type);
  for (const PcapRecord& r : records) {
    le32(r.seconds);
    le32(r.microseconds);
    le32(static_cast<std::uint32_t>(r.data.size()));
    le32(r.original_length != 0 ? r.original_length : static_cast<std::uint32_t>(r.data.size()));
    out.insert(out.end(), r.data.begin(), r.data.end());
  }
  return out;
}

namespace {

constexpr std::uint32_t kCaptureStart = 1704067200;  // 2024-01-01T00:00:00Z
constexpr std::uint32_t kLinkTypeEthernet = 1;

Bytes captureOf(const std::vector<SuitePacket>& packets) {
  std::vector<PcapRecord> records;
  std::uint64_t micros = 0;
  for (const SuitePacket& p : packets) {
    PcapRecord r;
    r.seconds = kCaptureStart + static_cast<std::uint32_t>(micros / 1000000);
    r.microseconds = static_cast<std::uint32_t>(micros % 1000000);
    Bytes frame = ethernetFrame(p.ip);
    r.original_length = static_cast<std::uint32_t>(frame.size());
    if (p.captured_length != 0) frame.resize(14 + p.captured_length);
    r.data = std::move(frame);
    records.push_back(std::move(r));
    micros += 125000;  // 125 ms apart
  }
  return pcapFile(kLinkTypeEthernet, records);
}

}  // namespace

Bytes suiteCapture() { return captureOf(suitePackets()); }
Bytes malformedCapture() { return captureOf(malformedPackets()); }

bool writeFile(const std::filesystem::path& path, ByteView bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return false;
  out.write(reinterpret_cast<const char*>(bytes.data()),  // NOLINT: bytes to a file
            static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

Bytes readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace dsmip::interop
