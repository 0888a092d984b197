// The signalling path of the DSMIPv6 daemons: the transport stage builds what each socket needs,
// the filter stage sees every packet both ways with its Transport, and — the point of the seam —
// an ESP-like filter that knows nothing of mobility carries a whole registration between the
// real cores, with `require_esp` on, without any change to the cores.
#include "daemon/dsmip6_signalling.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "../dsmip6/mn_test_util.hpp"
#include "dsmip6/home_agent.hpp"
#include "dsmip6/mobile_node.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/udp.hpp"

namespace dsmip::daemon {
namespace {

using namespace dsmip6::test;  // NOLINT(google-build-using-namespace): test topology names
using dsmip6::Transport;

dsmip6::SendSignalling anyPacket(Transport transport) {
  auto bytes = dsmip6::buildMobilityPacket(homeRegistration(7), kHoa, kHa);
  EXPECT_TRUE(bytes);
  return dsmip6::SendSignalling{bytes.value_or(Bytes{}), transport};
}

TEST(SignallingPathTest, NativeIpv6GoesOutAsItIs) {
  PassThroughFilter filter;
  SignallingPath path(filter);
  PacketBuffer scratch;
  const auto send = anyPacket(Transport::ipv6());
  auto out = path.prepare(send, scratch, 1, kT0);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->socket, SignallingSocket::RawIpv6);
  EXPECT_EQ(Bytes(out->bytes.begin(), out->bytes.end()), send.packet);
  EXPECT_EQ(path.counters()[0], (std::pair<std::string, std::uint64_t>{"sent-ipv6", 1}));
}

TEST(SignallingPathTest, UdpIsTheDatagramPayload) {
  PassThroughFilter filter;
  SignallingPath path(filter);
  PacketBuffer scratch;
  const Transport udp = Transport::udp(Ipv4Endpoint{kCoa4, 5000}, Ipv4Endpoint{kHa4, 4191});
  const auto send = anyPacket(udp);
  auto out = path.prepare(send, scratch, 1, kT0);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->socket, SignallingSocket::Udp);
  EXPECT_EQ(out->transport, udp);
  // The IPv6 packet right after the UDP header (RFC 5555 §4.1): the socket adds the headers.
  EXPECT_EQ(Bytes(out->bytes.begin(), out->bytes.end()), send.packet);
}

TEST(SignallingPathTest, Protocol41GetsAnIpv4Header) {
  PassThroughFilter filter;
  SignallingPath path(filter);
  PacketBuffer scratch;
  const auto send = anyPacket(Transport::protocol41(kCoa4, kHa4));
  auto out = path.prepare(send, scratch, 0x1234, kT0);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->socket, SignallingSocket::RawIpv4);
  auto v4 = wire::decodeIpv4(out->bytes);
  ASSERT_TRUE(v4) << v4.error().toString();
  EXPECT_EQ(v4->header.protocol, wire::ip_protocol::kIpv6);
  EXPECT_EQ(v4->header.source, kCoa4);
  EXPECT_EQ(v4->header.destination, kHa4);
  EXPECT_EQ(v4->header.identification, 0x1234);
  EXPECT_FALSE(v4->header.dont_fragment);  // RFC 4213 §3.2.1
  EXPECT_EQ(Bytes(v4->payload.begin(), v4->payload.end()), send.packet);
}

TEST(SignallingPathTest, UdpTransportBytesMatchTheWire) {
  PacketBuffer packet;
  const Bytes inner = anyPacket(Transport::ipv6()).packet;
  ASSERT_TRUE(packet.assign(inner));
  const Transport udp = Transport::udp(Ipv4Endpoint{kCoa4, 5000}, Ipv4Endpoint{kHa4, 4191});
  ASSERT_TRUE(encapsulateTransport(packet, udp, 9));
  auto v4 = wire::decodeIpv4(packet.data());
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->header.protocol, wire::ip_protocol::kUdp);
  auto datagram = wire::decodeUdp(v4->payload);
  ASSERT_TRUE(datagram);
  EXPECT_EQ(datagram->header.source_port, 5000);
  EXPECT_EQ(datagram->header.destination_port, 4191);
  EXPECT_TRUE(wire::verifyUdpChecksum(*datagram, kCoa4, kHa4));
  EXPECT_EQ(Bytes(datagram->payload.begin(), datagram->payload.end()), inner);
}

// A stand-in for the ESP module: it transforms every packet (a marker and inverted bytes, so
// that a core given the raw bytes would reject them) and, inbound, restores it and reports it
// protected by an SA for the home address found in the packet — using nothing but the packet.
class FakeEspFilter final : public SignallingFilter {
 public:
  static constexpr std::array<std::uint8_t, 4> kMarker{'E', 'S', 'P', '!'};
  FilterVerdict outbound(PacketBuffer& packet, const Transport& transport, TimePoint) override {
    transports_out.push_back(transport);
    for (std::uint8_t& b : packet.mutableData()) b = static_cast<std::uint8_t>(~b);
    MutableByteView head = packet.prepend(kMarker.size());
    if (head.empty()) return FilterVerdict::drop("no-headroom");
    std::memcpy(head.data(), kMarker.data(), kMarker.size());
    return FilterVerdict::accept();
  }
  FilterVerdict inbound(PacketBuffer& packet, dsmip6::Inbound& inbound, TimePoint) override {
    transports_in.push_back(inbound.transport);
    const ByteView data = packet.data();
    if (data.size() < kMarker.size() || std::memcmp(data.data(), kMarker.data(), 4) != 0) {
      return FilterVerdict::drop("not-protected");
    }
    (void)packet.trimFront(kMarker.size());
    for (std::uint8_t& b : packet.mutableData()) b = static_cast<std::uint8_t>(~b);
    auto ip = wire::decodeIpv6(packet.data());
    if (!ip) return FilterVerdict::drop("bad-packet");
    inbound.esp_protected = true;
    // The SA's selectors name the home address: HAO if any, else the source (MN → HA), or
    // the routing header's address, else the destination (HA → MN).
    inbound.esp_home_address = ip->home_address.value_or(ip->routing_home_address.value_or(
        ip->header.source == kHa ? ip->header.destination : ip->header.source));
    return FilterVerdict::accept();
  }
  [[nodiscard]] std::string_view name() const override { return "fake-esp"; }
  [[nodiscard]] NamedCounters counters() const override { return {}; }
  std::vector<Transport> transports_out;
  std::vector<Transport> transports_in;
};

