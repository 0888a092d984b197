// The daemon catalogue behind `dsmip check` and `dsmip man`: every daemon is there with its
// option table, a file's name picks its daemon, and a table checks a configuration exactly as
// the daemon's start does (same messages).
#include "cli/daemon_catalogue.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "daemon/ha_config.hpp"
#include "daemon/m6t_client_daemon.hpp"
#include "test_support/environment.hpp"

namespace dsmip::cli {
namespace {

TEST(DaemonCatalogue, EveryDaemonDeclaresItsOptions) {
  std::set<std::string> names;
  for (const DaemonEntry& d : daemonCatalogue()) names.insert(d.name);
  EXPECT_EQ(names,
            (std::set<std::string>{"m6t-gateway", "m6t-client", "ha", "mn", "mip4-ha", "mip4-mn"}));
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
  EXPECT_EQ(daemonForFileName("/etc/dsmip/ha.toml")->name, "ha");
  EXPECT_EQ(daemonForFileName("mn-laptop.toml")->name, "mn");
  EXPECT_EQ(daemonForFileName("mip4-ha.toml")->name, "mip4-ha");
  EXPECT_EQ(daemonForFileName("mn1.toml"), nullptr);
}

// A file in a fresh temporary directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    path_ =
        std::filesystem::temp_directory_path() /
        ("dsmip-catalogue-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string write(const std::string& name, const std::string& text) const {
    const std::filesystem::path p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs `body` with the working directory set to `dir`, restoring it after.
template <typename F>
void inDirectory(const std::filesystem::path& dir, F body) {
  const std::filesystem::path before = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  body();
  std::filesystem::current_path(before);
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

TEST(DaemonCatalogue, TheHomeAgentIsCheckedByItsOwnLoader) {
  // `dsmip ha` reads [[mobile_node]] itself: the catalogue's check gives its very message.
  TempDir dir;
  const std::string text =
      "home_interface = \"eth0\"\nhome_prefixes = [\"2001:db8:10::/64\"]\n"
      "address = \"2001:db8:10::100\"\n[[mobile_node]]\nhome_address = \"2001:db8:10::50\"\n"
      "[[mobile_node]]\nhome_address = \"not-an-address\"\n";
  const std::string path = dir.write("ha.toml", text);
  auto declared = findDaemon("ha")->declare();
  const Status checked = declared->resolveFile(path);
  ASSERT_FALSE(checked);
  auto config = daemon::defaultHaConfig();
  daemon::OptionTable table("ha");
  daemon::declareHaOptions(table, config);
  const Status direct = daemon::resolveHaConfig(table, config, text, path);
  ASSERT_FALSE(direct);
  EXPECT_EQ(checked.error().detail, direct.error().detail);
  EXPECT_NE(checked.error().detail.find("[[mobile_node]] #2"), std::string::npos)
      << checked.error().detail;
  // The same file with a valid second table passes.
  const std::string fixed = dir.write(
      "ha-fixed.toml", text.substr(0, text.find("not-an-address")) + "2001:db8:10::51\"\n");
  const Status ok = findDaemon("ha")->declare()->resolveFile(fixed);
  EXPECT_TRUE(ok) << ok.error().detail;
}

TEST(DaemonCatalogue, TheHomeAgentPageListsTheMobileNodeTables) {
  auto declared = findDaemon("ha")->declare();
  const auto arrays = declared->tableArrays();
  ASSERT_EQ(arrays.size(), 1u);
  EXPECT_EQ(arrays[0].name, "mobile_node");
  std::set<std::string> keys;
  for (const daemon::OptionInfo& i : arrays[0].element_options) keys.insert(i.name);
  EXPECT_TRUE(keys.count("home_address") == 1 && keys.count("dynamic_ipv4") == 1);
  // DSMIPv4's [[mobile-node]] comes from its table.
  auto mip4 = findDaemon("mip4-ha")->declare();
  ASSERT_EQ(mip4->tableArrays().size(), 1u);
  EXPECT_EQ(mip4->tableArrays()[0].name, "mobile-node");
}

TEST(DaemonCatalogue, TheShippedExamplesAreValid) {
  const std::pair<const char*, const char*> examples[] = {
      {"m6t-client", "m6t-client.toml"}, {"m6t-gateway", "m6t-gateway.toml"},
      {"ha", "dsmip6/ha.toml"},          {"mn", "dsmip6/mn.toml"},
      {"mip4-ha", "dsmip4/ha.toml"},     {"mip4-mn", "dsmip4/mn1.toml"},
      {"mip4-mn", "dsmip4/mn2.toml"}};
  for (const auto& [daemon, file] : examples) {
    auto declared = findDaemon(daemon)->declare();
    const Status s = declared->resolveFile(test::sourceDir() + "/examples/" + file);
    EXPECT_TRUE(s) << file << ": " << s.error().detail;
  }
}

TEST(DaemonCatalogue, ARelativeKeyFileIsTakenFromTheConfigurationsDirectory) {
  // `dsmip check --config examples/dsmip4/ha.toml` from the repository root: its
  // `key-file = "mn2.key"` is examples/dsmip4/mn2.key, as for `dsmip mip4-ha`.
  inDirectory(test::sourceDir(), [] {
    const Status s = findDaemon("mip4-ha")->declare()->resolveFile("examples/dsmip4/ha.toml");
    EXPECT_TRUE(s) << s.error().detail;
  });
  TempDir dir;
  const std::string config =
      "home-address = \"10.1.0.5\"\nhome-agent = \"10.1.0.2\"\nspi = 1000\n"
      "key-file = \"secret/mn.key\"\n";
  dir.write("conf/mip4-mn.toml", config);
  // Not there yet: the message names the file as written.
  inDirectory(dir.path(), [] {
    const Status s = findDaemon("mip4-mn")->declare()->resolveFile("conf/mip4-mn.toml");
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().detail.find("cannot read 'secret/mn.key'"), std::string::npos)
        << s.error().detail;
  });
  // Next to the configuration, not next to the working directory.
  dir.write("secret/mn.key", "00112233445566778899aabbccddeeff\n");
  inDirectory(dir.path(), [] {
    EXPECT_FALSE(findDaemon("mip4-mn")->declare()->resolveFile("conf/mip4-mn.toml"));
  });
  dir.write("conf/secret/mn.key", "00112233445566778899aabbccddeeff\n");
  inDirectory(dir.path(), [] {
    const Status s = findDaemon("mip4-mn")->declare()->resolveFile("conf/mip4-mn.toml");
    EXPECT_TRUE(s) << s.error().detail;
  });
}

}  // namespace
}  // namespace dsmip::cli
