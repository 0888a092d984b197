// Interoperability of the ESP module with implementations nobody here wrote:
//   * scapy (scapy.layers.ipsec on python3-cryptography) decrypts what we encrypt and encrypts
//     what we decrypt, for every suite, with and without ESN, for a transport-mode IPv6 Binding
//     Update with a Home Address option (and a BA with a type 2 routing header) and for
//     tunnel-mode payload;
//   * tshark, given the same keys, decrypts our ESP, verifies the ICV and dissects the Binding
//     Update / Acknowledgement inside without a malformed or expert mark.
// A missing tool skips (under DSMIP_NO_SKIP=1: fails) with the reason.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>

#include "common/bytes.hpp"
#include "common/random.hpp"
#include "esp/ipsec.hpp"
#include "test_support/environment.hpp"
#include "wire/checksum.hpp"

namespace dsmip::esp {
namespace {

constexpr const char* kPython = "/usr/bin/python3";

const Ipv6Address kHoa = *Ipv6Address::parse("2001:db8:1::100");
const Ipv6Address kHa = *Ipv6Address::parse("2001:db8:1::1");
const Ipv6Address kCoa = *Ipv6Address::parse("2001:db8:77::5");
const Ipv6Address kCn = *Ipv6Address::parse("2001:db8:99::9");
constexpr std::uint32_t kBuSpi = 0x1001;
constexpr std::uint32_t kBaSpi = 0x1002;
constexpr std::uint32_t kUpSpi = 0x2001;

const char* const kCbcKey = "000102030405060708090a0b0c0d0e0f";
const char* const kGcmKeySalt = "303132333435363738393a3b3c3d3e3fcafebabe";
const char* const kHmacKey = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";

Bytes hex(std::string_view text) {
  Bytes b;
  EXPECT_TRUE(fromHex(text, b));
  return b;
}

std::string encKeyHex(Suite s) {
  return s == Suite::AesCbcHmacSha256 ? kCbcKey : s == Suite::AesGcm16 ? kGcmKeySalt : "";
}
std::string authKeyHex(Suite s) { return s == Suite::AesGcm16 ? "" : kHmacKey; }

SaParameters params(Suite suite, std::uint32_t spi, Direction d, bool esn) {
  SaParameters p;
  p.spi = spi;
  p.direction = d;
  p.suite = suite;
  p.esn = esn;
  p.encryption_key = SecretBytes{hex(encKeyHex(suite))};
  p.integrity_key = SecretBytes{hex(authKeyHex(suite))};
  return p;
}

void putU16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}

Bytes ipv6(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t nh, const Bytes& rest) {
  Bytes p{0x60, 0, 0, 0};
  putU16(p, static_cast<std::uint16_t>(rest.size()));
  p.push_back(nh);
  p.push_back(64);
  p.insert(p.end(), src.bytes.begin(), src.bytes.end());
  p.insert(p.end(), dst.bytes.begin(), dst.bytes.end());
  p.insert(p.end(), rest.begin(), rest.end());
  return p;
}

void setChecksum(Bytes& mh, const Ipv6Address& src, const Ipv6Address& dst) {
  const std::uint16_t sum = wire::ipv6PseudoChecksum(src, dst, 135, mh);
  mh[4] = static_cast<std::uint8_t>(sum >> 8);
  mh[5] = static_cast<std::uint8_t>(sum);
}

/// IPv6(CoA → HA) / Dest Opts [HAO] / MH BU (seq 7, A|H, 200 s, Alternate CoA): RFC 3776 §3.1.
Bytes bindingUpdatePacket() {
  Bytes mh{59, 3, 5, 0, 0, 0, 0, 7, 0xC0, 0x00, 0, 50, 1, 0, 3, 16};
  mh.insert(mh.end(), kCoa.bytes.begin(), kCoa.bytes.end());
  setChecksum(mh, kHoa, kHa);
  Bytes dest{135, 2, 1, 2, 0, 0, 201, 16};
  dest.insert(dest.end(), kHoa.bytes.begin(), kHoa.bytes.end());
  dest.insert(dest.end(), mh.begin(), mh.end());
  return ipv6(kCoa, kHa, 60, dest);
}

/// IPv6(HA → CoA) / Routing type 2 [HoA] / MH BA (status 0, seq 7, 200 s): RFC 3776 §3.1.
Bytes bindingAckPacket() {
  Bytes mh{59, 1, 6, 0, 0, 0, 0, 0, 0, 7, 0, 50, 1, 2, 0, 0};
  setChecksum(mh, kHa, kHoa);
  Bytes rh{135, 2, 2, 1, 0, 0, 0, 0};
  rh.insert(rh.end(), kHoa.bytes.begin(), kHoa.bytes.end());
  rh.insert(rh.end(), mh.begin(), mh.end());
  return ipv6(kHa, kCoa, 43, rh);
}

/// IPv6(HoA → CN) / UDP: payload for the tunnel-mode SA.
Bytes payloadPacket() {
  Bytes udp{0x13, 0x88, 0x00, 0x35};
  putU16(udp, 8 + 37);
  putU16(udp, 0);
  for (int i = 0; i < 37; ++i) udp.push_back(static_cast<std::uint8_t>(i * 11));
  const std::uint16_t sum = wire::ipv6PseudoChecksum(kHoa, kCn, 17, udp);
  udp[6] = static_cast<std::uint8_t>(sum >> 8);
  udp[7] = static_cast<std::uint8_t>(sum);
  return ipv6(kHoa, kCn, 17, udp);
}

PacketBuffer buffer(const Bytes& b) {
  PacketBuffer p;
  EXPECT_TRUE(p.assign(b));
  return p;
}

Bytes toBytes(ByteView v) { return Bytes(v.begin(), v.end()); }

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("dsmip-esp-interop-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] std::filesystem::path file(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void writeFile(const std::filesystem::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary);
  out << s;
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

struct CommandResult {
  int status = -1;
  std::string out;
  std::string err;
};

CommandResult run(const TempDir& dir, const std::string& command, const std::string& input = "") {
  writeFile(dir.file("stdin"), input);
  const std::string full = command + " < " + quote(dir.file("stdin").string()) + " > " +
                           quote(dir.file("stdout").string()) + " 2> " +
                           quote(dir.file("stderr").string());
  CommandResult r;
  r.status = std::system(full.c_str());
  r.out = readFile(dir.file("stdout"));
  r.err = readFile(dir.file("stderr"));
  return r;
}

bool scapyAvailable() {
  if (!std::filesystem::exists(kPython)) return false;
  TempDir dir;
  return run(dir, std::string(kPython) +
                      " -c 'import cryptography; from scapy.layers.ipsec import "
                      "SecurityAssociation, ESP'")
             .status == 0;
}

#define DSMIP_REQUIRE_SCAPY()         \
  DSMIP_SKIP_UNLESS(scapyAvailable(), \
                    "/usr/bin/python3 with scapy and python3-cryptography is not installed")

struct ScapyCall {
  std::string op;
  Suite suite;
  std::uint32_t spi;
  std::uint64_t sequence;
  bool esn = false;
  std::string iv;  // hex, encrypt only
  std::optional<std::pair<Ipv6Address, Ipv6Address>> tunnel;
};

/// Runs tests/interop/esp_scapy.py; the packet as bytes in and out.
std::optional<Bytes> scapy(const ScapyCall& c, const Bytes& packet, std::string* error) {
  TempDir dir;
  std::string cmd = std::string(kPython) + " " +
                    quote(dsmip::test::sourceDir() + "/tests/interop/esp_scapy.py") + " " + c.op +
                    " --suite " + std::string(suiteName(c.suite)) + " --spi " +
                    std::to_string(c.spi) + " --seq " + std::to_string(c.sequence);
  if (c.esn) cmd += " --esn";
  if (!encKeyHex(c.suite).empty()) cmd += " --enc-key " + encKeyHex(c.suite);
  if (!authKeyHex(c.suite).empty()) cmd += " --auth-key " + authKeyHex(c.suite);
  if (!c.iv.empty()) cmd += " --iv " + c.iv;
  if (c.tunnel) {
    cmd += " --tunnel-src " + c.tunnel->first.toString() + " --tunnel-dst " +
           c.tunnel->second.toString();
  }
  const CommandResult r = run(dir, cmd, toHex(packet) + "\n");
  if (r.status != 0) {
    *error = r.err;
    return std::nullopt;
  }
  Bytes out;
  if (!fromHex(r.out, out)) {
    *error = "unreadable output: " + r.out;
    return std::nullopt;
  }
  return out;
}

std::string ivHex(Suite suite, std::uint64_t sequence) {
  switch (suite) {
    case Suite::AesCbcHmacSha256:
      return "f0e1d2c3b4a5968778695a4b3c2d1e0f";
    case Suite::AesGcm16: {
      Bytes iv;
      for (int i = 7; i >= 0; --i) iv.push_back(static_cast<std::uint8_t>(sequence >> (8 * i)));
      return toHex(iv);
    }
    case Suite::NullHmacSha256:
      return "";
  }
  return "";
}

struct InteropCase {
  Suite suite;
  bool esn;
};

std::string caseName(const ::testing::TestParamInfo<InteropCase>& info) {
  std::string name{suiteName(info.param.suite)};
  std::erase(name, '-');
  return name + (info.param.esn ? "_esn" : "");
}

class ScapyInteropTest : public ::testing::TestWithParam<InteropCase> {};

TEST_P(ScapyInteropTest, ScapyDecryptsWhatWeEncrypt) {
  DSMIP_REQUIRE_SCAPY();
  const auto [suite, esn] = GetParam();
  SeededRandom random{42};
  Ipsec mn{random};
  Ipsec ha{random};
  // With ESN, start above 2^32 so that the implicit high half is 1.
  const std::uint64_t start = esn ? 0x100000005ULL : 5;
  auto bu_sa = params(suite, kBuSpi, Direction::Outbound, esn);
  bu_sa.initial_sequence = start;
  auto up_sa = params(suite, kUpSpi, Direction::Outbound, esn);
  up_sa.mode = Mode::Tunnel;
  up_sa.tunnel = TunnelEndpoints{kCoa, kHa};
  up_sa.initial_sequence = start;
  auto ba_sa = params(suite, kBaSpi, Direction::Outbound, esn);
  ba_sa.initial_sequence = start;
  ASSERT_TRUE(mn.sad().add(bu_sa, TimePoint{}));
  ASSERT_TRUE(mn.sad().add(up_sa, TimePoint{}));
  ASSERT_TRUE(ha.sad().add(ba_sa, TimePoint{}));
  PolicyEntry bu;
  bu.name = "bu";
  bu.selector.local = AddressRange::single(kHoa);
  bu.selector.remote = AddressRange::single(kHa);
  bu.selector.protocol = kProtocolMobilityHeader;
  bu.action = PolicyAction::Protect;
  bu.inbound = false;
  bu.outbound_spi = kBuSpi;
  PolicyEntry payload = bu;
  payload.name = "payload";
  payload.selector = Selector{};
  payload.selector.local = AddressRange::single(kHoa);
  payload.outbound_spi = kUpSpi;
  ASSERT_TRUE(mn.spd().add(bu));
  ASSERT_TRUE(mn.spd().add(payload));
  PolicyEntry ba = bu;
  ba.selector.local = AddressRange::single(kHa);
  ba.selector.remote = AddressRange::single(kHoa);
  ba.outbound_spi = kBaSpi;
  ASSERT_TRUE(ha.spd().add(ba));

  struct Item {
    const char* what;
    Ipsec* node;
    Bytes plain;
    std::optional<std::pair<Ipv6Address, Ipv6Address>> tunnel;
  };
  const Item items[] = {{"binding update", &mn, bindingUpdatePacket(), std::nullopt},
                        {"binding ack", &ha, bindingAckPacket(), std::nullopt},
                        {"tunnelled payload", &mn, payloadPacket(), std::make_pair(kCoa, kHa)}};
  for (const auto& item : items) {
    SCOPED_TRACE(item.what);
    PacketBuffer p = buffer(item.plain);
    const OutboundResult out = item.node->outbound(p, TimePoint{});
    ASSERT_EQ(out.verdict, OutboundVerdict::Protected) << dropReasonName(out.reason);
    EXPECT_EQ(out.sequence, start + 1);
    std::string error;
    const auto decrypted =
        scapy(ScapyCall{"decrypt", suite, out.spi, out.sequence, esn, "", item.tunnel},
              toBytes(p.data()), &error);
    ASSERT_TRUE(decrypted) << error;
    EXPECT_EQ(toHex(*decrypted), toHex(item.plain));
  }
}

TEST_P(ScapyInteropTest, WeDecryptWhatScapyEncrypts) {
  DSMIP_REQUIRE_SCAPY();
  const auto [suite, esn] = GetParam();
  SeededRandom random{43};
  Ipsec ha{random};
  auto bu_sa = params(suite, kBuSpi, Direction::Inbound, esn);
  auto up_sa = params(suite, kUpSpi, Direction::Inbound, esn);
  up_sa.mode = Mode::Tunnel;
  up_sa.tunnel = TunnelEndpoints{kHa, kCoa};
  ASSERT_TRUE(ha.sad().add(bu_sa, TimePoint{}));
  ASSERT_TRUE(ha.sad().add(up_sa, TimePoint{}));
  PolicyEntry bu;
  bu.name = "bu";
  bu.selector.local = AddressRange::single(kHa);
  bu.selector.remote = AddressRange::single(kHoa);
  bu.selector.protocol = kProtocolMobilityHeader;
  bu.selector.remote_message = MessageRange::type(5);
  bu.action = PolicyAction::Protect;
  bu.outbound = false;
  bu.inbound_spi = kBuSpi;
  PolicyEntry payload = bu;
  payload.name = "payload";
  payload.selector = Selector{};
  payload.selector.remote = AddressRange::single(kHoa);
  payload.inbound_spi = kUpSpi;
  ASSERT_TRUE(ha.spd().add(bu));
  ASSERT_TRUE(ha.spd().add(payload));

  // Two packets per SA; with ESN the second crosses into the next 2^32 subspace, so the HA must
  // infer the high half (RFC 4303 Appendix A) for scapy's ICV to verify.
  const std::uint64_t sequences[] = {esn ? 0xFFFFFFF0ULL : 7, esn ? 0x100000002ULL : 8};
  struct Item {
    const char* what;
    std::uint32_t spi;
    Bytes plain;
    std::optional<std::pair<Ipv6Address, Ipv6Address>> tunnel;
  };
  const Item items[] = {{"binding update", kBuSpi, bindingUpdatePacket(), std::nullopt},
                        {"tunnelled payload", kUpSpi, payloadPacket(), std::make_pair(kCoa, kHa)}};
  for (const auto& item : items) {
    for (std::uint64_t sequence : sequences) {
      SCOPED_TRACE(std::string(item.what) + " seq " + std::to_string(sequence));
      std::string error;
      const auto encrypted = scapy(
          ScapyCall{"encrypt", suite, item.spi, sequence, esn, ivHex(suite, sequence), item.tunnel},
          item.plain, &error);
      ASSERT_TRUE(encrypted) << error;
      ASSERT_EQ(peekEspSpi(*encrypted), item.spi);
      PacketBuffer p = buffer(*encrypted);
      const InboundResult in = ha.inbound(p, TimePoint{});
      ASSERT_EQ(in.verdict, InboundVerdict::Accepted) << dropReasonName(in.reason);
      EXPECT_EQ(in.spi, item.spi);
      EXPECT_EQ(in.sequence, sequence);
      EXPECT_EQ(toHex(p.data()), toHex(item.plain));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Suites, ScapyInteropTest,
                         ::testing::Values(InteropCase{Suite::AesCbcHmacSha256, false},
                                           InteropCase{Suite::AesCbcHmacSha256, true},
                                           InteropCase{Suite::AesGcm16, false},
                                           InteropCase{Suite::AesGcm16, true},
                                           InteropCase{Suite::NullHmacSha256, false},
                                           InteropCase{Suite::NullHmacSha256, true}),
                         caseName);

// --- tshark -------------------------------------------------------------------------------------

/// A pcap file (LINKTYPE_RAW: packets start with the IP header) with one packet.
std::string pcapOf(const Bytes& packet) {
  std::string s;
  auto u32 = [&](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
  };
  auto u16 = [&](std::uint16_t v) {
    s.push_back(static_cast<char>(v));
    s.push_back(static_cast<char>(v >> 8));
  };
  u32(0xa1b2c3d4);
  u16(2);
  u16(4);
  u32(0);
  u32(0);
  u32(65535);
  u32(101);  // LINKTYPE_RAW
  u32(1);
  u32(0);
  u32(static_cast<std::uint32_t>(packet.size()));
  u32(static_cast<std::uint32_t>(packet.size()));
  s.append(packet.begin(), packet.end());
  return s;
}

std::string tsharkAlgorithm(Suite suite) {
  switch (suite) {
    case Suite::AesCbcHmacSha256:
      return "AES-CBC [RFC3602]";
    case Suite::AesGcm16:
      return "AES-GCM with 16 octet ICV [RFC4106]";
    case Suite::NullHmacSha256:
      return "NULL";
  }
  return "";
}

/// tshark -r with an esp_sa UAT entry (tshark 4.0 fields: protocol, source, destination, SPI,
/// encryption algorithm, encryption key, authentication algorithm, authentication key). For SA
/// matching Wireshark takes the Home Address option's address as the source and the type 2
/// routing header's address as the destination, as RFC 4877 §4.2 does.
CommandResult tshark(const TempDir& dir, const Bytes& packet, Suite suite, std::uint32_t spi,
                     const Ipv6Address& src, const Ipv6Address& dst, const std::string& enc_key,
                     const std::string& extra) {
  writeFile(dir.file("esp.pcap"), pcapOf(packet));
  const std::string auth = suite == Suite::AesGcm16 ? "NULL" : "HMAC-SHA-256-128 [RFC4868]";
  char spi_text[16];
  std::snprintf(spi_text, sizeof spi_text, "0x%08x", spi);
  const std::string sa = "\"IPv6\",\"" + src.toString() + "\",\"" + dst.toString() + "\",\"" +
                         spi_text + "\",\"" + tsharkAlgorithm(suite) + "\",\"" +
                         (enc_key.empty() ? "" : "0x" + enc_key) + "\",\"" + auth + "\",\"" +
                         (authKeyHex(suite).empty() ? "" : "0x" + authKeyHex(suite)) + "\"";
  const std::string cmd = "tshark -n -r " + quote(dir.file("esp.pcap").string()) +
                          " -o esp.enable_encryption_decode:TRUE" +
                          " -o esp.enable_authentication_check:TRUE -o " +
                          quote("uat:esp_sa:" + sa) + " " + extra;
  return run(dir, cmd);
}

struct Dissection {
  std::string fields;   // sequence number, ICV good, expert, malformed
  std::string verbose;  // tshark -V
};

Dissection dissect(const Bytes& packet, Suite suite, std::uint32_t spi, const Ipv6Address& src,
                   const Ipv6Address& dst, const std::string& field, const std::string& enc_key) {
  TempDir dir;
  const CommandResult f =
      tshark(dir, packet, suite, spi, src, dst, enc_key,
             "-T fields -E separator=, -e " + field + " -e esp.icv_good -e esp.pad_len -e " +
                 "_ws.expert -e _ws.malformed");
  EXPECT_EQ(f.status, 0) << f.err;
  const CommandResult v = tshark(dir, packet, suite, spi, src, dst, enc_key, "-V");
  EXPECT_EQ(v.status, 0) << v.err;
  return Dissection{f.out, v.out};
}

class TsharkInteropTest : public ::testing::TestWithParam<Suite> {};

TEST_P(TsharkInteropTest, DecryptsOurBindingUpdateAndAck) {
  DSMIP_REQUIRE_TOOL("tshark");
  const Suite suite = GetParam();
  SeededRandom random{44};
  Ipsec mn{random};
  Ipsec ha{random};
  ASSERT_TRUE(mn.sad().add(params(suite, kBuSpi, Direction::Outbound, false), TimePoint{}));
  ASSERT_TRUE(ha.sad().add(params(suite, kBaSpi, Direction::Outbound, false), TimePoint{}));
  PolicyEntry all;
  all.name = "all";
  all.action = PolicyAction::Protect;
  all.inbound = false;
  all.outbound_spi = kBuSpi;
  ASSERT_TRUE(mn.spd().add(all));
  all.outbound_spi = kBaSpi;
  ASSERT_TRUE(ha.spd().add(all));

  PacketBuffer bu = buffer(bindingUpdatePacket());
  ASSERT_EQ(mn.outbound(bu, TimePoint{}).verdict, OutboundVerdict::Protected);
  const Dissection d =
      dissect(toBytes(bu.data()), suite, kBuSpi, kHoa, kHa, "mip6.bu.seqnr", encKeyHex(suite));
  // Sequence number 7, ICV good, the padding the ESP trailer announced, no expert info, not
  // malformed.
  const std::string pad = std::to_string(paddingLength(suite, 32));
  EXPECT_EQ(d.fields, "7,1," + pad + ",,\n") << d.verbose;
  EXPECT_NE(d.verbose.find("Binding Update"), std::string::npos) << d.verbose;
  EXPECT_NE(d.verbose.find("Alternate care-of address: 2001:db8:77::5"), std::string::npos);
  EXPECT_NE(d.verbose.find("MIPv6 Home Address: 2001:db8:1::100"), std::string::npos);
  EXPECT_EQ(d.verbose.find("Malformed"), std::string::npos) << d.verbose;
  EXPECT_EQ(d.verbose.find("Expert Info"), std::string::npos) << d.verbose;

  PacketBuffer ba = buffer(bindingAckPacket());
  ASSERT_EQ(ha.outbound(ba, TimePoint{}).verdict, OutboundVerdict::Protected);
  const Dissection e =
      dissect(toBytes(ba.data()), suite, kBaSpi, kHa, kHoa, "mip6.ba.seqnr", encKeyHex(suite));
  EXPECT_EQ(e.fields, "7,1," + std::to_string(paddingLength(suite, 16)) + ",,\n") << e.verbose;
  EXPECT_NE(e.verbose.find("Binding Acknowledgement"), std::string::npos) << e.verbose;
  EXPECT_EQ(e.verbose.find("Malformed"), std::string::npos) << e.verbose;
  EXPECT_EQ(e.verbose.find("Expert Info"), std::string::npos) << e.verbose;
}

TEST_P(TsharkInteropTest, NoticesAWrongKey) {
  // The negative control: the same check fails when tshark is given the wrong key, so the test
  // above cannot pass by accident.
  DSMIP_REQUIRE_TOOL("tshark");
  const Suite suite = GetParam();
  SeededRandom random{45};
  Ipsec mn{random};
  ASSERT_TRUE(mn.sad().add(params(suite, kBuSpi, Direction::Outbound, false), TimePoint{}));
  PolicyEntry all;
  all.name = "all";
  all.action = PolicyAction::Protect;
  all.inbound = false;
  all.outbound_spi = kBuSpi;
  ASSERT_TRUE(mn.spd().add(all));
  PacketBuffer bu = buffer(bindingUpdatePacket());
  ASSERT_EQ(mn.outbound(bu, TimePoint{}).verdict, OutboundVerdict::Protected);
  Bytes wrong = toBytes(bu.data());
  wrong[wrong.size() - 1] ^= 0x01;  // a changed ICV
  const Dissection d = dissect(wrong, suite, kBuSpi, kHoa, kHa, "mip6.bu.seqnr", encKeyHex(suite));
  EXPECT_EQ(d.fields.find(",1,"), std::string::npos) << d.fields;  // ICV not good
}

INSTANTIATE_TEST_SUITE_P(Suites, TsharkInteropTest,
                         ::testing::Values(Suite::AesCbcHmacSha256, Suite::AesGcm16,
                                           Suite::NullHmacSha256),
                         [](const ::testing::TestParamInfo<Suite>& param) {
                           std::string name{suiteName(param.param)};
                           std::erase(name, '-');
                           return name;
                         });

}  // namespace
}  // namespace dsmip::esp
