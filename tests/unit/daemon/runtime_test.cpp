#include "daemon/runtime.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <vector>

#include "platform/clock.hpp"
#include "platform/sysctl.hpp"
#include "test_support/environment.hpp"
#include "test_support/netns.hpp"

namespace dsmip::daemon {
namespace {

using namespace std::chrono_literals;

TEST(DeadlineTimerTest, ArmsEarlierDeadlinesOnly) {
  auto loop = platform::EventLoop::create();
  ASSERT_TRUE(loop.has_value());
  std::vector<TimePoint> fired;
  DeadlineTimer timer(**loop, [&](TimePoint now) { fired.push_back(now); });
  const TimePoint base = platform::monotonicNow();
  timer.follow(base + 30ms);
  EXPECT_EQ(timer.deadline(), base + 30ms);
  timer.follow(base + 60ms);  // later: the armed timer stays (it will fire early)
  EXPECT_EQ(timer.deadline(), base + 30ms);
  timer.follow(std::nullopt);  // nothing due: also left armed
  EXPECT_EQ(timer.deadline(), base + 30ms);
  timer.follow(base + 10ms);  // earlier: re-armed
  EXPECT_EQ(timer.deadline(), base + 10ms);
  while (fired.empty()) ASSERT_TRUE((*loop)->runOnce(1s).has_value());
  EXPECT_GE(fired[0], base + 10ms);
  EXPECT_LT(fired[0], base + 30ms);
  EXPECT_FALSE(timer.deadline().has_value());  // fired: nothing armed until the next follow()
  timer.follow(base + 60ms);
  EXPECT_EQ(timer.deadline(), base + 60ms);
}

TEST(ControlPathTest, DefaultUnderRunDsmip) {
  EXPECT_EQ(defaultControlPath("m6t-gateway"), "/run/dsmip/m6t-gateway.sock");
}

// SIGTERM stops the loop, the stop hooks run, and what was installed is removed (inside a
// namespace of its own, in a child process so that the signal mask is not shared).
TEST(DaemonRuntimeTest, SigtermStopsAndUndoes) {
  DSMIP_REQUIRE_ROOT();
  const int code = dsmip::test::runInChildNamespace(
      [] {
        auto runtime = DaemonRuntime::create("test");
        if (!runtime) return 10;
        if (!(*runtime)->installed().setSysctl("net/ipv6/conf/all/forwarding", "1")) return 11;
        bool hook = false;
        (*runtime)->onStop([&] { hook = true; });
        const std::string path =
            ::testing::TempDir() + "/dsmip-runtime-test-" + std::to_string(::getpid()) + ".sock";
        if (!(*runtime)->serveControl(path, [](std::string_view) { return std::string("{}"); })) {
          return 12;
        }
        platform::Timer kill((*runtime)->loop(), [](TimePoint) { std::raise(SIGTERM); });
        kill.armAfter(10ms);
        const int rc = (*runtime)->run();
        if (rc != 0) return 13;
        if (!hook) return 14;
        auto forwarding = platform::readSysctl("net/ipv6/conf/all/forwarding");
        if (!forwarding || *forwarding != "0") return 15;
        if (std::filesystem::exists(path)) return 16;  // the control socket is gone
        return 0;
      },
      10s);
  EXPECT_EQ(code, 0);
}

TEST(DaemonRuntimeTest, SighupWithoutHookKeepsRunning) {
  DSMIP_REQUIRE_ROOT();
  const int code = dsmip::test::runInChildNamespace(
      [] {
        auto runtime = DaemonRuntime::create("test");
        if (!runtime) return 10;
        int reloads = 0;
        platform::Timer hup((*runtime)->loop(), [](TimePoint) { std::raise(SIGHUP); });
        platform::Timer stop((*runtime)->loop(), [&](TimePoint) { (*runtime)->requestStop(); });
        hup.armAfter(5ms);
        stop.armAfter(50ms);
        if ((*runtime)->run() != 0) return 11;
        (*runtime)->onReload([&] { ++reloads; });
        hup.armAfter(5ms);
        stop.armAfter(50ms);
        if ((*runtime)->run() != 0) return 12;
        return reloads == 1 ? 0 : 13;
      },
      10s);
  EXPECT_EQ(code, 0);
}

}  // namespace
}  // namespace dsmip::daemon
