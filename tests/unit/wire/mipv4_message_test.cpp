// Mobile IPv4 messages and extensions: golden bytes, round trips, skipping, one test per
// rejection reason, names, and a cross-check against scapy's encoder.
#include <gtest/gtest.h>

#include <string_view>

#include "wire/mipv4.hpp"

namespace dsmip::wire {
namespace {

Bytes hex(std::string_view text) {
  Bytes out;
  EXPECT_TRUE(fromHex(text, out)) << text;
  return out;
}

Ipv4Address v4(std::string_view text) { return *Ipv4Address::parse(text); }
Ipv6Address v6(std::string_view text) { return *Ipv6Address::parse(text); }

template <typename Encode>
Bytes encodeWith(Encode&& encode, std::size_t capacity = 1500) {
  Bytes buffer(capacity);
  ByteWriter out{buffer};
  const Status status = encode(out);
  EXPECT_TRUE(status) << (status ? "" : status.error().toString());
  buffer.resize(out.size());
  return buffer;
}

Bytes encodeExtension(const Mipv4Extension& e) {
  return encodeWith([&](ByteWriter& out) { return encodeMipv4Extension(e, out); });
}

// The fixed part of the reference worked example (reference 5.5): D+T, lifetime 600,
// HoA 10.1.0.5, HA 203.0.113.1, CoA 192.168.1.20, Identification e6a0b2c3 12345678.
constexpr std::string_view kRequestFixedHex =
    "01220258 0a010005 cb007101 c0a80114 e6a0b2c312345678";
// A reply fixed part: code 0, lifetime 600, HoA 10.1.0.5, HA 203.0.113.1, same Identification.
constexpr std::string_view kReplyFixedHex = "03000258 0a010005 cb007101 e6a0b2c312345678";

RegistrationRequest exampleRequest() {
  RegistrationRequest r;
  r.flags.decapsulation_by_mobile_node = true;
  r.flags.reverse_tunneling = true;
  r.lifetime = 600;
  r.home_address = v4("10.1.0.5");
  r.home_agent = v4("203.0.113.1");
  r.care_of_address = v4("192.168.1.20");
  r.identification = 0xe6a0b2c312345678ULL;
  return r;
}

RegistrationReply exampleReply() {
  RegistrationReply r;
  r.code = RegistrationReplyCode::Accepted;
  r.lifetime = 600;
  r.home_address = v4("10.1.0.5");
  r.home_agent = v4("203.0.113.1");
  r.identification = 0xe6a0b2c312345678ULL;
  return r;
}

Result<RegistrationRequest> decodeRequestWith(std::string_view extensions_hex) {
  const Bytes bytes = hex(std::string(kRequestFixedHex) + std::string(extensions_hex));
  return decodeRegistrationRequest(bytes);
}

void expectError(const Result<RegistrationRequest>& r, ErrorCode code, std::size_t offset) {
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, code) << r.error().toString();
  EXPECT_EQ(r.error().offset, offset) << r.error().toString();
}

// --- fixed parts --------------------------------------------------------------------------------

TEST(Mipv4MessageTest, RequestFixedPartGolden) {
  const Bytes golden = hex(kRequestFixedHex);
  EXPECT_EQ(
      encodeWith([](ByteWriter& out) { return encodeRegistrationRequest(exampleRequest(), out); }),
      golden);
  auto decoded = decodeRegistrationRequest(golden);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, exampleRequest());
  EXPECT_EQ(registrationRequestSize(exampleRequest()), 24u);
}

TEST(Mipv4MessageTest, RequestFlagBitsEachMapToTheirMask) {
  struct Case {
    bool RegistrationFlags::*flag;
    std::uint8_t mask;
  };
  const Case cases[] = {
      {&RegistrationFlags::simultaneous_bindings, 0x80},
      {&RegistrationFlags::broadcast, 0x40},
      {&RegistrationFlags::decapsulation_by_mobile_node, 0x20},
      {&RegistrationFlags::minimal_encapsulation, 0x10},
      {&RegistrationFlags::gre_encapsulation, 0x08},
      {&RegistrationFlags::reserved_r, 0x04},
      {&RegistrationFlags::reverse_tunneling, 0x02},
      {&RegistrationFlags::reserved_x, 0x01},
  };
  for (const auto& c : cases) {
    RegistrationFlags f;
    f.*c.flag = true;
    EXPECT_EQ(f.toOctet(), c.mask);
    EXPECT_EQ(RegistrationFlags::fromOctet(c.mask), f);
  }
  EXPECT_EQ(RegistrationFlags::fromOctet(0xFF).toOctet(), 0xFF);
  EXPECT_TRUE(RegistrationFlags::fromOctet(0x04).hasReservedBits());
  EXPECT_TRUE(RegistrationFlags::fromOctet(0x01).hasReservedBits());
  EXPECT_FALSE(RegistrationFlags::fromOctet(0xFA).hasReservedBits());
}

TEST(Mipv4MessageTest, RequestKeepsReservedFlagsForTheHomeAgent) {
  // x and r set: the decoder keeps them so the HA can answer 134 (RFC 5944 §3.8.2.3).
  auto r = decodeRegistrationRequest(hex("0105ffff 0a010005 cb007101 c0a80114 0000000000000001"));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->flags.reserved_r);
  EXPECT_TRUE(r->flags.reserved_x);
  EXPECT_EQ(r->lifetime, kMipv4InfiniteLifetime);
}

