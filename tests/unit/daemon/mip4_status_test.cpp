// `dsmip show` of the DSMIPv4 daemons, built from cores driven by a fake clock: a mobile node
// registered through a NAT with one prefix accepted and one refused; the home agent's binding,
// prefixes, tunnel mode, NAT state and counters; the mobile node's state, prefixes, tunnel mode
// and next registration; the text form; keys never shown.
#include "daemon/mip4_status.hpp"

#include <gtest/gtest.h>

#include "common/random.hpp"
#include "test_support/fake_clock.hpp"

namespace dsmip::daemon {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const Ipv4Address kHa = *Ipv4Address::parse("10.1.0.2");
const Ipv4Address kHoa = *Ipv4Address::parse("10.1.0.6");
const Ipv4Address kPrivate = *Ipv4Address::parse("192.168.1.20");
const Ipv4Endpoint kNat = *Ipv4Endpoint::parse("203.0.113.2:40000");
constexpr std::chrono::nanoseconds kUnix = std::chrono::seconds{1'700'000'000};
const Bytes kKey{0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
                 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0};

const dsmip4::SendDatagram& onlySend(const auto& actions) {
  static const dsmip4::SendDatagram kNone;
  for (const auto& a : actions) {
    if (const auto* s = std::get_if<dsmip4::SendDatagram>(&a)) return *s;
  }
  ADD_FAILURE() << "no datagram";
  return kNone;
}

class Mip4StatusTest : public ::testing::Test {
 protected:
  Mip4StatusTest() {
    dsmip4::HomeAgentConfig hc;
    hc.address = kHa;
    hc.home_network = *Ipv4Prefix::parse("10.1.0.0/24");
    hc.keepalive_interval = 5s;
    dsmip4::MobileNodePolicy policy;
    policy.home_address = kHoa;
    policy.key = wire::Mipv4AuthKey{1001, wire::Mipv4AuthAlgorithm::HmacMd5, kKey};
    policy.prefixes = {dsmip4::PrefixGrant{*Ipv6Prefix::parse("2001:db8:b::/48"),
                                           dsmip4::PrefixTunnelPolicy::FollowRequest}};
    hc.mobile_nodes = {policy};
    ha_.emplace(hc);
    mn_config_.home_address = kHoa;
    mn_config_.home_agent = kHa;
    mn_config_.key = policy.key;
    mn_config_.lifetime = 20s;
    mn_config_.request_tunnel_to_care_of = false;
    mn_config_.prefixes = {
        dsmip4::PrefixRequest{*Ipv6Prefix::parse("2001:db8:b::/48"), false, std::nullopt},
        dsmip4::PrefixRequest{*Ipv6Prefix::parse("2001:db8:c::/48"), false, std::nullopt}};
    mn_.emplace(mn_config_, random_);
    const auto request =
        mn_->onCareOfChange(dsmip4::CareOfAddress{kPrivate, 45000, "mn2-nat"}, clock_.now(), kUnix);
    const auto reply = ha_->onRegistrationRequest(
        onlySend(request).payload, dsmip4::DatagramAddresses{kNat, Ipv4Endpoint{kHa, 434}},
        clock_.now(), kUnix);
    const dsmip4::SendDatagram& r = onlySend(reply);
    (void)mn_->onRegistrationReply(r.payload, r.source, clock_.now(), kUnix);
    clock_.advance(2s);
  }

  test::FakeClock clock_;
  SeededRandom random_{7};
  std::optional<dsmip4::HomeAgent> ha_;
  dsmip4::MobileNodeConfig mn_config_;
  std::optional<dsmip4::MobileNode> mn_;
};

TEST_F(Mip4StatusTest, HomeAgentShowsTheBindingItsPrefixesAndNatState) {
  HomeAgentStatusContext context{
      "mip4ha0", 1400, "ha-home", *Ipv4Prefix::parse("10.1.0.0/24"), {{"tun-write-errors", 3}}};
  const json s =
      json::parse(handleHomeAgentControl(*ha_, context, R"({"command":"show"})", clock_.now()));
  EXPECT_EQ(s["daemon"], "mip4-ha");
  EXPECT_EQ(s["address"], "10.1.0.2");
  EXPECT_EQ(s["home_network"], "10.1.0.0/24");
  EXPECT_EQ(s["tun"], "mip4ha0");
  ASSERT_EQ(s["bindings"].size(), 1u);
  const json& b = s["bindings"][0];
  EXPECT_EQ(b["home_address"], "10.1.0.6");
  EXPECT_EQ(b["care_of_address"], "192.168.1.20");
  EXPECT_EQ(b["request_source"], "203.0.113.2:40000");
  EXPECT_EQ(b["nat_detected"], true);
  EXPECT_EQ(b["transport"], "udp");
  EXPECT_EQ(b["udp_endpoint"], "203.0.113.2:40000");
  EXPECT_EQ(b["keepalive_interval_s"], 5);
  EXPECT_EQ(b["lifetime_s"], 20);
  EXPECT_DOUBLE_EQ(b["remaining_s"].get<double>(), 18.0);
  ASSERT_EQ(b["prefixes"].size(), 1u);
  EXPECT_EQ(b["prefixes"][0]["prefix"], "2001:db8:b::/48");
  EXPECT_EQ(b["prefixes"][0]["mode"], "home-address");
  EXPECT_EQ(s["counters"]["registrations-accepted"], 1);
  EXPECT_EQ(s["counters"]["nat-detected"], 1);
  EXPECT_EQ(s["counters"]["prefixes-accepted-to-home-address"], 1);
  EXPECT_EQ(s["counters"]["prefixes-rejected-prohibited"], 1);  // 2001:db8:c::/48: not granted
  EXPECT_EQ(s["reply_codes"]["0"], 1);
  EXPECT_EQ(s["daemon_counters"]["tun-write-errors"], 3);
  EXPECT_EQ(s.dump().find("0f1e2d3c"), std::string::npos);  // the key, in no form

  const auto text = renderMip4StatusText(s);
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("10.1.0.6  care-of 192.168.1.20  via udp 203.0.113.2:40000"),
            std::string::npos)
      << *text;
  EXPECT_NE(text->find("prefix 2001:db8:b::/48  tunnel to the home-address"), std::string::npos)
      << *text;
}

TEST_F(Mip4StatusTest, MobileNodeShowsItsRegistrationPrefixesAndNextRegistration) {
  MobileNodeStatusContext context{"mip4mn0", 1400, 434, {}};
  const json s = json::parse(
      handleMobileNodeControl(*mn_, mn_config_, context, R"({"command":"show"})", clock_.now()));
  EXPECT_EQ(s["daemon"], "mip4-mn");
  EXPECT_EQ(s["state"], "registered");
  EXPECT_EQ(s["home_address"], "10.1.0.6");
  EXPECT_EQ(s["spi"], 1001);
  EXPECT_EQ(s["care_of"]["address"], "192.168.1.20");
  EXPECT_EQ(s["care_of"]["interface"], "mn2-nat");
  EXPECT_EQ(s["transport"], "udp");
  EXPECT_EQ(s["keepalive_interval_s"], 5);
  EXPECT_EQ(s["last_reply_code"], 0);
  EXPECT_EQ(s["home_agent_supports_dsmipv4"], true);
  // Re-registration at 80 % of the granted 20 s, 2 s of which have passed.
  EXPECT_DOUBLE_EQ(s["next_registration_s"].get<double>(), 14.0);
  ASSERT_EQ(s["prefixes"].size(), 2u);
  EXPECT_EQ(s["prefixes"][0]["prefix"], "2001:db8:b::/48");
  EXPECT_EQ(s["prefixes"][0]["status"], "accepted");
  EXPECT_EQ(s["prefixes"][0]["mode"], "home-address");
  EXPECT_EQ(s["prefixes"][0]["reply_code"], 0);
  EXPECT_EQ(s["prefixes"][1]["prefix"], "2001:db8:c::/48");
  EXPECT_EQ(s["prefixes"][1]["status"], "rejected");
  EXPECT_EQ(s["prefixes"][1]["reply_code"], 9);
  EXPECT_EQ(s["counters"]["registrations"], 1);
  EXPECT_EQ(s.dump().find("0f1e2d3c"), std::string::npos);

  const auto text = renderMip4StatusText(s);
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("state:              registered"), std::string::npos) << *text;
  EXPECT_NE(text->find("prefix 2001:db8:c::/48  rejected"), std::string::npos) << *text;
}

TEST_F(Mip4StatusTest, UnknownRequestsAreErrorsAndOtherDaemonsAreNotRendered) {
  HomeAgentStatusContext context;
  EXPECT_TRUE(
      json::parse(handleHomeAgentControl(*ha_, context, "reboot", clock_.now())).contains("error"));
  EXPECT_FALSE(renderMip4StatusText(json{{"daemon", "m6t-gateway"}}));
}

}  // namespace
}  // namespace dsmip::daemon
