// SA lifetimes by time in the ESP stage of the DSMIPv6 daemons (RFC 4301 §4.4.2.1), driven by
// the SignallingFilter's nextDeadline()/onTimer() with a fake clock and no traffic: a soft
// expiry is logged once, naming the SA (never its keys); at the hard lifetime the SA leaves the
// SAD and shows as "expired" in `dsmip show`. And the exchange of a mobile node returning home
// (RFC 3776 §3.1: IPv6 / ESP / MH both ways, no HAO, no routing header) through both stages and
// the real cores.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "../dsmip6/mn_test_util.hpp"
#include "common/log.hpp"
#include "daemon/dsmip6_esp.hpp"
#include "daemon/ha_status.hpp"
#include "dsmip6/home_agent.hpp"
#include "dsmip6/mobile_node.hpp"
#include "esp/ipsec.hpp"

namespace dsmip::daemon {
namespace {

using namespace dsmip6::test;  // NOLINT(google-build-using-namespace): test topology names
using namespace std::chrono_literals;

constexpr std::string_view kEk1 = "0x2b7e151628aed2a6abf7158809cf4f3c";
constexpr std::string_view kIk1 =
    "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr std::string_view kEk2 = "0x3c4f2a1b5d6e7f8091a2b3c4d5e6f708";
constexpr std::string_view kIk2 =
    "0x1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";

std::string sa(std::string_view name, std::string_view spi, std::string_view direction,
               std::string_view ek, std::string_view ik, std::string_view extra = "") {
  std::ostringstream s;
  s << "[[esp_sa]]\nname = \"" << name << "\"\nspi = " << spi << "\ndirection = \"" << direction
    << "\"\nsuite = \"aes-cbc-hmac-sha256\"\nencryption_key = \"" << ek << "\"\nintegrity_key = \""
    << ik << "\"\n"
    << extra;
  return s.str();
}

std::string policies(const std::string& local, const std::string& remote, std::string_view out_type,
                     std::string_view in_type, std::string_view out_spi, std::string_view in_spi) {
  std::ostringstream s;
  s << "[[esp_policy]]\nname = \"bu-ba\"\nlocal = \"" << local << "\"\nremote = \"" << remote
    << "\"\nprotocol = \"mh\"\nlocal_mh_type = \"" << out_type << "\"\nremote_mh_type = \""
    << in_type << "\"\naction = \"protect\"\noutbound_spi = " << out_spi
    << "\ninbound_spi = " << in_spi << "\n[[esp_policy]]\nname = \"other\"\naction = \"bypass\"\n";
  return s.str();
}

EspDaemonConfig read(const std::string& text) {
  toml::table file = toml::parse(text);
  EspDaemonConfig c;
  EXPECT_TRUE(readEspTables(file, "test.toml", c));
  return c;
}

// The MN's tables, its outbound BU SA limited by `bu_extra` (lifetime keys).
EspDaemonConfig mnConfig(std::string_view bu_extra) {
  return read(sa("bu-to-ha", "0x1001", "outbound", kEk1, kIk1, bu_extra) +
              sa("ba-from-ha", "0x2001", "inbound", kEk2, kIk2) +
              policies(kHoa.toString(), kHa.toString(), "bu", "ba", "0x1001", "0x2001"));
}
EspDaemonConfig haConfig() {
  return read(sa("bu-from-mn", "0x1001", "inbound", kEk1, kIk1) +
              sa("ba-to-mn", "0x2001", "outbound", kEk2, kIk2) +
              policies(kHa.toString(), kHoa.toString(), "ba", "bu", "0x2001", "0x1001"));
}

struct CapturedLog {
  std::vector<std::pair<LogLevel, std::string>> lines;
  CapturedLog() {
    log::setSink([this](LogLevel level, std::string_view m) { lines.emplace_back(level, m); });
  }
  ~CapturedLog() { log::setSink(nullptr); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;
  [[nodiscard]] std::size_t count(std::string_view needle) const {
    std::size_t n = 0;
    for (const auto& [level, line] : lines) n += line.find(needle) != std::string::npos ? 1U : 0U;
    return n;
  }
};

const SecurityAssociationStatus* find(const std::vector<SecurityAssociationStatus>& sas,
                                      std::uint32_t spi, std::string_view direction) {
  for (const auto& s : sas) {
    if (s.spi == spi && s.direction == direction) return &s;
  }
  return nullptr;
}

class EspLifetimeTest : public ::testing::Test {
 protected:
  void install(std::string_view bu_extra) {
    config_ = mnConfig(bu_extra);
    ASSERT_TRUE(filter_.install(config_.built, kT0));
    filter_.nameSecurityAssociations(config_.sas);
  }
  // A BU from the MN core through the stage at `now`; true if it left protected.
  bool sendBu(TimePoint now) {
    dsmip6::MobileNode mn(testMobileNodeConfig(), random_);
    auto bus = actionsOf<dsmip6::SendSignalling>(mn.onCareOfAddresses({candidate(kCoa)}, now));
    EXPECT_EQ(bus.size(), 1u);
    return path_.prepare(bus.at(0), scratch_, 0, now).has_value();
  }

