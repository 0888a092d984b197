// Mobility options: per-option wire layouts, alignment and padding, unknown options, the
// Binding Authorization Data placement rule, reserved bits, validation helpers, names.

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

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
Ipv4Address v4(std::string_view text) { return Ipv4Address::parse(text).value(); }

const Ipv6Address kHoa = v6("2001:db8:1::100");
const Ipv6Address kHa = v6("2001:db8:1::1");

// Encodes a BU (options start at 12) carrying `options` and returns the bytes from offset 12.
Bytes buOptionArea(const MobilityOptions& options) {
  BindingUpdate bu;
  bu.options = options;
  auto bytes = encodeMobilityHeader(bu, kHoa, kHa);
  EXPECT_TRUE(bytes) << bytes.error().toString();
  if (!bytes) return {};
  return Bytes(bytes->begin() + 12, bytes->end());
}

// --- One golden layout per option (offset 12 of a BU or BA; written by hand from the figures).

struct OptionLayout {
  std::string name;
  MobilityOption option;
  std::string area_hex;  // from MH offset 12 to the end, padding included
};

std::vector<OptionLayout> optionLayouts() {
  return {
      // RFC 6275 §6.2.4: Type 2, Length 2, Refresh Interval; at 12 (2n), ends at 16: no padding.
      {"BindingRefreshAdvice", BindingRefreshAdviceOption{0x1234}, "02021234"},
      // §6.2.5: PadN(0) at 12, option at 14 = 8n+6, ends at 32.
      {"AlternateCareOfAddress", AlternateCareOfAddressOption{v6("2001:db8:2::50")},
       "0100031020010db8000200000000000000000050"},
      // §6.2.6: at 12 (2n), 6 octets, ends at 18; PadN(4) -> 24.
      {"NonceIndices", NonceIndicesOption{0xbeef, 0x0102}, "0404beef0102010400000000"},
      // §6.2.7: 12-octet authenticator at 18 (8n+2) after PadN(4); ends at 32.
      {"BindingAuthorizationData", BindingAuthorizationDataOption{hex("00112233445566778899aabb")},
       "01040000000005 0c00112233445566778899aabb"},
      // RFC 3963 §4.3: at 12 (8n+4), Reserved 0, Prefix Length 56, prefix; ends at 32.
      {"MobileNetworkPrefix", MobileNetworkPrefixOption{56, v6("2001:db8:aa:bb00::")},
       "0612003820010db800aabb000000000000000000"},
      // RFC 5555 §3.1.1: at 12 (4n), Prefix-len 30 << 2 | P = 0x7a, address; PadN(2) -> 24.
      {"Ipv4HomeAddressWithP", Ipv4HomeAddressOption{30, true, v4("203.0.113.4")},
       "1d067a00cb00710401020000"},
      // RFC 5555 §3.2.1: Status 130, Pref-len 0.
      {"Ipv4AddressAckFailure",
       Ipv4AddressAckOption{Ipv4AckStatus::IncorrectIpv4HomeAddress, 0, v4("10.9.8.7")},
       "1e0682000a09080701020000"},
      // RFC 5555 §3.2.2: F = 0, refresh 15 s.
      {"NatDetection", NatDetectionOption{false, 15}, "1f0600000000000f01020000"},
      // RFC 5555 §3.1.2.
      {"Ipv4CareOfAddress", Ipv4CareOfAddressOption{v4("198.51.100.200")},
       "20060000c63364c801020000"},
      // Unknown option (GRE Key, 33): written unaligned, as received.
      {"UnknownGreKey", UnknownMobilityOption{33, hex("0000000000000007")},
       "21080000000000000007 0100"},
  };
}

void PrintTo(const OptionLayout& layout, std::ostream* os) { *os << layout.name; }

class MhOptionLayoutTest : public ::testing::TestWithParam<OptionLayout> {};

