#pragma once
// Helpers for the mobile node tests: a test configuration, and a scripted home agent that
// answers a captured BU with a BA built from the wire codecs.

#include <gtest/gtest.h>

#include <optional>

#include "dsmip6/mobile_node.hpp"
#include "dsmip6_test_util.hpp"

namespace dsmip::dsmip6::test {

inline constexpr std::uint16_t kLocalPort = 5000;

inline MobileNodeConfig testMobileNodeConfig() {
  MobileNodeConfig c;
  c.home_addresses = {kHoa};
  c.home_prefix = kHomePrefix;
  c.home_agent = kHa;
  c.home_agent_ipv4 = kHa4;
  c.local_udp_port = kLocalPort;
  c.binding_lifetime = std::chrono::seconds(400);
  c.initial_sequence = 100;
  return c;
}

inline CareOfCandidate candidate(CareOfAddress address, std::string interface = "eth0",
                                 std::uint32_t preference = 0) {
  return CareOfCandidate{address, std::move(interface), preference};
}

/// A BU the mobile node sent, decoded.
struct SentBu {
  wire::BindingUpdate bu;
  Decoded packet;
  [[nodiscard]] const Transport& transport() const { return packet.transport; }
};

inline std::vector<SentBu> sentBus(const MobileNodeActions& actions) {
  std::vector<SentBu> out;
  for (const auto& send : actionsOf<SendSignalling>(actions)) {
    Decoded d = decode(send);
    if (d.mobility) {
      if (const auto* bu = std::get_if<wire::BindingUpdate>(&*d.mobility)) {
        out.push_back(SentBu{*bu, std::move(d)});
      }
    }
  }
  return out;
}

inline std::optional<SentBu> onlyBu(const MobileNodeActions& actions) {
  auto bus = sentBus(actions);
  EXPECT_EQ(bus.size(), 1u);
  if (bus.size() != 1) return std::nullopt;
  return std::move(bus.front());
}

/// A reply as a home agent would send it for `sent`: back over UDP (inner destination the home
/// address) when the BU came in UDP, else to the BU's source with a type 2 routing header.
struct Reply {
  Bytes packet;
  Inbound inbound;
};
inline Reply replyTo(const SentBu& sent, const wire::MobilityMessage& message,
                     const Ipv6Address& ha = kHa) {
  const wire::Ipv6Packet& ip = sent.packet.ip;
  const Ipv6Address hoa = ip.home_address.value_or(ip.header.source);
  Reply r;
  if (sent.transport().kind == TransportKind::UdpIpv4) {
    r.packet = buildMobilityPacket(message, ha, hoa).value();
    r.inbound.transport =
        Transport::udp(sent.transport().ipv4_destination, sent.transport().ipv4_source);
  } else {
    wire::Ipv6Extensions ext;
    if (ip.home_address) ext.routing_home_address = hoa;
    r.packet = buildMobilityPacket(message, ha, ip.header.source, ext).value();
  }
  return r;
}

inline wire::BindingAck ackFor(const SentBu& sent,
                               wire::BindingAckStatus status = wire::BindingAckStatus::Accepted,
                               std::optional<std::uint16_t> lifetime_units = std::nullopt) {
  wire::BindingAck ack;
  ack.status = status;
  ack.sequence = sent.bu.sequence;
  ack.lifetime_units = lifetime_units.value_or(sent.bu.lifetime_units);
  if (sent.bu.has(wire::kBuFlagMobileRouter)) ack.set(wire::kBaFlagMobileRouter);
  return ack;
}

/// The NAT Detection option as the home agent sends it.
inline wire::NatDetectionOption natOption(std::uint32_t refresh, bool force = false) {
  wire::NatDetectionOption n;
  n.refresh_time = refresh;
  n.force_udp = force;
  return n;
}

}  // namespace dsmip::dsmip6::test
