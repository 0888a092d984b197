// What our Mobile IPv4 encoders emit, as Wireshark's dissector reads it: a pcap of raw IPv4
// (LINKTYPE_IPV4, 228) frames carrying UDP/434 with a DSMIPv4 registration request, its reply
// and two Tunnel Data messages. The IPv4 and UDP headers are assembled inline here so that this
// test depends only on the Mobile IPv4 codec and the checksum helpers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_support/environment.hpp"
#include "wire/checksum.hpp"
#include "wire/mipv4.hpp"
#include "wire/mipv4_auth.hpp"

namespace dsmip::wire {
namespace {

constexpr std::uint16_t kMnPort = 45000;

Ipv4Address v4(std::string_view text) { return *Ipv4Address::parse(text); }
Ipv6Address v6(std::string_view text) { return *Ipv6Address::parse(text); }

Bytes hex(std::string_view text) {
  Bytes out;
  EXPECT_TRUE(fromHex(text, out)) << text;
  return out;
}

// Prepends UDP and IPv4 headers (with checksums) to the payload in `buffer`.
void prependUdpIpv4(PacketBuffer& buffer, Ipv4Address src, Ipv4Address dst, std::uint16_t sport,
                    std::uint16_t dport) {
  const auto udp_length = static_cast<std::uint16_t>(buffer.size() + 8);
  MutableByteView udp = buffer.prepend(8);
  ASSERT_EQ(udp.size(), 8u);
  ByteWriter u{udp};
  u.u16(sport);
  u.u16(dport);
  u.u16(udp_length);
  u.u16(0);
  std::uint16_t checksum = ipv4PseudoChecksum(src, dst, 17, buffer.data());
  if (checksum == 0) checksum = 0xFFFF;  // RFC 768: 0 means "no checksum"
  u.patchU16(6, checksum);

  const auto total = static_cast<std::uint16_t>(buffer.size() + 20);
  MutableByteView ip = buffer.prepend(20);
  ASSERT_EQ(ip.size(), 20u);
  ByteWriter w{ip};
  w.u8(0x45);
  w.u8(0);
  w.u16(total);
  w.u16(0);       // identification
  w.u16(0x4000);  // DF
  w.u8(64);
  w.u8(17);
  w.u16(0);
  w.u32(src.toU32());
  w.u32(dst.toU32());
  w.patchU16(10, internetChecksum(ip));
}

Bytes udpIpv4(ByteView payload, Ipv4Address src, Ipv4Address dst, std::uint16_t sport,
              std::uint16_t dport) {
  PacketBuffer buffer;
  EXPECT_TRUE(buffer.assign(payload));
  prependUdpIpv4(buffer, src, dst, sport, dport);
  return Bytes(buffer.data().begin(), buffer.data().end());
}

void writeLe32(std::ofstream& out, std::uint32_t v) {
  const std::array<char, 4> b{static_cast<char>(v), static_cast<char>(v >> 8),
                              static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
  out.write(b.data(), 4);
}
void writeLe16(std::ofstream& out, std::uint16_t v) {
  const std::array<char, 2> b{static_cast<char>(v), static_cast<char>(v >> 8)};
  out.write(b.data(), 2);
}

void writePcap(const std::filesystem::path& path, const std::vector<Bytes>& frames) {
  std::ofstream out(path, std::ios::binary);
  writeLe32(out, 0xa1b2c3d4);  // microsecond pcap, little-endian
  writeLe16(out, 2);
  writeLe16(out, 4);
  writeLe32(out, 0);  // thiszone
  writeLe32(out, 0);  // sigfigs
  writeLe32(out, 65535);
  writeLe32(out, 228);  // LINKTYPE_IPV4
  std::uint32_t second = 1;
  for (const Bytes& f : frames) {
    writeLe32(out, second++);
    writeLe32(out, 0);
    writeLe32(out, static_cast<std::uint32_t>(f.size()));
    writeLe32(out, static_cast<std::uint32_t>(f.size()));
    for (std::uint8_t byte : f) out.put(static_cast<char>(byte));
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

std::vector<std::vector<std::string>> splitTable(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> cells;
    std::size_t start = 0;
    while (true) {
      const std::size_t bar = line.find('|', start);
      cells.push_back(line.substr(start, bar == std::string::npos ? bar : bar - start));
      if (bar == std::string::npos) break;
      start = bar + 1;
    }
    rows.push_back(std::move(cells));
  }
  return rows;
}

Mipv4AuthKey testKey() {
  return Mipv4AuthKey{0x1000, Mipv4AuthAlgorithm::HmacMd5, hex("000102030405060708090a0b0c0d0e0f")};
}

Bytes requestPayload() {
  RegistrationRequest r;
  r.flags.decapsulation_by_mobile_node = true;
  r.flags.reverse_tunneling = true;
  r.lifetime = 600;
  r.home_address = v4("10.1.0.5");
  r.home_agent = v4("203.0.113.1");
  r.care_of_address = v4("192.168.1.20");
  r.identification = 0xe6a0b2c312345678ULL;
  r.extensions = {
      Ipv6PrefixRequestExtension{48, v6("2001:db8:abcd::")},
      Ipv6TunnelingModeExtension{},
      UdpTunnelRequestExtension{0, true, false, 0, kUdpTunnelEncapsulationFromFlags},
  };
  Bytes buffer(512);
  ByteWriter out{buffer};
  EXPECT_TRUE(encodeAuthenticatedRegistrationRequest(r, testKey(), out));
  buffer.resize(out.size());
  return buffer;
}

Bytes replyPayload() {
  RegistrationReply r;
  r.code = RegistrationReplyCode::Accepted;
  r.lifetime = 600;
  r.home_address = v4("10.1.0.5");
  r.home_agent = v4("203.0.113.1");
  r.identification = 0xe6a0b2c312345678ULL;
  r.extensions = {
      Ipv6PrefixReplyExtension{Ipv6PrefixReplyCode::AcceptedTunnelToCareOfAddress, 48,
                               v6("2001:db8:abcd::")},
      UdpTunnelReplyExtension{UdpTunnelReplyCode::WillTunnel, true, 110},
  };
  Bytes buffer(512);
  ByteWriter out{buffer};
  EXPECT_TRUE(encodeAuthenticatedRegistrationReply(r, testKey(), out));
  buffer.resize(out.size());
  return buffer;
}

Bytes tunnelFrame(std::uint8_t next_header, ByteView inner) {
  PacketBuffer buffer;
  EXPECT_TRUE(buffer.assign(inner));
  EXPECT_TRUE(prependTunnelData(buffer, next_header));
  prependUdpIpv4(buffer, v4("198.51.100.7"), v4("203.0.113.1"), kMnPort, kMipv4Port);
  return Bytes(buffer.data().begin(), buffer.data().end());
}

TEST(Mipv4TsharkTest, DissectorReadsOurMessages) {
  DSMIP_REQUIRE_TOOL("tshark");
  // The request arrives through a NAT (source 198.51.100.7, CoA field 192.168.1.20).
  const std::vector<Bytes> frames = {
      udpIpv4(requestPayload(), v4("198.51.100.7"), v4("203.0.113.1"), kMnPort, kMipv4Port),
      udpIpv4(replyPayload(), v4("203.0.113.1"), v4("198.51.100.7"), kMipv4Port, kMnPort),
      // IPv4 in UDP: an ICMP echo request from the home address (generated with scapy).
      tunnelFrame(kTunnelDataNextHeaderIpv4,
                  hex("4500001c000100004001ae770a010005c00002630800f7f700070001")),
      // IPv6 in UDP (RFC 5454 §3.9): an IPv6 header with No Next Header.
      tunnelFrame(kTunnelDataNextHeaderIpv6,
                  hex("6000000000003b4020010db8abcd000000000000000000012001"
                      "0db8000000000000000000000099")),
  };
  const auto path = std::filesystem::path(testing::TempDir()) /
                    ("mipv4_tshark_" + std::to_string(getpid()) + ".pcap");
  writePcap(path, frames);

  const std::string fields =
      run("tshark -r '" + path.string() +
          "' -T fields -E separator='|' -E occurrence=a -E aggregator=, "
          "-e mip.type -e mip.code -e mip.ext.type -e mip.ext.utrq.f -e mip.ext.utrq.encaptype "
          "-e mip.ext.utrp.code -e mip.ext.utrp.f -e mip.ext.utrp.keepalive "
          "-e mip.nattt.nexthdr -e mip.auth.spi -e mip.life -e mip.homeaddr -e mip.coa "
          "-e frame.protocols -e ipv6.dst 2>/dev/null");
  const std::string expert = run("tshark -r '" + path.string() + "' -z expert -q 2>/dev/null");
  std::filesystem::remove(path);

  const auto rows = splitTable(fields);
  ASSERT_EQ(rows.size(), 4u) << fields;
  for (const auto& row : rows) ASSERT_EQ(row.size(), 15u) << fields;

  // Frame 1: registration request with DSMIPv4 152/1 and 152/3, UDP Tunnel Request, MN-HA auth.
  EXPECT_EQ(rows[0][0], "1");
  EXPECT_EQ(rows[0][2], "152,152,144,32");
  EXPECT_EQ(rows[0][3], "1");  // F
  EXPECT_EQ(rows[0][4], "0");  // encapsulation from flags, as RFC 5454 §3.9 requires
  EXPECT_EQ(rows[0][9], "0x00001000");
  EXPECT_EQ(rows[0][10], "600");
  EXPECT_EQ(rows[0][11], "10.1.0.5");
  EXPECT_EQ(rows[0][12], "192.168.1.20");

  // Frame 2: reply with 152/2, UDP Tunnel Reply, MN-HA auth.
  EXPECT_EQ(rows[1][0], "3");
  EXPECT_EQ(rows[1][1], "0");
  EXPECT_EQ(rows[1][2], "152,44,32");
  EXPECT_EQ(rows[1][5], "0");
  EXPECT_EQ(rows[1][6], "1");
  EXPECT_EQ(rows[1][7], "110");
  EXPECT_EQ(rows[1][9], "0x00001000");

  // Frames 3 and 4: Tunnel Data; the dissector follows Next Header into the inner packet.
  EXPECT_EQ(rows[2][0], "4");
  EXPECT_EQ(rows[2][8], "4");
  EXPECT_EQ(rows[2][13], "ip:udp:mip:ip:icmp");
  EXPECT_EQ(rows[3][0], "4");
  EXPECT_EQ(rows[3][8], "41");
  EXPECT_NE(rows[3][13].find("ipv6"), std::string::npos) << rows[3][13];
  EXPECT_EQ(rows[3][14], "2001:db8::99");

  // No expert entries of severity error or warning, nothing malformed.
  EXPECT_EQ(expert.find("Malformed"), std::string::npos) << expert;
  EXPECT_EQ(expert.find("Errors"), std::string::npos) << expert;
  EXPECT_EQ(expert.find("Warns"), std::string::npos) << expert;
}

}  // namespace
}  // namespace dsmip::wire
