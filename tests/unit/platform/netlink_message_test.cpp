// rtnetlink message construction and parsing without a socket: header fields and attributes
// of each request, round trips through the decoders, and rejection of malformed messages.
#include "platform/netlink_message.hpp"

#include <gtest/gtest.h>
#include <net/if.h>
//
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>
#include <map>

namespace dsmip::platform {
namespace {

// Reads the header and top-level attributes of a message independently of the code under test.
struct Parsed {
  nlmsghdr header{};
  std::map<std::uint16_t, Bytes> attributes;
};

Parsed parse(const Bytes& m, std::size_t family_header) {
  Parsed p;
  EXPECT_GE(m.size(), sizeof(nlmsghdr) + family_header);
  std::memcpy(&p.header, m.data(), sizeof(nlmsghdr));
  EXPECT_EQ(p.header.nlmsg_len, m.size());
  std::size_t at = NLMSG_HDRLEN + NLMSG_ALIGN(family_header);
  while (at + 4 <= m.size()) {
    std::uint16_t len = 0;
    std::uint16_t type = 0;
    std::memcpy(&len, m.data() + at, 2);
    std::memcpy(&type, m.data() + at + 2, 2);
    EXPECT_GE(len, 4);
    EXPECT_LE(at + len, m.size());
    if (len < 4 || at + len > m.size()) break;
    p.attributes[static_cast<std::uint16_t>(type & NLA_TYPE_MASK)] =
        Bytes(m.begin() + static_cast<std::ptrdiff_t>(at + 4),
              m.begin() + static_cast<std::ptrdiff_t>(at + len));
    at += NLMSG_ALIGN(len);
  }
  return p;
}

template <typename T>
T familyHeader(const Bytes& m) {
  T out{};
  std::memcpy(&out, m.data() + NLMSG_HDRLEN, sizeof(T));
  return out;
}

std::uint32_t u32(const Bytes& b) {
  std::uint32_t v = 0;
  EXPECT_EQ(b.size(), 4u);
  std::memcpy(&v, b.data(), std::min<std::size_t>(b.size(), 4));
  return v;
}

IpPrefix prefix(std::string_view text) { return *parseIpPrefix(text); }
IpAddress address(std::string_view text) { return *parseIpAddress(text); }

TEST(NetlinkMessageTest, Ipv6RouteRequestCarriesEveryField) {
  Route r;
  r.destination = prefix("2001:db8:5::/48");
  r.ifindex = 7;
  r.gateway = address("fe80::1");
  r.preferred_source = address("2001:db8::10");
  r.metric = 300;
  r.table = 1000;  // above 255: only in RTA_TABLE
  r.mtu = 1400;
  auto m = encodeRoute(true, r, WriteMode::Replace, 42);
  ASSERT_TRUE(m);
  const Parsed p = parse(*m, sizeof(rtmsg));
  EXPECT_EQ(p.header.nlmsg_type, RTM_NEWROUTE);
  EXPECT_EQ(p.header.nlmsg_seq, 42u);
  EXPECT_EQ(p.header.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
  const auto rtm = familyHeader<rtmsg>(*m);
  EXPECT_EQ(rtm.rtm_family, AF_INET6);
  EXPECT_EQ(rtm.rtm_dst_len, 48);
  EXPECT_EQ(rtm.rtm_table, RT_TABLE_UNSPEC);
  EXPECT_EQ(rtm.rtm_type, RTN_UNICAST);
  EXPECT_EQ(rtm.rtm_protocol, RTPROT_STATIC);
  EXPECT_EQ(rtm.rtm_scope, RT_SCOPE_UNIVERSE);
  EXPECT_EQ(u32(p.attributes.at(RTA_TABLE)), 1000u);
  EXPECT_EQ(u32(p.attributes.at(RTA_OIF)), 7u);
  EXPECT_EQ(u32(p.attributes.at(RTA_PRIORITY)), 300u);
  EXPECT_EQ(p.attributes.at(RTA_DST).size(), 16u);
  EXPECT_EQ(p.attributes.at(RTA_GATEWAY)[0], 0xfe);
  ASSERT_TRUE(p.attributes.count(RTA_METRICS));
  // Round trip: the decoder reads back what was encoded.
  auto decoded = decodeRoute(*m);
  ASSERT_TRUE(decoded) << decoded.error().toString();
  EXPECT_EQ(*decoded, r);
}

TEST(NetlinkMessageTest, Ipv4DeviceRouteHasLinkScopeAndNoDestinationForDefault) {
  Route r;
  r.destination = prefix("0.0.0.0/0");
  r.ifindex = 3;
  auto m = encodeRoute(true, r, WriteMode::Create, 1);
  ASSERT_TRUE(m);
  const Parsed p = parse(*m, sizeof(rtmsg));
  EXPECT_EQ(p.header.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  const auto rtm = familyHeader<rtmsg>(*m);
  EXPECT_EQ(rtm.rtm_family, AF_INET);
  EXPECT_EQ(rtm.rtm_scope, RT_SCOPE_LINK);
  EXPECT_EQ(rtm.rtm_table, RT_TABLE_MAIN);
  EXPECT_EQ(p.attributes.count(RTA_DST), 0u);
  EXPECT_EQ(p.attributes.count(RTA_PRIORITY), 0u);
  auto decoded = decodeRoute(*m);
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(decoded->isDefault());
  EXPECT_EQ(*decoded, r);
}

TEST(NetlinkMessageTest, RouteDeleteMatchesAnyScopeAndRejectsMixedFamilies) {
  Route r;
  r.destination = prefix("10.0.0.0/8");
  r.gateway = address("192.0.2.1");
  auto m = encodeRoute(false, r, WriteMode::Create, 1);
  ASSERT_TRUE(m);
  EXPECT_EQ(familyHeader<rtmsg>(*m).rtm_scope, RT_SCOPE_NOWHERE);
  EXPECT_EQ(parse(*m, sizeof(rtmsg)).header.nlmsg_type, RTM_DELROUTE);

  r.gateway = address("2001:db8::1");
  auto bad = encodeRoute(true, r, WriteMode::Create, 1);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::InvalidArgument);

  Route nowhere;
  nowhere.destination = prefix("10.0.0.0/8");
  EXPECT_FALSE(encodeRoute(true, nowhere, WriteMode::Create, 1));
}

TEST(NetlinkMessageTest, Ipv6AddressGetsNodadAndNoPrefixRouteInIfaFlags) {
  AddressOptions options;
  options.no_prefix_route = true;
  auto m = encodeAddress(true, 5, prefix("2001:db8::7/128"), options, 9);
  ASSERT_TRUE(m);
  const Parsed p = parse(*m, sizeof(ifaddrmsg));
  EXPECT_EQ(p.header.nlmsg_type, RTM_NEWADDR);
  const auto ifa = familyHeader<ifaddrmsg>(*m);
  EXPECT_EQ(ifa.ifa_family, AF_INET6);
  EXPECT_EQ(ifa.ifa_prefixlen, 128);
  EXPECT_EQ(ifa.ifa_index, 5u);
  EXPECT_EQ(u32(p.attributes.at(IFA_FLAGS)), IFA_F_NODAD | IFA_F_NOPREFIXROUTE);
  auto decoded = decodeAddress(*m);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->address, prefix("2001:db8::7/128"));
  EXPECT_EQ(decoded->ifindex, 5);
  EXPECT_EQ(decoded->flags, IFA_F_NODAD | IFA_F_NOPREFIXROUTE);
}

TEST(NetlinkMessageTest, Ipv4AddressKeepsHostBitsAndHasNoNodad) {
  auto m = encodeAddress(true, 2, prefix("192.0.2.7/24"), AddressOptions{}, 1);
  ASSERT_TRUE(m);
  const Parsed p = parse(*m, sizeof(ifaddrmsg));
  EXPECT_EQ(p.attributes.count(IFA_FLAGS), 0u);  // no_dad is IPv6 only
  EXPECT_EQ(p.attributes.at(IFA_LOCAL), (Bytes{192, 0, 2, 7}));
  auto decoded = decodeAddress(*m);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(toString(decoded->address), "192.0.2.7/24");
  auto loopback = encodeAddress(true, 1, prefix("127.0.0.2/8"), AddressOptions{}, 1);
  ASSERT_TRUE(loopback);
  EXPECT_EQ(familyHeader<ifaddrmsg>(*loopback).ifa_scope, RT_SCOPE_HOST);
}

TEST(NetlinkMessageTest, ProxyNeighbourRequestIsAProxyEntry) {
  const ProxyNeighbour entry{4, address("2001:db8::99")};
  auto m = encodeProxyNeighbour(true, entry, 3);
  ASSERT_TRUE(m);
  const auto ndm = familyHeader<ndmsg>(*m);
  EXPECT_EQ(ndm.ndm_flags, NTF_PROXY);
  EXPECT_EQ(ndm.ndm_ifindex, 4);
  EXPECT_EQ(ndm.ndm_family, AF_INET6);
  auto decoded = decodeProxyNeighbour(*m);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, entry);
}

TEST(NetlinkMessageTest, RouterProxyNeighbourCarriesTheRouterFlag) {
  const ProxyNeighbour entry{4, address("2001:db8::98"), true};
  auto m = encodeProxyNeighbour(true, entry, 3);
  ASSERT_TRUE(m);
  EXPECT_EQ(familyHeader<ndmsg>(*m).ndm_flags, NTF_PROXY | NTF_ROUTER);
  auto decoded = decodeProxyNeighbour(*m);
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(decoded->router);
  EXPECT_EQ(*decoded, entry);
  // Deleting names the entry by its address only.
  auto del = encodeProxyNeighbour(false, entry, 4);
  ASSERT_TRUE(del);
  EXPECT_EQ(familyHeader<ndmsg>(*del).ndm_flags, NTF_PROXY);
}

TEST(NetlinkMessageTest, RuleRoundTripsAndNeedsAPriority) {
  Rule rule;
  rule.family = IpFamily::V6;
  rule.source = prefix("2001:db8:5::/64");
  rule.input_interface = "lo";
  rule.table = 100;
  rule.priority = 1000;
  auto m = encodeRule(true, rule, 1);
  ASSERT_TRUE(m);
  const auto frh = familyHeader<fib_rule_hdr>(*m);
  EXPECT_EQ(frh.action, FR_ACT_TO_TBL);
  EXPECT_EQ(frh.src_len, 64);
  EXPECT_EQ(frh.table, 100);
  auto decoded = decodeRule(*m);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, rule);

