// Gratuitous ARP through an AF_PACKET datagram socket (the kernel adds the Ethernet header).
#include "platform/arp_sender.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>

namespace dsmip::platform {

namespace {

constexpr std::uint16_t kHardwareEthernet = 1;   // RFC 826 ar$hrd
constexpr std::uint16_t kProtocolIpv4 = 0x0800;  // ar$pro
constexpr std::uint16_t kOperationRequest = 1;   // ar$op

}  // namespace

Bytes gratuitousArpPacket(const MacAddress& sender, const Ipv4Address& address) {
  Bytes out(28);
  ByteWriter w{out};
  w.u16(kHardwareEthernet);
  w.u16(kProtocolIpv4);
  w.u8(6);  // hardware address length
  w.u8(4);  // protocol address length
  w.u16(kOperationRequest);
  w.bytes(sender);
  w.bytes(address.bytes);
  w.zeros(6);  // target hardware address: unknown in a request (RFC 5227 §2.3)
  w.bytes(address.bytes);
  return out;
}

Result<ArpSender> ArpSender::open(int ifindex) {
  UniqueFd fd{::socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (!fd) return osError("socket(AF_PACKET)", errno);
  ifreq request{};
  if (::if_indextoname(static_cast<unsigned>(ifindex), request.ifr_name) == nullptr) {
    return osError("if_indextoname", errno, "interface #" + std::to_string(ifindex));
  }
  if (::ioctl(fd.get(), SIOCGIFHWADDR, &request) == -1) {
    return osError("ioctl(SIOCGIFHWADDR)", errno, request.ifr_name);
  }
  if (request.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
    return makeError(
        ErrorCode::Unsupported,
        std::string("gratuitous ARP needs an Ethernet interface: ") + request.ifr_name);
  }
  MacAddress mac{};
  std::memcpy(mac.data(), request.ifr_hwaddr.sa_data, mac.size());
  return ArpSender(std::move(fd), ifindex, mac);
}

Status ArpSender::announce(const Ipv4Address& address) {
  const Bytes packet = gratuitousArpPacket(mac_, address);
  sockaddr_ll destination{};
  destination.sll_family = AF_PACKET;
  destination.sll_protocol = htons(ETH_P_ARP);
  destination.sll_ifindex = ifindex_;
  destination.sll_halen = 6;
  std::memset(destination.sll_addr, 0xFF, 6);  // broadcast
  const auto sent = retryOnEintr([&] {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): sockaddr API
    return ::sendto(fd_.get(), packet.data(), packet.size(), 0,
                    reinterpret_cast<const sockaddr*>(&destination), sizeof(destination));
  });
  if (sent == -1) return osError("sendto(ARP)", errno, "interface #" + std::to_string(ifindex_));
  return {};
}

}  // namespace dsmip::platform
