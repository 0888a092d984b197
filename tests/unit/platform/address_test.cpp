// Family-agnostic address helpers, clocks and the system random source.
#include "platform/address.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "platform/clock.hpp"
#include "platform/fd.hpp"
#include "platform/random.hpp"
#include "platform/socket_address.hpp"

namespace dsmip::platform {
namespace {

TEST(AddressTest, PrefixParsingKeepsHostBits) {
  auto p = parseIpPrefix("192.0.2.7/24");
  ASSERT_TRUE(p);
  EXPECT_EQ(toString(*p), "192.0.2.7/24");
  EXPECT_EQ(toString(normalised(*p)), "192.0.2.0/24");
  EXPECT_EQ(prefixLength(*p), 24);
  EXPECT_EQ(familyOf(*p), IpFamily::V4);
  auto v6 = parseIpPrefix("2001:db8::1");
  ASSERT_TRUE(v6);
  EXPECT_EQ(prefixLength(*v6), 128) << "a bare address is a host prefix";
  EXPECT_EQ(*v6, hostPrefix(*parseIpAddress("2001:db8::1")));
  EXPECT_FALSE(parseIpPrefix("10.0.0.0/33"));
  EXPECT_FALSE(parseIpPrefix("2001:db8::/129"));
  EXPECT_FALSE(parseIpPrefix("10.0.0.0/"));
  EXPECT_FALSE(parseIpPrefix("10.0.0.0/2x"));
  EXPECT_FALSE(parseIpPrefix("nonsense/8"));
  EXPECT_EQ(toString(defaultPrefix(IpFamily::V6)), "::/0");
}

TEST(AddressTest, EndpointsAndSocketAddressesRoundTrip) {
  const IpEndpoint v4 = *Ipv4Endpoint::parse("192.0.2.1:4191");
  const IpEndpoint v6 = *Ipv6Endpoint::parse("[2001:db8::5]:434");
  for (const IpEndpoint& e : {v4, v6}) {
    const SocketAddress s = toSocketAddress(e);
    auto back = fromSocketAddress(s.storage, s.length);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, e);
  }
  EXPECT_EQ(portOf(v6), 434);
  EXPECT_EQ(toString(addressOf(v4)), "192.0.2.1");
  EXPECT_EQ(toString(v6), "[2001:db8::5]:434");
  sockaddr_storage unix_address{};
  unix_address.ss_family = AF_UNIX;
  EXPECT_FALSE(fromSocketAddress(unix_address, sizeof(unix_address)));
  const SocketAddress short_one = toSocketAddress(v4);
  EXPECT_FALSE(fromSocketAddress(short_one.storage, 4));
}

TEST(ClockTest, MonotonicClockAdvancesAndRealtimeIsAfter2020) {
  const TimePoint a = monotonicNow();
  const TimePoint b = monotonicNow();
  EXPECT_LE(a, b);
  EXPECT_GT(a.time_since_epoch().count(), 0);
  EXPECT_GT(unixTimeNanos(), std::int64_t{1'577'836'800} * 1'000'000'000);  // 2020-01-01
}

TEST(SystemRandomTest, FillsBuffersWithDistinctValues) {
  SystemRandom random;
  std::set<std::uint64_t> values;
  for (int i = 0; i < 64; ++i) values.insert(random.u64());
  EXPECT_EQ(values.size(), 64u);
  std::vector<std::uint8_t> big(100000, 0);
  random.fill(big);
  const auto zeros = std::count(big.begin(), big.end(), 0);
  EXPECT_LT(zeros, 1000) << "about 390 zero bytes expected in 100000";
}

TEST(UniqueFdTest, ClosesOnDestructionAndMoves) {
  int raw[2];
  ASSERT_EQ(::pipe(raw), 0);
  {
    UniqueFd a(raw[0]);
    UniqueFd b(std::move(a));
    EXPECT_FALSE(a.valid());
    EXPECT_EQ(b.get(), raw[0]);
  }
  EXPECT_EQ(::fcntl(raw[0], F_GETFD), -1) << "closed";
  UniqueFd w(raw[1]);
  const int released = w.release();
  EXPECT_FALSE(w.valid());
  EXPECT_EQ(::close(released), 0);
  const auto e = osError("test", ENOENT, "ctx").error();
  EXPECT_EQ(e.detail, "ctx: No such file or directory");
  EXPECT_TRUE(hasErrno(e, ENOENT));
}

}  // namespace
}  // namespace dsmip::platform