TEST(Mipv4MessageTest, ReplyFixedPartGolden) {
  const Bytes golden = hex(kReplyFixedHex);
  EXPECT_EQ(
      encodeWith([](ByteWriter& out) { return encodeRegistrationReply(exampleReply(), out); }),
      golden);
  auto decoded = decodeRegistrationReply(golden);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, exampleReply());
  EXPECT_EQ(registrationReplySize(exampleReply()), 20u);
}

TEST(Mipv4MessageTest, ReplyKeepsUnassignedCode) {
  auto r = decodeRegistrationReply(hex("03fe0000 0a010005 cb007101 0000000000000000"));
  ASSERT_TRUE(r);
  EXPECT_EQ(static_cast<int>(r->code), 0xfe);
  EXPECT_FALSE(isRegistrationAccepted(r->code));
  EXPECT_EQ(registrationReplyCodeName(r->code), "unknown");
}

// --- tunnel data --------------------------------------------------------------------------------

TEST(Mipv4MessageTest, TunnelDataDecodeViewsThePacket) {
  const Bytes bytes = hex("04290000 60000000 0000 3b40");
  auto t = decodeTunnelData(bytes);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->next_header, kTunnelDataNextHeaderIpv6);
  ASSERT_EQ(t->packet.size(), 8u);
  EXPECT_EQ(t->packet.data(), bytes.data() + 4);  // a view, not a copy
}

TEST(Mipv4MessageTest, TunnelDataIgnoresReserved) {
  auto t = decodeTunnelData(hex("0404ffff 45"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->next_header, 4);
  EXPECT_EQ(t->packet.size(), 1u);
}

TEST(Mipv4MessageTest, TunnelDataPrependWritesHeaderInHeadroom) {
  PacketBuffer buffer;
  const Bytes inner = hex("4500001c");
  ASSERT_TRUE(buffer.assign(inner));
  const std::size_t headroom = buffer.headroom();
  ASSERT_TRUE(prependTunnelData(buffer, kTunnelDataNextHeaderIpv4));
  EXPECT_EQ(buffer.headroom(), headroom - 4);
  EXPECT_EQ(toHex(buffer.data()), "040400004500001c");
  auto t = decodeTunnelData(buffer.data());
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, (TunnelData{4, inner}));
}

TEST(Mipv4MessageTest, TunnelDataPrependFailsWithoutHeadroom) {
  PacketBuffer buffer(64, 3);
  ASSERT_TRUE(buffer.assign(hex("45"), 3));
  const Status s = prependTunnelData(buffer, 4);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::NoSpace);
  EXPECT_EQ(buffer.size(), 1u);  // untouched
}

TEST(Mipv4MessageTest, TunnelDataEncodeRoundTrip) {
  const Bytes inner = hex("60000000");
  const TunnelData t{kTunnelDataNextHeaderIpv6, inner};
  const Bytes bytes = encodeWith([&](ByteWriter& out) { return encodeTunnelData(t, out); });
  EXPECT_EQ(toHex(bytes), "0429000060000000");
  auto back = decodeTunnelData(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, t);
  EXPECT_NE(*back, (TunnelData{kTunnelDataNextHeaderIpv4, inner}));
}

// --- extensions: golden bytes -------------------------------------------------------------------

TEST(Mipv4ExtensionTest, PrefixRequestGolden) {
  const Ipv6PrefixRequestExtension e{48, v6("2001:db8:abcd::")};
  EXPECT_EQ(toHex(encodeExtension(e)), "9812013020010db8abcd00000000000000000000");
  EXPECT_EQ(mipv4ExtensionSize(e), 20u);
  auto r = decodeRequestWith("9812013020010db8abcd00000000000000000000");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->extensions.size(), 1u);
  EXPECT_EQ(std::get<Ipv6PrefixRequestExtension>(r->extensions[0]), e);
  EXPECT_EQ(e.normalisedPrefix(), Ipv6Prefix::parse("2001:db8:abcd::/48"));
}

TEST(Mipv4ExtensionTest, PrefixRequestLinkLocal) {
  // Prefix Length 255: the field is a link-local address (RFC 5454 §2.2, §3.7.1).
  auto r = decodeRequestWith("981201fffe800000000000000000000000000001");
  ASSERT_TRUE(r);
  const auto& e = std::get<Ipv6PrefixRequestExtension>(r->extensions.at(0));
  EXPECT_TRUE(e.isLinkLocal());
  EXPECT_EQ(e.prefix, v6("fe80::1"));
  EXPECT_EQ(e.normalisedPrefix(), Ipv6Prefix::parse("fe80::1/128"));
}

