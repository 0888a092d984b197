#include "daemon/options.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "daemon/m6t_client_daemon.hpp"
#include "daemon/m6t_gateway_daemon.hpp"
#include "test_support/environment.hpp"

namespace dsmip::daemon {
namespace {

using namespace std::chrono_literals;

struct Sample {
  std::uint32_t mtu = 1472;
  Duration interval = 30s;
  std::vector<Ipv4Endpoint> listen{*Ipv4Endpoint::parse("0.0.0.0:3544")};
  std::optional<std::uint16_t> id;
  std::string name = "m6t0";
  double rate = 10;
  std::vector<Ipv6Prefix> prefixes;
  LogLevel level = LogLevel::Info;
};

class OptionTableTest : public ::testing::Test {
 protected:
  OptionTableTest() {
    table_.add("mtu", "N", "tunnel MTU", &s_.mtu, inRange<std::uint32_t>(1280, 65507))
        .add("interval", "DUR", "keep-alive", &s_.interval)
        .addList("listen", "IPV4:PORT", "listen", &s_.listen)
        .add("id", "N", "an id", &s_.id)
        .add("name", "NAME", "a name", &s_.name)
        .add("rate", "N", "a rate", &s_.rate)
        .addList("prefix", "IPV6/LEN", "prefixes", &s_.prefixes, Validator<Ipv6Prefix>{},
                 Presence::Required)
        .addCommonOptions(&s_.level);
    table_.registerFlags(app_);
  }
  /// Parses `args` (after the program name) as flags.
  Status parse(std::vector<std::string> args, std::string_view toml = {}) {
    std::vector<const char*> argv{"test"};
    for (const auto& a : args) argv.push_back(a.c_str());
    try {
      app_.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      return makeError(ErrorCode::InvalidArgument, e.what());
    }
    if (toml.empty()) return table_.resolve();
    return table_.resolveWithToml(toml, "test.toml");
  }
  Sample s_;
  OptionTable table_{"test-daemon"};
  CLI::App app_{"test"};
};

TEST_F(OptionTableTest, DefaultsStayWhenNothingIsGiven) {
  ASSERT_TRUE(parse({"--prefix", "fd00::/8"}).has_value());
  EXPECT_EQ(s_.mtu, 1472u);
  EXPECT_EQ(s_.interval, 30s);
  EXPECT_EQ(s_.listen.size(), 1u);
  EXPECT_FALSE(s_.id.has_value());
  EXPECT_EQ(s_.level, LogLevel::Info);
  EXPECT_EQ(table_.sourceOf("mtu"), OptionSource::Default);
  EXPECT_EQ(table_.sourceOf("prefix"), OptionSource::CommandLine);
}

TEST_F(OptionTableTest, FlagsSetValues) {
  Status s = parse({"--prefix", "fd00::/8", "--prefix=fd01::/16", "--mtu", "1400", "--interval",
                    "250ms", "--listen", "192.0.2.1:1", "--listen", "192.0.2.1:2", "--id", "7",
                    "--log-level", "debug", "--rate", "2.5"});
  ASSERT_TRUE(s.has_value()) << s.error().detail;
  EXPECT_EQ(s_.mtu, 1400u);
  EXPECT_EQ(s_.interval, 250ms);
  ASSERT_EQ(s_.listen.size(), 2u);  // the default is replaced, not appended to
  EXPECT_EQ(s_.listen[1], *Ipv4Endpoint::parse("192.0.2.1:2"));
  EXPECT_EQ(s_.id, 7);
  EXPECT_EQ(s_.prefixes.size(), 2u);
  EXPECT_EQ(s_.level, LogLevel::Debug);
  EXPECT_DOUBLE_EQ(s_.rate, 2.5);
}

TEST_F(OptionTableTest, DurationsAcceptMillisecondsSecondsMinutes) {
  ASSERT_TRUE(parse({"--prefix", "fd00::/8", "--interval", "2m"}).has_value());
  EXPECT_EQ(s_.interval, 120s);
}

TEST_F(OptionTableTest, FileSetsValuesAndFlagsWin) {
  Status s = parse({"--mtu", "1300"}, R"(
mtu = 1400
interval = "5s"
listen = ["192.0.2.1:10", "192.0.2.1:11", "192.0.2.1:12"]
prefix = ["fd00:1::/32"]
id = 9
name = "tun9"
log-level = "warn"
)");
  ASSERT_TRUE(s.has_value()) << s.error().detail;
  EXPECT_EQ(s_.mtu, 1300u);  // the flag wins
  EXPECT_EQ(table_.sourceOf("mtu"), OptionSource::CommandLine);
  EXPECT_EQ(s_.interval, 5s);
  EXPECT_EQ(table_.sourceOf("interval"), OptionSource::File);
  EXPECT_EQ(s_.listen.size(), 3u);
  EXPECT_EQ(s_.id, 9);
  EXPECT_EQ(s_.name, "tun9");
  EXPECT_EQ(s_.level, LogLevel::Warn);
}

TEST_F(OptionTableTest, FileDurationAsBareSeconds) {
  ASSERT_TRUE(parse({}, "prefix = [\"fd00::/8\"]\ninterval = 45\n").has_value());
  EXPECT_EQ(s_.interval, 45s);
}

struct ErrorCase {
  std::vector<std::string> args;
  std::string toml;
  std::string expected;  // the message starts with this
};

TEST_F(OptionTableTest, ErrorsNameTheFlagOrKeyAndTheReason) {
  const std::vector<ErrorCase> cases = {
      {{"--prefix", "fd00::/8", "--mtu", "abc"}, "", "--mtu: 'abc' is not an integer"},
      {{"--prefix", "fd00::/8", "--mtu", "100"}, "", "--mtu: '100' must be between 1280 and 65507"},
      {{"--prefix", "fd00::/8", "--interval", "5 parsecs"},
       "",
       "--interval: '5 parsecs' is not a duration"},
      {{"--prefix", "fd00::/8", "--listen", "192.0.2.1"},
       "",
       "--listen: '192.0.2.1' is not IPV4:PORT"},
      {{"--prefix", "fd00::1/8"}, "", "--prefix: 'fd00::1/8' has bits set beyond /8"},
      {{"--prefix", "fd00::/8", "--id", "70000"}, "", "--id: '70000' is out of range"},
      {{"--prefix", "fd00::/8", "--log-level", "loud"},
       "",
       "--log-level: 'loud' is not a log level"},
      {{}, "", "--prefix is required"},
      {{"--prefix", "fd00::/8"},
       "mtu = \"big\"\n",
       "key 'mtu' in test.toml: 'big' is not an integer"},
      {{"--prefix", "fd00::/8"}, "colour = 1\n", "test.toml: unknown key 'colour'"},
      {{"--prefix", "fd00::/8"}, "mtu = [1, 2]\n", "key 'mtu' in test.toml: takes one value"},
      {{"--prefix", "fd00::/8"}, "mtu = \n", "test.toml: line 1"},
      {{"--prefix", "fd00::/8"},
       "listen = [{a = 1}]\n",
       "key 'listen' in test.toml: array elements"},
  };
  for (const ErrorCase& c : cases) {
    OptionTableTest* self = this;
    (void)self;
    Sample fresh;
    OptionTable table("test-daemon");
    table.add("mtu", "N", "tunnel MTU", &fresh.mtu, inRange<std::uint32_t>(1280, 65507))
        .add("interval", "DUR", "keep-alive", &fresh.interval)
        .addList("listen", "IPV4:PORT", "listen", &fresh.listen)
        .add("id", "N", "an id", &fresh.id)
        .addList("prefix", "IPV6/LEN", "prefixes", &fresh.prefixes, Validator<Ipv6Prefix>{},
                 Presence::Required)
        .addCommonOptions(&fresh.level);
    CLI::App app("test");
    table.registerFlags(app);
    std::vector<const char*> argv{"test"};
    for (const auto& a : c.args) argv.push_back(a.c_str());
    app.parse(static_cast<int>(argv.size()), argv.data());
    Status s = c.toml.empty() ? table.resolve() : table.resolveWithToml(c.toml, "test.toml");
    ASSERT_FALSE(s.has_value()) << c.expected;
    EXPECT_EQ(s.error().detail.rfind(c.expected, 0), 0u) << s.error().detail;
    // Nothing was applied.
    EXPECT_EQ(fresh.mtu, 1472u) << c.expected;
  }
}

TEST_F(OptionTableTest, SingleValuedFlagGivenTwiceIsAnError) {
  Status s = parse({"--prefix", "fd00::/8", "--mtu", "1300", "--mtu", "1400"});
  EXPECT_FALSE(s.has_value());
}

TEST_F(OptionTableTest, ChecksBlameTheOptionWhereItCameFrom) {
  table_.addCheck([this]() -> Status {
    if (s_.mtu == 1300) return makeError(ErrorCode::InvalidArgument, "mtu: 1300 is unlucky");
    return {};
  });
  Status s = parse({"--prefix", "fd00::/8"}, "mtu = 1300\n");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().detail, "key 'mtu' in test.toml: 1300 is unlucky");
}

TEST_F(OptionTableTest, ConfigFileFromFlag) {
  const std::string path = ::testing::TempDir() + "/dsmip_options_test.toml";
  {
    std::ofstream out(path);
    out << "prefix = [\"fd00::/8\"]\nmtu = 1333\n";
  }
  ASSERT_TRUE(parse({"--config", path}).has_value());
  EXPECT_EQ(s_.mtu, 1333u);
  EXPECT_EQ(table_.configPath(), path);
}

TEST_F(OptionTableTest, MissingConfigFileIsAnError) {
  Status s = parse({"--config", "/nonexistent/dsmip.toml"});
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().detail.rfind("--config: cannot read", 0), 0u);
}

