#include "wire/icmpv6.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "ip_golden.hpp"
#include "wire/checksum.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv6.hpp"

namespace dsmip::wire {
namespace {

using golden::hex;
using golden::kIcmpv6Offset;
using golden::v6;

// A golden IPv6 packet split into what the ICMPv6 codec sees.
struct Golden {
  Bytes packet;
  Ipv6Header header;
  ByteView message;
};
Golden load(std::string_view text) {
  Golden g;
  g.packet = hex(text);
  auto decoded = decodeIpv6(g.packet);
  EXPECT_TRUE(decoded.has_value());
  if (decoded) g.header = decoded->header;
  g.message = ByteView(g.packet).subspan(kIcmpv6Offset);
  return g;
}

Result<Icmpv6Message> decodeGolden(const Golden& g) {
  return decodeIcmpv6(g.message, g.header.source, g.header.destination);
}

// Adds the IPv6 header scapy used (hop limit 64, no flow label) and compares the whole packet.
void expectPacket(PacketBuffer& message, const Golden& g) {
  Ipv6Header h;
  h.next_header = ip_protocol::kIcmpv6;
  h.source = g.header.source;
  h.destination = g.header.destination;
  ASSERT_TRUE(prependIpv6(message, h).has_value());
  EXPECT_EQ(toHex(message.data()), toHex(g.packet));
}

// An ICMPv6 message with a valid checksum for 2001:db8::1 -> 2001:db8::2.
const Ipv6Address kSrc = v6("2001:db8::1");
const Ipv6Address kDst = v6("2001:db8::2");
Bytes withChecksum(std::string_view text) {
  Bytes m = hex(text);
  m[2] = 0;
  m[3] = 0;
  const std::uint16_t sum = ipv6PseudoChecksum(kSrc, kDst, ip_protocol::kIcmpv6, m);
  m[2] = static_cast<std::uint8_t>(sum >> 8);
  m[3] = static_cast<std::uint8_t>(sum);
  return m;
}

void expectError(const Result<Icmpv6Message>& r, ErrorCode code, std::size_t offset) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, code) << r.error().toString();
  EXPECT_EQ(r.error().offset, offset) << r.error().toString();
}

TEST(Icmpv6Test, PacketTooBigMatchesScapy) {
  const Golden g = load(golden::kIcmpv6PacketTooBig);
  auto r = decodeGolden(g);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(r->type, icmpv6_type::kPacketTooBig);
  EXPECT_TRUE(r->isError());
  const auto& ptb = std::get<Icmpv6PacketTooBig>(r->body);
  EXPECT_EQ(ptb.mtu, 1400u);
  EXPECT_EQ(ptb.invoking_packet.size(), 48u);

  PacketBuffer out;
  ASSERT_TRUE(
      buildIcmpv6PacketTooBig(out, ptb.invoking_packet, 1400, g.header.source, g.header.destination)
          .has_value());
  expectPacket(out, g);
}

TEST(Icmpv6Test, DestinationUnreachableMatchesScapy) {
  const Golden g = load(golden::kIcmpv6DestinationUnreachable);
  auto r = decodeGolden(g);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(r->code, icmpv6_unreachable::kPortUnreachable);
  const auto& du = std::get<Icmpv6DestinationUnreachable>(r->body);
  PacketBuffer out;
  ASSERT_TRUE(buildIcmpv6DestinationUnreachable(out, du.invoking_packet, r->code, g.header.source,
                                                g.header.destination)
                  .has_value());
  expectPacket(out, g);
}

TEST(Icmpv6Test, ParameterProblemMatchesScapy) {
  const Golden g = load(golden::kIcmpv6ParameterProblem);
  auto r = decodeGolden(g);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(r->code, icmpv6_parameter_problem::kUnrecognizedOption);
  const auto& pp = std::get<Icmpv6ParameterProblem>(r->body);
  EXPECT_EQ(pp.pointer, 42u);
  PacketBuffer out;
  ASSERT_TRUE(buildIcmpv6ParameterProblem(out, pp.invoking_packet, r->code, 42, g.header.source,
                                          g.header.destination)
                  .has_value());
  expectPacket(out, g);
}

