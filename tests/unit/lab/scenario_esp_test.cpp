// The lab's ESP for the DSMIPv6 scenarios (fresh keys, the daemons' own ESP tables, counters
// read back from `dsmip show --json`) and the DSMIPv6-over-m6t scenario's spec.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>

#include <toml++/toml.h>

#include "cli/daemon_catalogue.hpp"
#include "daemon/dsmip6_esp.hpp"
#include "lab/analysis.hpp"
#include "lab/lab.hpp"
#include "lab/report.hpp"
#include "lab/scenario.hpp"

namespace dsmip::lab {
namespace {

const ScenarioSpec& scenario(const std::vector<ScenarioSpec>& all, const std::string& name) {
  for (const ScenarioSpec& s : all) {
    if (s.name == name) return s;
  }
  throw std::runtime_error("no scenario " + name);
}

const DaemonSpec& daemonOf(const ScenarioSpec& s, const std::string& role) {
  for (const DaemonSpec& d : s.daemons) {
    if (d.role == role) return d;
  }
  throw std::runtime_error("no daemon " + role + " in " + s.name);
}

// The ESP tables of a generated configuration, read by the daemons' own reader.
daemon::EspDaemonConfig espOf(const DaemonSpec& d) {
  toml::table file = toml::parse(d.config, d.role + ".toml");
  daemon::EspDaemonConfig esp;
  const Status s = daemon::readEspTables(file, d.role + ".toml", esp);
  EXPECT_TRUE(s) << d.role << ": " << (s ? "" : s.error().detail);
  return esp;
}

const esp::SaConfig* saOf(const daemon::EspDaemonConfig& esp, std::int64_t spi,
                          const std::string& direction) {
  for (const esp::SaConfig& sa : esp.sas) {
    if (sa.spi == spi && sa.direction == direction) return &sa;
  }
  return nullptr;
}

bool isHexKey(const std::string& key, std::size_t octets) {
  if (key.size() != 2 + 2 * octets || key.rfind("0x", 0) != 0) return false;
  return std::all_of(key.begin() + 2, key.end(), [](char c) { return std::isxdigit(c) != 0; });
}

// Both ends of each DSMIPv6 scenario hold the same four SAs, mirrored (what one sends the other
// receives, same SPI, same keys), AES-128-CBC + HMAC-SHA-256 with keys of the right sizes, and
// the RFC 3776/4877 policies for BU/BA and MPS/MPA, then a bypass for everything else.
TEST(LabEsp, BothEndsHoldTheMirroredSasAndTheRfc3776Policies) {
  const LabPlan plan = makeLabPlan();
  SeededRandom random(11);
  const auto all = makeScenarios(plan, random, "/tmp/l3");
  for (const char* name : {"dsmip6", "dsmip6-m6t"}) {
    const ScenarioSpec& s = scenario(all, name);
    const auto ha = espOf(daemonOf(s, "ha"));
    const auto mn = espOf(daemonOf(s, "mn"));
    ASSERT_EQ(ha.sas.size(), 4u) << name;
    ASSERT_EQ(mn.sas.size(), 4u) << name;
    EXPECT_EQ(ha.built.sas.size(), 4u) << name;
    for (const esp::SaConfig& sa : ha.sas) {
      EXPECT_EQ(sa.suite, "aes-cbc-hmac-sha256") << sa.name;
      EXPECT_EQ(sa.mode, "transport") << sa.name;
      EXPECT_TRUE(isHexKey(sa.encryption_key, 16)) << sa.name;
      EXPECT_TRUE(isHexKey(sa.integrity_key, 32)) << sa.name;
      const esp::SaConfig* peer =
          saOf(mn, *sa.spi, sa.direction == "inbound" ? "outbound" : "inbound");
      ASSERT_NE(peer, nullptr) << name << " " << sa.name;
      EXPECT_EQ(peer->encryption_key, sa.encryption_key) << sa.name;
      EXPECT_EQ(peer->integrity_key, sa.integrity_key) << sa.name;
    }
    // The HA receives BUs on 0x1001 and MPSs on 0x1002, sends BAs on 0x2001 and MPAs on 0x2002.
    EXPECT_NE(saOf(ha, 0x1001, "inbound"), nullptr);
    EXPECT_NE(saOf(ha, 0x2001, "outbound"), nullptr);
    EXPECT_NE(saOf(ha, 0x1002, "inbound"), nullptr);
    EXPECT_NE(saOf(ha, 0x2002, "outbound"), nullptr);
    ASSERT_EQ(ha.policies.size(), 3u);
    EXPECT_EQ(ha.policies[0].protocol, "mh");
    EXPECT_EQ(ha.policies[0].local, plan.addresses.ha6_ipv6.toString());
    EXPECT_EQ(ha.policies[0].remote, plan.addresses.mn_home_ipv6.toString());
    EXPECT_EQ(ha.policies[0].local_mh_type, "ba");
    EXPECT_EQ(ha.policies[0].remote_mh_type, "bu");
    EXPECT_EQ(ha.policies[1].protocol, "icmpv6");
    EXPECT_EQ(ha.policies[1].remote_icmp_type, "mps");
    EXPECT_EQ(ha.policies[2].action, "bypass");
    ASSERT_EQ(mn.policies.size(), 3u);
    EXPECT_EQ(mn.policies[0].local, plan.addresses.mn_home_ipv6.toString());
    EXPECT_EQ(mn.policies[0].local_mh_type, "bu");
    EXPECT_EQ(mn.policies[0].remote_mh_type, "ba");
    EXPECT_EQ(mn.policies[1].local_icmp_type, "mps");
    EXPECT_EQ(mn.policies[2].action, "bypass");
  }
}

std::set<std::string> keysOf(const ScenarioSpec& s) {
  std::set<std::string> keys;
  for (const esp::SaConfig& sa : espOf(daemonOf(s, "ha")).sas) {
    keys.insert(sa.encryption_key);
    keys.insert(sa.integrity_key);
  }
  return keys;
}

// Every key is drawn afresh: no two SAs share one, the two DSMIPv6 scenarios of a run have their
// own, and another run (another random stream) has others. None of the texts the lab prints
// about a scenario (title, summary, notes, --list) carries a key.
TEST(LabEsp, KeysAreFreshPerScenarioAndRunAndNeverInWhatTheLabPrints) {
  const LabPlan plan = makeLabPlan();
  SeededRandom first(1);
  SeededRandom second(2);
  const auto run1 = makeScenarios(plan, first, "/tmp/l3");
  const auto run2 = makeScenarios(plan, second, "/tmp/l3");
  const auto a = keysOf(scenario(run1, "dsmip6"));
  const auto b = keysOf(scenario(run1, "dsmip6-m6t"));
  const auto c = keysOf(scenario(run2, "dsmip6"));
  EXPECT_EQ(a.size(), 8u);  // 4 SAs × (encryption, integrity), all different
  for (const std::string& k : a) {
    EXPECT_EQ(b.count(k), 0u) << "shared between the scenarios";
    EXPECT_EQ(c.count(k), 0u) << "the same in two runs";
  }
  // The keys of the namespace tests' examples are not reused.
  EXPECT_EQ(a.count("0x2b7e151628aed2a6abf7158809cf4f3c"), 0u);
  const std::string list = scenarioList();
  EXPECT_EQ(list.find("encryption_key"), std::string::npos);
  EXPECT_EQ(list.find("integrity_key"), std::string::npos);
  for (const ScenarioSpec& s : run1) {
    std::string shown = s.title + s.summary;
    for (const std::string& n : s.notes) shown += n;
    for (const std::string& k : a) EXPECT_EQ(shown.find(k.substr(2)), std::string::npos) << s.name;
    for (const std::string& k : b) EXPECT_EQ(shown.find(k.substr(2)), std::string::npos) << s.name;
  }
}

// DSMIPv6 over m6t: the m6t gateway admits the home agent only, the client routes only the home
// agent into its tunnel, and mn takes its care-of addresses from the tunnel alone; walking
// IPv4-only networks, public and behind both NATs; every configuration resolves with the
// daemon's own loader (as `dsmip check` does).
TEST(LabDsmip6OverM6t, SpecRunsTheFourDaemonsOverTheTunnel) {
  const LabPlan plan = makeLabPlan();
  SeededRandom random(3);
  const auto all = makeScenarios(plan, random, "/tmp/l3");
  const ScenarioSpec& s = scenario(all, "dsmip6-m6t");
  std::vector<std::pair<std::string, std::string>> daemons;
  for (const DaemonSpec& d : s.daemons) daemons.emplace_back(d.subcommand, d.node);
  // The client before mn (its m6t0 must exist), the home agent before mn.
  EXPECT_EQ(daemons,
            (std::vector<std::pair<std::string, std::string>>{
                {"m6t-gateway", "gw"}, {"m6t-client", "mn"}, {"ha", "ha6"}, {"mn", "mn"}}));
  const std::string ha = plan.addresses.ha6_ipv6.toString();
  EXPECT_NE(daemonOf(s, "m6t-gateway").config.find("home-agent = [\"" + ha + "\"]"),
            std::string::npos);
  EXPECT_NE(daemonOf(s, "m6t-client").config.find("route = [\"" + ha + "/128\"]"),
            std::string::npos);
  EXPECT_NE(daemonOf(s, "mn").config.find("interfaces = [\"m6t0\"]"), std::string::npos);
  for (const DaemonSpec& d : s.daemons) {
    const cli::DaemonEntry* entry = cli::findDaemon(d.subcommand);
    ASSERT_NE(entry, nullptr);
    const std::string path = ::testing::TempDir() + "/l3-" + d.role + ".toml";
    std::ofstream(path) << d.config;
    auto declared = entry->declare();
    const Status resolved = declared->resolveFile(path);
    std::remove(path.c_str());
    EXPECT_TRUE(resolved) << d.role << ": " << (resolved ? "" : resolved.error().detail);
  }
  std::set<NetworkKind> kinds;
  for (const std::string& w : s.walk) {
    const VisitedNetwork* v = plan.network(w);
    ASSERT_NE(v, nullptr);
    EXPECT_NE(v->kind, NetworkKind::NativeIpv6) << w;
    kinds.insert(v->kind);
    EXPECT_EQ(s.mechanism(*v), "DSMIPv6 over m6t");
  }
  EXPECT_EQ(kinds.size(), 2u);
  EXPECT_GE(s.walk.size(), 3u);
  EXPECT_EQ(s.expect.families, (std::vector<Family>{Family::Ipv6, Family::Ipv4}));
  EXPECT_TRUE(s.expect.sessions_survive);
  EXPECT_TRUE(s.expect.esp);
  EXPECT_TRUE(s.bind_mn_source);
  EXPECT_LT(s.expect.keepalive_scale, 1.0);
  std::set<std::string> roles;
  for (const CounterRef& c : s.signalling) roles.insert(c.role);
  EXPECT_EQ(roles, (std::set<std::string>{"mn", "m6t-client"}));
  ASSERT_EQ(s.esp.size(), 2u);
  EXPECT_EQ(s.esp[0].role, "ha");
  EXPECT_EQ(s.esp[1].role, "mn");
}

// In place once the client is attached from this network and mn is registered from the
// client's current tunnel address (not the previous one), with the IPv4 home address.
TEST(LabDsmip6OverM6t, ReadyWhenRegisteredFromTheCurrentTunnelAddress) {
  const LabPlan plan = makeLabPlan();
  SeededRandom random(4);
  const auto all = makeScenarios(plan, random, "/tmp/l3");
  const ScenarioSpec& s = scenario(all, "dsmip6-m6t");
  Shows shows;
  shows["m6t-client"] = nlohmann::json::parse(
      R"({"state": "attached", "address": "fd00:6d36:0:1:7:a:b:c", "local_ipv4": "10.10.1.100"})");
  shows["m6t-gateway"] = nlohmann::json::parse(
      R"({"states": [{"mobile_node": "fd00:6d36:0:1:7:a:b:c", "kind": "active",
                      "endpoint": "198.18.10.2:40000"}]})");
  shows["mn"] = nlohmann::json::parse(R"({
      "ipv4_home_address": "203.0.113.100/32", "encapsulation": "ipv6",
      "binding_update_list": [{"home_address": "2001:db8:1::100", "state": "registered",
                               "registered_care_of": "fd00:6d36:0:1:7:a:b:c"}]})");
  const MnView view = s.observe(shows, *plan.network("nat-a"));
  EXPECT_TRUE(view.ready) << view.mechanism_detail;
  ASSERT_TRUE(view.address_ipv6.has_value());
  EXPECT_EQ(view.address_ipv6->toString(), "2001:db8:1::100");
  EXPECT_EQ(view.address_ipv4->toString(), "203.0.113.100");
  EXPECT_NE(view.mechanism_detail.find("198.18.10.2:40000 (the NAT's mapping)"), std::string::npos)
      << view.mechanism_detail;
  EXPECT_FALSE(s.observe(shows, *plan.network("nat-b")).ready);  // the client's old network
  // Just after the move: the client has a new tunnel address, mn still the old registration.
  shows["m6t-client"]["address"] = "fd00:6d36:0:1:7:d:e:f";
  EXPECT_FALSE(s.observe(shows, *plan.network("nat-a")).ready);
  shows["mn"]["binding_update_list"][0]["registered_care_of"] = "fd00:6d36:0:1:7:d:e:f";
  EXPECT_TRUE(s.observe(shows, *plan.network("nat-a")).ready);
  shows["mn"]["ipv4_home_address"] = nullptr;
  EXPECT_FALSE(s.observe(shows, *plan.network("nat-a")).ready);
  shows["mn"]["ipv4_home_address"] = "203.0.113.100/32";
  shows["m6t-client"]["state"] = "attaching";
  EXPECT_FALSE(s.observe(shows, *plan.network("nat-a")).ready);
  shows.erase("m6t-client");
  EXPECT_FALSE(s.observe(shows, *plan.network("nat-a")).ready);
}

