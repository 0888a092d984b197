// Tunnel-mode payload ESP between the real cores (draft-laganier-mext-dsmipv6-ipsec-01 Req. #1):
// the home agent's and the mobile node's outer-header rewrite after ESP for IPv6 and IPv4
// care-of addresses, decryption of inbound payload ESP (found by SPI) in the data path with the
// core's ingress checks behind it, cleartext payload refused when the SPD says protect, no change
// without payload SAs; and the mobile node's classification of outbound ESP by SPI (Req. #3).
// Time is a fixed point of a fake clock (kT0): nothing here reads a clock.
#include "daemon/dsmip6_payload.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "../dsmip6/mn_test_util.hpp"
#include "dsmip6/home_agent.hpp"
#include "dsmip6/mobile_node.hpp"
#include "esp/ipsec.hpp"
#include "test_support/environment.hpp"
#include "wire/ipv6.hpp"

namespace dsmip::daemon {
namespace {

using namespace dsmip6::test;  // NOLINT(google-build-using-namespace): test topology names
using dsmip6::Transport;

const Ipv6Address kCn = Ipv6Address::parse("2001:db8:c0::2").value();

constexpr std::string_view kEk1 = "0x2b7e151628aed2a6abf7158809cf4f3c";
constexpr std::string_view kIk1 =
    "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr std::string_view kEk2 = "0x3c4f2a1b5d6e7f8091a2b3c4d5e6f708";
constexpr std::string_view kIk2 =
    "0x1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";
constexpr std::string_view kEk3 = "0x603deb1015ca71be2b73aef0857d7781";
constexpr std::string_view kIk3 =
    "0x202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
constexpr std::string_view kEk4 = "0x8e73b0f7da0e6452c810f32b809079e5";
constexpr std::string_view kIk4 =
    "0x404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f";

std::string sa(std::string_view name, std::string_view spi, std::string_view direction,
               std::string_view ek, std::string_view ik, std::string_view tunnel_local = {},
               std::string_view tunnel_remote = {}) {
  std::ostringstream s;
  s << "[[esp_sa]]\nname = \"" << name << "\"\nspi = " << spi << "\ndirection = \"" << direction
    << "\"\nsuite = \"aes-cbc-hmac-sha256\"\nencryption_key = \"" << ek << "\"\nintegrity_key = \""
    << ik << "\"\n";
  if (!tunnel_local.empty()) {
    s << "mode = \"tunnel\"\ntunnel_local = \"" << tunnel_local << "\"\ntunnel_remote = \""
      << tunnel_remote << "\"\n";
  }
  return s.str();
}

std::string policy(std::string_view name, std::string_view body) {
  std::ostringstream s;
  s << "[[esp_policy]]\nname = \"" << name << "\"\n" << body << "\n";
  return s.str();
}

// The examples' shape: BU/BA and MPS/MPA in transport mode, the payload entry last (home address
// as remote on the HA, as local on the MN: draft §4.2), then bypass.
std::string haTables(bool payload) {
  const std::string ha = kHa.toString();
  const std::string hoa = kHoa.toString();
  std::string t = sa("bu-in", "0x1001", "inbound", kEk1, kIk1) +
                  sa("ba-out", "0x2001", "outbound", kEk2, kIk2) +
                  policy("bu-ba", "local = \"" + ha + "\"\nremote = \"" + hoa +
                                      "\"\nprotocol = \"mh\"\nlocal_mh_type = \"ba\"\n"
                                      "remote_mh_type = \"bu\"\naction = \"protect\"\n"
                                      "outbound_spi = 0x2001\ninbound_spi = 0x1001");
  if (payload) {
    t += sa("payload-out", "0x3001", "outbound", kEk3, kIk3, ha, hoa) +
         sa("payload-in", "0x3002", "inbound", kEk4, kIk4, ha, hoa) +
         policy("payload", "remote = \"" + hoa +
                               "\"\naction = \"protect\"\noutbound_spi = 0x3001\n"
                               "inbound_spi = 0x3002");
  }
  return t + policy("other", "action = \"bypass\"");
}

std::string mnTables(bool payload) {
  const std::string ha = kHa.toString();
  const std::string hoa = kHoa.toString();
  std::string t = sa("bu-out", "0x1001", "outbound", kEk1, kIk1) +
                  sa("ba-in", "0x2001", "inbound", kEk2, kIk2) +
                  sa("mps-out", "0x1002", "outbound", kEk1, kIk1) +
                  sa("mpa-in", "0x2002", "inbound", kEk2, kIk2) +
                  policy("bu-ba", "local = \"" + hoa + "\"\nremote = \"" + ha +
                                      "\"\nprotocol = \"mh\"\nlocal_mh_type = \"bu\"\n"
                                      "remote_mh_type = \"ba\"\naction = \"protect\"\n"
                                      "outbound_spi = 0x1001\ninbound_spi = 0x2001") +
                  policy("mps-mpa", "local = \"" + hoa + "\"\nremote = \"" + ha +
                                        "\"\nprotocol = \"icmpv6\"\nlocal_icmp_type = \"mps\"\n"
                                        "remote_icmp_type = \"mpa\"\naction = \"protect\"\n"
                                        "outbound_spi = 0x1002\ninbound_spi = 0x2002");
  if (payload) {
    t += sa("payload-out", "0x3002", "outbound", kEk4, kIk4, hoa, ha) +
         sa("payload-in", "0x3001", "inbound", kEk3, kIk3, hoa, ha) +
         policy("payload", "local = \"" + hoa +
                               "\"\naction = \"protect\"\noutbound_spi = 0x3002\n"
                               "inbound_spi = 0x3001");
  }
  return t + policy("other", "action = \"bypass\"");
}

esp::EspConfiguration build(const std::string& text) {
  toml::table file = toml::parse(text);
  EspDaemonConfig c;
  EXPECT_TRUE(readEspTables(file, "test.toml", c));
  return c.built;
}

std::uint64_t counter(const NamedCounters& counters, std::string_view name) {
  for (const auto& [n, v] : counters) {
    if (n == name) return v;
  }
  return 0;
}

PacketBuffer buffer(ByteView bytes) {
  PacketBuffer b;
  EXPECT_TRUE(b.assign(bytes));
  return b;
}

// A UDP datagram from `source` to `destination` (the selectors need nothing more).
Bytes udpPacket(const Ipv6Address& source, const Ipv6Address& destination) {
  PacketBuffer b;
  const Bytes payload = {0x9c, 0x40, 0x13, 0x89, 0x00, 0x10, 0x00, 0x00,
                         'p',  'a',  'y',  'l',  'o',  'a',  'd',  '!'};
  EXPECT_TRUE(b.assign(payload));
  wire::Ipv6Header h;
  h.next_header = 17;
  h.hop_limit = 63;
  h.source = source;
  h.destination = destination;
  EXPECT_TRUE(wire::prependIpv6(b, h));
  return Bytes(b.data().begin(), b.data().end());
}

Ipv6Address addressAt(ByteView packet, std::size_t offset) {
  return Ipv6Address::fromBytes(packet.subspan(offset, 16));
}

// Both cores and both daemons' ESP stages, registered through ESP (BU and BA protected).
struct Registered {
  SeededRandom random{7};
  EspSignallingFilter mn_esp{random, EspPeer::HomeAgent};
  EspSignallingFilter ha_esp{random, EspPeer::MobileNode};
  SignallingPath mn_path{mn_esp};
  SignallingPath ha_path{ha_esp};
  std::optional<EspPayloadStage> mn_payload;
  std::optional<EspPayloadStage> ha_payload;
  dsmip6::HomeAgent ha{[] {
                         auto c = testHomeAgentConfig();
                         c.require_esp = true;
                         return c;
                       }(),
                       random};
  dsmip6::MobileNode mn{[] {
                          auto c = testMobileNodeConfig();
                          c.require_esp = true;
                          return c;
                        }(),
                        random};
  PacketBuffer scratch;

