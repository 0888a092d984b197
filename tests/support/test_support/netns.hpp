#pragma once
// Network namespaces for root tests, so that no test touches the host's network stack:
// namespaces held by a descriptor (gone when the test ends, even if it crashes), optionally
// named under /run/netns like `ip netns add` does (then `ip netns exec NAME …` works in
// scripts), veth pairs between namespaces, a gtest fixture that runs each test inside a fresh
// namespace, and a forked-child runner. Needs root; failures throw std::runtime_error (gtest
// reports an exception in a test as a failure).
//
// Implemented with system calls and a hand-built netlink request only, so that it depends on
// no dsmip library (it is linked into every test binary).

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace dsmip::test {

/// A network namespace kept alive by an open descriptor; with a name, also bind-mounted at
/// /run/netns/<name> (removed again by the destructor).
class NetworkNamespace {
 public:
  /// A fresh namespace with loopback up. `name` empty: anonymous.
  static NetworkNamespace create(const std::string& name = {});
  NetworkNamespace(NetworkNamespace&& other) noexcept;
  NetworkNamespace& operator=(NetworkNamespace&& other) noexcept;
  NetworkNamespace(const NetworkNamespace&) = delete;
  NetworkNamespace& operator=(const NetworkNamespace&) = delete;
  ~NetworkNamespace();

  [[nodiscard]] int fd() const { return fd_; }
  /// The /run/netns name (empty if anonymous).
  [[nodiscard]] const std::string& name() const { return name_; }

  /// Runs `f` with the calling thread inside this namespace, then returns to the previous one.
  template <typename F>
  auto run(F&& f) const;

 private:
  NetworkNamespace(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  void reset();
  int fd_ = -1;
  std::string name_;
};

/// Moves the calling thread into a namespace; back to the previous one when destroyed.
class ScopedNetns {
 public:
  explicit ScopedNetns(const NetworkNamespace& ns);
  ScopedNetns(const ScopedNetns&) = delete;
  ScopedNetns& operator=(const ScopedNetns&) = delete;
  ~ScopedNetns();

 private:
  int previous_ = -1;
};

/// A name unique to this process: prefix + pid + counter, cut to `max_length` (15 fits an
/// interface name).
std::string uniqueName(std::string_view prefix, std::size_t max_length = 15);

/// Creates the veth pair name_a (in namespace a) — name_b (in namespace b), sets the MTU if
/// given and brings both ends up.
void createVethPair(const NetworkNamespace& a, const std::string& name_a, const NetworkNamespace& b,
                    const std::string& name_b, std::optional<unsigned> mtu = std::nullopt);

/// Sets an interface of the calling thread's namespace up (SIOCSIFFLAGS).
void setInterfaceUp(const std::string& name);
/// The index of an interface of the calling thread's namespace.
int interfaceIndex(const std::string& name);
/// True if /run/netns/<name> exists.
bool namedNamespaceExists(const std::string& name);

/// Runs `body` in a forked child that first enters a fresh network namespace (lo up); returns
/// body's exit code, or 128 + signal if it died, or -1 if it ran longer than `timeout` (it is
/// then killed). For tests that must not affect the test process (namespaces, signals).
int runInChildNamespace(const std::function<int()>& body, std::chrono::milliseconds timeout);

/// gtest fixture: each test runs inside a fresh anonymous namespace with loopback up, and the
/// thread goes back to its original namespace at teardown. Skips unless root (fails instead
/// under DSMIP_NO_SKIP=1).
class NetnsTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  /// The test's namespace.
  [[nodiscard]] const NetworkNamespace& testNamespace() const { return *ns_; }

 private:
  std::optional<NetworkNamespace> ns_;
  std::optional<ScopedNetns> inside_;
};

template <typename F>
auto NetworkNamespace::run(F&& f) const {
  ScopedNetns inside(*this);
  return f();
}

}  // namespace dsmip::test
