// Configuration of `dsmip mip4-ha` and `dsmip mip4-mn`: the example files resolve into the
// cores' configurations; every bad value is refused with a message that names the key (and the
// [[mobile-node]] table) and never contains a key.
#include "daemon/mip4_config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "test_support/environment.hpp"

namespace dsmip::daemon {
namespace {

using namespace std::chrono_literals;

const std::string kKeyHex = "00112233445566778899aabbccddeeff";
const std::string kHaMinimal = R"(
address = "10.1.0.2"
home-interface = "eth0"
[[mobile-node]]
home-address = "10.1.0.5"
spi = 1000
key = "00112233445566778899aabbccddeeff"
)";
const std::string kMnMinimal = R"(
home-address = "10.1.0.5"
home-agent = "10.1.0.2"
spi = 1000
key = "00112233445566778899aabbccddeeff"
)";

std::string examplePath(const std::string& name) {
  return dsmip::test::sourceDir() + "/examples/dsmip4/" + name;
}

Status resolveFile(OptionTable& table, CLI::App& app, const std::string& path,
                   std::vector<std::string> flags = {}) {
  std::vector<std::string> args{"test", "--config", path};
  args.insert(args.end(), flags.begin(), flags.end());
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  table.registerFlags(app);
  app.parse(static_cast<int>(argv.size()), argv.data());
  return table.resolve();
}

struct Ha {
  HomeAgentDaemonConfig config = defaultHomeAgentDaemonConfig();
  OptionTable table{"mip4-ha"};
  Ha() { declareHomeAgentOptions(table, config); }
  Status resolve(const std::string& toml) { return table.resolveWithToml(toml, "ha.toml"); }
};

struct Mn {
  MobileNodeDaemonConfig config = defaultMobileNodeDaemonConfig();
  OptionTable table{"mip4-mn"};
  Mn() { declareMobileNodeOptions(table, config); }
  Status resolve(const std::string& toml) { return table.resolveWithToml(toml, "mn.toml"); }
};

std::string errorOf(const Status& s) { return s ? std::string("(no error)") : s.error().detail; }