TEST(Mipv4ExtensionTest, PrefixKeepsInsignificantBitsButNormalisesThem) {
  auto r = decodeRequestWith("9812012020010db8ffff00000000000000000001");
  ASSERT_TRUE(r);
  const auto& e = std::get<Ipv6PrefixRequestExtension>(r->extensions.at(0));
  EXPECT_EQ(e.prefix, v6("2001:db8:ffff::1"));  // as received
  EXPECT_EQ(e.normalisedPrefix(), Ipv6Prefix::parse("2001:db8::/32"));
  EXPECT_EQ((Ipv6PrefixRequestExtension{200, e.prefix}.normalisedPrefix()), std::nullopt);
}

TEST(Mipv4ExtensionTest, PrefixReplyGolden) {
  const Ipv6PrefixReplyExtension e{Ipv6PrefixReplyCode::AcceptedTunnelToCareOfAddress, 48,
                                   v6("2001:db8:abcd::")};
  const std::string_view golden = "98140201300020010db8abcd00000000000000000000";
  EXPECT_EQ(toHex(encodeExtension(e)), golden);
  EXPECT_EQ(mipv4ExtensionSize(e), 22u);
  const Bytes bytes = hex(std::string(kReplyFixedHex) + std::string(golden));
  auto r = decodeRegistrationReply(bytes);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->extensions.size(), 1u);
  EXPECT_EQ(std::get<Ipv6PrefixReplyExtension>(r->extensions[0]), e);
}

TEST(Mipv4ExtensionTest, PrefixReplyIgnoresReservedOctet) {
  const Bytes bytes =
      hex(std::string(kReplyFixedHex) + "98140208ffee20010db8abcd00000000000000000000");
  auto r = decodeRegistrationReply(bytes);
  ASSERT_TRUE(r);
  const auto& e = std::get<Ipv6PrefixReplyExtension>(r->extensions.at(0));
  EXPECT_EQ(e.code, Ipv6PrefixReplyCode::RejectedReasonUnspecified);
  EXPECT_EQ(e.prefix_length, 0xff);
  EXPECT_FALSE(isIpv6PrefixAccepted(e.code));
}

TEST(Mipv4ExtensionTest, TunnelingModeGolden) {
  EXPECT_EQ(toHex(encodeExtension(Ipv6TunnelingModeExtension{})), "98020300");
  auto r = decodeRequestWith("980203ff");  // reserved octet ignored
  ASSERT_TRUE(r);
  ASSERT_EQ(r->extensions.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<Ipv6TunnelingModeExtension>(r->extensions[0]));
}

TEST(Mipv4ExtensionTest, UdpTunnelRequestGolden) {
  UdpTunnelRequestExtension e;
  e.force = true;
  e.encapsulation = kUdpTunnelEncapsulationFromFlags;
  EXPECT_EQ(toHex(encodeExtension(e)), "9006000080000000");
  e.registered_through_fa = true;
  e.encapsulation = kUdpTunnelEncapsulationGre;
  EXPECT_EQ(toHex(encodeExtension(e)), "90060000c02f0000");
  auto r = decodeRequestWith("90060000c02f0000");
  ASSERT_TRUE(r);
  EXPECT_EQ(std::get<UdpTunnelRequestExtension>(r->extensions.at(0)), e);
}

TEST(Mipv4ExtensionTest, UdpTunnelRequestKeepsReserved1And2) {
  auto r = decodeRequestWith("900600a5bf040000");
  ASSERT_TRUE(r);
  const auto& e = std::get<UdpTunnelRequestExtension>(r->extensions.at(0));
  EXPECT_EQ(e.reserved1, 0xa5);
  EXPECT_TRUE(e.force);
  EXPECT_FALSE(e.registered_through_fa);
  EXPECT_EQ(e.reserved2, 0x3f);
  EXPECT_EQ(e.encapsulation, kUdpTunnelEncapsulationIpInIp);
  EXPECT_EQ(toHex(encodeExtension(e)), "900600a5bf040000");
}

TEST(Mipv4ExtensionTest, UdpTunnelRequestWithNonZeroReserved3IsSkipped) {
  // Decision D9 (RFC 3519 §3.1.3): not understood, skipped, and visible as such.
  auto r = decodeRequestWith("9006000080000001 98020300");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->extensions.size(), 2u);
  const auto& u = std::get<Mipv4UnknownExtension>(r->extensions[0]);
  EXPECT_EQ(u.type, 144);
  EXPECT_EQ(u.reason, Mipv4SkipReason::NonZeroReserved);
  EXPECT_EQ(toHex(u.data), "000080000001");
  EXPECT_EQ(findMipv4Extension<UdpTunnelRequestExtension>(r->extensions), nullptr);
  EXPECT_TRUE(std::holds_alternative<Ipv6TunnelingModeExtension>(r->extensions[1]));
  EXPECT_EQ(toHex(encodeExtension(u)), "9006000080000001");  // re-encoded as received
}

TEST(Mipv4ExtensionTest, UdpTunnelReplyGolden) {
  UdpTunnelReplyExtension e;
  e.reply_code = UdpTunnelReplyCode::WillTunnel;
  e.force = true;
  e.keepalive_interval = 110;
  EXPECT_EQ(toHex(encodeExtension(e)), "2c0600008000006e");
  const Bytes bytes = hex(std::string(kReplyFixedHex) + "2c0600408000006e");
  auto r = decodeRegistrationReply(bytes);
  ASSERT_TRUE(r);
  e.reply_code = UdpTunnelReplyCode::DeclinedReasonUnspecified;
  EXPECT_EQ(std::get<UdpTunnelReplyExtension>(r->extensions.at(0)), e);
  EXPECT_FALSE(isUdpTunnelAssent(e.reply_code));
  EXPECT_TRUE(isUdpTunnelAssent(static_cast<UdpTunnelReplyCode>(63)));
}