  // Registers `care_of`; an IPv4 one comes through a NAT (`nat` as the outer source).
  explicit Registered(const dsmip6::CareOfAddress& care_of, bool payload = true) {
    EXPECT_TRUE(mn_esp.install(build(mnTables(payload)), kT0));
    EXPECT_TRUE(ha_esp.install(build(haTables(payload)), kT0));
    mn_payload.emplace(mn_esp, TunnelEnd::MobileNode);
    ha_payload.emplace(ha_esp, TunnelEnd::HomeAgent);
    auto bus = actionsOf<dsmip6::SendSignalling>(mn.onCareOfAddresses({candidate(care_of)}, kT0));
    EXPECT_EQ(bus.size(), 1u);
    auto bu = mn_path.prepare(bus.at(0), scratch, 0, kT0);
    EXPECT_TRUE(bu);
    Transport seen = bu->transport;
    if (seen.kind == dsmip6::TransportKind::UdpIpv4) seen.ipv4_source = nat();
    PacketBuffer at_ha = buffer(bu->bytes);
    auto inbound = ha_path.receive(at_ha, seen, kT0);
    EXPECT_TRUE(inbound);
    auto bas = actionsOf<dsmip6::SendSignalling>(ha.onSignalling(at_ha.data(), *inbound, kT0));
    EXPECT_EQ(bas.size(), 1u);
    auto ba = ha_path.prepare(bas.at(0), scratch, 0, kT0);
    EXPECT_TRUE(ba);
    PacketBuffer at_mn = buffer(ba->bytes);
    auto mn_inbound = mn_path.receive(at_mn, ba->transport, kT0);
    EXPECT_TRUE(mn_inbound);
    (void)mn.onSignalling(at_mn.data(), *mn_inbound, kT0);
    EXPECT_EQ(mn.stats().registrations, 1u);
  }
  static Ipv4Endpoint nat() { return Ipv4Endpoint{kNat4, 61000}; }
};

TEST(PayloadEspTest, HomeAgentRewritesTheOuterDestinationToAnIpv6CareOfAddress) {
  Registered r(kCoa);
  ASSERT_TRUE(r.ha_payload->active());
  const Bytes plain = udpPacket(kCn, kHoa);
  PacketBuffer packet = buffer(plain);
  const dsmip6::PacketDecision d = r.ha.onTunPacket(packet.data());
  ASSERT_EQ(d.verdict, dsmip6::Verdict::Encapsulate);
  dsmip6::TunnelHeaders tunnel = d.tunnel;
  ASSERT_EQ(r.ha_payload->protect(packet, tunnel, kT0), EspPayloadStage::Outcome::Protected);
  // IPv6(HA → CoA) / ESP (tunnel, SPI 0x3001): the SA's placeholder (the home address) replaced
  // by the care-of address after ESP, the source the SA's.
  const ByteView wire = packet.data();
  ASSERT_GE(wire.size(), 48u);
  EXPECT_EQ(wire[0] >> 4, 6);
  EXPECT_EQ(wire[6], 50);
  EXPECT_EQ(addressAt(wire, 8), kHa);
  EXPECT_EQ(addressAt(wire, 24), kCoa);
  EXPECT_EQ(esp::peekEspSpi(wire), 0x3001u);
  EXPECT_EQ(counter(r.ha_esp.counters(), "sa:12289:outbound:packets"), 1u);

  // The mobile node (raw socket for protocol 50): payload by SPI, decrypted, then the core's
  // checks (outer source = home agent, inner destination ours) deliver the inner packet.
  PacketBuffer at_mn = buffer(wire);
  ASSERT_TRUE(r.mn_payload->isPayloadEsp(at_mn.data()));
  auto t = r.mn_payload->open(at_mn, Transport::ipv6(), kT0);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->outer, dsmip6::Encapsulation::Ipv6);
  EXPECT_EQ(t->ipv6_source, kHa);
  const dsmip6::PacketDecision in = r.mn.onTunnelledPacket(*t);
  ASSERT_EQ(in.verdict, dsmip6::Verdict::Deliver);
  const ByteView inner = in.inner(at_mn.data());
  EXPECT_EQ(Bytes(inner.begin(), inner.end()), plain);
  EXPECT_EQ(counter(r.mn_esp.counters(), "sa:12289:inbound:packets"), 1u);
  EXPECT_EQ(counter(r.mn_payload->counters(), "payload-decrypted"), 1u);
}

TEST(PayloadEspTest, MobileNodeRewritesTheOuterSourceAndTheHomeAgentDeliversAfterEsp) {
  Registered r(kCoa);
  const Bytes plain = udpPacket(kHoa, kCn);
  PacketBuffer packet = buffer(plain);
  const dsmip6::PacketDecision d = r.mn.onTunPacket(packet.data());
  ASSERT_EQ(d.verdict, dsmip6::Verdict::Encapsulate);
  dsmip6::TunnelHeaders tunnel = d.tunnel;
  ASSERT_EQ(r.mn_payload->protect(packet, tunnel, kT0), EspPayloadStage::Outcome::Protected);
  const ByteView wire = packet.data();
  EXPECT_EQ(addressAt(wire, 8), kCoa);  // was the placeholder, the home address
  EXPECT_EQ(addressAt(wire, 24), kHa);
  EXPECT_EQ(esp::peekEspSpi(wire), 0x3002u);

  // At the home agent it comes out of the TUN (the HA address is routed there) as "for the
  // home agent": the SPI says payload, and the decrypted packet passes the binding's checks.
  PacketBuffer at_ha = buffer(wire);
  const dsmip6::PacketDecision first = r.ha.onTunPacket(at_ha.data());
  ASSERT_EQ(first.verdict, dsmip6::Verdict::Signalling);
  ASSERT_TRUE(r.ha_payload->isPayloadEsp(at_ha.data()));
  auto t = r.ha_payload->open(at_ha, first.transport, kT0);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->ipv6_source, kCoa);
  const dsmip6::PacketDecision in = r.ha.onTunnelledPacket(*t);
  ASSERT_EQ(in.verdict, dsmip6::Verdict::Deliver);
  const ByteView inner = in.inner(at_ha.data());
  EXPECT_EQ(Bytes(inner.begin(), inner.end()), plain);
  EXPECT_EQ(r.ha.binding(kHoa)->packets_from_mobile_node, 1u);
}

