// Wireshark as an independent oracle for the signalling the two cores emit: a registration from
// an IPv6 care-of address (BU with a Home Address option, BA with a type 2 routing header) and
// one from behind a NAT (BU and BA in UDP 4191 with the DSMIPv6 options), each packet wrapped in
// its transport exactly as a daemon puts it on the wire, then dissected by tshark: the expected
// flags and options, and no malformed packet.

#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dsmip6/home_agent.hpp"
#include "dsmip6/mobile_node.hpp"
#include "mn_test_util.hpp"
#include "test_support/environment.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/udp.hpp"

namespace dsmip::dsmip6::test {
namespace {

void putLe32(std::ofstream& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.put(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void putLe16(std::ofstream& out, std::uint16_t v) {
  out.put(static_cast<char>(v & 0xFF));
  out.put(static_cast<char>(v >> 8));
}

// Classic pcap, LINKTYPE_RAW (101): each packet starts with its IP header.
void writePcap(const std::filesystem::path& path, const std::vector<Bytes>& packets) {
  std::ofstream out(path, std::ios::binary);
  putLe32(out, 0xa1b2c3d4);
  putLe16(out, 2);
  putLe16(out, 4);
  putLe32(out, 0);
  putLe32(out, 0);
  putLe32(out, 65535);
  putLe32(out, 101);
  std::uint32_t second = 1;
  for (const Bytes& p : packets) {
    putLe32(out, second++);
    putLe32(out, 0);
    putLe32(out, static_cast<std::uint32_t>(p.size()));
    putLe32(out, static_cast<std::uint32_t>(p.size()));
    out.write(reinterpret_cast<const char*>(p.data()),  // NOLINT: byte output to a file
              static_cast<std::streamsize>(p.size()));
  }
}

std::string run(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  ::pclose(pipe);
  return output;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

class TempDir {
 public:
  TempDir()
      : path_(std::filesystem::temp_directory_path() /
              ("dsmip6-tshark-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The transport applied as the daemon does: nothing for IPv6, IPv4 + UDP for UdpIpv4.
Bytes onTheWire(const SendSignalling& send, std::optional<Ipv4Endpoint> nat_source = {}) {
  if (send.transport.kind == TransportKind::Ipv6) return send.packet;
  PacketBuffer b(send.packet.size() + 256, 128);
  EXPECT_TRUE(b.assign(send.packet, 128));
  const Ipv4Endpoint source = nat_source.value_or(send.transport.ipv4_source);
  EXPECT_TRUE(wire::prependUdp(
      b, source.port, send.transport.ipv4_destination.port,
      wire::UdpOverIpv4{source.address, send.transport.ipv4_destination.address, true}));
  wire::Ipv4Header h;
  h.protocol = wire::ip_protocol::kUdp;
  h.source = source.address;
  h.destination = send.transport.ipv4_destination.address;
  EXPECT_TRUE(wire::prependIpv4(b, h));
  return Bytes(b.data().begin(), b.data().end());
}

TEST(SignallingTsharkTest, EmittedBindingUpdatesAndAcksDissectCleanly) {
  DSMIP_REQUIRE_TOOL("tshark");
  SeededRandom random(9);
  HomeAgentConfig hc = testHomeAgentConfig();
  HomeAgent ha(hc, random);
  MobileNodeConfig mc = testMobileNodeConfig();
  mc.home_addresses = {kHoa2};
  mc.ipv4_home_address_mode = Ipv4HomeAddressMode::Dynamic;
  MobileNode mn(mc, random);
  std::vector<Bytes> wire_packets;
  const Ipv4Endpoint nat{kNat4, 40001};

  // 1-2: from an IPv6 care-of address.
  auto bu1 = actionsOf<SendSignalling>(mn.onCareOfAddresses({candidate(kCoa)}, kT0));
  ASSERT_EQ(bu1.size(), 1u);
  wire_packets.push_back(onTheWire(bu1[0]));
  auto ba1 = actionsOf<SendSignalling>(ha.onSignalling(bu1[0].packet, {}, kT0));
  ASSERT_EQ(ba1.size(), 1u);
  wire_packets.push_back(onTheWire(ba1[0]));
  (void)mn.onSignalling(ba1[0].packet, {}, kT0);
  // 3-4: behind a NAT (the BU leaves with the private address; the NAT rewrites it).
  auto bu2 = actionsOf<SendSignalling>(mn.onCareOfAddresses({candidate(kPrivateCoa4)}, kT0));
  ASSERT_EQ(bu2.size(), 1u);
  wire_packets.push_back(onTheWire(bu2[0]));
  Inbound seen{Transport::udp(nat, bu2[0].transport.ipv4_destination), false, {}};
  auto ba2 = actionsOf<SendSignalling>(ha.onSignalling(bu2[0].packet, seen, kT0));
  ASSERT_EQ(ba2.size(), 1u);
  wire_packets.push_back(onTheWire(ba2[0]));

  TempDir dir;
  const auto pcap = dir.path() / "signalling.pcap";
  writePcap(pcap, wire_packets);
  const std::string base = "tshark -n -r '" + pcap.string() + "' -d udp.port==4191,ipv6 ";

  // No malformed packet and no expert error anywhere; the same filter does catch a BU whose
  // options run past its end (the control, so that an empty answer means something).
  const std::string bad_filter = "-Y '_ws.malformed || _ws.expert.severity == error' 2>/dev/null";
  EXPECT_EQ(run(base + bad_filter), "");
  EXPECT_EQ(lines(run(base + "-Y 'mipv6 && !_ws.malformed' 2>/dev/null")).size(), 4u);
  Bytes broken = wire_packets[0];
  broken.resize(broken.size() - 8);  // the MH's Header Len now runs past the packet
  broken[5] = static_cast<std::uint8_t>(broken[5] - 8);
  const auto control = dir.path() / "control.pcap";
  writePcap(control, {broken});
  EXPECT_EQ(lines(run("tshark -n -r '" + control.string() + "' " + bad_filter)).size(), 1u);
  const auto fields = lines(
      run(base + "-T fields -E separator=';' -e ip.src -e ip.dst -e udp.dstport -e ipv6.src "
                 "-e ipv6.dst -e ipv6.routing.type -e ipv6.opt.mipv6.home_address -e mip6.mhtype "
                 "-e mip6.bu.a_flag -e mip6.bu.h_flag -e mip6.ba.status -e mip6.acoa.acoa "
                 "-e mip6.ipv4coa.addr -e mip6.ipv4ha.ha -e mip6.natd.refresh_t 2>/dev/null"));
  ASSERT_EQ(fields.size(), 4u) << ::testing::PrintToString(fields);
  // BU from the IPv6 CoA: Home Address option, Alternate CoA; A and H.
  EXPECT_EQ(fields[0],
            ";;;2001:db8:2::100;2001:db8:1::1;;2001:db8:1::200;5;1;1;;2001:db8:2::100;;0.0.0.0;");
  // BA to the CoA with a type 2 routing header; the IPv4 Address Ack's address shows under
  // the IPv4 HoA field in Wireshark 4.0.
  EXPECT_EQ(fields[1], ";;;2001:db8:1::1;2001:db8:2::100;2;;6;;;0;;;10.2.0.1;");
  // BU in UDP 4191 from the private address: inner source = HoA, IPv4 CoA option (D6).
  EXPECT_EQ(
      fields[2],
      "10.0.0.2;198.51.100.1;4191;2001:db8:1::200;2001:db8:1::1;;;5;1;1;;;10.0.0.2;10.2.0.1;");
  // BA in UDP to the NAT's mapping, no routing header (D5), NAT Detection with 110 s.
  EXPECT_EQ(fields[3],
            "198.51.100.1;203.0.113.5;40001;2001:db8:1::1;2001:db8:1::200;;;6;;;0;;;10.2.0.1;110");
}

}  // namespace
}  // namespace dsmip::dsmip6::test