TEST(Mip4ConfigTest, ExampleHomeAgentFileResolves) {
  Ha ha;
  CLI::App app;
  ASSERT_TRUE(resolveFile(ha.table, app, examplePath("ha.toml"), {"--control", "/tmp/x.sock"}))
      << errorOf(resolveFile(ha.table, app, examplePath("ha.toml")));
  const dsmip4::HomeAgentConfig& c = ha.config.core;
  EXPECT_EQ(c.address, Ipv4Address::parse("10.1.0.2"));
  EXPECT_EQ(c.port, 434);
  EXPECT_EQ(c.keepalive_interval, 5s);
  EXPECT_EQ(ha.config.home_interface, "ha-home");
  EXPECT_EQ(ha.config.control, "/tmp/x.sock");
  ASSERT_EQ(c.mobile_nodes.size(), 2u);
  const dsmip4::MobileNodePolicy& mn1 = c.mobile_nodes[0];
  EXPECT_EQ(mn1.home_address, Ipv4Address::parse("10.1.0.5"));
  EXPECT_EQ(mn1.key.spi, 1000u);
  EXPECT_EQ(toHex(mn1.key.key), kKeyHex);
  ASSERT_EQ(mn1.prefixes.size(), 1u);
  EXPECT_EQ(mn1.prefixes[0].prefix, Ipv6Prefix::parse("2001:db8:a::/48"));
  EXPECT_EQ(mn1.prefixes[0].tunnel, dsmip4::PrefixTunnelPolicy::FollowRequest);
  EXPECT_EQ(mn1.identification_tolerance, 7s);
  EXPECT_EQ(mn1.udp_tunnel, dsmip4::UdpTunnelPolicy::Allow);
  // The second key comes from a file named relative to the configuration file.
  const dsmip4::MobileNodePolicy& mn2 = c.mobile_nodes[1];
  EXPECT_EQ(mn2.key.spi, 1001u);
  EXPECT_EQ(toHex(mn2.key.key), "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
  EXPECT_EQ(mn2.prefixes.size(), 2u);
  EXPECT_TRUE(dsmip4::validateHomeAgentConfig(c));
}

TEST(Mip4ConfigTest, ExampleMobileNodeFilesResolve) {
  {
    Mn mn;
    CLI::App app;
    ASSERT_TRUE(resolveFile(mn.table, app, examplePath("mn1.toml")));
    const dsmip4::MobileNodeConfig& c = mn.config.core;
    EXPECT_EQ(c.home_address, Ipv4Address::parse("10.1.0.5"));
    EXPECT_EQ(c.home_agent, Ipv4Address::parse("10.1.0.2"));
    EXPECT_EQ(toHex(c.key.key), kKeyHex);
    EXPECT_EQ(c.lifetime, 20s);
    ASSERT_EQ(c.prefixes.size(), 1u);
    EXPECT_FALSE(c.prefixes[0].link_local);
    EXPECT_TRUE(c.request_tunnel_to_care_of);
    EXPECT_TRUE(c.request_udp_tunnel);
    EXPECT_EQ(c.keepalive_reply_timeout, 2s);
    EXPECT_EQ(c.max_retransmission, 8s);
    ASSERT_EQ(mn.config.routes6.size(), 1u);
    EXPECT_TRUE(mn.config.routes4.empty());
  }
  {
    Mn mn;
    CLI::App app;
    ASSERT_TRUE(resolveFile(mn.table, app, examplePath("mn2.toml"), {"--tunnel-to-care-of=true"}));
    EXPECT_EQ(toHex(mn.config.core.key.key), "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
    EXPECT_TRUE(mn.config.core.request_tunnel_to_care_of);  // the flag wins over the file
  }
}

TEST(Mip4ConfigTest, HomeAgentMobileNodeTableErrorsNameTheTableAndKey) {
  struct Case {
    std::string extra;  // appended to a second [[mobile-node]] table
    std::string message;
  };
  const std::vector<Case> cases = {
      {"spi = 12",
       "key 'spi' in [[mobile-node]] #2 of ha.toml: '12' must be between 256 and "
       "4294967295"},
      {"udp-tunnel = \"maybe\"",
       "key 'udp-tunnel' in [[mobile-node]] #2 of ha.toml: 'maybe' must be one of: deny, allow, "
       "always"},
      {"prefix-tunnel = \"x\"",
       "key 'prefix-tunnel' in [[mobile-node]] #2 of ha.toml: 'x' must "
       "be one of: follow-request, home-address-only"},
      {"identification-tolerance = \"1500ms\"",
       "key 'identification-tolerance' in [[mobile-node]] #2 of ha.toml: '1500ms' must be a "
       "whole number of seconds (the protocol carries seconds)"},
      {"prefix = [\"fe80::/64\"]",
       "key 'prefix' in [[mobile-node]] #2 of ha.toml: fe80::/64 is not a global unicast "
       "prefix"},
      {"key-file = \"/x\"",
       "key 'key' in [[mobile-node]] #2 of ha.toml: give either key or key-file, not "
       "both"},
  };
  for (const Case& c : cases) {
    Ha ha;
    // The case's key replaces the table's own (TOML forbids a key twice).
    const std::string spi = c.extra.starts_with("spi =") ? "" : "spi = 1001\n";
    const std::string toml = kHaMinimal + "[[mobile-node]]\nhome-address = \"10.1.0.6\"\n" + spi +
                             "key = \"" + kKeyHex + "\"\n" + c.extra + "\n";
    const Status s = ha.resolve(toml);
    ASSERT_FALSE(s) << c.extra;
    EXPECT_EQ(s.error().detail, c.message) << c.extra;
  }
}

TEST(Mip4ConfigTest, HomeAgentCrossChecks) {
  {
    Ha ha;
    const Status s = ha.resolve(kHaMinimal +
                                "[[mobile-node]]\nhome-address = \"10.1.0.5\"\n"
                                "spi = 1001\nkey = \"aa\"\n");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().detail,
              "[[mobile-node]] #2 of the configuration: home-address: 10.1.0.5 is also that of "
              "[[mobile-node]] #1");
  }
  {
    Ha ha;
    const Status s = ha.resolve(R"(address = "10.1.0.2"
home-interface = "eth0"
[[mobile-node]]
home-address = "10.1.0.2"
spi = 1000
key = "aa"
)");
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().detail.find("is the home agent's own address"), std::string::npos);
  }
  {
    Ha ha;
    const Status s = ha.resolve("address = \"10.1.0.2\"\nhome-interface = \"eth0\"\n");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().detail,
              "mobile-node: at least one [[mobile-node]] table is required in ha.toml");
  }
  {
    Ha ha;
    const Status s = ha.resolve(
        "home-interface = \"eth0\"\n[[mobile-node]]\nhome-address = "
        "\"10.1.0.5\"\nspi = 1000\nkey = \"aa\"\n");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().detail,
              "--address is required (on the command line or as key 'address' in the --config "
              "file)");
  }
  {
    Ha ha;
    const Status s = ha.resolve(kHaMinimal + "keepalive-interval = \"70000s\"\n");
    // Keys after a table belong to it: the TOML above puts it in [[mobile-node]] #1.
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().detail.find("unknown key 'keepalive-interval'"), std::string::npos);
  }
  {
    Ha ha;
    const Status s = ha.resolve("keepalive-interval = \"70000s\"\n" + kHaMinimal);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().detail,
              "key 'keepalive-interval' in ha.toml: '70000s' must be between 0s and 65535s");
  }
}