TEST(Mipv4ExtensionTest, UdpTunnelReplyIgnoresReservedBits) {
  const Bytes bytes = hex(std::string(kReplyFixedHex) + "2c0600007fff0000");
  auto r = decodeRegistrationReply(bytes);
  ASSERT_TRUE(r);
  const auto& e = std::get<UdpTunnelReplyExtension>(r->extensions.at(0));
  EXPECT_FALSE(e.force);
  EXPECT_EQ(e.keepalive_interval, 0);
}

TEST(Mipv4ExtensionTest, AuthExtensionsGolden) {
  const MobileHomeAuthExtension mh{0x1000, hex("00112233445566778899aabbccddeeff")};
  EXPECT_EQ(toHex(encodeExtension(mh)),
            "201400001000"
            "00112233445566778899aabbccddeeff");
  const MobileForeignAuthExtension mf{0x12345678, hex("aabb")};
  EXPECT_EQ(toHex(encodeExtension(mf)), "210612345678aabb");
  const ForeignHomeAuthExtension fh{0x100, {}};
  EXPECT_EQ(toHex(encodeExtension(fh)), "220400000100");
  auto r = decodeRequestWith(
      "201400001000 00112233445566778899aabbccddeeff "
      "210612345678aabb 220400000100");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->extensions.size(), 3u);
  EXPECT_EQ(std::get<MobileHomeAuthExtension>(r->extensions[0]), mh);
  EXPECT_EQ(std::get<MobileForeignAuthExtension>(r->extensions[1]), mf);
  EXPECT_EQ(std::get<ForeignHomeAuthExtension>(r->extensions[2]), fh);
}

TEST(Mipv4ExtensionTest, ExtensionTypeOfEachAlternative) {
  EXPECT_EQ(mipv4ExtensionType(MobileHomeAuthExtension{}), 32);
  EXPECT_EQ(mipv4ExtensionType(MobileForeignAuthExtension{}), 33);
  EXPECT_EQ(mipv4ExtensionType(ForeignHomeAuthExtension{}), 34);
  EXPECT_EQ(mipv4ExtensionType(UdpTunnelReplyExtension{}), 44);
  EXPECT_EQ(mipv4ExtensionType(UdpTunnelRequestExtension{}), 144);
  EXPECT_EQ(mipv4ExtensionType(Ipv6PrefixRequestExtension{}), 152);
  EXPECT_EQ(mipv4ExtensionType(Ipv6PrefixReplyExtension{}), 152);
  EXPECT_EQ(mipv4ExtensionType(Ipv6TunnelingModeExtension{}), 152);
  EXPECT_EQ(mipv4ExtensionType(Mipv4UnknownExtension{201, {}, {}}), 201);
}

// --- extensions: skipping and padding -----------------------------------------------------------

TEST(Mipv4ExtensionTest, UnknownSkippableTypeIsKeptAndDecodingContinues) {
  auto r = decodeRequestWith("c803010203 98020300");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->extensions.size(), 2u);
  const auto& u = std::get<Mipv4UnknownExtension>(r->extensions[0]);
  EXPECT_EQ(u.type, 200);
  EXPECT_EQ(toHex(u.data), "010203");
  EXPECT_EQ(u.reason, Mipv4SkipReason::UnknownType);
  EXPECT_TRUE(std::holds_alternative<Ipv6TunnelingModeExtension>(r->extensions[1]));
}

TEST(Mipv4ExtensionTest, UnknownSkippableWithEmptyData) {
  auto r = decodeRequestWith("ff00");
  ASSERT_TRUE(r);
  EXPECT_EQ(std::get<Mipv4UnknownExtension>(r->extensions.at(0)),
            (Mipv4UnknownExtension{255, {}, Mipv4SkipReason::UnknownType}));
}

TEST(Mipv4ExtensionTest, UnknownDsmipv4SubTypeIsSkipped) {
  // Sub-types 4–255 of the skippable type 152 are reserved for Expert Review (RFC 5454 §5): a
  // receiver that does not know one skips it like any unrecognised skippable extension.
  auto r = decodeRequestWith("9805040a0b0c0d 98020300");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->extensions.size(), 2u);
  const auto& u = std::get<Mipv4UnknownExtension>(r->extensions[0]);
  EXPECT_EQ(u.type, 152);
  EXPECT_EQ(u.reason, Mipv4SkipReason::UnknownSubType);
  EXPECT_EQ(toHex(u.data), "040a0b0c0d");
}

TEST(Mipv4ExtensionTest, UnknownUdpTunnelRequestSubTypeIsSkipped) {
  auto r = decodeRequestWith("9003070000");
  ASSERT_TRUE(r);
  const auto& u = std::get<Mipv4UnknownExtension>(r->extensions.at(0));
  EXPECT_EQ(u.type, 144);
  EXPECT_EQ(u.reason, Mipv4SkipReason::UnknownSubType);
}