TEST_F(OptionTableTest, IntrospectionListsEveryOption) {
  const auto& options = table_.options();
  ASSERT_EQ(options.size(), 8u);
  EXPECT_EQ(options[0].name, "mtu");
  EXPECT_EQ(options[0].type, "integer");
  EXPECT_EQ(options[0].default_text, "1472");
  EXPECT_EQ(options[1].default_text, "30s");
  EXPECT_TRUE(options[2].repeatable);
  EXPECT_EQ(options[2].default_text, "0.0.0.0:3544");
  EXPECT_EQ(options[3].default_text, "");
  EXPECT_TRUE(options[6].required);
  EXPECT_EQ(options[7].name, "log-level");
  const std::string md = table_.markdownTable();
  EXPECT_NE(md.find("| `--mtu N` | `mtu` | `1472` | restart | tunnel MTU |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("`--prefix IPV6/LEN` (repeatable) | `prefix` | required | restart"),
            std::string::npos);
  EXPECT_NE(md.find("| `--log-level LEVEL` | `log-level` | `info` | live |"), std::string::npos)
      << md;
}

TEST_F(OptionTableTest, HelpListsEveryFlagWithItsDefault) {
  const std::string help = app_.help();
  EXPECT_NE(help.find("--mtu N=1472"), std::string::npos) << help;
  EXPECT_NE(help.find("--interval DUR=30s"), std::string::npos);
  EXPECT_NE(help.find("--listen IPV4:PORT=0.0.0.0:3544"), std::string::npos);
  EXPECT_NE(help.find("--config PATH"), std::string::npos);
  EXPECT_NE(help.find("--log-level LEVEL=info"), std::string::npos);
}

// --- the m6t daemons' tables ------------------------------------------------------------

Status resolveGateway(GatewayDaemonConfig& c, std::vector<std::string> args,
                      std::string_view toml = {}) {
  OptionTable table("m6t-gateway");
  declareGatewayOptions(table, c);
  CLI::App app("test");
  table.registerFlags(app);
  std::vector<const char*> argv{"dsmip"};
  for (const auto& a : args) argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return toml.empty() ? table.resolve() : table.resolveWithToml(toml, "gw.toml");
}

Status resolveClient(ClientDaemonConfig& c, std::vector<std::string> args,
                     std::string_view toml = {}) {
  OptionTable table("m6t-client");
  declareClientOptions(table, c);
  CLI::App app("test");
  table.registerFlags(app);
  std::vector<const char*> argv{"dsmip"};
  for (const auto& a : args) argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return toml.empty() ? table.resolve() : table.resolveWithToml(toml, "client.toml");
}

TEST(M6tOptionsTest, GatewayDefaultsMatchTheIssue) {
  GatewayDaemonConfig c = defaultGatewayConfig();
  ASSERT_TRUE(resolveGateway(c, {"--prefix", "fd00:1::/48", "--home-agent", "2001:db8::1"}));
  EXPECT_EQ(c.core.listen, std::vector<Ipv4Endpoint>{*Ipv4Endpoint::parse("0.0.0.0:3544")});
  EXPECT_EQ(c.tun, "m6tgw0");
  EXPECT_EQ(c.core.mtu, 1472u);
  EXPECT_EQ(c.core.temporary_lifetime, 2s);
  EXPECT_EQ(c.core.active_lifetime, 120s);
  EXPECT_DOUBLE_EQ(c.core.rate_limit, 10);
  EXPECT_EQ(c.core.max_states, 1'000'000u);
  EXPECT_EQ(c.control, "/run/dsmip/m6t-gateway.sock");
}

TEST(M6tOptionsTest, GatewayExampleFileLoads) {
  std::ifstream in(dsmip::test::sourceDir() + "/examples/m6t-gateway.toml");
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  GatewayDaemonConfig c = defaultGatewayConfig();
  Status s = resolveGateway(c, {}, text.str());
  ASSERT_TRUE(s.has_value()) << s.error().detail;
  EXPECT_EQ(c.core.listen.size(), 2u);
  EXPECT_EQ(c.core.prefixes.size(), 1u);
}

TEST(M6tOptionsTest, GatewayCoreChecksNameTheFlag) {
  GatewayDaemonConfig c = defaultGatewayConfig();
  Status s = resolveGateway(c, {"--prefix", "fd00:1::/48", "--home-agent", "fd00:1::1"});
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().detail.rfind("--home-agent: fd00:1::1 lies inside", 0), 0u)
      << s.error().detail;
}

