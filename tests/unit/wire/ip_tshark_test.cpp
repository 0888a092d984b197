// What the IP-layer encoders emit, as an independent dissector (tshark) reads it: field values
// and checksum status. Skips (or fails under DSMIP_NO_SKIP=1) without tshark.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "ip_golden.hpp"
#include "test_support/environment.hpp"
#include "wire/icmpv4.hpp"
#include "wire/icmpv6.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"
#include "wire/m6t_keepalive.hpp"
#include "wire/udp.hpp"

namespace dsmip::wire {
namespace {

using golden::v4;
using golden::v6;

// Writes `packets` as a pcap file of raw IP packets (LINKTYPE_RAW = 101), big-endian.
void writePcap(const std::filesystem::path& path, const std::vector<Bytes>& packets) {
  Bytes file;
  auto u32 = [&](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
      file.push_back(static_cast<std::uint8_t>(v >> shift));
  };
  auto u16 = [&](std::uint16_t v) {
    file.push_back(static_cast<std::uint8_t>(v >> 8));
    file.push_back(static_cast<std::uint8_t>(v));
  };
  u32(0xa1b2c3d4);
  u16(2);
  u16(4);
  u32(0);
  u32(0);
  u32(65535);
  u32(101);
  for (const Bytes& p : packets) {
    u32(0);
    u32(0);
    u32(static_cast<std::uint32_t>(p.size()));
    u32(static_cast<std::uint32_t>(p.size()));
    file.insert(file.end(), p.begin(), p.end());
  }
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(std::fwrite(file.data(), 1, file.size(), f), file.size());
  std::fclose(f);
}

// Runs tshark over the file and returns one line per packet with the requested fields,
// separated by '|'.
std::vector<std::string> tsharkFields(const std::filesystem::path& path,
                                      const std::vector<std::string>& fields) {
  std::string cmd = "tshark -n -r '" + path.string() +
                    "' -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE"
                    " -T fields -E separator='|' -E occurrence=a -E aggregator=','";
  for (const auto& f : fields) cmd += " -e " + f;
  cmd += " 2>/dev/null";
  std::vector<std::string> lines;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return lines;
  std::string current;
  int c = 0;
  while ((c = std::fgetc(pipe)) != EOF) {
    if (c == '\n') {
      lines.push_back(current);
      current.clear();
    } else {
      current.push_back(static_cast<char>(c));
    }
  }
  ::pclose(pipe);
  return lines;
}

class IpTsharkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("dsmip-wire-ip-tshark-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<std::string> run(const std::vector<Bytes>& packets,
                               const std::vector<std::string>& fields) {
    const auto path = dir_ / "packets.pcap";
    writePcap(path, packets);
    return tsharkFields(path, fields);
  }

  std::filesystem::path dir_;
};

Bytes bytesOf(const PacketBuffer& b) { return Bytes(b.data().begin(), b.data().end()); }

TEST_F(IpTsharkTest, Ipv4UdpAndIcmpv4) {
  DSMIP_REQUIRE_TOOL("tshark");
  std::vector<Bytes> packets;
  {
    PacketBuffer b;
    ASSERT_TRUE(b.assign(golden::hex("0102030405")));
    const UdpOverIpv4 ctx{v4("192.0.2.10"), v4("198.51.100.1")};
    ASSERT_TRUE(prependUdp(b, 49152, udp_port::kDsmipv6, ctx).has_value());
    Ipv4Header h;
    h.tos = 0xb9;
    h.identification = 777;
    h.protocol = ip_protocol::kUdp;
    h.source = ctx.source;
    h.destination = ctx.destination;
    ASSERT_TRUE(prependIpv4(b, h).has_value());
    packets.push_back(bytesOf(b));
  }
  {
    const Bytes invoking = golden::hex(golden::kIpv4Udp);
    PacketBuffer b;
    ASSERT_TRUE(buildIcmpv4FragmentationNeeded(b, invoking, 1400).has_value());
    Ipv4Header h;
    h.protocol = ip_protocol::kIcmp;
    h.source = v4("203.0.113.1");
    h.destination = v4("192.0.2.10");
    ASSERT_TRUE(prependIpv4(b, h).has_value());
    packets.push_back(bytesOf(b));
  }
  const auto lines =
      run(packets, {"ip.checksum.status", "ip.id", "ip.dsfield.dscp", "ip.dsfield.ecn",
                    "udp.srcport", "udp.dstport", "udp.checksum.status", "icmp.type", "icmp.code",
                    "icmp.mtu", "icmp.checksum.status", "_ws.malformed"});
  ASSERT_EQ(lines.size(), 2u);
  // Checksum status 1 = good. Identification 777 = 0x0309; ECN 1 = ECT(1).
  EXPECT_EQ(lines[0], "1|0x0309|46|1|49152|4191|1|||||");
  // The quoted packet is dissected too: its IPv4 and UDP values follow the outer ones.
  EXPECT_EQ(lines[1], "1,1|0x0000,0x1234|0,46|0,0|49152|4191|1|3|4|1400|1|");
}

TEST_F(IpTsharkTest, Ipv6WithRoutingHeaderAndHomeAddressOption) {
  DSMIP_REQUIRE_TOOL("tshark");
  const Ipv6Address coa = v6("2001:db8:c0a::5");
  const Ipv6Address cn = v6("2001:db8:c0a::6");
  const Ipv6Address hoa = v6("2001:db8:1::5");
  const Ipv6Address hoa_peer = v6("2001:db8:1::6");
  PacketBuffer b;
  ASSERT_TRUE(b.assign(golden::hex("70696e67")));
  // Checksum over the home addresses (HAO source, RH2 final destination).
  ASSERT_TRUE(prependIcmpv6EchoRequest(b, 0x1234, 9, hoa, hoa_peer).has_value());
  Ipv6Header h;
  h.next_header = ip_protocol::kIcmpv6;
  h.source = coa;
  h.destination = cn;
  Ipv6Extensions ext;
  ext.home_address = hoa;
  ext.routing_home_address = hoa_peer;
  ASSERT_TRUE(prependIpv6(b, h, ext).has_value());
  const auto lines =
      run({bytesOf(b)},
          {"ipv6.plen", "ipv6.routing.type", "ipv6.routing.segleft",
           "ipv6.routing.mipv6.home_address", "ipv6.opt.mipv6.home_address", "icmpv6.type",
           "icmpv6.echo.identifier", "icmpv6.checksum.status", "_ws.malformed"});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "60|2|1|2001:db8:1::6|2001:db8:1::5|128|0x1234|1|");
}