TEST(PayloadEspTest, AfterAMoveTheSameSaFollowsTheNewCareOfAddress) {
  // Req. #1: no SA change, no rekeying: the next packet on SA 0x3001 goes to the new address.
  Registered r(kCoa);
  const Ipv6Address moved = Ipv6Address::parse("2001:db8:99::7").value();
  auto bus = actionsOf<dsmip6::SendSignalling>(r.mn.onCareOfAddresses({candidate(moved)}, kT0));
  ASSERT_EQ(bus.size(), 1u);
  auto bu = r.mn_path.prepare(bus[0], r.scratch, 0, kT0);
  ASSERT_TRUE(bu);
  PacketBuffer at_ha = buffer(bu->bytes);
  auto inbound = r.ha_path.receive(at_ha, bu->transport, kT0);
  ASSERT_TRUE(inbound);
  (void)r.ha.onSignalling(at_ha.data(), *inbound, kT0);
  PacketBuffer packet = buffer(udpPacket(kCn, kHoa));
  const dsmip6::PacketDecision d = r.ha.onTunPacket(packet.data());
  ASSERT_EQ(d.verdict, dsmip6::Verdict::Encapsulate);
  dsmip6::TunnelHeaders tunnel = d.tunnel;
  ASSERT_EQ(r.ha_payload->protect(packet, tunnel, kT0), EspPayloadStage::Outcome::Protected);
  EXPECT_EQ(addressAt(packet.data(), 24), moved);
  EXPECT_EQ(esp::peekEspSpi(packet.data()), 0x3001u);
  // The SAD is what it was: the same two payload SAs, the outbound one at its second packet.
  EXPECT_EQ(r.ha_esp.ipsec().sad().size(), 4u);
  EXPECT_EQ(counter(r.ha_esp.counters(), "sa:12289:outbound:last-sequence"), 1u);
}