TEST(Icmpv6Test, TimeExceededMatchesScapy) {
  const Golden g = load(golden::kIcmpv6TimeExceeded);
  auto r = decodeGolden(g);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  const auto& te = std::get<Icmpv6TimeExceeded>(r->body);
  PacketBuffer out;
  ASSERT_TRUE(
      buildIcmpv6TimeExceeded(out, te.invoking_packet, 0, g.header.source, g.header.destination)
          .has_value());
  expectPacket(out, g);
}

TEST(Icmpv6Test, EchoRequestAndReplyMatchScapy) {
  const Golden request = load(golden::kIcmpv6EchoRequest);
  auto r = decodeGolden(request);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_FALSE(r->isError());
  const auto& echo = std::get<Icmpv6Echo>(r->body);
  EXPECT_EQ(echo.identifier, 0x1111);
  EXPECT_EQ(echo.sequence, 2);
  EXPECT_EQ(toHex(echo.data), "68656c6c6f");
  PacketBuffer out;
  ASSERT_TRUE(out.assign(hex("68656c6c6f")));
  ASSERT_TRUE(
      prependIcmpv6EchoRequest(out, 0x1111, 2, request.header.source, request.header.destination)
          .has_value());
  expectPacket(out, request);

  const Golden reply = load(golden::kIcmpv6EchoReply);
  auto rr = decodeGolden(reply);
  ASSERT_TRUE(rr.has_value());
  EXPECT_EQ(rr->type, icmpv6_type::kEchoReply);
  PacketBuffer out2;
  ASSERT_TRUE(out2.assign(hex("68656c6c6f")));
  ASSERT_TRUE(prependIcmpv6EchoReply(out2, 0x1111, 2, reply.header.source, reply.header.destination)
                  .has_value());
  expectPacket(out2, reply);
}

TEST(Icmpv6Test, HomeAgentAddressDiscoveryRequestMatchesScapy) {
  const Golden g = load(golden::kHaadRequest);
  auto r = decodeGolden(g);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  const auto& req = std::get<HomeAgentAddressDiscoveryRequest>(r->body);
  EXPECT_EQ(req.identifier, 0xabcd);
  EXPECT_TRUE(req.mobile_router);
  PacketBuffer out;
  ASSERT_TRUE(buildHomeAgentAddressDiscoveryRequest(out, 0xabcd, true, g.header.source,
                                                    g.header.destination)
                  .has_value());
  expectPacket(out, g);

  PacketBuffer plain;
  ASSERT_TRUE(buildHomeAgentAddressDiscoveryRequest(plain, 7, false, kSrc, kDst).has_value());
  EXPECT_EQ(toHex(plain.data().subspan(4)), "00070000");
  auto d = decodeIcmpv6(plain.data(), kSrc, kDst);
  ASSERT_TRUE(d.has_value());
  EXPECT_FALSE(std::get<HomeAgentAddressDiscoveryRequest>(d->body).mobile_router);
}

TEST(Icmpv6Test, HomeAgentAddressDiscoveryReplyMatchesScapy) {
  const Golden g = load(golden::kHaadReply);
  auto r = decodeGolden(g);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  const auto& rep = std::get<HomeAgentAddressDiscoveryReply>(r->body);
  EXPECT_EQ(rep.identifier, 0xabcd);
  EXPECT_TRUE(rep.mobile_router);
  ASSERT_EQ(rep.home_agents.size(), 2u);
  EXPECT_EQ(rep.home_agents[0], v6("2001:db8::1"));
  EXPECT_EQ(rep.home_agents[1], v6("2001:db8::2"));
  std::vector<Ipv6Address> listed;
  for (const Ipv6Address& a : rep.home_agents) listed.push_back(a);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[1], v6("2001:db8::2"));

  PacketBuffer out;
  ASSERT_TRUE(buildHomeAgentAddressDiscoveryReply(out, 0xabcd, true, listed, g.header.source,
                                                  g.header.destination)
                  .has_value());
  expectPacket(out, g);
}

TEST(Icmpv6Test, EmptyHomeAgentListIsValid) {
  PacketBuffer out;
  ASSERT_TRUE(buildHomeAgentAddressDiscoveryReply(out, 1, false, {}, kSrc, kDst).has_value());
  auto r = decodeIcmpv6(out.data(), kSrc, kDst);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(std::get<HomeAgentAddressDiscoveryReply>(r->body).home_agents.empty());
}