  rule.priority = 0;
  EXPECT_FALSE(encodeRule(true, rule, 1));
  rule.source = prefix("10.0.0.0/8");  // family mismatch
  rule.priority = 5;
  EXPECT_FALSE(encodeRule(true, rule, 1));
}

TEST(NetlinkMessageTest, DumpRequestForProxyTableSetsNtfProxy) {
  const Bytes m = encodeDump(DumpKind::ProxyNeighbours, IpFamily::V4, 77);
  const Parsed p = parse(m, sizeof(ndmsg));
  EXPECT_EQ(p.header.nlmsg_type, RTM_GETNEIGH);
  EXPECT_EQ(p.header.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
  EXPECT_EQ(familyHeader<ndmsg>(m).ndm_flags, NTF_PROXY);
  EXPECT_EQ(familyHeader<ndmsg>(m).ndm_family, AF_INET);
}

TEST(NetlinkMessageTest, RouteLookupCarriesFullLengthAddresses) {
  auto m = encodeRouteLookup(address("192.0.2.1"), address("198.51.100.7"), 2);
  ASSERT_TRUE(m);
  const Parsed p = parse(*m, sizeof(rtmsg));
  EXPECT_EQ(p.header.nlmsg_type, RTM_GETROUTE);
  EXPECT_EQ(familyHeader<rtmsg>(*m).rtm_dst_len, 32);
  EXPECT_EQ(familyHeader<rtmsg>(*m).rtm_src_len, 32);
  EXPECT_EQ(p.attributes.at(RTA_SRC), (Bytes{198, 51, 100, 7}));
  EXPECT_FALSE(encodeRouteLookup(address("192.0.2.1"), address("::1"), 2));
}

TEST(NetlinkMessageTest, SetLinkChangesOnlyWhatIsGiven) {
  auto up = encodeSetLink(3, true, std::nullopt, 1);
  ASSERT_TRUE(up);
  EXPECT_EQ(familyHeader<ifinfomsg>(*up).ifi_change, static_cast<unsigned>(IFF_UP));
  EXPECT_EQ(familyHeader<ifinfomsg>(*up).ifi_flags, static_cast<unsigned>(IFF_UP));
  auto mtu = encodeSetLink(3, std::nullopt, 1400, 1);
  ASSERT_TRUE(mtu);
  EXPECT_EQ(familyHeader<ifinfomsg>(*mtu).ifi_change, 0u);
  EXPECT_EQ(u32(parse(*mtu, sizeof(ifinfomsg)).attributes.at(IFLA_MTU)), 1400u);
  EXPECT_FALSE(encodeSetLink(0, true, std::nullopt, 1));
}

// A route message as the kernel sends an IPv6 ECMP default route: RTA_MULTIPATH, no RTA_OIF.
TEST(NetlinkMessageTest, MultipathRouteReportsItsFirstNextHop) {
  Route base;
  base.destination = prefix("::/0");
  base.ifindex = 1;  // dropped below
  auto m = encodeRoute(true, base, WriteMode::Create, 1);
  ASSERT_TRUE(m);
  Bytes msg = *m;
  // Keep the headers and RTA_TABLE, drop RTA_OIF, add RTA_MULTIPATH with two next hops.
  Parsed p = parse(msg, sizeof(rtmsg));
  Bytes rebuilt(msg.begin(), msg.begin() + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(rtmsg)));
  auto put = [&](std::uint16_t type, const Bytes& payload) {
    const auto len = static_cast<std::uint16_t>(4 + payload.size());
    rebuilt.push_back(static_cast<std::uint8_t>(len & 0xFF));
    rebuilt.push_back(static_cast<std::uint8_t>(len >> 8));
    rebuilt.push_back(static_cast<std::uint8_t>(type & 0xFF));
    rebuilt.push_back(static_cast<std::uint8_t>(type >> 8));
    rebuilt.insert(rebuilt.end(), payload.begin(), payload.end());
    rebuilt.resize(NLMSG_ALIGN(rebuilt.size()), 0);
  };
  put(RTA_TABLE, p.attributes.at(RTA_TABLE));
  // rtnexthop{len, flags, hops, ifindex} + RTA_GATEWAY fe80::1, then a second hop.
  Bytes hops;
  auto hop = [&](int ifindex, std::uint8_t last) {
    rtnexthop nh{};
    nh.rtnh_len = static_cast<unsigned short>(sizeof(rtnexthop) + 20);
    nh.rtnh_ifindex = ifindex;
    const auto* raw = reinterpret_cast<const std::uint8_t*>(&nh);  // NOLINT
    hops.insert(hops.end(), raw, raw + sizeof(nh));
    const Bytes gw_attr = {20, 0, RTA_GATEWAY, 0, 0xfe, 0x80, 0, 0, 0, 0,
                           0,  0, 0,           0, 0,    0,    0, 0, 0, last};
    hops.insert(hops.end(), gw_attr.begin(), gw_attr.end());
  };
  hop(9, 1);
  hop(10, 2);
  put(RTA_MULTIPATH, hops);
  const auto len = static_cast<std::uint32_t>(rebuilt.size());
  std::memcpy(rebuilt.data(), &len, 4);
  auto decoded = decodeRoute(rebuilt);
  ASSERT_TRUE(decoded) << decoded.error().toString();
  EXPECT_EQ(decoded->ifindex, 9);
  ASSERT_TRUE(decoded->gateway);
  EXPECT_EQ(*decoded->gateway, address("fe80::1"));
}

