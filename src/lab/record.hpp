#pragma once
// What a lab run records (pure data): every echo request of every probe stream and what became
// of it, every read of the TCP streams' receivers, the packets seen on the mobile node's
// visited interface, and the walk (when the MN moved where). lab/analysis.hpp computes
// everything the lab reports from these, after the fact or while the run goes on.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/time.hpp"
#include "lab/plan.hpp"

namespace dsmip::lab {

/// Which way a probe stream goes: started by the correspondent (its requests reach the MN's
/// home address) or by the mobile node (from its home address).
enum class Direction : std::uint8_t { PeerToMn, MnToPeer };
std::string_view directionName(Direction direction);  // "peer-to-mn", "mn-to-peer"

/// One echo request and its fate.
struct EchoSample {
  std::uint64_t sequence = 0;
  TimePoint sent{};
  std::optional<TimePoint> replied;
  bool send_failed = false;  // the kernel refused it (no route or no address at that moment)
};

/// A stream of echo requests at a fixed interval.
struct EchoStreamRecord {
  std::string name;  // "ping6 peer→mn"
  Family family = Family::Ipv6;
  Direction direction = Direction::PeerToMn;
  Duration interval{};
  std::vector<EchoSample> samples;  // in sending order
};

/// One read() of a TCP stream's receiver.
struct TcpRead {
  TimePoint at{};
  std::uint64_t bytes = 0;
};

/// A paced TCP stream from the correspondent to the mobile node.
struct TcpStreamRecord {
  std::string name;  // "tcp6 peer→mn"
  Family family = Family::Ipv6;
  std::vector<TcpRead> reads;
  std::vector<TimePoint> connections;  // when each connection was accepted (>1: one broke)
  std::uint64_t bytes_sent = 0;
};

/// A packet seen on the mobile node's visited interface (its IP length).
struct WirePacket {
  TimePoint at{};
  std::uint32_t length = 0;
  bool outgoing = false;
  bool link_chatter = false;  // ARP, neighbour discovery, MLD, IGMP: not the mechanism's
};

/// One stay of the MN in a visited network.
struct AttachmentRecord {
  std::string network;  // visited network id
  std::string network_title;
  Family network_family = Family::Ipv6;
  std::string mechanism;                // "m6t", "DSMIPv6 over UDP (NAT)", …
  std::string mechanism_detail;         // what the daemons showed ("NAT 198.18.10.2:40123")
  TimePoint moved{};                    // the lab switched links (the handover starts)
  std::optional<TimePoint> idle_begin;  // keep-alive measurement: probes paused
  std::optional<TimePoint> idle_end;
  std::optional<TimePoint> left;  // the next move, or the end of the walk (unset: still there)
  std::optional<std::uint64_t> signalling_messages;  // counter difference over the stay
  std::string mn_address_ipv6;                       // the probes' targets during the stay
  std::string mn_address_ipv4;
  std::vector<WirePacket> wire;
  EchoStreamRecord native;  // MN → correspondent directly over the visited network
};

/// The ESP stage of one DSMIPv6 daemon at the end of a scenario, from the "signalling_filter"
/// (and core "signalling_drops") of its `dsmip show --json`. Counters only: no key material.
struct EspRecord {
  std::string role;    // "ha", "mn"
  std::string filter;  // the signalling filter's name: "esp" (or "pass-through": no ESP)
  bool read = false;   // the daemon answered with its filter counters
  std::uint64_t outbound_protected = 0;
  std::uint64_t inbound_accepted = 0;
  /// Packets accepted on the inbound SAs the scenario watches: label → count
  /// ("binding-updates" → SA 0x1001's inbound packets on the home agent).
  std::vector<std::pair<std::string, std::uint64_t>> accepted;
  /// Of these labels, those that must be above zero (the BUs on the HA, the BAs on the MN).
  std::vector<std::string> required;
  /// Signalling the SPD says must be protected (BU/MPS from the home address, BA/MPA from the
  /// home agent) that arrived without ESP: the ESP stage's "inbound-drop:unprotected".
  std::uint64_t unprotected_drops = 0;
  /// Other unprotected packets to the daemon's address that the core discarded (require_esp):
  /// on the home agent, routers' ICMPv6 errors about packets tunnelled to a care-of address the
  /// MN has just left. Reported, not signalling of the MN's.
  std::uint64_t unprotected_other = 0;
  std::uint64_t icv_failures = 0;
  std::uint64_t replay_drops = 0;
  std::uint64_t inbound_drops = 0;  // every inbound-drop reason of the ESP stage
};

/// Everything one scenario recorded.
struct ScenarioRecord {
  std::string name;
  std::string title;
  TimePoint started{};
  TimePoint ended{};
  std::vector<AttachmentRecord> attachments;
  std::vector<EchoStreamRecord> echo;
  std::vector<TcpStreamRecord> tcp;
  std::vector<EspRecord> esp;      // the DSMIPv6 daemons' ESP counters at the end (if any)
  std::vector<std::string> notes;  // shown with the results
  std::string failure;             // non-empty: the scenario could not complete
};

}  // namespace dsmip::lab