TEST_F(IpTsharkTest, Icmpv6MobileIpv6Messages) {
  DSMIP_REQUIRE_TOOL("tshark");
  const Ipv6Address ha = v6("2001:db8:1::1");
  const Ipv6Address mn = v6("2001:db8:1::5");
  std::vector<Bytes> packets;
  auto finish = [&](PacketBuffer& b, const Ipv6Address& src, const Ipv6Address& dst) {
    Ipv6Header h;
    h.next_header = ip_protocol::kIcmpv6;
    h.source = src;
    h.destination = dst;
    ASSERT_TRUE(prependIpv6(b, h).has_value());
    packets.push_back(bytesOf(b));
  };
  PacketBuffer b1;
  const Ipv6Address agents[] = {ha, v6("2001:db8:1::2")};
  ASSERT_TRUE(buildHomeAgentAddressDiscoveryReply(b1, 0x0a0b, false, agents, ha, mn).has_value());
  finish(b1, ha, mn);
  PacketBuffer b2;
  PrefixInformation p;
  p.prefix_length = 64;
  p.on_link = true;
  p.autonomous = true;
  p.router_address = true;
  p.valid_lifetime = 3600;
  p.preferred_lifetime = 1800;
  p.prefix = ha;
  const PrefixInformation prefixes[] = {p};
  ASSERT_TRUE(buildMobilePrefixAdvertisement(b2, 0x0c0d, true, true, prefixes, ha, mn).has_value());
  finish(b2, ha, mn);
  PacketBuffer b3;
  const Bytes big(1400, 0x60);
  ASSERT_TRUE(buildIcmpv6PacketTooBig(b3, big, 1280, ha, mn).has_value());
  finish(b3, ha, mn);
  PacketBuffer b4;
  ASSERT_TRUE(buildM6tKeepalive(b4, v6("fd00:1:2:3:4:5:6:7")).has_value());
  packets.push_back(bytesOf(b4));

  const auto lines =
      run(packets, {"frame.len", "icmpv6.type", "icmpv6.checksum.status", "icmpv6.mip6.identifier",
                    "icmpv6.mip6.home_agent_address", "icmpv6.mip6.flag.m", "icmpv6.mip6.flag.o",
                    "icmpv6.opt.prefix.flag.r", "icmpv6.opt.prefix", "icmpv6.mtu", "ipv6.nxt",
                    "ipv6.hlim", "_ws.malformed"});
  ASSERT_EQ(lines.size(), 4u);
  // Checksum status 1 = good; identifiers 0x0a0b = 2571, 0x0c0d = 3085.
  EXPECT_EQ(lines[0], "80|145|1|2571|2001:db8:1::1,2001:db8:1::2||||||58|64|");
  EXPECT_EQ(lines[1], "80|147|1|3085||1|1|1|2001:db8:1::1||58|64|");
  // Packet Too Big fills the IPv6 minimum MTU exactly; the quoted packet (octets 0x60) is
  // dissected as an IPv6 header with Next Header and Hop Limit 96.
  EXPECT_EQ(lines[2], "1280|2|1|||||||1280|58,96|64,96|");
  EXPECT_EQ(lines[3], "40||||||||||59|255|");
}

}  // namespace
}  // namespace dsmip::wire