TEST_P(MhOptionLayoutTest, EncodesToGoldenAndDecodesBack) {
  const OptionLayout& layout = GetParam();
  EXPECT_EQ(toHex(buOptionArea({layout.option})), toHex(hex(layout.area_hex)));
  auto options = decodeMobilityOptions(hex(layout.area_hex), 12);
  ASSERT_TRUE(options) << options.error().toString();
  ASSERT_EQ(options->size(), 1u);
  EXPECT_TRUE(((*options)[0] == layout.option));
}

std::string layoutName(const ::testing::TestParamInfo<OptionLayout>& param_info) {
  return param_info.param.name;
}
INSTANTIATE_TEST_SUITE_P(EveryOption, MhOptionLayoutTest, ::testing::ValuesIn(optionLayouts()),
                         layoutName);

// --- Alignment: every option after every possible predecessor, at every start residue.

// The xn+y rules of RFC 6275 §6.2 / RFC 3963 §4.3 / RFC 5555 §3, written out independently of
// optionAlignment(). {0, 0}: no rule. Binding Authorization Data is checked separately (it
// must end the header).
std::pair<int, int> expectedAlignment(std::uint8_t type) {
  switch (type) {
    case 2:
    case 4:
      return {2, 0};
    case 3:
      return {8, 6};
    case 6:
      return {8, 4};
    case 29:
    case 30:
    case 31:
    case 32:
      return {4, 0};
    default:
      return {0, 0};
  }
}

MobilityOptions allOptionKinds() {
  return {
      BindingRefreshAdviceOption{7},
      AlternateCareOfAddressOption{v6("2001:db8:2::50")},
      NonceIndicesOption{1, 2},
      BindingAuthorizationDataOption{hex("0102030405060708090a0b0c")},
      MobileNetworkPrefixOption{64, v6("2001:db8:77::")},
      Ipv4HomeAddressOption{32, false, v4("10.1.0.5")},
      Ipv4AddressAckOption{Ipv4AckStatus::Success, 32, v4("10.1.0.5")},
      NatDetectionOption{true, 110},
      Ipv4CareOfAddressOption{v4("192.0.2.10")},
      UnknownMobilityOption{100, {}},
      UnknownMobilityOption{101, {0x11}},
      UnknownMobilityOption{102, {0x11, 0x22, 0x33}},
      // A non-RR authenticator length: placed so that it still ends the header on 8n.
      BindingAuthorizationDataOption{hex("a1a2a3a4a5")},
  };
}

// Walks the encoded option area of `mh` from `start`, checks every padding run is minimal and
// follows the recipe (Pad1 for one octet, one PadN for more, zero data), every option sits on
// its boundary, nothing follows Binding Authorization Data, and the header is 8n. Returns the
// option types in wire order.
std::vector<std::uint8_t> checkLayout(const Bytes& mh, std::size_t start) {
  std::vector<std::uint8_t> types;
  EXPECT_EQ(mh.size() % 8, 0u);
  std::size_t pos = start;
  std::size_t pad_run = 0;
  int pad_tlvs = 0;
  while (pos < mh.size()) {
    const std::uint8_t type = mh[pos];
    if (type == 0) {
      ++pad_run;
      ++pad_tlvs;
      pos += 1;
      continue;
    }
    const std::size_t length = mh[pos + 1];
    if (type == 1) {
      for (std::size_t i = 0; i < length; ++i) EXPECT_EQ(mh[pos + 2 + i], 0) << "PadN data";
      pad_run += 2 + length;
      ++pad_tlvs;
      pos += 2 + length;
      continue;
    }
    // One padding TLV per gap, Pad1 exactly when the gap is one octet.
    EXPECT_LE(pad_tlvs, 1) << "at " << pos;
    const auto [x, y] = expectedAlignment(type);
    if (type == 5) {
      EXPECT_EQ(pos + 2 + length, mh.size()) << "binding authorization data must end the MH";
      EXPECT_LT(pad_run, 8u);
    } else if (x != 0) {
      EXPECT_EQ(pos % static_cast<std::size_t>(x), static_cast<std::size_t>(y))
          << "type " << int{type} << " at " << pos;
      EXPECT_LT(pad_run, static_cast<std::size_t>(x)) << "padding not minimal before " << pos;
    } else {
      EXPECT_EQ(pad_run, 0u) << "unaligned option padded at " << pos;
    }
    types.push_back(type);
    pad_run = 0;
    pad_tlvs = 0;
    pos += 2 + length;
  }
  EXPECT_EQ(pos, mh.size());
  EXPECT_LE(pad_tlvs, 1);
  EXPECT_LT(pad_run, 8u) << "final padding not minimal";
  return types;
}

