#include "wire/m6t_keepalive.hpp"

#include <gtest/gtest.h>

#include "ip_golden.hpp"
#include "wire/ip_protocol.hpp"

namespace dsmip::wire {
namespace {

using golden::hex;
using golden::v6;

const Ipv6Address kMn = v6("fd00:1:2:3:4:5:6:7");

TEST(M6tKeepaliveTest, BuildsScapyRequest) {
  PacketBuffer out;
  ASSERT_TRUE(buildM6tKeepalive(out, kMn).has_value());
  EXPECT_EQ(toHex(out.data()), golden::kM6tKeepalive);
}

TEST(M6tKeepaliveTest, RecognisesRequest) {
  const Bytes bytes = hex(golden::kM6tKeepalive);
  auto r = decodeIpv6(bytes);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(classifyM6tKeepalive(*r), M6tKeepaliveKind::Request);
  EXPECT_TRUE(isM6tKeepalive(*r));
  EXPECT_FALSE(isM6tKeepaliveReply(*r));
}

TEST(M6tKeepaliveTest, BuildsAndRecognisesReply) {
  PacketBuffer out;
  ASSERT_TRUE(buildM6tKeepaliveReply(out, kMn).has_value());
  ASSERT_EQ(out.size(), 40u);
  auto r = decodeIpv6(out.data());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->header.source, kM6tKeepaliveAddress);
  EXPECT_EQ(r->header.destination, kMn);
  EXPECT_EQ(r->header.hop_limit, 255);
  EXPECT_EQ(r->header.next_header, ip_protocol::kNoNextHeader);
  EXPECT_EQ(r->header.payload_length, 0);
  EXPECT_TRUE(isM6tKeepaliveReply(*r));
  EXPECT_FALSE(isM6tKeepalive(*r));
}

TEST(M6tKeepaliveTest, RejectsLookalikes) {
  // Payload present: Next Header 59 with 8 octets after it.
  Bytes with_payload = hex(golden::kM6tKeepalive);
  with_payload[5] = 8;
  with_payload.resize(48, 0);
  auto r1 = decodeIpv6(with_payload);
  ASSERT_TRUE(r1.has_value());
  EXPECT_EQ(classifyM6tKeepalive(*r1), M6tKeepaliveKind::None);

  // Another next header.
  Bytes udp_next = hex(golden::kM6tKeepalive);
  udp_next[6] = ip_protocol::kUdp;
  auto r2 = decodeIpv6(udp_next);
  ASSERT_TRUE(r2.has_value());
  EXPECT_EQ(classifyM6tKeepalive(*r2), M6tKeepaliveKind::None);

  // Another destination.
  Bytes other_dst = hex(golden::kM6tKeepalive);
  other_dst[39] = 2;  // fe80::2
  auto r3 = decodeIpv6(other_dst);
  ASSERT_TRUE(r3.has_value());
  EXPECT_EQ(classifyM6tKeepalive(*r3), M6tKeepaliveKind::None);
}

TEST(M6tKeepaliveTest, ReportsNoSpace) {
  PacketBuffer small(100, 39);
  auto r = buildM6tKeepalive(small, kMn);
  ASSERT_FALSE(r.has_value());  // the default headroom does not fit a 100-octet buffer
  EXPECT_EQ(r.error().code, ErrorCode::NoSpace);
}

}  // namespace
}  // namespace dsmip::wire
