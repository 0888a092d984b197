#include "lab/plan.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>

#include "cli/daemon_catalogue.hpp"
#include "lab/scenario.hpp"

namespace dsmip::lab {
namespace {

bool mentions(const std::vector<std::string>& argv, const std::string& word) {
  for (const auto& a : argv) {
    if (a == word) return true;
  }
  return false;
}

TEST(Plan, EveryStepUsesANamespaceCreatedBeforeIt) {
  const LabPlan plan = makeLabPlan();
  const Naming naming{"dsmip-lab-42-"};
  std::set<std::string> created;
  std::set<std::string> all;
  for (const Node& n : plan.nodes) all.insert(naming.ns(n.role));
  for (const Step& s : topologySteps(plan, naming)) {
    if (s.kind == Step::Kind::AddNamespace) {
      EXPECT_TRUE(created.insert(naming.ns(s.node)).second) << s.node << " added twice";
      continue;
    }
    if (s.kind != Step::Kind::Command) {
      EXPECT_TRUE(created.count(naming.ns(s.node)) == 1) << s.node;
      continue;
    }
    for (const std::string& ns : all) {
      if (mentions(s.argv, ns)) {
        EXPECT_TRUE(created.count(ns) == 1) << ns << " used too early";
      }
    }
  }
  EXPECT_EQ(created, all);
}

TEST(Plan, TheMobileNodeStartsDetachedWithALinkIntoEachVisitedNetwork) {
  const LabPlan plan = makeLabPlan();
  ASSERT_EQ(plan.visited.size(), 4u);
  std::set<NetworkKind> kinds;
  for (const VisitedNetwork& v : plan.visited) {
    kinds.insert(v.kind);
    bool found = false;
    for (const Link& l : plan.links) {
      if (l.node_a == "mn" && l.interface_a == v.mn_interface) {
        found = true;
        EXPECT_FALSE(l.a_starts_up) << v.id;
        EXPECT_TRUE(l.addresses_a.empty()) << v.id << ": addressed only when attached";
      }
    }
    EXPECT_TRUE(found) << v.id;
    EXPECT_NE(plan.node(v.router_node), nullptr) << v.id;
    if (v.kind == NetworkKind::PrivateIpv4) {
      EXPECT_TRUE(v.nat_public.has_value()) << v.id;
      bool natted = false;
      for (const Nat& n : plan.nats) natted = natted || n.node == v.router_node;
      EXPECT_TRUE(natted) << v.id << ": its router must masquerade";
    }
    EXPECT_EQ(v.kind == NetworkKind::NativeIpv6, v.mn_ipv6.has_value()) << v.id;
    EXPECT_EQ(v.kind != NetworkKind::NativeIpv6, v.mn_ipv4.has_value()) << v.id;
  }
  EXPECT_EQ(kinds.size(), 3u);
}

TEST(Plan, NatRulesMasqueradeOnTheOutsideInterface) {
  const std::string rules = natRules({"nata", "out0"});
  EXPECT_NE(rules.find("type nat hook postrouting"), std::string::npos);
  EXPECT_NE(rules.find("oifname \"out0\" masquerade"), std::string::npos);
}

// The configurations the lab generates are valid for the daemons themselves: they resolve
// with the daemons' own option tables, the way `dsmip <daemon> --config` reads them.
TEST(Scenarios, GeneratedConfigurationsResolveWithTheDaemonsOptionTables) {
  const LabPlan plan = makeLabPlan();
  SeededRandom random(7);
  const auto scenarios = makeScenarios(plan, random, "/run/lab-test");
  ASSERT_FALSE(scenarios.empty());
  std::set<std::string> names;
  for (const ScenarioSpec& s : scenarios) {
    EXPECT_TRUE(names.insert(s.name).second) << s.name;
    EXPECT_NE(plan.node(s.peer_node), nullptr) << s.name;
    ASSERT_FALSE(s.walk.empty()) << s.name;
    for (const std::string& w : s.walk) EXPECT_NE(plan.network(w), nullptr) << s.name << " " << w;
    for (const DaemonSpec& d : s.daemons) {
      EXPECT_NE(plan.node(d.node), nullptr) << d.role;
      const cli::DaemonEntry* daemon = cli::findDaemon(d.subcommand);
      ASSERT_NE(daemon, nullptr) << d.subcommand << " is not a daemon of this build";
      // The daemon's own loader (dsmip ha reads its [[mobile_node]] tables itself), on the file
      // the lab writes.
      const std::string path = ::testing::TempDir() + "/lab-" + d.role + ".toml";
      std::ofstream(path) << d.config;
      auto declared = daemon->declare();
      const Status resolved = declared->resolveFile(path);
      std::remove(path.c_str());
      EXPECT_TRUE(resolved) << d.role << ": " << resolved.error().detail;
      // The lab's short timers are in effect (they make the idle measurement short).
      if (d.subcommand == "m6t-client") {
        EXPECT_EQ(declared->table().sourceOf("keepalive"), daemon::OptionSource::File);
      }
      if (d.subcommand == "mn") {
        EXPECT_EQ(declared->table().sourceOf("binding_lifetime"), daemon::OptionSource::File);
      }
      if (d.subcommand == "ha") {
        EXPECT_EQ(declared->table().sourceOf("nat_refresh_time"), daemon::OptionSource::File);
      }
      // ESP on for every DSMIPv6 daemon (the loaders refuse require_esp without the tables),
      // sequence numbers kept inside the run's directory.
      if (d.subcommand == "ha" || d.subcommand == "mn") {
        EXPECT_EQ(declared->table().sourceOf("require_esp"), daemon::OptionSource::File);
        EXPECT_NE(d.config.find("require_esp = true"), std::string::npos) << d.role;
        EXPECT_NE(d.config.find("esp_state_directory = \"/run/lab-test/" + s.name + "-esp\""),
                  std::string::npos)
            << d.config;
      }
    }
  }
}

const ScenarioSpec& scenario(const std::vector<ScenarioSpec>& all, const std::string& name) {
  for (const ScenarioSpec& s : all) {
    if (s.name == name) return s;
  }
  throw std::runtime_error("no scenario " + name);
}

// The m6t client is in place only once it is attached from the new network's address: just
// after a move it still shows the previous one.
TEST(Scenarios, M6tIsReadyOnlyFromTheCurrentNetwork) {
  const LabPlan plan = makeLabPlan();
  SeededRandom random(1);
  const auto all = makeScenarios(plan, random, "/tmp/lab");
  const ScenarioSpec& m6t = scenario(all, "m6t");
  Shows shows;
  shows["m6t-client"] = nlohmann::json::parse(
      R"({"state": "attached", "address": "fd00:6d36:0:1:7:1:2:3", "local_ipv4": "10.10.1.100"})");
  shows["m6t-gateway"] = nlohmann::json::parse(
      R"({"states": [{"mobile_node": "fd00:6d36:0:1:7:1:2:3", "kind": "active",
                      "endpoint": "198.18.10.2:40000"}]})");
  const MnView there = m6t.observe(shows, *plan.network("nat-a"));
  EXPECT_TRUE(there.ready);
  ASSERT_TRUE(there.address_ipv6.has_value());
  EXPECT_EQ(there.address_ipv6->toString(), "fd00:6d36:0:1:7:1:2:3");
  EXPECT_NE(there.mechanism_detail.find("198.18.10.2:40000 (the NAT's mapping)"), std::string::npos)
      << there.mechanism_detail;
  EXPECT_FALSE(m6t.observe(shows, *plan.network("nat-b")).ready);
  shows["m6t-client"]["state"] = "no-ipv4";
  EXPECT_FALSE(m6t.observe(shows, *plan.network("nat-a")).ready);
  EXPECT_FALSE(m6t.observe(Shows{}, *plan.network("nat-a")).ready);
}

