#include "esp/config.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "esp_test_support.hpp"

namespace dsmip::esp {
namespace {

using namespace test;

const std::string kCbcKeyHex = "0x000102030405060708090a0b0c0d0e0f";
const std::string kHmacKeyHex = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";

SaConfig buOut() {
  SaConfig c;
  c.name = "bu-out";
  c.spi = 0x1001;
  c.direction = "outbound";
  c.suite = "aes-cbc-hmac-sha256";
  c.encryption_key = kCbcKeyHex;
  c.integrity_key = kHmacKeyHex;
  return c;
}

SaConfig named(SaConfig c, std::string name, std::int64_t spi, std::string direction) {
  c.name = std::move(name);
  c.spi = spi;
  c.direction = std::move(direction);
  return c;
}

std::string errorOf(const SaConfig& c) {
  auto r = buildManualSa(c);
  EXPECT_FALSE(r) << c.name;
  return r ? std::string{} : r.error().detail;
}

TEST(ManualSaConfigTest, BuildsAValidSa) {
  SaConfig c = buOut();
  c.esn = true;
  c.soft_lifetime.packets = 1000;
  c.hard_lifetime.packets = 2000;
  c.soft_lifetime.time = "30m";
  c.hard_lifetime.time = "1h";
  c.hard_lifetime.bytes = 1 << 20;
  auto sa = buildManualSa(c);
  ASSERT_TRUE(sa) << sa.error().detail;
  EXPECT_EQ(sa->spi, 0x1001u);
  EXPECT_EQ(sa->direction, Direction::Outbound);
  EXPECT_EQ(sa->mode, Mode::Transport);
  EXPECT_EQ(sa->suite, Suite::AesCbcHmacSha256);
  EXPECT_EQ(toBytes(sa->encryption_key.reveal()), kAes128Key);
  EXPECT_EQ(toBytes(sa->integrity_key.reveal()), kHmacKey);
  EXPECT_TRUE(sa->esn);
  EXPECT_EQ(sa->replay_window, 64u);  // RFC 4303 §3.4.3 default window
  EXPECT_EQ(sa->lifetime.soft.packets, 1000u);
  EXPECT_EQ(sa->lifetime.hard.packets, 2000u);
  EXPECT_EQ(sa->lifetime.hard.bytes, 1u << 20);
  EXPECT_EQ(sa->lifetime.soft.time, std::chrono::minutes(30));
  EXPECT_EQ(sa->lifetime.hard.time, std::chrono::hours(1));
  EXPECT_TRUE(SecurityAssociation::create(*sa, TimePoint{}));
}

TEST(ManualSaConfigTest, TunnelModeAndWindow) {
  SaConfig c = buOut();
  c.mode = "tunnel";
  c.tunnel_local = "192.0.2.10";
  c.tunnel_remote = "198.51.100.1";
  c.replay_window = 1024;
  c.direction = "inbound";
  auto sa = buildManualSa(c);
  ASSERT_TRUE(sa) << sa.error().detail;
  ASSERT_TRUE(sa->tunnel);
  EXPECT_EQ(sa->tunnel->local, IpAddress{v4("192.0.2.10")});
  EXPECT_EQ(sa->replay_window, 1024u);
}

TEST(ManualSaConfigTest, AesGcmWithStaticKeysIsRefusedCitingRfc4106) {
  // Decision D7.
  SaConfig c = buOut();
  c.suite = "aes-gcm-16";
  c.encryption_key = "303132333435363738393a3b3c3d3e3fcafebabe";
  c.integrity_key.clear();
  const std::string e = errorOf(c);
  EXPECT_NE(e.find("sa \"bu-out\""), std::string::npos) << e;
  EXPECT_NE(e.find("suite"), std::string::npos) << e;
  EXPECT_NE(e.find("RFC 4106 §2"), std::string::npos) << e;
  EXPECT_NE(e.find("aes-cbc-hmac-sha256"), std::string::npos) << e;
}

TEST(ManualSaConfigTest, ErrorsNameTheKeyAndNeverShowKeyMaterial) {
  struct Case {
    std::function<void(SaConfig&)> change;
    std::string_view expected;
  };
  const std::string secret_fragment = "a0a1a2a3";
  const Case cases[] = {
      {[](SaConfig& c) { c.spi.reset(); }, "spi: missing"},
      {[](SaConfig& c) { c.spi = 255; }, "spi: 255"},
      {[](SaConfig& c) { c.spi = 0x100000000LL; }, "spi:"},
      {[](SaConfig& c) { c.direction = "sideways"; }, "direction"},
      {[](SaConfig& c) { c.mode = "bus"; }, "mode"},
      {[](SaConfig& c) { c.tunnel_local = "192.0.2.1"; }, "tunnel_local/tunnel_remote"},
      {[](SaConfig& c) {
         c.mode = "tunnel";
         c.tunnel_local = "nowhere";
         c.tunnel_remote = "192.0.2.1";
       },
       "tunnel_local"},
      {[](SaConfig& c) {
         c.mode = "tunnel";
         c.tunnel_local = "2001:db8::1";
         c.tunnel_remote = "192.0.2.1";
       },
       "one family"},
      {[](SaConfig& c) { c.suite = "des"; }, "suite"},
      {[](SaConfig& c) { c.encryption_key = "a0a1a2a3 zz"; }, "encryption_key: not hexadecimal"},
      {[](SaConfig& c) { c.encryption_key = kHmacKeyHex.substr(0, 30); }, "encryption_key"},
      {[](SaConfig& c) { c.integrity_key = kHmacKeyHex.substr(0, 62); }, "integrity_key"},
      {[](SaConfig& c) { c.integrity_key = "a0a1a2a3g"; }, "integrity_key: not hexadecimal"},
      {[](SaConfig& c) { c.replay_window = 4097; }, "replay_window"},
      {[](SaConfig& c) { c.replay_window = -1; }, "replay_window"},
      {[](SaConfig& c) { c.soft_lifetime.time = "soon"; }, "soft_lifetime.time"},
      {[](SaConfig& c) { c.hard_lifetime.packets = -5; }, "hard_lifetime.packets"},
      {[](SaConfig& c) {
         c.soft_lifetime.bytes = 500;
         c.hard_lifetime.bytes = 100;
       },
       "soft bytes"},
      {[](SaConfig& c) { c.suite = "null-hmac-sha256"; },
       "encryption_key"},  // NULL takes no cipher key
  };
  for (const auto& test_case : cases) {
    SaConfig c = buOut();
    test_case.change(c);
    const std::string e = errorOf(c);
    EXPECT_NE(e.find(test_case.expected), std::string::npos) << e;
    EXPECT_NE(e.find("sa \"bu-out\""), std::string::npos) << e;
    EXPECT_EQ(e.find(secret_fragment), std::string::npos) << "key material in: " << e;
    EXPECT_EQ(e.find("0001020304"), std::string::npos) << "key material in: " << e;
  }
  SaConfig nameless = buOut();
  nameless.name.clear();
  EXPECT_FALSE(buildManualSa(nameless));
}

TEST(ManualSaConfigTest, NullSuiteForDebugging) {
  SaConfig c = buOut();
  c.suite = "null-hmac-sha256";
  c.encryption_key.clear();
  auto sa = buildManualSa(c);
  ASSERT_TRUE(sa) << sa.error().detail;
  EXPECT_EQ(sa->suite, Suite::NullHmacSha256);
}

PolicyConfig mnBuBa() {
  PolicyConfig p;
  p.name = "bu-ba";
  p.local = "2001:db8:1::100";
  p.remote = "2001:db8:1::1";
  p.protocol = "mh";
  p.local_mh_type = "bu";
  p.remote_mh_type = "ba";
  p.action = "protect";
  p.outbound_spi = 0x1001;
  p.inbound_spi = 0x1002;
  return p;
}

TEST(PolicyConfigTest, BuildsTheRfc4877BindingUpdateEntry) {
  auto e = buildPolicy(mnBuBa());
  ASSERT_TRUE(e) << e.error().detail;
  EXPECT_EQ(e->name, "bu-ba");
  EXPECT_EQ(e->selector.protocol, kProtocolMobilityHeader);
  EXPECT_EQ(e->selector.local_message, MessageRange::type(5));
  EXPECT_EQ(e->selector.remote_message, MessageRange::type(6));
  EXPECT_EQ(e->action, PolicyAction::Protect);
  EXPECT_EQ(e->outbound_spi, 0x1001u);
  EXPECT_EQ(e->inbound_spi, 0x1002u);
  EXPECT_TRUE(e->outbound && e->inbound);
  EXPECT_EQ(e->selector.toString(),
            "local 2001:db8:1::100 remote 2001:db8:1::1 proto 135 local-type 5 remote-type 6");
}

TEST(PolicyConfigTest, IcmpPortsRangesAndNames) {
  PolicyConfig p;
  p.name = "mps-mpa";
  p.protocol = "icmpv6";
  p.local_icmp_type = "mps";
  p.remote_icmp_type = "147";
  p.remote_icmp_code = "0";
  p.action = "bypass";
  auto e = buildPolicy(p);
  ASSERT_TRUE(e) << e.error().detail;
  EXPECT_EQ(e->selector.local_message, MessageRange::type(146));
  EXPECT_EQ(e->selector.remote_message, MessageRange::typeAndCode(147, 0));

  PolicyConfig q;
  q.name = "echo";
  q.protocol = "icmpv6";
  q.local_icmp_type = "echo-request-echo-reply";
  q.action = "discard";
  auto eq = buildPolicy(q);
  ASSERT_TRUE(eq) << eq.error().detail;
  EXPECT_EQ(eq->selector.local_message.type_first, 128);
  EXPECT_EQ(eq->selector.local_message.type_last, 129);

  PolicyConfig u;
  u.name = "dns";
  u.protocol = "17";
  u.local_port = "1024-65535";
  u.remote_port = "53";
  u.direction = "outbound";
  u.action = "bypass";
  u.remote = "10.0.0.0/8";
  auto eu = buildPolicy(u);
  ASSERT_TRUE(eu) << eu.error().detail;
  EXPECT_EQ(eu->selector.local_port, (PortRange{1024, 65535}));
  EXPECT_EQ(eu->selector.remote_port, PortRange::single(53));
  EXPECT_TRUE(eu->outbound);
  EXPECT_FALSE(eu->inbound);

  PolicyConfig mh_range = mnBuBa();
  mh_range.local_mh_type = "0-7";
  auto er = buildPolicy(mh_range);
  ASSERT_TRUE(er);
  EXPECT_EQ(er->selector.local_message.type_last, 7);
}

TEST(PolicyConfigTest, ErrorsNameThePolicyAndTheKey) {
  struct Case {
    std::function<void(PolicyConfig&)> change;
    std::string_view expected;
  };
  const Case cases[] = {
      {[](PolicyConfig& p) { p.local = "2001:db8::/200"; }, "local"},
      {[](PolicyConfig& p) { p.remote = "everywhere"; }, "remote"},
      {[](PolicyConfig& p) { p.protocol = "quic"; }, "protocol"},
      {[](PolicyConfig& p) { p.protocol = "300"; }, "protocol"},
      {[](PolicyConfig& p) { p.local_mh_type = "hello"; }, "local_mh_type"},
      {[](PolicyConfig& p) { p.remote_mh_type = "6-5"; }, "remote_mh_type"},
      {[](PolicyConfig& p) { p.protocol = "udp"; }, "need protocol = \"mh\""},
      {[](PolicyConfig& p) { p.local_icmp_type = "146"; }, "icmp"},
      {[](PolicyConfig& p) { p.local_port = "80"; }, "local_port"},
      {[](PolicyConfig& p) { p.action = "allow"; }, "action"},
      {[](PolicyConfig& p) { p.direction = "up"; }, "direction"},
      {[](PolicyConfig& p) { p.outbound_spi.reset(); }, "outbound_spi"},
      {[](PolicyConfig& p) { p.inbound_spi = 12; }, "inbound_spi"},
      {[](PolicyConfig& p) { p.action = "bypass"; }, "only protect entries name SAs"},
  };
  for (const auto& test_case : cases) {
    PolicyConfig p = mnBuBa();
    test_case.change(p);
    auto r = buildPolicy(p);
    ASSERT_FALSE(r) << test_case.expected;
    EXPECT_NE(r.error().detail.find(test_case.expected), std::string::npos) << r.error().detail;
    EXPECT_NE(r.error().detail.find("policy \"bu-ba\""), std::string::npos) << r.error().detail;
  }
}

TEST(ConfigurationTest, CrossReferencesAreChecked) {
  const std::vector<SaConfig> sas = {named(buOut(), "bu-out", 0x1001, "outbound"),
                                     named(buOut(), "ba-in", 0x1002, "inbound")};
  const std::vector<PolicyConfig> policies = {mnBuBa()};
  auto ok = buildConfiguration(sas, policies);
  ASSERT_TRUE(ok) << ok.error().detail;
  EXPECT_EQ(ok->sas.size(), 2u);
  EXPECT_EQ(ok->policies.size(), 1u);

  PolicyConfig dangling = mnBuBa();
  dangling.inbound_spi = 0x1003;
  auto e1 = buildConfiguration(sas, std::vector<PolicyConfig>{dangling});
  ASSERT_FALSE(e1);
  EXPECT_NE(e1.error().detail.find("inbound_spi: no inbound SA has SPI 0x00001003"),
            std::string::npos)
      << e1.error().detail;

  PolicyConfig wrong_direction = mnBuBa();
  wrong_direction.outbound_spi = 0x1002;  // that is the inbound SA
  EXPECT_FALSE(buildConfiguration(sas, std::vector<PolicyConfig>{wrong_direction}));

  const std::vector<SaConfig> dup_spi = {named(buOut(), "a", 0x1001, "outbound"),
                                         named(buOut(), "b", 0x1001, "outbound")};
  auto e2 = buildConfiguration(dup_spi, {});
  ASSERT_FALSE(e2);
  EXPECT_NE(e2.error().detail.find("sa \"b\": spi"), std::string::npos) << e2.error().detail;

  const std::vector<SaConfig> dup_name = {named(buOut(), "a", 0x1001, "outbound"),
                                          named(buOut(), "a", 0x1002, "inbound")};
  EXPECT_FALSE(buildConfiguration(dup_name, {}));
  const std::vector<PolicyConfig> dup_policy = {mnBuBa(), mnBuBa()};
  EXPECT_FALSE(buildConfiguration(sas, dup_policy));
}

TEST(ConfigurationTest, InstalledRfc3776PoliciesProtectABindingUpdateEndToEnd) {
  // The example configuration of docs/ipsec.md, both ends, through the config layer.
  const std::vector<SaConfig> mn_sas = {named(buOut(), "bu-out", 0x1001, "outbound"),
                                        named(buOut(), "ba-in", 0x1002, "inbound")};
  const std::vector<SaConfig> ha_sas = {named(buOut(), "bu-in", 0x1001, "inbound"),
                                        named(buOut(), "ba-out", 0x1002, "outbound")};
  PolicyConfig rest;
  rest.name = "rest";
  rest.action = "bypass";
  PolicyConfig ha_bu_ba;
  ha_bu_ba.name = "bu-ba";
  ha_bu_ba.local = "2001:db8:1::1";
  ha_bu_ba.remote = "2001:db8:1::100";
  ha_bu_ba.protocol = "mh";
  ha_bu_ba.local_mh_type = "ba";
  ha_bu_ba.remote_mh_type = "bu";
  ha_bu_ba.action = "protect";
  ha_bu_ba.outbound_spi = 0x1002;
  ha_bu_ba.inbound_spi = 0x1001;
  auto mn_config = buildConfiguration(mn_sas, std::vector<PolicyConfig>{mnBuBa(), rest});
  auto ha_config = buildConfiguration(ha_sas, std::vector<PolicyConfig>{ha_bu_ba, rest});
  ASSERT_TRUE(mn_config) << mn_config.error().detail;
  ASSERT_TRUE(ha_config) << ha_config.error().detail;
  SeededRandom ra{1};
  SeededRandom rb{2};
  Ipsec mn{ra};
  Ipsec ha{rb};
  ASSERT_TRUE(install(*mn_config, mn, TimePoint{}));
  ASSERT_TRUE(install(*ha_config, ha, TimePoint{}));
  EXPECT_FALSE(install(*mn_config, mn, TimePoint{}));  // not into a configured module

  const Bytes bu = buPacketWithHao(3, kCoa, kHoa, kHa);
  PacketBuffer p = buffer(bu);
  ASSERT_EQ(mn.outbound(p, TimePoint{}).verdict, OutboundVerdict::Protected);
  ASSERT_EQ(ha.inbound(p, TimePoint{}).verdict, InboundVerdict::Accepted);
  EXPECT_EQ(toBytes(p.data()), bu);
  const Bytes ba = baPacketWithRh2(3, kHa, kCoa, kHoa);
  PacketBuffer q = buffer(ba);
  ASSERT_EQ(ha.outbound(q, TimePoint{}).verdict, OutboundVerdict::Protected);
  ASSERT_EQ(mn.inbound(q, TimePoint{}).verdict, InboundVerdict::Accepted);
  EXPECT_EQ(toBytes(q.data()), ba);
}

TEST(ConfigurationTest, MessageTypeNames) {
  EXPECT_EQ(parseMessageTypeName("mh", "bu"), 5);
  EXPECT_EQ(parseMessageTypeName("mh", "ba"), 6);
  EXPECT_EQ(parseMessageTypeName("mh", "hoti"), 1);
  EXPECT_EQ(parseMessageTypeName("icmpv6", "mpa"), 147);
  EXPECT_EQ(parseMessageTypeName("icmp", "8"), 8);
  EXPECT_EQ(parseMessageTypeName("icmp", "0x08"), 8);
  EXPECT_FALSE(parseMessageTypeName("icmpv6", "bu"));
  EXPECT_FALSE(parseMessageTypeName("mh", "256"));
}

}  // namespace
}  // namespace dsmip::esp