TEST(Icmpv6Test, MobilePrefixSolicitationMatchesScapy) {
  const Golden g = load(golden::kMobilePrefixSolicitation);
  auto r = decodeGolden(g);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(std::get<MobilePrefixSolicitation>(r->body).identifier, 0x0102);
  PacketBuffer out;
  ASSERT_TRUE(buildMobilePrefixSolicitation(out, 0x0102, g.header.source, g.header.destination)
                  .has_value());
  expectPacket(out, g);
}

TEST(Icmpv6Test, MobilePrefixAdvertisementMatchesScapy) {
  const Golden g = load(golden::kMobilePrefixAdvertisement);
  auto r = decodeGolden(g);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  const auto& mpa = std::get<MobilePrefixAdvertisement>(r->body);
  EXPECT_EQ(mpa.identifier, 0x0102);
  EXPECT_TRUE(mpa.managed);
  EXPECT_FALSE(mpa.other);
  ASSERT_EQ(mpa.prefixes.size(), 1u);
  const PrefixInformation p = *mpa.prefixes.begin();
  EXPECT_EQ(p.prefix_length, 64);
  EXPECT_TRUE(p.on_link);
  EXPECT_TRUE(p.autonomous);
  EXPECT_FALSE(p.router_address);
  EXPECT_EQ(p.valid_lifetime, 86400u);
  EXPECT_EQ(p.preferred_lifetime, 14400u);
  EXPECT_EQ(p.prefix, v6("2001:db8:1::"));

  PacketBuffer out;
  const PrefixInformation prefixes[] = {p};
  ASSERT_TRUE(buildMobilePrefixAdvertisement(out, 0x0102, true, false, prefixes, g.header.source,
                                             g.header.destination)
                  .has_value());
  expectPacket(out, g);
}

TEST(Icmpv6Test, MobilePrefixAdvertisementRoundTripsSeveralPrefixesAndSkipsOtherOptions) {
  PrefixInformation a;
  a.prefix_length = 64;
  a.autonomous = true;
  a.router_address = true;
  a.valid_lifetime = 0xFFFFFFFF;
  a.preferred_lifetime = 1;
  a.prefix = v6("2001:db8:1::1");
  PrefixInformation b;
  b.prefix_length = 48;
  b.on_link = true;
  b.prefix = v6("2001:db8:2::");
  const PrefixInformation prefixes[] = {a, b};
  PacketBuffer out;
  ASSERT_TRUE(
      buildMobilePrefixAdvertisement(out, 9, false, true, prefixes, kSrc, kDst).has_value());
  EXPECT_EQ(out.size(), 8u + 64);

  // Insert an unknown 8-octet option (type 200) between the two prefixes.
  Bytes m(out.data().begin(), out.data().end());
  const Bytes unknown = hex("c801000000000000");
  m.insert(m.begin() + 40, unknown.begin(), unknown.end());
  m[2] = m[3] = 0;
  const std::uint16_t sum = ipv6PseudoChecksum(kSrc, kDst, ip_protocol::kIcmpv6, m);
  m[2] = static_cast<std::uint8_t>(sum >> 8);
  m[3] = static_cast<std::uint8_t>(sum);

  auto r = decodeIcmpv6(m, kSrc, kDst);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  const auto& mpa = std::get<MobilePrefixAdvertisement>(r->body);
  EXPECT_FALSE(mpa.managed);
  EXPECT_TRUE(mpa.other);
  EXPECT_EQ(mpa.options.size(), 72u);
  std::vector<PrefixInformation> got;
  for (const PrefixInformation& p : mpa.prefixes) got.push_back(p);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], a);
  EXPECT_EQ(got[1], b);
}

