#include "wire/udp.hpp"

#include <gtest/gtest.h>

#include "ip_golden.hpp"
#include "wire/checksum.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"

namespace dsmip::wire {
namespace {

using golden::hex;
using golden::v4;
using golden::v6;

const Ipv4Address kSrc4 = v4("192.0.2.10");
const Ipv4Address kDst4 = v4("198.51.100.1");

void expectError(const Result<UdpDatagram>& r, ErrorCode code, std::size_t offset) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, code) << r.error().toString();
  EXPECT_EQ(r.error().offset, offset) << r.error().toString();
}

Ipv4Header udpIpv4Header() {
  Ipv4Header h;
  h.identification = 0x1234;
  h.protocol = ip_protocol::kUdp;
  h.source = kSrc4;
  h.destination = kDst4;
  return h;
}

TEST(UdpTest, DecodesScapyDatagram) {
  const Bytes bytes = hex(golden::kIpv4Udp);
  auto r = decodeUdp(ByteView(bytes).subspan(20));
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(r->header.source_port, 49152);
  EXPECT_EQ(r->header.destination_port, udp_port::kDsmipv6);
  EXPECT_EQ(r->header.length, 24);
  EXPECT_EQ(r->header.checksum, 0x0adf);
  EXPECT_EQ(r->datagram.size(), 24u);
  EXPECT_EQ(toHex(r->payload), "000102030405060708090a0b0c0d0e0f");
  EXPECT_TRUE(verifyUdpChecksum(*r, kSrc4, kDst4).has_value());
}

TEST(UdpTest, PrependOverIpv4ProducesScapyBytes) {
  PacketBuffer buffer;
  ASSERT_TRUE(buffer.assign(hex("000102030405060708090a0b0c0d0e0f")));
  ASSERT_TRUE(prependUdp(buffer, 49152, udp_port::kDsmipv6, UdpOverIpv4{kSrc4, kDst4}).has_value());
  Ipv4Header h = udpIpv4Header();
  h.tos = 0xb8;
  h.dont_fragment = true;
  ASSERT_TRUE(prependIpv4(buffer, h).has_value());
  EXPECT_EQ(toHex(buffer.data()), golden::kIpv4Udp);
}

TEST(UdpTest, ZeroChecksumIsSentWhenAskedAndAcceptedOverIpv4) {
  PacketBuffer buffer;
  ASSERT_TRUE(buffer.assign(hex("000102030405060708090a0b0c0d0e0f")));
  ASSERT_TRUE(
      prependUdp(buffer, 49152, udp_port::kDsmipv6, UdpOverIpv4{kSrc4, kDst4, false}).has_value());
  ASSERT_TRUE(prependIpv4(buffer, udpIpv4Header()).has_value());
  EXPECT_EQ(toHex(buffer.data()), golden::kIpv4UdpNoChecksum);
  auto r = decodeUdp(buffer.data().subspan(20));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->header.checksum, 0);
  EXPECT_TRUE(verifyUdpChecksum(*r, kSrc4, kDst4).has_value());
}

TEST(UdpTest, ZeroChecksumIsInvalidOverIpv6) {
  const Bytes bytes = hex(golden::kIpv4UdpNoChecksum);
  auto r = decodeUdp(ByteView(bytes).subspan(20));
  ASSERT_TRUE(r.has_value());
  auto v = verifyUdpChecksum(*r, v6("2001:db8::1"), v6("2001:db8::2"));
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error().code, ErrorCode::BadChecksum);
  EXPECT_EQ(v.error().offset, 6u);
}

TEST(UdpTest, RejectsWrongChecksumOverIpv4AndIpv6) {
  Bytes bytes = hex(golden::kIpv4Udp);
  bytes[30] ^= 0x01;  // payload octet changed
  auto r = decodeUdp(ByteView(bytes).subspan(20));
  ASSERT_TRUE(r.has_value());
  auto v4_result = verifyUdpChecksum(*r, kSrc4, kDst4);
  ASSERT_FALSE(v4_result.has_value());
  EXPECT_EQ(v4_result.error().code, ErrorCode::BadChecksum);
  EXPECT_EQ(v4_result.error().offset, 6u);

  Bytes six = hex(golden::kIpv6Udp);
  six[50] ^= 0x01;
  auto r6 = decodeUdp(ByteView(six).subspan(40));
  ASSERT_TRUE(r6.has_value());
  auto v6_result = verifyUdpChecksum(*r6, v6("2001:db8::1"), v6("2001:db8::2"));
  ASSERT_FALSE(v6_result.has_value());
  EXPECT_EQ(v6_result.error().code, ErrorCode::BadChecksum);
}

