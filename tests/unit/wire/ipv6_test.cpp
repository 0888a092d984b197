#include "wire/ipv6.hpp"

#include <gtest/gtest.h>

#include "ip_golden.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/udp.hpp"

namespace dsmip::wire {
namespace {

using golden::hex;
using golden::v6;

void expectError(const Result<Ipv6Packet>& r, ErrorCode code, std::size_t offset) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, code) << r.error().toString();
  EXPECT_EQ(r.error().offset, offset) << r.error().toString();
}

// An IPv6 header (source 2001:db8::1, destination 2001:db8::2) followed by `rest`, with the
// Payload Length set to rest's size.
Bytes ipv6With(std::uint8_t next_header, std::string_view rest_hex) {
  Bytes rest = hex(rest_hex);
  Bytes p = hex("60000000000000ff20010db800000000000000000000000120010db8000000000000000000000002");
  p[4] = static_cast<std::uint8_t>(rest.size() >> 8);
  p[5] = static_cast<std::uint8_t>(rest.size());
  p[6] = next_header;
  p.insert(p.end(), rest.begin(), rest.end());
  return p;
}

TEST(Ipv6Test, DecodesScapyUdpPacket) {
  const Bytes bytes = hex(golden::kIpv6Udp);
  auto r = decodeIpv6(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  const Ipv6Header& h = r->header;
  EXPECT_EQ(h.traffic_class, 0x28);
  EXPECT_EQ(h.dscp(), 10);
  EXPECT_EQ(h.flow_label, 0x12345u);
  EXPECT_EQ(h.payload_length, 24);
  EXPECT_EQ(h.next_header, ip_protocol::kUdp);
  EXPECT_EQ(h.hop_limit, 64);
  EXPECT_EQ(h.source, v6("2001:db8::1"));
  EXPECT_EQ(h.destination, v6("2001:db8::2"));
  EXPECT_EQ(r->upper_layer_protocol, ip_protocol::kUdp);
  EXPECT_EQ(r->upper_layer_offset, 40u);
  EXPECT_EQ(r->upper_layer.size(), 24u);
  EXPECT_EQ(r->upper_layer.data(), bytes.data() + 40);
  EXPECT_EQ(r->packet.size(), 64u);
  EXPECT_FALSE(r->home_address);
  EXPECT_FALSE(r->routing_home_address);
  EXPECT_FALSE(r->fragment);
  EXPECT_TRUE(ipv6UpperLayerChecksumValid(*r));
}

TEST(Ipv6Test, PrependIpv6AndUdpProduceScapyBytes) {
  const Bytes expected = hex(golden::kIpv6Udp);
  PacketBuffer buffer;
  ASSERT_TRUE(buffer.assign(ByteView(expected).subspan(48)));
  ASSERT_TRUE(prependUdp(buffer, 4191, 50000, UdpOverIpv6{v6("2001:db8::1"), v6("2001:db8::2")})
                  .has_value());
  Ipv6Header h;
  h.traffic_class = 0x28;
  h.flow_label = 0x12345;
  h.next_header = ip_protocol::kUdp;
  h.source = v6("2001:db8::1");
  h.destination = v6("2001:db8::2");
  ASSERT_TRUE(prependIpv6(buffer, h).has_value());
  EXPECT_EQ(toHex(buffer.data()), golden::kIpv6Udp);
}

TEST(Ipv6Test, IgnoresOctetsBeyondPayloadLength) {
  Bytes bytes = hex(golden::kIpv6Udp);
  bytes.insert(bytes.end(), 20, 0xEE);  // e.g. IPv4 padding around a tunnelled packet
  auto r = decodeIpv6(bytes);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->upper_layer.size(), 24u);
  EXPECT_EQ(r->packet.size(), 64u);
}

