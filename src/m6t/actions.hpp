#pragma once
// What the m6t cores ask the daemon to do. Control-plane events (attachments, timers, ICMPv4)
// return `Actions`; the per-packet paths return a small verdict instead (gateway.hpp,
// client.hpp) so that forwarding never allocates: the packet buffer the core was given is
// modified in place and the verdict says where it goes.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/log.hpp"

namespace dsmip::m6t {

/// Sends `payload` (a whole IPv6 packet) in one UDP datagram from socket `socket` (the
/// gateway's listening socket index, or the client's socket generation) to `to`.
struct SendDatagram {
  std::uint32_t socket = 0;
  Ipv4Endpoint to;
  Bytes payload;
  friend bool operator==(const SendDatagram&, const SendDatagram&) = default;
};

/// Adds `address`/128 to the tunnel interface (no duplicate address detection).
struct AddAddress {
  Ipv6Address address;
  friend bool operator==(const AddAddress&, const AddAddress&) = default;
};

/// Removes `address`/128 from the tunnel interface.
struct RemoveAddress {
  Ipv6Address address;
  friend bool operator==(const RemoveAddress&, const RemoveAddress&) = default;
};

/// Installs (or replaces) a route to `destination` through the tunnel interface.
struct InstallRoute {
  Ipv6Prefix destination;
  friend bool operator==(const InstallRoute&, const InstallRoute&) = default;
};

/// Removes the route to `destination` through the tunnel interface.
struct RemoveRoute {
  Ipv6Prefix destination;
  friend bool operator==(const RemoveRoute&, const RemoveRoute&) = default;
};

/// Opens a fresh UDP socket connected to `remote`, bound to `local` (port 0: the kernel picks
/// one), outer DF bit clear; it replaces the previous socket, which is closed. Its datagrams
/// are reported with `generation`.
struct OpenSocket {
  std::uint32_t generation = 0;
  Ipv4Address local;
  Ipv4Endpoint remote;
  friend bool operator==(const OpenSocket&, const OpenSocket&) = default;
};

/// Closes the current UDP socket.
struct CloseSocket {
  std::uint32_t generation = 0;
  friend bool operator==(const CloseSocket&, const CloseSocket&) = default;
};

/// Sets the tunnel interface MTU.
struct SetTunMtu {
  std::uint32_t mtu = 0;
  friend bool operator==(const SetTunMtu&, const SetTunMtu&) = default;
};

/// A line for the log: what happened and to which addresses.
struct LogEvent {
  LogLevel level = LogLevel::Info;
  std::string message;
  friend bool operator==(const LogEvent&, const LogEvent&) = default;
};

/// Where a packet handed to a core's data path (onDatagram, onTunPacket) goes now; the core
/// changed it in place.
enum class Disposition : std::uint8_t {
  Drop,          // discard it (the verdict says why)
  Consumed,      // the core used it (a keep-alive reply): nothing to send
  WriteTun,      // write it to the TUN device
  SendDatagram,  // send it as one UDP datagram (the verdict names the socket and peer)
  SendIcmpv6,    // it is now an ICMPv6 error message without IPv6 header: send it to the
                 // verdict's icmp_destination through a raw ICMPv6 socket (the kernel picks the
                 // source address and rewrites the checksum)
};

using Action = std::variant<SendDatagram, AddAddress, RemoveAddress, InstallRoute, RemoveRoute,
                            OpenSocket, CloseSocket, SetTunMtu, LogEvent>;
using Actions = std::vector<Action>;

}  // namespace dsmip::m6t
