#pragma once
// A NAPT model for UDP over IPv4 (RFC 4787 behaviour: endpoint-independent mapping, a mapping
// idle timeout refreshed by outbound traffic, no hairpinning). Other IPv4 protocols (41, 4)
// are dropped, as typical home NATs do. Packets are rewritten with the wire codecs, checksums
// recomputed. rebind() moves every mapping to a new external port (a NAT that lost its state
// and was refilled by traffic); flush() forgets them all.

#include <cstdint>
#include <map>
#include <optional>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/time.hpp"

namespace dsmip::sim {

class Nat {
 public:
  Nat(Ipv4Address public_address, Duration idle_timeout, std::uint16_t first_port = 40000)
      : public_(public_address), idle_timeout_(idle_timeout), next_port_(first_port) {}

  /// An IPv4 packet from inside going out: rewritten (source address and port), or nullopt when
  /// it cannot pass (not UDP, malformed).
  std::optional<Bytes> outbound(ByteView packet, TimePoint now);
  /// An IPv4 packet arriving at the public address: rewritten towards the inside, or nullopt
  /// when no live mapping matches.
  std::optional<Bytes> inbound(ByteView packet, TimePoint now);

  void rebind();
  void flush() { mappings_.clear(); }
  [[nodiscard]] const Ipv4Address& publicAddress() const { return public_; }
  [[nodiscard]] std::size_t mappings() const { return mappings_.size(); }
  [[nodiscard]] std::uint64_t dropped() const { return dropped_; }

 private:
  struct Mapping {
    std::uint16_t external_port = 0;
    TimePoint last_used{};
  };
  Ipv4Address public_;
  Duration idle_timeout_;
  std::uint16_t next_port_;
  std::map<Ipv4Endpoint, Mapping> mappings_;  // by internal endpoint
  std::uint64_t dropped_ = 0;
};

/// Rewrites the addresses and ports of an IPv4/UDP packet (checksums recomputed).
std::optional<Bytes> rewriteUdp(ByteView packet, const Ipv4Endpoint& source,
                                const Ipv4Endpoint& destination);

}  // namespace dsmip::sim
