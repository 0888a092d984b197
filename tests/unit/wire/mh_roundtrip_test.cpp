// Round trips (value → bytes → value) for every message, seeded random messages, unknown MH
// types, trailing octets, and the names used by `dsmip decode`.

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/random.hpp"
#include "wire/mh.hpp"

namespace dsmip::wire {
namespace {

Bytes hex(std::string_view text) {
  Bytes out;
  EXPECT_TRUE(fromHex(text, out)) << text;
  return out;
}
Ipv6Address v6(std::string_view text) { return Ipv6Address::parse(text).value(); }
Ipv4Address v4(std::string_view text) { return Ipv4Address::parse(text).value(); }

const Ipv6Address kHoa = v6("2001:db8:1::100");
const Ipv6Address kHa = v6("2001:db8:1::1");

void expectRoundTrip(const MobilityMessage& message) {
  auto bytes = encodeMobilityHeader(message, kHoa, kHa);
  ASSERT_TRUE(bytes) << bytes.error().toString();
  EXPECT_EQ(bytes->size() % 8, 0u);
  EXPECT_EQ((*bytes)[0], kMhPayloadProtoNone);
  EXPECT_EQ(((*bytes)[1] + 1u) * 8u, bytes->size());
  EXPECT_EQ((*bytes)[2], mhTypeOf(message));
  EXPECT_EQ((*bytes)[3], 0);
  EXPECT_TRUE(verifyMobilityChecksum(kHoa, kHa, *bytes));
  auto decoded = decodeMobilityHeader(*bytes);
  ASSERT_TRUE(decoded) << decoded.error().toString() << " in " << toHex(*bytes);
  EXPECT_TRUE(*decoded == message) << toHex(*bytes);
}

TEST(MhRoundTripTest, EveryMessageType) {
  expectRoundTrip(BindingRefreshRequest{});
  expectRoundTrip(BindingRefreshRequest{{UnknownMobilityOption{77, hex("0102")}}});
  expectRoundTrip(HomeTestInit{{9, 8, 7, 6, 5, 4, 3, 2}, {}});
  expectRoundTrip(CareOfTestInit{{1, 1, 2, 3, 5, 8, 13, 21}, {}});
  expectRoundTrip(HomeTest{0xffff, {1, 2, 3, 4, 5, 6, 7, 8}, {8, 7, 6, 5, 4, 3, 2, 1}, {}});
  expectRoundTrip(CareOfTest{0,
                             {0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0},
                             {1, 0, 1, 0, 1, 0, 1, 0},
                             {UnknownMobilityOption{150, {}}}});
  BindingUpdate bu;
  bu.sequence = 0x8001;
  bu.flags = kBuFlagsKnown;  // every assigned flag
  bu.lifetime_units = 0xffff;
  bu.options = {Ipv4HomeAddressOption{24, true, v4("0.0.0.0")},
                Ipv4HomeAddressOption{32, false, v4("10.1.0.5")},
                Ipv4CareOfAddressOption{v4("192.0.2.10")},
                AlternateCareOfAddressOption{v6("2001:db8:2::50")},
                MobileNetworkPrefixOption{64, v6("2001:db8:77::")},
                MobileNetworkPrefixOption{48, v6("2001:db8:78::")}};
  expectRoundTrip(bu);
  BindingAck ba;
  ba.status = BindingAckStatus::AcceptedPrefixDiscoveryNecessary;
  ba.flags = kBaFlagsKnown;
  ba.sequence = 1;
  ba.lifetime_units = 3;
  ba.options = {BindingRefreshAdviceOption{2},
                Ipv4AddressAckOption{Ipv4AckStatus::Success, 24, v4("10.1.2.0")},
                NatDetectionOption{true, 0xfffffffe}};
  expectRoundTrip(ba);
  ba.status = BindingAckStatus::NotAuthorizedForPrefix;
  ba.options = {Ipv4AddressAckOption{Ipv4AckStatus::PrefixAllocationUnauthorized, 0, {}}};
  expectRoundTrip(ba);
  expectRoundTrip(BindingError{BindingErrorStatus::UnknownBindingForHomeAddress,
                               kHoa,
                               {UnknownMobilityOption{99, hex("00")}}});
  expectRoundTrip(UnknownMobilityMessage{13, hex("0000 00000001 00000000")});  // Heartbeat
}

// --- Seeded random messages: every field and option kind, values over their whole range.

class MessageGenerator {
 public:
  explicit MessageGenerator(std::uint64_t seed) : random_(seed) {}

