// `dsmip show` for the DSMIPv6 daemons: the JSON built from cores driven by a fake clock (a
// mobile node registered behind a NAT, one spoofed packet, one rejected BU), the control
// protocol, and the text rendering.
#include <gtest/gtest.h>

#include "../dsmip6/mn_test_util.hpp"
#include "daemon/ha_status.hpp"
#include "daemon/mn_status.hpp"
#include "test_support/fake_clock.hpp"

namespace dsmip::daemon {
namespace {

using namespace dsmip6::test;  // NOLINT(google-build-using-namespace): test topology names
using namespace std::chrono_literals;
using nlohmann::json;

const Ipv4Endpoint kNatMapping{kNat4, 40001};

class Dsmip6StatusTest : public ::testing::Test {
 protected:
  Dsmip6StatusTest() : ha_(testHomeAgentConfig(), random_), mn_(mnConfig(), random_) {}
  static dsmip6::MobileNodeConfig mnConfig() {
    dsmip6::MobileNodeConfig c = testMobileNodeConfig();
    c.ipv4_home_address_mode = dsmip6::Ipv4HomeAddressMode::Static;
    c.ipv4_home_address = kStaticHoa4;
    return c;
  }
  // The MN registers its private IPv4 address; the HA sees the BU from the NAT's mapping.
  void registerBehindNat() {
    auto bus = actionsOf<dsmip6::SendSignalling>(
        mn_.onCareOfAddresses({candidate(kPrivateCoa4, "wlan0")}, clock_.now()));
    ASSERT_EQ(bus.size(), 1u);
    const dsmip6::Inbound seen{
        dsmip6::Transport::udp(kNatMapping, bus[0].transport.ipv4_destination), false, {}};
    auto bas =
        actionsOf<dsmip6::SendSignalling>(ha_.onSignalling(bus[0].packet, seen, clock_.now()));
    ASSERT_EQ(bas.size(), 1u);
    (void)mn_.onSignalling(bas[0].packet, dsmip6::Inbound{bas[0].transport, false, {}},
                           clock_.now());
    // A BU replaying that sequence number: 135.
    (void)ha_.onSignalling(bus[0].packet, seen, clock_.now());
    // A reverse-tunnelled packet from the right address but another port.
    dsmip6::TunnelledPacket t;
    t.outer = dsmip6::Encapsulation::Udp;
    t.ipv4_source = Ipv4Endpoint{kNat4, 40002};
    t.ipv4_destination = Ipv4Endpoint{kHa4, 4191};
    PacketBuffer inner;
    ASSERT_TRUE(inner.assign(buFromIpv4(homeRegistration(1), kPrivateCoa4)));
    // Reuse a well-formed IPv6 packet from the home address to the correspondent.
    wire::Ipv6Header h;
    h.next_header = 59;
    h.source = kHoa;
    h.destination = kCn;
    PacketBuffer data;
    ASSERT_TRUE(data.assign(Bytes{}));
    ASSERT_TRUE(wire::prependIpv6(data, h));
    t.payload = data.data();
    EXPECT_EQ(ha_.onTunnelledPacket(t).drop_reason, dsmip6::DropReason::WrongOuterPort);
    clock_.advance(10s);
  }
  SeededRandom random_{11};
  test::FakeClock clock_{kT0};
  PassThroughFilter filter_;
  SignallingPath path_{filter_};
  dsmip6::HomeAgent ha_;
  dsmip6::MobileNode mn_;
};

TEST_F(Dsmip6StatusTest, HomeAgentStatusListsTheBinding) {
  registerBehindNat();
  HaStatusContext context;
  context.home_interface = "eth0";
  context.tun = "dsmip6ha0";
  context.signalling = &path_;
  context.daemon_counters = {{"tun-write-errors", 3}};
  const json s = haStatus(ha_, context, clock_.now());
  EXPECT_EQ(s["daemon"], "ha");
  EXPECT_EQ(s["address"], kHa.toString());
  EXPECT_EQ(s["ipv4_address"], kHa4.toString());
  EXPECT_EQ(s["active_bindings"], 1);
  ASSERT_EQ(s["bindings"].size(), 1u);
  const json& b = s["bindings"][0];
  EXPECT_EQ(b["home_address"], kHoa.toString());
  EXPECT_EQ(b["state"], "active");
  EXPECT_EQ(b["ipv4_home_address"], kStaticHoa4.toString());
  EXPECT_EQ(b["care_of"], kPrivateCoa4.toString());
  EXPECT_EQ(b["care_of_family"], "ipv4");
  EXPECT_EQ(b["nat_endpoint"], kNatMapping.toString());
  EXPECT_TRUE(b["nat_detected"].get<bool>());
  EXPECT_EQ(b["encapsulation"], "udp");
  EXPECT_EQ(b["sequence"], 100);
  EXPECT_DOUBLE_EQ(b["lifetime_left_s"].get<double>(), b["lifetime_s"].get<double>() - 10);
  EXPECT_EQ(b["flags"],
            wire::buFlagsText(wire::kBuFlagAcknowledge | wire::kBuFlagHomeRegistration));
  EXPECT_EQ(s["binding_acks"], (json{{"0", 1}, {"135", 1}}));
  EXPECT_EQ(s["ipv4_acks"], (json{{"0", 1}}));
  EXPECT_EQ(s["counters"]["nat-detected"], 1);
  EXPECT_EQ(s["data_drops"]["wrong-outer-port"], 1);
  EXPECT_EQ(s["data_drops"].size(), dsmip6::kDropReasonCount - 1);
  EXPECT_EQ(s["signalling_drops"].size(), dsmip6::kSignallingDropCount - 1);
  EXPECT_EQ(s["signalling_filter"]["name"], "pass-through");
  EXPECT_EQ(s["daemon_counters"]["tun-write-errors"], 3);

  const std::string text = renderHaStatusText(s);
  EXPECT_NE(text.find(kHoa.toString()), std::string::npos) << text;
  EXPECT_NE(text.find(kNatMapping.toString()), std::string::npos) << text;
  EXPECT_NE(text.find("wrong-outer-port"), std::string::npos) << text;
  EXPECT_NE(text.find("135"), std::string::npos) << text;
  EXPECT_EQ(text.find("no-binding"), std::string::npos) << "zero counters are not listed";
}

TEST_F(Dsmip6StatusTest, HomeAgentControlProtocol) {
  registerBehindNat();
  HaStatusContext context;
  const json shown = json::parse(handleHaControl(ha_, context, "show", clock_.now()));
  EXPECT_EQ(shown["bindings"].size(), 1u);
  EXPECT_FALSE(shown["bindings_truncated"].get<bool>());
  const json help = json::parse(handleHaControl(ha_, context, "help", clock_.now()));
  EXPECT_TRUE(help.dump().find("show") != std::string::npos);
  const json bad =
      json::parse(handleHaControl(ha_, context, R"({"command":"show","limit":-1})", clock_.now()));
  EXPECT_TRUE(bad.contains("error"));
  const json unknown = json::parse(handleHaControl(ha_, context, "reboot", clock_.now()));
  EXPECT_TRUE(unknown.contains("error"));
}

TEST_F(Dsmip6StatusTest, MobileNodeStatusShowsTheBindingUpdateList) {
  registerBehindNat();
  MnStatusContext context;
  context.tun = "dsmip6mn0";
  context.candidates = {candidate(kPrivateCoa4, "wlan0")};
  context.routes = {"::/1", "8000::/1"};
  context.local_udp_port = kLocalPort;
  context.tun_mtu = 1472;
  context.signalling = &path_;
  const json s = mnStatus(mn_, context, clock_.now());
  EXPECT_EQ(s["daemon"], "mn");
  EXPECT_EQ(s["home_agent"], kHa.toString());
  EXPECT_FALSE(s["at_home"].get<bool>());
  EXPECT_EQ(s["care_of"]["address"], kPrivateCoa4.toString());
  EXPECT_EQ(s["care_of"]["interface"], "wlan0");
  EXPECT_EQ(s["encapsulation"], "udp");
  EXPECT_TRUE(s["nat_detected"].get<bool>());
  EXPECT_DOUBLE_EQ(s["nat_keepalive_s"].get<double>(), 110);
  EXPECT_EQ(s["ipv4_home_address"], kStaticHoa4.toString() + "/32");
  ASSERT_EQ(s["binding_update_list"].size(), 1u);
  const json& e = s["binding_update_list"][0];
  EXPECT_EQ(e["state"], "registered");
  EXPECT_EQ(e["registered_care_of"], kPrivateCoa4.toString());
  EXPECT_TRUE(e["pending_care_of"].is_null());
  EXPECT_EQ(e["sequence"], 100);
  EXPECT_EQ(e["last_status"], 0);
  EXPECT_EQ(e["path"]["encapsulation"], "udp");
  EXPECT_EQ(e["path"]["local"], (Ipv4Endpoint{kPrivateCoa4, kLocalPort}).toString());
  EXPECT_TRUE(e["next_refresh_s"].is_number());
  EXPECT_EQ(s["binding_acks"], (json{{"0", 1}}));
  EXPECT_EQ(s["counters"]["registrations"], 1);
  EXPECT_EQ(s["routes"], (json{"::/1", "8000::/1"}));
  EXPECT_EQ(s["candidates"][0]["family"], "ipv4");

  const std::string text = renderMnStatusText(s);
  EXPECT_NE(text.find("care-of 10.0.0.2 on wlan0"), std::string::npos) << text;
  EXPECT_NE(text.find("NAT: detected"), std::string::npos) << text;
  EXPECT_NE(text.find("registered"), std::string::npos) << text;
  const json via_control = json::parse(handleMnControl(mn_, context, "show", clock_.now()));
  EXPECT_EQ(via_control["binding_update_list"][0]["state"], "registered");
}

}  // namespace
}  // namespace dsmip::daemon
