// `dsmip ha` configuration: the example file the namespace tests use, [[mobile_node]] tables,
// flags over the file, and errors that name the key (and the table) and the reason.
#include "daemon/ha_config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "test_support/environment.hpp"

namespace dsmip::daemon {
namespace {

std::string readFile(const std::string& relative) {
  std::ifstream in(test::sourceDir() + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

constexpr const char* kMinimal = R"(
home_interface = "eth0"
home_prefixes = ["2001:db8:1::/64"]
address = "2001:db8:1::1"
ipv4_address = "192.0.2.1"
ipv4_pool = "192.0.2.100-192.0.2.103"
[[mobile_node]]
home_address = "2001:db8:1::10"
ipv4_home_address = "192.0.2.10"
)";

struct Parsed {
  HaDaemonConfig config = defaultHaConfig();
  OptionTable table{"ha"};
  Status status;
  explicit Parsed(std::string_view toml, std::vector<std::string> flags = {}) {
    declareHaOptions(table, config);
    CLI::App app;
    table.registerFlags(app);
    std::vector<const char*> argv{"ha"};
    for (const auto& f : flags) argv.push_back(f.c_str());
    app.parse(static_cast<int>(argv.size()), argv.data());
    status = resolveHaConfig(table, config, toml, "ha.toml");
  }
  [[nodiscard]] std::string error() const { return status ? "" : status.error().detail; }
};

TEST(HaConfigTest, ExampleFileParses) {
  Parsed p(readFile("examples/dsmip6/ha.toml"));
  ASSERT_TRUE(p.status) << p.error();
  const dsmip6::HomeAgentConfig& c = p.config.core;
  EXPECT_EQ(p.config.home_interface, "ha-home");
  EXPECT_EQ(c.address, *Ipv6Address::parse("2001:db8:10::100"));
  EXPECT_EQ(c.ipv4_address, Ipv4Address::parse("192.0.2.2"));
  ASSERT_EQ(c.home_prefixes.size(), 1u);
  EXPECT_EQ(c.home_prefixes[0].toString(), "2001:db8:10::/64");
  EXPECT_TRUE(c.tlv_header);
  EXPECT_EQ(c.force_udp, dsmip6::ForceUdpPolicy::Accept);
  ASSERT_TRUE(c.ipv4_pool);
  EXPECT_EQ(c.ipv4_pool->size(), 10u);
  ASSERT_EQ(c.mobile_nodes.size(), 2u);
  EXPECT_EQ(c.mobile_nodes[0].home_address, *Ipv6Address::parse("2001:db8:10::50"));
  EXPECT_EQ(c.mobile_nodes[0].ipv4_home_address, Ipv4Address::parse("192.0.2.50"));
  EXPECT_FALSE(c.mobile_nodes[0].dynamic_ipv4);
  EXPECT_TRUE(c.mobile_nodes[1].dynamic_ipv4);
  EXPECT_EQ(p.config.tun, "dsmip6ha0");
  EXPECT_EQ(p.config.tun_mtu, 1400u);
  EXPECT_EQ(c.reserved_addresses.size(), 2u);
}

TEST(HaConfigTest, DefaultsAndTextFormsResolve) {
  Parsed p(std::string(kMinimal) + "\n", {"--force_udp", "refuse", "--tunnel_ecn", "compatibility",
                                          "--tunnel_dscp", "pipe", "--tunnel_hop_limit", "32"});
  ASSERT_TRUE(p.status) << p.error();
  EXPECT_EQ(p.config.core.udp_port, 4191);
  EXPECT_EQ(p.config.core.nat_refresh_time, std::chrono::seconds(110));
  EXPECT_EQ(p.config.core.force_udp, dsmip6::ForceUdpPolicy::Refuse);
  EXPECT_EQ(p.config.core.tunnel.ecn, wire::EcnEncapsulationMode::Compatibility);
  EXPECT_EQ(p.config.core.tunnel.dscp, wire::DscpModel::Pipe);
  EXPECT_EQ(p.config.core.tunnel.hop_limit, 32);
  EXPECT_EQ(p.config.control, "/run/dsmip/ha.sock");
}

TEST(HaConfigTest, FlagsWinOverTheFile) {
  Parsed p(std::string(kMinimal), {"--nat_refresh_time", "20s", "--home_interface", "home0"});
  ASSERT_TRUE(p.status) << p.error();
  EXPECT_EQ(p.config.core.nat_refresh_time, std::chrono::seconds(20));
  EXPECT_EQ(p.config.home_interface, "home0");
  EXPECT_EQ(p.table.sourceOf("nat_refresh_time"), OptionSource::CommandLine);
}

TEST(HaConfigTest, ErrorsNameTheKey) {
  const std::string base = kMinimal;
  struct Case {
    std::string toml;
    std::vector<std::string> flags;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {base + "colour = 1\n", {}, "mobile_node"},  // keys after [[mobile_node]] belong to it
      {"colour = 1\n" + base, {}, "unknown key 'colour'"},
      {"force_udp = \"maybe\"\n" + base, {}, "force_udp"},
      {"tunnel_ecn = \"x\"\n" + base, {}, "tunnel_ecn"},
      {"ipv4_pool = \"192.0.2.9\"\n" + base, {}, "ipv4_pool"},
      {"udp_port = \"many\"\n" + base, {}, "udp_port"},
      {base + "mobile_router = \"yes please\"\n", {}, "[[mobile_node]] #1"},
      {base + "\n[[mobile_node]]\nipv4_home_address = \"192.0.2.11\"\n",
       {},
       "--home_address is required"},
      {base + "\n[[mobile_node]]\nhome_address = \"2001:db8:1::10\"\n",
       {},
       "mobile_node[1].home_address: listed twice"},
      {base + "\n[[mobile_node]]\nhome_address = \"2001:db8:1::11\"\nipv4_home_address = "
              "\"192.0.2.101\"\n",
       {},
       "inside ipv4_pool"},
      {base, {"--address", "2001:db8:2::1"}, "address"},
      {"mobile_node = 3\n" + base.substr(0, base.find("[[")), {}, "must be tables"},
      {"home_prefixes = [\"2001:db8:1::/64\"]\naddress = \"2001:db8:1::1\"\n",
       {},
       "--home_interface is required"},
      {"home_interface = \"eth0\"\nhome_prefixes = [\"2001:db8:1::/64\"]\naddress = "
       "\"2001:db8:1::1\"\n[[mobile_node]]\nhome_address = \"2001:db8:1::10\"\n"
       "ipv4_home_address = \"192.0.2.10\"\n",
       {},
       "--ipv4_address (default): needed"},
      {base + "home_address = [1, 2\n", {}, "ha.toml: line"},
  };
  for (const Case& c : cases) {
    Parsed p(c.toml, c.flags);
    ASSERT_FALSE(p.status) << c.toml;
    EXPECT_NE(p.error().find(c.expected), std::string::npos)
        << "error: " << p.error() << "\nexpected to contain: " << c.expected;
  }
}

TEST(HaConfigTest, Ipv4RangeParses) {
  auto r = parseIpv4Range("10.0.0.1-10.0.0.20");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size(), 20u);
  EXPECT_FALSE(parseIpv4Range("10.0.0.1"));
  EXPECT_FALSE(parseIpv4Range("10.0.0.1-x"));
  EXPECT_FALSE(parseIpv4Range("-10.0.0.1"));
}

TEST(HaConfigTest, MobileNodeKeysAreTheDocumentedOnes) {
  dsmip6::MobileNodePolicy policy;
  OptionTable table("ha [[mobile_node]]");
  declareMobileNodeOptions(table, policy);
  std::vector<std::string> names;
  for (const auto& o : table.options()) names.push_back(o.name);
  EXPECT_EQ(names, (std::vector<std::string>{"home_address", "ipv4_home_address", "dynamic_ipv4",
                                             "mobile_router", "mobile_network_prefixes",
                                             "ipv4_mobile_network_prefixes"}));
}

}  // namespace
}  // namespace dsmip::daemon