  MobilityMessage next() {
    switch (random_.below(9)) {
      case 0:
        return BindingRefreshRequest{options(false)};
      case 1:
        return HomeTestInit{array8(), options(false)};
      case 2:
        return CareOfTestInit{array8(), options(false)};
      case 3:
        return HomeTest{u16(), array8(), array8(), options(true)};
      case 4:
        return CareOfTest{u16(), array8(), array8(), options(true)};
      case 5: {
        BindingUpdate bu;
        bu.sequence = u16();
        bu.flags = static_cast<std::uint16_t>(u16() & kBuFlagsKnown);
        bu.lifetime_units = u16();
        bu.options = options(true);
        return bu;
      }
      case 6: {
        BindingAck ba;
        ba.status = static_cast<BindingAckStatus>(u8());
        ba.flags = static_cast<std::uint8_t>(u8() & kBaFlagsKnown);
        ba.sequence = u16();
        ba.lifetime_units = u16();
        ba.options = options(true);
        return ba;
      }
      case 7:
        return BindingError{static_cast<BindingErrorStatus>(u8()), ipv6(), options(false)};
      default: {
        UnknownMobilityMessage m;
        m.mh_type = static_cast<std::uint8_t>(8 + random_.below(248));
        m.data = bytes(2 + 8 * random_.below(4));
        return m;
      }
    }
  }

 private:
  std::uint8_t u8() { return static_cast<std::uint8_t>(random_.u32()); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(random_.u32()); }
  Bytes bytes(std::size_t n) {
    Bytes b(n);
    random_.fill(b);
    return b;
  }
  std::array<std::uint8_t, 8> array8() {
    std::array<std::uint8_t, 8> a{};
    random_.fill(a);
    return a;
  }
  Ipv6Address ipv6() {
    Ipv6Address a;
    random_.fill(a.bytes);
    return a;
  }
  Ipv4Address ipv4() { return Ipv4Address::fromU32(random_.u32()); }
  std::uint8_t unknownType() {
    // Anything this codec does not interpret: 7–28 or 33–255.
    const std::uint32_t r = random_.below(22 + 223);
    return static_cast<std::uint8_t>(r < 22 ? 7 + r : 33 + (r - 22));
  }
  MobilityOptions options(bool with_authorization) {
    MobilityOptions out;
    const std::uint32_t count = random_.below(7);
    for (std::uint32_t i = 0; i < count; ++i) {
      switch (random_.below(10)) {
        case 0:
          out.emplace_back(BindingRefreshAdviceOption{u16()});
          break;
        case 1:
          out.emplace_back(AlternateCareOfAddressOption{ipv6()});
          break;
        case 2:
          out.emplace_back(NonceIndicesOption{u16(), u16()});
          break;
        case 3:
          out.emplace_back(MobileNetworkPrefixOption{u8(), ipv6()});
          break;
        case 4:
          out.emplace_back(Ipv4HomeAddressOption{static_cast<std::uint8_t>(u8() & 0x3f),
                                                 (u8() & 1) != 0, ipv4()});
          break;
        case 5:
          out.emplace_back(Ipv4AddressAckOption{static_cast<Ipv4AckStatus>(u8()),
                                                static_cast<std::uint8_t>(u8() & 0x3f), ipv4()});
          break;
        case 6:
          out.emplace_back(NatDetectionOption{(u8() & 1) != 0, random_.u32()});
          break;
        case 7:
          out.emplace_back(Ipv4CareOfAddressOption{ipv4()});
          break;
        default:
          out.emplace_back(UnknownMobilityOption{unknownType(), bytes(random_.below(20))});
          break;
      }
    }
    if (with_authorization && random_.below(3) == 0) {
      out.emplace_back(BindingAuthorizationDataOption{bytes(random_.below(24))});
    }
    return out;
  }

