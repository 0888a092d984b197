#include "m6t/addressing.hpp"

#include <gtest/gtest.h>

#include "m6t_test_util.hpp"

namespace dsmip::m6t {
namespace {

using test::p6;
using test::v6;

TEST(AddressingTest, NtpTimestampFromUnixTime) {
  // 1700000000.5 s after 1970: seconds + 2208988800, fraction 0.5 = 0x80000000.
  EXPECT_EQ(ntpTimestamp(1'700'000'000, 500'000'000), 0xe8fe6f8080000000ull);
  EXPECT_EQ(ntpTimestamp(0, 0), kNtpUnixOffset << 32);
}

TEST(AddressingTest, ModifiedEui64FromMac) {
  const std::array<std::uint8_t, 8> expected{0x02, 0x11, 0x22, 0xFF, 0xFE, 0x33, 0x44, 0x55};
  EXPECT_EQ(eui64FromMac({0x00, 0x11, 0x22, 0x33, 0x44, 0x55}), expected);
}

TEST(AddressingTest, UlaGlobalIdIsTheLow40BitsOfSha1) {
  // RFC 4193 §3.2.2: SHA-1(0123456789abcdef ‖ 021122fffe334455) ends in 36 88 c7 b3 d9.
  const Ipv6Prefix p =
      generateUlaPrefix(0x0123456789abcdefull, {0x02, 0x11, 0x22, 0xFF, 0xFE, 0x33, 0x44, 0x55});
  EXPECT_EQ(p, p6("fd36:88c7:b3d9::/48"));
}

TEST(AddressingTest, UlaDiffersWithTime) {
  const std::array<std::uint8_t, 8> id{1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_NE(generateUlaPrefix(1, id), generateUlaPrefix(2, id));
  EXPECT_EQ(generateUlaPrefix(1, id).address.bytes[0], 0xFD);
}

TEST(AddressingTest, AssemblesTheSlash80OfFigureA) {
  auto p = assembleM6tPrefix(p6("fd12:3456:789a::/48"), 0x0001, 0xbeef);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(*p, p6("fd12:3456:789a:1:beef::/80"));
}

TEST(AddressingTest, AssembleRejectsOtherLengths) {
  auto p = assembleM6tPrefix(p6("fd12:3456::/32"), 1, 2);
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, ErrorCode::InvalidArgument);
  EXPECT_NE(p.error().detail.find("/48"), std::string::npos);
}

TEST(AddressingTest, AddressIsPrefixPlus48RandomBits) {
  const Ipv6Address a = m6tAddress(p6("fd12:3456:789a:1:beef::/80"), 0xFFFF'0123'4567'89abull);
  EXPECT_EQ(a, v6("fd12:3456:789a:1:beef:123:4567:89ab"));
  EXPECT_EQ(m6tRandomPart(a), 0x0123'4567'89abull);
}

}  // namespace
}  // namespace dsmip::m6t