TEST(PayloadEspTest, Ipv4CareOfAddressCarriesTheEspPacketInTheBindingsUdpTunnel) {
  Registered r(kCoa4);
  ASSERT_NE(r.ha.binding(kHoa), nullptr);
  ASSERT_TRUE(r.ha.binding(kHoa)->nat_detected);
  const Bytes plain = udpPacket(kCn, kHoa);
  PacketBuffer packet = buffer(plain);
  const dsmip6::PacketDecision d = r.ha.onTunPacket(packet.data());
  ASSERT_EQ(d.verdict, dsmip6::Verdict::Encapsulate);
  ASSERT_EQ(d.tunnel.encapsulation, dsmip6::Encapsulation::Udp);
  dsmip6::TunnelHeaders tunnel = d.tunnel;
  ASSERT_EQ(r.ha_payload->protect(packet, tunnel, kT0), EspPayloadStage::Outcome::Protected);
  // IPv4(HA4 → NAT) / UDP(4191 → the NAT's port) / IPv6(HA → HoA) / ESP: like the BA.
  const ByteView wire = packet.data();
  const auto outer = dsmip6::peekIpHeader(wire);
  ASSERT_TRUE(outer);
  EXPECT_EQ(outer->version, 4);
  EXPECT_EQ(outer->protocol, 17);
  EXPECT_EQ(outer->destination4, kNat4);
  EXPECT_EQ((wire[20] << 8) | wire[21], 4191);
  EXPECT_EQ((wire[22] << 8) | wire[23], 61000);
  const ByteView udp_payload = wire.subspan(28);
  EXPECT_EQ(udp_payload[0] >> 4, 6);
  EXPECT_EQ(udp_payload[6], 50);
  EXPECT_EQ(addressAt(udp_payload, 8), kHa);
  EXPECT_EQ(addressAt(udp_payload, 24), kHoa);
  EXPECT_EQ(esp::peekEspSpi(udp_payload), 0x3001u);

  // The mobile node's UDP socket: the core sees ESP from the home agent ("signalling"), the
  // SPI says payload, and after ESP the inner packet is delivered.
  PacketBuffer at_mn = buffer(udp_payload);
  dsmip6::TunnelledPacket t;
  t.outer = dsmip6::Encapsulation::Udp;
  t.ipv4_source = Ipv4Endpoint{kHa4, dsmip6::kDsmipv6UdpPort};
  t.ipv4_destination = Ipv4Endpoint{kCoa4, kLocalPort};
  t.payload = at_mn.data();
  const dsmip6::PacketDecision first = r.mn.onTunnelledPacket(t);
  ASSERT_EQ(first.verdict, dsmip6::Verdict::Signalling);
  ASSERT_TRUE(r.mn_payload->isPayloadEsp(at_mn.data()));
  auto opened = r.mn_payload->open(at_mn, first.transport, kT0);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->outer, dsmip6::Encapsulation::Udp);
  const dsmip6::PacketDecision in = r.mn.onTunnelledPacket(*opened);
  ASSERT_EQ(in.verdict, dsmip6::Verdict::Deliver);
  const ByteView inner = in.inner(at_mn.data());
  EXPECT_EQ(Bytes(inner.begin(), inner.end()), plain);

  // Back: the MN's ESP packets in its UDP tunnel (IPv4 / UDP / IPv6(HoA → HA) / ESP), from the
  // NAT at the HA: the binding's address and port checks apply to the decrypted packet.
  for (const auto& [port, verdict] : {std::pair{std::uint16_t{61001}, dsmip6::Verdict::Drop},
                                      std::pair{std::uint16_t{61000}, dsmip6::Verdict::Deliver}}) {
    PacketBuffer up = buffer(udpPacket(kHoa, kCn));
    const dsmip6::PacketDecision out = r.mn.onTunPacket(up.data());
    ASSERT_EQ(out.verdict, dsmip6::Verdict::Encapsulate);
    dsmip6::TunnelHeaders mn_tunnel = out.tunnel;
    ASSERT_EQ(r.mn_payload->protect(up, mn_tunnel, kT0), EspPayloadStage::Outcome::Protected);
    EXPECT_EQ(addressAt(up.data().subspan(28), 8), kHoa);
    PacketBuffer copy = buffer(up.data().subspan(28));
    dsmip6::TunnelledPacket from_nat;
    from_nat.outer = dsmip6::Encapsulation::Udp;
    from_nat.ipv4_source = Ipv4Endpoint{kNat4, port};
    from_nat.ipv4_destination = Ipv4Endpoint{kHa4, dsmip6::kDsmipv6UdpPort};
    from_nat.payload = copy.data();
    const dsmip6::PacketDecision sig = r.ha.onTunnelledPacket(from_nat);
    ASSERT_EQ(sig.verdict, dsmip6::Verdict::Signalling);
    auto decrypted = r.ha_payload->open(copy, sig.transport, kT0);
    ASSERT_TRUE(decrypted);
    EXPECT_EQ(r.ha.onTunnelledPacket(*decrypted).verdict, verdict);
  }
  EXPECT_EQ(r.ha.stats().data_drops[static_cast<std::size_t>(dsmip6::DropReason::WrongOuterPort)],
            1u);
  // A replayed ESP packet never reaches the core.
  PacketBuffer again = buffer(udp_payload);
  EXPECT_FALSE(r.mn_payload->open(again, first.transport, kT0));
  EXPECT_EQ(counter(r.mn_payload->counters(), "payload-drop:replayed"), 1u);
}

