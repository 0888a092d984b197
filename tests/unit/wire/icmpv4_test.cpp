#include "wire/icmpv4.hpp"

#include <gtest/gtest.h>

#include "ip_golden.hpp"
#include "wire/checksum.hpp"

namespace dsmip::wire {
namespace {

using golden::hex;

// Recomputes the checksum of an edited message.
void fixChecksum(Bytes& m) {
  m[2] = 0;
  m[3] = 0;
  const std::uint16_t sum = internetChecksum(m);
  m[2] = static_cast<std::uint8_t>(sum >> 8);
  m[3] = static_cast<std::uint8_t>(sum);
}

TEST(Icmpv4Test, DecodesScapyFragmentationNeeded) {
  const Bytes bytes = hex(golden::kIcmpv4FragmentationNeeded);
  auto r = decodeIcmpv4(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(r->type, icmpv4_type::kDestinationUnreachable);
  EXPECT_EQ(r->code, icmpv4_unreachable::kFragmentationNeeded);
  EXPECT_EQ(r->checksum, 0x0ba8);
  const auto* du = std::get_if<Icmpv4DestinationUnreachable>(&r->body);
  ASSERT_NE(du, nullptr);
  EXPECT_EQ(du->next_hop_mtu, 1400);
  EXPECT_EQ(toHex(du->invoking_packet), toHex(ByteView(bytes).subspan(8)));
}

TEST(Icmpv4Test, BuildsScapyFragmentationNeeded) {
  const Bytes expected = hex(golden::kIcmpv4FragmentationNeeded);
  PacketBuffer out;
  ASSERT_TRUE(buildIcmpv4FragmentationNeeded(out, ByteView(expected).subspan(8), 1400).has_value());
  EXPECT_EQ(toHex(out.data()), golden::kIcmpv4FragmentationNeeded);
}

TEST(Icmpv4Test, NextHopMtuOnlyForCodeFour) {
  Bytes bytes = hex(golden::kIcmpv4FragmentationNeeded);
  bytes[1] = icmpv4_unreachable::kPort;
  fixChecksum(bytes);
  auto r = decodeIcmpv4(bytes);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(std::get<Icmpv4DestinationUnreachable>(r->body).next_hop_mtu, 0);

  PacketBuffer out;
  ASSERT_TRUE(
      buildIcmpv4DestinationUnreachable(out, ByteView(bytes).subspan(8), icmpv4_unreachable::kPort)
          .has_value());
  EXPECT_EQ(toHex(out.data().subspan(4, 4)), "00000000");
  EXPECT_TRUE(decodeIcmpv4(out.data()).has_value());
}

TEST(Icmpv4Test, DecodesAndBuildsScapyEchoReply) {
  const Bytes bytes = hex(golden::kIcmpv4EchoReply);
  auto r = decodeIcmpv4(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(r->type, icmpv4_type::kEchoReply);
  const auto& echo = std::get<Icmpv4Echo>(r->body);
  EXPECT_EQ(echo.identifier, 0x4242);
  EXPECT_EQ(echo.sequence, 3);
  EXPECT_EQ(toHex(echo.data), "70696e67");

  PacketBuffer buffer;
  ASSERT_TRUE(buffer.assign(hex("70696e67")));
  ASSERT_TRUE(prependIcmpv4EchoReply(buffer, 0x4242, 3).has_value());
  EXPECT_EQ(toHex(buffer.data()), golden::kIcmpv4EchoReply);
}

TEST(Icmpv4Test, BuildsScapyEchoRequest) {
  const Bytes packet = hex(golden::kIpv4OptionsEcho);
  PacketBuffer buffer;
  ASSERT_TRUE(buffer.assign(hex("70696e67")));
  ASSERT_TRUE(prependIcmpv4EchoRequest(buffer, 0x4242, 3).has_value());
  EXPECT_EQ(toHex(buffer.data()), toHex(ByteView(packet).subspan(28)));
  auto r = decodeIcmpv4(buffer.data());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->type, icmpv4_type::kEchoRequest);
}

TEST(Icmpv4Test, DecodesAndBuildsScapyTimeExceeded) {
  const Bytes bytes = hex(golden::kIcmpv4TimeExceeded);
  auto r = decodeIcmpv4(bytes);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(r->type, icmpv4_type::kTimeExceeded);
  EXPECT_EQ(r->code, icmpv4_time_exceeded::kTtlExceeded);
  EXPECT_EQ(std::get<Icmpv4TimeExceeded>(r->body).invoking_packet.size(), 28u);

  PacketBuffer out;
  ASSERT_TRUE(buildIcmpv4TimeExceeded(out, ByteView(bytes).subspan(8), 0).has_value());
  EXPECT_EQ(toHex(out.data()), golden::kIcmpv4TimeExceeded);
}

TEST(Icmpv4Test, OtherTypesKeepTheirBody) {
  Bytes bytes = hex("0d000000aabbccdd11223344");  // Timestamp (13)
  fixChecksum(bytes);
  auto r = decodeIcmpv4(bytes);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->type, 13);
  EXPECT_EQ(toHex(std::get<Icmpv4Other>(r->body).body), "aabbccdd11223344");
  EXPECT_EQ(icmpv4TypeName(13), "unknown");
  EXPECT_EQ(icmpv4TypeName(3), "destination-unreachable");
}

TEST(Icmpv4Test, QuotesAtMost548Octets) {
  Bytes invoking(1400, 0x45);
  PacketBuffer out;
  ASSERT_TRUE(buildIcmpv4FragmentationNeeded(out, invoking, 1280).has_value());
  EXPECT_EQ(out.size(), 576u - 20);  // whole datagram within 576 octets (RFC 1812 §4.3.2.3)
  EXPECT_TRUE(decodeIcmpv4(out.data()).has_value());

  PacketBuffer in_place;
  ASSERT_TRUE(in_place.assign(invoking));
  ASSERT_TRUE(prependIcmpv4Error(in_place, icmpv4_type::kDestinationUnreachable,
                                 icmpv4_unreachable::kFragmentationNeeded, 1280)
                  .has_value());
  EXPECT_EQ(toHex(in_place.data()), toHex(out.data()));
}

TEST(Icmpv4Test, RejectsShortMessage) {
  auto r = decodeIcmpv4(hex("08000000000000"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::Truncated);
  EXPECT_EQ(r.error().offset, 0u);
}

TEST(Icmpv4Test, RejectsBadChecksum) {
  Bytes bytes = hex(golden::kIcmpv4EchoReply);
  bytes.back() ^= 0x01;
  auto r = decodeIcmpv4(bytes);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::BadChecksum);
  EXPECT_EQ(r.error().offset, 2u);
}

TEST(Icmpv4Test, BuildersReportNoSpace) {
  PacketBuffer tiny(100, 4);
  ASSERT_TRUE(tiny.assign(hex("70696e67"), 4));
  auto r = prependIcmpv4EchoRequest(tiny, 1, 1);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::NoSpace);
  PacketBuffer small(150, 100);
  auto r2 = buildIcmpv4TimeExceeded(small, hex(golden::kIcmpv4TimeExceeded), 0);
  ASSERT_FALSE(r2.has_value());  // the default headroom does not fit a 150-octet buffer
  EXPECT_EQ(r2.error().code, ErrorCode::NoSpace);
}

}  // namespace
}  // namespace dsmip::wire