TEST(Mipv4ExtensionTest, OneBytePaddingIsConsumed) {
  auto r = decodeRequestWith("00 00 98020300 00");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->extensions.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<Ipv6TunnelingModeExtension>(r->extensions[0]));
}

TEST(Mipv4ExtensionTest, EncoderRefusesWhatTheWireCannotCarry) {
  Bytes buffer(600);
  ByteWriter out{buffer};
  const Status too_long = encodeMipv4Extension(Mipv4UnknownExtension{200, Bytes(256), {}}, out);
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, ErrorCode::InvalidArgument);
  const Status padding = encodeMipv4Extension(Mipv4UnknownExtension{0, Bytes(1), {}}, out);
  ASSERT_FALSE(padding);
  EXPECT_EQ(padding.error().code, ErrorCode::InvalidArgument);
  const Status auth = encodeMipv4Extension(MobileHomeAuthExtension{0x1000, Bytes(252)}, out);
  ASSERT_FALSE(auth);
  EXPECT_EQ(auth.error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(out.size(), 0u);
}

TEST(Mipv4ExtensionTest, EncoderReportsNoSpace) {
  Bytes buffer(30);
  ByteWriter out{buffer};
  RegistrationRequest r = exampleRequest();
  r.extensions.push_back(Ipv6PrefixRequestExtension{48, v6("2001:db8::")});
  const Status s = encodeRegistrationRequest(r, out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::NoSpace);
}

// --- round trips --------------------------------------------------------------------------------

