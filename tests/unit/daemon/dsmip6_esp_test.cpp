// The ESP stage of the DSMIPv6 daemons: esp::Ipsec behind the SignallingFilter seam carries a
// whole registration between the real cores with require_esp on (IPv6 and IPv4/UDP care-of
// addresses, the outer IPv4 address and port reassociated after ESP: draft Req. #4), and
// rejects and counts what it must (no ESP, replay, a flipped octet, another home address). The
// [[esp_sa]] / [[esp_policy]] tables: the examples load, D7 (GCM with static keys) is refused,
// errors name the key and never show key material.
#include "daemon/dsmip6_esp.hpp"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../dsmip6/mn_test_util.hpp"
#include "daemon/ha_config.hpp"
#include "daemon/mn_config.hpp"
#include "dsmip6/home_agent.hpp"
#include "dsmip6/mobile_node.hpp"
#include "esp/ipsec.hpp"
#include "test_support/environment.hpp"

namespace dsmip::daemon {
namespace {

using namespace dsmip6::test;  // NOLINT(google-build-using-namespace): test topology names
using dsmip6::Transport;

constexpr std::string_view kEk1 = "0x2b7e151628aed2a6abf7158809cf4f3c";
constexpr std::string_view kIk1 =
    "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr std::string_view kEk2 = "0x3c4f2a1b5d6e7f8091a2b3c4d5e6f708";
constexpr std::string_view kIk2 =
    "0x1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";

std::string sa(std::string_view name, std::string_view spi, std::string_view direction,
               std::string_view ek, std::string_view ik,
               std::string_view suite = "aes-cbc-hmac-sha256") {
  std::ostringstream s;
  s << "[[esp_sa]]\nname = \"" << name << "\"\nspi = " << spi << "\ndirection = \"" << direction
    << "\"\nsuite = \"" << suite << "\"\nencryption_key = \"" << ek << "\"\nintegrity_key = \""
    << ik << "\"\n";
  return s.str();
}

// The RFC 4877 BU/BA entry plus "bypass the rest", from `local` to `remote`.
std::string policies(const std::string& local, const std::string& remote, std::string_view out_type,
                     std::string_view in_type, std::string_view out_spi, std::string_view in_spi) {
  std::ostringstream s;
  s << "[[esp_policy]]\nname = \"bu-ba\"\nlocal = \"" << local << "\"\nremote = \"" << remote
    << "\"\nprotocol = \"mh\"\nlocal_mh_type = \"" << out_type << "\"\nremote_mh_type = \""
    << in_type << "\"\naction = \"protect\"\noutbound_spi = " << out_spi
    << "\ninbound_spi = " << in_spi << "\n[[esp_policy]]\nname = \"other\"\naction = \"bypass\"\n";
  return s.str();
}

std::string haTables(const std::string& home = kHoa.toString()) {
  return sa("bu-in", "0x1001", "inbound", kEk1, kIk1) +
         sa("ba-out", "0x2001", "outbound", kEk2, kIk2) +
         policies(kHa.toString(), home, "ba", "bu", "0x2001", "0x1001");
}
std::string mnTables(const std::string& home = kHoa.toString()) {
  return sa("bu-out", "0x1001", "outbound", kEk1, kIk1) +
         sa("ba-in", "0x2001", "inbound", kEk2, kIk2) +
         policies(home, kHa.toString(), "bu", "ba", "0x1001", "0x2001");
}

Result<EspDaemonConfig> read(const std::string& text) {
  toml::table file = toml::parse(text);
  EspDaemonConfig c;
  if (Status s = readEspTables(file, "test.toml", c); !s) return Unexpected{s.error()};
  EXPECT_FALSE(file.contains("esp_sa"));
  EXPECT_FALSE(file.contains("esp_policy"));
  return c;
}

std::uint64_t counter(const NamedCounters& counters, std::string_view name) {
  for (const auto& [n, v] : counters) {
    if (n == name) return v;
  }
  ADD_FAILURE() << "no counter " << name;
  return 0;
}

struct Ends {
  SeededRandom random{11};
  EspSignallingFilter mn_esp{random, EspPeer::HomeAgent};
  EspSignallingFilter ha_esp{random, EspPeer::MobileNode};
  SignallingPath mn_path{mn_esp};
  SignallingPath ha_path{ha_esp};
  PacketBuffer scratch;

