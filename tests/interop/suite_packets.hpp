#pragma once
// The packets of the suite, built with our encoders: one of every message and encapsulation
// `dsmip decode` handles. They feed the sample captures in examples/captures/ (written by
// make_suite_capture), the tshark oracle test, the decoder's unit tests and the fuzz seeds.
//
// Addresses (documentation ranges): mobile node home address 2001:db8:1::100 with home agent
// 2001:db8:1::1; IPv6 care-of address 2001:db8:2::50; correspondent 2001:db8:3::3. IPv4: the
// mobile node's private care-of address 192.168.1.10 behind a NAT with public address
// 203.0.113.5, home agent 198.51.100.1, IPv4 home address 10.1.0.5; m6t gateway 198.51.100.2;
// Mobile IPv4 node with home address 10.2.0.7 and co-located care-of address 192.0.2.10.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/bytes.hpp"

namespace dsmip::interop {

/// One packet, starting at its IP header.
struct SuitePacket {
  std::string name;  // stable identifier, e.g. "dsmip6-bu-udp" (also the fuzz seed file name)
  std::string description;
  Bytes ip;
  /// What tshark must be told UDP 4191 carries to dissect the packet (`-d udp.port==4191,X`):
  /// "ipv6" (also for packets without UDP 4191), "ip" for IPv4 in UDP 4191, or empty for the
  /// forms Wireshark has no dissector for (the TLV header of decision D3).
  std::string tshark_4191 = "ipv6";
  /// Octets captured, when less than the packet (a capture cut by the snap length).
  std::size_t captured_length = 0;  // 0: all of it
};

/// Every valid packet of the suite, in the order of examples/captures/dsmip-suite.pcap.
std::vector<SuitePacket> suitePackets();
/// Deliberately broken packets (examples/captures/malformed.pcap): each fails to decode for a
/// different reason, except one whose only fault is a bad Mobility Header checksum.
std::vector<SuitePacket> malformedPackets();

/// MAC addresses the Ethernet frames use.
inline constexpr std::uint8_t kMacA[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0x0a};
inline constexpr std::uint8_t kMacB[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0x0b};

/// The packet behind an Ethernet II header (EtherType from the IP version).
Bytes ethernetFrame(ByteView ip);
/// The packet behind a Linux cooked (SLL, 16 octets) or cooked v2 (SLL2, 20 octets) header.
Bytes linuxSllFrame(ByteView ip);
Bytes linuxSll2Frame(ByteView ip);

/// One record of a capture file.
struct PcapRecord {
  std::uint32_t seconds = 0;
  std::uint32_t microseconds = 0;
  Bytes data;                         // the captured octets
  std::uint32_t original_length = 0;  // 0: data.size()
};
/// A classic little-endian pcap file (microsecond timestamps, snap length 65535).
Bytes pcapFile(std::uint32_t link_type, const std::vector<PcapRecord>& records);

/// The exact bytes of examples/captures/dsmip-suite.pcap and malformed.pcap: Ethernet frames,
/// timestamps from 2024-01-01T00:00:00Z in steps the packets' story suggests.
Bytes suiteCapture();
Bytes malformedCapture();

/// Writes bytes to a file; false on failure.
bool writeFile(const std::filesystem::path& path, ByteView bytes);
/// Reads a whole file (empty on failure).
Bytes readFile(const std::filesystem::path& path);

}  // namespace dsmip::interop
