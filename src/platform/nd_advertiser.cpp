// Unsolicited Neighbor Advertisements through a raw ICMPv6 socket bound to the interface.
#include "platform/nd_advertiser.hpp"

#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

#include "platform/socket_options.hpp"

namespace dsmip::platform {

namespace {

constexpr std::uint8_t kTypeNeighbourAdvertisement = 136;  // RFC 4861 §4.4
constexpr std::uint8_t kFlagRouter = 0x80;
constexpr std::uint8_t kFlagOverride = 0x20;
constexpr std::uint8_t kOptionTargetLinkLayerAddress = 2;  // RFC 4861 §4.6.1
constexpr int kNdHopLimit = 255;                           // RFC 4861 §7.1.2

}  // namespace

Bytes unsolicitedNeighbourAdvertisement(const MacAddress& mac, const Ipv6Address& target,
                                        bool router) {
  Bytes out(32);
  ByteWriter w{out};
  w.u8(kTypeNeighbourAdvertisement);
  w.u8(0);   // code
  w.u16(0);  // checksum: the kernel computes it
  w.u8(static_cast<std::uint8_t>(kFlagOverride | (router ? kFlagRouter : 0)));  // S clear
  w.zeros(3);
  w.bytes(target.bytes);
  w.u8(kOptionTargetLinkLayerAddress);
  w.u8(1);  // length in units of 8 octets
  w.bytes(mac);
  return out;
}

Result<NeighbourAdvertiser> NeighbourAdvertiser::open(int ifindex) {
  UniqueFd fd{::socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6)};
  if (!fd) return osError("socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6)", errno);
  // Send-only: nothing the host receives is queued here.
  icmp6_filter filter{};
  ICMP6_FILTER_SETBLOCKALL(&filter);
  if (::setsockopt(fd.get(), IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter)) == -1) {
    return osError("setsockopt(ICMP6_FILTER)", errno);
  }
  ifreq request{};
  if (::if_indextoname(static_cast<unsigned>(ifindex), request.ifr_name) == nullptr) {
    return osError("if_indextoname", errno, "interface #" + std::to_string(ifindex));
  }
  if (Status s = bindToDevice(fd.get(), request.ifr_name); !s) return Unexpected{s.error()};
  const int hops = kNdHopLimit;
  if (::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) == -1) {
    return osError("setsockopt(IPV6_MULTICAST_HOPS)", errno);
  }
  const unsigned index = static_cast<unsigned>(ifindex);
  if (::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof(index)) == -1) {
    return osError("setsockopt(IPV6_MULTICAST_IF)", errno);
  }
  if (::ioctl(fd.get(), SIOCGIFHWADDR, &request) == -1) {
    return osError("ioctl(SIOCGIFHWADDR)", errno, request.ifr_name);
  }
  if (request.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
    return makeError(
        ErrorCode::Unsupported,
        std::string("neighbour advertisements need an Ethernet interface: ") + request.ifr_name);
  }
  MacAddress mac{};
  std::memcpy(mac.data(), request.ifr_hwaddr.sa_data, mac.size());
  return NeighbourAdvertiser(std::move(fd), ifindex, mac);
}

Status NeighbourAdvertiser::announce(const Ipv6Address& target, bool router) {
  const Bytes message = unsolicitedNeighbourAdvertisement(mac_, target, router);
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  to.sin6_addr.s6_addr[0] = 0xff;  // ff02::1, all-nodes (RFC 4291 §2.7.1)
  to.sin6_addr.s6_addr[1] = 0x02;
  to.sin6_addr.s6_addr[15] = 0x01;
  to.sin6_scope_id = static_cast<std::uint32_t>(ifindex_);
  const auto sent = retryOnEintr([&] {
    return ::sendto(fd_.get(), message.data(), message.size(), 0,
                    reinterpret_cast<const sockaddr*>(&to),  // NOLINT: sockaddr API
                    sizeof(to));
  });
  if (sent == -1) {
    return osError("sendto(neighbour advertisement)", errno,
                   "interface #" + std::to_string(ifindex_));
  }
  return {};
}

}  // namespace dsmip::platform
