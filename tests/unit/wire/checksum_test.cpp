#include "wire/checksum.hpp"

#include <gtest/gtest.h>

namespace dsmip::wire {
namespace {

TEST(ChecksumTest, MatchesRfc1071Example) {
  // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (one's complement sum).
  const std::uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  ChecksumAccumulator acc;
  acc.add(data);
  EXPECT_EQ(acc.folded(), 0xddf2);
  EXPECT_EQ(acc.finish(), 0x220d);
}

TEST(ChecksumTest, SplitOddSpansEqualContiguous) {
  const std::uint8_t data[] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde};
  ChecksumAccumulator split;
  split.add(ByteView(data, 3));
  split.add(ByteView(data + 3, 4));
  EXPECT_EQ(split.finish(), internetChecksum(data));
}

TEST(ChecksumTest, Ipv4HeaderChecksumVerifies) {
  // A captured IPv4 header (checksum 0xb861 in place).
  const std::uint8_t header[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(internetChecksum(header), 0);
}

}  // namespace
}  // namespace dsmip::wire