TEST(PayloadEspTest, ProtocolFortyOneTunnelCarriesTheEspPacket) {
  // A public IPv4 care-of address (no NAT): IPv4 protocol 41 / IPv6(HA → HoA) / ESP.
  PacketBuffer packet = buffer(udpPacket(kCn, kHoa));
  SeededRandom random(3);
  EspSignallingFilter esp(random, EspPeer::MobileNode);
  ASSERT_TRUE(esp.install(build(haTables(true)), kT0));
  EspPayloadStage stage(esp, TunnelEnd::HomeAgent);
  dsmip6::TunnelHeaders tunnel;
  tunnel.encapsulation = dsmip6::Encapsulation::Ipv4;
  tunnel.inner_protocol = 41;
  tunnel.ipv4_source = kHa4;
  tunnel.ipv4_destination = kCoa4;
  ASSERT_EQ(stage.protect(packet, tunnel, kT0), EspPayloadStage::Outcome::Protected);
  const auto outer = dsmip6::peekIpHeader(packet.data());
  ASSERT_TRUE(outer);
  EXPECT_EQ(outer->version, 4);
  EXPECT_EQ(outer->protocol, 41);
  EXPECT_EQ(outer->destination4, kCoa4);
  EXPECT_EQ(esp::peekEspSpi(packet.data().subspan(20)), 0x3001u);
}