nlohmann::json haShow() {
  return nlohmann::json::parse(R"({
      "signalling_drops": {"unprotected": 0, "security-association-mismatch": 0},
      "signalling_filter": {"name": "esp", "counters": {
          "outbound-protected": 9, "inbound-accepted": 10,
          "inbound-drop:unprotected": 0, "inbound-drop:icv-mismatch": 0,
          "inbound-drop:replayed": 0, "inbound-drop:no-sa": 0,
          "sa:4097:inbound:packets": 9, "sa:4098:inbound:packets": 1}}})");
}

// The counters come from the daemon's signalling filter (per SA for the watched SAs) and its
// core drops; the check needs the ESP filter, the required SAs above zero and no unprotected,
// ICV or replay drop.
TEST(LabEsp, CountersFromShowAndTheCheck) {
  const EspWatch watch{
      "ha", {{"binding-updates", 0x1001, true}, {"mps", 0x1002, false}, {"absent", 0x1003, false}}};
  Shows shows;
  shows["ha"] = haShow();
  EspRecord r = readEspCounters(watch, shows);
  EXPECT_TRUE(r.read);
  EXPECT_EQ(r.filter, "esp");
  EXPECT_EQ(r.outbound_protected, 9u);
  EXPECT_EQ(r.inbound_accepted, 10u);
  ASSERT_EQ(r.accepted.size(), 3u);
  EXPECT_EQ(r.accepted[0], (std::pair<std::string, std::uint64_t>{"binding-updates", 9}));
  EXPECT_EQ(r.accepted[1].second, 1u);
  EXPECT_EQ(r.accepted[2].second, 0u);
  EXPECT_EQ(r.required, std::vector<std::string>{"binding-updates"});
  EXPECT_TRUE(espProtected({r}));
  EXPECT_FALSE(espProtected({}));

  // The core's require_esp drops (a router's ICMPv6 error to the home agent) are reported apart
  // and do not fail the check; a BU without ESP where the SPD says protect does.
  shows["ha"]["signalling_drops"]["unprotected"] = 2;
  r = readEspCounters(watch, shows);
  EXPECT_EQ(r.unprotected_other, 2u);
  EXPECT_EQ(r.unprotected_drops, 0u);
  EXPECT_TRUE(espProtected({r}));
  shows["ha"]["signalling_filter"]["counters"]["inbound-drop:unprotected"] = 1;
  r = readEspCounters(watch, shows);
  EXPECT_EQ(r.unprotected_drops, 1u);
  EXPECT_EQ(r.inbound_drops, 1u);
  EXPECT_FALSE(espProtected({r}));

  shows["ha"] = haShow();
  shows["ha"]["signalling_filter"]["counters"]["inbound-drop:icv-mismatch"] = 1;
  EXPECT_FALSE(espProtected({readEspCounters(watch, shows)}));
  shows["ha"] = haShow();
  shows["ha"]["signalling_filter"]["counters"]["inbound-drop:replayed"] = 4;
  r = readEspCounters(watch, shows);
  EXPECT_EQ(r.replay_drops, 4u);
  EXPECT_FALSE(espProtected({r}));
  shows["ha"] = haShow();
  shows["ha"]["signalling_filter"]["counters"]["sa:4097:inbound:packets"] = 0;
  EXPECT_FALSE(espProtected({readEspCounters(watch, shows)}));  // no BU accepted under ESP
  shows["ha"] = haShow();
  shows["ha"]["signalling_filter"]["name"] = "pass-through";
  EXPECT_FALSE(espProtected({readEspCounters(watch, shows)}));
  shows.erase("ha");
  r = readEspCounters(watch, shows);
  EXPECT_FALSE(r.read);
  EXPECT_FALSE(espProtected({r}));
}