TEST(Mip4ConfigTest, KeysNeverAppearInMessages) {
  const std::string secret = "c0ffee00c0ffee00c0ffee00c0ffee0";  // odd length: not hex octets
  {
    Ha ha;
    std::string toml = kHaMinimal;
    toml.replace(toml.find(kKeyHex), kKeyHex.size(), secret);
    const Status s = ha.resolve(toml);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().detail.find(secret), std::string::npos) << s.error().detail;
    EXPECT_NE(s.error().detail.find("key: the key must be hex digits"), std::string::npos)
        << s.error().detail;
  }
  {
    Mn mn;
    std::string toml = kMnMinimal;
    toml.replace(toml.find(kKeyHex), kKeyHex.size(), secret);
    const Status s = mn.resolve(toml);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().detail.find(secret), std::string::npos) << s.error().detail;
    EXPECT_EQ(s.error().detail,
              "key 'key' in mn.toml: the key must be hex digits (an even number of them, at "
              "least 2)");
  }
}

TEST(Mip4ConfigTest, KeyFromAFile) {
  const auto dir =
      std::filesystem::path(::testing::TempDir()) / ("mip4_key_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "good.key") << "  0x0102030405060708\n";
  std::ofstream(dir / "bad.key") << "not a key\n";
  auto relative = loadMip4Key(std::nullopt, std::string("good.key"), dir.string());
  ASSERT_TRUE(relative);
  EXPECT_EQ(*relative, (Bytes{1, 2, 3, 4, 5, 6, 7, 8}));
  auto absolute = loadMip4Key(std::nullopt, (dir / "good.key").string(), "/elsewhere");
  ASSERT_TRUE(absolute);
  EXPECT_EQ(*absolute, (Bytes{1, 2, 3, 4, 5, 6, 7, 8}));
  auto bad = loadMip4Key(std::nullopt, std::string("bad.key"), dir.string());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().detail,
            "key-file: the key must be hex digits (an even number of them, at least 2)");
  auto missing = loadMip4Key(std::nullopt, std::string("none.key"), dir.string());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().detail, "key-file: cannot read 'none.key'");
  EXPECT_FALSE(loadMip4Key(std::nullopt, std::nullopt));
  EXPECT_FALSE(loadMip4Key(std::string(130, 'a'), std::nullopt));  // more than 64 octets
  std::filesystem::remove_all(dir);
}

