// EventLoop: descriptor readiness, timer order and re-arming, cancellation and removal from
// inside callbacks, signals through the signalfd, stop(). Deadlines are a few milliseconds
// ahead of CLOCK_MONOTONIC; assertions are about order and counts, never about durations, and
// every run is bounded by a guard timer.
#include "platform/event_loop.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "platform/clock.hpp"

namespace dsmip::platform {
namespace {

using std::chrono::milliseconds;

class EventLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = EventLoop::create();
    ASSERT_TRUE(l) << l.error().toString();
    loop_ = std::move(*l);
  }
  // Runs the loop until stop() or the guard fires (a failure).
  void runBounded(Duration guard = std::chrono::seconds(5)) {
    bool guard_fired = false;
    Timer t(*loop_, [&](TimePoint) {
      guard_fired = true;
      loop_->stop();
    });
    t.armAfter(guard);
    ASSERT_TRUE(loop_->run());
    EXPECT_FALSE(guard_fired) << "the loop did not stop by itself";
  }
  std::unique_ptr<EventLoop> loop_;
};

struct Pipe {
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
  }
  void put(char c) const { EXPECT_EQ(::write(write_end.get(), &c, 1), 1); }
  char take() const {
    char c = 0;
    EXPECT_EQ(::read(read_end.get(), &c, 1), 1);
    return c;
  }
  UniqueFd read_end;
  UniqueFd write_end;
};

TEST_F(EventLoopTest, TimersFireInDeadlineOrderAndTiesInArmingOrder) {
  std::vector<std::string> fired;
  const TimePoint base = monotonicNow() + milliseconds(20);
  Timer late(*loop_, [&](TimePoint) { fired.push_back("late"); });
  Timer early(*loop_, [&](TimePoint) { fired.push_back("early"); });
  Timer tie_a(*loop_, [&](TimePoint) { fired.push_back("tie-a"); });
  Timer tie_b(*loop_, [&](TimePoint) {
    fired.push_back("tie-b");
    loop_->stop();
  });
  late.arm(base + milliseconds(10));
  tie_b.arm(base + milliseconds(5));  // armed first with the final deadline of tie_a...
  tie_a.arm(base + milliseconds(5));
  tie_b.arm(base + milliseconds(5));  // ...then re-armed: goes after tie_a
  early.arm(base);
  late.arm(base + milliseconds(6));  // moved earlier, still after the ties
  Timer stopper(*loop_, [&](TimePoint) { loop_->stop(); });
  stopper.arm(base + milliseconds(30));
  // tie_b stops the loop after its round; late fires in a later round, before the stopper.
  runBounded();
  runBounded();
  EXPECT_EQ(fired, (std::vector<std::string>{"early", "tie-a", "tie-b", "late"}));
  EXPECT_EQ(loop_->armedTimers(), 0u);
}

TEST_F(EventLoopTest, TimerCallbackReceivesNowNotBeforeItsDeadline) {
  const TimePoint deadline = monotonicNow() + milliseconds(5);
  TimePoint seen{};
  Timer t(*loop_, [&](TimePoint now) {
    seen = now;
    loop_->stop();
  });
  t.arm(deadline);
  runBounded();
  EXPECT_GE(seen, deadline);
  EXPECT_FALSE(t.armed());
}

TEST_F(EventLoopTest, CancelledAndRemovedTimersDoNotFire) {
  int fired = 0;
  Timer a(*loop_, [&](TimePoint) { ++fired; });
  a.armAfter(milliseconds(1));
  a.cancel();
  EXPECT_FALSE(a.armed());
  const TimerId b = loop_->addTimer([&](TimePoint) { ++fired; });
  loop_->armTimerAfter(b, milliseconds(1));
  loop_->removeTimer(b);
  EXPECT_FALSE(loop_->timerDeadline(b));
  // The slot of b is reused; the stale id must not reach the new timer.
  const TimerId c = loop_->addTimer([&](TimePoint) { loop_->stop(); });
  EXPECT_EQ(c.index, b.index);
  EXPECT_NE(c.generation, b.generation);
  loop_->cancelTimer(b);  // stale: no effect on c
  loop_->armTimerAfter(c, milliseconds(5));
  runBounded();
  EXPECT_EQ(fired, 0);
}

TEST_F(EventLoopTest, CallbackMayCancelATimerDueInTheSameRound) {
  std::vector<std::string> fired;
  const TimePoint when = monotonicNow() + milliseconds(5);
  Timer second(*loop_, [&](TimePoint) { fired.push_back("second"); });
  Timer first(*loop_, [&](TimePoint) {
    fired.push_back("first");
    second.cancel();
  });
  Timer stopper(*loop_, [&](TimePoint) { loop_->stop(); });
  first.arm(when);
  second.arm(when);  // due in the same round, after first
  stopper.arm(when + milliseconds(10));
  runBounded();
  EXPECT_EQ(fired, (std::vector<std::string>{"first"}));
}

TEST_F(EventLoopTest, TimerMayRearmAndRemoveItselfAndAddOthers) {
  int ticks = 0;
  std::vector<std::unique_ptr<Timer>> extra;
  TimerId self{};
  self = loop_->addTimer([&](TimePoint now) {
    ++ticks;
    // Adding timers may grow the loop's storage while this callback runs.
    for (int i = 0; i < 50; ++i) {
      extra.push_back(std::make_unique<Timer>(*loop_, [](TimePoint) {}));
    }
    if (ticks < 3) {
      loop_->armTimer(self, now + milliseconds(1));
    } else {
      loop_->removeTimer(self);
      loop_->stop();
    }
  });
  loop_->armTimerAfter(self, milliseconds(1));
  runBounded();
  EXPECT_EQ(ticks, 3);
  EXPECT_FALSE(loop_->timerDeadline(self));
}