TEST(PayloadEspTest, CleartextPayloadIsRefusedWhenThePolicySaysProtect) {
  Registered r(kCoa);
  // IPv6-in-IPv6 from the registered care-of address, in the clear: the core's checks pass,
  // the SPD's payload entry says it must have come through SA 0x3002.
  const Bytes plain = udpPacket(kHoa, kCn);
  PacketBuffer packet = buffer(plain);
  dsmip6::TunnelledPacket t;
  t.outer = dsmip6::Encapsulation::Ipv6;
  t.ipv6_source = kCoa;
  t.ipv6_destination = kHa;
  t.protocol = 41;
  t.payload = packet.data();
  const dsmip6::PacketDecision d = r.ha.onTunnelledPacket(t);
  ASSERT_EQ(d.verdict, dsmip6::Verdict::Deliver);
  EXPECT_FALSE(r.ha_payload->admitClear(packet, kT0));
  EXPECT_EQ(counter(r.ha_payload->counters(), "payload-drop:unprotected"), 1u);
  EXPECT_EQ(counter(r.ha_esp.counters(), "inbound-drop:unprotected"), 1u);
  // The same at the mobile node, for cleartext from a correspondent.
  PacketBuffer down = buffer(udpPacket(kCn, kHoa));
  EXPECT_FALSE(r.mn_payload->admitClear(down, kT0));
  EXPECT_EQ(counter(r.mn_payload->counters(), "payload-drop:unprotected"), 1u);
  // Traffic no protect entry covers (another home address) passes.
  PacketBuffer other = buffer(udpPacket(Ipv6Address::parse("2001:db8:1::7").value(), kCn));
  EXPECT_TRUE(r.ha_payload->admitClear(other, kT0));
  EXPECT_EQ(counter(r.ha_payload->counters(), "payload-clear-admitted"), 1u);
}

