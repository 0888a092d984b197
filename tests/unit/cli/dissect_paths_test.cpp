// Every encapsulation path of the dissector, the checksum status of every layer that has one,
// and the demultiplexing options (ports, depth).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "decode_test_util.hpp"
#include "wire/checksum.hpp"
#include "wire/icmpv4.hpp"
#include "wire/icmpv6.hpp"
#include "wire/mipv4.hpp"

namespace dsmip::cli::test {
namespace {

using wire::Dissection;
using wire::DissectOptions;
namespace ip_protocol = wire::ip_protocol;

Bytes icmpv4Echo(std::uint16_t seq = 1) {
  PacketBuffer b = bufferOf(Bytes{'p', 'i', 'n', 'g'});
  EXPECT_TRUE(wire::prependIcmpv4EchoRequest(b, 0x77, seq));
  return toBytes(b);
}

Bytes icmpv6Echo(const Ipv6Address& src, const Ipv6Address& dst) {
  PacketBuffer b = bufferOf(Bytes{'p', 'i', 'n', 'g'});
  EXPECT_TRUE(wire::prependIcmpv6EchoRequest(b, 0x66, 1, src, dst));
  return toBytes(b);
}

Bytes concat(ByteView a, ByteView b) {
  Bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

// --- every packet of the suite ------------------------------------------------------------

TEST(DissectPathsTest, EverySuitePacketDecodesThroughItsLayers) {
  const std::map<std::string, std::string> expected = {
      {"dsmip6-bu-ipv6", "ipv6,home-address-option,mh"},
      {"dsmip6-ba-ipv6", "ipv6,type2-routing-header,mh"},
      {"dsmip6-bu-udp", "ipv4,udp,ipv6,mh"},
      {"dsmip6-ba-udp", "ipv4,udp,ipv6,mh"},
      {"dsmip6-bu-udp-force", "ipv4,udp,ipv6,mh"},
      {"dsmip6-ba-udp-refused", "ipv4,udp,ipv6,mh"},
      {"dsmip6-udp-ipv6", "ipv4,udp,ipv6,icmpv6"},
      {"dsmip6-udp-ipv4", "ipv4,udp,ipv4,icmpv4"},
      {"dsmip6-tlv-ipv6", "ipv4,udp,tlv,ipv6,icmpv6"},
      {"dsmip6-tlv-ipv4", "ipv4,udp,tlv,ipv4,icmpv4"},
      {"ipv6-in-ipv4", "ipv4,ipv6,icmpv6"},
      {"ipv4-in-ipv4", "ipv4,ipv4,icmpv4"},
      {"ipv6-in-ipv6", "ipv6,ipv6,icmpv6"},
      {"ipv4-in-ipv6", "ipv6,ipv4,icmpv4"},
      {"m6t-data", "ipv4,udp,ipv6,icmpv6"},
      {"m6t-keepalive", "ipv4,udp,ipv6,m6t-keepalive"},
      {"m6t-keepalive-reply", "ipv4,udp,ipv6,m6t-keepalive"},
      {"mip4-request", "ipv4,udp,mipv4"},
      {"mip4-reply", "ipv4,udp,mipv4"},
      {"mip4-tunnel-ipv4", "ipv4,udp,mipv4,ipv4,icmpv4"},
      {"mip4-tunnel-ipv6", "ipv4,udp,mipv4,ipv6,icmpv6"},
      {"icmpv6-packet-too-big", "ipv6,icmpv6"},
      {"icmpv4-frag-needed", "ipv4,icmpv4"},
      {"haad-request", "ipv6,icmpv6"},
      {"haad-reply", "ipv6,icmpv6"},
      {"mps", "ipv6,home-address-option,icmpv6"},
      {"mpa", "ipv6,type2-routing-header,icmpv6"},
      {"mh-brr", "ipv6,type2-routing-header,mh"},
      {"mh-hoti", "ipv6,mh"},
      {"mh-coti", "ipv6,mh"},
      {"mh-hot", "ipv6,mh"},
      {"mh-cot", "ipv6,mh"},
      {"mh-bu-cn", "ipv6,home-address-option,mh"},
      {"mh-ba-cn", "ipv6,type2-routing-header,mh"},
      {"mh-be", "ipv6,mh"},
      {"mh-nemo-bu", "ipv6,home-address-option,mh"},
      {"mh-nemo-ba", "ipv6,type2-routing-header,mh"},
      {"esp-ipv6", "ipv6,home-address-option,esp"},
      {"esp-in-udp", "ipv4,udp,esp"},
      {"ike-nat-t", "ipv4,udp,ike"},
      {"nat-t-keepalive", "ipv4,udp,nat-keepalive"},
  };
  const auto packets = interop::suitePackets();
  EXPECT_EQ(packets.size(), expected.size());
  for (const auto& p : packets) {
    SCOPED_TRACE(p.name);
    const Dissection d = dissect(p.ip);
    EXPECT_TRUE(d.ok()) << d.summary();
    EXPECT_TRUE(d.warnings.empty()) << (d.warnings.empty() ? "" : d.warnings.front());
    ASSERT_EQ(expected.count(p.name), 1u);
    EXPECT_EQ(layerNames(d), expected.at(p.name));
    // Every checksum the suite's encoders computed verifies.
    for (const auto& layer : d.layers) {
      if (layer.find("checksum_status") != nullptr) {
        EXPECT_EQ(layer.value("checksum_status"), "ok") << layer.name;
      }
    }
  }
}

TEST(DissectPathsTest, SummaryReadsLikeTheIssueExample) {
  const Dissection d = dissect(suitePacket("dsmip6-bu-udp").ip);
  EXPECT_EQ(d.summary(),
            "IPv4 192.168.1.10:50000 > 198.51.100.1:4191 UDP | IPv6 2001:db8:1::100 > "
            "2001:db8:1::1 | MH BU seq=8 flags=A|H lifetime=200s "
            "[ipv4-home-address,ipv4-care-of-address]");
  EXPECT_EQ(dissect(suitePacket("dsmip6-ba-ipv6").ip).summary(),
            "IPv6 2001:db8:1::1 > 2001:db8:2::50 RH2=2001:db8:1::100 | MH BA status=0 (accepted) "
            "seq=7 lifetime=200s [ipv4-address-acknowledgement,binding-refresh-advice]");
  EXPECT_EQ(dissect(suitePacket("icmpv4-frag-needed").ip).summary(),
            "IPv4 192.168.1.1 > 192.168.1.10 | ICMP destination-unreachable fragmentation-needed "
            "mtu=1400 for udp 192.168.1.10:50000 > 198.51.100.1:4191");
  EXPECT_EQ(dissect(suitePacket("m6t-keepalive").ip).summary(),
            "IPv4 192.168.1.10:40000 > 198.51.100.2:3544 UDP | IPv6 "
            "fd12:3456:789a:1:0:1:a1b2:c3d4 > fe80::1 | m6t keep-alive request");
}

TEST(DissectPathsTest, MobilityMessagesShowTheirFieldsAndOptions) {
  const Dissection bu = dissect(suitePacket("dsmip6-bu-udp").ip);
  EXPECT_EQ(interop::dissectedValue(bu, "mh.mh_type_name"), "binding-update");
  EXPECT_EQ(interop::dissectedValue(bu, "mh.lifetime"), "200");
  EXPECT_EQ(interop::dissectedValue(bu, "mh.options[0].name"), "ipv4-home-address");
  EXPECT_EQ(interop::dissectedValue(bu, "mh.options[1].address"), "192.168.1.10");

  const Dissection ba = dissect(suitePacket("dsmip6-ba-udp-refused").ip);
  EXPECT_EQ(interop::dissectedValue(ba, "mh.status_name"), "mipv6-id-mismatch/cannot-force-udp");
  EXPECT_EQ(interop::dissectedValue(ba, "mh.options[0].nat_detected"), "false");

  const Dissection rr = dissect(suitePacket("mip4-request").ip);
  EXPECT_EQ(interop::dissectedValue(rr, "mipv4.extensions[*].name"),
            "dsmipv4,dsmipv4,udp-tunnel-request,mobile-home-auth");
  EXPECT_EQ(interop::dissectedValue(rr, "mipv4.extensions[1].sub_type_name"),
            "ipv6-tunneling-mode");
  EXPECT_EQ(interop::dissectedValue(rr, "mipv4.extensions[3].authenticator_length"), "16");
  EXPECT_EQ(interop::dissectedValue(rr, "mipv4.identification"), "0xe9414d8012345678");

  const Dissection rp = dissect(suitePacket("mip4-reply").ip);
  EXPECT_EQ(interop::dissectedValue(rp, "mipv4.extensions[0].code_name"),
            "accepted-tunnel-to-care-of-address");
  EXPECT_EQ(interop::dissectedValue(rp, "mipv4.extensions[1].reply_code_name"), "will-tunnel");
}

// --- the Mobility Header checksum's pseudo-header -----------------------------------------

TEST(DissectPathsTest, MhChecksumUsesTheHomeAddressOptionAndTheType2RoutingHeader) {
  // Verified with the HoA as source (HAO) and as final destination (RH2).
  Bytes bu = suitePacket("dsmip6-bu-ipv6").ip;
  EXPECT_EQ(interop::dissectedValue(dissect(bu), "mh.checksum_status"), "ok");
  Bytes ba = suitePacket("dsmip6-ba-ipv6").ip;
  EXPECT_EQ(interop::dissectedValue(dissect(ba), "mh.checksum_status"), "ok");
  // Change the home address in the HAO / RH2 (last octet, 40 + 24 - 1): the same MH no longer
  // verifies, so the pseudo-header really took the address from there.
  bu[40 + 24 - 1] ^= 0x01;
  const Dissection bad_bu = dissect(bu);
  EXPECT_TRUE(bad_bu.ok());
  EXPECT_EQ(interop::dissectedValue(bad_bu, "mh.checksum_status"), "bad");
  ASSERT_EQ(bad_bu.warnings.size(), 1u);
  EXPECT_EQ(bad_bu.warnings[0], "mobility header checksum bad at offset 64");
  ba[40 + 24 - 1] ^= 0x01;
  EXPECT_EQ(interop::dissectedValue(dissect(ba), "mh.checksum_status"), "bad");
}

// --- checksums ----------------------------------------------------------------------------

TEST(DissectPathsTest, BadChecksumsAreWarningsAndDecodingGoesOn) {
  {
    Bytes p = suitePacket("ipv4-in-ipv4").ip;
    p[10] ^= 0xFF;  // outer IPv4 header checksum
    const Dissection d = dissect(p);
    EXPECT_TRUE(d.ok()) << d.summary();
    EXPECT_EQ(layerNames(d), "ipv4,ipv4,icmpv4");
    EXPECT_EQ(interop::dissectedValue(d, "ipv4.checksum_status"), "bad");
    // The received value is shown, not the repaired one.
    EXPECT_EQ(interop::dissectedValue(d, "ipv4.checksum"),
              fmt::format("0x{:02x}{:02x}", p[10], p[11]));
    EXPECT_EQ(interop::dissectedValue(d, "ipv4[1].checksum_status"), "ok");
    ASSERT_EQ(d.warnings.size(), 1u);
    EXPECT_EQ(d.warnings[0], "ipv4 header checksum bad at offset 0");
    EXPECT_NE(d.summary().find("(checksum bad)"), std::string::npos) << d.summary();
  }
  {
    Bytes p = suitePacket("dsmip6-bu-udp").ip;
    p[20 + 6] ^= 0x01;  // UDP checksum
    const Dissection d = dissect(p);
    EXPECT_TRUE(d.ok());
    EXPECT_EQ(layerNames(d), "ipv4,udp,ipv6,mh");
    EXPECT_EQ(interop::dissectedValue(d, "udp.checksum_status"), "bad");
    ASSERT_EQ(d.warnings.size(), 1u);
    EXPECT_EQ(d.warnings[0], "udp checksum bad at offset 20");
    EXPECT_NE(d.summary().find("UDP (udp checksum bad)"), std::string::npos) << d.summary();
  }
  {
    Bytes p = suitePacket("dsmip6-bu-udp").ip;
    p[20 + 6] = 0;  // "no checksum", allowed over IPv4
    p[20 + 7] = 0;
    const Dissection d = dissect(p);
    EXPECT_TRUE(d.warnings.empty());
    EXPECT_EQ(interop::dissectedValue(d, "udp.checksum_status"), "none");
  }
  {
    Bytes p = suitePacket("mpa").ip;
    p[p.size() - 1] ^= 0x10;  // ICMPv6 data: the checksum no longer matches
    const Dissection d = dissect(p);
    EXPECT_TRUE(d.ok()) << d.summary();
    EXPECT_EQ(interop::dissectedValue(d, "icmpv6.type_name"), "mobile-prefix-advertisement");
    EXPECT_EQ(interop::dissectedValue(d, "icmpv6.checksum_status"), "bad");
    EXPECT_EQ(d.warnings.size(), 1u);
  }
  {
    Bytes p = suitePacket("icmpv4-frag-needed").ip;
    p[p.size() - 1] ^= 0x10;
    const Dissection d = dissect(p);
    EXPECT_TRUE(d.ok());
    EXPECT_EQ(interop::dissectedValue(d, "icmpv4.next_hop_mtu"), "1400");
    EXPECT_EQ(interop::dissectedValue(d, "icmpv4.checksum_status"), "bad");
  }
}

TEST(DissectPathsTest, NoChecksumOptionLeavesChecksumsAlone) {
  Bytes p = suitePacket("dsmip6-bu-udp").ip;
  p[20 + 6] ^= 0x01;
  DissectOptions options;
  options.verify_checksums = false;
  const Dissection d = dissect(p, options);
  EXPECT_TRUE(d.ok());
  EXPECT_TRUE(d.warnings.empty());
  for (const auto& layer : d.layers) EXPECT_EQ(layer.find("checksum_status"), nullptr);
}

// --- encapsulations the suite does not show --------------------------------------------------

Bytes greHeader(std::uint16_t flags, std::uint16_t protocol, std::uint32_t key,
                std::uint32_t sequence) {
  Bytes out;
  auto u16 = [&out](std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
  };
  u16(flags);
  u16(protocol);
  if ((flags & 0x8000) != 0) {
    u16(0);
    u16(0);
  }
  if ((flags & 0x2000) != 0) {
    u16(static_cast<std::uint16_t>(key >> 16));
    u16(static_cast<std::uint16_t>(key));
  }
  if ((flags & 0x1000) != 0) {
    u16(static_cast<std::uint16_t>(sequence >> 16));
    u16(static_cast<std::uint16_t>(sequence));
  }
  return out;
}

TEST(DissectPathsTest, GreWithKeySequenceAndChecksum) {
  const Bytes inner = inIpv4(icmpv4Echo(), ip_protocol::kIcmp, v4("10.1.0.5"), v4("192.0.2.99"));
  Bytes gre = concat(greHeader(0x8000 | 0x2000 | 0x1000, 0x0800, 0x01020304, 77), inner);
  const std::uint16_t sum = wire::internetChecksum(gre);
  gre[4] = static_cast<std::uint8_t>(sum >> 8);
  gre[5] = static_cast<std::uint8_t>(sum);
  const Dissection d = dissect(inIpv4(gre, ip_protocol::kGre));
  EXPECT_TRUE(d.ok()) << d.summary();
  EXPECT_EQ(layerNames(d), "ipv4,gre,ipv4,icmpv4");
  EXPECT_EQ(interop::dissectedValue(d, "gre.key"), "0x01020304");
  EXPECT_EQ(interop::dissectedValue(d, "gre.sequence"), "77");
  EXPECT_EQ(interop::dissectedValue(d, "gre.checksum_status"), "ok");
  EXPECT_EQ(interop::dissectedValue(d, "gre.protocol_name"), "ipv4");

  const Bytes inner6 =
      inIpv6(icmpv6Echo(v6("2001:db8:1::1"), v6("2001:db8:2::50")), ip_protocol::kIcmpv6);
  const Dissection d6 =
      dissect(inIpv6(concat(greHeader(0, 0x86DD, 0, 0), inner6), ip_protocol::kGre));
  EXPECT_EQ(layerNames(d6), "ipv6,gre,ipv6,icmpv6");
  // A truncated GRE option area: half a key.
  Bytes half_key = greHeader(0x2000, 0x0800, 1, 0);
  half_key.resize(6);
  const Dissection cut = dissect(inIpv4(half_key, ip_protocol::kGre));
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error->layer, "gre");
  EXPECT_EQ(cut.error->code, ErrorCode::Truncated);
  EXPECT_EQ(cut.error->offset, 24u);
}

// RFC 2004 §3.1 forwarding header, with or without the original source.
Bytes minimalHeader(std::uint8_t protocol, const Ipv4Address& destination,
                    const Ipv4Address* source) {
  Bytes out = {protocol, static_cast<std::uint8_t>(source != nullptr ? 0x80 : 0), 0, 0};
  out.insert(out.end(), destination.bytes.begin(), destination.bytes.end());
  if (source != nullptr) out.insert(out.end(), source->bytes.begin(), source->bytes.end());
  const std::uint16_t sum = wire::internetChecksum(out);
  out[2] = static_cast<std::uint8_t>(sum >> 8);
  out[3] = static_cast<std::uint8_t>(sum);
  return out;
}

TEST(DissectPathsTest, MinimalEncapsulationKeepsTheOriginalAddressesForTheUpperLayer) {
  const Ipv4Address original_source = v4("10.2.0.7");
  const Ipv4Address original_destination = v4("192.0.2.99");
  // A UDP datagram whose checksum covers the original addresses (RFC 2004 §3).
  PacketBuffer udp = bufferOf(Bytes{1, 2, 3, 4});
  ASSERT_TRUE(wire::prependUdp(udp, 1000, 2000,
                               wire::UdpOverIpv4{original_source, original_destination, true}));
  const Bytes with_source = concat(
      minimalHeader(ip_protocol::kUdp, original_destination, &original_source), toBytes(udp));
  const Dissection d = dissect(inIpv4(with_source, ip_protocol::kMinimalEncapsulation));
  EXPECT_TRUE(d.ok()) << d.summary();
  EXPECT_EQ(layerNames(d), "ipv4,minimal-encapsulation,udp");
  EXPECT_EQ(interop::dissectedValue(d, "minimal-encapsulation.original_source"), "10.2.0.7");
  EXPECT_EQ(interop::dissectedValue(d, "minimal-encapsulation.checksum_status"), "ok");
  EXPECT_EQ(interop::dissectedValue(d, "udp.checksum_status"), "ok");
  EXPECT_NE(d.summary().find("MinEnc 10.2.0.7:1000 > 192.0.2.99:2000 UDP"), std::string::npos)
      << d.summary();

  // Without S the original source is the outer source.
  PacketBuffer udp2 = bufferOf(Bytes{1, 2, 3, 4});
  ASSERT_TRUE(wire::prependUdp(udp2, 1000, 2000,
                               wire::UdpOverIpv4{v4("192.0.2.10"), original_destination, true}));
  const Bytes no_source =
      concat(minimalHeader(ip_protocol::kUdp, original_destination, nullptr), toBytes(udp2));
  const Dissection d2 = dissect(inIpv4(no_source, ip_protocol::kMinimalEncapsulation));
  EXPECT_EQ(interop::dissectedValue(d2, "udp.checksum_status"), "ok");
  EXPECT_EQ(interop::dissectedValue(d2, "minimal-encapsulation.s_flag"), "false");
}

TEST(DissectPathsTest, TunnelDataCarriesGreAndMinimalEncapsulation) {
  const Bytes inner = inIpv4(icmpv4Echo(), ip_protocol::kIcmp, v4("10.2.0.7"), v4("192.0.2.99"));
  PacketBuffer gre = bufferOf(concat(greHeader(0, 0x0800, 0, 0), inner));
  ASSERT_TRUE(wire::prependTunnelData(gre, wire::kTunnelDataNextHeaderGre));
  const Dissection d = dissect(inUdp4(toBytes(gre), 434, 434));
  EXPECT_TRUE(d.ok()) << d.summary();
  EXPECT_EQ(layerNames(d), "ipv4,udp,mipv4,gre,ipv4,icmpv4");

  PacketBuffer minimal =
      bufferOf(concat(minimalHeader(ip_protocol::kIcmp, v4("192.0.2.99"), nullptr), icmpv4Echo()));
  ASSERT_TRUE(wire::prependTunnelData(minimal, wire::kTunnelDataNextHeaderMinimal));
  const Dissection m = dissect(inUdp4(toBytes(minimal), 434, 434));
  EXPECT_TRUE(m.ok()) << m.summary();
  EXPECT_EQ(layerNames(m), "ipv4,udp,mipv4,minimal-encapsulation,icmpv4");
}

TEST(DissectPathsTest, AuthenticationHeaderInIpv4AndIpv6) {
  // AH (RFC 4302 §2) with a 12-octet ICV: 24 octets, Payload Len 4.
  Bytes ah = {ip_protocol::kIcmp, 4, 0, 0, 0, 0, 0x12, 0x34, 0, 0, 0, 9};
  ah.resize(24, 0xAA);
  const Dissection d4 = dissect(inIpv4(concat(ah, icmpv4Echo()), ip_protocol::kAh));
  EXPECT_TRUE(d4.ok()) << d4.summary();
  EXPECT_EQ(layerNames(d4), "ipv4,ah,icmpv4");
  EXPECT_EQ(interop::dissectedValue(d4, "ah.spi"), "0x00001234");
  EXPECT_EQ(interop::dissectedValue(d4, "ah.sequence"), "9");

  const Ipv6Address src = v6("2001:db8:1::1");
  const Ipv6Address dst = v6("2001:db8:2::50");
  ah[0] = ip_protocol::kIcmpv6;
  const Dissection d6 =
      dissect(inIpv6(concat(ah, icmpv6Echo(src, dst)), ip_protocol::kAh, src, dst));
  EXPECT_TRUE(d6.ok()) << d6.summary();
  EXPECT_EQ(layerNames(d6), "ipv6,ah,icmpv6");
  EXPECT_EQ(interop::dissectedValue(d6, "ah.length"), "24");
  EXPECT_EQ(interop::dissectedValue(d6, "icmpv6.checksum_status"), "ok");
}

TEST(DissectPathsTest, FragmentsAreShownNotReassembled) {
  // IPv4: a first fragment (MF) of a UDP datagram.
  PacketBuffer b = bufferOf(Bytes(24, 0x78));
  wire::Ipv4Header h;
  h.protocol = ip_protocol::kUdp;
  h.more_fragments = true;
  h.identification = 99;
  h.source = v4("10.0.0.1");
  h.destination = v4("10.0.0.2");
  ASSERT_TRUE(wire::prependIpv4(b, h));
  const Dissection d4 = dissect(toBytes(b));
  EXPECT_TRUE(d4.ok());
  EXPECT_EQ(layerNames(d4), "ipv4,data");
  EXPECT_EQ(interop::dissectedValue(d4, "ipv4.more_fragments"), "true");
  EXPECT_EQ(interop::dissectedValue(d4, "data.description"),
            "ipv4 fragment of a udp datagram: not reassembled");

  // IPv6: a Fragment header (RFC 8200 §4.5), offset 1232 octets, more fragments.
  Bytes fragment = {ip_protocol::kUdp, 0, 0x04, 0xD1, 0, 0, 0x12, 0x34};
  fragment.resize(8 + 16, 0x55);
  const Dissection d6 = dissect(inIpv6(fragment, ip_protocol::kFragment));
  EXPECT_TRUE(d6.ok()) << d6.summary();
  EXPECT_EQ(layerNames(d6), "ipv6,fragment-header,data");
  EXPECT_EQ(interop::dissectedValue(d6, "fragment-header.fragment_offset"), "1232");
  EXPECT_EQ(interop::dissectedValue(d6, "fragment-header.more_fragments"), "true");
  EXPECT_EQ(interop::dissectedValue(d6, "fragment-header.identification"), "0x00001234");
}

TEST(DissectPathsTest, OtherRoutingTypesAndDiscardOptionsAreReported) {
  // A routing header of type 3 with Segments Left 0, then nothing.
  const Bytes routing = {ip_protocol::kNoNextHeader, 0, 3, 0, 0, 0, 0, 0};
  const Dissection r = dissect(inIpv6(routing, ip_protocol::kRouting));
  EXPECT_TRUE(r.ok()) << r.summary();
  EXPECT_EQ(layerNames(r), "ipv6,routing-header");
  EXPECT_EQ(interop::dissectedValue(r, "routing-header.routing_type"), "3");

  // A Destination Options header with option type 0x80 (unknown; "discard, send ICMP").
  const Bytes options = {ip_protocol::kNoNextHeader, 0, 0x80, 4, 0, 0, 0, 0};
  const Dissection o = dissect(inIpv6(options, ip_protocol::kDestinationOptions));
  EXPECT_TRUE(o.ok());
  EXPECT_EQ(interop::dissectedValue(o, "ipv6.unknown_options"), "1");
  ASSERT_EQ(o.warnings.size(), 1u);
  EXPECT_EQ(o.warnings[0],
            "unrecognised ipv6 option type 0x80 at offset 42 asks to discard the packet");
}

TEST(DissectPathsTest, EspInIpStopsAfterSpiAndSequence) {
  const Bytes esp = {0, 0, 0x10, 0x01, 0, 0, 0, 7, 0xde, 0xad};
  const Dissection d = dissect(inIpv4(esp, ip_protocol::kEsp));
  EXPECT_TRUE(d.ok());
  EXPECT_EQ(layerNames(d), "ipv4,esp");
  EXPECT_EQ(interop::dissectedValue(d, "esp.spi"), "0x00001001");
  EXPECT_EQ(interop::dissectedValue(d, "esp.sequence"), "7");
  EXPECT_EQ(interop::dissectedValue(d, "esp.encrypted_length"), "2");
}

TEST(DissectPathsTest, OtherTcpAndUdpShowPortsAndLengthOnly) {
  Bytes tcp(20 + 5, 0);
  tcp[0] = 0x04;  // source port 1234
  tcp[1] = 0xD2;
  tcp[2] = 0x00;  // destination port 80
  tcp[3] = 0x50;
  tcp[12] = 0x50;  // data offset 5
  tcp[13] = 0x12;  // SYN | ACK
  const Dissection t = dissect(inIpv4(tcp, ip_protocol::kTcp));
  EXPECT_TRUE(t.ok()) << t.summary();
  EXPECT_EQ(layerNames(t), "ipv4,tcp");
  EXPECT_EQ(interop::dissectedValue(t, "tcp.flags"), "SYN|ACK");
  EXPECT_EQ(interop::dissectedValue(t, "tcp.payload_length"), "5");
  EXPECT_EQ(t.summary(), "IPv4 192.0.2.10:1234 > 198.51.100.1:80 TCP [SYN|ACK] len=5");

  const Dissection u = dissect(inUdp4(Bytes(10, 0x11), 5353, 5353));
  EXPECT_TRUE(u.ok());
  EXPECT_EQ(layerNames(u), "ipv4,udp");
  EXPECT_EQ(u.summary(), "IPv4 192.0.2.10:5353 > 198.51.100.1:5353 UDP len=10");
  EXPECT_EQ(interop::dissectedValue(u, "udp.service"), "<absent>");

  // A protocol the dissector does not decode.
  const Dissection other = dissect(inIpv4(Bytes(8, 0), 132));
  EXPECT_TRUE(other.ok());
  EXPECT_EQ(layerNames(other), "ipv4,data");
  EXPECT_EQ(interop::dissectedValue(other, "data.length"), "8");
}

TEST(DissectPathsTest, PortsAreConfigurable) {
  const Bytes m6t_inner = suitePacket("m6t-keepalive").ip;
  const Bytes keepalive(m6t_inner.begin() + 28, m6t_inner.end());  // the IPv6 packet
  const Bytes on_40001 = inUdp4(keepalive, 50000, 40001);
  EXPECT_EQ(layerNames(dissect(on_40001)), "ipv4,udp");
  DissectOptions options;
  options.m6t_ports = {3544, 40001};
  EXPECT_EQ(layerNames(dissect(on_40001, options)), "ipv4,udp,ipv6,m6t-keepalive");

  // The DSMIPv6 port: the home agent's replies come from it (source port).
  const Bytes dsmip_inner(keepalive);
  const Bytes from_5555 = inUdp4(dsmip_inner, 5555, 61000);
  EXPECT_EQ(layerNames(dissect(from_5555)), "ipv4,udp");
  options.dsmip6_port = 5555;
  EXPECT_EQ(layerNames(dissect(from_5555, options)), "ipv4,udp,ipv6,m6t-keepalive");
  EXPECT_EQ(interop::dissectedValue(dissect(from_5555, options), "udp.service"), "dsmipv6");

  // The Mobile IPv4 port.
  const Bytes request = suitePacket("mip4-request").ip;
  const Bytes on_4343 = inUdp4(Bytes(request.begin() + 28, request.end()), 4343, 4343);
  EXPECT_EQ(layerNames(dissect(on_4343)), "ipv4,udp");
  options.mip4_port = 4343;
  EXPECT_EQ(layerNames(dissect(on_4343, options)), "ipv4,udp,mipv4");
}

TEST(DissectPathsTest, NestingDepthIsLimited) {
  Bytes packet = icmpv4Echo();
  packet = inIpv4(packet, ip_protocol::kIcmp);
  for (int i = 0; i < 8; ++i) packet = inIpv4(packet, ip_protocol::kIpv4);
  // Nine IPv4 headers: the ninth is one too many with the default depth of 8.
  const Dissection d = dissect(packet);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error->layer, "ipv4");
  EXPECT_EQ(d.error->code, ErrorCode::Unsupported);
  EXPECT_EQ(d.error->offset, 8u * 20);
  EXPECT_EQ(d.error->reason, "nesting depth limit (8) reached: not decoded further");
  EXPECT_EQ(d.layers.size(), 8u);
  DissectOptions deeper;
  deeper.max_depth = 9;
  EXPECT_TRUE(dissect(packet, deeper).ok());
}

}  // namespace
}  // namespace dsmip::cli::test