// Carries whatever one side prepared to the other side's path and core (the "network").
struct Wire {
  static PacketBuffer deliver(const PreparedSignalling& p) {
    PacketBuffer b;
    EXPECT_TRUE(b.assign(p.bytes));
    return b;
  }
};

TEST(SignallingPathTest, AnEspFilterSlotsInWithoutChangingTheCores) {
  SeededRandom random(5);
  dsmip6::HomeAgentConfig hc = testHomeAgentConfig();
  hc.require_esp = true;
  dsmip6::HomeAgent ha(hc, random);
  dsmip6::MobileNodeConfig mc = testMobileNodeConfig();
  mc.require_esp = true;
  dsmip6::MobileNode mn(mc, random);
  FakeEspFilter mn_esp;
  FakeEspFilter ha_esp;
  SignallingPath mn_path(mn_esp);
  SignallingPath ha_path(ha_esp);
  PacketBuffer scratch;

  // BU from an IPv6 care-of address.
  auto bus = actionsOf<dsmip6::SendSignalling>(mn.onCareOfAddresses({candidate(kCoa)}, kT0));
  ASSERT_EQ(bus.size(), 1u);
  auto bu = mn_path.prepare(bus[0], scratch, 0, kT0);
  ASSERT_TRUE(bu);
  PacketBuffer at_ha = Wire::deliver(*bu);
  auto inbound = ha_path.receive(at_ha, bu->transport, kT0);
  ASSERT_TRUE(inbound);
  EXPECT_TRUE(inbound->esp_protected);
  EXPECT_EQ(inbound->esp_home_address, kHoa);
  auto bas = actionsOf<dsmip6::SendSignalling>(ha.onSignalling(at_ha.data(), *inbound, kT0));
  ASSERT_EQ(bas.size(), 1u);
  ASSERT_NE(ha.binding(kHoa), nullptr);

  // BA back through the HA's filter and the MN's.
  auto ba = ha_path.prepare(bas[0], scratch, 0, kT0);
  ASSERT_TRUE(ba);
  PacketBuffer at_mn = Wire::deliver(*ba);
  auto mn_inbound = mn_path.receive(at_mn, ba->transport, kT0);
  ASSERT_TRUE(mn_inbound);
  auto actions = mn.onSignalling(at_mn.data(), *mn_inbound, kT0);
  EXPECT_EQ(actionsOf<dsmip6::SetDataPath>(actions).size(), 1u);
  EXPECT_EQ(mn.stats().registrations, 1u);
  EXPECT_EQ(mn_esp.transports_out, std::vector<Transport>{Transport::ipv6()});
  EXPECT_EQ(ha_esp.transports_in, std::vector<Transport>{Transport::ipv6()});
}

TEST(SignallingPathTest, FilterDropsAreCountedPerReason) {
  SeededRandom random(5);
  dsmip6::HomeAgentConfig hc = testHomeAgentConfig();
  hc.require_esp = true;
  dsmip6::HomeAgent ha(hc, random);
  FakeEspFilter ha_esp;
  SignallingPath ha_path(ha_esp);
  // An unprotected BU: the filter drops it before the core sees it.
  PacketBuffer plain;
  ASSERT_TRUE(plain.assign(buFromIpv6(homeRegistration(1), kCoa)));
  EXPECT_FALSE(ha_path.receive(plain, Transport::ipv6(), kT0));
  EXPECT_EQ(ha.stats().binding_updates_received, 0u);
  // The pass-through filter lets it through, and the core itself refuses it (require_esp).
  PassThroughFilter pass;
  SignallingPath open(pass);
  PacketBuffer again;
  ASSERT_TRUE(again.assign(buFromIpv6(homeRegistration(1), kCoa)));
  auto inbound = open.receive(again, Transport::ipv6(), kT0);
  ASSERT_TRUE(inbound);
  EXPECT_FALSE(inbound->esp_protected);
  (void)ha.onSignalling(again.data(), *inbound, kT0);
  EXPECT_EQ(
      ha.stats().signalling_drops[static_cast<std::size_t>(dsmip6::SignallingDrop::Unprotected)],
      1u);
  const NamedCounters counters = ha_path.counters();
  EXPECT_NE(std::find(counters.begin(), counters.end(),
                      std::pair<std::string, std::uint64_t>{"filter-drop:not-protected", 1}),
            counters.end());
  EXPECT_NE(std::find(counters.begin(), counters.end(),
                      std::pair<std::string, std::uint64_t>{"inbound-dropped", 1}),
            counters.end());
}

}  // namespace
}  // namespace dsmip::daemon