TEST(Mipv4MessageTest, RequestRoundTripWithEveryExtension) {
  RegistrationRequest r = exampleRequest();
  r.flags.simultaneous_bindings = true;
  r.flags.gre_encapsulation = true;
  r.extensions = {
      Ipv6PrefixRequestExtension{48, v6("2001:db8:abcd::")},
      Ipv6PrefixRequestExtension{kDsmipv4LinkLocalPrefixLength, v6("fe80::2")},
      Ipv6TunnelingModeExtension{},
      UdpTunnelRequestExtension{0, true, false, 0, 0},
      Mipv4UnknownExtension{131, hex("6d6e406578616d706c652e6f7267"), Mipv4SkipReason::UnknownType},
      MobileHomeAuthExtension{0x1000, Bytes(16, 0xab)},
      MobileForeignAuthExtension{0x2000, Bytes(16, 0xcd)},
  };
  const Bytes bytes =
      encodeWith([&](ByteWriter& out) { return encodeRegistrationRequest(r, out); });
  EXPECT_EQ(bytes.size(), registrationRequestSize(r));
  auto back = decodeRegistrationRequest(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
  EXPECT_EQ(countMipv4Extensions<Ipv6PrefixRequestExtension>(back->extensions), 2u);
}

TEST(Mipv4MessageTest, ReplyRoundTripWithEveryExtension) {
  RegistrationReply r = exampleReply();
  r.code = RegistrationReplyCode::AcceptedNoSimultaneousBindings;
  r.extensions = {
      Ipv6PrefixReplyExtension{Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress, 48,
                               v6("2001:db8:abcd::")},
      Ipv6PrefixReplyExtension{Ipv6PrefixReplyCode::RejectedAdministrativelyProhibited, 64,
                               v6("2001:db8:1::")},
      UdpTunnelReplyExtension{UdpTunnelReplyCode::WillTunnel, false, 30},
      MobileHomeAuthExtension{0x1000, Bytes(16, 1)},
      ForeignHomeAuthExtension{0x3000, Bytes(16, 2)},
  };
  const Bytes bytes = encodeWith([&](ByteWriter& out) { return encodeRegistrationReply(r, out); });
  EXPECT_EQ(bytes.size(), registrationReplySize(r));
  auto back = decodeRegistrationReply(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
}

TEST(Mipv4MessageTest, GenericDecodeDispatchesOnType) {
  const Bytes request = hex(kRequestFixedHex);
  const Bytes reply = hex(kReplyFixedHex);
  const Bytes tunnel = hex("04040000 45");
  auto a = decodeMipv4Message(request);
  auto b = decodeMipv4Message(reply);
  auto c = decodeMipv4Message(tunnel);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(std::get<RegistrationRequest>(*a), exampleRequest());
  EXPECT_EQ(std::get<RegistrationReply>(*b), exampleReply());
  EXPECT_EQ(std::get<TunnelData>(*c).next_header, 4);
  for (const auto& [message, bytes] :
       {std::pair{&*a, &request}, std::pair{&*b, &reply}, std::pair{&*c, &tunnel}}) {
    const auto* decoded = message;  // clang 14 cannot capture a structured binding
    EXPECT_EQ(encodeWith([&](ByteWriter& out) { return encodeMipv4Message(*decoded, out); }),
              *bytes);
  }
}

TEST(Mipv4MessageTest, DecoderRecordsAuthLocation) {
  Mipv4AuthLocation location;
  const Bytes bytes =
      hex(std::string(kRequestFixedHex) + "98020300 201400001000 00112233445566778899aabbccddeeff");
  ASSERT_TRUE(decodeRegistrationRequest(bytes, &location));
  EXPECT_EQ(location.mobile_home_auth_count, 1u);
  EXPECT_EQ(location.first_offset, 28u);
  EXPECT_EQ(location.authenticated_length, 34u);
  EXPECT_EQ(location.authenticator_length, 16u);
  EXPECT_EQ(location.spi, 0x1000u);
  EXPECT_FALSE(location.other_auth_before);
}

// --- rejections: one test per reason ------------------------------------------------------------

TEST(Mipv4RejectTest, EmptyMessage) {
  for (auto r : {decodeRegistrationRequest({}).has_value(), decodeRegistrationReply({}).has_value(),
                 decodeTunnelData({}).has_value(), decodeMipv4Message({}).has_value()}) {
    EXPECT_FALSE(r);
  }
  expectError(decodeRegistrationRequest({}), ErrorCode::Truncated, 0);
}

TEST(Mipv4RejectTest, RequestWithWrongType) {
  expectError(decodeRegistrationRequest(hex(kReplyFixedHex)), ErrorCode::BadValue, 0);
}

TEST(Mipv4RejectTest, RequestShorterThanFixedPart) {
  Bytes bytes = hex(kRequestFixedHex);
  bytes.pop_back();
  expectError(decodeRegistrationRequest(bytes), ErrorCode::Truncated, 23);
}

TEST(Mipv4RejectTest, ReplyWithWrongType) {
  auto r = decodeRegistrationReply(hex(kRequestFixedHex));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::BadValue);
  EXPECT_EQ(r.error().offset, 0u);
}

TEST(Mipv4RejectTest, ReplyShorterThanFixedPart) {
  auto r = decodeRegistrationReply(hex("03000258 0a010005 cb007101 e6a0b2c3123456"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Truncated);
  EXPECT_EQ(r.error().offset, 19u);
}

TEST(Mipv4RejectTest, TunnelDataWithWrongType) {
  auto r = decodeTunnelData(hex("01040000"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::BadValue);
}

TEST(Mipv4RejectTest, TunnelDataShorterThanHeader) {
  auto r = decodeTunnelData(hex("040400"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Truncated);
  EXPECT_EQ(r.error().offset, 3u);
}

TEST(Mipv4RejectTest, UnknownMessageType) {
  auto r = decodeMipv4Message(hex("02000000"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::UnknownType);
  EXPECT_EQ(r.error().offset, 0u);
}

TEST(Mipv4RejectTest, UnknownNonSkippableExtensionNamesItsOffset) {
  // Type 40 (0–127, not understood) after a 4-octet extension: the whole message is invalid
  // (RFC 5944 §1.8); the error points at the extension.
  expectError(decodeRequestWith("98020300 28020000"), ErrorCode::UnknownType, 28);
}

TEST(Mipv4RejectTest, UnknownNonSkippableExtensionWithoutLengthOctet) {
  // The type alone decides: it may be a long-format extension, whose octet 1 is not a length.
  expectError(decodeRequestWith("7f"), ErrorCode::UnknownType, 24);
}

TEST(Mipv4RejectTest, ExtensionWithoutLengthOctet) {
  expectError(decodeRequestWith("98"), ErrorCode::Truncated, 24);
}

TEST(Mipv4RejectTest, ExtensionRunsPastEnd) {
  expectError(decodeRequestWith("98020300 98120130 2001"), ErrorCode::Truncated, 28);
}

TEST(Mipv4RejectTest, AuthExtensionShorterThanSpi) {
  for (const char* ext : {"2003000010", "2103000010", "2203000010", "2000"}) {
    SCOPED_TRACE(ext);
    expectError(decodeRequestWith(ext), ErrorCode::BadLength, 24);
  }
}

TEST(Mipv4RejectTest, UdpTunnelReplyWithoutSubType) {
  expectError(decodeRequestWith("2c00"), ErrorCode::BadLength, 24);
}

TEST(Mipv4RejectTest, UdpTunnelReplyWithUnknownSubType) {
  // Type 44 is not skippable, so an unknown sub-type is an extension not understood.
  expectError(decodeRequestWith("2c0601000000006e"), ErrorCode::UnknownType, 24);
}

TEST(Mipv4RejectTest, UdpTunnelReplyWithWrongLength) {
  expectError(decodeRequestWith("2c07000000000000 6e"), ErrorCode::BadLength, 24);
  expectError(decodeRequestWith("2c050000000000"), ErrorCode::BadLength, 24);
}

TEST(Mipv4RejectTest, UdpTunnelRequestWithoutSubType) {
  expectError(decodeRequestWith("9000"), ErrorCode::BadLength, 24);
}

TEST(Mipv4RejectTest, UdpTunnelRequestWithWrongLength) {
  expectError(decodeRequestWith("900500008000 00"), ErrorCode::BadLength, 24);
  expectError(decodeRequestWith("9007000080000000 00"), ErrorCode::BadLength, 24);
}

TEST(Mipv4RejectTest, Dsmipv4WithoutSubType) {
  expectError(decodeRequestWith("9800"), ErrorCode::BadLength, 24);
}

TEST(Mipv4RejectTest, PrefixRequestWithWrongLength) {
  expectError(decodeRequestWith("9811013020010db8abcd000000000000000000"), ErrorCode::BadLength,
              24);
  expectError(decodeRequestWith("9813013020010db8abcd0000000000000000000000"), ErrorCode::BadLength,
              24);
}

TEST(Mipv4RejectTest, PrefixReplyWithWrongLength) {
  expectError(decodeRequestWith("98130200300020010db8abcd000000000000000000"), ErrorCode::BadLength,
              24);
}

TEST(Mipv4RejectTest, TunnelingModeWithWrongLength) {
  expectError(decodeRequestWith("9803030000"), ErrorCode::BadLength, 24);
  expectError(decodeRequestWith("980103"), ErrorCode::BadLength, 24);
}

TEST(Mipv4RejectTest, ReplyExtensionErrorOffsetsCountFromTheMessage) {
  auto r = decodeRegistrationReply(hex(std::string(kReplyFixedHex) + "98020300 2a00"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::UnknownType);
  EXPECT_EQ(r.error().offset, 24u);
}

// --- names --------------------------------------------------------------------------------------

TEST(Mipv4NamesTest, MessageTypes) {
  EXPECT_EQ(mipv4MessageTypeName(1), "registration-request");
  EXPECT_EQ(mipv4MessageTypeName(3), "registration-reply");
  EXPECT_EQ(mipv4MessageTypeName(4), "tunnel-data");
  EXPECT_EQ(mipv4MessageTypeName(2), "unknown");
}

TEST(Mipv4NamesTest, EveryReferenceReplyCodeHasAName) {
  // Every code of reference 5.3.
  const int codes[] = {0,   1,   64,  65,  66,  67,  68,  69,  70,  71,  72,  73,
                       74,  75,  76,  77,  78,  79,  80,  81,  82,  88,  194, 128,
                       129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 142};
  for (int c : codes) {
    EXPECT_NE(registrationReplyCodeName(static_cast<RegistrationReplyCode>(c)), "unknown") << c;
  }
  EXPECT_EQ(registrationReplyCodeName(RegistrationReplyCode::HaPoorlyFormedRequest),
            "ha-poorly-formed-request");
  EXPECT_EQ(registrationReplyCodeName(RegistrationReplyCode::HaUdpEncapsulationUnavailable),
            "ha-udp-encapsulation-unavailable");
  EXPECT_EQ(registrationReplyCodeName(static_cast<RegistrationReplyCode>(140)), "unknown");
  EXPECT_TRUE(isRegistrationAccepted(RegistrationReplyCode::AcceptedNoSimultaneousBindings));
  EXPECT_TRUE(isRegistrationAccepted(static_cast<RegistrationReplyCode>(8)));
  EXPECT_FALSE(isRegistrationAccepted(static_cast<RegistrationReplyCode>(9)));
  EXPECT_FALSE(isRegistrationAccepted(RegistrationReplyCode::FaReasonUnspecified));
}

TEST(Mipv4NamesTest, ExtensionTypesAndSubTypes) {
  EXPECT_EQ(mipv4ExtensionTypeName(0), "one-byte-padding");
  EXPECT_EQ(mipv4ExtensionTypeName(32), "mobile-home-auth");
  EXPECT_EQ(mipv4ExtensionTypeName(33), "mobile-foreign-auth");
  EXPECT_EQ(mipv4ExtensionTypeName(34), "foreign-home-auth");
  EXPECT_EQ(mipv4ExtensionTypeName(44), "udp-tunnel-reply");
  EXPECT_EQ(mipv4ExtensionTypeName(144), "udp-tunnel-request");
  EXPECT_EQ(mipv4ExtensionTypeName(152), "dsmipv4");
  EXPECT_EQ(mipv4ExtensionTypeName(131), "unknown");
  EXPECT_EQ(dsmipv4SubTypeName(1), "ipv6-prefix-request");
  EXPECT_EQ(dsmipv4SubTypeName(2), "ipv6-prefix-reply");
  EXPECT_EQ(dsmipv4SubTypeName(3), "ipv6-tunneling-mode");
  EXPECT_EQ(dsmipv4SubTypeName(4), "unknown");
  EXPECT_EQ(mipv4SkipReasonName(Mipv4SkipReason::NonZeroReserved), "non-zero-reserved");
  EXPECT_EQ(mipv4SkipReasonName(Mipv4SkipReason::UnknownSubType), "unknown-sub-type");
  EXPECT_EQ(mipv4SkipReasonName(Mipv4SkipReason::UnknownType), "unknown-type");
}

TEST(Mipv4NamesTest, PrefixAndUdpTunnelReplyCodes) {
  EXPECT_EQ(ipv6PrefixReplyCodeName(Ipv6PrefixReplyCode::AcceptedTunnelToHomeAddress),
            "accepted-tunnel-to-home-address");
  EXPECT_EQ(ipv6PrefixReplyCodeName(Ipv6PrefixReplyCode::AcceptedTunnelToCareOfAddress),
            "accepted-tunnel-to-care-of-address");
  EXPECT_EQ(ipv6PrefixReplyCodeName(Ipv6PrefixReplyCode::RejectedReasonUnspecified),
            "rejected-reason-unspecified");
  EXPECT_EQ(ipv6PrefixReplyCodeName(Ipv6PrefixReplyCode::RejectedAdministrativelyProhibited),
            "rejected-administratively-prohibited");
  EXPECT_EQ(ipv6PrefixReplyCodeName(static_cast<Ipv6PrefixReplyCode>(2)), "unknown");
  EXPECT_TRUE(isIpv6PrefixAccepted(static_cast<Ipv6PrefixReplyCode>(7)));
  EXPECT_EQ(udpTunnelReplyCodeName(UdpTunnelReplyCode::WillTunnel), "will-tunnel");
  EXPECT_EQ(udpTunnelReplyCodeName(UdpTunnelReplyCode::DeclinedReasonUnspecified),
            "declined-reason-unspecified");
  EXPECT_EQ(udpTunnelReplyCodeName(static_cast<UdpTunnelReplyCode>(5)), "unknown");
}

// --- scapy cross-check --------------------------------------------------------------------------

// Generated once with scapy 2.5 (scapy.layers.mobileip); scapy has no RFC 5454 extensions, so the
// DSMIPv4 and UDP Tunnel Request extensions are raw bytes appended after its output:
//   raw(MobileIP(type=1)/MobileIPRRQ(flags=0xa2, lifetime=1800, homeaddr="10.1.0.5",
//       haaddr="203.0.113.1", coaddr="198.51.100.7", id=0xe6a0b2c312345678))
//   raw(MobileIP(type=3)/MobileIPRRP(code=136, lifetime=0, homeaddr="10.1.0.5",
//       haaddr="203.0.113.9", id=0x0102030412345678))
//   raw(MobileIP(type=4)/MobileIPTunnelData(nexthdr=4)/IP(src="10.1.0.5", dst="192.0.2.99",
//       id=1, ttl=64)/ICMP(id=7, seq=1))
constexpr std::string_view kScapyRequest = "01a207080a010005cb007101c6336407e6a0b2c312345678";
constexpr std::string_view kScapyReply = "038800000a010005cb0071090102030412345678";
constexpr std::string_view kScapyTunnelData =
    "040400004500001c000100004001ae770a010005c00002630800f7f700070001";

TEST(Mipv4ScapyTest, RequestFieldsMatchScapy) {
  const std::string extensions =
      "9812014020010db8000100000000000000000000 98020300 9006000000000000";
  const Bytes bytes = hex(std::string(kScapyRequest) + extensions);
  auto r = decodeRegistrationRequest(bytes);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->flags.simultaneous_bindings);  // 0xa2 = S | D | T
  EXPECT_FALSE(r->flags.broadcast);
  EXPECT_TRUE(r->flags.decapsulation_by_mobile_node);
  EXPECT_TRUE(r->flags.reverse_tunneling);
  EXPECT_FALSE(r->flags.hasReservedBits());
  EXPECT_EQ(r->lifetime, 1800);
  EXPECT_EQ(r->home_address, v4("10.1.0.5"));
  EXPECT_EQ(r->home_agent, v4("203.0.113.1"));
  EXPECT_EQ(r->care_of_address, v4("198.51.100.7"));
  EXPECT_EQ(r->identification, 0xe6a0b2c312345678ULL);
  ASSERT_EQ(r->extensions.size(), 3u);
  EXPECT_EQ(std::get<Ipv6PrefixRequestExtension>(r->extensions[0]),
            (Ipv6PrefixRequestExtension{64, v6("2001:db8:1::")}));
  EXPECT_EQ(std::get<UdpTunnelRequestExtension>(r->extensions[2]).encapsulation, 0);
  // And our encoder writes what scapy wrote.
  EXPECT_EQ(encodeWith([&](ByteWriter& out) { return encodeRegistrationRequest(*r, out); }), bytes);
}

TEST(Mipv4ScapyTest, ReplyFieldsMatchScapy) {
  const Bytes bytes = hex(kScapyReply);
  auto r = decodeRegistrationReply(bytes);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, RegistrationReplyCode::HaUnknownHomeAgentAddress);
  EXPECT_EQ(r->lifetime, 0);
  EXPECT_EQ(r->home_address, v4("10.1.0.5"));
  EXPECT_EQ(r->home_agent, v4("203.0.113.9"));
  EXPECT_EQ(r->identification, 0x0102030412345678ULL);
  EXPECT_TRUE(r->extensions.empty());
  EXPECT_EQ(encodeWith([&](ByteWriter& out) { return encodeRegistrationReply(*r, out); }), bytes);
}

TEST(Mipv4ScapyTest, TunnelDataMatchesScapy) {
  const Bytes bytes = hex(kScapyTunnelData);
  auto t = decodeTunnelData(bytes);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->next_header, kTunnelDataNextHeaderIpv4);
  EXPECT_EQ(toHex(t->packet), kScapyTunnelData.substr(8));
  PacketBuffer buffer;
  ASSERT_TRUE(buffer.assign(t->packet));
  ASSERT_TRUE(prependTunnelData(buffer, kTunnelDataNextHeaderIpv4));
  EXPECT_EQ(toHex(buffer.data()), kScapyTunnelData);
}

}  // namespace
}  // namespace dsmip::wire
