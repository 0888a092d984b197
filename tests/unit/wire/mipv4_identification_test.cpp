// Mobile IPv4 Identification: NTP timestamps from Unix time, the high/low split of replies, and
// the HA's freshness checks (RFC 5944 §5.7, RFC 5905 §6).
#include <gtest/gtest.h>

#include "wire/mipv4_identification.hpp"

namespace dsmip::wire {
namespace {

using std::chrono::nanoseconds;
using std::chrono::seconds;

constexpr std::uint64_t kOneSecond = std::uint64_t{1} << 32;

TEST(Mipv4IdentificationTest, UnixEpochIsNtpSecond2208988800) {
  EXPECT_EQ(ntpTimestampFromUnix(nanoseconds{0}), std::uint64_t{2208988800} << 32);
  static_assert(ntpTimestampFromUnix(nanoseconds{0}) == 0x83aa7e8000000000ULL);
}

TEST(Mipv4IdentificationTest, SecondsAndFraction) {
  // 1234567890.5 s after the Unix epoch: NTP seconds 0xcd408152, fraction one half.
  EXPECT_EQ(ntpTimestampFromUnix(seconds{1234567890} + nanoseconds{500'000'000}),
            0xcd40815280000000ULL);
  EXPECT_EQ(ntpTimestampFromUnix(seconds{1234567890} + nanoseconds{123'456'789}),
            0xcd4081521f9add37ULL);
  EXPECT_EQ(identificationLow(ntpTimestampFromUnix(nanoseconds{999'999'999})), 0xfffffffbu);
}

TEST(Mipv4IdentificationTest, TimesBeforeUnixEpochFloor) {
  // −0.75 s: one second earlier plus a quarter.
  EXPECT_EQ(ntpTimestampFromUnix(nanoseconds{-750'000'000}),
            ((std::uint64_t{2208988800} - 1) << 32) | 0x40000000u);
}

TEST(Mipv4IdentificationTest, SecondsWrapIntoTheNextEra) {
  // 2036-02-07T06:28:16Z is NTP era 1, second 0.
  EXPECT_EQ(ntpTimestampFromUnix(seconds{0x7c558180}), 0u);
  EXPECT_EQ(ntpTimestampFromUnix(seconds{0x7c558181}), kOneSecond);
}

TEST(Mipv4IdentificationTest, HighLowSplitAndReplyCopy) {
  const std::uint64_t id = 0xe6a0b2c312345678ULL;
  EXPECT_EQ(identificationHigh(id), 0xe6a0b2c3u);
  EXPECT_EQ(identificationLow(id), 0x12345678u);
  EXPECT_EQ(makeIdentification(0xe6a0b2c3u, 0x12345678u), id);
  // A 133 reply: the HA's clock in the high half, the request's low half copied.
  const std::uint64_t reply = replyIdentification(0xdeadbeefu, id);
  EXPECT_EQ(reply, 0xdeadbeef12345678ULL);
  EXPECT_TRUE(identificationLowMatches(id, reply));
  EXPECT_FALSE(identificationLowMatches(id, reply + 1));
}

TEST(Mipv4IdentificationTest, NewerComparesAcrossEraWrap) {
  const std::uint64_t t = ntpTimestampFromUnix(seconds{1'700'000'000});
  EXPECT_TRUE(timestampIsNewer(t + 1, t));
  EXPECT_FALSE(timestampIsNewer(t, t));
  EXPECT_FALSE(timestampIsNewer(t - 1, t));
  // Just after the 2036 wrap is newer than just before it.
  const std::uint64_t before = ntpTimestampFromUnix(seconds{0x7c558180 - 1});
  const std::uint64_t after = ntpTimestampFromUnix(seconds{0x7c558180 + 1});
  EXPECT_LT(after, before);
  EXPECT_TRUE(timestampIsNewer(after, before));
  EXPECT_EQ(timestampDifference(after, before), std::int64_t{2} << 32);
  EXPECT_EQ(timestampDifference(before, after), -(std::int64_t{2} << 32));
}

TEST(Mipv4IdentificationTest, ToleranceIsInclusiveBothWays) {
  const std::uint64_t now = ntpTimestampFromUnix(seconds{1'700'000'000});
  const std::uint64_t seven = 7 * kOneSecond;
  EXPECT_TRUE(timestampWithinTolerance(now, now, kDefaultIdentificationTolerance));
  EXPECT_TRUE(timestampWithinTolerance(now + seven, now, kDefaultIdentificationTolerance));
  EXPECT_TRUE(timestampWithinTolerance(now - seven, now, kDefaultIdentificationTolerance));
  EXPECT_FALSE(timestampWithinTolerance(now + seven + 1, now, kDefaultIdentificationTolerance));
  EXPECT_FALSE(timestampWithinTolerance(now - seven - 1, now, kDefaultIdentificationTolerance));
  EXPECT_FALSE(timestampWithinTolerance(now + 1, now, seconds{-1}));
  EXPECT_TRUE(
      timestampWithinTolerance(now + (kOneSecond << 30), now, seconds{std::int64_t{1} << 31}));
  // Extreme distance: no overflow.
  EXPECT_FALSE(timestampWithinTolerance(now + (std::uint64_t{1} << 63), now, seconds{7}));
}

TEST(Mipv4IdentificationTest, ImpreciseFractionBitsAreRandomised) {
  const std::uint64_t t = 0xcd408152'80000000ULL;
  // A clock with 10 precise fraction bits (about 1 ms): the lower 22 come from the random value.
  EXPECT_EQ(randomiseImpreciseFractionBits(t, 10, 0xffffffffu), 0xcd408152'803fffffULL);
  EXPECT_EQ(randomiseImpreciseFractionBits(t, 10, 0x00000000u), t);
  EXPECT_EQ(randomiseImpreciseFractionBits(t, 32, 0xffffffffu), t);
  EXPECT_EQ(randomiseImpreciseFractionBits(t, 0, 0x12345678u), 0xcd408152'12345678ULL);
}

}  // namespace
}  // namespace dsmip::wire
