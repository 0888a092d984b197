#include "wire/ipv4.hpp"

#include <gtest/gtest.h>

#include "ip_golden.hpp"
#include "wire/checksum.hpp"
#include "wire/ip_protocol.hpp"

namespace dsmip::wire {
namespace {

using golden::hex;
using golden::v4;

// Re-computes the header checksum after a test edits a field, so that the edit (and not the
// checksum) is what the decoder rejects.
void fixChecksum(Bytes& packet) {
  const std::size_t ihl = std::size_t{packet[0] & 0x0Fu} * 4;
  packet[10] = 0;
  packet[11] = 0;
  const std::uint16_t sum = internetChecksum(ByteView(packet).first(std::min(ihl, packet.size())));
  packet[10] = static_cast<std::uint8_t>(sum >> 8);
  packet[11] = static_cast<std::uint8_t>(sum);
}

void expectError(const Result<Ipv4Packet>& r, ErrorCode code, std::size_t offset) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, code) << r.error().toString();
  EXPECT_EQ(r.error().offset, offset) << r.error().toString();
}

TEST(Ipv4Test, DecodesScapyUdpPacket) {
  const Bytes bytes = hex(golden::kIpv4Udp);
  auto r = decodeIpv4(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  const Ipv4Header& h = r->header;
  EXPECT_EQ(h.tos, 0xb8);
  EXPECT_EQ(h.dscp(), 46);  // EF
  EXPECT_EQ(h.ecn(), Ecn::NotEct);
  EXPECT_EQ(h.total_length, 44);
  EXPECT_EQ(h.identification, 0x1234);
  EXPECT_FALSE(h.reserved_flag);
  EXPECT_TRUE(h.dont_fragment);
  EXPECT_FALSE(h.more_fragments);
  EXPECT_EQ(h.fragment_offset, 0);
  EXPECT_FALSE(h.isFragment());
  EXPECT_EQ(h.ttl, 64);
  EXPECT_EQ(h.protocol, ip_protocol::kUdp);
  EXPECT_EQ(h.checksum, 0x3b96);
  EXPECT_EQ(h.source, v4("192.0.2.10"));
  EXPECT_EQ(h.destination, v4("198.51.100.1"));
  EXPECT_TRUE(r->options.empty());
  EXPECT_EQ(r->headerLength(), 20u);
  ASSERT_EQ(r->payload.size(), 24u);
  EXPECT_EQ(r->payload.data(), bytes.data() + 20);  // a view, not a copy
}

TEST(Ipv4Test, PrependProducesScapyBytes) {
  const Bytes expected = hex(golden::kIpv4Udp);
  PacketBuffer buffer;
  ASSERT_TRUE(buffer.assign(ByteView(expected).subspan(20)));
  Ipv4Header h;
  h.tos = makeTrafficClass(46, Ecn::NotEct);
  h.identification = 0x1234;
  h.dont_fragment = true;
  h.protocol = ip_protocol::kUdp;
  h.source = v4("192.0.2.10");
  h.destination = v4("198.51.100.1");
  ASSERT_TRUE(prependIpv4(buffer, h).has_value());
  EXPECT_EQ(toHex(buffer.data()), golden::kIpv4Udp);
}

TEST(Ipv4Test, DecodesOptionsAndRoundTripsThem) {
  const Bytes bytes = hex(golden::kIpv4OptionsEcho);
  auto r = decodeIpv4(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(r->headerLength(), 28u);
  EXPECT_EQ(toHex(r->options), "0707040102030400");  // Record Route with one slot, EOL
  EXPECT_EQ(r->header.protocol, ip_protocol::kIcmp);
  EXPECT_EQ(toHex(r->payload), "0800d6e94242000370696e67");

  std::array<std::uint8_t, 28> out{};
  ByteWriter w{out};
  ASSERT_TRUE(encodeIpv4Header(r->header, r->options, w).has_value());
  EXPECT_EQ(toHex(w.written()), toHex(ByteView(bytes).first(28)));
}

TEST(Ipv4Test, RecognisesNonFirstFragmentWithoutInterpretingIt) {
  const Bytes bytes = hex(golden::kIpv4Fragment);
  auto r = decodeIpv4(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_TRUE(r->header.more_fragments);
  EXPECT_EQ(r->header.fragment_offset, 185);
  EXPECT_TRUE(r->header.isFragment());
  EXPECT_TRUE(r->header.isNonFirstFragment());
  EXPECT_EQ(r->payload.size(), 24u);
}

TEST(Ipv4Test, FirstFragmentIsFragmentButNotNonFirst) {
  Bytes bytes = hex(golden::kIpv4Udp);
  bytes[6] = 0x20;  // MF, offset 0
  bytes[7] = 0x00;
  fixChecksum(bytes);
  auto r = decodeIpv4(bytes);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->header.isFragment());
  EXPECT_FALSE(r->header.isNonFirstFragment());
}

TEST(Ipv4Test, IgnoresTrailingPaddingBeyondTotalLength) {
  Bytes bytes = hex(golden::kIpv4Udp);
  bytes.insert(bytes.end(), 6, 0);  // e.g. Ethernet minimum-frame padding
  auto r = decodeIpv4(bytes);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->payload.size(), 24u);
}

TEST(Ipv4Test, ReservedFlagSurvivesDecodeAndEncode) {
  Bytes bytes = hex(golden::kIpv4Udp);
  bytes[6] |= 0x80;
  fixChecksum(bytes);
  auto r = decodeIpv4(bytes);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->header.reserved_flag);
  std::array<std::uint8_t, 20> out{};
  ByteWriter w{out};
  ASSERT_TRUE(encodeIpv4Header(r->header, {}, w).has_value());
  EXPECT_EQ(toHex(w.written()), toHex(ByteView(bytes).first(20)));
}

