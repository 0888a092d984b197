#pragma once
// Golden packets for the IP-layer codecs, produced by an independent implementation (scapy 2.5,
// the line above each one generates it; addresses from the documentation ranges). Checksums in
// them are scapy's, so a match validates our checksum code as well as our layouts.

#include <gtest/gtest.h>

#include <string_view>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"

namespace dsmip::wire::golden {

/// The bytes of a hex string (test input: aborts the test on bad hex).
inline Bytes hex(std::string_view text) {
  Bytes out;
  EXPECT_TRUE(fromHex(text, out)) << text;
  return out;
}
inline Ipv4Address v4(std::string_view text) { return Ipv4Address::parse(text).value(); }
inline Ipv6Address v6(std::string_view text) { return Ipv6Address::parse(text).value(); }

// IP(src="192.0.2.10", dst="198.51.100.1", id=0x1234, ttl=64, tos=0xb8, flags="DF")
//   /UDP(sport=49152, dport=4191)/Raw(bytes(range(16)))
inline constexpr std::string_view kIpv4Udp =
    "45b8002c1234400040113b96c000020ac6336401c000105f00180adf000102030405060708090a0b0c0d0e0f";
// IP(src="192.0.2.10", dst="198.51.100.1", id=0x1234, ttl=64)
//   /UDP(sport=49152, dport=4191, chksum=0)/Raw(bytes(range(16)))
inline constexpr std::string_view kIpv4UdpNoChecksum =
    "4500002c1234000040117c4ec000020ac6336401c000105f00180000000102030405060708090a0b0c0d0e0f";
// IP(src="10.0.0.1", dst="10.0.0.2", id=7, options=[IPOption_RR(routers=["1.2.3.4"])])
//   /ICMP(type=8, id=0x4242, seq=3)/Raw(b"ping")
inline constexpr std::string_view kIpv4OptionsEcho =
    "4700002800070000400153c10a0000010a00000207070401020304000800d6e94242000370696e67";
// IP(src="10.0.0.1", dst="10.0.0.2", id=99, flags="MF", frag=185, proto=17)/Raw(b"x"*24)
inline constexpr std::string_view kIpv4Fragment =
    "4500002c006320b9401145a30a0000010a000002787878787878787878787878787878787878787878787878";
// ICMP(type=3, code=4, nexthopmtu=1400)
//   /IP(src="10.0.0.2", dst="10.0.0.9", id=5, flags="DF")/UDP(sport=1, dport=2)
inline constexpr std::string_view kIcmpv4FragmentationNeeded =
    "03040ba8000005784500001c00054000401126c20a0000020a000009000100020008ebd0";
// ICMP(type=0, id=0x4242, seq=3)/Raw(b"ping")
inline constexpr std::string_view kIcmpv4EchoReply = "0000dee94242000370696e67";
// ICMP(type=11, code=0)/IP(src="10.0.0.2", dst="10.0.0.9", id=5)/UDP(sport=1, dport=2)
inline constexpr std::string_view kIcmpv4TimeExceeded =
    "0b000924000000004500001c00050000401166c20a0000020a000009000100020008ebd0";

// IPv6(src="2001:db8::1", dst="2001:db8::2", tc=0x28, fl=0x12345, hlim=64)
//   /UDP(sport=4191, dport=50000)/Raw(bytes(range(16)))
inline constexpr std::string_view kIpv6Udp =
    "628123450018114020010db800000000000000000000000120010db8000000000000000000000002105fc350001898"
    "59000102030405060708090a0b0c0d0e0f";
// The opaque 16-octet "Mobility Header" used as upper layer below (not a valid MH checksum).
inline constexpr std::string_view kOpaqueMh = "3b010500000000000000000000000000";
// IPv6(src="2001:db8:c0a::5", dst="2001:db8:a::1", nh=60)
//   /IPv6ExtHdrDestOpt(nh=135, options=[HAO(hoa="2001:db8:1::5")])/Raw(kOpaqueMh)
inline constexpr std::string_view kIpv6HaoMh =
    "6000000000283c4020010db80c0a0000000000000000000520010db8000a000000000000000000018702010200"
    "00c91020010db80001000000000000000000053b010500000000000000000000000000";
// IPv6(src="2001:db8:a::1", dst="2001:db8:c0a::5", nh=43)
//   /IPv6ExtHdrRouting(nh=135, type=2, segleft=1, addresses=["2001:db8:1::5"])/Raw(kOpaqueMh)
inline constexpr std::string_view kIpv6Rh2Mh =
    "6000000000282b4020010db8000a0000000000000000000120010db80c0a000000000000000000058702020100"
    "00000020010db80001000000000000000000053b010500000000000000000000000000";
// IPv6(src="2001:db8:a::1", dst="2001:db8:c0a::5")/IPv6ExtHdrRouting(type=2, segleft=1,
//   addresses=["2001:db8:1::5"])/UDP(sport=7, dport=9)/Raw(b"abc")
inline constexpr std::string_view kIpv6Rh2Udp =
    "6000000000232b4020010db8000a0000000000000000000120010db80c0a000000000000000000051102020100"
    "00000020010db800010000000000000000000500070009000bdfe2616263";
// IPv6(src="2001:db8:c0a::5", dst="2001:db8:a::1")
//   /IPv6ExtHdrDestOpt(options=[HAO(hoa="2001:db8:1::5")])/UDP(sport=7, dport=9)/Raw(b"abc")
inline constexpr std::string_view kIpv6HaoUdp =
    "6000000000233c4020010db80c0a0000000000000000000520010db8000a000000000000000000011102010200"
    "00c91020010db800010000000000000000000500070009000bdfe2616263";
// IPv6(src="2001:db8::1", dst="2001:db8::2")
//   /IPv6ExtHdrFragment(nh=17, offset=100, m=1, id=0xdeadbeef)/Raw(b"y"*16)
inline constexpr std::string_view kIpv6NonFirstFragment =
    "6000000000182c4020010db800000000000000000000000120010db800000000000000000000000211000321de"
    "adbeef79797979797979797979797979797979";
// IPv6(src="2001:db8::1", dst="2001:db8::2")/IPv6ExtHdrHopByHop(options=[RouterAlert()])
//   /IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x9e, optdata=b"ab")])/UDP(sport=5, dport=6)
inline constexpr std::string_view kIpv6HopByHopUnknownOption =
    "600000000018004020010db800000000000000000000000120010db80000000000000000000000023c00050200"
    "00010011009e0261620100000500060008a45e";
// IPv6(src="2001:db8::1", dst="2001:db8::2")/AH(nh=17, payloadlen=4, spi=0x100, seq=1,
//   icv=b"\x11"*12)/Raw(bytes(UDP(sport=5, dport=6, chksum=0x1234)/Raw(b"z")))
inline constexpr std::string_view kIpv6AhUdp =
    "600000000021334020010db800000000000000000000000120010db80000000000000000000000021104000000"
    "0001000000000111111111111111111111111100050006000912347a";
// IPv6(src="2001:db8::1", dst="2001:db8::2")/ESP(spi=0x200, seq=7, data=b"\x22"*16)
inline constexpr std::string_view kIpv6Esp =
    "600000000018324020010db800000000000000000000000120010db8000000000000000000000002000002000000"
    "000722222222222222222222222222222222";
// IPv6(src="fd00:1:2:3:4:5:6:7", dst="fe80::1", nh=59, hlim=255)
inline constexpr std::string_view kM6tKeepalive =
    "6000000000003bfffd000001000200030004000500060007fe800000000000000000000000000001";
// IP(src="192.0.2.10", dst="198.51.100.1", id=1)/UDP(sport=49152, dport=4191)
//   /IPv6(src="2001:db8:1::5", dst="2001:db8:a::1")/Raw(kOpaqueMh)
inline constexpr std::string_view kIpv4UdpIpv6Mh =
    "450000540001000040118e59c000020ac6336401c000105f00400bfa6000000000103b4020010db80001000000"
    "0000000000000520010db8000a000000000000000000013b010500000000000000000000000000";

// ICMPv6 messages inside IPv6 (the ICMPv6 message starts at offset 40).
inline constexpr std::size_t kIcmpv6Offset = 40;
// IPv6(src="2001:db8::fe", dst="2001:db8::1")/ICMPv6PacketTooBig(mtu=1400)
//   /IPv6(src="2001:db8::1", dst="2001:db8::99")/UDP(sport=1, dport=2)
inline constexpr std::string_view kIcmpv6PacketTooBig =
    "6000000000383a4020010db80000000000000000000000fe20010db800000000000000000000000102002a7500"
    "000578600000000008114020010db800000000000000000000000120010db8000000000000000000000099000100"
    "020008a3cf";
// ... ICMPv6DestUnreach(code=4)/<same invoking packet>
inline constexpr std::string_view kIcmpv6DestinationUnreachable =
    "6000000000383a4020010db80000000000000000000000fe20010db8000000000000000000000001010430e900"
    "000000600000000008114020010db800000000000000000000000120010db8000000000000000000000099000100"
    "020008a3cf";
// ... ICMPv6ParamProblem(code=2, ptr=42)/<same invoking packet>
inline constexpr std::string_view kIcmpv6ParameterProblem =
    "6000000000383a4020010db80000000000000000000000fe20010db800000000000000000000000104022dc100"
    "00002a600000000008114020010db800000000000000000000000120010db8000000000000000000000099000100"
    "020008a3cf";
// ... ICMPv6TimeExceeded(code=0)/<same invoking packet>
inline constexpr std::string_view kIcmpv6TimeExceeded =
    "6000000000383a4020010db80000000000000000000000fe20010db800000000000000000000000103002eed00"
    "000000600000000008114020010db800000000000000000000000120010db8000000000000000000000099000100"
    "020008a3cf";
// IPv6(src="2001:db8::1", dst="2001:db8::2")/ICMPv6EchoRequest(id=0x1111, seq=2, data=b"hello")
inline constexpr std::string_view kIcmpv6EchoRequest =
    "60000000000d3a4020010db800000000000000000000000120010db80000000000000000000000028000cf5d11"
    "11000268656c6c6f";
// IPv6(src="2001:db8::2", dst="2001:db8::1")/ICMPv6EchoReply(id=0x1111, seq=2, data=b"hello")
inline constexpr std::string_view kIcmpv6EchoReply =
    "60000000000d3a4020010db800000000000000000000000220010db80000000000000000000000018100ce5d11"
    "11000268656c6c6f";
// IPv6(src="2001:db8::5", dst="2001:db8::fdff:ffff:ffff:fffe")/ICMPv6HAADRequest(id=0xabcd)
// (scapy sets the NEMO R flag by default)
inline constexpr std::string_view kHaadRequest =
    "6000000000083a4020010db800000000000000000000000520010db800000000fdfffffffffffffe9000ea78ab"
    "cd8000";
// IPv6(src="2001:db8::1", dst="2001:db8::5")
//   /ICMPv6HAADReply(id=0xabcd, addresses=["2001:db8::1", "2001:db8::2"])
inline constexpr std::string_view kHaadReply =
    "6000000000283a4020010db800000000000000000000000120010db800000000000000000000000591008be1ab"
    "cd800020010db800000000000000000000000120010db8000000000000000000000002";
// IPv6(src="2001:db8:1::5", dst="2001:db8:1::1")/ICMPv6MPSol(id=0x0102)
inline constexpr std::string_view kMobilePrefixSolicitation =
    "6000000000083a4020010db800010000000000000000000520010db800010000000000000000000192001141010"
    "20000";
// IPv6(src="2001:db8:1::1", dst="2001:db8:1::5")/ICMPv6MPAdv(id=0x0102, flags=2)
//   /ICMPv6NDOptPrefixInfo(prefixlen=64, L=1, A=1, R=0, validlifetime=86400,
//                          preferredlifetime=14400, prefix="2001:db8:1::")
inline constexpr std::string_view kMobilePrefixAdvertisement =
    "6000000000283a4020010db800010000000000000000000120010db8000100000000000000000005930094e001"
    "028000030440c000015180000038400000000020010db8000100000000000000000000";

}  // namespace dsmip::wire::golden
