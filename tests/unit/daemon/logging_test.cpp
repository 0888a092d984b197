#include "daemon/logging.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace dsmip::daemon {
namespace {

using namespace std::chrono_literals;

TEST(LoggingTest, TimestampsAreUtcWithMilliseconds) {
  EXPECT_EQ(formatTimestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(formatTimestamp(1'700'000'000'123'456'789), "2023-11-14T22:13:20.123Z");
}

class DropLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::setLevel(LogLevel::Debug);
    log::setSink([this](LogLevel, std::string_view m) { lines_.emplace_back(m); });
  }
  void TearDown() override {
    log::setSink({});
    log::setLevel(LogLevel::Info);
  }
  std::vector<std::string> lines_;
};

TEST_F(DropLogTest, LimitsLinesPerReasonAndCountsTheRest) {
  DropLog log(2, 1.0, 2.0);
  const TimePoint t0 = TimePoint{} + 1h;
  for (int i = 0; i < 10; ++i) log.write(0, t0, LogLevel::Warn, "drop a");
  EXPECT_EQ(lines_.size(), 2u);                // the burst
  log.write(1, t0, LogLevel::Warn, "drop b");  // another reason has its own budget
  EXPECT_EQ(lines_.size(), 3u);
  log.write(0, t0 + 1s, LogLevel::Warn, "drop a");
  ASSERT_EQ(lines_.size(), 4u);
  EXPECT_EQ(lines_.back(), "drop a (8 similar suppressed)");
}

TEST_F(DropLogTest, DisabledLevelsWriteNothing) {
  log::setLevel(LogLevel::Error);
  DropLog log(1);
  log.write(0, TimePoint{}, LogLevel::Warn, "quiet");
  EXPECT_TRUE(lines_.empty());
}

}  // namespace
}  // namespace dsmip::daemon
