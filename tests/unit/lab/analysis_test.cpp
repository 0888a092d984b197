#include "lab/analysis.hpp"

#include <gtest/gtest.h>

#include "lab/record.hpp"

namespace dsmip::lab {
namespace {

using std::chrono::milliseconds;

const TimePoint kT0 = TimePoint{} + std::chrono::seconds(100);

TimePoint at(int ms) { return kT0 + milliseconds(ms); }

// A stream every 10 ms from `from_ms` to `to_ms`; requests sent in [lost_from, lost_to) are
// not answered, the others after `rtt_ms`.
EchoStreamRecord stream(const std::string& name, Direction direction, int from_ms, int to_ms,
                        int lost_from, int lost_to, int rtt_ms = 1) {
  EchoStreamRecord s;
  s.name = name;
  s.family = Family::Ipv6;
  s.direction = direction;
  s.interval = milliseconds(10);
  std::uint64_t seq = 0;
  for (int t = from_ms; t < to_ms; t += 10) {
    EchoSample e;
    e.sequence = seq++;
    e.sent = at(t);
    if (t < lost_from || t >= lost_to) e.replied = at(t + rtt_ms);
    s.samples.push_back(e);
  }
  return s;
}

AttachmentRecord attachment(const std::string& network, int moved_ms, int left_ms) {
  AttachmentRecord a;
  a.network = network;
  a.mechanism = "m6t";
  a.moved = at(moved_ms);
  a.left = at(left_ms);
  return a;
}

Expectations expectIpv6() {
  Expectations e;
  e.families = {Family::Ipv6};
  e.recovery_bound = milliseconds(500);
  e.initial_bound = std::chrono::seconds(2);
  e.tcp_bound = std::chrono::seconds(2);
  e.sessions_survive = false;
  return e;
}

TEST(Spread, MedianP95AndMax) {
  std::vector<Duration> v;
  for (int i = 1; i <= 20; ++i) v.push_back(milliseconds(i));
  const Spread s = spreadOf(v);
  EXPECT_EQ(*s.median, milliseconds(10) + std::chrono::microseconds(500));
  EXPECT_EQ(*s.p95, milliseconds(19));
  EXPECT_EQ(*s.max, milliseconds(20));
  EXPECT_FALSE(spreadOf({}).median.has_value());
  EXPECT_EQ(*spreadOf({milliseconds(7)}).p95, milliseconds(7));
}

TEST(Overhead, MostFrequentSizeInTheWindow) {
  std::vector<std::uint32_t> sizes(12, 288);  // 260 + IPv4 + UDP
  sizes.insert(sizes.end(), 5, 300);
  sizes.insert(sizes.end(), 50, 84);  // other traffic, outside the window
  EXPECT_EQ(overheadFromSizes(sizes, 260, 200, 10), 28u);
  EXPECT_EQ(overheadFromSizes(sizes, 260, 200, 13), std::nullopt);  // too few
  EXPECT_EQ(overheadFromSizes(sizes, 260, 20, 1), std::nullopt);    // 28 is beyond the search
}

TEST(Handover, InterruptionLossAndRecoveryFromTheSamples) {
  ScenarioRecord r;
  r.started = at(0);
  r.attachments = {attachment("v4pub", 0, 1000), attachment("nat-a", 1000, 3000)};
  // The peer's requests sent between 1000 and 1200 ms are lost (20 of them).
  r.echo = {stream("ping6 peer->mn", Direction::PeerToMn, 0, 3000, 1000, 1200)};
  const HandoverResult h = analyseHandover(r, 1, expectIpv6(), AnalysisSettings{}, at(3000));
  EXPECT_FALSE(h.initial);
  EXPECT_EQ(h.from, "v4pub");
  EXPECT_EQ(h.to, "nat-a");
  EXPECT_EQ(h.lost, 20u);
  EXPECT_EQ(h.interruption, milliseconds(200));
  ASSERT_TRUE(h.recovery.has_value());
  EXPECT_EQ(*h.recovery, milliseconds(200));
  EXPECT_TRUE(h.recovered);
  EXPECT_TRUE(h.within_bound);
}

TEST(Handover, BeyondItsBoundIsNotWithinBound) {
  ScenarioRecord r;
  r.started = at(0);
  r.attachments = {attachment("v4pub", 0, 1000), attachment("nat-a", 1000, 3000)};
  r.echo = {stream("ping6 peer->mn", Direction::PeerToMn, 0, 3000, 1000, 1800)};
  const HandoverResult h = analyseHandover(r, 1, expectIpv6(), AnalysisSettings{}, at(3000));
  EXPECT_TRUE(h.recovered);
  EXPECT_FALSE(h.within_bound);  // 800 ms > 500 ms
  EXPECT_EQ(h.lost, 80u);
}

TEST(Handover, IsolatedAnswersDoNotCountAsRecovery) {
  // Answers come back for 2 requests in the middle of the outage: not a stable run of 5.
  ScenarioRecord r;
  r.started = at(0);
  r.attachments = {attachment("v4pub", 0, 1000), attachment("nat-a", 1000, 3000)};
  EchoStreamRecord s = stream("ping6 peer->mn", Direction::PeerToMn, 0, 3000, 1000, 1400);
  for (auto& e : s.samples) {
    if (e.sent == at(1100) || e.sent == at(1110)) e.replied = e.sent + milliseconds(1);
  }
  r.echo = {s};
  const HandoverResult h = analyseHandover(r, 1, expectIpv6(), AnalysisSettings{}, at(3000));
  ASSERT_TRUE(h.recovery.has_value());
  EXPECT_EQ(*h.recovery, milliseconds(400));
  EXPECT_EQ(h.lost, 38u);
}

TEST(Handover, NeverRecovered) {
  ScenarioRecord r;
  r.started = at(0);
  r.attachments = {attachment("v4pub", 0, 1000), attachment("nat-a", 1000, 3000)};
  r.echo = {stream("ping6 peer->mn", Direction::PeerToMn, 0, 3000, 1000, 3000)};
  const HandoverResult h = analyseHandover(r, 1, expectIpv6(), AnalysisSettings{}, at(3000));
  EXPECT_FALSE(h.recovered);
  EXPECT_FALSE(h.within_bound);
  EXPECT_EQ(h.interruption, milliseconds(2000));
}

// The MN's requests sent in [lost_from, lost_from + 300 ms) are lost (30 of them).
ScenarioRecord walkOfTwo(int lost_from) {
  ScenarioRecord r;
  r.name = "m6t";
  r.started = at(0);
  r.ended = at(3000);
  r.attachments = {attachment("v4pub", 0, 1000), attachment("nat-a", 1000, 3000)};
  r.echo = {stream("ping6 peer->mn", Direction::PeerToMn, 0, 3000, 1000, 1100),
            stream("ping6 mn->peer", Direction::MnToPeer, 0, 3000, lost_from, lost_from + 300)};
  TcpStreamRecord t;
  t.name = "tcp6 peer->mn";
  t.family = Family::Ipv6;
  for (int ms = 0; ms < 3000; ms += 50) {
    if (ms >= 1000 && ms < 1150) continue;
    t.reads.push_back({at(ms), 1000});
  }
  t.connections = {at(5), at(1150)};
  t.bytes_sent = 60000;
  r.tcp = {t};
  return r;
}

TEST(Scenario, ChecksPassWhenLossesAreInsideHandovers) {
  const ScenarioRecord r = walkOfTwo(1000);
  const ScenarioResult s = analyseScenario(r, expectIpv6(), AnalysisSettings{});
  EXPECT_TRUE(s.checks.reached_both_directions);
  EXPECT_TRUE(s.checks.all_recovered_within_bound);
  EXPECT_TRUE(s.checks.no_loss_outside_handovers);
  EXPECT_TRUE(s.checks.tcp_resumed);
  EXPECT_TRUE(s.ok());
  ASSERT_EQ(s.handovers.size(), 2u);
  EXPECT_TRUE(s.handovers[0].initial);
  ASSERT_EQ(s.streams.size(), 2u);
  EXPECT_EQ(s.streams[0].lost_in_handovers, 10u);
  EXPECT_EQ(s.streams[0].lost_outside_handovers, 0u);
  ASSERT_EQ(s.tcp.size(), 1u);
  EXPECT_EQ(s.tcp[0].connections, 2u);
}

TEST(Scenario, LossOutsideAHandoverFailsTheCheck) {
  const ScenarioRecord r = walkOfTwo(2000);  // 30 requests lost mid-stay
  const ScenarioResult s = analyseScenario(r, expectIpv6(), AnalysisSettings{});
  EXPECT_FALSE(s.checks.no_loss_outside_handovers);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.streams[1].lost_outside_handovers, 30u);
}

TEST(Scenario, ABrokenSessionFailsWhereSessionsMustSurvive) {
  const ScenarioRecord r = walkOfTwo(1000);
  Expectations e = expectIpv6();
  e.sessions_survive = true;  // DSMIP promises it; the record shows a new connection
  const ScenarioResult s = analyseScenario(r, e, AnalysisSettings{});
  EXPECT_FALSE(s.checks.tcp_resumed);
}

TEST(Scenario, TheFirstConnectionIsNotABrokenSession) {
  ScenarioRecord r = walkOfTwo(1000);
  r.tcp[0].connections = {at(5)};  // one connection for the whole walk
  Expectations e = expectIpv6();
  e.sessions_survive = true;
  const ScenarioResult s = analyseScenario(r, e, AnalysisSettings{});
  EXPECT_TRUE(s.checks.tcp_resumed);
  EXPECT_TRUE(s.handovers[0].tcp[0].session_kept);
  EXPECT_TRUE(s.handovers[1].tcp[0].session_kept);
}

TEST(Scenario, LossesOutsideHandoversSayWhen) {
  const ScenarioRecord r = walkOfTwo(2000);
  const ScenarioResult s = analyseScenario(r, expectIpv6(), AnalysisSettings{});
  ASSERT_EQ(s.streams[1].lost_outside_at_s.size(), 30u);
  EXPECT_DOUBLE_EQ(s.streams[1].lost_outside_at_s.front(), 2.0);
}

TEST(Summary, OneRowPerMechanismWithoutInitialAttachments) {
  const ScenarioRecord r = walkOfTwo(1000);
  const std::vector<ScenarioResult> results = {
      analyseScenario(r, expectIpv6(), AnalysisSettings{})};
  const auto rows = summarise(results);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].mechanism, "m6t");
  EXPECT_EQ(rows[0].handovers, 1u);
  EXPECT_EQ(rows[0].lost, 40u);  // 10 + 30, both in the handover
  ASSERT_TRUE(rows[0].interruption.median.has_value());
  EXPECT_EQ(*rows[0].interruption.median, milliseconds(300));  // the longer stream's
}

}  // namespace
}  // namespace dsmip::lab
