#pragma once
// rtnetlink sockets: Netlink makes synchronous requests (configure and query links, addresses,
// routes, proxy neighbours, rules; each request waits for the kernel's acknowledgement and maps
// a refusal to its errno, e.g. EEXIST, ESRCH, ENODEV), and NetlinkMonitor delivers the kernel's
// change notifications through the EventLoop. Nothing here runs `ip`.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "platform/event_loop.hpp"
#include "platform/fd.hpp"
#include "platform/netlink_message.hpp"

namespace dsmip::platform {

/// A synchronous rtnetlink socket (NETLINK_ROUTE) bound to the network namespace the calling
/// thread is in when it is opened. Each call sends one request and reads until the kernel
/// acknowledges it or reports an error; errors carry the errno and, where the kernel supplies
/// one, its extended-ack message in Error::detail. Not thread-safe; cheap to keep open.
class Netlink {
 public:
  [[nodiscard]] static Result<Netlink> open();
  Netlink(Netlink&&) noexcept = default;
  Netlink& operator=(Netlink&&) noexcept = default;

  [[nodiscard]] int fd() const { return fd_.get(); }

  // --- links -------------------------------------------------------------------------
  /// The index of the interface `name`; ENODEV if there is none.
  [[nodiscard]] Result<int> linkIndex(std::string_view name);
  /// One interface by index; ENODEV if there is none.
  [[nodiscard]] Result<LinkInfo> link(int ifindex);
  /// One interface by name; ENODEV if there is none.
  [[nodiscard]] Result<LinkInfo> link(std::string_view name);
  /// Every interface.
  [[nodiscard]] Result<std::vector<LinkInfo>> links();
  /// Sets the interface administratively up or down.
  [[nodiscard]] Status setLinkUp(int ifindex, bool up);
  /// Sets the interface MTU (IPv6 needs at least 1280 or it is disabled on the interface).
  [[nodiscard]] Status setLinkMtu(int ifindex, std::uint32_t mtu);

  // --- addresses ---------------------------------------------------------------------
  /// Adds `address` (with its prefix length) to the interface. EEXIST if present.
  /// IPv6: the kernel completes the addition asynchronously — even with IFA_F_NODAD a work
  /// item clears "tentative" and installs the local route a moment after the acknowledgement
  /// (and only once the interface is up). Call waitForLocalAddress() before relying on
  /// packets to the address being delivered locally.
  [[nodiscard]] Status addAddress(int ifindex, const IpPrefix& address,
                                  const AddressOptions& options = {});
  /// Waits (polling, at most `timeout`) until the kernel delivers packets for `address`
  /// locally (a route lookup yields a local route). ETIMEDOUT otherwise.
  [[nodiscard]] Status waitForLocalAddress(const IpAddress& address,
                                           Duration timeout = std::chrono::seconds(2));
  /// Removes an address. EADDRNOTAVAIL if it is not there.
  [[nodiscard]] Status deleteAddress(int ifindex, const IpPrefix& address);
  /// Addresses of one interface (or all) of one family (or both).
  [[nodiscard]] Result<std::vector<InterfaceAddress>> addresses(
      std::optional<int> ifindex = std::nullopt, std::optional<IpFamily> family = std::nullopt);

  // --- routes ------------------------------------------------------------------------
  /// Adds a route; WriteMode::Replace replaces a route with the same key (destination, table,
  /// metric, and for IPv4 also TOS) instead of failing with EEXIST.
  [[nodiscard]] Status addRoute(const Route& route, WriteMode mode = WriteMode::Create);
  /// Deletes the route matching the given fields (ifindex, gateway, metric and protocol when
  /// set). ESRCH if there is none.
  [[nodiscard]] Status deleteRoute(const Route& route);
  /// Routes of one family in one table (nullopt: all tables).
  [[nodiscard]] Result<std::vector<Route>> routes(IpFamily family,
                                                  std::optional<std::uint32_t> table = kMainTable);
  /// The unicast default route with the lowest metric in `table`; nullopt if there is none.
  [[nodiscard]] Result<std::optional<Route>> defaultRoute(IpFamily family,
                                                          std::uint32_t table = kMainTable);
  /// What the kernel would do with a packet to `destination` (from `source`, which selects
  /// policy rules): output interface, gateway, and the source address it would choose
  /// (preferred_source). ENETUNREACH / EHOSTUNREACH if unroutable.
  [[nodiscard]] Result<Route> lookupRoute(const IpAddress& destination,
                                          const std::optional<IpAddress>& source = std::nullopt);

