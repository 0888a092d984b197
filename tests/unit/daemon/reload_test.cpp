// SIGHUP reload, the generic part: how options declare their reload class, the values a reload
// compares, the diff and its log lines, the bookkeeping `dsmip show` reports, and the loader
// that re-reads the file with the command line the daemon was started with.
#include "daemon/reload.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <vector>

#include "daemon/ha_config.hpp"
#include "daemon/m6t_gateway_daemon.hpp"
#include "daemon/mip4_config.hpp"
#include "daemon/mn_config.hpp"

namespace dsmip::daemon {
namespace {

using namespace std::chrono_literals;

struct Sample {
  Duration interval = 30s;
  std::uint32_t mtu = 1400;
  std::vector<Ipv6Prefix> prefixes;
  std::optional<std::string> key;
  LogLevel level = LogLevel::Info;
};

Sample defaultSample() { return Sample{}; }

void declareSample(OptionTable& t, Sample& s) {
  t.add("interval", "DUR", "an interval", &s.interval)
      .add("mtu", "N", "an MTU", &s.mtu, inRange<std::uint32_t>(1280, 9000))
      .addList("prefix", "IPV6/LEN", "prefixes", &s.prefixes)
      .add("key", "HEX", "a key", &s.key)
      .addCommonOptions(&s.level)
      .setReload(Reload::Live, {"interval", "prefix"})
      .setSecret({"key"});
}

const ConfigValue* find(const std::vector<ConfigValue>& values, std::string_view key) {
  for (const ConfigValue& v : values) {
    if (v.key == key) return &v;
  }
  return nullptr;
}

// A configuration file in a fresh temporary directory, removed at the end.
class TempFile {
 public:
  TempFile() {
    char pattern[] = "/tmp/rl-reload-XXXXXX";
    if (::mkdtemp(pattern) != nullptr) directory_ = pattern;
    path_ = directory_ + "/daemon.toml";
  }
  ~TempFile() {
    std::remove(path_.c_str());
    ::rmdir(directory_.c_str());
  }
  void write(const std::string& text) const { std::ofstream(path_) << text; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string directory_;
  std::string path_;
};

TEST(ReloadDeclarationTest, OptionsAreRestartUnlessDeclaredLive) {
  Sample s;
  OptionTable t("sample");
  declareSample(t, s);
  EXPECT_EQ(t.reloadOf("interval"), Reload::Live);
  EXPECT_EQ(t.reloadOf("prefix"), Reload::Live);
  EXPECT_EQ(t.reloadOf("mtu"), Reload::Restart);
  EXPECT_EQ(t.reloadOf("log-level"), Reload::Live);  // every daemon's
  EXPECT_EQ(t.options()[0].reload, Reload::Live);
  EXPECT_EQ(t.options()[1].reload, Reload::Restart);
  EXPECT_TRUE(t.options()[3].secret);
  EXPECT_EQ(reloadName(Reload::Live), "live");
  EXPECT_EQ(reloadName(Reload::Restart), "restart");
}

TEST(ReloadDeclarationTest, UndeclaredNameIsAProgrammingError) {
  Sample s;
  OptionTable t("sample");
  declareSample(t, s);
  EXPECT_DEATH(t.setReload(Reload::Live, {"no-such-key"}), "");
}

TEST(ReloadValuesTest, ValuesAreTheFormattedTargetsWithSecretsMasked) {
  Sample s;
  OptionTable t("sample");
  declareSample(t, s);
  ASSERT_TRUE(t.resolveWithToml(
      "interval = \"120s\"\nprefix = [\"2001:db8::/32\", \"fd00::/8\"]\nkey = \"00112233\"\n",
      "x.toml"));
  const auto values = t.values();
  ASSERT_NE(find(values, "interval"), nullptr);
  EXPECT_EQ(find(values, "interval")->text, "120s");
  EXPECT_EQ(find(values, "prefix")->text, "2001:db8::/32, fd00::/8");
  EXPECT_EQ(find(values, "mtu")->text, "1400");
  EXPECT_EQ(find(values, "key")->text, "00112233");
  EXPECT_EQ(find(values, "key")->shown, "(secret)");
  EXPECT_EQ(find(values, "interval")->shown, "120s");
  EXPECT_EQ(find(values, "log-level")->text, "info");
}

TEST(ReloadDiffTest, ChangedKeysWithTheirClassAndOnlyThose) {
  const std::vector<ConfigValue> running = {{"interval", "30s", Reload::Live, "30s"},
                                            {"mtu", "1400", Reload::Restart, "1400"},
                                            {"name", "a", Reload::Restart, "a"}};
  const std::vector<ConfigValue> loaded = {{"interval", "1m", Reload::Live, "1m"},
                                           {"mtu", "1500", Reload::Restart, "1500"},
                                           {"name", "a", Reload::Restart, "a"}};
  const ConfigChanges changes = diffConfig(running, loaded);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].key, "interval");
  EXPECT_EQ(changes[0].before, "30s");
  EXPECT_EQ(changes[0].after, "1m");
  EXPECT_EQ(changes[0].reload, Reload::Live);
  EXPECT_EQ(changes[1].key, "mtu");
  EXPECT_EQ(changes[1].reload, Reload::Restart);
  EXPECT_TRUE(diffConfig(running, running).empty());