TEST(Ipv4Test, RejectsShortBuffer) {
  const Bytes bytes = hex(golden::kIpv4Udp);
  expectError(decodeIpv4(ByteView(bytes).first(19)), ErrorCode::Truncated, 0);
}

TEST(Ipv4Test, RejectsWrongVersion) {
  Bytes bytes = hex(golden::kIpv4Udp);
  bytes[0] = 0x65;
  expectError(decodeIpv4(bytes), ErrorCode::BadVersion, 0);
}

TEST(Ipv4Test, RejectsHeaderLengthBelowFive) {
  Bytes bytes = hex(golden::kIpv4Udp);
  bytes[0] = 0x44;
  expectError(decodeIpv4(bytes), ErrorCode::BadLength, 0);
}

TEST(Ipv4Test, RejectsHeaderLengthBeyondBuffer) {
  Bytes bytes = hex(golden::kIpv4Udp);
  bytes[0] = 0x4F;  // 60 octets of header in a 44-octet buffer
  expectError(decodeIpv4(bytes), ErrorCode::Truncated, 0);
}

TEST(Ipv4Test, RejectsTotalLengthBelowHeaderLength) {
  Bytes bytes = hex(golden::kIpv4Udp);
  bytes[2] = 0;
  bytes[3] = 19;
  fixChecksum(bytes);
  expectError(decodeIpv4(bytes), ErrorCode::BadLength, 2);
}

TEST(Ipv4Test, RejectsTotalLengthBeyondBuffer) {
  Bytes bytes = hex(golden::kIpv4Udp);
  bytes[3] = 45;
  fixChecksum(bytes);
  expectError(decodeIpv4(bytes), ErrorCode::Truncated, 2);
}

TEST(Ipv4Test, RejectsFragmentEndingBeyondMaximumDatagram) {
  Bytes bytes = hex(golden::kIpv4Fragment);
  bytes[6] = 0x3F;  // MF, offset 8191 (65528 octets) + 24 octets of data
  bytes[7] = 0xFF;
  fixChecksum(bytes);
  expectError(decodeIpv4(bytes), ErrorCode::BadLength, 6);
}

