// BpfFilterBuilder: exact programs for the filters the daemons use, and their behaviour on
// sample packets through a small classic-BPF interpreter (the kernel side is covered by the
// packet-socket root tests).
#include "platform/bpf.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace dsmip::platform {
namespace {

// Runs the subset of classic BPF the builder emits: absolute loads, AND, JEQ, RET.
std::uint32_t run(const BpfProgram& program, ByteView packet) {
  std::uint32_t a = 0;
  std::size_t pc = 0;
  while (pc < program.size()) {
    const BpfInstruction& in = program[pc];
    auto load = [&](std::size_t n) -> std::optional<std::uint32_t> {
      if (in.k + n > packet.size()) return std::nullopt;
      std::uint32_t v = 0;
      for (std::size_t i = 0; i < n; ++i) v = (v << 8) | packet[in.k + i];
      return v;
    };
    switch (in.code) {
      case kBpfLoadWordAbs:
      case kBpfLoadHalfAbs:
      case kBpfLoadByteAbs: {
        const std::size_t n = in.code == kBpfLoadWordAbs ? 4 : in.code == kBpfLoadHalfAbs ? 2 : 1;
        const auto v = load(n);
        if (!v) return 0;  // out of bounds: the kernel rejects the packet
        a = *v;
        ++pc;
        break;
      }
      case kBpfAndConstant:
        a &= in.k;
        ++pc;
        break;
      case kBpfJumpIfEqual:
        pc += 1 + (a == in.k ? in.jt : in.jf);
        break;
      case kBpfReturnConstant:
        return in.k;
      default:
        ADD_FAILURE() << "unexpected opcode " << in.code;
        return 0;
    }
  }
  ADD_FAILURE() << "program ran off its end";
  return 0;
}

const Ipv6Address kCareOf = *Ipv6Address::parse("2001:db8:1::2");
const Ipv6Address kOther = *Ipv6Address::parse("2001:db8:1::3");

// IPv6 header to `dst` with next header `nh`, then 24 bytes of extension data whose third
// byte is `third` (the routing type, for a routing header).
Bytes ipv6Packet(const Ipv6Address& dst, std::uint8_t nh, std::uint8_t third) {
  Bytes p(64, 0);
  p[0] = 0x60;
  p[5] = 24;
  p[6] = nh;
  p[7] = 64;
  std::copy(dst.bytes.begin(), dst.bytes.end(), p.begin() + 24);
  p[40] = 59;
  p[41] = 2;
  p[42] = third;
  p[43] = 1;
  return p;
}

TEST(BpfFilterBuilderTest, DestinationAndNextHeaderProgramIsExact) {
  auto program = BpfFilterBuilder{}.ipv6Destination(kCareOf).ipv6NextHeader(60).build();
  ASSERT_TRUE(program);
  // 4 word compares of the address + 1 byte compare, 2 instructions each, accept, reject.
  ASSERT_EQ(program->size(), 12u);
  EXPECT_EQ((*program)[0], (BpfInstruction{kBpfLoadWordAbs, 0, 0, 24}));
  EXPECT_EQ((*program)[1], (BpfInstruction{kBpfJumpIfEqual, 0, 9, 0x20010db8}));
  EXPECT_EQ((*program)[2], (BpfInstruction{kBpfLoadWordAbs, 0, 0, 28}));
  EXPECT_EQ((*program)[3], (BpfInstruction{kBpfJumpIfEqual, 0, 7, 0x00010000}));
  EXPECT_EQ((*program)[7], (BpfInstruction{kBpfJumpIfEqual, 0, 3, 0x00000002}));
  EXPECT_EQ((*program)[8], (BpfInstruction{kBpfLoadByteAbs, 0, 0, 6}));
  EXPECT_EQ((*program)[9], (BpfInstruction{kBpfJumpIfEqual, 0, 1, 60}));
  EXPECT_EQ((*program)[10], (BpfInstruction{kBpfReturnConstant, 0, 0, 0xFFFFFFFF}));
  EXPECT_EQ((*program)[11], (BpfInstruction{kBpfReturnConstant, 0, 0, 0}));
}

TEST(BpfFilterBuilderTest, RoutingHeaderTypeTwoFilterAcceptsOnlyMatchingPackets) {
  auto program = BpfFilterBuilder{}.ipv6Destination(kCareOf).ipv6RoutingHeaderType(2).build();
  ASSERT_TRUE(program);
  EXPECT_NE(run(*program, ipv6Packet(kCareOf, 43, 2)), 0u);
  EXPECT_EQ(run(*program, ipv6Packet(kCareOf, 43, 0)), 0u);  // RH0, not RH2
  EXPECT_EQ(run(*program, ipv6Packet(kCareOf, 60, 2)), 0u);  // destination options
  EXPECT_EQ(run(*program, ipv6Packet(kOther, 43, 2)), 0u);   // other destination
  const Bytes truncated(30, 0x60);
  EXPECT_EQ(run(*program, truncated), 0u);
}

TEST(BpfFilterBuilderTest, AlternativesAcceptEitherCondition) {
  auto program = BpfFilterBuilder{}
                     .ipv6Destination(kCareOf)
                     .ipv6NextHeader(43)
                     .orElse()
                     .ipv6Destination(kOther)
                     .ipv6NextHeader(60)
                     .build(1500);
  ASSERT_TRUE(program);
  EXPECT_EQ(run(*program, ipv6Packet(kCareOf, 43, 2)), 1500u);
  EXPECT_EQ(run(*program, ipv6Packet(kOther, 60, 2)), 1500u);
  EXPECT_EQ(run(*program, ipv6Packet(kCareOf, 60, 2)), 0u);
  EXPECT_EQ(run(*program, ipv6Packet(kOther, 43, 2)), 0u);
}

TEST(BpfFilterBuilderTest, MaskedComparisonUsesAnd) {
  auto program = BpfFilterBuilder{}.ipVersion(6).build();
  ASSERT_TRUE(program);
  ASSERT_EQ(program->size(), 5u);
  EXPECT_EQ((*program)[1], (BpfInstruction{kBpfAndConstant, 0, 0, 0xF0}));
  EXPECT_EQ((*program)[2], (BpfInstruction{kBpfJumpIfEqual, 0, 1, 0x60}));
  EXPECT_NE(run(*program, ipv6Packet(kCareOf, 17, 0)), 0u);
  Bytes v4(20, 0);
  v4[0] = 0x45;
  EXPECT_EQ(run(*program, v4), 0u);
}

TEST(BpfFilterBuilderTest, Ipv4ProtocolAndDestination) {
  const auto dst = *Ipv4Address::parse("192.0.2.7");
  auto program = BpfFilterBuilder{}.ipv4Destination(dst).ipv4Protocol(41).build();
  ASSERT_TRUE(program);
  Bytes p(40, 0);
  p[0] = 0x45;
  p[9] = 41;
  std::copy(dst.bytes.begin(), dst.bytes.end(), p.begin() + 16);
  EXPECT_NE(run(*program, p), 0u);
  p[9] = 4;
  EXPECT_EQ(run(*program, p), 0u);
}

TEST(BpfFilterBuilderTest, BytesEqualSplitsIntoWordHalfAndByte) {
  const std::uint8_t value[] = {1, 2, 3, 4, 5, 6, 7};
  auto program = BpfFilterBuilder{}.bytesEqual(10, value).build();
  ASSERT_TRUE(program);
  ASSERT_EQ(program->size(), 8u);
  EXPECT_EQ((*program)[0], (BpfInstruction{kBpfLoadWordAbs, 0, 0, 10}));
  EXPECT_EQ((*program)[2], (BpfInstruction{kBpfLoadHalfAbs, 0, 0, 14}));
  EXPECT_EQ((*program)[3], (BpfInstruction{kBpfJumpIfEqual, 0, 3, 0x0506}));
  EXPECT_EQ((*program)[4], (BpfInstruction{kBpfLoadByteAbs, 0, 0, 16}));
  EXPECT_EQ((*program)[5], (BpfInstruction{kBpfJumpIfEqual, 0, 1, 7}));
}

TEST(BpfFilterBuilderTest, EmptyFilterAcceptsEverything) {
  auto program = BpfFilterBuilder{}.build(96);
  ASSERT_TRUE(program);
  EXPECT_EQ(run(*program, Bytes(1, 0)), 96u);
  EXPECT_EQ(run(bpfRejectAll(), Bytes(100, 0)), 0u);
}

TEST(BpfFilterBuilderTest, RejectsJumpsBeyondClassicBpfRange) {
  BpfFilterBuilder builder;
  for (std::uint32_t i = 0; i < 130; ++i) builder.byteEquals(i, 0);
  auto program = builder.build();
  ASSERT_FALSE(program);
  EXPECT_EQ(program.error().code, ErrorCode::InvalidArgument);
}

}  // namespace
}  // namespace dsmip::platform
