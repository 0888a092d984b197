#include "esp/replay_window.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>

namespace dsmip::esp {
namespace {

// Accepts (check + update) like a receiver whose ICV verified.
bool accept(ReplayWindow& w, std::uint32_t low) {
  auto s = w.check(low);
  if (!s) return false;
  w.update(*s);
  return true;
}

TEST(ReplayWindowTest, SequenceZeroIsNeverAccepted) {
  ReplayWindow w{64, false};
  EXPECT_FALSE(w.check(0));  // RFC 4303 §3.3.3: the first packet carries 1
  EXPECT_TRUE(accept(w, 1));
  EXPECT_EQ(w.highest(), 1u);
}

TEST(ReplayWindowTest, DuplicatesAreRejectedOnlyAfterUpdate) {
  ReplayWindow w{64, false};
  EXPECT_TRUE(w.check(5));  // check alone does not record (ICV not yet verified)
  EXPECT_TRUE(w.check(5));
  w.update(5);
  EXPECT_FALSE(w.check(5));
  EXPECT_TRUE(accept(w, 3));  // late but inside the window
  EXPECT_FALSE(w.check(3));
  EXPECT_TRUE(accept(w, 4));
}

class ReplayWindowSizeTest : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(ReplayWindowSizeTest, LeftEdgeIsExact) {
  const std::uint32_t size = GetParam();
  ReplayWindow w{size, false};
  const std::uint32_t top = 5000;
  ASSERT_TRUE(accept(w, top));
  // The window is [top - size + 1, top].
  EXPECT_TRUE(w.check(top - size + 1));
  EXPECT_FALSE(w.check(top - size));
  EXPECT_TRUE(accept(w, top - size + 1));
  EXPECT_FALSE(w.check(top - size + 1));
  // Moving the right edge by one drops the old left edge.
  ASSERT_TRUE(accept(w, top + 1));
  EXPECT_FALSE(w.check(top - size + 1));
  EXPECT_TRUE(w.check(top - size + 2));
}

TEST_P(ReplayWindowSizeTest, FarAheadJumpForgetsTheOldWindow) {
  const std::uint32_t size = GetParam();
  ReplayWindow w{size, false};
  for (std::uint32_t s = 1; s <= 10; ++s) ASSERT_TRUE(accept(w, s));
  const std::uint32_t far = 10 + 10 * size;
  ASSERT_TRUE(accept(w, far));
  EXPECT_FALSE(w.check(10));  // left of the new window
  // Every number in the new window except `far` is fresh, even where old bits lived.
  for (std::uint32_t s = far - size + 1; s < far; ++s) ASSERT_TRUE(w.check(s)) << s;
  EXPECT_FALSE(w.check(far));
}

TEST_P(ReplayWindowSizeTest, AgreesWithAReferenceModel) {
  // Random arrivals (in order, reordered, duplicated, jumps) against a plain set model.
  const std::uint32_t size = GetParam();
  ReplayWindow w{size, false};
  std::set<std::uint64_t> seen;
  std::uint64_t top = 0;
  std::mt19937 rng(size);
  std::uint64_t next = 1;
  for (int i = 0; i < 20000; ++i) {
    std::uint64_t s = 0;
    switch (rng() % 6) {
      case 0:
      case 1:
        s = next++;
        break;
      case 2:  // reordered or duplicate, near the edge
        s = top > size + 3 ? top - (rng() % (size + 4)) : next;
        break;
      case 3:  // duplicate of something seen recently
        s = top != 0 ? top - (rng() % std::min<std::uint64_t>(top, 8)) : 1;
        break;
      case 4:  // a jump ahead
        next += rng() % (3 * size);
        s = next++;
        break;
      default:
        s = next + rng() % 70;
        break;
    }
    if (s == 0) s = 1;
    const bool model_ok = !seen.contains(s) && (s > top || top - s < size);
    const bool ok = accept(w, static_cast<std::uint32_t>(s));
    ASSERT_EQ(ok, model_ok) << "step " << i << " seq " << s << " top " << top;
    if (ok) {
      seen.insert(s);
      top = std::max(top, s);
      next = std::max(next, top + 1);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, ReplayWindowSizeTest, ::testing::Values(32u, 64u, 100u, 1024u));

TEST(ReplayWindowTest, OffAcceptsDuplicatesButNotZero) {
  ReplayWindow w{0, false};
  EXPECT_TRUE(accept(w, 7));
  EXPECT_TRUE(accept(w, 7));
  EXPECT_TRUE(accept(w, 2));
  EXPECT_FALSE(w.check(0));
  EXPECT_EQ(w.highest(), 7u);
}

TEST(ReplayWindowTest, WithoutEsnTheLowHalfIsTheWholeNumber) {
  ReplayWindow w{64, false};
  ASSERT_TRUE(accept(w, 0xFFFFFFFFu));
  EXPECT_EQ(w.highest(), 0xFFFFFFFFu);
  EXPECT_FALSE(w.check(0));           // a wrapped counter is not accepted
  EXPECT_FALSE(w.check(5));           // far left of the window
  EXPECT_TRUE(w.check(0xFFFFFFC1u));  // inside
  EXPECT_EQ(w.inferHigh(5), 0u);
}

TEST(ReplayWindowEsnTest, CaseAInfersTheNextSubspaceBelowTheWindow) {
  // RFC 4303 Appendix A2.2 case A: Tl ≥ W - 1.
  ReplayWindow w{64, true};
  ASSERT_TRUE(accept(w, 0xFFFFFFF6u));  // high 0 (first subspace)
  EXPECT_EQ(w.highest(), 0xFFFFFFF6u);
  EXPECT_EQ(w.inferHigh(0xFFFFFFF0u), 0u);  // inside the window: same subspace
  EXPECT_EQ(w.inferHigh(0xFFFFFFFFu), 0u);  // ahead, same subspace
  EXPECT_EQ(w.inferHigh(5u), 1u);           // below the window: wrapped into subspace 1
  auto s = w.check(5);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, 0x100000005ULL);
  w.update(*s);
  EXPECT_EQ(w.highest(), 0x100000005ULL);
  // Old packets from the previous subspace, still inside the window, are accepted once.
  auto late = w.check(0xFFFFFFF8u);
  ASSERT_TRUE(late);
  EXPECT_EQ(*late, 0xFFFFFFF8ULL);
  w.update(*late);
  EXPECT_FALSE(w.check(0xFFFFFFF8u));
  EXPECT_FALSE(w.check(0xFFFFFFF6u));  // seen before the wrap
}

TEST(ReplayWindowEsnTest, CaseBAssignsTheUpperPartToThePreviousSubspace) {
  // Case B: Tl < W - 1, the window spans two subspaces.
  ReplayWindow w{64, true};
  ASSERT_TRUE(accept(w, 0xFFFFFFF0u));
  ASSERT_TRUE(accept(w, 3));  // now top = 2^32 + 3
  EXPECT_EQ(w.highest(), 0x100000003ULL);
  EXPECT_EQ(w.inferHigh(0xFFFFFFF5u), 0u);  // previous subspace, inside the window
  EXPECT_EQ(w.inferHigh(2u), 1u);
  EXPECT_EQ(w.inferHigh(1000u), 1u);   // ahead in the current subspace
  EXPECT_FALSE(w.check(0xFFFFFFF0u));  // seen
  EXPECT_TRUE(w.check(0xFFFFFFF5u));
  EXPECT_TRUE(w.check(0xFFFFFFC4u));  // the window's left edge (2^32 + 3 - 63)
  // Just left of the window, Appendix A reads the number as being in the current subspace, far
  // ahead (2^32 + 0xFFFFFFC3): the ICV, computed with those high bits, then decides.
  EXPECT_EQ(w.check(0xFFFFFFC3u), 0x1FFFFFFC3ULL);
}

TEST(ReplayWindowEsnTest, FirstSubspaceHasNoPredecessor) {
  // Nothing received yet (Th = 0, Tl = 0, case B): a large low half is a jump forward in
  // subspace 0, not a number from subspace -1.
  ReplayWindow w{64, true};
  EXPECT_EQ(w.inferHigh(0xFFFFFFF0u), 0u);
  auto s = w.check(0xFFFFFFF0u);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, 0xFFFFFFF0ULL);
}

TEST(ReplayWindowEsnTest, InferenceWorksWithAntiReplayOff) {
  ReplayWindow w{0, true};
  ASSERT_TRUE(accept(w, 0xFFFFFFFEu));
  auto s = w.check(1);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, 0x100000001ULL);
  w.update(*s);
  EXPECT_TRUE(w.check(1));  // no duplicate detection when off
}

TEST(ReplayWindowEsnTest, LongRunAcrossSeveralWraps) {
  ReplayWindow w{1024, true};
  std::uint64_t seq = 0xFFFFFF00ULL;
  for (int i = 0; i < 3; ++i) {
    for (int k = 0; k < 600; ++k) {
      auto s = w.check(static_cast<std::uint32_t>(seq));
      ASSERT_TRUE(s);
      ASSERT_EQ(*s, seq);
      w.update(*s);
      seq += 1;
    }
    // A gap close to (but below) 2^32 - window: the largest loss Appendix A can bridge.
    seq += 0xFFFFF000ULL;
  }
}

TEST(ReplayWindowTest, SizeIsClampedToTheMaximum) {
  ReplayWindow w{100000, false};
  EXPECT_EQ(w.size(), ReplayWindow::kMaxSize);
}

}  // namespace
}  // namespace dsmip::esp
