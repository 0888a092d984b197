// The ceiling of bench/m6t/run.sh: a TUN <-> UDP forwarder with no logic at all. It creates a
// TUN device, sends every packet read from it in one UDP datagram to the peer, and writes
// every datagram's payload to the TUN device. The peer is fixed (client side) or the source of
// the last datagram received (gateway side). No checks, no states, no batching: what moving
// packets between a TUN device and a UDP socket costs on this machine.
//
//   forwarder TUN_NAME LISTEN_PORT [PEER_IPV4 PEER_PORT]
//
// Built by run.sh with the system compiler; not part of dsmip.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  if (argc != 3 && argc != 5) {
    std::fprintf(stderr, "usage: %s TUN_NAME LISTEN_PORT [PEER_IPV4 PEER_PORT]\n", argv[0]);
    return 2;
  }
  const int tun = ::open("/dev/net/tun", O_RDWR);
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::strncpy(ifr.ifr_name, argv[1], IFNAMSIZ - 1);
  if (tun < 0 || ::ioctl(tun, TUNSETIFF, &ifr) < 0) {
    std::perror("tun");
    return 1;
  }
  const int udp = ::socket(AF_INET, SOCK_DGRAM, 0);
  int buffer = 8 << 20;
  ::setsockopt(udp, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof(buffer));
  ::setsockopt(udp, SOL_SOCKET, SO_SNDBUFFORCE, &buffer, sizeof(buffer));
  int pmtu = IP_PMTUDISC_DONT;
  ::setsockopt(udp, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[2])));
  if (::bind(udp, reinterpret_cast<sockaddr*>(&local), sizeof(local)) < 0) {
    std::perror("bind");
    return 1;
  }
  sockaddr_in peer{};
  bool have_peer = false;
  if (argc == 5) {
    peer.sin_family = AF_INET;
    ::inet_pton(AF_INET, argv[3], &peer.sin_addr);
    peer.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[4])));
    have_peer = true;
  }
  static unsigned char packet[65536];
  pollfd fds[2] = {{tun, POLLIN, 0}, {udp, POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[0].revents & POLLIN) {
      const ssize_t n = ::read(tun, packet, sizeof(packet));
      if (n > 0 && have_peer) {
        ::sendto(udp, packet, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&peer),
                 sizeof(peer));
      }
    }
    if (fds[1].revents & POLLIN) {
      socklen_t length = sizeof(peer);
      sockaddr_in from{};
      const ssize_t n =
          ::recvfrom(udp, packet, sizeof(packet), 0, reinterpret_cast<sockaddr*>(&from), &length);
      if (n > 0) {
        if (argc == 3) {
          peer = from;
          have_peer = true;
        }
        (void)::write(tun, packet, static_cast<size_t>(n));
      }
    }
  }
}