  SeededRandom random_;
};

TEST(MhRoundTripTest, SeededRandomMessages) {
  MessageGenerator generator{0x6275'5555};
  std::set<std::uint8_t> types_seen;
  for (int i = 0; i < 3000; ++i) {
    const MobilityMessage message = generator.next();
    types_seen.insert(mhTypeOf(message) < 8 ? mhTypeOf(message) : 8);
    auto size = encodedSize(message);
    ASSERT_TRUE(size) << size.error().toString();
    auto bytes = encodeMobilityHeader(message, kHoa, kHa);
    ASSERT_TRUE(bytes) << bytes.error().toString();
    ASSERT_EQ(bytes->size(), *size);
    ASSERT_TRUE(verifyMobilityChecksum(kHoa, kHa, *bytes));
    auto decoded = decodeMobilityHeader(*bytes);
    ASSERT_TRUE(decoded) << decoded.error().toString() << " in " << toHex(*bytes);
    // The encoder moves Binding Authorization Data last; the generator already put it there.
    ASSERT_TRUE(*decoded == message) << "iteration " << i << ": " << toHex(*bytes);
  }
  EXPECT_EQ(types_seen.size(), 9u);
}

// --- Unknown MH types.

TEST(MhUnknownTypeTest, TypesEightAndAboveDecodeAsUnknownWithTheirData) {
  for (int type = 8; type <= 255; ++type) {
    Bytes wire = hex("3b01000000000102 0304050607080900");
    wire[2] = static_cast<std::uint8_t>(type);
    auto decoded = decodeMobilityHeader(wire);
    ASSERT_TRUE(decoded) << type;
    const auto* unknown = std::get_if<UnknownMobilityMessage>(&*decoded);
    ASSERT_NE(unknown, nullptr);
    EXPECT_EQ(unknown->mh_type, type);
    EXPECT_EQ(mhTypeOf(*decoded), type);
    EXPECT_EQ(optionsOf(*decoded), nullptr);
    EXPECT_EQ(toHex(unknown->data), "01020304050607080900");
    // Re-encoding reproduces the message (with a freshly computed checksum).
    auto encoded = encodeMobilityHeader(*decoded, kHoa, kHa);
    ASSERT_TRUE(encoded);
    const std::uint16_t checksum = computeMobilityChecksum(kHoa, kHa, wire);
    wire[4] = static_cast<std::uint8_t>(checksum >> 8);
    wire[5] = static_cast<std::uint8_t>(checksum);
    EXPECT_EQ(toHex(*encoded), toHex(wire));
  }
}

TEST(MhUnknownTypeTest, BindingErrorAnswerForUnknownType) {
  // What a receiver builds from an unknown message: BE status 2 with the home address.
  auto decoded = decodeMobilityHeader(hex("3b000d0000000000"));  // Heartbeat (13)
  ASSERT_TRUE(decoded);
  ASSERT_TRUE(std::holds_alternative<UnknownMobilityMessage>(*decoded));
  EXPECT_EQ(mhTypeName(mhTypeOf(*decoded)), "heartbeat");
  const BindingError answer{BindingErrorStatus::UnrecognizedMhType, kHoa, {}};
  auto bytes = encodeMobilityHeader(answer, kHa, v6("2001:db8:2::50"));
  ASSERT_TRUE(bytes);
  EXPECT_EQ(toHex(ByteView(*bytes).subspan(6, 2)), "0200");
}

// --- Trailing octets beyond Header Len (RFC 8200 §4.7: ignored after No Next Header).

TEST(MhTrailingTest, OctetsAfterTheHeaderAreIgnored) {
  const Bytes exact = hex("3b020500bf9c0007c000003220060000c000020a01020000");
  Bytes longer = exact;
  longer.insert(longer.end(), {0xde, 0xad, 0xbe, 0xef});
  auto a = decodeMobilityHeader(exact);
  auto b = decodeMobilityHeader(longer);
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_TRUE(*a == *b);
  EXPECT_TRUE(verifyMobilityChecksum(kHoa, kHa, longer));
  // Shorter than Header Len says: not verifiable.
  EXPECT_FALSE(verifyMobilityChecksum(kHoa, kHa, ByteView(exact).first(16)));
  EXPECT_FALSE(verifyMobilityChecksum(kHoa, kHa, ByteView(exact).first(7)));
}

// --- Names and flag text.

TEST(MhNamesTest, MhTypeNames) {
  EXPECT_EQ(mhTypeName(0), "binding-refresh-request");
  EXPECT_EQ(mhTypeName(5), "binding-update");
  EXPECT_EQ(mhTypeName(6), "binding-ack");
  EXPECT_EQ(mhTypeName(7), "binding-error");
  EXPECT_EQ(mhTypeName(16), "binding-revocation");
  EXPECT_EQ(mhTypeName(23), "subscription-response");
  EXPECT_EQ(mhTypeName(24), "unknown");
  std::set<std::string_view> names;
  for (int t = 0; t < 24; ++t) names.insert(mhTypeName(static_cast<std::uint8_t>(t)));
  EXPECT_EQ(names.size(), 24u);
  EXPECT_EQ(names.count("unknown"), 0u);
}

TEST(MhNamesTest, EveryAssignedBaStatusHasItsOwnName) {
  std::set<std::string_view> names;
  int assigned = 0;
  for (int v = 0; v < 256; ++v) {
    const auto status = static_cast<BindingAckStatus>(v);
    const std::string_view name = baStatusName(status);
    const bool is_assigned = v <= 6 || (v >= 128 && v <= 180);
    if (is_assigned) {
      ++assigned;
      EXPECT_EQ(name.find("unassigned"), std::string_view::npos) << v;
      EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
    } else {
      EXPECT_EQ(name, v < 128 ? "unassigned-accepted" : "unassigned-rejected") << v;
    }
    EXPECT_EQ(isAccepted(status), v < 128);
  }
  EXPECT_EQ(assigned, 7 + 53);
  EXPECT_EQ(baStatusName(BindingAckStatus::Accepted), "accepted");
  EXPECT_EQ(baStatusName(BindingAckStatus{135}), "sequence-number-out-of-window");
  EXPECT_EQ(baStatusName(BindingAckStatus{143}), "forwarding-setup-failed");
  EXPECT_EQ(baStatusName(kBaStatusCannotForceUdp), "mipv6-id-mismatch/cannot-force-udp");
  EXPECT_EQ(static_cast<int>(kBaStatusCannotForceUdp), 144);
  EXPECT_EQ(baStatusName(BindingAckStatus{174}), "invalid-care-of-address");
}

TEST(MhNamesTest, BindingErrorStatusNames) {
  EXPECT_EQ(bindingErrorStatusName(BindingErrorStatus{1}), "unknown-binding-for-home-address");
  EXPECT_EQ(bindingErrorStatusName(BindingErrorStatus{2}), "unrecognized-mh-type");
  EXPECT_EQ(bindingErrorStatusName(BindingErrorStatus{3}), "unassigned");
}

TEST(MhNamesTest, FlagText) {
  EXPECT_EQ(buFlagsText(0), "");
  EXPECT_EQ(buFlagsText(kBuFlagAcknowledge | kBuFlagHomeRegistration | kBuFlagForceUdp), "A|H|F");
  EXPECT_EQ(buFlagsText(kBuFlagsKnown), "A|H|L|K|M|R|P|F|T|B|S|D");
  EXPECT_EQ(buFlagsText(0x000f), "");  // reserved bits are not flags
  EXPECT_EQ(buFlagsText(0x0100), "F");
  EXPECT_EQ(buFlagsText(0x0080), "T");
  EXPECT_EQ(baFlagsText(kBaFlagKeyManagement | kBaFlagMobileRouter), "K|R");
  EXPECT_EQ(baFlagsText(0x10), "T");
  EXPECT_EQ(baFlagsText(0x01), "");
}

TEST(MhFlagsTest, SetAndHas) {
  BindingUpdate bu;
  bu.set(kBuFlagAcknowledge);
  bu.set(kBuFlagForceUdp);
  EXPECT_EQ(bu.flags, 0x8100);
  EXPECT_TRUE(bu.has(kBuFlagAcknowledge | kBuFlagForceUdp));
  EXPECT_FALSE(bu.has(kBuFlagAcknowledge | kBuFlagHomeRegistration));
  bu.set(kBuFlagAcknowledge, false);
  EXPECT_EQ(bu.flags, 0x0100);
  BindingAck ba;
  ba.set(kBaFlagTlvHeader);
  EXPECT_EQ(ba.flags, 0x10);
  EXPECT_TRUE(ba.has(kBaFlagTlvHeader));
  EXPECT_TRUE(ba.accepted());
  ba.status = BindingAckStatus::ReasonUnspecified;
  EXPECT_FALSE(ba.accepted());
}

}  // namespace
}  // namespace dsmip::wire