  // Live keys take the new value; Restart keys keep the running one.
  const auto after = runningAfter(running, changes);
  EXPECT_EQ(find(after, "interval")->text, "1m");
  EXPECT_EQ(find(after, "mtu")->text, "1400");
  EXPECT_EQ(find(after, "name")->text, "a");
  // So the same file again reports the Restart key again, the Live one no more.
  const ConfigChanges again = diffConfig(after, loaded);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].key, "mtu");
}

TEST(ReloadDiffTest, KeysOnOneSideOnlyCountAsChanged) {
  const std::vector<ConfigValue> running = {{"a", "1", Reload::Live, "1"}};
  const std::vector<ConfigValue> loaded = {{"b", "2", Reload::Restart, "2"}};
  const ConfigChanges changes = diffConfig(running, loaded);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].key, "b");
  EXPECT_EQ(changes[0].before, "");
  EXPECT_EQ(changes[1].key, "a");
  EXPECT_EQ(changes[1].after, "");
}

TEST(ReloadDiffTest, LogLines) {
  ConfigChange live{"interval", "10s", "20s", Reload::Live, "10s", "20s"};
  EXPECT_EQ(describeChange(live), "reload: key 'interval' 10s \u2192 20s, applied");
  ConfigChange restart{"mtu", "1400", "1500", Reload::Restart, "1400", "1500"};
  EXPECT_EQ(describeChange(restart),
            "reload: key 'mtu' 1400 \u2192 1500 needs a restart, keeping 1400");
  ConfigChange added{"route", "", "::/0", Reload::Restart, "", "::/0"};
  EXPECT_EQ(describeChange(added),
            "reload: key 'route' (none) \u2192 ::/0 needs a restart, keeping (none)");
  ConfigChange secret{"key", "0011", "2233", Reload::Restart, "(secret)", "(secret)"};
  const std::string line = describeChange(secret);
  EXPECT_EQ(line.find("0011"), std::string::npos);
  EXPECT_EQ(line.find("2233"), std::string::npos);
}