TEST(NetlinkMessageTest, DecodersRejectTruncatedAndInconsistentMessages) {
  Route r;
  r.destination = prefix("10.0.0.0/8");
  r.ifindex = 2;
  Bytes m = *encodeRoute(true, r, WriteMode::Create, 1);
  // Shorter buffer than nlmsg_len.
  Bytes shorter(m.begin(), m.end() - 4);
  EXPECT_EQ(decodeRoute(shorter).error().code, ErrorCode::BadLength);
  EXPECT_EQ(decodeRoute(Bytes(8, 0)).error().code, ErrorCode::Truncated);
  // An attribute whose length runs past the message.
  Bytes broken = m;
  const std::size_t first_attr = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(rtmsg));
  broken[first_attr] = 0xF0;
  EXPECT_FALSE(decodeRoute(broken));
  // A prefix length beyond the family's.
  Bytes long_prefix = m;
  long_prefix[NLMSG_HDRLEN + 1] = 33;  // rtm_dst_len
  EXPECT_EQ(decodeRoute(long_prefix).error().code, ErrorCode::BadValue);
  // Not IPv4/IPv6.
  Bytes other_family = m;
  other_family[NLMSG_HDRLEN] = AF_UNIX;
  EXPECT_EQ(decodeRoute(other_family).error().code, ErrorCode::Unsupported);
  EXPECT_EQ(rtnlKind(m), RtnlKind::NewRoute);
  EXPECT_EQ(rtnlKind(Bytes(3, 0)), RtnlKind::Other);
}

TEST(NetlinkMessageTest, RouteTextNamesTheFields) {
  Route r;
  r.destination = prefix("::/0");
  r.gateway = address("fe80::1");
  r.ifindex = 4;
  r.metric = 1024;
  EXPECT_EQ(toString(r), "default via fe80::1 dev #4 metric 1024 table 254");
  Rule rule;
  rule.source = prefix("10.1.0.0/16");
  rule.table = 7;
  rule.priority = 100;
  EXPECT_EQ(toString(rule), "100: from 10.1.0.0/16 lookup 7");
}

}  // namespace
}  // namespace dsmip::platform
