#pragma once
// Actions both DSMIPv4 cores ask their daemon to carry out, and the addressing of the datagrams
// they exchange on the Mobile IPv4 port (RFC 5944 §1.8, RFC 3519 §2). The per-core action
// variants are in home_agent.hpp and mobile_node.hpp.

#include <cstdint>
#include <string>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/log.hpp"

namespace dsmip::dsmip4 {

/// Where a received UDP datagram came from and where it was sent (the daemon learns the local
/// address with IP_PKTINFO: a request sent to a broadcast address is refused, RFC 5944 §3.8.2.1).
struct DatagramAddresses {
  Ipv4Endpoint source;
  Ipv4Endpoint destination;
  friend bool operator==(const DatagramAddresses&, const DatagramAddresses&) = default;
};

/// What a datagram carries, for the daemon's counters and logs.
enum class DatagramKind : std::uint8_t {
  RegistrationRequest,  // RFC 5944 §3.3
  RegistrationReply,    // RFC 5944 §3.4
  Keepalive,            // RFC 3519 §4.9: Tunnel Data carrying an ICMP Echo Request to the HA
};

/// Send `payload` as one UDP datagram from `source` to `destination`. The source port is the
/// daemon's registration socket (434 at the HA; the MN's care-of socket), which RFC 3519 §4.9
/// requires for tunnel data and keep-alives too.
struct SendDatagram {
  DatagramKind kind = DatagramKind::RegistrationRequest;
  Ipv4Endpoint source;
  Ipv4Endpoint destination;
  Bytes payload;
  friend bool operator==(const SendDatagram&, const SendDatagram&) = default;
};

/// A line for the daemon's log. Security exceptions (RFC 5944 §3.8.2.1, §5.7) are Warn.
struct LogEvent {
  LogLevel level = LogLevel::Info;
  std::string message;
  friend bool operator==(const LogEvent&, const LogEvent&) = default;
};

}  // namespace dsmip::dsmip4
