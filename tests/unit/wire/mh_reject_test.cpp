// One test per reason the Mobility Header decoder or encoder refuses its input, each checking
// the error code and the offset (what an ICMPv6 Parameter Problem pointer would carry).

#include <gtest/gtest.h>

#include <string>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "wire/mh.hpp"

namespace dsmip::wire {
namespace {

Bytes hex(std::string_view text) {
  Bytes out;
  EXPECT_TRUE(fromHex(text, out)) << text;
  return out;
}
Ipv6Address v6(std::string_view text) { return Ipv6Address::parse(text).value(); }

const Ipv6Address kHoa = v6("2001:db8:1::100");
const Ipv6Address kHa = v6("2001:db8:1::1");

void expectDecodeError(std::string_view wire_hex, ErrorCode code, std::size_t offset) {
  auto decoded = decodeMobilityHeader(hex(wire_hex));
  ASSERT_FALSE(decoded) << "accepted " << wire_hex;
  EXPECT_EQ(decoded.error().code, code) << decoded.error().toString();
  EXPECT_EQ(decoded.error().offset, offset) << decoded.error().toString();
  EXPECT_FALSE(decoded.error().reason.empty());
}

// --- Header.

TEST(MhRejectTest, ShorterThanEightOctets) {
  expectDecodeError("", ErrorCode::Truncated, 0);
  expectDecodeError("3b", ErrorCode::Truncated, 0);
  expectDecodeError("3b000000000000", ErrorCode::Truncated, 0);
  EXPECT_TRUE(decodeMobilityHeader(hex("3b00000000000000")));  // 8 octets: a BRR
}

TEST(MhRejectTest, PayloadProtoNotNoNextHeader) {
  // A BRR with Payload Proto 6: RFC 6275 §9.2 → Parameter Problem pointing at offset 0.
  expectDecodeError("0600000000000000", ErrorCode::BadValue, 0);
  expectDecodeError("3a00000000000000", ErrorCode::BadValue, 0);
}

TEST(MhRejectTest, HeaderLenBelowTheTypesMinimum) {
  // BU with Header Len 0 (8 octets < 12 + padding): Parameter Problem pointing at offset 1.
  expectDecodeError("3b00050000000007", ErrorCode::BadLength, 1);
  // BA likewise; HoTI needs 16; HoT and BE need 24.
  expectDecodeError("3b00060000000000", ErrorCode::BadLength, 1);
  expectDecodeError("3b00010000000000", ErrorCode::BadLength, 1);
  expectDecodeError("3b01030000000000 0000000000000000", ErrorCode::BadLength, 1);
  expectDecodeError("3b01040000000000 0000000000000000", ErrorCode::BadLength, 1);
  expectDecodeError("3b01070000000200 20010db800010000", ErrorCode::BadLength, 1);
  EXPECT_EQ(mhMinimumSize(0), 8u);
  EXPECT_EQ(mhMinimumSize(1), 16u);
  EXPECT_EQ(mhMinimumSize(2), 16u);
  EXPECT_EQ(mhMinimumSize(3), 24u);
  EXPECT_EQ(mhMinimumSize(4), 24u);
  EXPECT_EQ(mhMinimumSize(5), 16u);
  EXPECT_EQ(mhMinimumSize(6), 16u);
  EXPECT_EQ(mhMinimumSize(7), 24u);
  EXPECT_EQ(mhMinimumSize(16), 8u);
}

TEST(MhRejectTest, HeaderLenRunsPastThePacket) {
  // Header Len 2 (24 octets) but only 16 present.
  expectDecodeError("3b020500 0000 0007 c0000032 01020000", ErrorCode::Truncated, 1);
  // Header Len 255 (2048 octets) with 8.
  expectDecodeError("3bff000000000000", ErrorCode::Truncated, 1);
}

// --- Options.

TEST(MhRejectTest, OptionWithoutLengthOctet) {
  // BU of 16 octets whose option area is Pad1 Pad1 Pad1 and a lone Type octet (32) at 15.
  expectDecodeError("3b010500 0000 0007 c0000032 00000020", ErrorCode::Truncated, 15);
}

TEST(MhRejectTest, OptionRunsPastTheHeader) {
  // IPv4 CoA (8 octets) at 12 in a 16-octet BU.
  expectDecodeError("3b010500 0000 0007 c0000032 2006c000", ErrorCode::Truncated, 12);
}

TEST(MhRejectTest, PadNRunsPastTheHeader) {
  // PadN claiming 3 data octets with 2 left.
  expectDecodeError("3b010500 0000 0007 c0000032 01030000", ErrorCode::Truncated, 12);
}

struct LengthCase {
  std::string name;
  std::string area_hex;  // BU option area from offset 12, 8n-aligned overall
};

void PrintTo(const LengthCase& c, std::ostream* os) { *os << c.name; }

class MhBadOptionLengthTest : public ::testing::TestWithParam<LengthCase> {};

TEST_P(MhBadOptionLengthTest, RejectedWithOffsetOfTheLengthOctet) {
  // The option sits after a PadN(2) at 12, so its Type is at 16 and its Length at 17.
  const std::string area = GetParam().area_hex;
  Bytes body = hex("0102 0000" + area);
  while ((12 + body.size()) % 8 != 0) body.push_back(0);  // Pad1s after the option
  Bytes wire = hex("3b000500 0000 0007 c0000032");
  wire.insert(wire.end(), body.begin(), body.end());
  wire[1] = static_cast<std::uint8_t>(wire.size() / 8 - 1);
  auto decoded = decodeMobilityHeader(wire);
  ASSERT_FALSE(decoded) << GetParam().name;
  EXPECT_EQ(decoded.error().code, ErrorCode::BadLength) << decoded.error().toString();
  EXPECT_EQ(decoded.error().offset, 17u);
}

std::string lengthCaseName(const ::testing::TestParamInfo<LengthCase>& param_info) {
  return param_info.param.name;
}

INSTANTIATE_TEST_SUITE_P(
    EveryFixedSizeOption, MhBadOptionLengthTest,
    ::testing::Values(
        LengthCase{"BindingRefreshAdviceLength3", "0203000000"},
        LengthCase{"BindingRefreshAdviceLength0", "0200"},
        LengthCase{"AlternateCareOfAddressLength4", "0304c0000201"},
        LengthCase{"AlternateCareOfAddressLength17", "031120010db800020000000000000000000050"},
        LengthCase{"NonceIndicesLength2", "04020001"},
        LengthCase{"NonceIndicesLength16", "041000010002000000000000000000000000"},
        LengthCase{"MobileNetworkPrefixLength16", "0610003020010db800770000000000000000"},
        LengthCase{"Ipv4HomeAddressLength4", "1d04c000020a"},
        LengthCase{"Ipv4HomeAddressLength8", "1d0880000000c000020a"},
        LengthCase{"Ipv4AddressAckLength5", "1e0500800a0100"},
        LengthCase{"NatDetectionLength2", "1f028000"},
        LengthCase{"NatDetectionLength7", "1f0780000000006e00"},
        LengthCase{"Ipv4CareOfAddressLength7", "20070000c000020a00"},
        LengthCase{"Ipv4CareOfAddressLength4", "2004c000020a"}),
    lengthCaseName);

TEST(MhRejectTest, BindingAuthorizationDataNotLast) {
  // BU: Nonce Indices at 12, BAD at 18 (length 4, ends at 24), then PadN(6)... any octet after
  // it is an error, reported at BAD's Type octet.
  expectDecodeError("3b030500 0000 0009 8000000a 04040a0b0c0d 050401020304 0106000000000000",
                    ErrorCode::BadValue, 18);
}

TEST(MhRejectTest, ReservedAndUnknownValuesAreNotErrors) {
  // Unknown MH type 200, unknown BA status 200, unknown BE status 9: decoded, not rejected.
  EXPECT_TRUE(decodeMobilityHeader(hex("3b00c80000000000")));
  EXPECT_TRUE(decodeMobilityHeader(hex("3b010600 0000 c800 0001 0000 01020000")));
  EXPECT_TRUE(decodeMobilityHeader(hex("3b020700 0000 0900 00000000000000000000000000000000")));
}

// --- Encoder.

void expectEncodeError(const MobilityMessage& message, ErrorCode code) {
  auto size = encodedSize(message);
  ASSERT_FALSE(size);
  EXPECT_EQ(size.error().code, code) << size.error().toString();
  Bytes storage(4096, 0xEE);
  ByteWriter out{storage};
  auto status = encodeMobilityHeader(message, kHoa, kHa, out);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, code) << status.error().toString();
  EXPECT_EQ(out.size(), 0u) << "nothing written on error";
}

TEST(MhEncodeRejectTest, TwoBindingAuthorizationDataOptions) {
  BindingUpdate bu;
  bu.options = {BindingAuthorizationDataOption{Bytes(12)},
                BindingAuthorizationDataOption{Bytes(12)}};
  expectEncodeError(bu, ErrorCode::InvalidArgument);
}

TEST(MhEncodeRejectTest, UnknownOptionUsingAKnownType) {
  for (const int type : {0, 1, 2, 3, 4, 5, 6, 29, 30, 31, 32}) {
    BindingUpdate bu;
    bu.options = {UnknownMobilityOption{static_cast<std::uint8_t>(type), Bytes(6)}};
    expectEncodeError(bu, ErrorCode::InvalidArgument);
  }
  BindingUpdate ok;
  ok.options = {UnknownMobilityOption{7, Bytes(6)}, UnknownMobilityOption{33, Bytes(6)}};
  EXPECT_TRUE(encodedSize(ok));
}

TEST(MhEncodeRejectTest, OptionDataOver255Octets) {
  BindingUpdate bu;
  bu.options = {UnknownMobilityOption{100, Bytes(256)}};
  expectEncodeError(bu, ErrorCode::InvalidArgument);
  bu.options = {BindingAuthorizationDataOption{Bytes(256)}};
  expectEncodeError(bu, ErrorCode::InvalidArgument);
  bu.options = {UnknownMobilityOption{100, Bytes(255)}};
  EXPECT_TRUE(encodedSize(bu));
}

TEST(MhEncodeRejectTest, SixBitPrefixLengthsAbove63) {
  BindingUpdate bu;
  bu.options = {Ipv4HomeAddressOption{64, false, {}}};
  expectEncodeError(bu, ErrorCode::InvalidArgument);
  BindingAck ba;
  ba.options = {Ipv4AddressAckOption{Ipv4AckStatus::Success, 64, {}}};
  expectEncodeError(ba, ErrorCode::InvalidArgument);
  ba.options = {Ipv4AddressAckOption{Ipv4AckStatus::Success, 63, {}}};
  EXPECT_TRUE(encodedSize(ba));
}

TEST(MhEncodeRejectTest, UnknownMessageWithKnownTypeOrBadSize) {
  expectEncodeError(UnknownMobilityMessage{5, Bytes(10)}, ErrorCode::InvalidArgument);
  expectEncodeError(UnknownMobilityMessage{16, Bytes(9)}, ErrorCode::InvalidArgument);
  auto size = encodedSize(UnknownMobilityMessage{16, Bytes(10)});
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, 16u);
}