// The scenario's check and its JSON: only where ESP is expected, and the counters as read.
TEST(LabEsp, AnalysisAndJsonCarryTheEspCounters) {
  ScenarioRecord record;
  record.name = "dsmip6";
  Shows shows;
  shows["ha"] = haShow();
  record.esp.push_back(readEspCounters({"ha", {{"binding-updates", 0x1001, true}}}, shows));
  Expectations expect;
  expect.families = {Family::Ipv6};
  expect.esp = true;
  const ScenarioResult with = analyseScenario(record, expect, AnalysisSettings{});
  ASSERT_TRUE(with.checks.signalling_esp_protected.has_value());
  EXPECT_TRUE(*with.checks.signalling_esp_protected);
  expect.esp = false;
  const ScenarioResult without = analyseScenario(record, expect, AnalysisSettings{});
  EXPECT_FALSE(without.checks.signalling_esp_protected.has_value());

  LabReport report;
  report.scenarios = {with, without};
  const nlohmann::json j = reportJson(report);
  const auto& s0 = j["scenarios"][0];
  EXPECT_EQ(s0["checks"]["signalling_esp_protected"], true);
  EXPECT_EQ(s0["expectations"]["esp"], true);
  ASSERT_EQ(s0["esp"].size(), 1u);
  EXPECT_EQ(s0["esp"][0]["role"], "ha");
  EXPECT_EQ(s0["esp"][0]["filter"], "esp");
  EXPECT_EQ(s0["esp"][0]["accepted"]["binding-updates"], 9);
  EXPECT_EQ(s0["esp"][0]["unprotected_drops"], 0);
  EXPECT_EQ(s0["esp"][0]["icv_failures"], 0);
  EXPECT_EQ(s0["esp"][0]["replay_drops"], 0);
  EXPECT_FALSE(j["scenarios"][1]["checks"].contains("signalling_esp_protected"));
  const std::string text = scenarioText(with);
  EXPECT_NE(text.find("signalling ESP-protected: yes"), std::string::npos) << text;
  EXPECT_NE(text.find("binding-updates 9"), std::string::npos) << text;
}

}  // namespace
}  // namespace dsmip::lab
