// Raw ICMP sockets: an ICMPv6 sender with kernel-chosen source, an ICMPv4 listener filtered to
// fragmentation-needed messages.
#include "platform/icmp_socket.hpp"

#include <linux/filter.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <vector>

#include "platform/bpf.hpp"
#include "platform/socket_options.hpp"

namespace dsmip::platform {

Result<Icmpv6Sender> Icmpv6Sender::open() {
  UniqueFd fd{::socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6)};
  if (!fd) return osError("socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6)", errno);
  // Send-only: block every type so that the socket never queues what the host receives.
  icmp6_filter filter{};
  ICMP6_FILTER_SETBLOCKALL(&filter);
  if (::setsockopt(fd.get(), IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter)) == -1) {
    return osError("setsockopt(ICMP6_FILTER)", errno);
  }
  setSocketBuffers(fd.get(), 256 << 10, false, true);
  return Icmpv6Sender(std::move(fd));
}

Status Icmpv6Sender::send(const Ipv6Address& destination, ByteView message) {
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  std::memcpy(&to.sin6_addr, destination.bytes.data(), 16);
  const auto sent = retryOnEintr([&] {
    return ::sendto(fd_.get(), message.data(), message.size(), 0,
                    reinterpret_cast<const sockaddr*>(&to),  // NOLINT: sockaddr API
                    sizeof(to));
  });
  if (sent == -1) return osError("sendto(ICMPv6)", errno, destination.toString());
  return {};
}

Result<Icmpv4Listener> Icmpv4Listener::open() {
  UniqueFd fd{::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP)};
  if (!fd) return osError("socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)", errno);
  // A raw AF_INET socket's filter sees the packet from the IPv4 header: version/IHL 0x45,
  // protocol ICMP, type 3 (destination unreachable), code 4 (fragmentation needed).
  auto program = BpfFilterBuilder{}
                     .byteEquals(0, 0x45)
                     .ipv4Protocol(1)
                     .byteEquals(20, 3)
                     .byteEquals(21, 4)
                     .build();
  if (!program) return Unexpected{program.error()};
  std::vector<sock_filter> code(program->size());
  for (std::size_t i = 0; i < program->size(); ++i) {
    const BpfInstruction& in = (*program)[i];
    code[i] = sock_filter{in.code, in.jt, in.jf, in.k};
  }
  sock_fprog fprog{};
  fprog.len = static_cast<unsigned short>(code.size());
  fprog.filter = code.data();
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) == -1) {
    return osError("setsockopt(SO_ATTACH_FILTER)", errno);
  }
  return Icmpv4Listener(std::move(fd));
}

Result<bool> Icmpv4Listener::receive(PacketBuffer& buffer) {
  buffer.reset();
  const MutableByteView space = buffer.tailSpace();
  const auto n = retryOnEintr([&] { return ::recv(fd_.get(), space.data(), space.size(), 0); });
  if (n == -1) {
    if (isWouldBlock(errno)) return false;
    return osError("recv(ICMPv4)", errno);
  }
  if (!buffer.resize(static_cast<std::size_t>(n))) return false;
  return true;
}

}  // namespace dsmip::platform