TEST(PayloadEspTest, WithoutPayloadSasNothingChanges) {
  Registered r(kCoa, /*payload=*/false);
  EXPECT_FALSE(r.ha_payload->active());
  EXPECT_FALSE(r.mn_payload->active());
  const Bytes plain = udpPacket(kCn, kHoa);
  PacketBuffer packet = buffer(plain);
  dsmip6::TunnelHeaders tunnel = r.ha.onTunPacket(packet.data()).tunnel;
  const dsmip6::TunnelHeaders before = tunnel;
  EXPECT_EQ(r.ha_payload->protect(packet, tunnel, kT0), EspPayloadStage::Outcome::Plain);
  EXPECT_EQ(Bytes(packet.data().begin(), packet.data().end()), plain);
  EXPECT_EQ(tunnel, before);
  EXPECT_TRUE(r.ha_payload->admitClear(packet, kT0));
  EXPECT_FALSE(r.ha_payload->isPayloadEsp(packet.data()));
  EXPECT_EQ(counter(r.ha_esp.counters(), "outbound-protected"), 1u);  // the BA only
}

TEST(PayloadEspTest, ClassifiesOutboundEspBySpiAlone) {
  // Req. #3: the SPD names the BU's SPI; the tunnel code needs nothing else.
  Registered r(kCoa);
  const std::vector<Ipv6Address> homes = {kHoa};
  auto bus =
      actionsOf<dsmip6::SendSignalling>(r.mn.onCareOfAddresses({candidate(kCoa4, "eth1")}, kT0));
  ASSERT_EQ(bus.size(), 1u);
  auto bu = r.mn_path.prepare(bus[0], r.scratch, 0, kT0);
  ASSERT_TRUE(bu);
  const Bytes bu_bytes(bu->bytes.begin(), bu->bytes.end());
  OutboundEspClass c = classifyOutboundEsp(bu_bytes, r.mn_esp.ipsec(), homes, kHa);
  EXPECT_EQ(c.kind, OutboundEspKind::BindingUpdate);
  EXPECT_EQ(c.spi, 0x1001u);
  EXPECT_EQ(c.home_address, kHoa);
  // The care-of address the tunnel code sends it from: the one being registered.
  const dsmip6::MobileNodeSnapshot snap = r.mn.snapshot(kT0);
  ASSERT_TRUE(snap.entries.at(0).pending_care_of);
  EXPECT_EQ(*snap.entries.at(0).pending_care_of, dsmip6::CareOfAddress{kCoa4});
  PacketBuffer data = buffer(udpPacket(kHoa, kCn));
  dsmip6::TunnelHeaders tunnel;
  tunnel.encapsulation = dsmip6::Encapsulation::Ipv6;
  tunnel.ipv6_source = kCoa;
  tunnel.ipv6_destination = kHa;
  ASSERT_EQ(r.mn_payload->protect(data, tunnel, kT0), EspPayloadStage::Outcome::Protected);
  c = classifyOutboundEsp(data.data(), r.mn_esp.ipsec(), homes, kHa);
  EXPECT_EQ(c.kind, OutboundEspKind::Payload);
  EXPECT_EQ(c.spi, 0x3002u);

  // A Mobile Prefix Solicitation on its own transport-mode SA: other signalling.
  PacketBuffer mps;
  ASSERT_TRUE(mps.assign(Bytes{146, 0, 0, 0, 0, 1, 0, 0}));
  wire::Ipv6Header h;
  h.next_header = 58;
  h.source = kHoa;
  h.destination = kHa;
  ASSERT_TRUE(wire::prependIpv6(mps, h));
  ASSERT_EQ(r.mn_esp.protectPayload(mps, kT0).result.verdict, esp::OutboundVerdict::Protected);
  c = classifyOutboundEsp(mps.data(), r.mn_esp.ipsec(), homes, kHa);
  EXPECT_EQ(c.kind, OutboundEspKind::Other);
  EXPECT_EQ(c.spi, 0x1002u);
  // Not ESP; and a BU SPI the SPD does not give this home address is not a BU.
  EXPECT_EQ(classifyOutboundEsp(udpPacket(kHoa, kCn), r.mn_esp.ipsec(), homes, kHa).kind,
            OutboundEspKind::NotEsp);
  EXPECT_EQ(classifyOutboundEsp(bu_bytes, r.mn_esp.ipsec(), {}, kHa).kind, OutboundEspKind::Other);
}