TEST(UdpTest, VerifiesScapyIpv6Checksum) {
  const Bytes bytes = hex(golden::kIpv6Udp);
  auto r = decodeUdp(ByteView(bytes).subspan(40));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(verifyUdpChecksum(*r, v6("2001:db8::1"), v6("2001:db8::2")).has_value());
}

TEST(UdpTest, ComputedZeroChecksumIsSentAsAllOnes) {
  // Two payload octets chosen so that the checksum computes to zero (RFC 768: send 0xFFFF).
  const Ipv6Address src = v6("2001:db8::1");
  const Ipv6Address dst = v6("2001:db8::2");
  PacketBuffer probe;
  ASSERT_TRUE(probe.assign(std::array<std::uint8_t, 2>{0, 0}));
  ASSERT_TRUE(prependUdp(probe, 1, 2, UdpOverIpv6{src, dst}).has_value());
  const std::uint16_t c = static_cast<std::uint16_t>((probe.data()[6] << 8) | probe.data()[7]);
  PacketBuffer buffer;
  ASSERT_TRUE(buffer.assign(std::array<std::uint8_t, 2>{static_cast<std::uint8_t>(c >> 8),
                                                        static_cast<std::uint8_t>(c)}));
  ASSERT_TRUE(prependUdp(buffer, 1, 2, UdpOverIpv6{src, dst}).has_value());
  EXPECT_EQ(buffer.data()[6], 0xFF);
  EXPECT_EQ(buffer.data()[7], 0xFF);
  auto r = decodeUdp(buffer.data());
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(verifyUdpChecksum(*r, src, dst).has_value());
}

TEST(UdpTest, IgnoresOctetsBeyondLength) {
  Bytes bytes = hex(golden::kIpv4Udp);
  bytes.push_back(0xAA);
  auto r = decodeUdp(ByteView(bytes).subspan(20));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->payload.size(), 16u);
  EXPECT_EQ(r->datagram.size(), 24u);
  EXPECT_TRUE(verifyUdpChecksum(*r, kSrc4, kDst4).has_value());
}

TEST(UdpTest, AcceptsEmptyPayload) {
  auto r = decodeUdp(hex("0001000200080000"));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->payload.empty());
}

TEST(UdpTest, RejectsShortHeader) {
  expectError(decodeUdp(hex("00010002000800")), ErrorCode::Truncated, 0);
}

TEST(UdpTest, RejectsLengthBelowEight) {
  expectError(decodeUdp(hex("0001000200070000")), ErrorCode::BadLength, 4);
}

TEST(UdpTest, RejectsLengthBeyondBuffer) {
  // Length 10 with 9 octets present.
  expectError(decodeUdp(hex("00010002000a000000")), ErrorCode::Truncated, 4);
}

TEST(UdpTest, PrependReportsNoSpaceAndOversize) {
  PacketBuffer small(64, 7);
  ASSERT_TRUE(small.assign(std::array<std::uint8_t, 1>{1}, 7));
  auto r = prependUdp(small, 1, 2, UdpOverIpv4{});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::NoSpace);
  EXPECT_EQ(small.size(), 1u);

  PacketBuffer big;
  ASSERT_TRUE(big.resize(65535 - 7));
  auto r2 = prependUdp(big, 1, 2, UdpOverIpv6{});
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error().code, ErrorCode::BadLength);
  ASSERT_TRUE(big.resize(65535 - 8));
  EXPECT_TRUE(prependUdp(big, 1, 2, UdpOverIpv6{}).has_value());
  EXPECT_EQ(big.data()[4], 0xFF);
  EXPECT_EQ(big.data()[5], 0xFF);
}

}  // namespace
}  // namespace dsmip::wire