  SeededRandom random_{3};
  EspSignallingFilter filter_{random_, EspPeer::HomeAgent};
  SignallingPath path_{filter_};
  PacketBuffer scratch_;
  EspDaemonConfig config_;
};

TEST_F(EspLifetimeTest, SoftThenHardExpiryByTimeWithoutTraffic) {
  CapturedLog captured;
  install("soft_lifetime_time = \"10s\"\nhard_lifetime_time = \"20s\"\n");
  EXPECT_EQ(filter_.nextDeadline(), kT0 + 10s);
  auto sas = filter_.securityAssociations(kT0 + 4s);
  ASSERT_NE(find(sas, 0x1001, "outbound"), nullptr);
  EXPECT_EQ(find(sas, 0x1001, "outbound")->state, "mature");
  EXPECT_EQ(find(sas, 0x1001, "outbound")->name, "bu-to-ha");
  EXPECT_EQ(find(sas, 0x1001, "outbound")->soft_time_left, 6s);
  EXPECT_EQ(find(sas, 0x1001, "outbound")->hard_time_left, 16s);
  EXPECT_EQ(find(sas, 0x2001, "inbound")->hard_time_left, std::nullopt);  // no limit

  // An early call (the daemon's timer may fire before the deadline) changes nothing.
  filter_.onTimer(kT0 + 9s);
  EXPECT_EQ(find(filter_.securityAssociations(kT0 + 9s), 0x1001, "outbound")->state, "mature");
  EXPECT_EQ(captured.count("bu-to-ha"), 0u);

  filter_.onTimer(kT0 + 10s);
  sas = filter_.securityAssociations(kT0 + 10s);
  EXPECT_EQ(find(sas, 0x1001, "outbound")->state, "soft-expired");
  EXPECT_EQ(find(sas, 0x1001, "outbound")->cause, "");
  EXPECT_EQ(find(sas, 0x1001, "outbound")->soft_time_left, std::nullopt);
  EXPECT_EQ(captured.count("ESP SA \"bu-to-ha\" (SPI 0x1001, outbound): soft lifetime reached "
                           "(time)"),
            1u);
  EXPECT_EQ(filter_.nextDeadline(), kT0 + 20s);
  // Once: later timer calls and traffic do not log it again; the SA still protects.
  filter_.onTimer(kT0 + 15s);
  EXPECT_TRUE(sendBu(kT0 + 15s));
  EXPECT_EQ(captured.count("soft lifetime"), 1u);

  filter_.onTimer(kT0 + 20s);
  EXPECT_EQ(filter_.ipsec().sad().find(0x1001, esp::Direction::Outbound), nullptr);
  EXPECT_NE(filter_.ipsec().sad().find(0x2001, esp::Direction::Inbound), nullptr);
  sas = filter_.securityAssociations(kT0 + 25s);
  ASSERT_NE(find(sas, 0x1001, "outbound"), nullptr);
  EXPECT_EQ(find(sas, 0x1001, "outbound")->state, "expired");
  EXPECT_EQ(find(sas, 0x1001, "outbound")->cause, "time");
  EXPECT_EQ(find(sas, 0x1001, "outbound")->hard_time_left, std::nullopt);
  EXPECT_EQ(captured.count("ESP SA \"bu-to-ha\" (SPI 0x1001, outbound): hard lifetime reached "
                           "(time); the SA is removed"),
            1u);
  EXPECT_EQ(filter_.nextDeadline(), std::nullopt);
  // Nothing is protected by a removed SA.
  EXPECT_FALSE(sendBu(kT0 + 21s));
  EXPECT_EQ(path_.counters().back(),
            (std::pair<std::string, std::uint64_t>{"filter-drop:no-sa", 1}));
  // No key material in anything logged.
  for (const auto& [level, line] : captured.lines) {
    EXPECT_EQ(line.find("2b7e1516"), std::string::npos) << line;
    EXPECT_EQ(line.find("00010203"), std::string::npos) << line;
  }
}

TEST_F(EspLifetimeTest, AHardLimitInPacketsRemovesTheSaToo) {
  install("hard_lifetime_packets = 1\n");
  EXPECT_EQ(filter_.nextDeadline(), std::nullopt);  // nothing by time
  EXPECT_TRUE(sendBu(kT0));                         // the last packet it may protect
  EXPECT_EQ(filter_.ipsec().sad().find(0x1001, esp::Direction::Outbound), nullptr);
  const auto sas = filter_.securityAssociations(kT0);
  ASSERT_NE(find(sas, 0x1001, "outbound"), nullptr);
  EXPECT_EQ(find(sas, 0x1001, "outbound")->state, "expired");
  EXPECT_EQ(find(sas, 0x1001, "outbound")->cause, "packets");
  EXPECT_FALSE(sendBu(kT0 + 1s));
}

TEST_F(EspLifetimeTest, ShowListsEachSaWithItsStateAndTimesLeft) {
  install("soft_lifetime_time = \"10s\"\nhard_lifetime_time = \"20s\"\n");
  filter_.onTimer(kT0 + 20s);
  const nlohmann::json j = securityAssociationsJson(filter_.securityAssociations(kT0 + 20s));
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["name"], "ba-from-ha");  // the SAD's (inbound first), then the removed ones
  EXPECT_EQ(j[0]["spi"], "0x2001");
  EXPECT_EQ(j[0]["state"], "mature");
  EXPECT_TRUE(j[0]["hard_time_left_s"].is_null());
  EXPECT_EQ(j[1]["name"], "bu-to-ha");
  EXPECT_EQ(j[1]["state"], "expired");
  EXPECT_EQ(j[1]["cause"], "time");
  EXPECT_EQ(j[1]["direction"], "outbound");
  EXPECT_EQ(j[1]["mode"], "transport");
  EXPECT_EQ(j[1]["counters"]["packets"], 0);
  std::string text;
  renderSecurityAssociations(text, j);
  EXPECT_NE(text.find("bu-to-ha"), std::string::npos);
  EXPECT_NE(text.find("expired (time)"), std::string::npos);
  // Installed with the soft limit ahead: the times left are in the JSON.
  EspSignallingFilter fresh{random_, EspPeer::HomeAgent};
  ASSERT_TRUE(fresh.install(config_.built, kT0));
  const nlohmann::json f = securityAssociationsJson(fresh.securityAssociations(kT0 + 2s));
  EXPECT_EQ(f[1]["soft_time_left_s"], 8.0);
  EXPECT_EQ(f[1]["hard_time_left_s"], 18.0);
  EXPECT_EQ(f[1]["name"], "");  // not named: the SPI alone identifies it
}

TEST_F(EspLifetimeTest, ThePassThroughFilterHasNoDeadlineAndNoSas) {
  PassThroughFilter pass;
  EXPECT_EQ(pass.nextDeadline(), std::nullopt);
  pass.onTimer(kT0);
  EXPECT_TRUE(pass.securityAssociations(kT0).empty());
}

// RFC 6275 §11.5.4 with RFC 3776 §3.1: the mobile node back on its home link de-registers from
// its home address, both messages in ESP transport mode without HAO or routing header.
TEST(EspReturnHomeTest, DeregistrationFromHomeIsProtectedBothWays) {
  SeededRandom random(9);
  EspSignallingFilter mn_esp{random, EspPeer::HomeAgent};
  EspSignallingFilter ha_esp{random, EspPeer::MobileNode};
  const EspDaemonConfig m = mnConfig("");
  const EspDaemonConfig h = haConfig();
  ASSERT_TRUE(mn_esp.install(m.built, kT0));
  ASSERT_TRUE(ha_esp.install(h.built, kT0));
  SignallingPath mn_path{mn_esp};
  SignallingPath ha_path{ha_esp};
  PacketBuffer scratch;
  dsmip6::HomeAgentConfig hc = testHomeAgentConfig();
  hc.require_esp = true;
  dsmip6::HomeAgent ha(hc, random);
  dsmip6::MobileNodeConfig mc = testMobileNodeConfig();
  mc.require_esp = true;
  dsmip6::MobileNode mn(mc, random);

  // One exchange MN → HA → MN through both stages; returns the MN's actions.
  const auto exchange = [&](const dsmip6::SendSignalling& bu, TimePoint now) {
    auto prepared = mn_path.prepare(bu, scratch, 0, now);
    EXPECT_TRUE(prepared);
    PacketBuffer at_ha;
    EXPECT_TRUE(at_ha.assign(prepared->bytes));
    auto in = ha_path.receive(at_ha, prepared->transport, now);
    EXPECT_TRUE(in && in->esp_protected);
    auto bas = actionsOf<dsmip6::SendSignalling>(ha.onSignalling(at_ha.data(), *in, now));
    EXPECT_EQ(bas.size(), 1u);
    auto ba = ha_path.prepare(bas.at(0), scratch, 0, now);
    EXPECT_TRUE(ba);
    PacketBuffer at_mn;
    EXPECT_TRUE(at_mn.assign(ba->bytes));
    auto mn_in = mn_path.receive(at_mn, ba->transport, now);
    EXPECT_TRUE(mn_in && mn_in->esp_protected);
    return std::pair{mn.onSignalling(at_mn.data(), *mn_in, now),
                     Bytes(ba->bytes.begin(), ba->bytes.end())};
  };

  auto bus = actionsOf<dsmip6::SendSignalling>(mn.onCareOfAddresses({candidate(kCoa)}, kT0));
  ASSERT_EQ(bus.size(), 1u);
  (void)exchange(bus[0], kT0);
  ASSERT_NE(ha.binding(kHoa), nullptr);

  const TimePoint back = kT0 + 5s;
  auto home = actionsOf<dsmip6::SendSignalling>(
      mn.onCareOfAddresses({candidate(v6("2001:db8:1::abcd"), "eth0")}, back));
  ASSERT_EQ(home.size(), 1u);
  // The BU: IPv6(HoA → HA) / ESP, nothing between (no Home Address option).
  auto wire_bu = mn_path.prepare(home[0], scratch, 0, back);
  ASSERT_TRUE(wire_bu);
  ASSERT_GE(wire_bu->bytes.size(), 48u);
  EXPECT_EQ(wire_bu->bytes[6], 50);
  EXPECT_EQ(esp::peekEspSpi(wire_bu->bytes), 0x1001u);
  auto [actions, ba] = exchange(home[0], back);
  ASSERT_NE(ha.binding(kHoa), nullptr);
  EXPECT_EQ(ha.binding(kHoa)->state, dsmip6::BindingState::Deregistered);
  EXPECT_TRUE(actionsOf<dsmip6::ConfigureHomeAddress>(actions).empty());  // placed on arrival
  // The BA: IPv6(HA → HoA) / ESP, no type 2 routing header.
  ASSERT_GE(ba.size(), 48u);
  EXPECT_EQ(ba[6], 50);
  EXPECT_TRUE(std::equal(kHoa.bytes.begin(), kHoa.bytes.end(), ba.begin() + 24));
  EXPECT_EQ(mn.snapshot(back).entries.at(0).state, dsmip6::RegistrationState::AtHome);
  EXPECT_EQ(mn.stats().deregistrations, 1u);
}

}  // namespace
}  // namespace dsmip::daemon