TEST(M6tOptionsTest, ClientPrefixOrUlaParts) {
  ClientDaemonConfig c = defaultClientConfig();
  ASSERT_TRUE(resolveClient(c, {"--gateway", "192.0.2.1:3544", "--ula", "fd12:3456:789a::/48",
                                "--subnet-id", "1", "--mn-id", "48879"}));
  EXPECT_EQ(c.core.prefix, *Ipv6Prefix::parse("fd12:3456:789a:1:beef::/80"));
  EXPECT_EQ(c.core.routes, std::vector<Ipv6Prefix>{*Ipv6Prefix::parse("::/0")});
  EXPECT_EQ(c.tun, "m6t0");
  EXPECT_EQ(c.core.keepalive_interval, 30s);
  EXPECT_EQ(c.core.dead_after, 3u);

  ClientDaemonConfig both = defaultClientConfig();
  Status s = resolveClient(both, {"--gateway", "192.0.2.1:3544", "--prefix", "fd00:1:2:3:4::/80",
                                  "--ula", "fd12:3456:789a::/48"});
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().detail.find("not both"), std::string::npos);

  ClientDaemonConfig partial = defaultClientConfig();
  s = resolveClient(
      partial, {"--gateway", "192.0.2.1:3544", "--ula", "fd12:3456:789a::/48", "--subnet-id", "1"});
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().detail.rfind("--mn-id", 0), 0u) << s.error().detail;

  ClientDaemonConfig wrong = defaultClientConfig();
  s = resolveClient(wrong, {"--gateway", "192.0.2.1:3544", "--ula", "fd12:3456::/32", "--subnet-id",
                            "1", "--mn-id", "2"});
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().detail.rfind("--ula: the ULA prefix must be a /48", 0), 0u)
      << s.error().detail;
}

TEST(M6tOptionsTest, ClientExampleFileLoads) {
  std::ifstream in(dsmip::test::sourceDir() + "/examples/m6t-client.toml");
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  ClientDaemonConfig c = defaultClientConfig();
  Status s = resolveClient(c, {"--keepalive", "1s"}, text.str());
  ASSERT_TRUE(s.has_value()) << s.error().detail;
  EXPECT_EQ(c.core.keepalive_interval, 1s);  // the flag wins over the file's 30s
  EXPECT_EQ(c.core.prefix, *Ipv6Prefix::parse("fd5e:4a1c:93b0:1:7::/80"));
  EXPECT_EQ(c.core.routes, std::vector<Ipv6Prefix>{*Ipv6Prefix::parse("2001:db8:10::/64")});
}

}  // namespace
}  // namespace dsmip::daemon
