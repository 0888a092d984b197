// Network namespace helpers for root tests.
#include "test_support/netns.hpp"

// <net/if.h> before <linux/…> headers that include <linux/if.h>.
#include <net/if.h>
//
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include "test_support/environment.hpp"

namespace dsmip::test {

namespace {

constexpr const char* kNetnsRunDir = "/run/netns";

[[noreturn]] void fail(const std::string& what, int err) {
  throw std::runtime_error(what + ": " + std::strerror(err));
}

int openCurrentNamespace() {
  const int fd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (fd == -1) fail("open /proc/thread-self/ns/net", errno);
  return fd;
}

void enterNamespace(int fd) {
  if (::setns(fd, CLONE_NEWNET) == -1) fail("setns(CLONE_NEWNET)", errno);
}

// Makes /run/netns a shared mount point, as `ip netns add` does, so that namespace mounts
// made here are seen by every mount namespace (and ip's own mounts by us).
void prepareRunDirectory() {
  if (::mkdir(kNetnsRunDir, 0755) == -1 && errno != EEXIST) fail("mkdir /run/netns", errno);
  if (::mount("", kNetnsRunDir, "none", MS_SHARED | MS_REC, nullptr) == 0) return;
  if (errno != EINVAL) fail("mount --make-shared /run/netns", errno);
  // Not a mount point yet: bind it onto itself, then make it shared.
  if (::mount(kNetnsRunDir, kNetnsRunDir, "none", MS_BIND | MS_REC, nullptr) == -1) {
    fail("mount --bind /run/netns", errno);
  }
  if (::mount("", kNetnsRunDir, "none", MS_SHARED | MS_REC, nullptr) == -1) {
    fail("mount --make-shared /run/netns", errno);
  }
}

// --- a minimal netlink request (RTM_NEWLINK for veth) -------------------------------------

class NetlinkMessage {
 public:
  NetlinkMessage(std::uint16_t type, std::uint16_t flags) {
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_flags = flags;
    h.nlmsg_seq = 1;
    append(&h, sizeof(h));
  }
  void append(const void* data, std::size_t size) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    bytes_.insert(bytes_.end(), p, p + size);
    bytes_.resize(NLMSG_ALIGN(bytes_.size()), 0);
  }
  void attribute(std::uint16_t type, const void* data, std::size_t size) {
    nlattr a{};
    a.nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + size);
    a.nla_type = type;
    bytes_.insert(bytes_.end(), reinterpret_cast<const std::uint8_t*>(&a),  // NOLINT
                  reinterpret_cast<const std::uint8_t*>(&a) + sizeof(a));   // NOLINT
    append(data, size);
  }
  void attributeString(std::uint16_t type, const std::string& s) {
    attribute(type, s.c_str(), s.size() + 1);
  }
  void attributeU32(std::uint16_t type, std::uint32_t v) { attribute(type, &v, sizeof(v)); }
  std::size_t beginNest(std::uint16_t type) {
    const std::size_t at = bytes_.size();
    attribute(type, nullptr, 0);
    return at;
  }
  void endNest(std::size_t at) {
    const auto len = static_cast<std::uint16_t>(bytes_.size() - at);
    std::memcpy(bytes_.data() + at, &len, sizeof(len));
  }
  std::vector<std::uint8_t>& finish() {
    const auto len = static_cast<std::uint32_t>(bytes_.size());
    std::memcpy(bytes_.data(), &len, sizeof(len));
    return bytes_;
  }

 private:
  std::vector<std::uint8_t> bytes_;
};

void netlinkRequest(std::vector<std::uint8_t>& request, const std::string& what) {
  const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd == -1) fail("socket(AF_NETLINK)", errno);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd, request.data(), request.size(), 0, reinterpret_cast<const sockaddr*>(&kernel),
               sizeof(kernel)) == -1) {  // NOLINT
    fail(what + ": sendto", errno);
  }
  alignas(nlmsghdr) std::uint8_t reply[8192];
  for (;;) {
    const ssize_t n = ::recv(fd, reply, sizeof(reply), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(what + ": recv", errno);
    }
    if (static_cast<std::size_t>(n) < sizeof(nlmsghdr) + sizeof(int)) {
      throw std::runtime_error(what + ": short netlink reply");
    }
    nlmsghdr h{};
    std::memcpy(&h, reply, sizeof(h));
    if (h.nlmsg_type != NLMSG_ERROR) continue;
    int error = 0;
    std::memcpy(&error, reply + NLMSG_HDRLEN, sizeof(error));
    if (error != 0) fail(what, -error);
    return;
  }
}

}  // namespace

// --- NetworkNamespace ---------------------------------------------------------------------

NetworkNamespace NetworkNamespace::create(const std::string& name) {
  const int original = openCurrentNamespace();
  int fd = -1;
  std::string mounted;
  try {
    if (::unshare(CLONE_NEWNET) == -1) fail("unshare(CLONE_NEWNET)", errno);
    fd = openCurrentNamespace();
    setInterfaceUp("lo");
    if (!name.empty()) {
      prepareRunDirectory();
      const std::string path = std::string(kNetnsRunDir) + "/" + name;
      const int file = ::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
      if (file == -1) fail("create " + path, errno);
      ::close(file);
      mounted = path;
      if (::mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) == -1) {
        fail("mount --bind netns " + path, errno);
      }
    }
    enterNamespace(original);
    ::close(original);
  } catch (...) {
    ::setns(original, CLONE_NEWNET);
    ::close(original);
    if (fd != -1) ::close(fd);
    if (!mounted.empty()) {
      ::umount2(mounted.c_str(), MNT_DETACH);
      ::unlink(mounted.c_str());
    }
    throw;
  }
  return NetworkNamespace(fd, name);
}