TEST(Ipv6Test, DecodesHomeAddressOption) {
  const Bytes bytes = hex(golden::kIpv6HaoMh);
  auto r = decodeIpv6(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  ASSERT_TRUE(r->home_address);
  EXPECT_EQ(*r->home_address, v6("2001:db8:1::5"));
  EXPECT_EQ(r->home_address_offset, 48u);  // 40 + 2 + PadN(4) + type/length(2)
  EXPECT_EQ(r->unknown_option_count, 0u);
  EXPECT_EQ(r->upper_layer_protocol, ip_protocol::kMobility);
  EXPECT_EQ(r->upper_layer_offset, 64u);
  EXPECT_EQ(toHex(r->upper_layer), golden::kOpaqueMh);
  EXPECT_EQ(ipv6UpperLayerSource(*r), v6("2001:db8:1::5"));
  EXPECT_EQ(ipv6UpperLayerDestination(*r), v6("2001:db8:a::1"));
}

TEST(Ipv6Test, HomeAddressOptionBytesFollowReference27) {
  // Reference §2.7: NextHdr, HdrExtLen 2, PadN with 2 data octets (8n+6 alignment), C9 10, HoA.
  std::array<std::uint8_t, 24> out{};
  ByteWriter w{out};
  ASSERT_TRUE(encodeHomeAddressDestinationOptions(v6("2001:db8:1::5"), ip_protocol::kMobility, w)
                  .has_value());
  EXPECT_EQ(toHex(w.written()),
            "870201020000c910"
            "20010db8000100000000000000000005");
  EXPECT_EQ(w.size(), kHomeAddressDestinationOptionsLength);
  EXPECT_EQ(out[6], kHomeAddressOptionType);  // offset 6: 8n+6 alignment
}

TEST(Ipv6Test, Type2RoutingHeaderBytesFollowReference28) {
  std::array<std::uint8_t, 24> out{};
  ByteWriter w{out};
  ASSERT_TRUE(encodeType2RoutingHeader(v6("2001:db8:1::5"), ip_protocol::kMobility, w).has_value());
  EXPECT_EQ(toHex(w.written()),
            "8702020100000000"
            "20010db8000100000000000000000005");
}

TEST(Ipv6Test, PrependWithHomeAddressOptionProducesScapyBytes) {
  PacketBuffer buffer;
  ASSERT_TRUE(buffer.assign(hex(golden::kOpaqueMh)));
  Ipv6Header h;
  h.next_header = ip_protocol::kMobility;
  h.source = v6("2001:db8:c0a::5");
  h.destination = v6("2001:db8:a::1");
  Ipv6Extensions ext;
  ext.home_address = v6("2001:db8:1::5");
  ASSERT_TRUE(prependIpv6(buffer, h, ext).has_value());
  EXPECT_EQ(toHex(buffer.data()), golden::kIpv6HaoMh);
}

TEST(Ipv6Test, DecodesType2RoutingHeader) {
  const Bytes bytes = hex(golden::kIpv6Rh2Mh);
  auto r = decodeIpv6(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  ASSERT_TRUE(r->routing_home_address);
  EXPECT_EQ(*r->routing_home_address, v6("2001:db8:1::5"));
  EXPECT_EQ(r->routing_home_address_offset, 48u);
  EXPECT_FALSE(r->other_routing);
  EXPECT_EQ(r->upper_layer_protocol, ip_protocol::kMobility);
  EXPECT_EQ(r->upper_layer_offset, 64u);
  EXPECT_EQ(ipv6UpperLayerSource(*r), v6("2001:db8:a::1"));
  EXPECT_EQ(ipv6UpperLayerDestination(*r), v6("2001:db8:1::5"));
}

TEST(Ipv6Test, PrependWithType2RoutingHeaderProducesScapyBytes) {
  PacketBuffer buffer;
  ASSERT_TRUE(buffer.assign(hex(golden::kOpaqueMh)));
  Ipv6Header h;
  h.next_header = ip_protocol::kMobility;
  h.source = v6("2001:db8:a::1");
  h.destination = v6("2001:db8:c0a::5");
  Ipv6Extensions ext;
  ext.routing_home_address = v6("2001:db8:1::5");
  ASSERT_TRUE(prependIpv6(buffer, h, ext).has_value());
  EXPECT_EQ(toHex(buffer.data()), golden::kIpv6Rh2Mh);
}

TEST(Ipv6Test, PrependWithBothPutsRoutingHeaderFirst) {
  PacketBuffer buffer;
  ASSERT_TRUE(buffer.assign(hex(golden::kOpaqueMh)));
  Ipv6Header h;
  h.next_header = ip_protocol::kMobility;
  h.source = v6("2001:db8:c0a::5");
  h.destination = v6("2001:db8:c0a::6");
  Ipv6Extensions ext;
  ext.home_address = v6("2001:db8:1::5");
  ext.routing_home_address = v6("2001:db8:1::6");
  ASSERT_TRUE(prependIpv6(buffer, h, ext).has_value());
  const ByteView d = buffer.data();
  ASSERT_EQ(d.size(), 40u + 24 + 24 + 16);
  EXPECT_EQ(d[4], 0);
  EXPECT_EQ(d[5], 64);                                 // payload length
  EXPECT_EQ(d[6], ip_protocol::kRouting);              // IPv6 -> Routing
  EXPECT_EQ(d[40], ip_protocol::kDestinationOptions);  // Routing -> Destination Options
  EXPECT_EQ(d[64], ip_protocol::kMobility);            // Destination Options -> MH
  auto r = decodeIpv6(d);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(*r->home_address, v6("2001:db8:1::5"));
  EXPECT_EQ(*r->routing_home_address, v6("2001:db8:1::6"));
  EXPECT_EQ(r->home_address_offset, 72u);
  EXPECT_EQ(r->routing_home_address_offset, 48u);
  EXPECT_EQ(r->upper_layer_offset, 88u);
  EXPECT_EQ(r->header.payload_length, 64);
}

TEST(Ipv6Test, UdpChecksumUsesRoutingHeaderAddressAsFinalDestination) {
  const Bytes bytes = hex(golden::kIpv6Rh2Udp);
  auto r = decodeIpv6(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_TRUE(ipv6UpperLayerChecksumValid(*r));
  auto udp = decodeUdp(r->upper_layer);
  ASSERT_TRUE(udp.has_value());
  EXPECT_TRUE(
      verifyUdpChecksum(*udp, ipv6UpperLayerSource(*r), ipv6UpperLayerDestination(*r)).has_value());
  // The on-the-wire destination (the care-of address) is the wrong pseudo-header address.
  EXPECT_FALSE(verifyUdpChecksum(*udp, r->header.source, r->header.destination).has_value());
}

TEST(Ipv6Test, UdpChecksumUsesHomeAddressAsSource) {
  const Bytes bytes = hex(golden::kIpv6HaoUdp);
  auto r = decodeIpv6(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_TRUE(ipv6UpperLayerChecksumValid(*r));
  auto udp = decodeUdp(r->upper_layer);
  ASSERT_TRUE(udp.has_value());
  EXPECT_FALSE(verifyUdpChecksum(*udp, r->header.source, r->header.destination).has_value());
}

TEST(Ipv6Test, SetUpperLayerChecksumMatchesScapy) {
  // UDP(7 -> 9, "abc") with a zero checksum behind a type 2 routing header: the filled-in
  // checksum must be scapy's, computed with the home address as final destination.
  PacketBuffer buffer;
  ASSERT_TRUE(buffer.assign(hex("00070009000b0000616263")));
  Ipv6Header h;
  h.next_header = ip_protocol::kUdp;
  h.source = v6("2001:db8:a::1");
  h.destination = v6("2001:db8:c0a::5");
  Ipv6Extensions ext;
  ext.routing_home_address = v6("2001:db8:1::5");
  ASSERT_TRUE(prependIpv6(buffer, h, ext).has_value());
  ASSERT_TRUE(setIpv6UpperLayerChecksum(buffer.mutableData(), 6).has_value());
  EXPECT_EQ(toHex(buffer.data()), golden::kIpv6Rh2Udp);

  PacketBuffer hao;
  ASSERT_TRUE(hao.assign(hex("00070009000b0000616263")));
  h.source = v6("2001:db8:c0a::5");
  h.destination = v6("2001:db8:a::1");
  Ipv6Extensions hao_ext;
  hao_ext.home_address = v6("2001:db8:1::5");
  ASSERT_TRUE(prependIpv6(hao, h, hao_ext).has_value());
  ASSERT_TRUE(setIpv6UpperLayerChecksum(hao.mutableData(), 6).has_value());
  EXPECT_EQ(toHex(hao.data()), golden::kIpv6HaoUdp);
}

TEST(Ipv6Test, SetUpperLayerChecksumRejectsFragmentsAndShortUpperLayers) {
  Bytes frag = hex(golden::kIpv6NonFirstFragment);
  auto r1 = setIpv6UpperLayerChecksum(frag, 6);
  ASSERT_FALSE(r1.has_value());
  EXPECT_EQ(r1.error().code, ErrorCode::Unsupported);
  EXPECT_EQ(r1.error().offset, 40u);

  Bytes udp = hex(golden::kIpv6Udp);
  auto r2 = setIpv6UpperLayerChecksum(udp, 23);  // field would end one octet past the data
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error().code, ErrorCode::Truncated);
  EXPECT_TRUE(setIpv6UpperLayerChecksum(udp, 22).has_value());

  Bytes broken = hex(golden::kIpv6Udp);
  broken[0] = 0x40;
  auto r3 = setIpv6UpperLayerChecksum(broken, 6);
  ASSERT_FALSE(r3.has_value());
  EXPECT_EQ(r3.error().code, ErrorCode::BadVersion);
}

TEST(Ipv6Test, NonFirstFragmentEndsTheChain) {
  const Bytes bytes = hex(golden::kIpv6NonFirstFragment);
  auto r = decodeIpv6(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  ASSERT_TRUE(r->fragment);
  EXPECT_EQ(r->fragment->offset, 100);
  EXPECT_TRUE(r->fragment->more_fragments);
  EXPECT_EQ(r->fragment->identification, 0xdeadbeefu);
  EXPECT_EQ(r->fragment->next_header, ip_protocol::kUdp);
  EXPECT_EQ(r->fragment->header_offset, 40u);
  EXPECT_TRUE(r->isNonFirstFragment());
  EXPECT_EQ(r->upper_layer_protocol, ip_protocol::kUdp);
  EXPECT_EQ(r->upper_layer_offset, 48u);
  EXPECT_EQ(r->upper_layer.size(), 16u);
  EXPECT_FALSE(ipv6UpperLayerChecksumValid(*r));
}

TEST(Ipv6Test, FirstFragmentContinuesTheChain) {
  // Fragment(offset 0, M) -> Destination Options (PadN) -> UDP header.
  const Bytes bytes = ipv6With(ip_protocol::kFragment,
                               "3c000001000000071100010400000000"
                               "0005000600080000");
  auto r = decodeIpv6(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  ASSERT_TRUE(r->fragment);
  EXPECT_TRUE(r->fragment->isFirst());
  EXPECT_TRUE(r->fragment->more_fragments);
  EXPECT_EQ(r->fragment->identification, 7u);
  EXPECT_FALSE(r->isNonFirstFragment());
  EXPECT_EQ(r->upper_layer_protocol, ip_protocol::kUdp);
  EXPECT_EQ(r->upper_layer_offset, 56u);
}

TEST(Ipv6Test, CountsUnknownOptionsAndExposesFirstDiscardAction) {
  const Bytes bytes = hex(golden::kIpv6HopByHopUnknownOption);
  auto r = decodeIpv6(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(r->unknown_option_count, 2u);  // Router Alert (action skip) and 0x9e
  ASSERT_TRUE(r->discard_option);
  EXPECT_EQ(r->discard_option->type, 0x9e);
  EXPECT_EQ(r->discard_option->offset, 50u);
  EXPECT_FALSE(r->discard_option->in_hop_by_hop);
  EXPECT_EQ(ipv6OptionAction(0x9e), Ipv6OptionAction::DiscardSendIcmp);
  EXPECT_EQ(r->upper_layer_protocol, ip_protocol::kUdp);
  EXPECT_EQ(r->upper_layer_offset, 56u);
}

TEST(Ipv6Test, HomeAddressOptionInHopByHopIsUnknown) {
  // C9 in a Hop-by-Hop header is not a Home Address option: action 11 (discard).
  const Bytes bytes = ipv6With(ip_protocol::kHopByHop,
                               "3b0201020000c910"
                               "20010db8000100000000000000000005");
  auto r = decodeIpv6(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_FALSE(r->home_address);
  ASSERT_TRUE(r->discard_option);
  EXPECT_EQ(r->discard_option->type, kHomeAddressOptionType);
  EXPECT_TRUE(r->discard_option->in_hop_by_hop);
  EXPECT_EQ(ipv6OptionAction(kHomeAddressOptionType),
            Ipv6OptionAction::DiscardSendIcmpIfNotMulticast);
}

TEST(Ipv6Test, HomeAddressOptionAlignmentNotEnforcedOnReceive) {
  // Pad1 Pad1 then the option at offset 4 (not 8n+6), then PadN to fill 24 octets.
  const Bytes bytes = ipv6With(ip_protocol::kDestinationOptions,
                               "3b020000c91020010db800010000000000000000000501000000");
  auto r = decodeIpv6(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(*r->home_address, v6("2001:db8:1::5"));
  EXPECT_EQ(r->home_address_offset, 46u);
}

TEST(Ipv6Test, SkipsAuthenticationHeaderByLength) {
  const Bytes bytes = hex(golden::kIpv6AhUdp);
  auto r = decodeIpv6(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(r->authentication_header_offset, 40u);
  EXPECT_EQ(r->upper_layer_protocol, ip_protocol::kUdp);
  EXPECT_EQ(r->upper_layer_offset, 64u);
  EXPECT_EQ(toHex(r->upper_layer), "00050006000912347a");
}

TEST(Ipv6Test, EspEndsTheChain) {
  const Bytes bytes = hex(golden::kIpv6Esp);
  auto r = decodeIpv6(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(r->upper_layer_protocol, ip_protocol::kEsp);
  EXPECT_EQ(r->upper_layer_offset, 40u);
  EXPECT_EQ(r->upper_layer.size(), 24u);
}

TEST(Ipv6Test, OtherRoutingTypeIsRecordedAndSkipped) {
  // Type 0 (deprecated), two addresses, segments left 2, then No Next Header.
  const Bytes bytes = ipv6With(ip_protocol::kRouting,
                               "3b04000200000000"
                               "20010db8000000000000000000000003"
                               "20010db8000000000000000000000004");
  auto r = decodeIpv6(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  ASSERT_TRUE(r->other_routing);
  EXPECT_EQ(r->other_routing->routing_type, 0);
  EXPECT_EQ(r->other_routing->segments_left, 2);
  EXPECT_EQ(r->other_routing->header_offset, 40u);
  EXPECT_FALSE(r->routing_home_address);
  EXPECT_EQ(r->upper_layer_protocol, ip_protocol::kNoNextHeader);
  EXPECT_EQ(r->upper_layer_offset, 80u);
  EXPECT_TRUE(r->upper_layer.empty());
}

TEST(Ipv6Test, RejectsShortBuffer) {
  const Bytes bytes = hex(golden::kIpv6Udp);
  expectError(decodeIpv6(ByteView(bytes).first(39)), ErrorCode::Truncated, 0);
}

TEST(Ipv6Test, RejectsWrongVersion) {
  Bytes bytes = hex(golden::kIpv6Udp);
  bytes[0] = 0x42;
  expectError(decodeIpv6(bytes), ErrorCode::BadVersion, 0);
}

TEST(Ipv6Test, RejectsJumbogram) {
  Bytes bytes = ipv6With(ip_protocol::kHopByHop, "");
  expectError(decodeIpv6(bytes), ErrorCode::Unsupported, 4);
}

TEST(Ipv6Test, RejectsJumboPayloadOption) {
  const Bytes bytes = ipv6With(ip_protocol::kHopByHop, "3b00c20400010000");
  expectError(decodeIpv6(bytes), ErrorCode::Unsupported, 42);
}

TEST(Ipv6Test, RejectsPayloadLengthBeyondBuffer) {
  Bytes bytes = hex(golden::kIpv6Udp);
  bytes[5] = 25;
  expectError(decodeIpv6(bytes), ErrorCode::Truncated, 4);
}

TEST(Ipv6Test, RejectsHopByHopAfterAnotherHeader) {
  const Bytes bytes = ipv6With(ip_protocol::kDestinationOptions,
                               "0000010400000000"
                               "3b00010400000000");
  expectError(decodeIpv6(bytes), ErrorCode::BadValue, 48);
}

TEST(Ipv6Test, RejectsExtensionHeaderBeyondPayload) {
  Bytes bytes = hex(golden::kIpv6HaoMh);
  bytes[41] = 5;  // 48 octets of Destination Options in a 40-octet payload
  expectError(decodeIpv6(bytes), ErrorCode::Truncated, 41);
}

TEST(Ipv6Test, RejectsExtensionHeaderWithoutLengthOctet) {
  const Bytes bytes = ipv6With(ip_protocol::kDestinationOptions, "3b");
  expectError(decodeIpv6(bytes), ErrorCode::Truncated, 40);
}

TEST(Ipv6Test, RejectsOptionWithoutLengthOctet) {
  // PadN of 3 data octets ends at offset 47; the option type at 47 has no length octet.
  const Bytes bytes = ipv6With(ip_protocol::kDestinationOptions, "3b00010300000005");
  expectError(decodeIpv6(bytes), ErrorCode::BadLength, 47);
}

TEST(Ipv6Test, RejectsOptionRunningPastItsHeader) {
  const Bytes bytes = ipv6With(ip_protocol::kDestinationOptions, "3b00010500000000");
  expectError(decodeIpv6(bytes), ErrorCode::BadLength, 43);
}

TEST(Ipv6Test, RejectsHomeAddressOptionOfWrongLength) {
  Bytes bytes = hex(golden::kIpv6HaoMh);
  bytes[47] = 14;
  expectError(decodeIpv6(bytes), ErrorCode::BadLength, 47);
}

TEST(Ipv6Test, RejectsSecondHomeAddressOption) {
  const Bytes bytes = ipv6With(ip_protocol::kDestinationOptions,
                               "3b0501020000c910"
                               "20010db8000100000000000000000005"
                               "01020000c910"
                               "20010db8000100000000000000000006"
                               "0100");
  expectError(decodeIpv6(bytes), ErrorCode::BadValue, 68);
}

TEST(Ipv6Test, RejectsType2RoutingHeaderOfWrongLength) {
  const Bytes bytes = ipv6With(ip_protocol::kRouting, "3b00020100000000");
  expectError(decodeIpv6(bytes), ErrorCode::BadLength, 41);
}

TEST(Ipv6Test, RejectsType2RoutingHeaderWithSegmentsLeftNotOne) {
  Bytes bytes = hex(golden::kIpv6Rh2Mh);
  bytes[43] = 0;
  expectError(decodeIpv6(bytes), ErrorCode::BadValue, 43);
}

TEST(Ipv6Test, RejectsSecondType2RoutingHeader) {
  const Bytes bytes = ipv6With(ip_protocol::kRouting,
                               "2b02020100000000"
                               "20010db8000100000000000000000005"
                               "3b02020100000000"
                               "20010db8000100000000000000000005");
  expectError(decodeIpv6(bytes), ErrorCode::BadValue, 64);
}

TEST(Ipv6Test, RejectsSecondFragmentHeader) {
  const Bytes bytes = ipv6With(ip_protocol::kFragment,
                               "2c00000100000001"
                               "3b00000100000001");
  expectError(decodeIpv6(bytes), ErrorCode::BadValue, 48);
}

TEST(Ipv6Test, RejectsTruncatedFragmentHeader) {
  const Bytes bytes = ipv6With(ip_protocol::kFragment, "3b000001000000");
  expectError(decodeIpv6(bytes), ErrorCode::Truncated, 40);
}

TEST(Ipv6Test, RejectsAuthenticationHeaderBelowMinimumLength) {
  const Bytes bytes = ipv6With(ip_protocol::kAh,
                               "3b00000000000100"
                               "00000001");
  expectError(decodeIpv6(bytes), ErrorCode::BadLength, 41);
}

TEST(Ipv6Test, RejectsAuthenticationHeaderNotMultipleOfEight) {
  // Payload Len 3: (3 + 2) * 4 = 20 octets.
  const Bytes bytes = ipv6With(ip_protocol::kAh,
                               "3b030000000001000000000100000000"
                               "00000000");
  expectError(decodeIpv6(bytes), ErrorCode::BadLength, 41);
}

TEST(Ipv6Test, RejectsAuthenticationHeaderBeyondPayload) {
  Bytes bytes = hex(golden::kIpv6AhUdp);
  bytes[41] = 6;  // 32 octets of AH in a 33-octet payload that has 24 before the UDP data
  bytes[5] = 30;
  bytes.resize(70);
  expectError(decodeIpv6(bytes), ErrorCode::Truncated, 41);
}

TEST(Ipv6Test, RejectsTruncatedAuthenticationHeader) {
  const Bytes bytes = ipv6With(ip_protocol::kAh, "3b0400000000010000000001");
  expectError(decodeIpv6(bytes), ErrorCode::Truncated, 41);
}

TEST(Ipv6Test, PrependRejectsMissingHeadroomAndLeavesBufferAlone) {
  PacketBuffer buffer(200, 63);
  ASSERT_TRUE(buffer.assign(std::array<std::uint8_t, 2>{1, 2}, 63));
  Ipv6Extensions ext;
  ext.home_address = v6("2001:db8:1::5");
  auto r = prependIpv6(buffer, Ipv6Header{}, ext);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::NoSpace);
  EXPECT_EQ(buffer.size(), 2u);
  EXPECT_EQ(buffer.headroom(), 63u);
  EXPECT_TRUE(prependIpv6(buffer, Ipv6Header{}).has_value());  // 40 octets do fit
}

TEST(Ipv6Test, PrependRejectsOversizedPayload) {
  PacketBuffer buffer;
  ASSERT_TRUE(buffer.resize(65535 - 23));
  Ipv6Extensions ext;
  ext.home_address = v6("2001:db8:1::5");
  auto r = prependIpv6(buffer, Ipv6Header{}, ext);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::BadLength);
  ASSERT_TRUE(buffer.resize(65535 - 24));
  EXPECT_TRUE(prependIpv6(buffer, Ipv6Header{}, ext).has_value());
}

TEST(Ipv6Test, HeaderRoundTrips) {
  Ipv6Header h;
  h.traffic_class = 0xFF;
  h.flow_label = 0xFFFFF;
  h.payload_length = 0;
  h.next_header = ip_protocol::kNoNextHeader;
  h.hop_limit = 1;
  h.source = v6("fe80::1");
  h.destination = v6("ff02::2");
  std::array<std::uint8_t, 40> out{};
  ByteWriter w{out};
  ASSERT_TRUE(encodeIpv6Header(h, w).has_value());
  auto r = decodeIpv6(out);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->header, h);
  std::array<std::uint8_t, 39> small{};
  ByteWriter ws{small};
  EXPECT_FALSE(encodeIpv6Header(h, ws).has_value());
}

TEST(Ipv6Test, TunnelInnerSourceCheckFollowsRfc4213) {
  EXPECT_TRUE(isAcceptableTunnelInnerSource(v6("2001:db8::1")));
  EXPECT_TRUE(isAcceptableTunnelInnerSource(v6("fe80::c000:20a")));
  EXPECT_TRUE(isAcceptableTunnelInnerSource(v6("::")));
  EXPECT_FALSE(isAcceptableTunnelInnerSource(v6("ff02::1")));
  EXPECT_FALSE(isAcceptableTunnelInnerSource(v6("::1")));
  EXPECT_FALSE(isAcceptableTunnelInnerSource(v6("::192.0.2.1")));
  EXPECT_FALSE(isAcceptableTunnelInnerSource(v6("::ffff:192.0.2.1")));
}

}  // namespace
}  // namespace dsmip::wire
