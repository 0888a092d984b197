// The namespace helpers of tests/support that every root test relies on: the fixture really
// isolates, named namespaces are `ip netns` compatible and removed again, veth pairs connect
// namespaces, and the forked-child runner isolates and is bounded in time.
#include <gtest/gtest.h>
#include <net/if.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "platform/tun.hpp"
#include "test_support/environment.hpp"
#include "test_support/netns.hpp"

namespace dsmip::platform {
namespace {

ino_t namespaceInode() {
  struct stat st {};
  EXPECT_EQ(::stat("/proc/thread-self/ns/net", &st), 0);
  return st.st_ino;
}

// Read at program start, before any test enters a namespace.
const ino_t kStartNamespace = namespaceInode();

std::vector<std::string> interfaceNames() {
  std::vector<std::string> names;
  struct if_nameindex* list = ::if_nameindex();
  for (struct if_nameindex* i = list; i != nullptr && i->if_index != 0; ++i)
    names.emplace_back(i->if_name);
  ::if_freenameindex(list);
  return names;
}

class NetnsFixtureTest : public test::NetnsTest {};

TEST_F(NetnsFixtureTest, TestRunsInAFreshNamespaceWithLoopbackOnly) {
  EXPECT_EQ(interfaceNames(), (std::vector<std::string>{"lo"}));
  EXPECT_NE(namespaceInode(), kStartNamespace);
}

TEST(NetnsHelperTest, NamedNamespaceIsUsableByIpNetnsAndRemoved) {
  DSMIP_REQUIRE_ROOT();
  DSMIP_REQUIRE_TOOL("ip");
  const std::string name = test::uniqueName("dsmipt", 30);
  {
    auto ns = test::NetworkNamespace::create(name);
    EXPECT_EQ(ns.name(), name);
    EXPECT_TRUE(test::namedNamespaceExists(name));
    auto other = test::NetworkNamespace::create();
    test::createVethPair(ns, "n0", other, "o0", 1400);
    const std::string command = "ip netns exec " + name + " ip link show n0 | grep -q 'mtu 1400'";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    other.run([] { EXPECT_NE(::if_nametoindex("o0"), 0u); });
    EXPECT_EQ(::if_nametoindex("n0"), 0u) << "not in the test process's namespace";
  }
  EXPECT_FALSE(test::namedNamespaceExists(name));
}

TEST(NetnsHelperTest, ScopedEntryReturnsToTheOriginalNamespace) {
  DSMIP_REQUIRE_ROOT();
  const ino_t original = namespaceInode();
  auto ns = test::NetworkNamespace::create();
  {
    test::ScopedNetns inside(ns);
    EXPECT_NE(namespaceInode(), original);
  }
  EXPECT_EQ(namespaceInode(), original);
}

TEST(NetnsHelperTest, ChildNamespaceIsIsolatedAndBounded) {
  DSMIP_REQUIRE_ROOT();
  const std::string name = test::uniqueName("diso");
  const int code = test::runInChildNamespace(
      [&] {
        auto tun = TunDevice::open(name);
        if (!tun) return 2;
        return ::if_nametoindex(name.c_str()) != 0 ? 0 : 3;
      },
      std::chrono::seconds(10));
  EXPECT_EQ(code, 0);
  EXPECT_EQ(::if_nametoindex(name.c_str()), 0u) << "the child's device never existed here";

  const auto start = std::chrono::steady_clock::now();
  const int hung = test::runInChildNamespace(
      [] {
        for (;;) ::pause();
        return 0;
      },
      std::chrono::milliseconds(200));
  EXPECT_EQ(hung, -1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace dsmip::platform