  explicit Ends(const std::string& mn_home = kHoa.toString()) {
    auto m = read(mnTables(mn_home));
    auto h = read(haTables());
    EXPECT_TRUE(m && h);
    EXPECT_TRUE(mn_esp.install(m->built, kT0));
    EXPECT_TRUE(ha_esp.install(h->built, kT0));
  }
};

PacketBuffer onTheWire(ByteView bytes) {
  PacketBuffer b;
  EXPECT_TRUE(b.assign(bytes));
  return b;
}

TEST(EspStageTest, CarriesARegistrationFromAnIpv6CareOfAddress) {
  Ends ends;
  SeededRandom random(5);
  dsmip6::HomeAgentConfig hc = testHomeAgentConfig();
  hc.require_esp = true;
  dsmip6::HomeAgent ha(hc, random);
  dsmip6::MobileNodeConfig mc = testMobileNodeConfig();
  mc.require_esp = true;
  dsmip6::MobileNode mn(mc, random);

  auto bus = actionsOf<dsmip6::SendSignalling>(mn.onCareOfAddresses({candidate(kCoa)}, kT0));
  ASSERT_EQ(bus.size(), 1u);
  auto bu = ends.mn_path.prepare(bus[0], ends.scratch, 0, kT0);
  ASSERT_TRUE(bu);
  // On the wire: ESP with the BU SA's SPI after the Home Address option, no cleartext MH.
  EXPECT_EQ(esp::peekEspSpi(bu->bytes), 0x1001u);
  PacketBuffer at_ha = onTheWire(bu->bytes);
  auto inbound = ends.ha_path.receive(at_ha, bu->transport, kT0);
  ASSERT_TRUE(inbound);
  EXPECT_TRUE(inbound->esp_protected);
  EXPECT_EQ(inbound->esp_home_address, kHoa);  // the SA's remote selector
  auto bas = actionsOf<dsmip6::SendSignalling>(ha.onSignalling(at_ha.data(), *inbound, kT0));
  ASSERT_EQ(bas.size(), 1u);
  ASSERT_NE(ha.binding(kHoa), nullptr);

  auto ba = ends.ha_path.prepare(bas[0], ends.scratch, 0, kT0);
  ASSERT_TRUE(ba);
  EXPECT_EQ(esp::peekEspSpi(ba->bytes), 0x2001u);
  PacketBuffer at_mn = onTheWire(ba->bytes);
  auto mn_inbound = ends.mn_path.receive(at_mn, ba->transport, kT0);
  ASSERT_TRUE(mn_inbound);
  EXPECT_TRUE(mn_inbound->esp_protected);
  EXPECT_FALSE(mn_inbound->esp_home_address);  // only a home agent checks home addresses
  (void)mn.onSignalling(at_mn.data(), *mn_inbound, kT0);
  EXPECT_EQ(mn.stats().registrations, 1u);

  const NamedCounters hc_counters = ends.ha_esp.counters();
  EXPECT_EQ(counter(hc_counters, "inbound-accepted"), 1u);
  EXPECT_EQ(counter(hc_counters, "outbound-protected"), 1u);
  EXPECT_EQ(counter(hc_counters, "sa:4097:inbound:packets"), 1u);
  EXPECT_EQ(counter(hc_counters, "sa:8193:outbound:last-sequence"), 1u);
}

TEST(EspStageTest, ReassociatesTheOuterIpv4AddressAndPortAfterEsp) {
  // Req. #4: the BU comes through a NAT in UDP; the HA's transport stage records the NAT's
  // address and port, ESP decrypts, and the core still sees them: NAT detected, BA to the NAT.
  Ends ends;
  SeededRandom random(5);
  dsmip6::HomeAgentConfig hc = testHomeAgentConfig();
  hc.require_esp = true;
  dsmip6::HomeAgent ha(hc, random);
  dsmip6::MobileNodeConfig mc = testMobileNodeConfig();
  mc.require_esp = true;
  dsmip6::MobileNode mn(mc, random);
  auto bus = actionsOf<dsmip6::SendSignalling>(mn.onCareOfAddresses({candidate(kCoa4)}, kT0));
  ASSERT_EQ(bus.size(), 1u);
  ASSERT_EQ(bus[0].transport.kind, dsmip6::TransportKind::UdpIpv4);
  auto bu = ends.mn_path.prepare(bus[0], ends.scratch, 0, kT0);
  ASSERT_TRUE(bu);
  ASSERT_EQ(bu->socket, SignallingSocket::Udp);
  EXPECT_EQ(esp::peekEspSpi(bu->bytes), 0x1001u);
  const Ipv4Endpoint nat{kNat4, 61000};
  const Transport seen = Transport::udp(nat, bus[0].transport.ipv4_destination);
  PacketBuffer at_ha = onTheWire(bu->bytes);
  auto inbound = ends.ha_path.receive(at_ha, seen, kT0);
  ASSERT_TRUE(inbound);
  EXPECT_TRUE(inbound->esp_protected);
  EXPECT_EQ(inbound->transport, seen);
  auto bas = actionsOf<dsmip6::SendSignalling>(ha.onSignalling(at_ha.data(), *inbound, kT0));
  ASSERT_EQ(bas.size(), 1u);
  const dsmip6::BindingCacheEntry* entry = ha.binding(kHoa);
  ASSERT_NE(entry, nullptr);
  EXPECT_TRUE(entry->nat_detected);
  EXPECT_EQ(bas[0].transport.ipv4_destination, nat);
}

TEST(EspStageTest, RejectsAndCountsUnprotectedReplayedAndAlteredBus) {
  Ends ends;
  SeededRandom random(5);
  dsmip6::MobileNodeConfig mc = testMobileNodeConfig();
  dsmip6::MobileNode mn(mc, random);
  auto bus = actionsOf<dsmip6::SendSignalling>(mn.onCareOfAddresses({candidate(kCoa)}, kT0));
  ASSERT_EQ(bus.size(), 1u);
  // No ESP: the SPD says BUs from kHoa arrive on SA 0x1001.
  PacketBuffer plain = onTheWire(bus[0].packet);
  EXPECT_FALSE(ends.ha_path.receive(plain, Transport::ipv6(), kT0));
  auto bu = ends.mn_path.prepare(bus[0], ends.scratch, 0, kT0);
  ASSERT_TRUE(bu);
  const Bytes wire(bu->bytes.begin(), bu->bytes.end());
  PacketBuffer first = onTheWire(wire);
  EXPECT_TRUE(ends.ha_path.receive(first, Transport::ipv6(), kT0));
  PacketBuffer replay = onTheWire(wire);
  EXPECT_FALSE(ends.ha_path.receive(replay, Transport::ipv6(), kT0));
  // The same packet with an octet of its ICV flipped: its sequence number is already in the
  // window, and RFC 4303 §3.4.3 checks the window first.
  Bytes flipped = wire;
  flipped.back() ^= 0x01;
  PacketBuffer altered = onTheWire(flipped);
  EXPECT_FALSE(ends.ha_path.receive(altered, Transport::ipv6(), kT0));
  const NamedCounters path = ends.ha_path.counters();
  EXPECT_EQ(counter(path, "filter-drop:unprotected"), 1u);
  EXPECT_EQ(counter(path, "filter-drop:replayed"), 2u);  // a flipped ICV on an old number too
  // The next BU (sequence 2) with an octet of its ciphertext flipped fails the ICV.
  auto again = ends.mn_path.prepare(bus[0], ends.scratch, 0, kT0);
  ASSERT_TRUE(again);
  Bytes bad(again->bytes.begin(), again->bytes.end());
  bad[bad.size() - 20] ^= 0x80;
  PacketBuffer at_ha = onTheWire(bad);
  EXPECT_FALSE(ends.ha_path.receive(at_ha, Transport::ipv6(), kT0));
  const NamedCounters esp = ends.ha_esp.counters();
  EXPECT_EQ(counter(esp, "inbound-drop:icv-mismatch"), 1u);
  EXPECT_EQ(counter(esp, "sa:4097:inbound:icv-failures"), 1u);
  EXPECT_EQ(counter(esp, "sa:4097:inbound:replay-drops"), 2u);
  EXPECT_EQ(counter(esp, "inbound-drop:unprotected"), 1u);
}

TEST(EspStageTest, ABuForAnotherHomeAddressOnThisSaIsRefused) {
  // The mobile node's SA is used for a home address its policy at the HA does not name.
  const Ipv6Address other = Ipv6Address::parse("2001:db8:1::101").value();
  Ends ends("any");
  SeededRandom random(5);
  dsmip6::MobileNodeConfig mc = testMobileNodeConfig();
  mc.home_addresses = {other};
  dsmip6::MobileNode mn(mc, random);
  auto bus = actionsOf<dsmip6::SendSignalling>(mn.onCareOfAddresses({candidate(kCoa)}, kT0));
  ASSERT_EQ(bus.size(), 1u);
  auto bu = ends.mn_path.prepare(bus[0], ends.scratch, 0, kT0);
  ASSERT_TRUE(bu);
  EXPECT_EQ(esp::peekEspSpi(bu->bytes), 0x1001u);
  PacketBuffer at_ha = onTheWire(bu->bytes);
  EXPECT_FALSE(ends.ha_path.receive(at_ha, Transport::ipv6(), kT0));
  EXPECT_EQ(counter(ends.ha_path.counters(), "filter-drop:selector-mismatch"), 1u);

  // Behind it, the core refuses a BU whose home address is not the SA's (RFC 6275 §9.5.1): a
  // BU for kHoa that arrived on an SA made for `other`.
  SeededRandom r2(5);
  dsmip6::MobileNode owner(testMobileNodeConfig(), r2);
  auto owner_bus =
      actionsOf<dsmip6::SendSignalling>(owner.onCareOfAddresses({candidate(kCoa)}, kT0));
  ASSERT_EQ(owner_bus.size(), 1u);
  dsmip6::HomeAgentConfig hc = testHomeAgentConfig();
  hc.require_esp = true;
  dsmip6::HomeAgent ha(hc, r2);
  dsmip6::Inbound inbound;
  inbound.esp_protected = true;
  inbound.esp_home_address = other;
  (void)ha.onSignalling(onTheWire(owner_bus[0].packet).data(), inbound, kT0);
  EXPECT_EQ(ha.binding(kHoa), nullptr);
  EXPECT_EQ(ha.stats().signalling_drops[static_cast<std::size_t>(
                dsmip6::SignallingDrop::SecurityAssociationMismatch)],
            1u);
}

TEST(EspStageTest, OutboundSequenceNumbersSurviveARestart) {
  // RFC 4303 §3.3.3: with manual keys the sender's counter must survive restarts. The numbers
  // are reserved on disk in blocks before they are used.
  char pattern[] = "/tmp/dsmip-esp-seq-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  const SequenceStore store(dir, "mn");
  ASSERT_TRUE(store.prepare());
  auto config = read(mnTables());
  ASSERT_TRUE(config);
  SeededRandom random(3);
  dsmip6::MobileNode mn(testMobileNodeConfig(), random);
  auto bus = actionsOf<dsmip6::SendSignalling>(mn.onCareOfAddresses({candidate(kCoa)}, kT0));
  ASSERT_EQ(bus.size(), 1u);
  auto sequenceOf = [](ByteView esp_packet) {
    // After the IPv6 header and the Destination Options header with the HAO: SPI, sequence.
    std::optional<std::uint64_t> out;
    for (std::size_t i = 40; i + 8 <= esp_packet.size(); ++i) {
      if (esp_packet[i] == 0x00 && esp_packet[i + 1] == 0x00 && esp_packet[i + 2] == 0x10 &&
          esp_packet[i + 3] == 0x01) {
        out = (std::uint64_t{esp_packet[i + 4]} << 24) | (std::uint64_t{esp_packet[i + 5]} << 16) |
              (std::uint64_t{esp_packet[i + 6]} << 8) | esp_packet[i + 7];
        break;
      }
    }
    return out;
  };
  PacketBuffer scratch;
  {
    EspSignallingFilter first(random, EspPeer::HomeAgent);
    ASSERT_TRUE(first.install(config->built, kT0, &store));
    SignallingPath path(first);
    for (std::uint64_t n = 1; n <= 3; ++n) {
      auto out = path.prepare(bus[0], scratch, 0, kT0);
      ASSERT_TRUE(out);
      EXPECT_EQ(sequenceOf(out->bytes), n);
    }
    EXPECT_EQ(store.load(0x1001).value_or(0), SequenceStore::kBlock);  // written ahead
  }
  // "Restart": the same SAs continue after the reserved block, never below it.
  EspSignallingFilter second(random, EspPeer::HomeAgent);
  ASSERT_TRUE(second.install(config->built, kT0, &store));
  SignallingPath path(second);
  auto out = path.prepare(bus[0], scratch, 0, kT0);
  ASSERT_TRUE(out);
  EXPECT_EQ(sequenceOf(out->bytes), SequenceStore::kBlock + 1);
  EXPECT_EQ(store.load(0x1001).value_or(0), 2 * SequenceStore::kBlock);
  // A damaged state file stops the daemon rather than guessing.
  { std::ofstream(store.path(0x1001)) << "garbage\n"; }
  EspSignallingFilter third(random, EspPeer::HomeAgent);
  EXPECT_FALSE(third.install(config->built, kT0, &store));
  std::filesystem::remove_all(dir);
}

TEST(EspConfigTest, TheExamplesInstallTheRfc3776Policies) {
  for (const char* name : {"ha.toml", "mn.toml"}) {
    std::ifstream in(test::sourceDir() + "/examples/dsmip6/" + name);
    std::stringstream text;
    text << in.rdbuf();
    auto c = read(text.str());
    ASSERT_TRUE(c) << name << ": " << c.error().toString();
    EXPECT_EQ(c->built.sas.size(), 4u) << name;
    ASSERT_EQ(c->built.policies.size(), 3u) << name;
    EXPECT_EQ(c->built.policies[0].action, esp::PolicyAction::Protect);
    EXPECT_EQ(c->built.policies[0].selector.protocol, 135);
    EXPECT_EQ(c->built.policies[1].selector.protocol, 58);
    EXPECT_EQ(c->built.policies[2].action, esp::PolicyAction::Bypass);
    for (const auto& s : c->built.sas) EXPECT_EQ(s.mode, esp::Mode::Transport);
  }
}

TEST(EspConfigTest, GcmWithStaticKeysIsRefusedCitingRfc4106) {
  auto c = read(sa("bu", "0x1001", "outbound", "0x00112233445566778899aabbccddeeff01020304", "",
                   "aes-gcm-16"));
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().detail.find("RFC 4106"), std::string::npos) << c.error().detail;
  EXPECT_NE(c.error().detail.find("suite"), std::string::npos);
}

TEST(EspConfigTest, ErrorsNameTheKeyAndNeverShowKeys) {
  auto unknown = read("[[esp_sa]]\nname = \"x\"\nspii = 5\n");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().detail.find("[[esp_sa]] #1: unknown key 'spii'"), std::string::npos)
      << unknown.error().detail;
  auto type = read(
      "[[esp_policy]]\nname = \"p\"\naction = \"bypass\"\n[[esp_sa]]\nname = \"x\"\n"
      "integrity_key = 1234567\n");
  ASSERT_FALSE(type);
  EXPECT_NE(type.error().detail.find("integrity_key: must be a string"), std::string::npos);
  EXPECT_EQ(type.error().detail.find("1234567"), std::string::npos);
  auto short_key = read(sa("bu", "0x1001", "outbound", "0xdeadbeef", kIk1));
  ASSERT_FALSE(short_key);
  EXPECT_NE(short_key.error().detail.find("encryption_key"), std::string::npos)
      << short_key.error().detail;
  EXPECT_EQ(short_key.error().detail.find("deadbeef"), std::string::npos);
  // No SA in the counters' names or values either (spot check on the keys' text).
  Ends ends;
  for (const auto& [name, value] : ends.ha_esp.counters()) {
    EXPECT_EQ(name.find("2b7e15"), std::string::npos);
  }
}