NetworkNamespace::NetworkNamespace(NetworkNamespace&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), name_(std::exchange(other.name_, {})) {}

NetworkNamespace& NetworkNamespace::operator=(NetworkNamespace&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = std::exchange(other.fd_, -1);
    name_ = std::exchange(other.name_, {});
  }
  return *this;
}

NetworkNamespace::~NetworkNamespace() { reset(); }

void NetworkNamespace::reset() {
  if (fd_ != -1) ::close(fd_);
  fd_ = -1;
  if (!name_.empty()) {
    const std::string path = std::string(kNetnsRunDir) + "/" + name_;
    ::umount2(path.c_str(), MNT_DETACH);
    ::unlink(path.c_str());
    name_.clear();
  }
}

ScopedNetns::ScopedNetns(const NetworkNamespace& ns) : previous_(openCurrentNamespace()) {
  try {
    enterNamespace(ns.fd());
  } catch (...) {
    ::close(previous_);
    throw;
  }
}

ScopedNetns::~ScopedNetns() {
  // Going back cannot fail for a namespace we were in; if it did, the thread would stay in a
  // test namespace, which is safe for the host.
  ::setns(previous_, CLONE_NEWNET);
  ::close(previous_);
}

// --- helpers --------------------------------------------------------------------------------

std::string uniqueName(std::string_view prefix, std::size_t max_length) {
  static std::atomic<unsigned> counter{0};
  std::string s(prefix);
  s += std::to_string(::getpid() % 100000);
  s += 'x';
  s += std::to_string(counter++ % 1000);
  if (s.size() > max_length) s.erase(0, s.size() - max_length);
  return s;
}

void setInterfaceUp(const std::string& name) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd == -1) fail("socket", errno);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  int err = 0;
  if (::ioctl(fd, SIOCGIFFLAGS, &ifr) == -1) {
    err = errno;
  } else {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (::ioctl(fd, SIOCSIFFLAGS, &ifr) == -1) err = errno;
  }
  ::close(fd);
  if (err != 0) fail("set " + name + " up", err);
}

int interfaceIndex(const std::string& name) {
  const unsigned index = ::if_nametoindex(name.c_str());
  if (index == 0) fail("if_nametoindex " + name, errno);
  return static_cast<int>(index);
}

bool namedNamespaceExists(const std::string& name) {
  struct stat st {};
  return ::stat((std::string(kNetnsRunDir) + "/" + name).c_str(), &st) == 0;
}

void createVethPair(const NetworkNamespace& a, const std::string& name_a, const NetworkNamespace& b,
                    const std::string& name_b, std::optional<unsigned> mtu) {
  NetlinkMessage m(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  ifinfomsg ifi{};
  m.append(&ifi, sizeof(ifi));
  m.attributeString(IFLA_IFNAME, name_a);
  m.attributeU32(IFLA_NET_NS_FD, static_cast<std::uint32_t>(a.fd()));
  if (mtu) m.attributeU32(IFLA_MTU, *mtu);
  const std::size_t linkinfo = m.beginNest(IFLA_LINKINFO);
  m.attributeString(IFLA_INFO_KIND, "veth");
  const std::size_t data = m.beginNest(IFLA_INFO_DATA);
  const std::size_t peer = m.beginNest(VETH_INFO_PEER);
  ifinfomsg peer_ifi{};
  m.append(&peer_ifi, sizeof(peer_ifi));
  m.attributeString(IFLA_IFNAME, name_b);
  m.attributeU32(IFLA_NET_NS_FD, static_cast<std::uint32_t>(b.fd()));
  if (mtu) m.attributeU32(IFLA_MTU, *mtu);
  m.endNest(peer);
  m.endNest(data);
  m.endNest(linkinfo);
  netlinkRequest(m.finish(), "create veth " + name_a + " / " + name_b);
  a.run([&] { setInterfaceUp(name_a); });
  b.run([&] { setInterfaceUp(name_b); });
}

int runInChildNamespace(const std::function<int()>& body, std::chrono::milliseconds timeout) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == -1) fail("fork", errno);
  if (pid == 0) {
    int code = 1;
    try {
      if (::unshare(CLONE_NEWNET) == -1) fail("unshare(CLONE_NEWNET)", errno);
      setInterfaceUp("lo");
      code = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
      code = 1;
    }
    std::fflush(nullptr);
    ::_exit(code);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    if (r == -1 && errno != EINTR) fail("waitpid", errno);
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// --- fixture --------------------------------------------------------------------------------

void NetnsTest::SetUp() {
  DSMIP_REQUIRE_ROOT();
  ns_.emplace(NetworkNamespace::create());
  inside_.emplace(*ns_);
}

void NetnsTest::TearDown() {
  inside_.reset();
  ns_.reset();
}

}  // namespace dsmip::test