TEST(Mip4ConfigTest, MobileNodeChecks) {
  struct Case {
    std::string extra;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"route = [\"10.1.0.0/24\"]",
       "key 'route' in mn.toml: 10.1.0.0/24 contains the home agent 10.1.0.2 (the tunnel would "
       "carry itself)"},
      {"route = [\"10.1.0.1/24\"]",
       "key 'route' in mn.toml: '10.1.0.1/24' has bits set beyond /24"},
      {"route = [\"home\"]", "key 'route' in mn.toml: 'home' is not an IPv4 or IPv6 prefix"},
      {"table = 254",
       "key 'table' in mn.toml: 253, 254 and 255 are the kernel's default, main and local tables"},
      {"udp-tunnel = false\nforce-udp-tunnel = true",
       "key 'force-udp-tunnel' in mn.toml: needs udp-tunnel = true"},
      {"lifetime = \"70000s\"",
       "key 'lifetime' in mn.toml: '70000s' must be between 1s and 65535s"},
      {"keepalive-interval = \"2.5s\"",
       "key 'keepalive-interval' in mn.toml: '2.5s' must be a whole number of seconds (the "
       "protocol carries seconds)"},
      {"prefix = [\"ff02::/16\"]",
       "key 'prefix' in mn.toml: ff02::/16 is not a global unicast prefix (see link-local)"},
      {"home-agent = \"10.1.0.5\"", "key 'home-agent' in mn.toml: equals the home address"},
      {"max-retransmission = \"1s\"\ninitial-retransmission = \"2s\"",
       "key 'max-retransmission' in mn.toml: must not be below initial_retransmission"},
  };
  for (const Case& c : cases) {
    Mn mn;
    std::string toml = kMnMinimal;
    if (c.extra.starts_with("home-agent =")) {
      const std::string original = "home-agent = \"10.1.0.2\"";
      toml.replace(toml.find(original), original.size(), c.extra);
    } else {
      toml += c.extra + "\n";
    }
    const Status s = mn.resolve(toml);
    ASSERT_FALSE(s) << c.extra;
    EXPECT_EQ(s.error().detail, c.message) << c.extra;
  }
}

TEST(Mip4ConfigTest, MobileNodeBuildsTheCoreConfiguration) {
  Mn mn;
  ASSERT_TRUE(mn.resolve(kMnMinimal + R"(
prefix = ["2001:db8:a::/48"]
link-local = true
tunnel-to-care-of = false
force-udp-tunnel = true
route = ["198.18.0.0/15", "2001:db8:1::/64"]
ecn = "compatibility"
dscp = "pipe"
tunnel-ttl = 32
)"));
  const dsmip4::MobileNodeConfig& c = mn.config.core;
  ASSERT_EQ(c.prefixes.size(), 2u);
  EXPECT_EQ(c.prefixes[0].prefix, Ipv6Prefix::parse("2001:db8:a::/48"));
  // RFC 5454 §3.7.1: the tunnel's RFC 4213 link-local address, fe80::10.1.0.5.
  EXPECT_TRUE(c.prefixes[1].link_local);
  EXPECT_EQ(c.prefixes[1].prefix.address, Ipv6Address::parse("fe80::a01:5"));
  EXPECT_FALSE(c.request_tunnel_to_care_of);
  EXPECT_TRUE(c.force_udp_tunnel);
  EXPECT_EQ(c.traffic_class.ecn, wire::EcnEncapsulationMode::Compatibility);
  EXPECT_EQ(c.traffic_class.dscp, wire::DscpModel::Pipe);
  EXPECT_EQ(c.tunnel_ttl, 32);
  EXPECT_EQ(mn.config.routes4, (std::vector<Ipv4Prefix>{*Ipv4Prefix::parse("198.18.0.0/15")}));
  EXPECT_EQ(mn.config.routes6, (std::vector<Ipv6Prefix>{*Ipv6Prefix::parse("2001:db8:1::/64")}));
  EXPECT_TRUE(dsmip4::validateMobileNodeConfig(c));
}

TEST(Mip4ConfigTest, MobileNodeRequiresItsSecurityAssociation) {
  Mn mn;
  Status s = mn.resolve("home-address = \"10.1.0.5\"\nhome-agent = \"10.1.0.2\"\nspi = 1000\n");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().detail, "--key (default): the MN-HA key is required (key or key-file)");
  Mn without_spi;
  s = without_spi.resolve("home-address = \"10.1.0.5\"\nhome-agent = \"10.1.0.2\"\nkey = \"aa\"\n");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().detail,
            "--spi is required (on the command line or as key 'spi' in the --config file)");
}

}  // namespace
}  // namespace dsmip::daemon
