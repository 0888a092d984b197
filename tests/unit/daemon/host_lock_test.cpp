// The host-wide lock behind m6t address reservations (m6t §2.5).
#include "platform/host_lock.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <string>

namespace dsmip::platform {
namespace {

std::string uniqueName(const char* what) {
  return std::string("dsmip-test-") + what + "-" + std::to_string(::getpid());
}

TEST(HostLockTest, SecondHolderIsRefusedUntilTheFirstReleases) {
  const std::string name = uniqueName("lock");
  auto first = HostLock::acquire(name);
  ASSERT_TRUE(first.has_value()) << first.error().toString();
  auto second = HostLock::acquire(name);
  ASSERT_FALSE(second.has_value());
  EXPECT_TRUE(hasErrno(second.error(), EADDRINUSE)) << second.error().toString();
  { HostLock released = std::move(*first); }  // closed here
  first = Unexpected{Error{}};
  EXPECT_TRUE(HostLock::acquire(name).has_value());
}

TEST(HostLockTest, DifferentNamesDoNotConflict) {
  auto a = HostLock::acquire(uniqueName("a"));
  auto b = HostLock::acquire(uniqueName("b"));
  EXPECT_TRUE(a.has_value());
  EXPECT_TRUE(b.has_value());
}

TEST(HostLockTest, RejectsBadNames) {
  EXPECT_FALSE(HostLock::acquire("").has_value());
  EXPECT_FALSE(HostLock::acquire(std::string(200, 'x')).has_value());
}

}  // namespace
}  // namespace dsmip::platform