TEST(ConfigReloaderTest, CountsAndReportsReloads) {
  ConfigReloader reloader("sample", {{"interval", "30s", Reload::Live, "30s"},
                                     {"mtu", "1400", Reload::Restart, "1400"},
                                     {"key", "00", Reload::Restart, "(secret)"}});
  nlohmann::json status = reloader.statusJson();
  EXPECT_EQ(status["reloads-ok"], 0);
  EXPECT_EQ(status["reloads-failed"], 0);
  EXPECT_TRUE(status["last-reload"].is_null());

  Error error;
  error.code = ErrorCode::InvalidArgument;
  error.detail = "key 'mtu' in x.toml: '9' must be ...";
  reloader.failed(error, 1'700'000'000'000'000'000);
  status = reloader.statusJson();
  EXPECT_EQ(status["reloads-failed"], 1);
  EXPECT_EQ(status["last-reload"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(status["last-reload-result"], "failed: key 'mtu' in x.toml: '9' must be ...");
  EXPECT_EQ(reloader.configJson()["mtu"], "1400");  // unchanged

  const ConfigChanges changes = reloader.accepted({{"interval", "1m", Reload::Live, "1m"},
                                                   {"mtu", "1500", Reload::Restart, "1500"},
                                                   {"key", "00", Reload::Restart, "(secret)"}},
                                                  1'700'000'001'000'000'000);
  ASSERT_EQ(changes.size(), 2u);
  status = reloader.statusJson();
  EXPECT_EQ(status["reloads-ok"], 1);
  EXPECT_EQ(status["reloads-failed"], 1);
  EXPECT_EQ(status["last-reload-result"], "ok: 1 applied, 1 need a restart");
  const nlohmann::json config = reloader.configJson();
  EXPECT_EQ(config["interval"], "1m");
  EXPECT_EQ(config["mtu"], "1400");      // kept until a restart
  EXPECT_EQ(config["key"], "(secret)");  // never the value
}

TEST(ConfigReloaderTest, DecoratesOnlyShowAnswers) {
  ConfigReloader reloader("sample", {{"interval", "30s", Reload::Live, "30s"}});
  const std::string show =
      reloader.decorate(R"({"command":"show"})", R"({"daemon":"sample","states":[]})");
  const nlohmann::json j = nlohmann::json::parse(show);
  EXPECT_EQ(j["daemon"], "sample");
  EXPECT_EQ(j["config"]["interval"], "30s");
  EXPECT_EQ(j["reload"]["reloads-ok"], 0);
  const std::string help = R"({"commands":{"show":"..."}})";
  EXPECT_EQ(reloader.decorate(R"({"command":"help"})", help), help);
  const std::string error = R"({"error":"unknown command"})";
  EXPECT_EQ(reloader.decorate(R"({"command":"show"})", error), error);
  EXPECT_EQ(reloader.decorate("not json", help), help);
}

class ReloadLoaderTest : public ::testing::Test {
 protected:
  // The daemon's start: flags parsed, file resolved into `config_`.
  Status start(std::vector<std::string> args) {
    declareSample(*table_, config_);
    table_->registerFlags(app_);
    std::vector<const char*> argv{"sample"};
    for (const auto& a : args) argv.push_back(a.c_str());
    try {
      app_.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      return makeError(ErrorCode::InvalidArgument, e.what());
    }
    return table_->resolve();
  }

  TempFile file_;
  Sample config_;
  std::shared_ptr<OptionTable> table_ = std::make_shared<OptionTable>("sample");
  CLI::App app_{"sample"};
};

TEST_F(ReloadLoaderTest, ReReadsTheFileWithTheSameFlags) {
  file_.write("interval = \"10s\"\nmtu = 1500\n");
  ASSERT_TRUE(start({"--config", file_.path(), "--mtu", "2000"}));
  EXPECT_EQ(config_.mtu, 2000u);  // the flag wins
  Reloadable<Sample> reloadable = makeReloadable<Sample>(table_, &defaultSample, &declareSample);
  EXPECT_EQ(find(reloadable.running, "interval")->text, "10s");

  file_.write("interval = \"20s\"\nmtu = 1600\n");
  auto loaded = reloadable.load();
  ASSERT_TRUE(loaded) << loaded.error().detail;
  EXPECT_EQ(loaded->config->interval, 20s);
  EXPECT_EQ(loaded->config->mtu, 2000u);  // still the flag
  // The running configuration is untouched by a load.
  EXPECT_EQ(config_.interval, 10s);

  ConfigReloader reloader("sample", reloadable.running);
  std::vector<ConfigChanges> applied;
  file_.write("interval = \"20s\"\nmtu = 1600\nlog-level = \"debug\"\n");
  reloadWith<Sample>(
      reloader, reloadable.load,
      [&](const Sample& fresh, const ConfigChanges& live) {
        EXPECT_EQ(fresh.interval, 20s);
        applied.push_back(live);
      },
      0);
  ASSERT_EQ(applied.size(), 1u);
  ASSERT_EQ(applied[0].size(), 2u);  // interval and log-level; mtu is fixed by the flag
  EXPECT_EQ(applied[0][0].key, "interval");
  EXPECT_EQ(applied[0][1].key, "log-level");
  EXPECT_EQ(reloader.okCount(), 1u);
}

TEST_F(ReloadLoaderTest, InvalidFileChangesNothingAndNamesTheKey) {
  file_.write("interval = \"10s\"\n");
  ASSERT_TRUE(start({"--config", file_.path()}));
  Reloadable<Sample> reloadable = makeReloadable<Sample>(table_, &defaultSample, &declareSample);
  ConfigReloader reloader("sample", reloadable.running);
  file_.write("interval = \"20s\"\nmtu = 99\n");
  bool called = false;
  reloadWith<Sample>(
      reloader, reloadable.load, [&](const Sample&, const ConfigChanges&) { called = true; }, 0);
  EXPECT_FALSE(called);
  EXPECT_EQ(reloader.failedCount(), 1u);
  const std::string result = reloader.statusJson()["last-reload-result"];
  EXPECT_NE(result.find("key 'mtu'"), std::string::npos) << result;
  EXPECT_EQ(reloader.configJson()["interval"], "10s");
}

TEST_F(ReloadLoaderTest, OnlyRestartChangesCallNothing) {
  file_.write("mtu = 1500\n");
  ASSERT_TRUE(start({"--config", file_.path()}));
  Reloadable<Sample> reloadable = makeReloadable<Sample>(table_, &defaultSample, &declareSample);
  ConfigReloader reloader("sample", reloadable.running);
  file_.write("mtu = 1600\n");
  bool called = false;
  reloadWith<Sample>(
      reloader, reloadable.load, [&](const Sample&, const ConfigChanges&) { called = true; }, 0);
  EXPECT_FALSE(called);
  EXPECT_EQ(reloader.okCount(), 1u);
  EXPECT_EQ(reloader.configJson()["mtu"], "1500");
}

// The daemons' declarations: every Live key exists (setReload checks it) and the classes the
// documentation states.
TEST(DaemonReloadClassesTest, HomeAgent) {
  HaDaemonConfig c = defaultHaConfig();
  OptionTable t("ha");
  declareHaOptions(t, c);
  for (const char* live : {"max_binding_lifetime", "nat_refresh_time", "tunnel_ecn", "error_rate",
                           "mobile_node", "log-level", "home_registration"}) {
    EXPECT_EQ(t.reloadOf(live), Reload::Live) << live;
  }
  for (const char* restart : {"home_interface", "address", "ipv4_address", "udp_port", "tun",
                              "ipv4_pool", "require_esp", "esp_sa", "esp_policy", "control"}) {
    EXPECT_EQ(t.reloadOf(restart), Reload::Restart) << restart;
  }
}

TEST(DaemonReloadClassesTest, HomeAgentMobileNodesAreComparedByMeaning) {
  TempFile file;
  const std::string base =
      "home_interface = \"eth0\"\nhome_prefixes = [\"2001:db8:1::/64\"]\n"
      "address = \"2001:db8:1::1\"\n";
  auto load = [&](const std::string& text) {
    file.write(text);
    HaDaemonConfig c = defaultHaConfig();
    OptionTable t("ha");
    declareHaOptions(t, c);
    CLI::App app;
    t.registerFlags(app);
    const std::string path = file.path();
    const char* argv[] = {"ha", "--config", path.c_str()};
    app.parse(3, argv);
    EXPECT_TRUE(resolveHaConfigFile(t, c));
    return t.values();
  };
  const auto one = load(base + "[[mobile_node]]\nhome_address = \"2001:db8:1::100\"\n");
  // The same entry written differently (a default spelled out) is no change.
  const auto same = load(base +
                         "[[mobile_node]]\nhome_address = \"2001:db8:1:0::100\"\n"
                         "dynamic_ipv4 = false\n");
  EXPECT_TRUE(diffConfig(one, same).empty());
  const auto two = load(base +
                        "[[mobile_node]]\nhome_address = \"2001:db8:1::100\"\n"
                        "[[mobile_node]]\nhome_address = \"2001:db8:1::200\"\n");
  const ConfigChanges changes = diffConfig(one, two);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].key, "mobile_node");
  EXPECT_EQ(changes[0].reload, Reload::Live);
}

