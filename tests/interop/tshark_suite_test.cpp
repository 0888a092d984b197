// Suite-level oracle: Wireshark (tshark) dissects every packet of the suite (the ones in
// examples/captures/dsmip-suite.pcap: every MH message with representative options, the DSMIPv6
// UDP forms, IP-in-IP, m6t, Mobile IPv4 with DSMIPv4 extensions and tunnel data, the ICMP the
// protocols rely on, IPsec framing), and for each packet
//   - no frame is malformed and no expert entry is a warning or an error;
//   - tshark's protocol stack is the stack of layers our dissector finds;
//   - the field values tshark reads are the expected ones, and so are our dissector's.
// The per-codec tshark tests (tests/unit/wire/*tshark*) check the encoders alone; this one checks
// whole packets, encapsulations included, through `dsmip decode`'s dissector.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "oracle_support.hpp"
#include "suite_packets.hpp"
#include "test_support/environment.hpp"
#include "wire/dissect.hpp"

namespace dsmip::interop {
namespace {

constexpr std::uint32_t kLinkTypeEthernet = 1;

// A field read by tshark and the same field read by our dissector (either may be empty).
struct Check {
  std::string_view packet;
  std::string_view tshark_field;
  std::string_view tshark_value;
  std::string_view ours;
  std::string_view ours_value;
};

// clang-format off
const std::vector<Check> kChecks = {
    // DSMIPv6 from an IPv6 care-of address, with the Home Address option and RH2.
    {"dsmip6-bu-ipv6", "ipv6.src", "2001:db8:2::50", "ipv6.source", "2001:db8:2::50"},
    {"dsmip6-bu-ipv6", "ipv6.opt.mipv6.home_address", "2001:db8:1::100",
     "home-address-option.home_address", "2001:db8:1::100"},
    {"dsmip6-bu-ipv6", "mip6.mhtype", "5", "mh.mh_type", "5"},
    {"dsmip6-bu-ipv6", "mip6.bu.seqnr", "7", "mh.sequence", "7"},
    {"dsmip6-bu-ipv6", "mip6.bu.a_flag", "1", "mh.flags", "A|H"},
    {"dsmip6-bu-ipv6", "mip6.bu.h_flag", "1", "", ""},
    {"dsmip6-bu-ipv6", "mip6.bu.f_flag", "0", "", ""},
    {"dsmip6-bu-ipv6", "mip6.bu.lifetime", "50", "mh.lifetime_units", "50"},
    {"dsmip6-bu-ipv6", "mip6.ipv4ha.preflen", "32", "mh.options[0].prefix_length", "32"},
    {"dsmip6-bu-ipv6", "mip6.ipv4ha.p_flag", "0", "mh.options[0].p_flag", "false"},
    {"dsmip6-bu-ipv6", "mip6.ipv4ha.ha", "0.0.0.0", "mh.options[0].address", "0.0.0.0"},
    {"dsmip6-ba-ipv6", "ipv6.routing.type", "2", "type2-routing-header.segments_left", "1"},
    {"dsmip6-ba-ipv6", "ipv6.routing.mipv6.home_address", "2001:db8:1::100",
     "type2-routing-header.home_address", "2001:db8:1::100"},
    {"dsmip6-ba-ipv6", "mip6.ba.status", "0", "mh.status", "0"},
    {"dsmip6-ba-ipv6", "mip6.ba.seqnr", "7", "mh.sequence", "7"},
    {"dsmip6-ba-ipv6", "mip6.ba.lifetime", "50", "mh.lifetime_units", "50"},
    {"dsmip6-ba-ipv6", "mip6.ipv4aa.sts", "0", "mh.options[0].status", "0"},
    // Wireshark 4.0 shows the Acknowledgement's prefix length and address under ipv4ha names.
    {"dsmip6-ba-ipv6", "mip6.ipv4ha.preflen", "32", "mh.options[0].prefix_length", "32"},
    {"dsmip6-ba-ipv6", "mip6.ipv4ha.ha", "10.1.0.5", "mh.options[0].address", "10.1.0.5"},
    {"dsmip6-ba-ipv6", "mip6.bra.interval", "45", "mh.options[1].refresh_interval_units", "45"},
    // DSMIPv6 in UDP 4191 from a NATed IPv4 care-of address.
    {"dsmip6-bu-udp", "ip.src", "192.168.1.10", "ipv4.source", "192.168.1.10"},
    {"dsmip6-bu-udp", "udp.srcport", "50000", "udp.source_port", "50000"},
    {"dsmip6-bu-udp", "udp.dstport", "4191", "udp.destination_port", "4191"},
    {"dsmip6-bu-udp", "ipv6.src", "2001:db8:1::100", "ipv6.source", "2001:db8:1::100"},
    {"dsmip6-bu-udp", "mip6.bu.seqnr", "8", "mh.sequence", "8"},
    {"dsmip6-bu-udp", "mip6.ipv4ha.ha", "10.1.0.5", "mh.options[0].address", "10.1.0.5"},
    {"dsmip6-bu-udp", "mip6.ipv4coa.addr", "192.168.1.10", "mh.options[1].address",
     "192.168.1.10"},
    {"dsmip6-ba-udp", "udp.dstport", "61000", "udp.destination_port", "61000"},
    {"dsmip6-ba-udp", "mip6.ba.seqnr", "8", "mh.sequence", "8"},
    {"dsmip6-ba-udp", "mip6.ipv4aa.sts", "0", "mh.options[0].status", "0"},
    {"dsmip6-ba-udp", "mip6.natd.f_flag", "0", "mh.options[1].f_flag", "false"},
    {"dsmip6-ba-udp", "mip6.natd.refresh_t", "110", "mh.options[1].refresh_time", "110"},
    {"dsmip6-bu-udp-force", "mip6.bu.f_flag", "1", "mh.flags", "A|H|F"},
    {"dsmip6-bu-udp-force", "mip6.ipv4coa.addr", "192.168.1.10", "mh.options[0].address",
     "192.168.1.10"},
    {"dsmip6-ba-udp-refused", "mip6.ba.status", "144", "mh.status", "144"},
    {"dsmip6-ba-udp-refused", "mip6.natd.f_flag", "1", "mh.options[0].f_flag", "true"},
    {"dsmip6-ba-udp-refused", "mip6.natd.refresh_t", "4294967295", "mh.options[0].refresh_time",
     "4294967295"},
    {"dsmip6-udp-ipv6", "ipv6.src", "2001:db8:3::3", "ipv6.source", "2001:db8:3::3"},
    {"dsmip6-udp-ipv6", "icmpv6.type", "128", "icmpv6.type", "128"},
    {"dsmip6-udp-ipv4", "ip.src", "192.168.1.10,10.1.0.5", "ipv4[1].source", "10.1.0.5"},
    {"dsmip6-udp-ipv4", "icmp.type", "8", "icmpv4.type", "8"},
    // IP in IP.
    {"ipv6-in-ipv4", "ip.proto", "41", "ipv4.protocol", "41"},
    {"ipv6-in-ipv4", "ipv6.src", "2001:db8:1::100", "ipv6.source", "2001:db8:1::100"},
    {"ipv6-in-ipv4", "icmpv6.type", "128", "icmpv6.type", "128"},
    {"ipv4-in-ipv4", "ip.proto", "4,1", "ipv4[1].protocol", "1"},
    {"ipv4-in-ipv4", "ip.src", "192.168.1.10,10.1.0.5", "ipv4[1].source", "10.1.0.5"},
    {"ipv6-in-ipv6", "ipv6.nxt", "41,58", "ipv6.next_header", "41"},
    {"ipv6-in-ipv6", "ipv6.src", "2001:db8:1::1,2001:db8:3::3", "ipv6[1].source", "2001:db8:3::3"},
    {"ipv6-in-ipv6", "icmpv6.type", "129", "icmpv6.type", "129"},
    {"ipv4-in-ipv6", "ipv6.nxt", "4", "ipv6.next_header", "4"},
    {"ipv4-in-ipv6", "ip.src", "192.0.2.99", "ipv4.source", "192.0.2.99"},
    {"ipv4-in-ipv6", "icmp.type", "0", "icmpv4.type", "0"},
    // m6t on UDP 3544 (Wireshark reads it as Teredo, which without its optional headers is the
    // same framing).
    {"m6t-data", "udp.dstport", "3544", "udp.service", "m6t"},
    {"m6t-data", "ipv6.src", "fd12:3456:789a:1:0:1:a1b2:c3d4", "ipv6.source",
     "fd12:3456:789a:1:0:1:a1b2:c3d4"},
    {"m6t-data", "icmpv6.type", "128", "icmpv6.type", "128"},
    {"m6t-keepalive", "ipv6.dst", "fe80::1", "ipv6.destination", "fe80::1"},
    {"m6t-keepalive", "ipv6.nxt", "59", "ipv6.next_header", "59"},
    {"m6t-keepalive", "ipv6.plen", "0", "ipv6.payload_length", "0"},
    {"m6t-keepalive", "ipv6.hlim", "255", "m6t-keepalive.kind", "request"},
    {"m6t-keepalive-reply", "ipv6.src", "fe80::1", "m6t-keepalive.kind", "reply"},
    // Mobile IPv4 with DSMIPv4 (RFC 5454) and UDP tunnelling (RFC 3519).
    {"mip4-request", "mip.type", "1", "mipv4.type", "1"},
    {"mip4-request", "mip.flags", "0x22", "mipv4.flags", "D|T"},
    {"mip4-request", "mip.life", "300", "mipv4.lifetime", "300"},
    {"mip4-request", "mip.homeaddr", "10.2.0.7", "mipv4.home_address", "10.2.0.7"},
    {"mip4-request", "mip.haaddr", "198.51.100.1", "mipv4.home_agent", "198.51.100.1"},
    {"mip4-request", "mip.coa", "192.0.2.10", "mipv4.care_of_address", "192.0.2.10"},
    {"mip4-request", "mip.ext.type", "152,152,144,32", "mipv4.extensions[*].type",
     "152,152,144,32"},
    {"mip4-request", "mip.ext.utrq.f", "1", "mipv4.extensions[2].f_flag", "true"},
    {"mip4-request", "mip.ext.utrq.encaptype", "0", "mipv4.extensions[2].encapsulation", "0"},
    {"mip4-request", "mip.auth.spi", "0x00001000", "mipv4.extensions[3].spi", "0x00001000"},
    {"mip4-request", "", "", "mipv4.extensions[0].prefix", "2001:db8:40::"},
    {"mip4-reply", "mip.type", "3", "mipv4.type", "3"},
    {"mip4-reply", "mip.code", "0", "mipv4.code", "0"},
    {"mip4-reply", "mip.ext.type", "152,44,32", "mipv4.extensions[*].type", "152,44,32"},
    {"mip4-reply", "mip.ext.utrp.code", "0", "mipv4.extensions[1].reply_code", "0"},
    {"mip4-reply", "mip.ext.utrp.f", "1", "mipv4.extensions[1].f_flag", "true"},
    {"mip4-reply", "mip.ext.utrp.keepalive", "110", "mipv4.extensions[1].keepalive_interval",
     "110"},
    {"mip4-reply", "mip.auth.spi", "0x00001000", "mipv4.extensions[2].spi", "0x00001000"},
    {"mip4-tunnel-ipv4", "mip.type", "4", "mipv4.type", "4"},
    {"mip4-tunnel-ipv4", "mip.nattt.nexthdr", "4", "mipv4.next_header", "4"},
    {"mip4-tunnel-ipv4", "ip.src", "192.0.2.10,10.2.0.7", "ipv4[1].source", "10.2.0.7"},
    {"mip4-tunnel-ipv4", "icmp.type", "8", "icmpv4.type", "8"},
    {"mip4-tunnel-ipv6", "mip.nattt.nexthdr", "41", "mipv4.next_header", "41"},
    {"mip4-tunnel-ipv6", "ipv6.src", "2001:db8:40::7", "ipv6.source", "2001:db8:40::7"},
    // ICMP.
    {"icmpv6-packet-too-big", "icmpv6.type", "2", "icmpv6.type", "2"},
    {"icmpv6-packet-too-big", "icmpv6.mtu", "1400", "icmpv6.mtu", "1400"},
    {"icmpv6-packet-too-big", "ipv6.src", "2001:db8:2::1,2001:db8:1::1,2001:db8:3::3",
     "icmpv6.invoking_source", "2001:db8:1::1"},
    {"icmpv4-frag-needed", "icmp.type", "3", "icmpv4.type", "3"},
    {"icmpv4-frag-needed", "icmp.code", "4", "icmpv4.code", "4"},
    {"icmpv4-frag-needed", "icmp.mtu", "1400", "icmpv4.next_hop_mtu", "1400"},
    {"icmpv4-frag-needed", "udp.srcport", "50000,443", "icmpv4.invoking_source_port", "50000"},
    {"haad-request", "icmpv6.type", "144", "icmpv6.type", "144"},
    {"haad-request", "icmpv6.mip6.identifier", "257", "icmpv6.identifier", "257"},
    {"haad-reply", "icmpv6.type", "145", "icmpv6.type", "145"},
    {"haad-reply", "icmpv6.mip6.home_agent_address", "2001:db8:1::1,2001:db8:1::2",
     "icmpv6.home_agents[*].address", "2001:db8:1::1,2001:db8:1::2"},
    {"mps", "icmpv6.type", "146", "icmpv6.type", "146"},
    {"mps", "icmpv6.mip6.identifier", "514", "icmpv6.identifier", "514"},
    {"mpa", "icmpv6.type", "147", "icmpv6.type", "147"},
    {"mpa", "icmpv6.opt.prefix", "2001:db8:1::", "icmpv6.prefixes[0].prefix", "2001:db8:1::"},
    {"mpa", "icmpv6.opt.prefix.length", "64", "icmpv6.prefixes[0].prefix_length", "64"},
    // The other Mobility Header messages.
    {"mh-brr", "mip6.mhtype", "0", "mh.mh_type", "0"},
    {"mh-hoti", "mip6.mhtype", "1", "mh.mh_type", "1"},
    {"mh-hoti", "mip6.hoti.cookie", "0x0102030405060708", "mh.home_init_cookie",
     "0102030405060708"},
    {"mh-coti", "mip6.mhtype", "2", "mh.mh_type", "2"},
    {"mh-coti", "mip6.coti.cookie", "0x090a0b0c0d0e0f10", "mh.care_of_init_cookie",
     "090a0b0c0d0e0f10"},
    {"mh-hot", "mip6.mhtype", "3", "mh.mh_type", "3"},
    {"mh-hot", "mip6.hot.nindex", "3", "mh.home_nonce_index", "3"},
    {"mh-hot", "mip6.hot.token", "0xa1a2a3a4a5a6a7a8", "mh.home_keygen_token",
     "a1a2a3a4a5a6a7a8"},
    {"mh-cot", "mip6.mhtype", "4", "mh.mh_type", "4"},
    {"mh-cot", "mip6.cot.nindex", "4", "mh.care_of_nonce_index", "4"},
    {"mh-cot", "mip6.cot.cookie", "0x090a0b0c0d0e0f10", "mh.care_of_init_cookie",
     "090a0b0c0d0e0f10"},
    {"mh-bu-cn", "mip6.bu.h_flag", "0", "mh.flags", "A"},
    {"mh-bu-cn", "mip6.ni.hni", "3", "mh.options[0].home_nonce_index", "3"},
    {"mh-bu-cn", "mip6.ni.cni", "4", "mh.options[0].care_of_nonce_index", "4"},
    {"mh-bu-cn", "mip6.bad.auth", "5a7fa4c9ee13385d82a7ccf1", "mh.options[1].authenticator",
     "5a7fa4c9ee13385d82a7ccf1"},
    {"mh-ba-cn", "mip6.bra.interval", "10", "mh.options[0].refresh_interval_units", "10"},
    {"mh-ba-cn", "mip6.bad.auth", "6b90b5daff24496e93b8dd02", "mh.options[1].authenticator",
     "6b90b5daff24496e93b8dd02"},
    {"mh-be", "mip6.mhtype", "7", "mh.mh_type", "7"},
    {"mh-be", "mip6.be.status", "1", "mh.status", "1"},
    {"mh-be", "mip6.be.haddr", "2001:db8:1::100", "mh.home_address", "2001:db8:1::100"},
    {"mh-nemo-bu", "mip6.nemo.bu.r_flag", "1", "mh.flags", "A|H|R"},
    {"mh-nemo-bu", "mip6.acoa.acoa", "2001:db8:2::50", "mh.options[0].address",
     "2001:db8:2::50"},
    {"mh-nemo-bu", "mip6.nemo.mnp.pfl", "64,56", "mh.options[1].prefix_length", "64"},
    {"mh-nemo-bu", "mip6.nemo.mnp.mnp", "2001:db8:77:1::,2001:db8:78::", "mh.options[2].prefix",
     "2001:db8:78::"},
    {"mh-nemo-ba", "mip6.nemo.ba.r_flag", "1", "mh.flags", "R"},
    // IPsec framing.
    {"esp-ipv6", "esp.spi", "0x0000c0de", "esp.spi", "0x0000c0de"},
    {"esp-ipv6", "esp.sequence", "1", "esp.sequence", "1"},
    {"esp-in-udp", "esp.spi", "0x0000c0df", "esp.spi", "0x0000c0df"},
    {"esp-in-udp", "udp.dstport", "4500", "udp.service", "ike-nat-t"},
    {"ike-nat-t", "udpencap.non_esp_marker", "1", "ike.non_esp_marker", "true"},
    {"ike-nat-t", "isakmp.exchangetype", "34", "ike.length", "28"},
    {"nat-t-keepalive", "udpencap.nat_keepalive", "1", "nat-keepalive.length", "1"},
};
// clang-format on

// tshark's protocol names → our layer names; names mapped to "" have no counterpart.
std::vector<std::string> tsharkLayers(const std::string& protocols) {
  static const std::map<std::string, std::string> kNames = {
      {"eth", "ethernet"},
      {"ethertype", ""},
      {"ip", "ipv4"},
      {"ipv6", "ipv6"},
      {"ipv6.dstopts", "home-address-option"},
      {"ipv6.routing", "type2-routing-header"},
      {"udp", "udp"},
      {"mipv6", "mh"},
      {"icmpv6", "icmpv6"},
      {"icmp", "icmpv4"},
      {"mip", "mipv4"},
      {"esp", "esp"},
      {"isakmp", "ike"},
      {"teredo", ""},
      {"udpencap", ""},
      {"data", ""},
  };
  std::vector<std::string> out;
  const auto names = splitString(protocols, ':');
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& p = names[i];
    // Wireshark's "ip" dissector hands a version 6 packet to "ipv6" (Tunnel Data, next header
    // 41): one IPv6 header, not two headers.
    if (p == "ip" && i > 0 && names[i - 1] == "mip" && i + 1 < names.size() &&
        names[i + 1] == "ipv6") {
      continue;
    }
    const auto it = kNames.find(p);
    const std::string name = it == kNames.end() ? "<" + p + ">" : it->second;
    if (!name.empty()) out.push_back(name);
    // tshark goes on into the packet an ICMP error quotes; we describe it inside the ICMP layer.
    if (name == "icmpv6" || name == "icmpv4") break;
  }
  return out;
}

std::vector<std::string> ourLayers(const wire::Dissection& d) {
  std::vector<std::string> out;
  for (const auto& layer : d.layers) {
    // Layers tshark does not show as protocols of their own.
    if (layer.name == "m6t-keepalive" || layer.name == "nat-keepalive") continue;
    out.push_back(layer.name);
  }
  return out;
}

class TsharkSuiteTest : public ::testing::Test {
 protected:
  // Runs tshark over the packets that need `-d udp.port==4191,<decode_as>`; returns one row of
  // fields per packet, keyed by packet name, and the `-z expert` report.
  void dissect(const std::string& decode_as) {
    std::vector<SuitePacket> packets;
    for (const SuitePacket& p : suitePackets()) {
      if (p.tshark_4191 == decode_as) packets.push_back(p);
    }
    ASSERT_FALSE(packets.empty());
    std::vector<PcapRecord> records;
    for (const SuitePacket& p : packets) {
      PcapRecord r;
      r.seconds = static_cast<std::uint32_t>(records.size() + 1);
      r.data = ethernetFrame(p.ip);
      records.push_back(std::move(r));
    }
    const auto pcap = dir_.path() / ("suite-" + decode_as + ".pcap");
    ASSERT_TRUE(writeFile(pcap, pcapFile(kLinkTypeEthernet, records)));

    std::string arguments = "-n -r '" + pcap.string() + "' -d udp.port==4191," + decode_as +
                            " -d udp.port==3544,teredo";
    std::string fields = "-T fields -E separator='|' -E occurrence=a -E aggregator=,";
    for (const std::string& f : fields_) fields += " -e " + f;
    int status = 0;
    const std::string table = runCommand("tshark " + arguments + " " + fields + " 2>&1", &status);
    ASSERT_EQ(status, 0) << table;
    std::size_t index = 0;
    for (const std::string& line : splitString(table, '\n')) {
      if (line.empty() || line.find('|') == std::string::npos) continue;  // tshark's notices
      const auto columns = splitString(line, '|');
      ASSERT_EQ(columns.size(), fields_.size()) << line;
      ASSERT_LT(index, packets.size()) << table;
      std::map<std::string, std::string> row;
      for (std::size_t i = 0; i < columns.size(); ++i) row[fields_[i]] = columns[i];
      rows_[packets[index].name] = row;
      ours_[packets[index].name] = wire::dissectFrame(
          kLinkTypeEthernet, ethernetFrame(packets[index].ip), wire::DissectOptions{});
      ++index;
    }
    ASSERT_EQ(index, packets.size()) << table;
    const std::string expert = runCommand("tshark " + arguments + " -q -z expert 2>/dev/null");
    EXPECT_EQ(expert.find("Errors ("), std::string::npos) << expert;
    EXPECT_EQ(expert.find("Warns ("), std::string::npos) << expert;
    EXPECT_EQ(expert.find("Malformed"), std::string::npos) << expert;
  }

