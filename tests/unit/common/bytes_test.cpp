#include "common/bytes.hpp"

#include <gtest/gtest.h>

#include "common/result.hpp"
#include "common/time.hpp"

namespace dsmip {
namespace {

TEST(ByteReaderTest, ReadsBigEndianFields) {
  const std::uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
  ByteReader in{data};
  EXPECT_EQ(in.u8(), 0x01);
  EXPECT_EQ(in.u16(), 0x0203);
  EXPECT_EQ(in.u32(), 0x04050607u);
  EXPECT_TRUE(in.ok());
  EXPECT_EQ(in.remaining(), 2u);
  EXPECT_EQ(in.u32(), 0u);  // past the end
  EXPECT_FALSE(in.ok());
  EXPECT_EQ(in.u8(), 0u);  // stays failed
}

TEST(ByteReaderTest, OffsetIncludesBase) {
  const std::uint8_t data[] = {1, 2, 3};
  ByteReader in{data, 40};
  in.skip(2);
  EXPECT_EQ(in.offset(), 42u);
  EXPECT_EQ(in.bytes(2).size(), 0u);
  EXPECT_FALSE(in.ok());
}

TEST(ByteWriterTest, StopsAtCapacity) {
  std::uint8_t out[5] = {};
  ByteWriter w{out};
  w.u16(0xABCD);
  w.u16(0x1234);
  EXPECT_TRUE(w.ok());
  w.u16(0x5678);  // does not fit
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(w.size(), 4u);
  EXPECT_EQ(out[4], 0);
  EXPECT_EQ(out[0], 0xAB);
}

TEST(ByteWriterTest, PatchesReservedFields) {
  std::uint8_t out[8] = {};
  ByteWriter w{out};
  const auto at = w.reserve(2);
  w.u32(0xDEADBEEF);
  w.patchU16(at, 0x0102);
  EXPECT_EQ(out[0], 0x01);
  EXPECT_EQ(out[1], 0x02);
  EXPECT_EQ(out[2], 0xDE);
}

TEST(PacketBufferTest, PrependsIntoHeadroomWithoutCopy) {
  PacketBuffer buf(256, 64);
  auto body = buf.append(4);
  ASSERT_EQ(body.size(), 4u);
  body[0] = 0x60;
  const std::uint8_t* payload_address = buf.data().data();
  auto outer = buf.prepend(28);
  ASSERT_EQ(outer.size(), 28u);
  EXPECT_EQ(buf.size(), 32u);
  EXPECT_EQ(buf.data().data() + 28, payload_address);
  EXPECT_TRUE(buf.prepend(100).empty());  // only 36 bytes of headroom left
  EXPECT_TRUE(buf.trimFront(28));
  EXPECT_EQ(buf.data()[0], 0x60);
}

TEST(HexTest, RoundTrips) {
  Bytes b;
  ASSERT_TRUE(fromHex("3b 02:05\n00", b));
  EXPECT_EQ(toHex(b), "3b020500");
  EXPECT_FALSE(fromHex("3", b));
  EXPECT_FALSE(fromHex("zz", b));
}

TEST(DurationTest, ParsesUnits) {
  EXPECT_EQ(parseDuration("2s"), Duration{2s});
  EXPECT_EQ(parseDuration("250ms"), Duration{250ms});
  EXPECT_EQ(parseDuration("1.5s"), Duration{1500ms});
  EXPECT_EQ(parseDuration("5m"), Duration{300s});
  EXPECT_EQ(parseDuration("30"), Duration{30s});
  EXPECT_FALSE(parseDuration(""));
  EXPECT_FALSE(parseDuration("-1s"));
  EXPECT_FALSE(parseDuration("1x"));
  EXPECT_FALSE(parseDuration("s"));
  EXPECT_EQ(formatDuration(120s), "120s");
  EXPECT_EQ(formatDuration(250ms), "250ms");
  EXPECT_EQ(formatDuration(1500ms), "1500ms");
}

TEST(ResultTest, CarriesValueOrError) {
  Result<int> ok = 5;
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 5);
  Result<int> bad = parseError(ErrorCode::Truncated, "mh header", 6);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().offset, 6u);
  EXPECT_EQ(bad.error().toString(), "truncated at offset 6: mh header");
  Status s = makeError(ErrorCode::InvalidArgument, "key 'mtu': must be at least 1280");
  EXPECT_FALSE(s);
  EXPECT_EQ(s.error().toString(), "invalid-argument: key 'mtu': must be at least 1280");
}

}  // namespace
}  // namespace dsmip
