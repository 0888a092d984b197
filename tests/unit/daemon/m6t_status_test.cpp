#include "daemon/m6t_status.hpp"

#include <gtest/gtest.h>

#include <set>

#include "test_support/fake_clock.hpp"
#include "wire/icmpv6.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv6.hpp"

namespace dsmip::daemon {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const Ipv6Address kHa = *Ipv6Address::parse("2001:db8:1::1");
const Ipv6Address kMn = *Ipv6Address::parse("fd00:1:2:3:4::a");
const Ipv4Endpoint kNat = *Ipv4Endpoint::parse("203.0.113.5:40000");

PacketBuffer echo(const Ipv6Address& source, const Ipv6Address& destination) {
  PacketBuffer p;
  EXPECT_TRUE(p.assign(Bytes(16, 1)));
  EXPECT_TRUE(wire::prependIcmpv6EchoRequest(p, 1, 1, source, destination));
  wire::Ipv6Header h;
  h.next_header = wire::ip_protocol::kIcmpv6;
  h.source = source;
  h.destination = destination;
  EXPECT_TRUE(wire::prependIpv6(p, h));
  return p;
}

class GatewayStatusTest : public ::testing::Test {
 protected:
  GatewayStatusTest() {
    m6t::GatewayConfig c;
    c.listen = {*Ipv4Endpoint::parse("0.0.0.0:3544")};
    c.prefixes = {*Ipv6Prefix::parse("fd00:1::/32")};
    c.home_agents = {kHa};
    gw_ = std::make_unique<m6t::Gateway>(c, random_);
    context_.tun = "m6tgw0";
    context_.listen = {*Ipv4Endpoint::parse("0.0.0.0:3544")};
    context_.daemon_counters = {{"tun-write-errors", 2}};
  }
  void traffic() {
    PacketBuffer p = echo(kMn, kHa);
    ASSERT_EQ(gw_->onDatagram(0, kNat, p, clock_.now()).disposition, m6t::Disposition::WriteTun);
    clock_.advance(10ms);
    p = echo(kHa, kMn);
    ASSERT_EQ(gw_->onTunPacket(p, clock_.now()).disposition, m6t::Disposition::SendDatagram);
    PacketBuffer other = echo(*Ipv6Address::parse("fd00:1::b"), kHa);
    ASSERT_EQ(
        gw_->onDatagram(0, *Ipv4Endpoint::parse("198.51.100.9:1"), other, clock_.now()).disposition,
        m6t::Disposition::WriteTun);
    PacketBuffer spoof = echo(kMn, kHa);
    (void)gw_->onDatagram(0, *Ipv4Endpoint::parse("192.0.2.66:9"), spoof, clock_.now());
    clock_.advance(1500ms);
  }
  SeededRandom random_{3};
  dsmip::test::FakeClock clock_;
  std::unique_ptr<m6t::Gateway> gw_;
  GatewayStatusContext context_;
};

TEST_F(GatewayStatusTest, ShowListsStatesCountersAndDrops) {
  traffic();
  json s = json::parse(handleGatewayControl(*gw_, context_, R"({"command":"show"})", clock_.now()));
  EXPECT_EQ(s["daemon"], "m6t-gateway");
  EXPECT_EQ(s["tun"], "m6tgw0");
  EXPECT_EQ(s["listen"], json::array({"0.0.0.0:3544"}));
  EXPECT_EQ(s["state_count"], 2);
  EXPECT_EQ(s["active_count"], 1);
  EXPECT_EQ(s["temporary_count"], 1);
  ASSERT_EQ(s["states"].size(), 2u);
  json active;
  for (const json& st : s["states"]) {
    if (st["mobile_node"] == kMn.toString()) active = st;
  }
  ASSERT_FALSE(active.is_null());
  EXPECT_EQ(active["kind"], "active");
  EXPECT_EQ(active["endpoint"], "203.0.113.5:40000");
  EXPECT_EQ(active["ipv4"], "203.0.113.5");
  EXPECT_EQ(active["port"], 40000);
  EXPECT_EQ(active["listen"], "0.0.0.0:3544");
  EXPECT_DOUBLE_EQ(active["age_s"].get<double>(), 1.51);
  EXPECT_DOUBLE_EQ(active["idle_s"].get<double>(), 1.5);
  EXPECT_EQ(active["packets_from_mn"], 1);
  EXPECT_EQ(active["packets_to_mn"], 1);
  EXPECT_EQ(active["bytes_from_mn"], 64);
  EXPECT_EQ(active["tunnel_mtu"], 1472);
  EXPECT_EQ(s["counters"]["states-created"], 2);
  EXPECT_EQ(s["counters"]["states-activated"], 1);
  EXPECT_EQ(s["drops"]["state-mismatch"], 1);
  EXPECT_EQ(s["drops"]["malformed"], 0);
  EXPECT_EQ(s["drops"].size(), static_cast<std::size_t>(m6t::GatewayDrop::kCount) - 1);
  EXPECT_EQ(s["daemon_counters"]["tun-write-errors"], 2);
  EXPECT_FALSE(s["states_truncated"].get<bool>());
}

TEST_F(GatewayStatusTest, LimitCapsTheStatesListed) {
  traffic();
  json s = json::parse(
      handleGatewayControl(*gw_, context_, R"({"command":"show","limit":1})", clock_.now()));
  EXPECT_EQ(s["states"].size(), 1u);
  EXPECT_TRUE(s["states_truncated"].get<bool>());
  EXPECT_EQ(s["state_count"], 2);
}

TEST_F(GatewayStatusTest, BadRequestsGetErrors) {
  EXPECT_TRUE(
      json::parse(handleGatewayControl(*gw_, context_, "reboot", clock_.now())).contains("error"));
  EXPECT_TRUE(json::parse(handleGatewayControl(*gw_, context_, R"({"command":"show","limit":"x"})",
                                               clock_.now()))
                  .contains("error"));
}

TEST_F(GatewayStatusTest, TextShowsATableRowPerState) {
  traffic();
  json s = json::parse(handleGatewayControl(*gw_, context_, "show", clock_.now()));
  const std::string text = renderStatusText(s);
  EXPECT_NE(text.find("m6t-gateway  tun m6tgw0  mtu 1472  listening on 0.0.0.0:3544"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("states: 2 (1 active, 1 temporary)"), std::string::npos) << text;
  EXPECT_NE(text.find("MOBILE NODE"), std::string::npos);
  std::size_t row = text.find(kMn.toString());
  ASSERT_NE(row, std::string::npos);
  const std::string line = text.substr(row, text.find('\n', row) - row);
  EXPECT_NE(line.find("203.0.113.5:40000"), std::string::npos) << line;
  EXPECT_NE(line.find("active"), std::string::npos) << line;
  EXPECT_NE(text.find("state-mismatch"), std::string::npos);
}

class RecordingRegistry : public m6t::AddressRegistry {
 public:
  bool reserve(const Ipv6Address& a) override { return held.insert(a).second; }
  void release(const Ipv6Address& a) override { held.erase(a); }
  std::set<Ipv6Address> held;
};

TEST(ClientStatusTest, ShowReportsAddressKeepalivesAndMtu) {
  SeededRandom random(4);
  RecordingRegistry registry;
  dsmip::test::FakeClock clock;
  m6t::ClientConfig c;
  c.gateway = *Ipv4Endpoint::parse("192.0.2.1:3544");
  c.prefix = *Ipv6Prefix::parse("fd00:1:2:3:4::/80");
  c.keepalive_interval = 1s;
  c.routes = {*Ipv6Prefix::parse("::/0")};
  m6t::Client client(c, random, registry);
  ClientStatusContext context{"m6t0", {}};

  json before = json::parse(handleClientControl(client, context, "show", clock.now()));
  EXPECT_EQ(before["state"], "no-ipv4");
  EXPECT_TRUE(before["address"].is_null());
  EXPECT_TRUE(before["last_keepalive_sent_ago_s"].is_null());

  (void)client.onAttachment(
      m6t::Ipv4Attachment{*Ipv4Address::parse("10.0.0.2"), *Ipv4Address::parse("10.0.0.1"), 3},
      clock.now());
  client.onSocketOpened(1, *Ipv4Endpoint::parse("10.0.0.2:50000"));
  clock.advance(1s);
  (void)client.onTimer(clock.now());  // a keep-alive
  clock.advance(250ms);
  json s = json::parse(handleClientControl(client, context, "show", clock.now()));
  EXPECT_EQ(s["daemon"], "m6t-client");
  EXPECT_EQ(s["state"], "attached");
  EXPECT_EQ(s["gateway"], "192.0.2.1:3544");
  EXPECT_EQ(s["address"], client.address()->toString());
  EXPECT_EQ(s["local_ipv4"], "10.0.0.2");
  EXPECT_EQ(s["next_hop"], "10.0.0.1");
  EXPECT_EQ(s["local_endpoint"], "10.0.0.2:50000");
  EXPECT_DOUBLE_EQ(s["last_keepalive_sent_ago_s"].get<double>(), 0.25);
  EXPECT_TRUE(s["last_keepalive_answered_ago_s"].is_null());
  EXPECT_EQ(s["tunnel_mtu"], 1472);
  EXPECT_EQ(s["counters"]["keepalives-sent"], 1);
  EXPECT_FALSE(s["path_established"].get<bool>());
  const std::string text = renderStatusText(s);
  EXPECT_NE(text.find("address:            " + client.address()->toString()), std::string::npos)
      << text;
  EXPECT_NE(text.find("local IPv4:         10.0.0.2 via 10.0.0.1"), std::string::npos) << text;
  EXPECT_NE(text.find("tunnel MTU:         1472"), std::string::npos) << text;
}

TEST(StatusTextTest, ErrorsAndUnknownDaemons) {
  EXPECT_EQ(renderStatusText(json{{"error", "boom"}}), "error: boom\n");
  EXPECT_NE(renderStatusText(json{{"daemon", "other"}, {"x", 1}}).find("\"x\": 1"),
            std::string::npos);
}

}  // namespace
}  // namespace dsmip::daemon
