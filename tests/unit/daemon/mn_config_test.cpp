// `dsmip mn` configuration: the example file, the home agent by address or name, routes split by
// family, and errors that name the key.
#include "daemon/mn_config.hpp"

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
home_addresses = ["2001:db8:1::10"]
home_prefix = "2001:db8:1::/64"
home_agent = "2001:db8:1::1"
interfaces = ["eth0", "wlan0"]
)";

struct Parsed {
  MnDaemonConfig config = defaultMnConfig();
  OptionTable table{"mn"};
  Status status;
  explicit Parsed(std::string_view toml) {
    declareMnOptions(table, config);
    status = resolveMnConfig(table, config, toml, "mn.toml");
  }
  [[nodiscard]] std::string error() const { return status ? "" : status.error().detail; }
};

TEST(MnConfigTest, ExampleFileParses) {
  Parsed p(readFile("examples/dsmip6/mn.toml"));
  ASSERT_TRUE(p.status) << p.error();
  const dsmip6::MobileNodeConfig& c = p.config.core;
  EXPECT_EQ(c.home_addresses, std::vector<Ipv6Address>{*Ipv6Address::parse("2001:db8:10::50")});
  EXPECT_EQ(c.home_agent, *Ipv6Address::parse("2001:db8:10::100"));
  EXPECT_FALSE(p.config.home_agent_name);
  EXPECT_EQ(c.home_agent_ipv4, Ipv4Address::parse("192.0.2.2"));
  EXPECT_EQ(c.ipv4_home_address_mode, dsmip6::Ipv4HomeAddressMode::Static);
  EXPECT_EQ(c.ipv4_home_address, *Ipv4Address::parse("192.0.2.50"));
  EXPECT_EQ(p.config.interfaces, (std::vector<std::string>{"mn-a", "mn-b", "mn-c", "m6t0"}));
  EXPECT_EQ(p.config.ipv6_routes, std::vector<Ipv6Prefix>{*Ipv6Prefix::parse("::/0")});
  EXPECT_EQ(p.config.ipv4_routes, std::vector<Ipv4Prefix>{*Ipv4Prefix::parse("203.0.113.0/24")});
  EXPECT_EQ(c.binding_lifetime, std::chrono::seconds(60));
  EXPECT_FALSE(c.initial_sequence);
  EXPECT_TRUE(c.require_esp);
  EXPECT_EQ(p.config.esp.built.sas.size(), 4u);
}

TEST(MnConfigTest, DefaultsFollowTheRfc) {
  Parsed p(kMinimal);
  ASSERT_TRUE(p.status) << p.error();
  const dsmip6::MobileNodeConfig& c = p.config.core;
  EXPECT_EQ(c.initial_bindack_timeout_first_reg, std::chrono::milliseconds(1500));
  EXPECT_EQ(c.max_bindack_timeout, std::chrono::seconds(32));
  EXPECT_EQ(c.nat_keepalive, std::chrono::seconds(110));
  EXPECT_EQ(c.home_agent_udp_port, 4191);
  EXPECT_EQ(c.ipv4_home_address_mode, dsmip6::Ipv4HomeAddressMode::None);
  EXPECT_EQ(p.config.ipv6_routes, std::vector<Ipv6Prefix>{*Ipv6Prefix::parse("::/0")});
  EXPECT_EQ(p.config.ipv4_routes, std::vector<Ipv4Prefix>{*Ipv4Prefix::parse("0.0.0.0/0")});
  EXPECT_TRUE(p.config.ipv4_care_of);
  EXPECT_EQ(p.config.control, "/run/dsmip/mn.sock");
}

TEST(MnConfigTest, HomeAgentByName) {
  Parsed p(std::string(kMinimal) + "home_agent = \"ha.example.org\"\n");
  // A key given twice is a TOML error; use a fresh text instead.
  Parsed named(R"(
home_addresses = ["2001:db8:1::10"]
home_prefix = "2001:db8:1::/64"
home_agent = "ha.example.org"
interfaces = ["eth0"]
ipv4_home_address = "dynamic"
nemo_mode = "implicit"
initial_sequence = 65535
)");
  ASSERT_TRUE(named.status) << named.error();
  EXPECT_EQ(named.config.home_agent_name, "ha.example.org");
  EXPECT_EQ(named.config.core.ipv4_home_address_mode, dsmip6::Ipv4HomeAddressMode::Dynamic);
  EXPECT_EQ(named.config.core.nemo_mode, dsmip6::NemoMode::Implicit);
  EXPECT_EQ(named.config.core.initial_sequence, 65535);
  EXPECT_FALSE(p.status);  // the duplicate key
}

TEST(MnConfigTest, ErrorsNameTheKey) {
  const std::string base = kMinimal;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"home_agent = \"192.0.2.1\"\n" + base.substr(base.find("interfaces")) +
           "home_addresses = [\"2001:db8:1::10\"]\nhome_prefix = \"2001:db8:1::/64\"\n",
       "key 'home_agent' in mn.toml: must be the IPv6 address"},
      {base + "ipv4_home_address = \"sometimes\"\n", "ipv4_home_address"},
      {base + "routes = [\"10.0.0.1/8\"]\n", "key 'routes' in mn.toml: '10.0.0.1/8' has bits set"},
      {base + "routes = [\"2001:db8::/200\"]\n", "routes"},
      {base + "nemo_mode = \"both\"\n", "nemo_mode"},
      {base + "tunnel_dscp = \"x\"\n", "tunnel_dscp"},
      {base + "initial_sequence = 70000\n", "initial_sequence"},
      {base + "tun = \"eth0\"\n",
       "key 'interfaces' in mn.toml: 'eth0' is the daemon's own TUN device"},
      {base + "binding_lifetime = \"1s\"\n", "binding_lifetime"},
      {base + "mobile_network_prefixes = [\"2001:db8:5::/48\"]\n", "mobile_network_prefixes"},
      {base + "colour = \"red\"\n", "unknown key 'colour'"},
      {"home_addresses = [\"2001:db8:1::10\"]\nhome_prefix = \"2001:db8:1::/64\"\n"
       "home_agent = \"no such host!\"\ninterfaces = [\"eth0\"]\n",
       "neither an IPv6 address nor a host name"},
  };
  for (const auto& [toml, expected] : cases) {
    Parsed p(toml);
    ASSERT_FALSE(p.status) << toml;
    EXPECT_NE(p.error().find(expected), std::string::npos)
        << "error: " << p.error() << "\nexpected to contain: " << expected;
  }
}

}  // namespace
}  // namespace dsmip::daemon
