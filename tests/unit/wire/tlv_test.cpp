#include "wire/tlv.hpp"

#include <gtest/gtest.h>

#include "ip_golden.hpp"
#include "wire/ip_protocol.hpp"

namespace dsmip::wire {
namespace {

using golden::hex;

void expectError(const Result<TlvPacket>& r, ErrorCode code, std::size_t offset) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, code) << r.error().toString();
  EXPECT_EQ(r.error().offset, offset) << r.error().toString();
}

TEST(TlvTest, DecodesRfc5845Layout) {
  // Type 0 | Reserved 0 | Next Header 41 | Length 40, then a 40-octet IPv6 packet.
  Bytes bytes = hex("00290028");
  const Bytes inner = hex(golden::kM6tKeepalive);
  bytes.insert(bytes.end(), inner.begin(), inner.end());
  EXPECT_TRUE(isTlvHeader(bytes));
  auto r = decodeTlv(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(r->header.next_header, ip_protocol::kIpv6);
  EXPECT_EQ(r->header.length, 40);
  EXPECT_EQ(r->payload.data(), bytes.data() + 4);
  EXPECT_EQ(r->payload.size(), 40u);
}

TEST(TlvTest, PrependProducesLayoutAndRoundTrips) {
  PacketBuffer buffer;
  ASSERT_TRUE(buffer.assign(hex("4500")));
  ASSERT_TRUE(prependTlv(buffer, ip_protocol::kIpv4).has_value());
  EXPECT_EQ(toHex(buffer.data()), "000400024500");
  auto r = decodeTlv(buffer.data());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->header, (TlvHeader{ip_protocol::kIpv4, 2}));

  std::array<std::uint8_t, 4> out{};
  ByteWriter w{out};
  ASSERT_TRUE(encodeTlvHeader(TlvHeader{ip_protocol::kGre, 0x1234}, w).has_value());
  EXPECT_EQ(toHex(w.written()), "002f1234");
}

TEST(TlvTest, IgnoresReservedBits) {
  auto r = decodeTlv(hex("0f320000"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->header.next_header, ip_protocol::kEsp);
  EXPECT_TRUE(r->payload.empty());
}

TEST(TlvTest, IpPacketsAreNotTlvHeaders) {
  EXPECT_FALSE(isTlvHeader(hex(golden::kIpv4Udp)));
  EXPECT_FALSE(isTlvHeader(hex(golden::kIpv6Udp)));
  EXPECT_FALSE(isTlvHeader({}));
  expectError(decodeTlv(hex(golden::kIpv6Udp)), ErrorCode::BadVersion, 0);
}

TEST(TlvTest, RejectsShortHeader) {
  expectError(decodeTlv(hex("002900")), ErrorCode::Truncated, 0);
}

TEST(TlvTest, RejectsLengthMismatch) {
  expectError(decodeTlv(hex("0029000400aabb")), ErrorCode::BadLength, 2);
  expectError(decodeTlv(hex("00290001aabb")), ErrorCode::BadLength, 2);
}

TEST(TlvTest, PrependReportsNoSpaceAndOversize) {
  PacketBuffer tiny(16, 3);
  auto r = prependTlv(tiny, ip_protocol::kIpv6);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::NoSpace);
  PacketBuffer big;
  ASSERT_TRUE(big.resize(65536));
  auto r2 = prependTlv(big, ip_protocol::kIpv6);
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error().code, ErrorCode::BadLength);
  std::array<std::uint8_t, 3> small{};
  ByteWriter w{small};
  EXPECT_FALSE(encodeTlvHeader(TlvHeader{}, w).has_value());
}

}  // namespace
}  // namespace dsmip::wire
