// `dsmip decode` as a command: inputs (pcap, pcapng, hex arguments, hex on standard input),
// exit codes, messages about bad command lines, and the sample captures in examples/captures/.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "cli/decode.hpp"
#include "decode_test_util.hpp"
#include "oracle_support.hpp"
#include "test_support/environment.hpp"

namespace dsmip::cli::test {
namespace {

struct DecodeRun {
  int status = -1;
  std::string out;
  std::string err;
};

DecodeRun decode(const DecodeSettings& settings, const std::string& input = {}) {
  std::istringstream in(input);
  std::ostringstream out;
  std::ostringstream err;
  DecodeRun r;
  r.status = runDecode(settings, in, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::vector<std::string> firstLines(const std::string& text) {
  std::vector<std::string> out;
  for (const std::string& line : lines(text)) {
    if (!line.empty() && line[0] == '#') out.push_back(line);
  }
  return out;
}

std::string capturePath(const std::string& name) {
  return dsmip::test::sourceDir() + "/examples/captures/" + name;
}

// A pcapng file (IEEE draft-ietf-opsawg-pcapng): section header, one interface, one enhanced
// packet block per frame, little-endian, microsecond timestamps.
Bytes pcapng(std::uint16_t link_type, const std::vector<Bytes>& frames) {
  Bytes out;
  auto u32 = [&out](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  auto u16 = [&out](std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
  };
  u32(0x0A0D0D0A);  // section header block
  u32(28);
  u32(0x1A2B3C4D);
  u16(1);
  u16(0);
  u32(0xFFFFFFFF);  // section length unknown
  u32(0xFFFFFFFF);
  u32(28);
  u32(1);  // interface description block
  u32(20);
  u16(link_type);
  u16(0);
  u32(65535);
  u32(20);
  std::uint32_t micros = 1'000'000;
  for (const Bytes& f : frames) {
    const std::size_t padded = (f.size() + 3) / 4 * 4;
    const auto length = static_cast<std::uint32_t>(32 + padded);
    u32(6);  // enhanced packet block
    u32(length);
    u32(0);  // interface 0
    u32(0);  // timestamp high
    u32(micros);
    micros += 500'000;
    u32(static_cast<std::uint32_t>(f.size()));
    u32(static_cast<std::uint32_t>(f.size()));
    out.insert(out.end(), f.begin(), f.end());
    out.resize(out.size() + (padded - f.size()), 0);
    u32(length);
  }
  return out;
}

TEST(DecodeCommandTest, ParsesHexPackets) {
  EXPECT_EQ(parseHexPacket("4500 0014"), (Bytes{0x45, 0x00, 0x00, 0x14}));
  EXPECT_EQ(parseHexPacket("0x60:00\t00"), (Bytes{0x60, 0x00, 0x00}));
  EXPECT_EQ(parseHexPacket("  abCD  \r\n"), (Bytes{0xab, 0xcd}));
  EXPECT_FALSE(parseHexPacket("450"));
  EXPECT_FALSE(parseHexPacket("45zz"));
  EXPECT_FALSE(parseHexPacket(""));
  EXPECT_FALSE(parseHexPacket("0x"));
  EXPECT_EQ(hexLinkType("sll2"), wire::link_type::kLinuxSll2);
  EXPECT_EQ(hexLinkType("ipv6"), wire::link_type::kIpv6);
  EXPECT_FALSE(hexLinkType("auto"));
  EXPECT_FALSE(hexLinkType("token-ring"));
}

TEST(DecodeCommandTest, HexArgumentsDecodeAndSetTheExitCode) {
  DecodeSettings s;
  s.hex = {toHex(suitePacket("dsmip6-bu-udp").ip), toHex(suitePacket("mh-hoti").ip)};
  DecodeRun r = decode(s);
  EXPECT_EQ(r.status, kDecodeAllDecoded) << r.err;
  EXPECT_EQ(r.err, "");
  const auto first = firstLines(r.out);
  ASSERT_EQ(first.size(), 2u) << r.out;
  EXPECT_EQ(first[0].rfind("#1 - 100 IPv4 192.168.1.10:50000 > 198.51.100.1:4191 UDP", 0), 0u);
  EXPECT_EQ(first[1], "#2 - 56 IPv6 2001:db8:1::100 > 2001:db8:3::3 | MH HoTI");

  // One malformed packet among good ones: exit 1, every packet still printed.
  s.hex.push_back(toHex(suitePacket("esp-truncated").ip));
  r = decode(s);
  EXPECT_EQ(r.status, kDecodeSomeFailed);
  EXPECT_EQ(firstLines(r.out).size(), 3u);
  EXPECT_NE(r.out.find("  error: truncated at offset 28 in esp: esp header needs 8 octets"),
            std::string::npos)
      << r.out;
}

TEST(DecodeCommandTest, BadCommandLinesExitTwoNamingTheArgument) {
  DecodeSettings s;
  DecodeRun r = decode(s);
  EXPECT_EQ(r.status, kDecodeUsageError);
  EXPECT_NE(r.err.find("nothing to decode"), std::string::npos);

  s.hex = {"4500", "45zz00"};
  r = decode(s);
  EXPECT_EQ(r.status, kDecodeUsageError);
  EXPECT_EQ(r.out, "") << "nothing is printed before the inputs are checked";
  EXPECT_EQ(r.err, "dsmip decode: --hex argument 2 is not a packet in hex: '45zz00'\n");

  s.hex = {"4500"};
  s.link = "token-ring";
  r = decode(s);
  EXPECT_EQ(r.status, kDecodeUsageError);
  EXPECT_NE(r.err.find("--link token-ring"), std::string::npos);

  DecodeSettings missing;
  missing.inputs = {"/nonexistent/capture.pcap"};
  r = decode(missing);
  EXPECT_EQ(r.status, kDecodeUsageError);
  EXPECT_EQ(r.err.rfind("dsmip decode: cannot read capture '/nonexistent/capture.pcap': ", 0), 0u)
      << r.err;

  interop::ScratchDir dir("dsmip-decode-test");
  const auto not_pcap = dir.path() / "notes.txt";
  ASSERT_TRUE(interop::writeFile(not_pcap, Bytes{'h', 'e', 'l', 'l', 'o', '\n'}));
  DecodeSettings text;
  text.inputs = {not_pcap.string()};
  r = decode(text);
  EXPECT_EQ(r.status, kDecodeUsageError);
  EXPECT_NE(r.err.find("notes.txt"), std::string::npos) << r.err;

  DecodeSettings twice;
  twice.inputs = {"-", "-"};
  EXPECT_EQ(decode(twice).status, kDecodeUsageError);
}

TEST(DecodeCommandTest, StandardInputOnePacketPerLine) {
  DecodeSettings s;
  s.inputs = {"-"};
  const std::string input = "# a comment\n\n" + toHex(suitePacket("mh-coti").ip) + "\n   \n" +
                            toHex(suitePacket("mh-cot").ip) + "\r\n";
  DecodeRun r = decode(s, input);
  EXPECT_EQ(r.status, kDecodeAllDecoded) << r.err;
  const auto first = firstLines(r.out);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0], "#1 - 56 IPv6 2001:db8:2::50 > 2001:db8:3::3 | MH CoTI");
  EXPECT_EQ(first[1].rfind("#2 - 64 IPv6 2001:db8:3::3 > 2001:db8:2::50 | MH CoT", 0), 0u);

  r = decode(s, toHex(suitePacket("mh-coti").ip) + "\nnot hex at all\n");
  EXPECT_EQ(r.status, kDecodeUsageError);
  EXPECT_EQ(r.err,
            "dsmip decode: standard input line 2 is not a packet in hex: 'not hex at all'\n");
}

TEST(DecodeCommandTest, LinkOptionSaysWhatHexPacketsStartWith) {
  DecodeSettings s;
  s.link = "sll2";
  s.hex = {toHex(interop::linuxSll2Frame(suitePacket("m6t-keepalive").ip))};
  s.json = true;
  DecodeRun r = decode(s);
  EXPECT_EQ(r.status, kDecodeAllDecoded) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("link"), "linux-sll2");
  EXPECT_EQ(j.at("input"), "hex");
  EXPECT_EQ(j.at("layers")[0].at("layer"), "linux-sll2");
  EXPECT_EQ(j.at("layers")[4].at("layer"), "m6t-keepalive");
  // The same bytes read as IP fail: their first nibble is 0.
  s.link = "auto";
  EXPECT_EQ(decode(s).status, kDecodeSomeFailed);
}

TEST(DecodeCommandTest, SampleCapturesDecodeAsTheLabExpects) {
  DecodeSettings s;
  s.inputs = {capturePath("dsmip-suite.pcap")};
  DecodeRun r = decode(s);
  EXPECT_EQ(r.status, kDecodeAllDecoded) << r.err;
  const auto suite_lines = firstLines(r.out);
  EXPECT_EQ(suite_lines.size(), interop::suitePackets().size());
  EXPECT_EQ(suite_lines.front().rfind("#1 0.000000 102 IPv6 2001:db8:2::50 > 2001:db8:1::1 ", 0),
            0u);
  EXPECT_EQ(suite_lines[2].rfind("#3 0.250000 114 IPv4 192.168.1.10:50000 > 198.51.100.1:4191", 0),
            0u);
  EXPECT_EQ(r.out.find("warning"), std::string::npos);

  s.inputs = {capturePath("malformed.pcap")};
  r = decode(s);
  EXPECT_EQ(r.status, kDecodeSomeFailed);
  EXPECT_EQ(firstLines(r.out).size(), interop::malformedPackets().size());
  EXPECT_NE(r.out.find("#1 0.000000 94/114 [malformed ipv4: truncated at offset 16"),
            std::string::npos)
      << r.out;

  // Several inputs: a header line before each in the text form.
  s.inputs = {capturePath("dsmip-suite.pcap"), capturePath("malformed.pcap")};
  s.summary_only = true;
  r = decode(s);
  EXPECT_EQ(r.status, kDecodeSomeFailed);
  EXPECT_NE(r.out.find("== " + capturePath("dsmip-suite.pcap") + " (ethernet)\n"),
            std::string::npos);
  EXPECT_EQ(lines(r.out).size(),
            2 + interop::suitePackets().size() + interop::malformedPackets().size());
}

TEST(DecodeCommandTest, JsonIsOneObjectPerPacket) {
  DecodeSettings s;
  s.inputs = {capturePath("dsmip-suite.pcap")};
  s.json = true;
  DecodeRun r = decode(s);
  EXPECT_EQ(r.status, kDecodeAllDecoded);
  const auto all = lines(r.out);
  ASSERT_EQ(all.size(), interop::suitePackets().size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto j = nlohmann::json::parse(all[i], nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << all[i];
    EXPECT_EQ(j.at("packet"), i + 1);
    EXPECT_EQ(j.at("ok"), true);
    EXPECT_NEAR(j.at("time").get<double>(), 0.125 * static_cast<double>(i), 1e-9);
    EXPECT_NEAR(j.at("timestamp").get<double>(), 1704067200.0 + 0.125 * static_cast<double>(i),
                1e-6);
  }
}

TEST(DecodeCommandTest, CommittedCapturesAreWhatTheGeneratorWrites) {
  // Compared as a whole (a byte-by-byte dump of a difference would be unreadable).
  const char* const kHow = "regenerate with make_suite_capture (tests/interop/CMakeLists.txt)";
  EXPECT_TRUE(interop::readFile(capturePath("dsmip-suite.pcap")) == interop::suiteCapture())
      << kHow;
  EXPECT_TRUE(interop::readFile(capturePath("malformed.pcap")) == interop::malformedCapture())
      << kHow;
}

TEST(DecodeCommandTest, ReadsPcapngWithCookedV2AndCutFiles) {
  interop::ScratchDir dir("dsmip-decode-pcapng");
  const auto path = dir.path() / "any.pcapng";
  const std::vector<Bytes> frames = {interop::linuxSll2Frame(suitePacket("dsmip6-bu-udp").ip),
                                     interop::linuxSll2Frame(suitePacket("dsmip6-ba-udp").ip)};
  const Bytes file = pcapng(276, frames);
  ASSERT_TRUE(interop::writeFile(path, file));
  DecodeSettings s;
  s.inputs = {path.string()};
  DecodeRun r = decode(s);
  EXPECT_EQ(r.status, kDecodeAllDecoded) << r.err;
  const auto first = firstLines(r.out);
  ASSERT_EQ(first.size(), 2u) << r.out;
  EXPECT_EQ(first[1].rfind("#2 0.500000 120 IPv4 198.51.100.1:4191 > 203.0.113.5:61000", 0), 0u)
      << first[1];
  EXPECT_NE(r.out.find("  linux-sll2 @0: protocol=0x0800"), std::string::npos);

  // The same file cut in the middle of the second block: the first packet, then an error.
  const auto cut = dir.path() / "cut.pcapng";
  ASSERT_TRUE(interop::writeFile(cut, ByteView(file).first(file.size() - 40)));
  s.inputs = {cut.string()};
  r = decode(s);
  EXPECT_EQ(r.status, kDecodeSomeFailed);
  EXPECT_EQ(firstLines(r.out).size(), 1u);
  EXPECT_NE(r.err.find("after 1 packets"), std::string::npos) << r.err;
}

TEST(DecodeCommandTest, UnknownLinkTypeInAFileIsReportedPerPacket) {
  interop::ScratchDir dir("dsmip-decode-link");
  const auto path = dir.path() / "odd.pcap";
  interop::PcapRecord record;
  record.data = suitePacket("mh-be").ip;
  ASSERT_TRUE(interop::writeFile(path, interop::pcapFile(147, {record})));
  DecodeSettings s;
  s.inputs = {path.string()};
  DecodeRun r = decode(s);
  EXPECT_EQ(r.status, kDecodeSomeFailed);
  EXPECT_NE(r.err.find("link-layer type 147 is not supported"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("[malformed link: unsupported at offset 0: unsupported link-layer type "
                       "147]"),
            std::string::npos)
      << r.out;
}

// The real command line, through CLI11.
int runCli(std::vector<std::string> args, std::string* output = nullptr) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  std::ostringstream captured;
  std::streambuf* old_out = std::cout.rdbuf(captured.rdbuf());
  std::streambuf* old_err = std::cerr.rdbuf(captured.rdbuf());
  const int status = run(static_cast<int>(argv.size()), argv.data());
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  if (output != nullptr) *output = captured.str();
  return status;
}

TEST(DecodeCommandTest, CommandLineFlagsAndHelp) {
  std::string help;
  EXPECT_EQ(runCli({"dsmip", "decode", "--help"}, &help), 0);
  for (const char* flag : {"--hex", "--link", "--json", "--summary", "--m6t-port", "--dsmip6-port",
                           "--mip4-port", "--max-depth", "--no-checksum", "3544", "4191", "434"}) {
    EXPECT_NE(help.find(flag), std::string::npos) << flag << " missing from:\n" << help;
  }
  std::string out;
  EXPECT_EQ(runCli({"dsmip", "decode", "--m6t-port", "0", "--hex", "00"}, &out), 2) << out;
  EXPECT_EQ(runCli({"dsmip", "decode", "--link", "fddi", "--hex", "00"}, &out), 2) << out;
  EXPECT_EQ(runCli({"dsmip", "decode", "--hex", "zz"}, &out), 2);
  EXPECT_NE(out.find("--hex argument 1"), std::string::npos) << out;

  // --m6t-port replaces the default; --no-checksum drops the checksum status.
  const Bytes ip = suitePacket("m6t-keepalive").ip;
  const Bytes inner(ip.begin() + 28, ip.end());
  const std::string on_9999 = toHex(inUdp4(inner, 50000, 9999));
  EXPECT_EQ(runCli({"dsmip", "decode", "--m6t-port", "9999", "--hex", on_9999}, &out), 0);
  EXPECT_NE(out.find("m6t keep-alive request"), std::string::npos) << out;
  EXPECT_EQ(runCli({"dsmip", "decode", "--no-checksum", "--json", "--hex", on_9999}, &out), 0);
  EXPECT_EQ(out.find("checksum_status"), std::string::npos) << out;
  EXPECT_EQ(runCli({"dsmip", "decode", "--dsmip6-port", "9999", "--hex", on_9999}, &out), 0);
  EXPECT_NE(out.find("service=dsmipv6"), std::string::npos) << out;
}

}  // namespace
}  // namespace dsmip::cli::test