TEST(Icmpv6Test, InPlaceErrorQuotesAtMostWhatFitsTheMinimumMtu) {
  Bytes invoking(1500, 0x60);
  PacketBuffer packet;
  ASSERT_TRUE(packet.assign(invoking));
  ASSERT_TRUE(
      prependIcmpv6Error(packet, icmpv6_type::kPacketTooBig, 0, 1280, kSrc, kDst).has_value());
  EXPECT_EQ(packet.size(), 1280u - 40);
  ASSERT_TRUE(
      prependIpv6(packet, Ipv6Header{0, 0, 0, ip_protocol::kIcmpv6, 64, kSrc, kDst}).has_value());
  EXPECT_EQ(packet.size(), kIpv6MinimumMtu);

  PacketBuffer built;
  ASSERT_TRUE(buildIcmpv6PacketTooBig(built, invoking, 1280, kSrc, kDst).has_value());
  EXPECT_EQ(toHex(built.data()), toHex(packet.data().subspan(40)));
  auto r = decodeIcmpv6(built.data(), kSrc, kDst);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(std::get<Icmpv6PacketTooBig>(r->body).invoking_packet.size(), kIcmpv6MaxQuote);
}

TEST(Icmpv6Test, UnknownTypesKeepTheirBody) {
  const Bytes m = withChecksum("c8000000aabb");
  auto r = decodeIcmpv6(m, kSrc, kDst);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(toHex(std::get<Icmpv6Other>(r->body).body), "aabb");
  EXPECT_EQ(icmpv6TypeName(200), "unknown");
  EXPECT_EQ(icmpv6TypeName(145), "haad-reply");
}

TEST(Icmpv6Test, RejectsMessageShorterThanFour) {
  expectError(decodeIcmpv6(hex("800000"), kSrc, kDst), ErrorCode::Truncated, 0);
}

TEST(Icmpv6Test, RejectsBadChecksum) {
  Bytes m = withChecksum("80000000111100026869");
  m.back() ^= 1;
  expectError(decodeIcmpv6(m, kSrc, kDst), ErrorCode::BadChecksum, 2);
  // The right message with the wrong pseudo-header fails too.
  const Bytes ok = withChecksum("80000000111100026869");
  EXPECT_TRUE(decodeIcmpv6(ok, kSrc, kDst).has_value());
  expectError(decodeIcmpv6(ok, kSrc, v6("2001:db8::3")), ErrorCode::BadChecksum, 2);
}

TEST(Icmpv6Test, RejectsKnownTypeShorterThanEight) {
  expectError(decodeIcmpv6(withChecksum("02000000000005"), kSrc, kDst), ErrorCode::Truncated, 4);
}

TEST(Icmpv6Test, RejectsHomeAgentListNotMultipleOfSixteen) {
  expectError(decodeIcmpv6(withChecksum("910000000001000020010db8"), kSrc, kDst),
              ErrorCode::BadLength, 8);
}

TEST(Icmpv6Test, RejectsNdOptionOfLengthZero) {
  expectError(decodeIcmpv6(withChecksum("930000000001000003000000"), kSrc, kDst),
              ErrorCode::BadLength, 9);
}

TEST(Icmpv6Test, RejectsNdOptionWithoutLengthOctet) {
  expectError(decodeIcmpv6(withChecksum("9300000000010000c8"), kSrc, kDst), ErrorCode::BadLength,
              8);
}

TEST(Icmpv6Test, RejectsNdOptionRunningPastTheMessage) {
  expectError(decodeIcmpv6(withChecksum("9300000000010000c8020000000000000000"), kSrc, kDst),
              ErrorCode::BadLength, 9);
}

TEST(Icmpv6Test, RejectsPrefixInformationOfWrongLength) {
  expectError(decodeIcmpv6(withChecksum("93000000000100000301000000000000"), kSrc, kDst),
              ErrorCode::BadLength, 9);
}

TEST(Icmpv6Test, BuildersReportNoSpace) {
  PacketBuffer tiny(64, 0);
  auto r = buildMobilePrefixSolicitation(tiny, 1, kSrc, kDst);
  ASSERT_FALSE(r.has_value());  // default headroom (192) does not fit
  EXPECT_EQ(r.error().code, ErrorCode::NoSpace);
  PacketBuffer no_headroom(64, 0);
  ASSERT_TRUE(no_headroom.assign(hex("0102"), 4));
  auto r2 = prependIcmpv6EchoRequest(no_headroom, 1, 1, kSrc, kDst);
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error().code, ErrorCode::NoSpace);
  EXPECT_EQ(no_headroom.size(), 2u);
}

}  // namespace
}  // namespace dsmip::wire