MobilityMessage messageWith(int kind, MobilityOptions options) {
  switch (kind) {
    case 0:
      return BindingRefreshRequest{std::move(options)};  // options at 8
    case 1:
      return HomeTestInit{{}, std::move(options)};  // options at 16
    case 2:
      return HomeTest{0, {}, {}, std::move(options)};  // options at 24
    default: {
      BindingUpdate bu;  // options at 12
      bu.options = std::move(options);
      return bu;
    }
  }
}

TEST(MhAlignmentTest, EveryOptionAfterEveryPredecessorAtEveryResidue) {
  const MobilityOptions kinds = allOptionKinds();
  const std::size_t option_starts[] = {8, 16, 24, 12};
  int checked = 0;
  for (int kind = 0; kind < 4; ++kind) {
    for (int prefix = -1; prefix < 8; ++prefix) {
      // An unknown option of 2 + prefix octets (none for -1) shifts the start through every
      // residue mod 8.
      for (const auto& first : kinds) {
        for (const auto& second : kinds) {
          if (std::holds_alternative<BindingAuthorizationDataOption>(first) &&
              std::holds_alternative<BindingAuthorizationDataOption>(second)) {
            continue;  // only one may be present
          }
          MobilityOptions options;
          if (prefix >= 0) {
            options.emplace_back(
                UnknownMobilityOption{200, Bytes(static_cast<std::size_t>(prefix), 0x5a)});
          }
          options.push_back(first);
          options.push_back(second);
          const MobilityMessage message = messageWith(kind, options);
          auto bytes = encodeMobilityHeader(message, kHoa, kHa);
          ASSERT_TRUE(bytes) << bytes.error().toString();
          const auto types = checkLayout(*bytes, option_starts[kind]);
          // Decoding gives the same options, Binding Authorization Data moved last.
          auto decoded = decodeMobilityHeader(*bytes);
          ASSERT_TRUE(decoded) << decoded.error().toString();
          MobilityOptions expected;
          const MobilityOption* authorization = nullptr;
          for (const auto& o : options) {
            if (std::holds_alternative<BindingAuthorizationDataOption>(o)) {
              authorization = &o;
            } else {
              expected.push_back(o);
            }
          }
          if (authorization != nullptr) expected.push_back(*authorization);
          ASSERT_NE(optionsOf(*decoded), nullptr);
          EXPECT_TRUE(*optionsOf(*decoded) == expected);
          ASSERT_EQ(types.size(), expected.size());
          if (HasFailure()) return;  // one clear failure, not thousands
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 4 * 9 * (13 * 13 - 4));
}

TEST(MhAlignmentTest, OptionAlignmentTable) {
  EXPECT_EQ(optionAlignment(BindingRefreshAdviceOption{}), (OptionAlignment{2, 0}));
  EXPECT_EQ(optionAlignment(AlternateCareOfAddressOption{}), (OptionAlignment{8, 6}));
  EXPECT_EQ(optionAlignment(NonceIndicesOption{}), (OptionAlignment{2, 0}));
  EXPECT_EQ(optionAlignment(BindingAuthorizationDataOption{Bytes(12)}), (OptionAlignment{8, 2}));
  EXPECT_EQ(optionAlignment(MobileNetworkPrefixOption{}), (OptionAlignment{8, 4}));
  EXPECT_EQ(optionAlignment(Ipv4HomeAddressOption{}), (OptionAlignment{4, 0}));
  EXPECT_EQ(optionAlignment(Ipv4AddressAckOption{}), (OptionAlignment{4, 0}));
  EXPECT_EQ(optionAlignment(NatDetectionOption{}), (OptionAlignment{4, 0}));
  EXPECT_EQ(optionAlignment(Ipv4CareOfAddressOption{}), (OptionAlignment{4, 0}));
  EXPECT_EQ(optionAlignment(UnknownMobilityOption{}), (OptionAlignment{1, 0}));
  EXPECT_EQ(optionWireSize(AlternateCareOfAddressOption{}), 18u);
  EXPECT_EQ(optionWireSize(MobileNetworkPrefixOption{}), 20u);
  EXPECT_EQ(optionWireSize(NatDetectionOption{}), 8u);
  EXPECT_EQ(optionWireSize(BindingAuthorizationDataOption{Bytes(12)}), 14u);
}

TEST(MhAlignmentTest, DecoderAcceptsMisalignedOptions) {
  // IPv4 CoA at 13 (not 4n) after a Pad1, Alternate CoA at 21 (not 8n+6): accepted as sent.
  const Bytes area = hex("00 20060000c000020a 031020010db8000200000000000000000050 00");
  ASSERT_EQ((12 + area.size()) % 8, 0u);
  auto options = decodeMobilityOptions(area, 12);
  ASSERT_TRUE(options) << options.error().toString();
  ASSERT_EQ(options->size(), 2u);
  EXPECT_TRUE(((*options)[0] == MobilityOption{Ipv4CareOfAddressOption{v4("192.0.2.10")}}));
  EXPECT_TRUE(
      ((*options)[1] == MobilityOption{AlternateCareOfAddressOption{v6("2001:db8:2::50")}}));
}

// --- Binding Authorization Data placement.

TEST(MhAuthorizationDataTest, EncoderWritesItLastWhateverItsPositionInTheVector) {
  const MobilityOptions options = {BindingAuthorizationDataOption{Bytes(12, 0xab)},
                                   NonceIndicesOption{3, 4}};
  // Nonce Indices at 12, BAD at 18 (8n+2), end 32: the same layout as RFC 6275 RR BUs.
  EXPECT_EQ(toHex(buOptionArea(options)), "040400030004050cabababababababababababab");
}

TEST(MhAuthorizationDataTest, DecoderRejectsAnythingAfterIt) {
  // BAD at 12 (length 4, ends at 18), then a PadN(4) to 24: padding after BAD is forbidden.
  auto options = decodeMobilityOptions(hex("050401020304 0104000000 00"), 12);
  ASSERT_FALSE(options);
  EXPECT_EQ(options.error().code, ErrorCode::BadValue);
  EXPECT_EQ(options.error().offset, 12u);
  // A real option after it, too.
  options = decodeMobilityOptions(hex("01000504010203042006 0000c000020a"), 12);
  ASSERT_FALSE(options);
  EXPECT_EQ(options.error().code, ErrorCode::BadValue);
  EXPECT_EQ(options.error().offset, 14u);
  // Even a single Pad1.
  options = decodeMobilityOptions(hex("0502abcd00"), 20);
  ASSERT_FALSE(options);
  EXPECT_EQ(options.error().offset, 20u);
}

TEST(MhAuthorizationDataTest, DecoderAcceptsItLastAtAnyAlignment) {
  // After a 3-octet unknown option BAD sits at 15 (not 8n+2): accepted.
  auto options = decodeMobilityOptions(hex("6401ff 0505aabbccddee"), 12);
  ASSERT_TRUE(options) << options.error().toString();
  ASSERT_EQ(options->size(), 2u);
  EXPECT_TRUE(((*options)[0] == MobilityOption{UnknownMobilityOption{100, {0xff}}}));
  EXPECT_TRUE((*options)[1] == MobilityOption{BindingAuthorizationDataOption{hex("aabbccddee")}});
}

// --- Unknown options.

TEST(MhUnknownOptionTest, SkippedByLengthAndRecordedInOrder) {
  // LLA (7), an IPv4 CoA, GRE Key (33) and an unassigned 200 with no data.
  const Bytes area = hex("0703 020000 20060000c000020a 2104 0000002a c800 00");
  auto options = decodeMobilityOptions(area, 12);
  ASSERT_TRUE(options) << options.error().toString();
  ASSERT_EQ(options->size(), 4u);
  EXPECT_TRUE(((*options)[0] == MobilityOption{UnknownMobilityOption{7, hex("020000")}}));
  EXPECT_TRUE(((*options)[1] == MobilityOption{Ipv4CareOfAddressOption{v4("192.0.2.10")}}));
  EXPECT_TRUE(((*options)[2] == MobilityOption{UnknownMobilityOption{33, hex("0000002a")}}));
  EXPECT_TRUE(((*options)[3] == MobilityOption{UnknownMobilityOption{200, {}}}));
  EXPECT_EQ(optionTypeOf((*options)[2]), 33);
  EXPECT_EQ(optionTypeName(optionTypeOf((*options)[2])), "gre-key");
  EXPECT_EQ(optionTypeName(200), "unknown");
}

TEST(MhUnknownOptionTest, PaddingIsConsumedNotStored) {
  auto options = decodeMobilityOptions(hex("00 00 0100 0103000000 00"), 12);
  ASSERT_TRUE(options);
  EXPECT_TRUE(options->empty());
}

// --- Reserved bits: ignored on receipt, zero on send.

TEST(MhReservedBitsTest, IgnoredOnReceiptAndZeroOnSend) {
  // BU with Reserved bits 0x000f set, IPv4 HoA with reserved bit of octet 2 and octet 3 set,
  // IPv4 CoA with Reserved 0xffff; PadN with non-zero data (ignored).
  const Bytes dirty = hex("3b03050000000007 c10f00321d0681ff 0a01000520 06ffff c000020a 0102abcd");
  const Bytes clean =
      hex("3b030500 0000 0007 c1000032 1d068000 0a010005 20060000 c000020a 01020000");
  auto a = decodeMobilityHeader(dirty);
  auto b = decodeMobilityHeader(clean);
  ASSERT_TRUE(a) << a.error().toString();
  ASSERT_TRUE(b) << b.error().toString();
  EXPECT_TRUE(*a == *b);
  const auto& bu = std::get<BindingUpdate>(*a);
  EXPECT_EQ(bu.flags, kBuFlagAcknowledge | kBuFlagHomeRegistration | kBuFlagForceUdp);
  auto encoded = encodeMobilityHeader(*a, kHoa, kHa);
  ASSERT_TRUE(encoded);
  Bytes expected = clean;
  const std::uint16_t checksum = computeMobilityChecksum(kHoa, kHa, clean);
  expected[4] = static_cast<std::uint8_t>(checksum >> 8);
  expected[5] = static_cast<std::uint8_t>(checksum);
  EXPECT_EQ(toHex(*encoded), toHex(expected));
}

TEST(MhReservedBitsTest, BaReservedBitAndOptionReservedFieldsIgnored) {
  // BA flags 0xff (reserved bit 0x01 set); IPv4 Ack Res bits 0x03; NAT Detection Reserved all
  // ones except F; Mobile Network Prefix Reserved 0xff (in a BA it is merely unusual).
  const Bytes mh =
      hex("3b050600 0000 00ff 0001 0002 1e060083 0a010005 1f06ffff 0000006e "
          "0612ff40 20010db8 00770000 00000000 00000000");
  auto decoded = decodeMobilityHeader(mh);
  ASSERT_TRUE(decoded) << decoded.error().toString();
  const auto& ba = std::get<BindingAck>(*decoded);
  EXPECT_EQ(ba.flags, kBaFlagsKnown);
  EXPECT_EQ(baFlagsText(ba.flags), "K|R|P|T|B|S|D");
  const auto* ack = findOption<Ipv4AddressAckOption>(ba.options);
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->prefix_length, 32);
  const auto* nat = findOption<NatDetectionOption>(ba.options);
  ASSERT_NE(nat, nullptr);
  EXPECT_TRUE(nat->force_udp);
  const auto* mnp = findOption<MobileNetworkPrefixOption>(ba.options);
  ASSERT_NE(mnp, nullptr);
  EXPECT_EQ(mnp->prefix_length, 64);
  auto encoded = encodeMobilityHeader(*decoded, kHa, kHoa);
  ASSERT_TRUE(encoded);
  EXPECT_EQ((*encoded)[7], 0xfe);   // reserved flag bit cleared
  EXPECT_EQ((*encoded)[15], 0x80);  // Ack Res bits cleared
  EXPECT_EQ((*encoded)[22], 0x80);  // NAT Detection: F only
  EXPECT_EQ((*encoded)[23], 0x00);
}

// --- Finders.

TEST(MhFinderTest, FindOptionAndFindAllOptions) {
  const MobilityOptions options = {MobileNetworkPrefixOption{48, v6("2001:db8:1::")},
                                   Ipv4CareOfAddressOption{v4("192.0.2.1")},
                                   MobileNetworkPrefixOption{56, v6("2001:db8:2::")}};
  const auto* coa = findOption<Ipv4CareOfAddressOption>(options);
  ASSERT_NE(coa, nullptr);
  EXPECT_EQ(coa->care_of_address, v4("192.0.2.1"));
  EXPECT_EQ(findOption<NatDetectionOption>(options), nullptr);
  const auto prefixes = findAllOptions<MobileNetworkPrefixOption>(options);
  ASSERT_EQ(prefixes.size(), 2u);
  EXPECT_EQ(prefixes[0]->prefix_length, 48);
  EXPECT_EQ(prefixes[1]->prefix_length, 56);
  EXPECT_EQ(prefixes[1]->toPrefix().toString(), "2001:db8:2::/56");
  EXPECT_TRUE(findAllOptions<AlternateCareOfAddressOption>(options).empty());
}

// --- Validation helpers (the decoder keeps invalid values so the HA can answer).

TEST(MhValidationTest, Ipv4HomeAddressPrefixLength) {
  // Prefix-len 0 decodes (the HA must answer with an IPv4 Address Acknowledgement failure,
  // not silently drop the BU) and the helper flags it.
  auto options = decodeMobilityOptions(hex("1d060000 00000000 01020000"), 12);
  ASSERT_TRUE(options) << options.error().toString();
  const auto* hoa = findOption<Ipv4HomeAddressOption>(*options);
  ASSERT_NE(hoa, nullptr);
  EXPECT_EQ(hoa->prefix_length, 0);
  auto status = validateIpv4HomeAddressOption(*hoa);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::BadValue);
  EXPECT_FALSE((validateIpv4HomeAddressOption({33, false, {}})));
  EXPECT_FALSE((validateIpv4HomeAddressOption({63, false, {}})));
  EXPECT_TRUE((validateIpv4HomeAddressOption({32, false, {}})));
  EXPECT_TRUE((validateIpv4HomeAddressOption({1, true, {}})));
}

TEST(MhValidationTest, MobileNetworkPrefixLength) {
  EXPECT_FALSE((validateMobileNetworkPrefixOption({0, {}})));
  EXPECT_FALSE((validateMobileNetworkPrefixOption({129, {}})));
  EXPECT_TRUE((validateMobileNetworkPrefixOption({128, {}})));
  EXPECT_TRUE((validateMobileNetworkPrefixOption({48, {}})));
  EXPECT_EQ((MobileNetworkPrefixOption{200, v6("2001:db8::")}.toPrefix().length), 128);
}

// --- Lifetimes (4-second units).

TEST(MhLifetimeTest, UnitConversions) {
  EXPECT_EQ(mhLifetime(50), std::chrono::seconds(200));
  EXPECT_EQ(mhLifetimeSeconds(0xffff), 262140u);
  EXPECT_EQ(mhLifetimeUnits(std::chrono::seconds(200)), 50);
  EXPECT_EQ(mhLifetimeUnits(std::chrono::seconds(203)), 50);  // rounds down
  EXPECT_EQ(mhLifetimeUnits(std::chrono::milliseconds(3999)), 0);
  EXPECT_EQ(mhLifetimeUnits(std::chrono::hours(1000)), 0xffff);  // saturates
  EXPECT_EQ(mhLifetimeUnits(-std::chrono::seconds(8)), 0);
  EXPECT_EQ(mhLifetimeUnitsFromSeconds(262143), 0xffff);
  EXPECT_EQ(mhLifetimeUnitsFromSeconds(262144), 0xffff);
  EXPECT_EQ(mhLifetimeUnitsFromSeconds(7), 1);
  BindingUpdate bu;
  bu.setLifetime(std::chrono::minutes(10));
  EXPECT_EQ(bu.lifetime_units, 150);
  EXPECT_EQ(bu.lifetime(), std::chrono::minutes(10));
  BindingAck ba;
  ba.setLifetime(std::chrono::seconds(110));
  EXPECT_EQ(ba.lifetime_units, 27);
  EXPECT_EQ(BindingRefreshAdviceOption{30}.refreshInterval(), std::chrono::seconds(120));
}

// --- Names.

TEST(MhNamesTest, OptionTypeNames) {
  EXPECT_EQ(optionTypeName(0), "pad1");
  EXPECT_EQ(optionTypeName(1), "padn");
  EXPECT_EQ(optionTypeName(2), "binding-refresh-advice");
  EXPECT_EQ(optionTypeName(5), "binding-authorization-data");
  EXPECT_EQ(optionTypeName(6), "mobile-network-prefix");
  EXPECT_EQ(optionTypeName(29), "ipv4-home-address");
  EXPECT_EQ(optionTypeName(30), "ipv4-address-acknowledgement");
  EXPECT_EQ(optionTypeName(31), "nat-detection");
  EXPECT_EQ(optionTypeName(32), "ipv4-care-of-address");
  EXPECT_EQ(optionTypeName(55), "delegated-mobile-network-prefix");
  EXPECT_EQ(optionTypeName(53), "unknown");
  EXPECT_EQ(optionTypeName(255), "unknown");
  std::set<std::string_view> names;
  for (int t = 0; t <= 52; ++t) names.insert(optionTypeName(static_cast<std::uint8_t>(t)));
  EXPECT_EQ(names.size(), 53u);  // all distinct
  EXPECT_EQ(names.count("unknown"), 0u);
}

TEST(MhNamesTest, Ipv4AckStatusNames) {
  EXPECT_EQ(ipv4AckStatusName(Ipv4AckStatus::Success), "success");
  EXPECT_EQ(ipv4AckStatusName(Ipv4AckStatus{128}), "failure-reason-unspecified");
  EXPECT_EQ(ipv4AckStatusName(Ipv4AckStatus{129}), "administratively-prohibited");
  EXPECT_EQ(ipv4AckStatusName(Ipv4AckStatus{130}), "incorrect-ipv4-home-address");
  EXPECT_EQ(ipv4AckStatusName(Ipv4AckStatus{131}), "invalid-ipv4-address");
  EXPECT_EQ(ipv4AckStatusName(Ipv4AckStatus{132}), "dynamic-ipv4-home-address-not-available");
  EXPECT_EQ(ipv4AckStatusName(Ipv4AckStatus{133}), "prefix-allocation-unauthorized");
  EXPECT_EQ(ipv4AckStatusName(Ipv4AckStatus{5}), "unassigned-success");
  EXPECT_EQ(ipv4AckStatusName(Ipv4AckStatus{134}), "unassigned-failure");
  EXPECT_TRUE(isIpv4AckSuccess(Ipv4AckStatus{127}));
  EXPECT_FALSE(isIpv4AckSuccess(Ipv4AckStatus{128}));
}

TEST(MhNatDetectionTest, Constants) {
  EXPECT_FALSE((NatDetectionOption{false, kNatRefreshNoNat}.natDetected()));
  EXPECT_TRUE((NatDetectionOption{false, kNatRefreshUseDefault}.natDetected()));
  EXPECT_TRUE((NatDetectionOption{false, 20}.natDetected()));
  EXPECT_EQ(kNatKeepaliveTimeout, std::chrono::seconds(110));
}

}  // namespace
}  // namespace dsmip::wire
