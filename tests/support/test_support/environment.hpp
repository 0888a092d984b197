#pragma once
// Conditions under which a test may skip, and how it says why. When DSMIP_NO_SKIP=1 (set by
// the CI test script when running as root with every tool installed) a missing condition is a
// failure instead of a skip, so that CI never counts a skipped test as passed.

#include <gtest/gtest.h>

#include <string>

namespace dsmip::test {

bool isRoot();
bool haveTool(const std::string& name);  // on PATH
bool skipsForbidden();                   // DSMIP_NO_SKIP=1
std::string sourceDir();                 // the repository root

}  // namespace dsmip::test

/// Skip (or, under DSMIP_NO_SKIP=1, fail) the current test with a reason.
#define DSMIP_SKIP_UNLESS(cond, reason)                                        \
  do {                                                                         \
    if (!(cond)) {                                                             \
      if (::dsmip::test::skipsForbidden()) FAIL() << "cannot run: " << reason; \
      GTEST_SKIP() << reason;                                                  \
    }                                                                          \
  } while (false)

#define DSMIP_REQUIRE_ROOT() \
  DSMIP_SKIP_UNLESS(::dsmip::test::isRoot(), "needs root (network namespaces, TUN)")
#define DSMIP_REQUIRE_TOOL(tool) \
  DSMIP_SKIP_UNLESS(::dsmip::test::haveTool(tool), tool " is not installed")