TEST(DaemonReloadClassesTest, GatewayMobileNodeAndMip4) {
  GatewayDaemonConfig g = defaultGatewayConfig();
  OptionTable gt("m6t-gateway");
  declareGatewayOptions(gt, g);
  EXPECT_EQ(gt.reloadOf("active-lifetime"), Reload::Live);
  EXPECT_EQ(gt.reloadOf("rate-limit"), Reload::Live);
  EXPECT_EQ(gt.reloadOf("listen"), Reload::Restart);
  EXPECT_EQ(gt.reloadOf("max-states"), Reload::Restart);

  MnDaemonConfig m = defaultMnConfig();
  OptionTable mt("mn");
  declareMnOptions(mt, m);
  EXPECT_EQ(mt.reloadOf("max_bindack_timeout"), Reload::Live);
  EXPECT_EQ(mt.reloadOf("home_addresses"), Reload::Restart);
  EXPECT_EQ(mt.reloadOf("binding_lifetime"), Reload::Restart);

  HomeAgentDaemonConfig h = defaultHomeAgentDaemonConfig();
  OptionTable ht("mip4-ha");
  declareHomeAgentOptions(ht, h);
  EXPECT_EQ(ht.reloadOf("mobile-node"), Reload::Live);
  EXPECT_EQ(ht.reloadOf("keepalive-interval"), Reload::Live);
  EXPECT_EQ(ht.reloadOf("port"), Reload::Restart);

  MobileNodeDaemonConfig n = defaultMobileNodeDaemonConfig();
  OptionTable nt("mip4-mn");
  declareMobileNodeOptions(nt, n);
  EXPECT_EQ(nt.reloadOf("max-retransmission"), Reload::Live);
  EXPECT_EQ(nt.reloadOf("key"), Reload::Restart);
  EXPECT_TRUE(nt.options()[4].name == "key" && nt.options()[4].secret);
}