// The DSMIPv4 MN is in place once registered from the new network's address with its prefix
// accepted; its addresses are the home address and the prefix's address, whatever the network.
TEST(Scenarios, Dsmip4IsReadyWhenRegisteredFromTheCurrentNetwork) {
  const LabPlan plan = makeLabPlan();
  SeededRandom random(1);
  const auto all = makeScenarios(plan, random, "/tmp/lab");
  const ScenarioSpec& dsmip4 = scenario(all, "dsmip4");
  EXPECT_TRUE(dsmip4.bind_mn_source);
  EXPECT_EQ(dsmip4.mechanism(*plan.network("v4pub")), "DSMIPv4, public CoA");
  EXPECT_EQ(dsmip4.mechanism(*plan.network("nat-b")), "DSMIPv4 over UDP (NAT)");
  Shows shows;
  shows["mip4-mn"] = nlohmann::json::parse(R"({
      "state": "registered", "home_address": "203.0.113.104", "transport": "udp",
      "care_of": {"address": "10.10.2.100", "port": 40000, "interface": "mn-natb"},
      "prefixes": [{"prefix": "2001:db8:1:44::/64", "link_local": false,
                    "address": "2001:db8:1:44::1", "status": "accepted",
                    "mode": "care-of-address"}]})");
  shows["mip4-ha"] = nlohmann::json::parse(
      R"({"bindings": [{"home_address": "203.0.113.104", "udp_endpoint": "198.18.20.2:41000"}]})");
  const MnView view = dsmip4.observe(shows, *plan.network("nat-b"));
  EXPECT_TRUE(view.ready);
  EXPECT_EQ(view.address_ipv4->toString(), "203.0.113.104");
  EXPECT_EQ(view.address_ipv6->toString(), "2001:db8:1:44::1");
  EXPECT_NE(view.mechanism_detail.find("home agent sees 198.18.20.2:41000 (the NAT's mapping)"),
            std::string::npos)
      << view.mechanism_detail;
  EXPECT_FALSE(dsmip4.observe(shows, *plan.network("nat-a")).ready);  // the old care-of
  shows["mip4-mn"]["prefixes"][0]["status"] = "pending";
  EXPECT_FALSE(dsmip4.observe(shows, *plan.network("nat-b")).ready);
  shows["mip4-mn"]["prefixes"][0]["status"] = "accepted";
  shows["mip4-mn"]["state"] = "registering";
  EXPECT_FALSE(dsmip4.observe(shows, *plan.network("nat-b")).ready);
}