TEST_F(EventLoopTest, PastDeadlineFiresInTheNextRoundNotInALoop) {
  int fired = 0;
  TimerId id{};
  id = loop_->addTimer([&](TimePoint now) {
    if (++fired < 3) loop_->armTimer(id, now - milliseconds(100));  // already due
  });
  loop_->armTimer(id, TimePoint{});  // the clock's origin: long past (and not "disarm")
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(loop_->runOnce(milliseconds(1000)));
    EXPECT_EQ(fired, round + 1) << "one firing per round";
  }
}

TEST_F(EventLoopTest, ReadableDescriptorIsDispatchedAndCanBeUnwatched) {
  Pipe p;
  std::string got;
  ASSERT_TRUE(loop_->watch(p.read_end.get(), Interest::Read, [&](IoEvents e) {
    EXPECT_TRUE(e.readable);
    got += p.take();
    if (got.size() == 2) {
      loop_->unwatch(p.read_end.get());  // unwatching itself from inside
      loop_->stop();
    }
  }));
  EXPECT_TRUE(loop_->watching(p.read_end.get()));
  EXPECT_FALSE(loop_->watch(p.read_end.get(), Interest::Read, [](IoEvents) {}));  // EEXIST
  p.put('a');
  p.put('b');
  runBounded();
  EXPECT_EQ(got, "ab");
  EXPECT_FALSE(loop_->watching(p.read_end.get()));
}

TEST_F(EventLoopTest, EventOfADescriptorUnwatchedEarlierInTheRoundIsDropped) {
  Pipe a;
  Pipe b;
  int a_calls = 0;
  int b_calls = 0;
  // Whichever runs first unwatches the other; exactly one callback may run.
  ASSERT_TRUE(loop_->watch(a.read_end.get(), Interest::Read, [&](IoEvents) {
    ++a_calls;
    loop_->unwatch(b.read_end.get());
    loop_->unwatch(a.read_end.get());
  }));
  ASSERT_TRUE(loop_->watch(b.read_end.get(), Interest::Read, [&](IoEvents) {
    ++b_calls;
    loop_->unwatch(a.read_end.get());
    loop_->unwatch(b.read_end.get());
  }));
  a.put('x');
  b.put('y');
  ASSERT_TRUE(loop_->runOnce(milliseconds(1000)));
  EXPECT_EQ(a_calls + b_calls, 1);
}

TEST_F(EventLoopTest, WritableInterestCanBeSwitched) {
  Pipe p;
  int writable = 0;
  ASSERT_TRUE(loop_->watch(p.write_end.get(), Interest::Read, [&](IoEvents e) {
    if (e.writable) ++writable;
  }));
  ASSERT_TRUE(loop_->runOnce(milliseconds(0)));
  EXPECT_EQ(writable, 0);
  ASSERT_TRUE(loop_->setInterest(p.write_end.get(), Interest::Write));
  ASSERT_TRUE(loop_->runOnce(milliseconds(1000)));
  EXPECT_EQ(writable, 1);
  EXPECT_FALSE(loop_->setInterest(12345, Interest::Read));
}

TEST_F(EventLoopTest, HangupIsReported) {
  Pipe p;
  IoEvents seen;
  ASSERT_TRUE(loop_->watch(p.read_end.get(), Interest::Read, [&](IoEvents e) { seen = e; }));
  p.write_end.reset();
  ASSERT_TRUE(loop_->runOnce(milliseconds(1000)));
  EXPECT_TRUE(seen.hangup);
}

TEST_F(EventLoopTest, SignalsAreDeliveredThroughTheLoopBeforeTimersOfTheSameRound) {
  std::vector<std::string> order;
  ASSERT_TRUE(loop_->watchSignal(SIGHUP, [&](int s) {
    EXPECT_EQ(s, SIGHUP);
    order.push_back("hup");
  }));
  ASSERT_TRUE(loop_->watchSignal(SIGUSR1, [&](int) {
    order.push_back("usr1");
    loop_->stop();
  }));
  Timer t(*loop_, [&](TimePoint) { order.push_back("timer"); });
  t.arm(monotonicNow() - milliseconds(1));  // due
  // Blocked now, so raise() leaves both pending for the signalfd.
  ASSERT_EQ(::raise(SIGHUP), 0);
  ASSERT_EQ(::raise(SIGUSR1), 0);
  runBounded();
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order.back(), "timer");  // signals first, then timers
}

TEST_F(EventLoopTest, SignalCallbackCanBeReplacedAndSignalIsUnblockedWithTheLoop) {
  int first = 0;
  int second = 0;
  ASSERT_TRUE(loop_->watchSignal(SIGUSR2, [&](int) { ++first; }));
  ASSERT_TRUE(loop_->watchSignal(SIGUSR2, [&](int) {
    ++second;
    loop_->stop();
  }));
  ASSERT_EQ(::raise(SIGUSR2), 0);
  runBounded();
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 1);
  loop_.reset();
  sigset_t mask;
  ASSERT_EQ(pthread_sigmask(SIG_SETMASK, nullptr, &mask), 0);
  EXPECT_EQ(sigismember(&mask, SIGUSR2), 0) << "the loop unblocks what it blocked";
}

TEST_F(EventLoopTest, FdWatchUnwatchesOnDestruction) {
  Pipe p;
  {
    auto w = FdWatch::create(*loop_, p.read_end.get(), Interest::Read, [](IoEvents) {});
    ASSERT_TRUE(w);
    EXPECT_TRUE(loop_->watching(p.read_end.get()));
    FdWatch moved = std::move(*w);
    EXPECT_TRUE(moved.active());
  }
  EXPECT_FALSE(loop_->watching(p.read_end.get()));
}

}  // namespace
}  // namespace dsmip::platform