TEST(EspConfigTest, RequireEspNeedsTheTables) {
  for (bool ha : {true, false}) {
    const std::string head =
        ha ? "home_interface = \"eth0\"\nhome_prefixes = [\"2001:db8:1::/64\"]\n"
             "address = \"2001:db8:1::1\"\nrequire_esp = true\n"
             "[[mobile_node]]\nhome_address = \"2001:db8:1::100\"\n"
           : "home_addresses = [\"2001:db8:1::100\"]\nhome_prefix = "
             "\"2001:db8:1::/64\"\nhome_agent = \"2001:db8:1::1\"\n"
             "interfaces = [\"eth0\"]\nrequire_esp = true\n";
    Status s;
    Status with;
    if (ha) {
      HaDaemonConfig c = defaultHaConfig();
      OptionTable t("ha");
      declareHaOptions(t, c);
      s = resolveHaConfig(t, c, head, "ha.toml");
      HaDaemonConfig c2 = defaultHaConfig();
      OptionTable t2("ha");
      declareHaOptions(t2, c2);
      with = resolveHaConfig(t2, c2, head + haTables(), "ha.toml");
      if (with) {
        EXPECT_TRUE(c2.esp.configured());
      }
    } else {
      MnDaemonConfig c = defaultMnConfig();
      OptionTable t("mn");
      declareMnOptions(t, c);
      s = resolveMnConfig(t, c, head, "mn.toml");
      MnDaemonConfig c2 = defaultMnConfig();
      OptionTable t2("mn");
      declareMnOptions(t2, c2);
      with = resolveMnConfig(t2, c2, head + mnTables(), "mn.toml");
    }
    ASSERT_FALSE(s) << ha;
    EXPECT_EQ(s.error().detail.rfind("require_esp", 0), 0u) << s.error().detail;
    EXPECT_TRUE(with) << ha << ": " << with.error().toString();
  }
}

}  // namespace
}  // namespace dsmip::daemon
