#include "m6t/state_table.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

#include "m6t/addressing.hpp"
#include "m6t_test_util.hpp"

namespace dsmip::m6t {
namespace {

using namespace std::chrono_literals;
using test::ep;
using test::p6;

const Ipv6Prefix kPrefix = p6("fd00:1:2:3:4::/80");
const TimePoint kT0 = TimePoint{} + 1h;

GatewayState stateFor(std::uint64_t n, TimePoint created) {
  GatewayState s;
  s.mobile_node = m6tAddress(kPrefix, n);
  s.endpoint = Ipv4Endpoint{Ipv4Address::fromU32(0xC6336400u + static_cast<std::uint32_t>(n % 200)),
                            static_cast<std::uint16_t>(1000 + n % 60000)};
  s.created = created;
  s.last_activity = created;
  return s;
}

std::vector<Ipv6Address> expireAll(StateTable& t, TimePoint now, Duration temporary = 2s,
                                   Duration active = 120s) {
  std::vector<Ipv6Address> gone;
  t.expire(now, temporary, active, [&](const GatewayState& s) { gone.push_back(s.mobile_node); });
  return gone;
}

TEST(StateTableTest, InsertFindAndCount) {
  StateTable t(SipKey{1, 2}, 100);
  EXPECT_EQ(t.find(m6tAddress(kPrefix, 1)), nullptr);
  GatewayState& s = t.insertTemporary(stateFor(1, kT0));
  EXPECT_EQ(s.kind, StateKind::Temporary);
  ASSERT_NE(t.find(m6tAddress(kPrefix, 1)), nullptr);
  EXPECT_EQ(t.find(m6tAddress(kPrefix, 1))->endpoint, stateFor(1, kT0).endpoint);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.temporaryCount(), 1u);
  EXPECT_EQ(t.activeCount(), 0u);
}

TEST(StateTableTest, TemporaryExpiresAtItsLifetimeExactly) {
  StateTable t(SipKey{1, 2}, 100);
  (void)t.insertTemporary(stateFor(1, kT0));
  (void)t.insertTemporary(stateFor(2, kT0 + 500ms));
  EXPECT_EQ(t.nextDeadline(2s), kT0 + 2s);
  EXPECT_TRUE(expireAll(t, kT0 + 2s - 1ns).empty());
  EXPECT_EQ(expireAll(t, kT0 + 2s), std::vector<Ipv6Address>{m6tAddress(kPrefix, 1)});
  EXPECT_EQ(t.nextDeadline(2s), kT0 + 2500ms);
  EXPECT_EQ(expireAll(t, kT0 + 2500ms), std::vector<Ipv6Address>{m6tAddress(kPrefix, 2)});
  EXPECT_EQ(t.size(), 0u);
  EXPECT_FALSE(t.nextDeadline(2s).has_value());
}

TEST(StateTableTest, ActiveStateLivesWhileTrafficFlows) {
  StateTable t(SipKey{1, 2}, 100);
  (void)t.insertTemporary(stateFor(1, kT0));
  t.activate(m6tAddress(kPrefix, 1), kT0 + 1s + 120s);
  EXPECT_EQ(t.activeCount(), 1u);
  EXPECT_EQ(t.temporaryCount(), 0u);
  // Not expired as a temporary state.
  EXPECT_TRUE(expireAll(t, kT0 + 5s).empty());
  // Traffic at +100 s moves the real deadline to +220 s; the heap entry at +121 s re-arms.
  t.find(m6tAddress(kPrefix, 1))->last_activity = kT0 + 100s;
  EXPECT_TRUE(expireAll(t, kT0 + 121s).empty());
  EXPECT_EQ(t.nextDeadline(2s), kT0 + 220s);
  EXPECT_TRUE(expireAll(t, kT0 + 220s - 1ms).empty());
  EXPECT_EQ(expireAll(t, kT0 + 220s).size(), 1u);
  EXPECT_EQ(t.size(), 0u);
}

TEST(StateTableTest, ActivateIsIdempotentAndIgnoresUnknown) {
  StateTable t(SipKey{1, 2}, 100);
  (void)t.insertTemporary(stateFor(1, kT0));
  t.activate(m6tAddress(kPrefix, 1), kT0 + 120s);
  t.activate(m6tAddress(kPrefix, 1), kT0 + 500s);
  t.activate(m6tAddress(kPrefix, 9), kT0 + 500s);
  EXPECT_EQ(t.activeCount(), 1u);
  EXPECT_EQ(t.nextDeadline(2s), kT0 + 120s);
}

TEST(StateTableTest, EvictsOldestTemporaryOnly) {
  StateTable t(SipKey{1, 2}, 100);
  (void)t.insertTemporary(stateFor(1, kT0));
  (void)t.insertTemporary(stateFor(2, kT0 + 1ms));
  (void)t.insertTemporary(stateFor(3, kT0 + 2ms));
  t.activate(m6tAddress(kPrefix, 1), kT0 + 120s);
  auto evicted = t.evictOldestTemporary();
  ASSERT_TRUE(evicted.has_value());
  EXPECT_EQ(evicted->mobile_node, m6tAddress(kPrefix, 2));
  EXPECT_EQ(t.find(m6tAddress(kPrefix, 2)), nullptr);
  ASSERT_TRUE(t.evictOldestTemporary().has_value());
  EXPECT_FALSE(t.evictOldestTemporary().has_value());  // only the active one is left
  EXPECT_EQ(t.size(), 1u);
}

TEST(StateTableTest, SlotsAreReusedAndStaleEntriesIgnored) {
  StateTable t(SipKey{1, 2}, 100);
  (void)t.insertTemporary(stateFor(1, kT0));
  ASSERT_EQ(expireAll(t, kT0 + 2s).size(), 1u);
  // The new state reuses the slot; an old expiry entry must not remove it.
  (void)t.insertTemporary(stateFor(2, kT0 + 3s));
  EXPECT_TRUE(expireAll(t, kT0 + 4s).empty());
  EXPECT_NE(t.find(m6tAddress(kPrefix, 2)), nullptr);
}

// A model check: random inserts, activations, traffic and expiry against std::map, across
// index growth and backward-shift deletions.
TEST(StateTableTest, MatchesModelUnderRandomOperations) {
  StateTable t(SipKey{7, 9}, 1'000'000);
  struct Model {
    TimePoint created;
    TimePoint last;
    bool active = false;
  };
  std::map<std::uint64_t, Model> model;
  std::mt19937_64 rng(42);
  TimePoint now = kT0;
  for (int step = 0; step < 20000; ++step) {
    now += std::chrono::milliseconds(rng() % 3);
    const std::uint64_t n = rng() % 5000 + 1;
    const int op = static_cast<int>(rng() % 4);
    auto it = model.find(n);
    if (op == 0 && it == model.end()) {
      (void)t.insertTemporary(stateFor(n, now));
      model[n] = Model{now, now, false};
    } else if (op == 1 && it != model.end() && !it->second.active) {
      t.activate(m6tAddress(kPrefix, n), now + 10s);
      it->second.active = true;
      it->second.last = now;
      t.find(m6tAddress(kPrefix, n))->last_activity = now;
    } else if (op == 2 && it != model.end()) {
      it->second.last = now;
      t.find(m6tAddress(kPrefix, n))->last_activity = now;
    } else if (op == 3) {
      std::vector<Ipv6Address> gone;
      t.expire(now, 2s, 10s, [&](const GatewayState& s) { gone.push_back(s.mobile_node); });
      std::size_t expected = 0;
      for (auto m = model.begin(); m != model.end();) {
        const bool dead =
            m->second.active ? m->second.last + 10s <= now : m->second.created + 2s <= now;
        if (dead) {
          ++expected;
          m = model.erase(m);
        } else {
          ++m;
        }
      }
      ASSERT_EQ(gone.size(), expected) << "step " << step;
    }
    ASSERT_EQ(t.size(), model.size());
  }
  for (std::uint64_t n = 1; n <= 5000; ++n) {
    ASSERT_EQ(t.find(m6tAddress(kPrefix, n)) != nullptr, model.count(n) == 1) << n;
  }
}

TEST(StateTableTest, MemoryIsAccountedPerPart) {
  StateTable t(SipKey{1, 2}, 10000);
  for (std::uint64_t n = 1; n <= 5000; ++n) (void)t.insertTemporary(stateFor(n, kT0));
  const StateTableMemory m = t.memory();
  EXPECT_GE(m.slab_bytes, 5000 * sizeof(GatewayState));
  EXPECT_GE(m.index_bytes, 5000u * 8 * 4 / 3);
  EXPECT_GE(m.expiry_bytes, 5000u * 8);
  EXPECT_EQ(m.total(), m.slab_bytes + m.index_bytes + m.expiry_bytes);
}

}  // namespace
}  // namespace dsmip::m6t