  void SetUp() override {
    std::set<std::string> unique = {"frame.protocols", "_ws.malformed", "_ws.expert.severity"};
    for (const Check& c : kChecks) {
      if (!c.tshark_field.empty()) unique.insert(std::string(c.tshark_field));
    }
    fields_.assign(unique.begin(), unique.end());
  }

  ScratchDir dir_{"dsmip-tshark-suite"};
  std::vector<std::string> fields_;
  std::map<std::string, std::map<std::string, std::string>> rows_;
  std::map<std::string, wire::Dissection> ours_;
};

TEST_F(TsharkSuiteTest, WiresharkAndOurDissectorAgreeOnEveryPacketOfTheSuite) {
  DSMIP_REQUIRE_TOOL("tshark");
  dissect("ipv6");
  dissect("ip");
  if (HasFatalFailure()) return;

  // Wireshark 4.0's expert severities: chat 0x200000, note 0x400000, warn 0x600000, error
  // 0x800000.
  constexpr unsigned long kWarnSeverity = 0x600000;
  for (const auto& [name, row] : rows_) {
    SCOPED_TRACE(name);
    EXPECT_EQ(row.at("_ws.malformed"), "");
    for (const std::string& severity : splitString(row.at("_ws.expert.severity"), ',')) {
      if (!severity.empty()) {
        EXPECT_LT(std::stoul(severity), kWarnSeverity) << severity;
      }
    }
    const wire::Dissection& d = ours_.at(name);
    EXPECT_TRUE(d.ok()) << d.summary();
    EXPECT_TRUE(d.warnings.empty()) << d.warnings.front();
    EXPECT_EQ(ourLayers(d), tsharkLayers(row.at("frame.protocols")))
        << "tshark: " << row.at("frame.protocols");
  }

  std::set<std::string> checked;
  for (const Check& c : kChecks) {
    SCOPED_TRACE(std::string(c.packet) + " " + std::string(c.tshark_field) + " / " +
                 std::string(c.ours));
    ASSERT_EQ(rows_.count(std::string(c.packet)), 1u) << "no such packet in the suite";
    checked.insert(std::string(c.packet));
    if (!c.tshark_field.empty()) {
      EXPECT_EQ(rows_[std::string(c.packet)][std::string(c.tshark_field)], c.tshark_value);
    }
    if (!c.ours.empty()) {
      EXPECT_EQ(dissectedValue(ours_.at(std::string(c.packet)), c.ours), c.ours_value);
    }
  }
  // Every packet tshark can read is checked field by field.
  for (const auto& [name, row] : rows_) EXPECT_EQ(checked.count(name), 1u) << name;
}

}  // namespace
}  // namespace dsmip::interop
