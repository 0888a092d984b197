// What the DSMIPv4 cores put on the wire, as Wireshark reads it: a registration exchange
// between the mobile node and home agent cores through a NAT (DSMIPv4 152 sub-types 1–3, UDP
// Tunnel Request and Reply, MN-HA authentication), a keep-alive and its answer, and data in
// every tunnel form the cores choose (Tunnel Data with Next Header 4 and 41, IP-in-IP, IPv6 in
// IPv4, double encapsulation). Raw IPv4 frames (LINKTYPE_IPV4) in a pcap, read by tshark.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/random.hpp"
#include "dsmip4_test_util.hpp"
#include "test_support/environment.hpp"

namespace dsmip::dsmip4::test {
namespace {

void writeLe(std::ofstream& out, std::uint32_t v, int octets) {
  for (int i = 0; i < octets; ++i) out.put(static_cast<char>(v >> (8 * i)));
}

void writePcap(const std::filesystem::path& path, const std::vector<Bytes>& frames) {
  std::ofstream out(path, std::ios::binary);
  writeLe(out, 0xa1b2c3d4, 4);
  writeLe(out, 2, 2);
  writeLe(out, 4, 2);
  writeLe(out, 0, 4);
  writeLe(out, 0, 4);
  writeLe(out, 65535, 4);
  writeLe(out, 228, 4);  // LINKTYPE_IPV4
  std::uint32_t second = 1;
  for (const Bytes& f : frames) {
    writeLe(out, second++, 4);
    writeLe(out, 0, 4);
    writeLe(out, static_cast<std::uint32_t>(f.size()), 4);
    writeLe(out, static_cast<std::uint32_t>(f.size()), 4);
    for (const std::uint8_t byte : f) out.put(static_cast<char>(byte));
  }
}

std::string run(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  std::array<char, 4096> chunk{};
  std::size_t n = 0;
  while ((n = std::fread(chunk.data(), 1, chunk.size(), pipe)) > 0) output.append(chunk.data(), n);
  pclose(pipe);
  return output;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

/// A datagram as the daemon's UDP socket would send it.
Bytes udpFrame(const SendDatagram& s) {
  PacketBuffer b = bufferOf(s.payload);
  EXPECT_TRUE(wire::prependUdp(b, s.source.port, s.destination.port,
                               wire::UdpOverIpv4{s.source.address, s.destination.address, true}));
  wire::Ipv4Header h;
  h.protocol = wire::ip_protocol::kUdp;
  h.source = s.source.address;
  h.destination = s.destination.address;
  EXPECT_TRUE(wire::prependIpv4(b, h));
  return bytesOf(b);
}

/// The NAT's view: the same datagram with the MN's source replaced by the NAT's endpoint.
SendDatagram natted(SendDatagram s) {
  s.source = Ipv4Endpoint{kNatAddress, kNatPort};
  return s;
}

Bytes encapsulated(const Bytes& packet, const SendDecision& d) {
  EXPECT_EQ(d.verdict, SendVerdict::Tunnel);
  PacketBuffer b = bufferOf(packet);
  EXPECT_TRUE(applyEncapsulation(b, d.encapsulation));
  return bytesOf(b);
}

TEST(Dsmip4TsharkTest, DissectorReadsWhatTheCoresSend) {
  DSMIP_REQUIRE_TOOL("tshark");
  HomeAgentConfig ha_config = haConfig();
  ha_config.mobile_nodes[0].prefixes.push_back(
      PrefixGrant{p6("2001:db8:ff10::/48"), PrefixTunnelPolicy::HomeAddressOnly});
  HomeAgent ha{ha_config};
  MobileNodeConfig mn_config = mnConfig();
  mn_config.prefixes.push_back(PrefixRequest{p6("2001:db8:ff10::/48"), false, std::nullopt});
  SeededRandom random{11};
  MobileNode mn{mn_config, random};
  std::vector<Bytes> frames;
  const TimePoint t{};

  // Registration from behind the NAT.
  const auto request =
      sends(mn.onCareOfChange(CareOfAddress{kPrivateCoa, kMnPort, "wlan0"}, t, kUnixStart));
  ASSERT_EQ(request.size(), 1u);
  frames.push_back(udpFrame(natted(request[0])));
  const auto ha_actions = ha.onRegistrationRequest(
      request[0].payload, {{kNatAddress, kNatPort}, {kHa, 434}}, t, kUnixStart);
  const auto reply = sends(ha_actions);
  ASSERT_EQ(reply.size(), 1u);
  frames.push_back(udpFrame(reply[0]));
  (void)mn.onRegistrationReply(reply[0].payload, reply[0].source, t, kUnixStart);
  ASSERT_EQ(mn.state(), MobileNodeState::Registered);

  // A keep-alive and the HA's answer.
  const auto keepalive = sends(mn.onTimer(t + std::chrono::seconds{110}, kUnixStart));
  ASSERT_EQ(keepalive.size(), 1u);
  frames.push_back(udpFrame(natted(keepalive[0])));
  PacketBuffer ka = bufferOf(keepalive[0].payload);
  const ReceiveDecision answer =
      ha.onUdpTunnelData(ka, {{kNatAddress, kNatPort}, {kHa, 434}}, std::nullopt, t);
  ASSERT_EQ(answer.verdict, ReceiveVerdict::Reply);
  ASSERT_TRUE(applyEncapsulation(ka, answer.reply));
  frames.push_back(bytesOf(ka));

  // Home side → MN through the UDP tunnel: IPv4, IPv6 code 1 (Next Header 41), IPv6 code 0.
  for (const Bytes& packet :
       {ipv4Packet(kCorrespondent, kHoa), ipv6Packet(v6("2001:db8:99::1"), v6("2001:db8:abcd::1")),
        ipv6Packet(v6("2001:db8:99::1"), v6("2001:db8:ff10::1"))}) {
    PacketBuffer b = bufferOf(packet);
    frames.push_back(encapsulated(packet, ha.forwardFromHome(b, t)));
  }
  // MN → HA on a public network (IP-in-IP family): IPv4, IPv6 code 1, IPv6 code 0.
  HomeAgent public_ha{ha_config};
  MobileNodeConfig ipip_config = mn_config;
  ipip_config.request_udp_tunnel = false;
  MobileNode public_mn{ipip_config, random};
  const auto public_request =
      sends(public_mn.onCareOfChange(CareOfAddress{kCoa, kMnPort, "eth0"}, t, kUnixStart));
  const auto public_reply = sends(public_ha.onRegistrationRequest(
      public_request.at(0).payload, {{kCoa, kMnPort}, {kHa, 434}}, t, kUnixStart));
  (void)public_mn.onRegistrationReply(public_reply.at(0).payload, public_reply.at(0).source, t,
                                      kUnixStart);
  ASSERT_EQ(public_mn.state(), MobileNodeState::Registered);
  for (const Bytes& packet :
       {ipv4Packet(kHoa, kCorrespondent), ipv6Packet(v6("2001:db8:abcd::1"), v6("2001:db8:99::1")),
        ipv6Packet(v6("2001:db8:ff10::1"), v6("2001:db8:99::1"))}) {
    PacketBuffer b = bufferOf(packet);
    frames.push_back(encapsulated(packet, public_mn.encapsulate(b, t)));
  }
  // The deregistration.
  const auto deregistration = sends(public_mn.onStop(t, kUnixStart));
  ASSERT_EQ(deregistration.size(), 1u);
  frames.push_back(udpFrame(deregistration[0]));

  const auto path = std::filesystem::path(testing::TempDir()) /
                    ("dsmip4_tshark_" + std::to_string(getpid()) + ".pcap");
  writePcap(path, frames);
  const std::string fields =
      run("tshark -r '" + path.string() +
          "' -T fields -E separator='|' -E occurrence=a -E aggregator=, "
          "-e frame.protocols -e mip.type -e mip.ext.type -e mip.nattt.nexthdr -e mip.life "
          "2>/dev/null");
  const std::string expert = run("tshark -r '" + path.string() + "' -z expert -q 2>/dev/null");
  std::filesystem::remove(path);

  const auto rows = lines(fields);
  ASSERT_EQ(rows.size(), frames.size()) << fields;
  const std::vector<std::string> expected = {
      // request: 152/1 ×2, 152/3, 144, MN-HA auth
      "ip:udp:mip|1|152,152,152,144,32||600",
      // reply: 152/2 ×2, 44, MN-HA auth
      "ip:udp:mip|3|152,152,44,32||600",
      "ip:udp:mip:ip:icmp|4||4|",
      "ip:udp:mip:ip:icmp|4||4|",
      "ip:udp:mip:ip:udp:data|4||4|",
      // Next Header 41: Wireshark hands the payload to its IP dissector, which finds IPv6.
      "ip:udp:mip:ip:ipv6:udp:data|4||41|",
      "ip:udp:mip:ip:ipv6:udp:data|4||4|",
      "ip:ip:udp:data||||",
      "ip:ipv6:udp:data||||",
      "ip:ip:ipv6:udp:data||||",
      "ip:udp:mip|1|32||0",
  };
  ASSERT_EQ(expected.size(), frames.size());
  for (std::size_t i = 0; i < rows.size(); ++i)
    EXPECT_EQ(rows[i], expected[i]) << "frame " << i + 1;
  EXPECT_EQ(expert.find("Malformed"), std::string::npos) << expert;
  EXPECT_EQ(expert.find("Errors"), std::string::npos) << expert;
  EXPECT_EQ(expert.find("Warns"), std::string::npos) << expert;
}

}  // namespace
}  // namespace dsmip::dsmip4::test