  // --- proxy neighbours --------------------------------------------------------------
  /// Adds (or refreshes) a proxy ARP / proxy ND entry.
  [[nodiscard]] Status addProxyNeighbour(const ProxyNeighbour& entry);
  /// Removes one. ENOENT if it is not there.
  [[nodiscard]] Status deleteProxyNeighbour(const ProxyNeighbour& entry);
  [[nodiscard]] Result<std::vector<ProxyNeighbour>> proxyNeighbours(
      std::optional<IpFamily> family = std::nullopt);

  // --- policy rules ------------------------------------------------------------------
  /// Adds a rule. EEXIST if an identical rule exists.
  [[nodiscard]] Status addRule(const Rule& rule);
  /// Deletes the rule matching the given selectors, table and priority. ENOENT if none.
  [[nodiscard]] Status deleteRule(const Rule& rule);
  [[nodiscard]] Result<std::vector<Rule>> rules(IpFamily family);

 private:
  using MessageHandler = std::function<void(ByteView message)>;
  Netlink(UniqueFd fd, std::uint32_t port_id, std::unique_ptr<std::uint8_t[]> buffer)
      : fd_(std::move(fd)), port_id_(port_id), buffer_(std::move(buffer)) {}
  // Sends one request and reads until its acknowledgement (or NLMSG_DONE for a dump),
  // handing every reply message to `on_message`. A dump the kernel marks interrupted
  // (NLM_F_DUMP_INTR) is repeated after `on_restart` discarded what was gathered.
  [[nodiscard]] Status transact(Result<Bytes> request, std::string_view what,
                                const std::string& context, const MessageHandler& on_message,
                                const std::function<void()>& on_restart = {});
  [[nodiscard]] Status transactOnce(Bytes& request, std::string_view what,
                                    const std::string& context, const MessageHandler& on_message,
                                    bool& interrupted);
  [[nodiscard]] std::uint32_t nextSeq() { return ++seq_; }

  UniqueFd fd_;
  std::uint32_t port_id_ = 0;
  std::uint32_t seq_ = 0;
  std::unique_ptr<std::uint8_t[]> buffer_;  // receive buffer, kReceiveBufferSize bytes
};

/// A change the kernel announced.
struct LinkEvent {
  bool removed = false;  // RTM_DELLINK; otherwise RTM_NEWLINK (created or changed)
  LinkInfo link;
};
struct AddressEvent {
  bool removed = false;  // RTM_DELADDR; otherwise RTM_NEWADDR
  InterfaceAddress address;
};
struct RouteEvent {
  bool removed = false;  // RTM_DELROUTE; otherwise RTM_NEWROUTE
  Route route;
};
/// The kernel dropped notifications (socket receive buffer overrun, ENOBUFS): state learnt
/// from events may be stale; re-read what matters with Netlink dumps.
struct ResyncNeeded {};
using NetlinkEvent = std::variant<LinkEvent, AddressEvent, RouteEvent, ResyncNeeded>;

/// Which notification groups a monitor joins.
struct MonitorOptions {
  bool links = true;
  bool ipv4_addresses = true;
  bool ipv6_addresses = true;
  bool ipv4_routes = true;
  bool ipv6_routes = true;
  /// SO_RCVBUF(FORCE) size; large so that a burst of route changes does not overrun.
  int receive_buffer_bytes = 4 << 20;
};

/// Kernel notifications, read by the EventLoop when the socket is readable and delivered
/// parsed to a callback. The callback must not destroy the monitor.
class NetlinkMonitor {
 public:
  using Callback = std::function<void(const NetlinkEvent& event)>;

  [[nodiscard]] static Result<std::unique_ptr<NetlinkMonitor>> create(
      EventLoop& loop, Callback callback, const MonitorOptions& options = {});
  ~NetlinkMonitor();
  NetlinkMonitor(const NetlinkMonitor&) = delete;
  NetlinkMonitor& operator=(const NetlinkMonitor&) = delete;

  [[nodiscard]] int fd() const { return fd_.get(); }
  /// Reads and delivers what is pending (called by the loop; tests may call it directly).
  /// Returns the number of events delivered.
  [[nodiscard]] Result<std::size_t> drain();
  /// How many overruns (ENOBUFS) were reported as ResyncNeeded.
  [[nodiscard]] std::uint64_t overruns() const { return overruns_; }
  /// Messages that could not be parsed (should stay 0).
  [[nodiscard]] std::uint64_t malformed() const { return malformed_; }

 private:
  NetlinkMonitor(UniqueFd fd, Callback callback);
  UniqueFd fd_;
  Callback callback_;
  FdWatch watch_;
  std::unique_ptr<std::uint8_t[]> buffer_;
  std::uint64_t overruns_ = 0;
  std::uint64_t malformed_ = 0;
};

}  // namespace dsmip::platform
