// Malformed and truncated input: each failure names its layer, its reason and the offset of the
// offending octet; the layers before it are still shown; nothing crashes on any cut or damage.
#include <gtest/gtest.h>

#include <string>

#include "decode_test_util.hpp"
#include "wire/dissect_render.hpp"

namespace dsmip::cli::test {
namespace {

using wire::Dissection;

struct Expected {
  const char* packet;
  const char* layers;  // what decoded before the error
  const char* layer;
  ErrorCode code;
  std::size_t offset;  // from the start of the IP packet
  const char* reason;
};

TEST(DissectErrorsTest, EachMalformedPacketFailsForItsReasonAtItsOffset) {
  const Expected cases[] = {
      // Cut by the snap length inside the MH: the IPv4 Total Length (offset 2) runs past it.
      {"truncated-capture", "", "ipv4", ErrorCode::Truncated, 2,
       "ipv4 total length beyond the buffer"},
      // IPv4 20 + UDP 8 + IPv6 40 + MH fixed part 12, then the option's Length octet.
      {"mh-bad-option-length", "ipv4,udp,ipv6", "mh", ErrorCode::BadLength, 20 + 8 + 40 + 13,
       "ipv4 care-of address option length is not 6"},
      {"dsmip6-bad-version", "ipv4,udp", "dsmipv6", ErrorCode::BadVersion, 28,
       "udp payload starts with version 5: neither an ip packet nor a tlv header"},
      // The extension right after the 24-octet fixed part of the request.
      {"mip4-unknown-extension", "ipv4,udp", "mipv4", ErrorCode::UnknownType, 28 + 24,
       "non-skippable extension not understood"},
      // The inner IPv6 Payload Length (offset 4 of the inner header).
      {"ipv6-in-ipv4-truncated-inner", "ipv4", "ipv6", ErrorCode::Truncated, 20 + 4,
       "ipv6 payload length beyond the buffer"},
      {"m6t-not-ipv6", "ipv4,udp", "m6t", ErrorCode::BadVersion, 28,
       "m6t payload starts with version 4, not an ipv6 packet"},
      {"esp-truncated", "ipv4,udp", "esp", ErrorCode::Truncated, 28, "esp header needs 8 octets"},
  };
  for (const Expected& e : cases) {
    SCOPED_TRACE(e.packet);
    interop::SuitePacket p = suitePacket(e.packet);
    if (p.captured_length != 0) p.ip.resize(p.captured_length);
    const Dissection d = dissect(p.ip);
    ASSERT_FALSE(d.ok()) << d.summary();
    EXPECT_EQ(layerNames(d), e.layers);
    EXPECT_EQ(d.error->layer, e.layer);
    EXPECT_EQ(d.error->code, e.code);
    EXPECT_EQ(d.error->offset, e.offset);
    EXPECT_EQ(d.error->reason, e.reason);
    EXPECT_NE(d.summary().find("[malformed " + std::string(e.layer) + ": "), std::string::npos)
        << d.summary();
  }
}

TEST(DissectErrorsTest, ABadChecksumAloneStillDecodes) {
  const Dissection d = dissect(suitePacket("mh-bad-checksum").ip);
  EXPECT_TRUE(d.ok()) << d.summary();
  EXPECT_EQ(layerNames(d), "ipv4,udp,ipv6,mh");
  EXPECT_EQ(interop::dissectedValue(d, "mh.checksum_status"), "bad");
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_EQ(d.warnings[0], "mobility header checksum bad at offset 68");
  EXPECT_NE(d.summary().find("(checksum bad)"), std::string::npos);
}

TEST(DissectErrorsTest, MalformedPacketsInEveryLayerTheSuiteCarries) {
  // A Mobility Header whose Payload Proto is not 59 (RFC 6275 §9.2).
  Bytes bu = suitePacket("dsmip6-bu-udp").ip;
  bu[68] = 6;
  Dissection d = dissect(bu);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error->layer, "mh");
  EXPECT_EQ(d.error->code, ErrorCode::BadValue);
  EXPECT_EQ(d.error->offset, 68u);

  // A UDP Length beyond the IP payload.
  Bytes udp = suitePacket("dsmip6-bu-udp").ip;
  udp[24] = 0x7F;
  d = dissect(udp);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error->layer, "udp");
  EXPECT_EQ(d.error->offset, 24u);

  // A TLV header whose Length disagrees with the datagram (decision D3).
  Bytes tlv = suitePacket("dsmip6-tlv-ipv6").ip;
  tlv[28 + 3] ^= 0x01;
  d = dissect(tlv);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error->layer, "tlv");
  EXPECT_EQ(d.error->code, ErrorCode::BadLength);
  EXPECT_EQ(d.error->offset, 28u + 2);

  // Tunnel Data shorter than its header.
  const Bytes tunnel = inUdp4(Bytes{4, 4}, 434, 434);
  d = dissect(tunnel);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error->layer, "mipv4");
  EXPECT_EQ(d.error->code, ErrorCode::Truncated);

  // An ICMPv6 Home Agent list that is not a multiple of 16 octets.
  Bytes haad = suitePacket("haad-reply").ip;
  haad.resize(haad.size() - 1);
  haad[5] = static_cast<std::uint8_t>(haad[5] - 1);  // Payload Length
  d = dissect(haad);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error->layer, "icmpv6");
}

TEST(DissectErrorsTest, EveryCutOfEveryPacketIsReportedNotCrashed) {
  for (const auto& p : interop::suitePackets()) {
    SCOPED_TRACE(p.name);
    for (std::size_t cut = 0; cut < p.ip.size(); ++cut) {
      const ByteView part = ByteView(p.ip).first(cut);
      const Dissection d = dissect(part);
      // A cut IP packet is never complete: its length field says so.
      ASSERT_FALSE(d.ok()) << cut;
      EXPECT_LE(d.error->offset, cut);
      EXPECT_FALSE(d.error->reason.empty());
      // Both renderings cope.
      EXPECT_FALSE(wire::renderDissectionText(wire::FrameInfo{}, d).empty());
      EXPECT_FALSE(wire::renderDissectionJson(wire::FrameInfo{}, d).empty());
    }
  }
}

TEST(DissectErrorsTest, EveryOctetDamagedIsDecodedOrReported) {
  for (const auto& p : interop::suitePackets()) {
    SCOPED_TRACE(p.name);
    for (std::size_t i = 0; i < p.ip.size(); ++i) {
      Bytes damaged = p.ip;
      damaged[i] ^= 0xA5;
      const Dissection d = dissect(damaged);
      if (!d.ok()) {
        EXPECT_LT(d.error->offset, damaged.size() + 1) << i;
        EXPECT_FALSE(d.error->layer.empty());
      }
    }
  }
}

}  // namespace
}  // namespace dsmip::cli::test