TEST(MhEncodeRejectTest, LongerThan2048Octets) {
  BindingUpdate bu;
  // 12 + 9 * 255-octet unknown options (257 each) = 2325 > 2048.
  for (int i = 0; i < 9; ++i) bu.options.emplace_back(UnknownMobilityOption{100, Bytes(255)});
  expectEncodeError(bu, ErrorCode::BadLength);
  // 7 of them: 12 + 7 * 257 = 1811 → 1816 octets, fine.
  bu.options.resize(7);
  auto size = encodedSize(bu);
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, 1816u);
  // Exactly 2048 (Header Len 255) is fine: BRR 8 + 2040 of options.
  BindingRefreshRequest brr;
  for (int i = 0; i < 8; ++i) brr.options.emplace_back(UnknownMobilityOption{100, Bytes(253)});
  auto encoded = encodeMobilityHeader(brr, kHoa, kHa);
  ASSERT_TRUE(encoded) << encoded.error().toString();
  EXPECT_EQ(encoded->size(), 2048u);
  EXPECT_EQ((*encoded)[1], 255);
  auto decoded = decodeMobilityHeader(*encoded);
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(*decoded == MobilityMessage{brr});
}

TEST(MhEncodeRejectTest, WriterTooSmall) {
  BindingUpdate bu;
  bu.options = {Ipv4CareOfAddressOption{}};
  Bytes storage(23);
  ByteWriter out{storage};
  auto status = encodeMobilityHeader(bu, kHoa, kHa, out);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::NoSpace);
  Bytes exact(24);
  ByteWriter fits{exact};
  EXPECT_TRUE(encodeMobilityHeader(bu, kHoa, kHa, fits));
}

TEST(MhEncodeRejectTest, PacketBufferWithoutTailroom) {
  BindingUpdate bu;
  PacketBuffer packet(64, 48);  // 16 octets of tailroom, BU needs 16: fits once
  ASSERT_TRUE(encodeMobilityHeader(bu, kHoa, kHa, packet));
  EXPECT_EQ(packet.size(), 16u);
  auto status = encodeMobilityHeader(bu, kHoa, kHa, packet);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::NoSpace);
  EXPECT_EQ(packet.size(), 16u);  // unchanged
}

TEST(MhEncodeRejectTest, EncodeOptionsAloneValidatesBeforeWriting) {
  Bytes storage(64);
  ByteWriter out{storage};
  const MobilityOptions options = {Ipv4CareOfAddressOption{}, UnknownMobilityOption{3, {}}};
  auto status = encodeMobilityOptions(options, 12, out);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(out.size(), 0u);
}

}  // namespace
}  // namespace dsmip::wire
