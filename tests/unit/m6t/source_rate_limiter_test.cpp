#include "m6t/source_rate_limiter.hpp"

#include <gtest/gtest.h>

#include "m6t_test_util.hpp"

namespace dsmip::m6t {
namespace {

using namespace std::chrono_literals;
using test::v4;

const TimePoint kT0 = TimePoint{} + 1h;

TEST(SourceRateLimiterTest, BurstThenRate) {
  SourceRateLimiter l(SipKey{1, 2}, 10, 5, 100);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(l.allow(v4("198.51.100.1"), kT0)) << i;
  EXPECT_FALSE(l.allow(v4("198.51.100.1"), kT0));
  // 10 per second: one token every 100 ms.
  EXPECT_FALSE(l.allow(v4("198.51.100.1"), kT0 + 99ms));
  EXPECT_TRUE(l.allow(v4("198.51.100.1"), kT0 + 100ms));
  EXPECT_FALSE(l.allow(v4("198.51.100.1"), kT0 + 100ms));
}

TEST(SourceRateLimiterTest, AddressesAreIndependentAndPortsIgnored) {
  SourceRateLimiter l(SipKey{1, 2}, 1, 1, 100);
  EXPECT_TRUE(l.allow(v4("198.51.100.1"), kT0));
  EXPECT_FALSE(l.allow(v4("198.51.100.1"), kT0));
  EXPECT_TRUE(l.allow(v4("198.51.100.2"), kT0));
}

TEST(SourceRateLimiterTest, ForgetsFullBuckets) {
  SourceRateLimiter l(SipKey{1, 2}, 10, 5, 100);
  EXPECT_TRUE(l.allow(v4("198.51.100.1"), kT0));
  EXPECT_EQ(l.trackedSources(), 1u);
  ASSERT_TRUE(l.nextDeadline().has_value());
  EXPECT_EQ(*l.nextDeadline(), kT0 + 500ms);  // burst 5 / rate 10
  l.onTimer(kT0 + 500ms);
  EXPECT_EQ(l.trackedSources(), 0u);
  EXPECT_FALSE(l.nextDeadline().has_value());
}

TEST(SourceRateLimiterTest, KeepsBucketsStillRefilling) {
  SourceRateLimiter l(SipKey{1, 2}, 10, 5, 100);
  EXPECT_TRUE(l.allow(v4("198.51.100.1"), kT0));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(l.allow(v4("198.51.100.1"), kT0 + 400ms));
  l.onTimer(kT0 + 500ms);  // 4 tokens used at +400 ms: not full yet
  EXPECT_EQ(l.trackedSources(), 1u);
  EXPECT_EQ(*l.nextDeadline(), kT0 + 1s);
  l.onTimer(kT0 + 1s);
  EXPECT_EQ(l.trackedSources(), 0u);
}

TEST(SourceRateLimiterTest, BoundedNumberOfSources) {
  SourceRateLimiter l(SipKey{1, 2}, 10, 5, 3);
  EXPECT_TRUE(l.allow(v4("198.51.100.1"), kT0));
  EXPECT_TRUE(l.allow(v4("198.51.100.2"), kT0));
  EXPECT_TRUE(l.allow(v4("198.51.100.3"), kT0));
  EXPECT_FALSE(l.allow(v4("198.51.100.4"), kT0));
  EXPECT_TRUE(l.allow(v4("198.51.100.1"), kT0));  // known addresses still work
  l.onTimer(kT0 + 1s);
  EXPECT_TRUE(l.allow(v4("198.51.100.4"), kT0 + 1s));
}

TEST(SourceRateLimiterTest, RateZeroDisablesTheLimit) {
  SourceRateLimiter l(SipKey{1, 2}, 0, 5, 3);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(l.allow(v4("198.51.100.1"), kT0));
  EXPECT_EQ(l.trackedSources(), 0u);
}

TEST(SourceRateLimiterTest, ManySourcesGrowAndShrink) {
  SourceRateLimiter l(SipKey{3, 4}, 10, 1, 100000);
  for (std::uint32_t i = 0; i < 20000; ++i) {
    ASSERT_TRUE(l.allow(Ipv4Address::fromU32(0x0A000000u + i), kT0));
  }
  for (std::uint32_t i = 0; i < 20000; ++i) {
    ASSERT_FALSE(l.allow(Ipv4Address::fromU32(0x0A000000u + i), kT0)) << i;
  }
  EXPECT_EQ(l.trackedSources(), 20000u);
  l.onTimer(kT0 + 1s);
  EXPECT_EQ(l.trackedSources(), 0u);
}

}  // namespace
}  // namespace dsmip::m6t
