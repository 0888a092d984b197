// Wireshark as an independent oracle for what the encoder emits: DSMIPv6/NEMO/RR messages are
// wrapped in hand-built IPv6 headers (the IPv6 codec is written elsewhere), written to a pcap
// (LINKTYPE_RAW), dissected by tshark, and the dissected field values and expert info checked.

#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "test_support/environment.hpp"
#include "wire/mh.hpp"

namespace dsmip::wire {
namespace {

Ipv6Address v6(std::string_view text) { return Ipv6Address::parse(text).value(); }
Ipv4Address v4(std::string_view text) { return Ipv4Address::parse(text).value(); }

const Ipv6Address kHoa = v6("2001:db8:1::100");
const Ipv6Address kHa = v6("2001:db8:1::1");
const Ipv6Address kCn = v6("2001:db8:3::3");

// A 40-octet IPv6 header (RFC 8200 §3) with Next Header 135, then the MH.
Bytes ipv6Packet(const Ipv6Address& src, const Ipv6Address& dst, const Bytes& mh) {
  Bytes packet(40 + mh.size());
  ByteWriter out{packet};
  out.u32(0x60000000);  // version 6, traffic class 0, flow label 0
  out.u16(static_cast<std::uint16_t>(mh.size()));
  out.u8(kMhProtocol);
  out.u8(64);  // hop limit
  out.bytes(src.bytes);
  out.bytes(dst.bytes);
  out.bytes(mh);
  EXPECT_TRUE(out.ok());
  return packet;
}

Bytes mhBytes(const MobilityMessage& message, const Ipv6Address& src, const Ipv6Address& dst) {
  auto bytes = encodeMobilityHeader(message, src, dst);
  EXPECT_TRUE(bytes) << bytes.error().toString();
  return bytes ? *bytes : Bytes{};
}

void putLe32(std::ofstream& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.put(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void putLe16(std::ofstream& out, std::uint16_t v) {
  out.put(static_cast<char>(v & 0xFF));
  out.put(static_cast<char>(v >> 8));
}

// Classic pcap, microsecond timestamps, LINKTYPE_RAW (101: the packet starts with an IP header).
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
              ("dsmip-mh-tshark-" + std::to_string(::getpid()))) {
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

std::string tshark(const std::filesystem::path& pcap, const std::string& arguments) {
  return run("tshark -n -r '" + pcap.string() + "' " + arguments + " 2>/dev/null");
}

TEST(MhTsharkTest, WiresharkDissectsEncodedMessagesAsIntended) {
  DSMIP_REQUIRE_TOOL("tshark");
  TempDir dir;

  // 1. DSMIPv6 BU: A|H|F, IPv4 HoA asking for a /24 prefix (P), IPv4 HoA /32, IPv4 CoA.
  BindingUpdate bu;
  bu.sequence = 4242;
  bu.flags = kBuFlagAcknowledge | kBuFlagHomeRegistration | kBuFlagForceUdp;
  bu.lifetime_units = 75;
  bu.options = {Ipv4HomeAddressOption{24, true, v4("0.0.0.0")},
                Ipv4HomeAddressOption{32, false, v4("10.1.0.5")},
                Ipv4CareOfAddressOption{v4("192.0.2.10")}};
  // 2. BA: K|R, IPv4 Address Ack (success /24), NAT Detection (F, 110 s), Refresh Advice.
  BindingAck ba;
  ba.status = BindingAckStatus::Accepted;
  ba.flags = kBaFlagKeyManagement | kBaFlagMobileRouter;
  ba.sequence = 4242;
  ba.lifetime_units = 75;
  ba.options = {Ipv4AddressAckOption{Ipv4AckStatus::Success, 24, v4("10.1.2.0")},
                NatDetectionOption{true, 110}, BindingRefreshAdviceOption{60}};
  // 3. NEMO BU: A|H|R with an Alternate CoA and two Mobile Network Prefixes.
  BindingUpdate nemo;
  nemo.sequence = 9;
  nemo.flags = kBuFlagAcknowledge | kBuFlagHomeRegistration | kBuFlagMobileRouter;
  nemo.lifetime_units = 100;
  nemo.options = {AlternateCareOfAddressOption{v6("2001:db8:2::50")},
                  MobileNetworkPrefixOption{64, v6("2001:db8:77:1::")},
                  MobileNetworkPrefixOption{56, v6("2001:db8:78::")}};
  // 4. BU to a correspondent: Nonce Indices and Binding Authorization Data (moved last).
  BindingUpdate rr;
  rr.sequence = 77;
  rr.flags = kBuFlagAcknowledge;
  rr.lifetime_units = 10;
  rr.options = {BindingAuthorizationDataOption{Bytes(12, 0x5a)}, NonceIndicesOption{513, 1027}};
  // 5. A rejected BA (status 144, decision D2) with NAT Detection "no NAT".
  BindingAck refused;
  refused.status = kBaStatusCannotForceUdp;
  refused.sequence = 4243;
  refused.options = {NatDetectionOption{false, kNatRefreshNoNat}};
  // 6. Binding Error status 2.
  const BindingError be{BindingErrorStatus::UnrecognizedMhType, kHoa, {}};

  const std::vector<Bytes> packets = {
      ipv6Packet(kHoa, kHa, mhBytes(bu, kHoa, kHa)),
      ipv6Packet(kHa, kHoa, mhBytes(ba, kHa, kHoa)),
      ipv6Packet(kHoa, kHa, mhBytes(nemo, kHoa, kHa)),
      ipv6Packet(kHoa, kCn, mhBytes(rr, kHoa, kCn)),
      ipv6Packet(kHa, kHoa, mhBytes(refused, kHa, kHoa)),
      ipv6Packet(kHa, kCn, mhBytes(be, kHa, kCn)),
  };
  const auto pcap = dir.path() / "mh.pcap";
  writePcap(pcap, packets);

  // Header and BU/BA fields.
  const auto header =
      lines(tshark(pcap,
                   "-T fields -E separator=';' -e mip6.proto -e mip6.hlen -e mip6.mhtype "
                   "-e mip6.bu.seqnr -e mip6.bu.a_flag -e mip6.bu.h_flag -e mip6.nemo.bu.r_flag "
                   "-e mip6.bu.p_flag -e mip6.bu.f_flag -e mip6.bu.t_flag -e mip6.bu.lifetime "
                   "-e mip6.ba.status -e mip6.ba.k_flag -e mip6.nemo.ba.r_flag -e mip6.ba.t_flag "
                   "-e mip6.ba.seqnr -e mip6.ba.lifetime -e mip6.be.status -e mip6.be.haddr"));
  ASSERT_EQ(header.size(), 6u) << "tshark output: " << ::testing::PrintToString(header);
  EXPECT_EQ(header[0], "59;4;5;4242;1;1;0;0;1;0;75;;;;;;;;");
  EXPECT_EQ(header[1], "59;3;6;;;;;;;;;0;1;1;0;4242;75;;");
  EXPECT_EQ(header[2], "59;9;5;9;1;1;1;0;0;0;100;;;;;;;;");
  EXPECT_EQ(header[3], "59;3;5;77;1;0;0;0;0;0;10;;;;;;;;");
  EXPECT_EQ(header[4], "59;2;6;;;;;;;;;144;0;0;0;4243;0;;");
  EXPECT_EQ(header[5], "59;2;7;;;;;;;;;;;;;;;2;2001:db8:1::100");

  // DSMIPv6 options (RFC 5555 §3.1–§3.2). Wireshark 4.0 shows the IPv4 Address Ack's prefix
  // length and address under the IPv4 Home Address field names.
  const auto dsmip =
      lines(tshark(pcap,
                   "-T fields -E separator=';' -e mip6.ipv4ha.preflen -e mip6.ipv4ha.p_flag "
                   "-e mip6.ipv4ha.ha -e mip6.ipv4coa.addr -e mip6.ipv4aa.sts -e mip6.natd.f_flag "
                   "-e mip6.natd.refresh_t -e mip6.bra.interval"));
  ASSERT_EQ(dsmip.size(), 6u);
  EXPECT_EQ(dsmip[0], "24,32;1,0;0.0.0.0,10.1.0.5;192.0.2.10;;;;");
  EXPECT_EQ(dsmip[1], "24;;10.1.2.0;;0;1;110;60");
  EXPECT_EQ(dsmip[4], ";;;;;0;4294967295;");

  // NEMO and return-routability options.
  const auto classic =
      lines(tshark(pcap,
                   "-T fields -E separator=';' -e mip6.acoa.acoa -e mip6.nemo.mnp.pfl "
                   "-e mip6.nemo.mnp.mnp -e mip6.ni.hni -e mip6.ni.cni -e mip6.bad.auth"));
  ASSERT_EQ(classic.size(), 6u);
  EXPECT_EQ(classic[2], "2001:db8:2::50;64,56;2001:db8:77:1::,2001:db8:78::;;;");
  EXPECT_EQ(classic[3], ";;;513;1027;5a5a5a5a5a5a5a5a5a5a5a5a");

  // No malformed packet, no protocol warning, no error anywhere.
  const std::string expert = tshark(pcap, "-q -z expert");
  EXPECT_EQ(expert.find("Errors"), std::string::npos) << expert;
  EXPECT_EQ(expert.find("Warns"), std::string::npos) << expert;
  EXPECT_EQ(expert.find("Malformed"), std::string::npos) << expert;
}

TEST(MhTsharkTest, ExpertCheckDetectsABrokenOption) {
  // Control for the test above: the same check must fire on a packet with an IPv4 CoA option
  // of Length 7 (so a silent tshark really means "well formed").
  DSMIP_REQUIRE_TOOL("tshark");
  TempDir dir;
  Bytes mh;
  ASSERT_TRUE(fromHex("3b020500bf9c0007c000003220070000c000020a01020000", mh));
  const auto pcap = dir.path() / "broken.pcap";
  writePcap(pcap, {ipv6Packet(kHoa, kHa, mh)});
  const std::string expert = tshark(pcap, "-q -z expert");
  EXPECT_NE(expert.find("Warns"), std::string::npos) << expert;
}

}  // namespace
}  // namespace dsmip::wire
