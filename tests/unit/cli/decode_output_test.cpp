// The text and JSON renderings: the text layout, and JSON that parses (nlohmann::json) with the
// documented keys and types for every packet of the suite, malformed ones included.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "decode_test_util.hpp"
#include "wire/dissect_render.hpp"

namespace dsmip::cli::test {
namespace {

using nlohmann::json;
using wire::Dissection;
using wire::FrameInfo;

TEST(DecodeOutputTest, TextFormIsAFirstLineThenOneLinePerLayer) {
  FrameInfo info;
  info.number = 41;
  info.time = 5.0;
  info.input = "dsmip-suite.pcap";
  const Dissection d = wire::dissectFrame(wire::link_type::kEthernet,
                                          interop::ethernetFrame(suitePacket("nat-t-keepalive").ip),
                                          wire::DissectOptions{});
  EXPECT_EQ(wire::renderDissectionText(info, d),
            "#41 5.000000 60 IPv4 192.168.1.10:4500 > 198.51.100.1:4500 UDP | NAT-T keep-alive\n"
            "  ethernet @0: destination=02:00:5e:00:00:0a source=02:00:5e:00:00:0b "
            "ethertype=0x0800 ethertype_name=ipv4\n"
            "  ipv4 @14: source=192.168.1.10 destination=198.51.100.1 header_length=20 tos=0x00 "
            "dscp=0 ecn=not-ect total_length=29 identification=0x100c dont_fragment=false "
            "more_fragments=false fragment_offset=0 ttl=64 protocol=17 protocol_name=udp "
            "checksum=0x7edd checksum_status=ok\n"
            "  udp @34: source_port=4500 destination_port=4500 length=9 checksum=0xf1cb "
            "checksum_status=ok service=ike-nat-t\n"
            "  nat-keepalive @42: length=1\n");
  EXPECT_EQ(wire::renderDissectionText(info, d, true),
            "#41 5.000000 60 IPv4 192.168.1.10:4500 > 198.51.100.1:4500 UDP | NAT-T keep-alive\n");
}

TEST(DecodeOutputTest, TextFormShowsOptionsWarningsAndErrors) {
  FrameInfo info;
  info.number = 2;
  const Dissection ok = dissect(suitePacket("dsmip6-ba-udp").ip);
  const std::string text = wire::renderDissectionText(info, ok);
  EXPECT_EQ(text.rfind("#2 - 100 IPv4 198.51.100.1:4191 > 203.0.113.5:61000 UDP | IPv6 ", 0), 0u)
      << text;
  EXPECT_NE(text.find("\n    option nat-detection (type 31): f_flag=false refresh_time=110 "
                      "nat_detected=true\n"),
            std::string::npos)
      << text;

  const Dissection warned = dissect(suitePacket("mh-bad-checksum").ip);
  EXPECT_NE(wire::renderDissectionText(info, warned)
                .find("\n  warning: mobility header checksum bad at offset 68\n"),
            std::string::npos);

  interop::SuitePacket cut = suitePacket("truncated-capture");
  cut.ip.resize(cut.captured_length);
  info.original_length = suitePacket("truncated-capture").ip.size();
  const std::string failed = wire::renderDissectionText(info, dissect(cut.ip));
  EXPECT_EQ(failed,
            "#2 - 80/100 [malformed ipv4: truncated at offset 2: ipv4 total length beyond the "
            "buffer]\n"
            "  error: truncated at offset 2 in ipv4: ipv4 total length beyond the buffer\n");
}

TEST(DecodeOutputTest, TextQuotesValuesThatWouldBeAmbiguous) {
  const Dissection d = dissect(suitePacket("dsmip6-ba-udp").ip);
  const std::string text = wire::renderDissectionText(FrameInfo{}, d);
  EXPECT_NE(text.find(" flags=\"\" "), std::string::npos) << text;  // no BA flag set
  const Dissection fragment = dissect(inIpv4(Bytes(8, 0), 132));
  EXPECT_NE(wire::renderDissectionText(FrameInfo{}, fragment)
                .find("description=\"protocol 132 (unknown), not decoded\""),
            std::string::npos);
}

// Checks a parsed JSON object against the dissection it came from.
void checkJson(const json& j, const Dissection& d, const FrameInfo& info) {
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j.at("packet"), info.number);
  EXPECT_EQ(j.at("input"), info.input);
  EXPECT_EQ(j.at("link"), std::string(wire::linkTypeName(d.link_type)));
  EXPECT_EQ(j.at("summary"), d.summary());
  EXPECT_EQ(j.at("ok"), d.ok());
  EXPECT_EQ(j.at("captured_length"), d.length);
  ASSERT_TRUE(j.at("layers").is_array());
  ASSERT_EQ(j.at("layers").size(), d.layers.size());
  for (std::size_t i = 0; i < d.layers.size(); ++i) {
    const json& layer = j.at("layers")[i];
    EXPECT_EQ(layer.at("layer"), d.layers[i].name);
    EXPECT_EQ(layer.at("offset"), d.layers[i].offset);
    EXPECT_EQ(layer.size(), d.layers[i].fields.size() + 2);
    for (const auto& field : d.layers[i].fields) {
      const json& value = layer.at(field.name);
      switch (field.kind) {
        case wire::DissectField::Kind::Number:
          EXPECT_TRUE(value.is_number_unsigned()) << field.name;
          EXPECT_EQ(value.get<std::uint64_t>(), field.number);
          break;
        case wire::DissectField::Kind::Boolean:
          EXPECT_TRUE(value.is_boolean()) << field.name;
          break;
        case wire::DissectField::Kind::Text:
          EXPECT_EQ(value, field.text);
          break;
        case wire::DissectField::Kind::List:
          ASSERT_TRUE(value.is_array()) << field.name;
          EXPECT_EQ(value.size(), field.items.size());
          for (const json& item : value) EXPECT_TRUE(item.is_object());
          break;
      }
    }
  }
  ASSERT_TRUE(j.at("warnings").is_array());
  EXPECT_EQ(j.at("warnings").size(), d.warnings.size());
  if (d.ok()) {
    EXPECT_FALSE(j.contains("error"));
  } else {
    const json& e = j.at("error");
    EXPECT_EQ(e.at("layer"), d.error->layer);
    EXPECT_EQ(e.at("code"), std::string(errorCodeName(d.error->code)));
    EXPECT_EQ(e.at("reason"), d.error->reason);
    EXPECT_EQ(e.at("offset"), d.error->offset);
  }
}

TEST(DecodeOutputTest, JsonParsesWithTheDocumentedKeysForEveryPacket) {
  std::size_t n = 0;
  auto all = interop::suitePackets();
  for (const auto& p : interop::malformedPackets()) all.push_back(p);
  for (const auto& p : all) {
    SCOPED_TRACE(p.name);
    Bytes ip = p.ip;
    if (p.captured_length != 0) ip.resize(p.captured_length);
    FrameInfo info;
    info.number = ++n;
    info.input = "unit \"test\"";
    info.time = 0.25 * static_cast<double>(n);
    info.timestamp = 1704067200.0 + 0.25 * static_cast<double>(n);
    const Dissection d = wire::dissectFrame(wire::link_type::kLinuxSll2,
                                            interop::linuxSll2Frame(ip), wire::DissectOptions{});
    const std::string text = wire::renderDissectionJson(info, d);
    ASSERT_EQ(text.back(), '\n');
    EXPECT_EQ(text.find('\n'), text.size() - 1) << "one object per line";
    const json j = json::parse(text, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << text;
    checkJson(j, d, info);
    EXPECT_DOUBLE_EQ(j.at("time").get<double>(), *info.time);
    EXPECT_NEAR(j.at("timestamp").get<double>(), *info.timestamp, 1e-6);
    EXPECT_EQ(j.at("length"), d.length);
  }
}

TEST(DecodeOutputTest, JsonOfHexInputHasNullTimes) {
  FrameInfo info;
  info.number = 1;
  info.input = "hex";
  const Dissection d = dissect(suitePacket("mh-be").ip);
  const json j = json::parse(wire::renderDissectionJson(info, d));
  EXPECT_TRUE(j.at("time").is_null());
  EXPECT_TRUE(j.at("timestamp").is_null());
  EXPECT_EQ(j.at("layers")[1].at("status_name"), "unknown-binding-for-home-address");
  EXPECT_EQ(j.at("layers")[1].at("options"), json::array());
}

TEST(DecodeOutputTest, JsonStringsAreAlwaysValid) {
  EXPECT_EQ(wire::jsonString("plain"), "\"plain\"");
  EXPECT_EQ(wire::jsonString("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(wire::jsonString("\n\r\t"), "\"\\n\\r\\t\"");
  EXPECT_EQ(wire::jsonString(std::string_view("\x01\x7f", 2)), "\"\\u0001\\u007f\"");
  // Octets that are not ASCII may not be UTF-8: escaped, so the document stays valid.
  const std::string latin = "caf\xe9";
  EXPECT_EQ(wire::jsonString(latin), "\"caf\\u00e9\"");
  EXPECT_FALSE(json::parse(wire::jsonString(latin), nullptr, false).is_discarded());
}

}  // namespace
}  // namespace dsmip::cli::test