TEST(PayloadEspTest, ReaddressRefusesWhatItCannotCarry) {
  PacketBuffer v4;
  ASSERT_TRUE(v4.assign(Bytes(60, 0x45)));
  dsmip6::TunnelHeaders tunnel;
  tunnel.encapsulation = dsmip6::Encapsulation::Ipv6;
  EXPECT_FALSE(readdressTunnelEsp(v4, 20, tunnel, TunnelEnd::HomeAgent));
  PacketBuffer v6 = buffer(udpPacket(kHa, kHoa));
  tunnel.encapsulation = dsmip6::Encapsulation::None;
  EXPECT_FALSE(readdressTunnelEsp(v6, 40, tunnel, TunnelEnd::HomeAgent));
  tunnel.encapsulation = dsmip6::Encapsulation::Ipv6;
  tunnel.ipv6_source = kCoa;
  ASSERT_TRUE(readdressTunnelEsp(v6, 40, tunnel, TunnelEnd::MobileNode));
  EXPECT_EQ(addressAt(v6.data(), 8), kCoa);
  EXPECT_EQ(addressAt(v6.data(), 24), kHoa);  // the home agent's end is not touched
}

TEST(PayloadEspTest, TheExamplesOptionalPayloadTablesAreMirrorImages) {
  // examples/dsmip6: with the "#| " lines enabled (as the namespace test does), both daemons
  // have an active payload stage; the home agent's outbound payload SA is the mobile node's
  // inbound one and the reverse.
  std::vector<esp::EspConfiguration> built;
  for (const char* name : {"ha.toml", "mn.toml"}) {
    std::ifstream in(test::sourceDir() + "/examples/dsmip6/" + name);
    ASSERT_TRUE(in) << name;
    std::string text;
    std::string line;
    bool enabled = false;
    while (std::getline(in, line)) {
      if (line.rfind("#|", 0) == 0) {
        line.erase(0, line.size() > 2 && line[2] == ' ' ? 3 : 2);
        enabled = true;
      }
      text += line + "\n";
    }
    EXPECT_TRUE(enabled) << name;
    toml::table file = toml::parse(text);
    EspDaemonConfig c;
    ASSERT_TRUE(readEspTables(file, name, c)) << name;
    built.push_back(c.built);
  }
  SeededRandom random(1);
  EspSignallingFilter ha(random, EspPeer::MobileNode);
  EspSignallingFilter mn(random, EspPeer::HomeAgent);
  ASSERT_TRUE(ha.install(built[0], kT0));
  ASSERT_TRUE(mn.install(built[1], kT0));
  EXPECT_TRUE(EspPayloadStage(ha, TunnelEnd::HomeAgent).active());
  EXPECT_TRUE(EspPayloadStage(mn, TunnelEnd::MobileNode).active());
  for (const auto& [spi, from, to] :
       {std::tuple{0x3001u, &ha, &mn}, std::tuple{0x3002u, &mn, &ha}}) {
    const esp::SecurityAssociation* out = from->ipsec().sad().find(spi, esp::Direction::Outbound);
    const esp::SecurityAssociation* in = to->ipsec().sad().find(spi, esp::Direction::Inbound);
    ASSERT_NE(out, nullptr);
    ASSERT_NE(in, nullptr);
    EXPECT_EQ(out->mode(), esp::Mode::Tunnel);
    EXPECT_EQ(in->mode(), esp::Mode::Tunnel);
  }
  // Same keys: what the home agent protects for the example home address, the mobile node opens.
  const Ipv6Address home = Ipv6Address::parse("2001:db8:10::50").value();
  EspPayloadStage ha_stage(ha, TunnelEnd::HomeAgent);
  EspPayloadStage mn_stage(mn, TunnelEnd::MobileNode);
  PacketBuffer packet = buffer(udpPacket(kCn, home));
  dsmip6::TunnelHeaders tunnel;
  tunnel.encapsulation = dsmip6::Encapsulation::Ipv6;
  tunnel.ipv6_source = Ipv6Address::parse("2001:db8:10::100").value();
  tunnel.ipv6_destination = kCoa;
  ASSERT_EQ(ha_stage.protect(packet, tunnel, kT0), EspPayloadStage::Outcome::Protected);
  EXPECT_TRUE(mn_stage.open(packet, Transport::ipv6(), kT0));
}

}  // namespace
}  // namespace dsmip::daemon