// The DSMIPv6 MN is in place once its home registration is acknowledged from the new
// network's care-of address, with its IPv4 home address; its addresses are the home addresses.
TEST(Scenarios, Dsmip6IsReadyWhenRegisteredFromTheCurrentNetwork) {
  const LabPlan plan = makeLabPlan();
  SeededRandom random(1);
  const auto all = makeScenarios(plan, random, "/tmp/lab");
  const ScenarioSpec& dsmip6 = scenario(all, "dsmip6");
  EXPECT_TRUE(dsmip6.bind_mn_source);
  EXPECT_EQ(dsmip6.walk, (std::vector<std::string>{"v6net", "v4pub", "nat-a", "v6net"}));
  EXPECT_EQ(dsmip6.mechanism(*plan.network("v6net")), "DSMIPv6, native IPv6 CoA");
  EXPECT_EQ(dsmip6.mechanism(*plan.network("v4pub")), "DSMIPv6 over IPv4");
  EXPECT_EQ(dsmip6.mechanism(*plan.network("nat-a")), "DSMIPv6 over UDP (NAT)");
  EXPECT_TRUE(dsmip6.expect.esp);
  bool esp_note = false;
  for (const std::string& n : dsmip6.notes) esp_note |= n.find("ESP: on.") == 0;
  EXPECT_TRUE(esp_note);
  Shows shows;
  shows["mn"] = nlohmann::json::parse(R"({
      "ipv4_home_address": "203.0.113.100/32", "encapsulation": "udp", "nat_detected": true,
      "binding_update_list": [{"home_address": "2001:db8:1::100", "state": "registered",
                               "registered_care_of": "10.10.1.100"}]})");
  shows["ha"] = nlohmann::json::parse(
      R"({"bindings": [{"home_address": "2001:db8:1::100", "nat_endpoint": "198.18.10.2:4191"}]})");
  const MnView view = dsmip6.observe(shows, *plan.network("nat-a"));
  EXPECT_TRUE(view.ready);
  EXPECT_EQ(view.address_ipv6->toString(), "2001:db8:1::100");
  EXPECT_EQ(view.address_ipv4->toString(), "203.0.113.100");
  EXPECT_NE(view.mechanism_detail.find("home agent sees 198.18.10.2:4191 (the NAT's mapping)"),
            std::string::npos)
      << view.mechanism_detail;
  EXPECT_FALSE(dsmip6.observe(shows, *plan.network("v4pub")).ready);  // the old care-of
  shows["mn"]["binding_update_list"][0]["state"] = "registering";
  EXPECT_FALSE(dsmip6.observe(shows, *plan.network("nat-a")).ready);
  shows["mn"]["binding_update_list"][0]["state"] = "refreshing";
  EXPECT_TRUE(dsmip6.observe(shows, *plan.network("nat-a")).ready);
  shows["mn"]["ipv4_home_address"] = nullptr;  // not acknowledged
  EXPECT_FALSE(dsmip6.observe(shows, *plan.network("nat-a")).ready);
  shows["mn"]["ipv4_home_address"] = "203.0.113.100/32";
  shows["mn"]["binding_update_list"][0]["registered_care_of"] = "2001:db8:a6::100";
  EXPECT_TRUE(dsmip6.observe(shows, *plan.network("v6net")).ready);
  // Every mechanism of the suite is shown now.
  EXPECT_TRUE(unavailableMechanisms().empty());
}

TEST(Scenarios, SignallingCountSumsTheCountersAndNeedsAllOfThem) {
  const std::vector<CounterRef> refs = {{"m6t-client", "keepalives-sent"},
                                        {"m6t-client", "keepalive-replies-received"}};
  Shows shows;
  shows["m6t-client"] = nlohmann::json::parse(
      R"({"counters": {"keepalives-sent": 7, "keepalive-replies-received": 6}})");
  EXPECT_EQ(signallingCount(refs, shows), 13u);
  shows["m6t-client"]["counters"].erase("keepalives-sent");
  EXPECT_EQ(signallingCount(refs, shows), std::nullopt);
  EXPECT_EQ(signallingCount(refs, Shows{}), std::nullopt);
}

}  // namespace
}  // namespace dsmip::lab
