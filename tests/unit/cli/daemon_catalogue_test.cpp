// The daemon catalogue behind `dsmip check` and `dsmip man`: every daemon is there with its
// option table, a file's name picks its daemon, and a table checks a configuration exactly as
// the daemon's start does (same messages).
#include "cli/daemon_catalogue.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "daemon/m6t_client_daemon.hpp"
#include "test_support/environment.hpp"

namespace dsmip::cli {
namespace {

TEST(DaemonCatalogue, EveryDaemonDeclaresItsOptions) {
  ASSERT_GE(daemonCatalogue().size(), 2u);
  for (const DaemonEntry& d : daemonCatalogue()) {
    auto declared = d.declare();
    EXPECT_EQ(declared->table().daemonName(), d.name);
    EXPECT_FALSE(declared->table().options().empty()) << d.name;
    EXPECT_EQ(findDaemon(d.name), &d);
  }
  EXPECT_EQ(findDaemon("nonesuch"), nullptr);
}

TEST(DaemonCatalogue, FileNamePicksTheDaemon) {
  EXPECT_EQ(daemonForFileName("/etc/dsmip/m6t-client.toml")->name, "m6t-client");
  EXPECT_EQ(daemonForFileName("m6t-gateway-lab.toml")->name, "m6t-gateway");
  EXPECT_EQ(daemonForFileName("m6t-gateway_2.toml")->name, "m6t-gateway");
  EXPECT_EQ(daemonForFileName("/etc/m6t-client.toml.d/x.toml"), nullptr);
  EXPECT_EQ(daemonForFileName("m6t-clientele.toml"), nullptr);
  EXPECT_EQ(daemonForFileName("gateway.toml"), nullptr);
}

TEST(DaemonCatalogue, ChecksLikeTheDaemon) {
  const std::string text =
      "gateway = \"198.51.100.1:3544\"\nprefix = \"fd00:6d36:0:1:7::/80\"\n"
      "mtu = 99\n";
  auto declared = findDaemon("m6t-client")->declare();
  const Status checked = declared->table().resolveWithToml(text, "x.toml");
  ASSERT_FALSE(checked);
  // The daemon's own table, as `dsmip m6t-client --config x.toml` resolves it.
  auto config = daemon::defaultClientConfig();
  daemon::OptionTable table("m6t-client");
  daemon::declareClientOptions(table, config);
  const Status direct = table.resolveWithToml(text, "x.toml");
  ASSERT_FALSE(direct);
  EXPECT_EQ(checked.error().detail, direct.error().detail);
  EXPECT_NE(checked.error().detail.find("mtu"), std::string::npos);
}

TEST(DaemonCatalogue, TheShippedExamplesAreValid) {
  for (const char* name : {"m6t-client", "m6t-gateway"}) {
    std::ifstream in(std::string(DSMIP_SOURCE_DIR) + "/examples/" + name + ".toml");
    ASSERT_TRUE(in) << name;
    std::stringstream text;
    text << in.rdbuf();
    auto declared = findDaemon(name)->declare();
    const Status s = declared->table().resolveWithToml(text.str(), name);
    EXPECT_TRUE(s) << name << ": " << s.error().detail;
  }
}

}  // namespace
}  // namespace dsmip::cli
