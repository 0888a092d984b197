#pragma once
// Helpers for the DSMIPv6 core tests: addresses of the test topology, Binding Update packets as
// a mobile node puts them on the wire, and decoding of what the cores emit with the wire codecs
// (the golden checks: every emitted packet must decode and verify independently).

#include <gtest/gtest.h>

#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/random.hpp"
#include "common/time.hpp"
#include "dsmip6/home_agent.hpp"
#include "dsmip6/signalling.hpp"
#include "dsmip6/types.hpp"
#include "wire/icmpv6.hpp"
#include "wire/ipv6.hpp"
#include "wire/mh.hpp"

namespace dsmip::dsmip6::test {

inline Ipv6Address v6(std::string_view text) { return Ipv6Address::parse(text).value(); }
inline Ipv4Address v4(std::string_view text) { return Ipv4Address::parse(text).value(); }
inline Ipv6Prefix p6(std::string_view text) { return Ipv6Prefix::parse(text).value(); }
inline Ipv4Prefix p4(std::string_view text) { return Ipv4Prefix::parse(text).value(); }

// The test topology.
inline const Ipv6Prefix kHomePrefix = p6("2001:db8:1::/64");
inline const Ipv6Address kHa = v6("2001:db8:1::1");
inline const Ipv4Address kHa4 = v4("198.51.100.1");
inline const Ipv6Address kHoa = v6("2001:db8:1::100");
inline const Ipv6Address kHoa2 = v6("2001:db8:1::200");
inline const Ipv6Address kMrHoa = v6("2001:db8:1::300");
inline const Ipv6Address kCoa = v6("2001:db8:2::100");
inline const Ipv6Address kCoa2 = v6("2001:db8:3::100");
inline const Ipv4Address kCoa4 = v4("192.0.2.10");
inline const Ipv4Address kPrivateCoa4 = v4("10.0.0.2");
inline const Ipv4Address kNat4 = v4("203.0.113.5");
inline const Ipv4Address kStaticHoa4 = v4("10.1.0.5");
inline const Ipv6Prefix kMnp = p6("2001:db8:100::/48");
inline const Ipv4Prefix kIpv4Mnp = p4("10.9.0.0/24");
inline const Ipv6Address kCn = v6("2001:db8:99::9");
inline const Ipv4Address kCn4 = v4("198.51.100.99");
inline const TimePoint kT0 = TimePoint{} + std::chrono::hours(1);

/// A configuration with: kHoa (static IPv4 kStaticHoa4), kHoa2 (dynamic IPv4), kMrHoa (mobile
/// router with kMnp and kIpv4Mnp), a pool 10.2.0.1–10.2.0.2.
inline HomeAgentConfig testHomeAgentConfig() {
  HomeAgentConfig c;
  c.home_prefixes = {kHomePrefix};
  c.address = kHa;
  c.ipv4_address = kHa4;
  c.ipv4_pool = Ipv4Range{v4("10.2.0.1"), v4("10.2.0.2")};
  c.max_binding_lifetime = std::chrono::seconds(600);
  MobileNodePolicy mn1;
  mn1.home_address = kHoa;
  mn1.ipv4_home_address = kStaticHoa4;
  MobileNodePolicy mn2;
  mn2.home_address = kHoa2;
  mn2.dynamic_ipv4 = true;
  MobileNodePolicy mr;
  mr.home_address = kMrHoa;
  mr.mobile_router = true;
  mr.mobile_network_prefixes = {kMnp};
  mr.ipv4_mobile_network_prefixes = {kIpv4Mnp};
  c.mobile_nodes = {mn1, mn2, mr};
  return c;
}

/// A home registration BU (A, H), lifetime `lifetime_units`, sequence `sequence`.
inline wire::BindingUpdate homeRegistration(std::uint16_t sequence,
                                            std::uint16_t lifetime_units = 100) {
  wire::BindingUpdate bu;
  bu.sequence = sequence;
  bu.set(wire::kBuFlagAcknowledge);
  bu.set(wire::kBuFlagHomeRegistration);
  bu.lifetime_units = lifetime_units;
  return bu;
}

/// IPv6(src = coa, dst = ha) | Home Address option(hoa) | MH(bu), with an Alternate CoA option
/// added when `alternate_coa`.
inline Bytes buFromIpv6(wire::BindingUpdate bu, const Ipv6Address& coa,
                        const Ipv6Address& hoa = kHoa, bool alternate_coa = true,
                        const Ipv6Address& ha = kHa) {
  if (alternate_coa) bu.options.insert(bu.options.begin(), wire::AlternateCareOfAddressOption{coa});
  wire::Ipv6Extensions ext;
  ext.home_address = hoa;
  auto bytes = buildMobilityPacket(bu, coa, ha, ext);
  EXPECT_TRUE(bytes);
  return bytes ? *bytes : Bytes{};
}

/// IPv6(src = hoa, dst = ha) | MH(bu + IPv4 CoA option(coa4)) — the inner packet of a BU from
/// an IPv4 network (RFC 5555 §4.2, decision D6).
inline Bytes buFromIpv4(wire::BindingUpdate bu, const Ipv4Address& coa4,
                        const Ipv6Address& hoa = kHoa, const Ipv6Address& ha = kHa) {
  bu.options.push_back(wire::Ipv4CareOfAddressOption{coa4});
  auto bytes = buildMobilityPacket(bu, hoa, ha);
  EXPECT_TRUE(bytes);
  return bytes ? *bytes : Bytes{};
}

inline Inbound ipv6Inbound() { return Inbound{}; }
inline Inbound udpInbound(const Ipv4Endpoint& from, const Ipv4Address& to = kHa4) {
  return Inbound{Transport::udp(from, Ipv4Endpoint{to, kDsmipv6UdpPort}), false, std::nullopt};
}

/// A decoded emitted signalling packet.
struct Decoded {
  wire::Ipv6Packet ip;
  Bytes bytes;  // owns what `ip` views
  std::optional<wire::MobilityMessage> mobility;
  std::optional<wire::Icmpv6Message> icmpv6;
  Transport transport;
};
/// Decodes with the wire codecs and checks the MH / ICMPv6 checksum (test failure if not).
inline Decoded decode(const SendSignalling& send) {
  Decoded d;
  d.bytes = send.packet;
  d.transport = send.transport;
  auto ip = wire::decodeIpv6(d.bytes);
  EXPECT_TRUE(ip) << (ip ? "" : ip.error().toString());
  if (!ip) return d;
  d.ip = *ip;
  const Ipv6Address src = wire::ipv6UpperLayerSource(*ip);
  const Ipv6Address dst = wire::ipv6UpperLayerDestination(*ip);
  if (ip->upper_layer_protocol == wire::kMhProtocol) {
    EXPECT_TRUE(wire::verifyMobilityChecksum(src, dst, ip->upper_layer));
    auto mh = wire::decodeMobilityHeader(ip->upper_layer);
    EXPECT_TRUE(mh) << (mh ? "" : mh.error().toString());
    if (mh) d.mobility = std::move(*mh);
  } else if (ip->upper_layer_protocol == 58) {
    auto icmp = wire::decodeIcmpv6(ip->upper_layer, src, dst);
    EXPECT_TRUE(icmp) << (icmp ? "" : icmp.error().toString());
    if (icmp) d.icmpv6 = *icmp;
  } else {
    ADD_FAILURE() << "unexpected upper layer " << int(ip->upper_layer_protocol);
  }
  return d;
}

template <class T, class Actions>
std::vector<T> actionsOf(const Actions& actions) {
  std::vector<T> out;
  for (const auto& a : actions) {
    if (const T* t = std::get_if<T>(&a)) out.push_back(*t);
  }
  return out;
}

/// The single BA among the actions (test failure if there is not exactly one).
struct DecodedAck {
  wire::BindingAck ack;
  Decoded packet;
};
template <class Actions>
std::optional<DecodedAck> onlyAck(const Actions& actions);

template <class Actions>
std::vector<Event> eventsOf(const Actions& actions) {
  return actionsOf<Event>(actions);
}
template <class Actions>
bool hasEvent(const Actions& actions, EventKind kind) {
  for (const auto& e : eventsOf(actions)) {
    if (e.kind == kind) return true;
  }
  return false;
}

}  // namespace dsmip::dsmip6::test

namespace dsmip::dsmip6::test {

template <class Actions>
std::optional<DecodedAck> onlyAck(const Actions& actions) {
  std::vector<DecodedAck> acks;
  for (const auto& send : actionsOf<SendSignalling>(actions)) {
    Decoded d = decode(send);
    if (d.mobility) {
      if (const auto* ack = std::get_if<wire::BindingAck>(&*d.mobility)) {
        acks.push_back(DecodedAck{*ack, std::move(d)});
      }
    }
  }
  EXPECT_EQ(acks.size(), 1u);
  if (acks.size() != 1) return std::nullopt;
  return std::move(acks.front());
}

}  // namespace dsmip::dsmip6::test