TEST(DaemonReloadClassesTest, Mip4MobileNodeKeysNeverShowButTheirChangeIsSeen) {
  TempFile file;
  auto load = [&](const std::string& key) {
    file.write(
        "address = \"192.0.2.1\"\nhome-interface = \"eth0\"\n"
        "[[mobile-node]]\nhome-address = \"192.0.2.10\"\nspi = 300\nkey = \"" +
        key + "\"\n");
    HomeAgentDaemonConfig c = defaultHomeAgentDaemonConfig();
    OptionTable t("mip4-ha");
    declareHomeAgentOptions(t, c);
    EXPECT_TRUE(t.resolveWithToml(
        [&] {
          std::ifstream in(file.path());
          return std::string(std::istreambuf_iterator<char>(in), {});
        }(),
        file.path()));
    return t.values();
  };
  const auto a = load("00112233445566778899aabbccddeeff");
  const auto b = load("ffeeddccbbaa99887766554433221100");
  const ConfigChanges changes = diffConfig(a, b);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].key, "mobile-node");
  EXPECT_EQ(describeChange(changes[0]).find("00112233"), std::string::npos);
  EXPECT_EQ(describeChange(changes[0]).find("ffeeddcc"), std::string::npos);
  EXPECT_NE(describeChange(changes[0]).find("key = (secret)"), std::string::npos);
}

}  // namespace

// The [[esp_sa]] tables hold key material: `dsmip show` (the reloader's config block) and the
// reload log lines show them masked, while a change of them is still seen (and needs a restart).
TEST(DaemonReloadClassesTest, EspKeysNeverShowButTheirChangeIsSeen) {
  for (const char* daemon : {"ha", "mn"}) {
    SCOPED_TRACE(daemon);
    const std::string example =
        std::string(DSMIP_SOURCE_DIR) + "/examples/dsmip6/" + daemon + ".toml";
    std::ifstream in(example);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_NE(text.find("2b7e151628aed2a6abf7158809cf4f3c"), std::string::npos);
    auto load = [&](const std::string& content) {
      TempFile file;
      file.write(content);
      const std::string path = file.path();
      const char* argv[] = {daemon, "--config", path.c_str()};
      CLI::App app;
      std::vector<ConfigValue> values;
      if (std::string_view(daemon) == "ha") {
        HaDaemonConfig c = defaultHaConfig();
        OptionTable t("ha");
        declareHaOptions(t, c);
        t.registerFlags(app);
        app.parse(3, argv);
        EXPECT_TRUE(resolveHaConfigFile(t, c));
        values = t.values();
      } else {
        MnDaemonConfig c = defaultMnConfig();
        OptionTable t("mn");
        declareMnOptions(t, c);
        t.registerFlags(app);
        app.parse(3, argv);
        EXPECT_TRUE(resolveMnConfigFile(t, c));
        values = t.values();
      }
      return values;
    };
    const auto before = load(text);
    std::string rekeyed = text;
    rekeyed.replace(rekeyed.find("2b7e151628aed2a6abf7158809cf4f3c"), 32,
                    "00112233445566778899aabbccddeeff");
    const auto after = load(rekeyed);
    for (const ConfigValue& v : before) {
      EXPECT_EQ(v.shown.find("2b7e151628aed2a6abf7158809cf4f3c"), std::string::npos) << v.key;
      EXPECT_EQ(v.shown.find("000102030405060708090a0b0c0d0e0f"), std::string::npos) << v.key;
    }
    const ConfigChanges changes = diffConfig(before, after);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].key, "esp_sa");
    EXPECT_EQ(changes[0].reload, Reload::Restart);
    const std::string line = describeChange(changes[0]);
    EXPECT_EQ(line.find("2b7e1516"), std::string::npos) << line;
    EXPECT_EQ(line.find("00112233"), std::string::npos) << line;
  }
}

}  // namespace dsmip::daemon