TEST(Ipv4Test, AcceptsFragmentEndingExactlyAtMaximum) {
  // Offset 8189 * 8 = 65512, plus 3 octets of data = 65515 = 65535 - 20.
  Bytes bytes = hex(golden::kIpv4Fragment);
  bytes.resize(23);
  bytes[3] = 23;
  bytes[6] = 0x1F;
  bytes[7] = 0xFD;
  fixChecksum(bytes);
  EXPECT_TRUE(decodeIpv4(bytes).has_value());
}

TEST(Ipv4Test, RejectsBadHeaderChecksum) {
  Bytes bytes = hex(golden::kIpv4Udp);
  bytes[8] = 63;  // TTL changed, checksum left alone
  expectError(decodeIpv4(bytes), ErrorCode::BadChecksum, 10);
}

TEST(Ipv4Test, EncoderRejectsBadOptionLengths) {
  std::array<std::uint8_t, 80> out{};
  const std::array<std::uint8_t, 3> three{1, 1, 1};
  const std::array<std::uint8_t, 44> too_long{};
  ByteWriter w1{out};
  auto r1 = encodeIpv4Header(Ipv4Header{}, three, w1);
  ASSERT_FALSE(r1.has_value());
  EXPECT_EQ(r1.error().code, ErrorCode::InvalidArgument);
  ByteWriter w2{out};
  auto r2 = encodeIpv4Header(Ipv4Header{}, too_long, w2);
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error().code, ErrorCode::InvalidArgument);
}

TEST(Ipv4Test, EncoderReportsNoSpace) {
  std::array<std::uint8_t, 19> out{};
  ByteWriter w{out};
  auto r = encodeIpv4Header(Ipv4Header{}, {}, w);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::NoSpace);
}

TEST(Ipv4Test, EncoderAppendsAfterExistingBytes) {
  // The checksum must cover only this header, wherever it starts in the writer.
  std::array<std::uint8_t, 24> out{};
  ByteWriter w{out};
  w.u32(0xdeadbeef);
  Ipv4Header h;
  h.total_length = 20;
  h.protocol = ip_protocol::kNoNextHeader;
  ASSERT_TRUE(encodeIpv4Header(h, {}, w).has_value());
  auto r = decodeIpv4(ByteView(out).subspan(4));
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(r->header.protocol, ip_protocol::kNoNextHeader);
}

TEST(Ipv4Test, PrependRejectsMissingHeadroomAndLeavesBufferAlone) {
  PacketBuffer buffer(100, 19);
  ASSERT_TRUE(buffer.assign(std::array<std::uint8_t, 4>{1, 2, 3, 4}, 19));
  auto r = prependIpv4(buffer, Ipv4Header{});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::NoSpace);
  EXPECT_EQ(buffer.size(), 4u);
}

TEST(Ipv4Test, PrependRejectsOversizedPacket) {
  PacketBuffer buffer;
  ASSERT_TRUE(buffer.resize(65535 - 19));
  auto r = prependIpv4(buffer, Ipv4Header{});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::BadLength);
  EXPECT_EQ(buffer.size(), 65535u - 19);
}

TEST(Ipv4Test, PrependSetsTotalLengthAndRoundTrips) {
  PacketBuffer buffer;
  ASSERT_TRUE(buffer.resize(1000));
  Ipv4Header h;
  h.tos = makeTrafficClass(10, Ecn::Ect0);
  h.identification = 4242;
  h.more_fragments = true;
  h.fragment_offset = 100;
  h.ttl = 1;
  h.protocol = ip_protocol::kIpv6;
  h.source = v4("203.0.113.7");
  h.destination = v4("198.51.100.9");
  ASSERT_TRUE(prependIpv4(buffer, h).has_value());
  auto r = decodeIpv4(buffer.data());
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  Ipv4Header expected = h;
  expected.total_length = 1020;
  expected.checksum = r->header.checksum;
  EXPECT_EQ(r->header, expected);
  EXPECT_EQ(r->header.ecn(), Ecn::Ect0);
  EXPECT_EQ(r->header.dscp(), 10);
}

}  // namespace
}  // namespace dsmip::wire
