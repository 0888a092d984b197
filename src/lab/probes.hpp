#pragma once
// The lab's own traffic and measurements (Linux side): ICMP echo streams at a fixed rate, a
// paced TCP stream with a receiver that timestamps every read, a sniffer of the mobile node's
// visited interfaces, and the mobile node's attachment (bringing a visited link up with its
// address and default route, as DHCP or SLAAC would, or down). Sockets are opened inside the
// node's namespace and then served from the one event loop. Everything is written into the
// scenario's record (lab/record.hpp); the records must not move while probes point into them.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "lab/plan.hpp"
#include "lab/record.hpp"
#include "lab/system.hpp"
#include "platform/address.hpp"
#include "platform/event_loop.hpp"
#include "platform/fd.hpp"
#include "platform/netlink.hpp"
#include "platform/packet_socket.hpp"

namespace dsmip::lab {

/// Payload octets of the echo requests (after the ICMP header). The probe streams' IP sizes
/// are AnalysisSettings::probe_size_ipv6/ipv4 (260 and 540) so that their encapsulated size is
/// recognised on the wire; the native stream uses the classic 56.
inline constexpr std::size_t kProbePayloadIpv6 = 260 - 40 - 8;
inline constexpr std::size_t kProbePayloadIpv4 = 540 - 20 - 8;
inline constexpr std::size_t kNativePayload = 56;

/// Echo requests from one namespace to a target that may change (the MN's address).
class EchoProbe {
 public:
  /// Opens a raw ICMP (or ICMPv6) socket inside `ns`, bound to `source` if given, and to the
  /// interface `device` if not empty (its requests then take that interface's routes, not a
  /// mobility daemon's routes into its TUN).
  [[nodiscard]] static Result<std::unique_ptr<EchoProbe>> open(
      platform::EventLoop& loop, const Namespace& ns, Family family, std::uint16_t identifier,
      std::size_t payload, EchoStreamRecord* record,
      const std::optional<platform::IpAddress>& source = std::nullopt,
      const std::string& device = {});
  EchoProbe(const EchoProbe&) = delete;
  EchoProbe& operator=(const EchoProbe&) = delete;
  ~EchoProbe();

  void setTarget(const std::optional<platform::IpAddress>& target) { target_ = target; }
  [[nodiscard]] const std::optional<platform::IpAddress>& target() const { return target_; }
  /// Sends the next request (recorded, also when the kernel refuses it). No target: nothing.
  void send(TimePoint now);

 private:
  EchoProbe(Family family, std::uint16_t identifier, std::size_t payload, EchoStreamRecord* record,
            platform::UniqueFd fd)
      : family_(family),
        identifier_(identifier),
        payload_(payload),
        record_(record),
        fd_(std::move(fd)) {}
  void onReadable();

  Family family_;
  std::uint16_t identifier_;
  std::size_t payload_;
  EchoStreamRecord* record_;
  platform::UniqueFd fd_;
  platform::FdWatch watch_;
  std::optional<platform::IpAddress> target_;
};

/// The receiving end of the TCP streams, in the mobile node: one listener per family; the
/// newest connection of a family replaces the older ones.
class TcpSink {
 public:
  /// Listens on `port` of every address of `ns` for each family whose record is given.
  [[nodiscard]] static Result<std::unique_ptr<TcpSink>> open(platform::EventLoop& loop,
                                                             const Namespace& ns,
                                                             std::uint16_t port,
                                                             TcpStreamRecord* ipv6,
                                                             TcpStreamRecord* ipv4);
  TcpSink(const TcpSink&) = delete;
  TcpSink& operator=(const TcpSink&) = delete;
  ~TcpSink();

 private:
  struct Listener {
    platform::UniqueFd fd;
    platform::FdWatch watch;
    TcpStreamRecord* record = nullptr;
  };
  struct Connection {
    platform::UniqueFd fd;
    platform::FdWatch watch;
    TcpStreamRecord* record = nullptr;
  };
  TcpSink(platform::EventLoop& loop) : loop_(loop) {}
  void onAccept(Listener& listener);
  void onData(int fd);

  platform::EventLoop& loop_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<std::unique_ptr<Connection>> connections_;
};

/// The sending end, in the correspondent: connects to the MN's current address and writes at a
/// fixed rate; reconnects when the target changes or the connection fails.
class TcpSender {
 public:
  TcpSender(platform::EventLoop& loop, const Namespace& ns, Family family, std::uint16_t port,
            double bytes_per_second, TcpStreamRecord* record);
  TcpSender(const TcpSender&) = delete;
  TcpSender& operator=(const TcpSender&) = delete;
  ~TcpSender();

  void setTarget(const std::optional<platform::IpAddress>& target);
  /// Stops writing (the socket stays open) or resumes.
  void setPaused(bool paused);
  /// Called every few milliseconds: connects if needed, writes what the rate allows.
  void tick(TimePoint now);
  [[nodiscard]] bool connected() const { return state_ == State::Connected; }

 private:
  enum class State : std::uint8_t { Idle, Connecting, Connected };
  void close(TimePoint now);
  void startConnect(TimePoint now);
  void onEvents(platform::IoEvents events);

  platform::EventLoop& loop_;
  const Namespace& ns_;
  Family family_;
  std::uint16_t port_;
  double bytes_per_second_;
  TcpStreamRecord* record_;
  std::optional<platform::IpAddress> target_;
  platform::UniqueFd fd_;
  platform::FdWatch watch_;
  State state_ = State::Idle;
  bool paused_ = false;
  TimePoint connect_started_{};
  TimePoint retry_at_{};
  std::optional<TimePoint> last_tick_;
  double allowance_ = 0;
};

/// Packets on the mobile node's visited interfaces (both directions), appended to the current
/// attachment's record.
class Sniffer {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Sniffer>> open(
      platform::EventLoop& loop, const Namespace& mn, const std::vector<std::string>& interfaces);
  Sniffer(const Sniffer&) = delete;
  Sniffer& operator=(const Sniffer&) = delete;
  ~Sniffer();

  /// Where packets of `interface` go from now on (nullptr: nowhere).
  void record(const std::string& interface, AttachmentRecord* attachment);

 private:
  struct Tap {
    std::string interface;
    platform::PacketSocket socket;
    platform::FdWatch watch;
  };
  Sniffer() = default;
  void onReadable(Tap& tap);

  std::vector<std::unique_ptr<Tap>> taps_;
  std::string interface_;
  AttachmentRecord* attachment_ = nullptr;
  std::vector<PacketBuffer> buffers_;
  std::vector<platform::CapturedPacketInfo> meta_;
};

/// True for packets that are the link's own business (ARP, neighbour discovery, MLD, IGMP,
/// multicast and link-local traffic), not the mobility mechanism's. `packet` starts at the IP
/// header; `ether_type` is the link-layer protocol.
bool isLinkChatter(ByteView packet, std::uint16_t ether_type);

/// The mobile node's links, driven through rtnetlink inside its namespace.
class MobileNodeLinks {
 public:
  [[nodiscard]] static Result<MobileNodeLinks> open(const Namespace& mn);
  /// Brings the network's link up with the MN's address and a default route via its router.
  [[nodiscard]] Status attach(const VisitedNetwork& network);
  /// Removes the MN's addresses there and brings the link down.
  [[nodiscard]] Status detach(const VisitedNetwork& network);

 private:
  explicit MobileNodeLinks(platform::Netlink netlink) : netlink_(std::move(netlink)) {}
  platform::Netlink netlink_;
};

}  // namespace dsmip::lab
