#include "daemon/mn_daemon.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <map>
#include <memory>
#include <vector>

#include "daemon/control.hpp"
#include "daemon/dsmip6_esp.hpp"
#include "daemon/dsmip6_payload.hpp"
#include "daemon/dsmip6_signalling.hpp"
#include "daemon/logging.hpp"
#include "daemon/mn_movement.hpp"
#include "daemon/mn_status.hpp"
#include "daemon/runtime.hpp"
#include "dsmip6/mobile_node.hpp"
#include "platform/bpf.hpp"
#include "platform/clock.hpp"
#include "platform/nd_advertiser.hpp"
#include "platform/nftables.hpp"
#include "platform/packet_socket.hpp"
#include "platform/random.hpp"
#include "platform/raw_socket.hpp"
#include "platform/resolver.hpp"
#include "platform/sysctl.hpp"
#include "platform/tun.hpp"
#include "platform/udp_socket.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv6.hpp"

namespace dsmip::daemon {

std::string parameterProblemDropRules() {
  // ICMPv6 header: pointer at bits 32-63; the invoking packet starts at octet 8: its Next
  // Header at octet 14 (43, routing), its routing header's Routing Type at octet 50 (2).
  return "  counter rh2-parameter-problems {}\n"
         "  chain output {\n"
         "    type filter hook output priority 0; policy accept;\n"
         "    icmpv6 type parameter-problem icmpv6 code 0 @th,32,32 42 @th,112,8 43 "
         "@th,400,8 2 counter name rh2-parameter-problems drop\n"
         "  }";
}

namespace {

namespace ip = wire::ip_protocol;

constexpr std::size_t kBatch = 64;
constexpr int kBatchesPerWakeup = 8;
constexpr int kSocketBuffer = 4 << 20;
constexpr std::size_t kEventKinds = 64;
// Netlink notifications come in bursts (a link, its addresses, its routes): look once settled.
constexpr Duration kSettle = std::chrono::milliseconds(20);
// Safety net besides the notifications.
constexpr Duration kPoll = std::chrono::seconds(5);
// RFC 4861 §7.2.6 / §10: at most MAX_NEIGHBOR_ADVERTISEMENT (3) unsolicited advertisements,
// RetransTimer (1 s) apart.
constexpr int kUnsolicitedAdvertisements = 3;
constexpr Duration kAdvertisementInterval = std::chrono::seconds(1);

std::uint32_t encapsulationOverhead(dsmip6::Encapsulation e) {
  switch (e) {
    case dsmip6::Encapsulation::Ipv6:
      return 40;
    case dsmip6::Encapsulation::Ipv4:
      return 20;
    case dsmip6::Encapsulation::Udp:
      return 28;
    case dsmip6::Encapsulation::UdpTlv:
      return 32;
    case dsmip6::Encapsulation::None:
      break;
  }
  return 0;
}

std::string packetSummary(ByteView packet) {
  const auto h = dsmip6::peekIpHeader(packet);
  if (!h) return fmt::format("{} octets, not IP", packet.size());
  if (h->version == 6) {
    return fmt::format("{} -> {} proto {}", h->source6.toString(), h->destination6.toString(),
                       h->protocol);
  }
  return fmt::format("{} -> {} proto {}", h->source4.toString(), h->destination4.toString(),
                     h->protocol);
}

// ::/0 and 0.0.0.0/0 become two halves: more specific than the visited default routes, which
// stay in place for the daemon's own (device-bound) traffic.
template <typename Prefix>
std::vector<Prefix> splitDefault(const Prefix& p) {
  if (p.length != 0) return {p};
  Prefix low = p;
  low.length = 1;
  Prefix high = low;
  high.address.bytes[0] = 0x80;
  return {low, high};
}

class MnDaemon {
 public:
  MnDaemon(const MnDaemonConfig& config, DaemonRuntime& runtime)
      : config_(config),
        runtime_(runtime),
        esp_(config.esp.configured()
                 ? std::make_unique<EspSignallingFilter>(random_, EspPeer::HomeAgent)
                 : nullptr),
        path_(esp_ ? static_cast<SignallingFilter&>(*esp_) : pass_),
        deadline_(runtime.loop(), [this](TimePoint now) { onTimer(now); }),
        filter_deadline_(runtime.loop(), [this](TimePoint now) { onFilterTimer(now); }),
        settle_(runtime.loop(), [this](TimePoint) { evaluate(false); }),
        stop_timer_(runtime.loop(),
                    [this](TimePoint) {
                      log::warn("de-registration did not finish within {}: stopping anyway",
                                formatDuration(config_.stop_timeout));
                      runtime_.requestStop();
                    }),
        announce_timer_(runtime.loop(), [this](TimePoint) { announceHomeAddresses(); }),
        drop_log_(dsmip6::kDropReasonCount),
        event_log_(kEventKinds, 5.0, 20.0) {
    tun_buffers_.resize(kBatch);
    rx_buffers_.resize(kBatch);
    udp_meta_.resize(kBatch);
    raw_meta_.resize(kBatch);
    capture_meta_.resize(kBatch);
    pending_.packets.reserve(kBatch);
  }

  Status start();
  void beginStop();
  void stop();
  std::string handleControl(std::string_view request);
  /// The Live keys of a reloaded configuration.
  void reconfigure(const MnDaemonConfig& fresh, const ConfigChanges& live) {
    applyLogLevel(live, fresh.log_level);
    if ((live.size() == 1 && changed(live, "log-level")) || !core_) return;
    const TimePoint now = platform::monotonicNow();
    execute(core_->reconfigure(fresh.core, now), now);
    afterCore();
  }

 private:
  // The sockets of one care-of address.
  struct Attachment {
    dsmip6::CareOfAddress care_of;
    std::string interface;
    int ifindex = 0;
    std::optional<platform::RawIpv6Sender> raw6;
    std::optional<platform::PacketSocket> capture;  // RH2 packets from the home agent
    platform::FdWatch capture_watch;
    std::optional<platform::UdpSocket> udp;
    platform::FdWatch udp_watch;
    std::optional<platform::RawIpv4Sender> raw4;
  };
  // Whole-packet senders waiting for a batch send.
  struct Pending {
    platform::RawIpv6Sender* raw6 = nullptr;
    platform::RawIpv4Sender* raw4 = nullptr;
    std::vector<ByteView> packets;
  };

  void evaluate(bool force);
  void resolveHomeAgent();
  void onTunReadable();
  void onUdpReadable(Attachment& a);
  void onCaptureReadable(Attachment& a);
  void onRawIpv6Readable(platform::RawIpv6Receiver& receiver, std::uint8_t protocol);
  void onMobilityReadable();
  void onRawIpv4Readable(platform::RawIpv4Receiver& receiver);
  void onTimer(TimePoint now);
  void onFilterTimer(TimePoint now);
  void execute(dsmip6::MobileNodeActions actions, TimePoint now);
  void apply(const dsmip6::PacketDecision& d, PacketBuffer& buffer, TimePoint now,
             bool decrypted = false);
  void payloadFromTunnel(PacketBuffer& buffer, const dsmip6::Transport& transport, TimePoint now);
  void onRawEspReadable();
  bool sendBindingUpdateBySpi(ByteView packet, TimePoint now);
  void signalling(PacketBuffer& packet, const dsmip6::Transport& transport, TimePoint now);
  void sendSignalling(const dsmip6::SendSignalling& send, TimePoint now);
  void queue(platform::RawIpv6Sender* raw6, platform::RawIpv4Sender* raw4, ByteView packet);
  void flush();
  void writeTun(ByteView packet);
  void logDrop(dsmip6::DropReason reason, ByteView packet, TimePoint now);
  Attachment* attachment(const dsmip6::CareOfAddress& care_of);
  Status openAttachment(Attachment& a);
  void pruneAttachments();
  void configureHomeAddress(const dsmip6::ConfigureHomeAddress& a);
  void configureIpv4HomeAddress(const dsmip6::ConfigureIpv4HomeAddress& a);
  void homeLinkAddress(const dsmip6::ConfigureHomeAddress& a, int ifindex);
  void announceHomeAddresses();
  void onHomeEspReadable();
  /// Puts back, in front of rx_buffers_[i], the IPv6 header a raw socket took off (from what it
  /// reported in raw_meta_[i]); false if the packet is to be skipped (truncated, not IPv6).
  bool withIpv6Header(std::size_t i, std::uint8_t next_header);
  void updateDataPaths();
  void updateRoutes();
  void systemError(std::string_view what, const Error& error);
  void afterCore() {
    deadline_.follow(core_->nextDeadline());
    filter_deadline_.follow(path_.filter().nextDeadline());
    if (stopping_ && core_->finished()) runtime_.requestStop();
  }

  const MnDaemonConfig& config_;
  DaemonRuntime& runtime_;
  platform::SystemRandom random_;
  std::optional<dsmip6::MobileNode> core_;
  // The IPsec stage: ESP when [[esp_sa]]/[[esp_policy]] are configured, else pass-through.
  std::unique_ptr<EspSignallingFilter> esp_;
  PassThroughFilter pass_;
  SequenceStore sequence_store_{config_.esp.state_directory, "mn"};
  SignallingPath path_;
  // Tunnel-mode ESP for payload (draft Req. #1), when a tunnel-mode SA is configured.
  std::optional<EspPayloadStage> payload_;
  std::optional<platform::RawIpv6Receiver> raw6_esp_;  // payload ESP to an IPv6 care-of address
  DeadlineTimer deadline_;
  // Time-driven work of the IPsec stage (SA lifetimes in seconds), with or without traffic.
  DeadlineTimer filter_deadline_;
  platform::Timer settle_;
  platform::Timer stop_timer_;
  // On the home link: the home addresses there, their unsolicited Neighbor Advertisements, and
  // (with ESP) a raw receiver for protocol 50 bound to the home link, since the kernel has no
  // ESP: the de-registration BA comes as IPv6 / ESP / MH to the home address.
  std::vector<Ipv6Address> home_link_addresses_;
  int home_link_ifindex_ = 0;
  std::optional<platform::NeighbourAdvertiser> advertiser_;
  platform::Timer announce_timer_;
  int announcements_left_ = 0;
  std::optional<platform::RawIpv6Receiver> home_esp_;
  platform::FdWatch home_esp_watch_;
  std::uint64_t neighbour_advertisements_ = 0;
  std::uint64_t home_esp_received_ = 0;
  std::optional<platform::TunDevice> tun_;
  std::uint32_t tun_mtu_ = 0;
  std::uint16_t local_port_ = 0;
  std::unique_ptr<platform::NetlinkMonitor> monitor_;
  std::unique_ptr<platform::Resolver> resolver_;
  std::optional<platform::RawIpv6Receiver> raw6_41_;
  std::optional<platform::RawIpv6Receiver> raw6_4_;
  std::optional<platform::RawIpv6Receiver> raw6_mh_;
  std::optional<platform::RawIpv4Receiver> raw4_41_;
  std::optional<platform::RawIpv4Receiver> raw4_4_;
  std::optional<platform::RawIpv6Sender> raw6_any_;  // signalling from home (no care-of)
  platform::NftTable nft_;
  std::vector<platform::FdWatch> watches_;
  std::vector<std::unique_ptr<Attachment>> attachments_;
  LinkState link_state_;
  std::vector<dsmip6::CareOfCandidate> candidates_;
  std::map<Ipv6Address, dsmip6::DataPath> paths_;
  std::optional<Ipv4Address> ipv4_home_address_;
  std::vector<platform::Route> routes_;
  std::vector<PacketBuffer> tun_buffers_;
  std::vector<PacketBuffer> rx_buffers_;
  std::vector<platform::ReceivedDatagram> udp_meta_;
  std::vector<platform::RawPacketInfo> raw_meta_;
  std::vector<platform::CapturedPacketInfo> capture_meta_;
  Pending pending_;
  PacketBuffer scratch_;
  std::uint16_t identification_ = 0;
  bool stopping_ = false;
  DropLog drop_log_;
  DropLog event_log_;
  std::uint64_t tun_write_errors_ = 0;
  std::uint64_t send_errors_ = 0;
  std::uint64_t send_would_block_ = 0;
  std::uint64_t no_socket_ = 0;
  std::uint64_t truncated_ = 0;
  std::uint64_t system_errors_ = 0;
  std::uint64_t resolutions_ = 0;
  std::uint64_t resolution_failures_ = 0;
  std::uint64_t movements_ = 0;
  std::uint64_t bu_by_spi_ = 0;        // BUs routed by their SPI (Req. #3)
  std::uint64_t esp_not_payload_ = 0;  // ESP to a care-of address on no tunnel-mode SA
};

void MnDaemon::systemError(std::string_view what, const Error& error) {
  ++system_errors_;
  log::error("{}: {}", what, error.toString());
}

Status MnDaemon::start() {
  if (esp_) {
    // Manual SAs and the SPD before any socket: a BU never leaves unprotected.
    if (Status s = sequence_store_.prepare(); !s) return s;
    if (Status s = esp_->install(config_.esp.built, platform::monotonicNow(), &sequence_store_);
        !s) {
      return s;
    }
    esp_->nameSecurityAssociations(config_.esp.sas);
    log::info("ESP: {} security association(s), {} policy entries", config_.esp.built.sas.size(),
              config_.esp.built.policies.size());
    payload_.emplace(*esp_, TunnelEnd::MobileNode);
    if (payload_->active()) log::info("ESP: tunnel-mode payload protection per the SPD");
  }
  platform::EventLoop& loop = runtime_.loop();
  dsmip6::MobileNodeConfig core_config = config_.core;

  if (config_.home_agent_name) {
    auto resolver = platform::Resolver::create(loop);
    if (!resolver) return Unexpected{resolver.error()};
    resolver_ = std::move(*resolver);
    std::optional<platform::ResolvedHost> host;
    resolver_->resolve(*config_.home_agent_name, config_.dns_timeout,
                       [&host](Result<platform::ResolvedHost> a) {
                         if (a) host = std::move(*a);
                       });
    const TimePoint give_up =
        platform::monotonicNow() + config_.dns_timeout + std::chrono::milliseconds(500);
    while (!host && resolver_->busy() && platform::monotonicNow() < give_up) {
      if (Status s = loop.runOnce(std::chrono::milliseconds(100)); !s) return s;
    }
    if (!host || host->ipv6.empty()) {
      return makeError(ErrorCode::SystemError,
                       fmt::format("home_agent: '{}' did not resolve to an IPv6 address (AAAA) "
                                   "within {}",
                                   *config_.home_agent_name, formatDuration(config_.dns_timeout)));
    }
    ++resolutions_;
    core_config.home_agent = host->ipv6.front();
    if (!config_.core.home_agent_ipv4 && !host->ipv4.empty()) {
      core_config.home_agent_ipv4 = host->ipv4.front();
    }
    log::info("home agent {} is {}{}", *config_.home_agent_name, core_config.home_agent.toString(),
              core_config.home_agent_ipv4 ? " / " + core_config.home_agent_ipv4->toString() : "");
  }

  // The UDP port for IPv4 care-of addresses, chosen once and kept (RFC 5555 §4.3: the NAT
  // mapping stays).
  if (config_.ipv4_care_of) {
    local_port_ = config_.local_udp_port;
    if (local_port_ == 0) {
      auto probe = platform::UdpSocket::open(platform::IpEndpoint{Ipv4Endpoint{}});
      if (!probe) return Unexpected{probe.error()};
      local_port_ = platform::portOf(probe->localEndpoint());
    }
  }
  core_config.local_udp_port = local_port_;

  platform::RawSocketOptions raw;
  raw.buffer_bytes = kSocketBuffer;
  for (auto [slot, protocol] : {std::pair{&raw6_41_, ip::kIpv6}, std::pair{&raw6_4_, ip::kIpv4},
                                std::pair{&raw6_mh_, ip::kMobility}}) {
    auto r = platform::RawIpv6Receiver::open(protocol, raw);
    if (!r) return Unexpected{r.error()};
    slot->emplace(std::move(*r));
  }
  for (auto [slot, protocol] : {std::pair{&raw4_41_, ip::kIpv6}, std::pair{&raw4_4_, ip::kIpv4}}) {
    auto r = platform::RawIpv4Receiver::open(protocol, raw);
    if (!r) return Unexpected{r.error()};
    slot->emplace(std::move(*r));
  }
  if (payload_ && payload_->active()) {
    auto r = platform::RawIpv6Receiver::open(ip::kEsp, raw);
    if (!r) return Unexpected{r.error()};
    raw6_esp_.emplace(std::move(*r));
  }
  auto any = platform::RawIpv6Sender::open(raw);
  if (!any) return Unexpected{any.error()};
  raw6_any_ = std::move(*any);

  auto tun = platform::TunDevice::open(config_.tun);
  if (!tun) {
    return makeError(ErrorCode::SystemError, fmt::format("cannot create TUN device {}: {}",
                                                         config_.tun, tun.error().toString()));
  }
  tun_ = std::move(*tun);
  platform::Netlink& nl = runtime_.netlink();
  (void)platform::writeSysctl(platform::ipv6ConfKey(tun_->name(), "addr_gen_mode"), "1");
  tun_mtu_ = 1400;
  if (Status s = nl.setLinkMtu(tun_->ifindex(), tun_mtu_); !s) return s;
  if (Status s = nl.setLinkUp(tun_->ifindex(), true); !s) return s;
  platform::InstalledState& installed = runtime_.installed();
  // Packets from correspondents come out of the TUN with sources the TUN has no route back to
  // (only the routes of `routes` go there): no reverse-path filtering on it.
  if (Status s = installed.setSysctl(platform::ipv4ConfKey(tun_->name(), "rp_filter"), "0"); !s) {
    return s;
  }
  if (config_.core.mobile_router) {
    if (Status s = installed.setSysctl("net/ipv6/conf/all/forwarding", "1"); !s) return s;
    if (Status s = installed.setSysctl("net/ipv4/conf/all/forwarding", "1"); !s) return s;
  }

  auto table = platform::NftTable::create(platform::NftFamily::Ip6, "dsmip_" + tun_->name(),
                                          parameterProblemDropRules());
  if (!table) {
    return makeError(ErrorCode::SystemError,
                     fmt::format("cannot install the nftables rule that drops the kernel's "
                                 "Parameter Problems for type 2 routing headers: {}",
                                 table.error().detail));
  }
  nft_ = std::move(*table);

  core_.emplace(core_config, random_);

  auto add_watch = [&](int fd, std::function<void()> on_read) -> Status {
    auto w = platform::FdWatch::create(loop, fd, platform::Interest::Read,
                                       [f = std::move(on_read)](platform::IoEvents) { f(); });
    if (!w) return Unexpected{w.error()};
    watches_.push_back(std::move(*w));
    return {};
  };
  if (Status s = add_watch(tun_->fd(), [this] { onTunReadable(); }); !s) return s;
  if (Status s = add_watch(raw6_41_->fd(), [this] { onRawIpv6Readable(*raw6_41_, ip::kIpv6); });
      !s) {
    return s;
  }
  if (Status s = add_watch(raw6_4_->fd(), [this] { onRawIpv6Readable(*raw6_4_, ip::kIpv4); }); !s) {
    return s;
  }
  if (Status s = add_watch(raw6_mh_->fd(), [this] { onMobilityReadable(); }); !s) return s;
  if (raw6_esp_) {
    if (Status s = add_watch(raw6_esp_->fd(), [this] { onRawEspReadable(); }); !s) return s;
  }
  if (Status s = add_watch(raw4_41_->fd(), [this] { onRawIpv4Readable(*raw4_41_); }); !s) return s;
  if (Status s = add_watch(raw4_4_->fd(), [this] { onRawIpv4Readable(*raw4_4_); }); !s) return s;

  auto monitor = platform::NetlinkMonitor::create(
      loop, [this](const platform::NetlinkEvent&) { settle_.armAfter(kSettle); });
  if (!monitor) return Unexpected{monitor.error()};
  monitor_ = std::move(*monitor);

  std::string interfaces;
  for (const auto& i : config_.interfaces) interfaces += " " + i;
  log::info(
      "mobile node up: home address {} (home prefix {}), home agent {}{}, tun {}, "
      "interfaces{}, UDP port {}",
      config_.core.home_addresses.front().toString(), config_.core.home_prefix.toString(),
      core_config.home_agent.toString(),
      core_config.home_agent_ipv4 ? " / " + core_config.home_agent_ipv4->toString() : "",
      tun_->name(), interfaces, local_port_);
  evaluate(true);
  return {};
}

void MnDaemon::evaluate(bool force) {
  settle_.armAfter(kPoll);
  if (!core_) return;
  platform::Netlink& nl = runtime_.netlink();
  LinkState state;
  auto links = nl.links();
  auto addresses = nl.addresses();
  auto routes4 = nl.routes(platform::IpFamily::V4);
  auto routes6 = nl.routes(platform::IpFamily::V6);
  if (!links || !addresses || !routes4 || !routes6) {
    ++system_errors_;
    log::warn("cannot read the routing state; trying again in {}", formatDuration(kPoll));
    return;
  }
  state.links = std::move(*links);
  state.addresses = std::move(*addresses);
  state.routes = std::move(*routes4);
  state.routes.insert(state.routes.end(), routes6->begin(), routes6->end());
  link_state_ = std::move(state);

  const dsmip6::MobileNodeSnapshot snap = core_->snapshot(platform::monotonicNow());
  CandidateQuery query;
  query.interfaces = config_.interfaces;
  query.home_prefix = config_.core.home_prefix;
  query.home_agent = snap.home_agent;
  query.home_agent_ipv4 = snap.home_agent_ipv4;
  query.ipv4 = config_.ipv4_care_of && snap.home_agent_ipv4.has_value();
  std::vector<dsmip6::CareOfCandidate> candidates = careOfCandidates(link_state_, query);
  const bool changed = candidates != candidates_;
  if (!changed && !force) {
    updateDataPaths();  // an MTU may have changed
    return;
  }
  if (changed) {
    ++movements_;
    std::string list;
    for (const auto& c : candidates) {
      list += fmt::format(" {}@{}", dsmip6::careOfToString(c.address), c.interface);
    }
    log::info("care-of candidates:{}", list.empty() ? " none" : list);
  }
  candidates_ = std::move(candidates);
  const TimePoint now = platform::monotonicNow();
  execute(core_->onCareOfAddresses(candidates_, now), now);
  pruneAttachments();
  updateDataPaths();
  if (changed && !candidates_.empty()) resolveHomeAgent();
  afterCore();
}

void MnDaemon::resolveHomeAgent() {
  if (!config_.home_agent_name || !resolver_) return;
  resolver_->resolve(*config_.home_agent_name, config_.dns_timeout,
                     [this](Result<platform::ResolvedHost> answer) {
                       if (!answer || answer->ipv6.empty()) {
                         ++resolution_failures_;
                         log::warn("home agent {}: {}", *config_.home_agent_name,
                                   answer ? "no IPv6 address" : answer.error().detail);
                         return;
                       }
                       ++resolutions_;
                       std::optional<Ipv4Address> v4 = config_.core.home_agent_ipv4;
                       if (!v4 && !answer->ipv4.empty()) v4 = answer->ipv4.front();
                       const TimePoint now = platform::monotonicNow();
                       const dsmip6::MobileNodeSnapshot snap = core_->snapshot(now);
                       if (snap.home_agent == answer->ipv6.front() && snap.home_agent_ipv4 == v4) {
                         return;
                       }
                       // Another home agent: the capture filters name the old one.
                       attachments_.clear();
                       execute(core_->onHomeAgentAddresses(answer->ipv6.front(), v4, now), now);
                       settle_.armAfter(kSettle);  // IPv4 candidates depend on it
                       afterCore();
                     });
}

MnDaemon::Attachment* MnDaemon::attachment(const dsmip6::CareOfAddress& care_of) {
  for (auto& a : attachments_) {
    if (a->care_of == care_of) return a.get();
  }
  const auto it = std::find_if(candidates_.begin(), candidates_.end(),
                               [&](const auto& c) { return c.address == care_of; });
  if (it == candidates_.end()) return nullptr;
  auto a = std::make_unique<Attachment>();
  a->care_of = care_of;
  a->interface = it->interface;
  if (Status s = openAttachment(*a); !s) {
    systemError(fmt::format("sockets for care-of address {} on {}", dsmip6::careOfToString(care_of),
                            it->interface),
                s.error());
    return nullptr;
  }
  attachments_.push_back(std::move(a));
  return attachments_.back().get();
}

Status MnDaemon::openAttachment(Attachment& a) {
  auto index = runtime_.netlink().linkIndex(a.interface);
  if (!index) return Unexpected{index.error()};
  a.ifindex = *index;
  platform::RawSocketOptions raw;
  raw.bind_device = a.interface;
  raw.buffer_bytes = kSocketBuffer;
  platform::EventLoop& loop = runtime_.loop();
  Attachment* self = &a;
  if (const auto* v6 = std::get_if<Ipv6Address>(&a.care_of)) {
    auto sender = platform::RawIpv6Sender::open(raw);
    if (!sender) return Unexpected{sender.error()};
    a.raw6 = std::move(*sender);
    const dsmip6::MobileNodeSnapshot snap = core_->snapshot(platform::monotonicNow());
    auto filter = platform::BpfFilterBuilder{}
                      .ipv6Source(snap.home_agent)
                      .ipv6Destination(*v6)
                      .ipv6RoutingHeaderType(2)
                      .build();
    if (!filter) return Unexpected{filter.error()};
    auto capture = platform::PacketSocket::open(a.ifindex, platform::PacketProtocol::Ipv6, *filter);
    if (!capture) return Unexpected{capture.error()};
    a.capture = std::move(*capture);
    auto w =
        platform::FdWatch::create(loop, a.capture->fd(), platform::Interest::Read,
                                  [this, self](platform::IoEvents) { onCaptureReadable(*self); });
    if (!w) return Unexpected{w.error()};
    a.capture_watch = std::move(*w);
  } else {
    const Ipv4Address v4 = std::get<Ipv4Address>(a.care_of);
    platform::UdpSocketOptions options;
    options.bind_device = a.interface;
    options.buffer_bytes = kSocketBuffer;
    options.pmtu_discovery = platform::PmtuDiscovery::Dont;
    options.receive_errors = false;
    auto udp =
        platform::UdpSocket::open(platform::IpEndpoint{Ipv4Endpoint{v4, local_port_}}, options);
    if (!udp) return Unexpected{udp.error()};
    a.udp = std::move(*udp);
    auto w = platform::FdWatch::create(loop, a.udp->fd(), platform::Interest::Read,
                                       [this, self](platform::IoEvents) { onUdpReadable(*self); });
    if (!w) return Unexpected{w.error()};
    a.udp_watch = std::move(*w);
    auto sender = platform::RawIpv4Sender::open(raw);
    if (!sender) return Unexpected{sender.error()};
    a.raw4 = std::move(*sender);
  }
  log::debug("sockets open for care-of address {} on {}", dsmip6::careOfToString(a.care_of),
             a.interface);
  return {};
}

void MnDaemon::pruneAttachments() {
  // Sockets of addresses that are gone (the interface went down, the address was removed).
  flush();
  std::erase_if(attachments_, [&](const std::unique_ptr<Attachment>& a) {
    const bool present = std::any_of(candidates_.begin(), candidates_.end(), [&](const auto& c) {
      return c.address == a->care_of && c.interface == a->interface;
    });
    if (!present) {
      log::debug("closing the sockets of {}", dsmip6::careOfToString(a->care_of));
    }
    return !present;
  });
}

void MnDaemon::writeTun(ByteView packet) {
  if (Status s = tun_->writePacket(packet); !s) ++tun_write_errors_;
}

void MnDaemon::queue(platform::RawIpv6Sender* raw6, platform::RawIpv4Sender* raw4,
                     ByteView packet) {
  if (pending_.raw6 != raw6 || pending_.raw4 != raw4) {
    flush();
    pending_.raw6 = raw6;
    pending_.raw4 = raw4;
  }
  pending_.packets.push_back(packet);
  if (pending_.packets.size() >= kBatch) flush();
}

void MnDaemon::flush() {
  if (pending_.packets.empty()) return;
  platform::SendBatchResult r;
  if (pending_.raw6 != nullptr) {
    r = pending_.raw6->sendBatch(pending_.packets);
  } else if (pending_.raw4 != nullptr) {
    r = pending_.raw4->sendBatch(pending_.packets);
  }
  send_errors_ += r.failed;
  if (r.consumed < pending_.packets.size())
    send_would_block_ += pending_.packets.size() - r.consumed;
  pending_.packets.clear();
}

void MnDaemon::logDrop(dsmip6::DropReason reason, ByteView packet, TimePoint now) {
  const auto r = static_cast<std::size_t>(reason);
  // Traffic the kernel routes into the TUN before the first BA, or from other sources, is
  // ordinary: debug.
  const LogLevel level = reason == dsmip6::DropReason::NoBinding ||
                                 reason == dsmip6::DropReason::AtHome ||
                                 reason == dsmip6::DropReason::WrongInnerSource ||
                                 reason == dsmip6::DropReason::NoIpv4HomeAddress
                             ? LogLevel::Debug
                             : LogLevel::Warn;
  if (!log::enabled(level) || !drop_log_.allow(r, now)) return;
  log::write(level, fmt::format("drop {}: {}{}", dsmip6::dropReasonName(reason),
                                packetSummary(packet), drop_log_.suffix(r)));
}

void MnDaemon::signalling(PacketBuffer& packet, const dsmip6::Transport& transport, TimePoint now) {
  // Tunnel interface → IPsec stage → protocol module.
  auto inbound = path_.receive(packet, transport, now);
  if (inbound) execute(core_->onSignalling(packet.data(), *inbound, now), now);
}

void MnDaemon::apply(const dsmip6::PacketDecision& d, PacketBuffer& buffer, TimePoint now,
                     bool decrypted) {
  if (d.verdict == dsmip6::Verdict::Drop) {
    logDrop(d.drop_reason, buffer.data(), now);
    return;
  }
  if (!buffer.trimFront(d.inner_offset) || !buffer.trimBack(buffer.size() - d.inner_length)) {
    ++truncated_;
    return;
  }
  switch (d.verdict) {
    case dsmip6::Verdict::Encapsulate: {
      // Payload ESP (Req. #1): protected and re-addressed for the registered tunnel, or the
      // plain tunnel.
      dsmip6::TunnelHeaders tunnel = d.tunnel;
      const auto step =
          payload_ ? payload_->protect(buffer, tunnel, now) : EspPayloadStage::Outcome::Plain;
      if (step == EspPayloadStage::Outcome::Dropped) return;
      if (step == EspPayloadStage::Outcome::Plain &&
          !dsmip6::prependTunnelHeaders(buffer, tunnel)) {
        ++truncated_;
        return;
      }
      if (tunnel.encapsulation == dsmip6::Encapsulation::Ipv6) {
        Attachment* a = attachment(dsmip6::CareOfAddress{tunnel.ipv6_source});
        if (a == nullptr || !a->raw6) {
          ++no_socket_;
          return;
        }
        queue(&*a->raw6, nullptr, buffer.data());
      } else {
        Attachment* a = attachment(dsmip6::CareOfAddress{tunnel.ipv4_source});
        if (a == nullptr || !a->raw4) {
          ++no_socket_;
          return;
        }
        queue(nullptr, &*a->raw4, buffer.data());
      }
      break;
    }
    case dsmip6::Verdict::Deliver:
      // Cleartext payload that a protect entry covers must have come through ESP.
      if (!decrypted && payload_ && !payload_->admitClear(buffer, now)) return;
      if (d.rewrite_traffic_class) {
        (void)dsmip6::applyInnerTrafficClass(buffer.mutableData(), d.traffic_class);
      }
      writeTun(buffer.data());
      break;
    case dsmip6::Verdict::Signalling:
      // ESP on a tunnel-mode SA is payload, told apart by its SPI (Req. #1).
      if (!decrypted && payload_ && payload_->isPayloadEsp(buffer.data())) {
        payloadFromTunnel(buffer, d.transport, now);
        break;
      }
      signalling(buffer, d.transport, now);
      break;
    case dsmip6::Verdict::Drop:
      break;
  }
}

void MnDaemon::payloadFromTunnel(PacketBuffer& buffer, const dsmip6::Transport& transport,
                                 TimePoint now) {
  // Decrypted, the inner packet passes the same checks as tunnelled payload: the outer source
  // is the home agent (and its port), the inner destination is ours, ECN.
  const auto tunnelled = payload_->open(buffer, transport, now);
  if (tunnelled) apply(core_->onTunnelledPacket(*tunnelled), buffer, now, true);
}

bool MnDaemon::withIpv6Header(std::size_t i, std::uint8_t next_header) {
  const platform::RawPacketInfo& meta = raw_meta_[i];
  const auto* source = std::get_if<Ipv6Address>(&meta.source);
  const auto* destination = std::get_if<Ipv6Address>(&meta.destination);
  if (source == nullptr || destination == nullptr || meta.truncated) return false;
  wire::Ipv6Header h;
  h.traffic_class = meta.tos;
  h.hop_limit = meta.hop_limit;
  h.next_header = next_header;
  h.source = *source;
  h.destination = *destination;
  if (!wire::prependIpv6(rx_buffers_[i], h)) {
    ++truncated_;
    return false;
  }
  return true;
}

void MnDaemon::onRawEspReadable() {
  // Tunnel-mode ESP from the home agent to an IPv6 care-of address: IPv6(HA → CoA) / ESP. The
  // ESP stage wants the whole packet: the IPv6 header is rebuilt from what the socket reported.
  for (int round = 0; round < kBatchesPerWakeup; ++round) {
    auto n = raw6_esp_->receiveBatch(rx_buffers_, raw_meta_);
    if (!n || *n == 0) break;
    const TimePoint now = platform::monotonicNow();
    for (std::size_t i = 0; i < *n; ++i) {
      if (!withIpv6Header(i, ip::kEsp)) continue;
      PacketBuffer& packet = rx_buffers_[i];
      if (!payload_->isPayloadEsp(packet.data())) {
        ++esp_not_payload_;
        continue;
      }
      payloadFromTunnel(packet, dsmip6::Transport::ipv6(), now);
    }
    flush();
    if (*n < kBatch) break;
  }
  afterCore();
}

void MnDaemon::onTunReadable() {
  for (int round = 0; round < kBatchesPerWakeup; ++round) {
    auto n = tun_->readBatch(tun_buffers_);
    if (!n || *n == 0) break;
    const TimePoint now = platform::monotonicNow();
    for (std::size_t i = 0; i < *n; ++i) {
      PacketBuffer& packet = tun_buffers_[i];
      apply(core_->onTunPacket(packet.data()), packet, now);
    }
    flush();
    if (*n < kBatch) break;
  }
  afterCore();
}

void MnDaemon::onUdpReadable(Attachment& a) {
  for (int round = 0; round < kBatchesPerWakeup && a.udp; ++round) {
    auto n = a.udp->receiveBatch(rx_buffers_, udp_meta_);
    if (!n || *n == 0) break;
    const TimePoint now = platform::monotonicNow();
    const Ipv4Address local = std::get<Ipv4Address>(a.care_of);
    for (std::size_t i = 0; i < *n; ++i) {
      const auto* from = std::get_if<Ipv4Endpoint>(&udp_meta_[i].source);
      if (from == nullptr || udp_meta_[i].truncated) {
        ++truncated_;
        continue;
      }
      PacketBuffer& payload = rx_buffers_[i];
      dsmip6::TunnelledPacket t;
      t.outer = dsmip6::Encapsulation::Udp;
      t.ipv4_source = *from;
      t.ipv4_destination = Ipv4Endpoint{local, local_port_};
      t.traffic_class = udp_meta_[i].tos;
      t.payload = payload.data();
      apply(core_->onTunnelledPacket(t), payload, now);
    }
    flush();
    if (*n < kBatch) break;
  }
  afterCore();
}

void MnDaemon::onCaptureReadable(Attachment& a) {
  for (int round = 0; round < kBatchesPerWakeup && a.capture; ++round) {
    auto n = a.capture->receiveBatch(rx_buffers_, capture_meta_);
    if (!n || *n == 0) break;
    const TimePoint now = platform::monotonicNow();
    for (std::size_t i = 0; i < *n; ++i) {
      if (capture_meta_[i].truncated || capture_meta_[i].type == platform::PacketType::Outgoing) {
        continue;
      }
      PacketBuffer& packet = rx_buffers_[i];
      // A whole IPv6 packet with a type 2 routing header: signalling that arrived natively.
      const auto header = dsmip6::peekIpHeader(packet.data());
      if (!header || header->version != 6 || !packet.trimBack(packet.size() - header->length)) {
        ++truncated_;
        continue;
      }
      signalling(packet, dsmip6::Transport::ipv6(), now);
    }
    if (*n < kBatch) break;
  }
  afterCore();
}

void MnDaemon::onRawIpv6Readable(platform::RawIpv6Receiver& receiver, std::uint8_t protocol) {
  for (int round = 0; round < kBatchesPerWakeup; ++round) {
    auto n = receiver.receiveBatch(rx_buffers_, raw_meta_);
    if (!n || *n == 0) break;
    const TimePoint now = platform::monotonicNow();
    for (std::size_t i = 0; i < *n; ++i) {
      const platform::RawPacketInfo& meta = raw_meta_[i];
      const auto* source = std::get_if<Ipv6Address>(&meta.source);
      const auto* destination = std::get_if<Ipv6Address>(&meta.destination);
      if (source == nullptr || destination == nullptr || meta.truncated) continue;
      PacketBuffer& payload = rx_buffers_[i];
      dsmip6::TunnelledPacket t;
      t.outer = dsmip6::Encapsulation::Ipv6;
      t.ipv6_source = *source;
      t.ipv6_destination = *destination;
      t.traffic_class = meta.tos;
      t.protocol = protocol;
      t.payload = payload.data();
      apply(core_->onTunnelledPacket(t), payload, now);
    }
    if (*n < kBatch) break;
  }
  afterCore();
}

void MnDaemon::onMobilityReadable() {
  // Mobility Headers the kernel delivered to a local address without a routing header: Binding
  // Errors to a care-of address, BAs at home. The raw socket also keeps the kernel from
  // answering them with "unrecognized next header". The core wants the whole packet: rebuild
  // the IPv6 header from what the socket reported.
  for (int round = 0; round < kBatchesPerWakeup; ++round) {
    auto n = raw6_mh_->receiveBatch(rx_buffers_, raw_meta_);
    if (!n || *n == 0) break;
    const TimePoint now = platform::monotonicNow();
    for (std::size_t i = 0; i < *n; ++i) {
      if (!withIpv6Header(i, ip::kMobility)) continue;
      PacketBuffer& packet = rx_buffers_[i];
      signalling(packet, dsmip6::Transport::ipv6(), now);
    }
    if (*n < kBatch) break;
  }
  afterCore();
}

void MnDaemon::onRawIpv4Readable(platform::RawIpv4Receiver& receiver) {
  for (int round = 0; round < kBatchesPerWakeup; ++round) {
    auto n = receiver.receiveBatch(rx_buffers_, raw_meta_);
    if (!n || *n == 0) break;
    const TimePoint now = platform::monotonicNow();
    for (std::size_t i = 0; i < *n; ++i) {
      if (raw_meta_[i].truncated) continue;
      PacketBuffer& packet = rx_buffers_[i];
      apply(core_->onIpv4Packet(packet.data()), packet, now);
    }
    if (*n < kBatch) break;
  }
  afterCore();
}

void MnDaemon::onTimer(TimePoint now) {
  execute(core_->onTimer(now), now);
  afterCore();
}

void MnDaemon::onFilterTimer(TimePoint now) {
  path_.filter().onTimer(now);
  afterCore();
}

void MnDaemon::sendSignalling(const dsmip6::SendSignalling& send, TimePoint now) {
  // Protocol module → IPsec stage → tunnel interface → socket.
  auto prepared = path_.prepare(send, scratch_, identification_++, now);
  if (!prepared) return;
  if (esp_ && sendBindingUpdateBySpi(prepared->bytes, now)) return;
  switch (prepared->socket) {
    case SignallingSocket::RawIpv6: {
      const auto header = dsmip6::peekIpHeader(prepared->bytes);
      Attachment* a = header ? attachment(dsmip6::CareOfAddress{header->source6}) : nullptr;
      // From a care-of address: its device-bound socket. From home (source = home address on
      // the home link): the unbound one.
      platform::RawIpv6Sender* sender = a != nullptr && a->raw6 ? &*a->raw6 : &*raw6_any_;
      if (Status s = sender->send(prepared->bytes); !s) {
        ++send_errors_;
        log::debug("sending signalling: {}", s.error().toString());
      }
      break;
    }
    case SignallingSocket::Udp: {
      Attachment* a = attachment(dsmip6::CareOfAddress{send.transport.ipv4_source.address});
      if (a == nullptr || !a->udp) {
        ++no_socket_;
        break;
      }
      if (Status s = a->udp->sendTo(platform::IpEndpoint{send.transport.ipv4_destination},
                                    prepared->bytes);
          !s) {
        ++send_errors_;
        log::debug("sending signalling over UDP: {}", s.error().toString());
      }
      break;
    }
    case SignallingSocket::RawIpv4: {
      Attachment* a = attachment(dsmip6::CareOfAddress{send.transport.ipv4_source.address});
      if (a == nullptr || !a->raw4) {
        ++no_socket_;
        break;
      }
      if (Status s = a->raw4->send(prepared->bytes); !s) ++send_errors_;
      break;
    }
  }
}

bool MnDaemon::sendBindingUpdateBySpi(ByteView packet, TimePoint now) {
  // Req. #3 (the draft's first technique): the tunnel code asks the SPD which SPI protects BUs
  // and recognises an ESP-protected BU by its SPI alone. A BU leaves with the care-of address
  // being registered (the core's outstanding BU), while data keeps the registered tunnel until
  // the BA arrives (RFC 5555 §4.4.2: "without permanently updating the tunnel").
  const dsmip6::MobileNodeSnapshot snap = core_->snapshot(now);
  std::vector<Ipv6Address> homes;
  for (const auto& e : snap.entries) homes.push_back(e.home_address);
  const OutboundEspClass c = classifyOutboundEsp(packet, esp_->ipsec(), homes, snap.home_agent);
  if (c.kind != OutboundEspKind::BindingUpdate) return false;
  const auto entry = std::find_if(snap.entries.begin(), snap.entries.end(),
                                  [&](const auto& e) { return e.home_address == c.home_address; });
  if (entry == snap.entries.end() || !entry->pending_care_of) return false;  // from home
  Attachment* a = attachment(*entry->pending_care_of);
  ++bu_by_spi_;
  if (dsmip6::isIpv4(*entry->pending_care_of)) {
    // From an IPv4 care-of address: always UDP to the home agent's port (RFC 5555 §4.2).
    if (a == nullptr || !a->udp || !snap.home_agent_ipv4) {
      ++no_socket_;
      return true;
    }
    const Ipv4Endpoint to{*snap.home_agent_ipv4, config_.core.home_agent_udp_port};
    if (Status s = a->udp->sendTo(platform::IpEndpoint{to}, packet); !s) {
      ++send_errors_;
      log::debug("sending a BU over UDP: {}", s.error().toString());
    }
    return true;
  }
  platform::RawIpv6Sender* sender = a != nullptr && a->raw6 ? &*a->raw6 : &*raw6_any_;
  if (Status s = sender->send(packet); !s) {
    ++send_errors_;
    log::debug("sending a BU: {}", s.error().toString());
  }
  return true;
}

void MnDaemon::configureHomeAddress(const dsmip6::ConfigureHomeAddress& a) {
  platform::InstalledState& installed = runtime_.installed();
  int ifindex = tun_->ifindex();
  std::string name = tun_->name();
  if (a.place == dsmip6::AddressPlace::HomeLink) {
    auto index = runtime_.netlink().linkIndex(a.interface);
    if (!index) {
      systemError(fmt::format("home link {}", a.interface), index.error());
      return;
    }
    ifindex = *index;
    name = a.interface;
  }
  const platform::IpPrefix prefix = Ipv6Prefix{a.address, a.prefix_length};
  if (a.enable) {
    platform::AddressOptions options;
    options.no_dad = true;
    if (Status s = installed.addAddress(ifindex, prefix, options, platform::IfExists::Adopt); !s) {
      systemError(fmt::format("adding {} to {}", a.address.toString(), name), s.error());
      return;
    }
    (void)runtime_.netlink().waitForLocalAddress(platform::IpAddress{a.address});
    log::info("home address {}/{} on {}", a.address.toString(), a.prefix_length, name);
  } else {
    (void)installed.removeAddress(ifindex, prefix);
    log::info("home address {} removed from {}", a.address.toString(), name);
  }
  if (a.place == dsmip6::AddressPlace::HomeLink) homeLinkAddress(a, ifindex);
}

void MnDaemon::homeLinkAddress(const dsmip6::ConfigureHomeAddress& a, int ifindex) {
  if (!a.enable) {
    std::erase(home_link_addresses_, a.address);
    if (home_link_addresses_.empty()) {
      home_esp_watch_ = {};
      home_esp_.reset();
      advertiser_.reset();
      announce_timer_.cancel();
      home_link_ifindex_ = 0;
    }
    return;
  }
  if (home_link_ifindex_ != ifindex) {
    home_esp_watch_ = {};
    home_esp_.reset();
    advertiser_.reset();
    home_link_ifindex_ = ifindex;
  }
  if (std::find(home_link_addresses_.begin(), home_link_addresses_.end(), a.address) ==
      home_link_addresses_.end()) {
    home_link_addresses_.push_back(a.address);
  }
  if (esp_ && !home_esp_) {
    platform::RawSocketOptions raw;
    raw.bind_device = a.interface;
    raw.buffer_bytes = kSocketBuffer;
    auto receiver = platform::RawIpv6Receiver::open(ip::kEsp, raw);
    if (!receiver) {
      systemError(fmt::format("ESP receiver on {}", a.interface), receiver.error());
    } else {
      home_esp_ = std::move(*receiver);
      auto w = platform::FdWatch::create(runtime_.loop(), home_esp_->fd(), platform::Interest::Read,
                                         [this](platform::IoEvents) { onHomeEspReadable(); });
      if (!w) {
        systemError("watching the ESP receiver", w.error());
        home_esp_.reset();
      } else {
        home_esp_watch_ = std::move(*w);
        log::debug("receiving ESP on the home link {}", a.interface);
      }
    }
  }
  if (!advertiser_) {
    auto advertiser = platform::NeighbourAdvertiser::open(ifindex);
    if (!advertiser) {
      systemError(fmt::format("neighbour advertisements on {}", a.interface), advertiser.error());
      return;
    }
    advertiser_ = std::move(*advertiser);
  }
  // RFC 6275 §11.5.4: claim the address on the home link (Override set), up to three times.
  announcements_left_ = kUnsolicitedAdvertisements;
  announceHomeAddresses();
}

void MnDaemon::announceHomeAddresses() {
  if (!advertiser_ || announcements_left_ <= 0) return;
  --announcements_left_;
  for (const Ipv6Address& address : home_link_addresses_) {
    if (Status s = advertiser_->announce(address, config_.core.mobile_router); !s) {
      ++send_errors_;
      log::debug("neighbour advertisement for {}: {}", address.toString(), s.error().toString());
    } else {
      ++neighbour_advertisements_;
    }
  }
  if (announcements_left_ > 0) announce_timer_.armAfter(kAdvertisementInterval);
}

void MnDaemon::onHomeEspReadable() {
  // ESP to a home address on the home link (the de-registration BA, RFC 3776 §3.1: IPv6 / ESP /
  // MH): the kernel hands over what follows the IPv6 header; rebuild the header and give the
  // whole packet to the signalling path, whose IPsec stage removes ESP.
  for (int round = 0; round < kBatchesPerWakeup && home_esp_; ++round) {
    auto n = home_esp_->receiveBatch(rx_buffers_, raw_meta_);
    if (!n || *n == 0) break;
    const TimePoint now = platform::monotonicNow();
    for (std::size_t i = 0; i < *n; ++i) {
      if (!withIpv6Header(i, ip::kEsp)) continue;
      PacketBuffer& packet = rx_buffers_[i];
      ++home_esp_received_;
      signalling(packet, dsmip6::Transport::ipv6(), now);
    }
    if (*n < kBatch) break;
  }
  afterCore();
}

void MnDaemon::configureIpv4HomeAddress(const dsmip6::ConfigureIpv4HomeAddress& a) {
  platform::InstalledState& installed = runtime_.installed();
  int ifindex = tun_->ifindex();
  if (a.place == dsmip6::AddressPlace::HomeLink) {
    auto index = runtime_.netlink().linkIndex(a.interface);
    if (!index) return;
    ifindex = *index;
  }
  const platform::IpPrefix prefix = Ipv4Prefix{a.address, a.prefix_length};
  if (a.enable) {
    if (Status s = installed.addAddress(ifindex, prefix, {}, platform::IfExists::Adopt); !s) {
      systemError(fmt::format("adding IPv4 home address {}", a.address.toString()), s.error());
      return;
    }
    if (a.place == dsmip6::AddressPlace::Tun) ipv4_home_address_ = a.address;
  } else {
    (void)installed.removeAddress(ifindex, prefix);
    if (ipv4_home_address_ == a.address) ipv4_home_address_.reset();
  }
  updateRoutes();
}

void MnDaemon::updateDataPaths() {
  // The TUN's MTU: the care-of interface's minus the outer headers (at least IPv6's 1280).
  std::uint32_t mtu = 0;
  for (const auto& [home, path] : paths_) {
    if (path.encapsulation == dsmip6::Encapsulation::None) continue;
    const std::uint32_t link = interfaceMtu(link_state_, path.interface);
    if (link == 0) continue;
    std::uint32_t overhead = encapsulationOverhead(path.encapsulation);
    if (payload_ && payload_->active()) {
      // Tunnel-mode ESP: its outer IPv6 header replaces the IPv6 tunnel header, or travels
      // inside the IPv4 one.
      overhead += path.encapsulation == dsmip6::Encapsulation::Ipv6 ? kPayloadEspOverhead - 40
                                                                    : kPayloadEspOverhead;
    }
    const std::uint32_t m = link - std::min(link, overhead);
    mtu = mtu == 0 ? m : std::min(mtu, m);
  }
  if (mtu != 0) {
    mtu = std::max<std::uint32_t>(mtu, 1280);
    if (mtu != tun_mtu_) {
      if (Status s = runtime_.netlink().setLinkMtu(tun_->ifindex(), mtu); s) {
        log::info("{} MTU {}", tun_->name(), mtu);
        tun_mtu_ = mtu;
      } else {
        systemError("setting the TUN MTU", s.error());
      }
    }
  }
  updateRoutes();
}

void MnDaemon::updateRoutes() {
  bool away = false;
  for (const auto& [home, path] : paths_) {
    if (path.encapsulation != dsmip6::Encapsulation::None) away = true;
  }
  std::vector<platform::Route> wanted;
  if (away && !stopping_) {
    const Ipv6Address& home_address = config_.core.home_addresses.front();
    for (const Ipv6Prefix& p : config_.ipv6_routes) {
      for (const Ipv6Prefix& half : splitDefault(p)) {
        platform::Route r;
        r.destination = half;
        r.ifindex = tun_->ifindex();
        r.preferred_source = platform::IpAddress{home_address};
        r.metric = config_.route_metric;
        wanted.push_back(r);
      }
    }
    if (ipv4_home_address_) {
      for (const Ipv4Prefix& p : config_.ipv4_routes) {
        for (const Ipv4Prefix& half : splitDefault(p)) {
          platform::Route r;
          r.destination = half;
          r.ifindex = tun_->ifindex();
          r.preferred_source = platform::IpAddress{*ipv4_home_address_};
          r.metric = config_.route_metric;
          wanted.push_back(r);
        }
      }
    }
  }
  platform::InstalledState& installed = runtime_.installed();
  for (auto it = routes_.begin(); it != routes_.end();) {
    if (std::find(wanted.begin(), wanted.end(), *it) == wanted.end()) {
      (void)installed.removeRoute(*it);
      log::debug("route {} removed", platform::toString(*it));
      it = routes_.erase(it);
    } else {
      ++it;
    }
  }
  for (const platform::Route& r : wanted) {
    if (std::find(routes_.begin(), routes_.end(), r) != routes_.end()) continue;
    if (Status s = installed.replaceRoute(r); !s) {
      systemError(fmt::format("route {}", platform::toString(r)), s.error());
      continue;
    }
    log::debug("route {} installed", platform::toString(r));
    routes_.push_back(r);
  }
}

void MnDaemon::execute(dsmip6::MobileNodeActions actions, TimePoint now) {
  bool paths_changed = false;
  for (dsmip6::MobileNodeAction& action : actions) {
    if (auto* send = std::get_if<dsmip6::SendSignalling>(&action)) {
      sendSignalling(*send, now);
    } else if (auto* hoa = std::get_if<dsmip6::ConfigureHomeAddress>(&action)) {
      configureHomeAddress(*hoa);
    } else if (auto* v4 = std::get_if<dsmip6::ConfigureIpv4HomeAddress>(&action)) {
      configureIpv4HomeAddress(*v4);
    } else if (auto* p4 = std::get_if<dsmip6::ConfigureIpv4Prefix>(&action)) {
      log::info("IPv4 mobile network prefix {} {}", p4->prefix.toString(),
                p4->enable ? "acknowledged" : "withdrawn");
    } else if (auto* path = std::get_if<dsmip6::SetDataPath>(&action)) {
      paths_[path->home_address] = path->path;
      paths_changed = true;
      if (path->path.encapsulation != dsmip6::Encapsulation::None) {
        (void)attachment(path->path.care_of);  // open its sockets now, not on the first packet
        log::info("data path of {}: {} via {} on {}{}", path->home_address.toString(),
                  dsmip6::encapsulationName(path->path.encapsulation),
                  dsmip6::careOfToString(path->path.care_of), path->path.interface,
                  path->path.nat_detected ? " (NAT detected)" : "");
      } else {
        log::info("data path of {}: none", path->home_address.toString());
      }
    } else if (auto* e = std::get_if<dsmip6::Event>(&action)) {
      const auto kind = static_cast<std::size_t>(e->kind) % kEventKinds;
      if (log::enabled(e->level) && event_log_.allow(kind, now)) {
        log::write(e->level, fmt::format("{}: {}{}", dsmip6::eventKindName(e->kind), e->message,
                                         event_log_.suffix(kind)));
      }
    }
  }
  if (paths_changed) updateDataPaths();
}

void MnDaemon::beginStop() {
  if (stopping_ || !core_) {
    runtime_.requestStop();  // a second signal: stop at once
    return;
  }
  stopping_ = true;
  log::info("stopping: de-registering (at most {})", formatDuration(config_.stop_timeout));
  stop_timer_.armAfter(config_.stop_timeout);
  const TimePoint now = platform::monotonicNow();
  execute(core_->onStop(now), now);
  afterCore();
}

void MnDaemon::stop() {
  flush();
  attachments_.clear();
  home_esp_watch_ = {};
  home_esp_.reset();
  if (Status s = nft_.remove(); !s) log::warn("removing the nftables table: {}", s.error().detail);
}

std::string MnDaemon::handleControl(std::string_view request) {
  MnStatusContext context;
  context.tun = tun_ ? tun_->name() : config_.tun;
  context.home_agent_name = config_.home_agent_name;
  context.candidates = candidates_;
  for (const auto& r : routes_) context.routes.push_back(platform::toString(r.destination));
  context.local_udp_port = local_port_;
  context.tun_mtu = tun_mtu_;
  context.stopping = stopping_;
  context.signalling = &path_;
  context.daemon_counters = {{"tun-write-errors", tun_write_errors_},
                             {"send-errors", send_errors_},
                             {"send-would-block", send_would_block_},
                             {"no-socket", no_socket_},
                             {"truncated", truncated_},
                             {"system-errors", system_errors_},
                             {"movements", movements_},
                             {"home-link-esp-received", home_esp_received_},
                             {"neighbour-advertisements", neighbour_advertisements_},
                             {"resolutions", resolutions_},
                             {"resolution-failures", resolution_failures_}};
  if (esp_) context.daemon_counters.emplace_back("bu-by-spi", bu_by_spi_);
  if (payload_ && payload_->active()) {
    context.daemon_counters.emplace_back("esp-not-payload", esp_not_payload_);
    for (auto& counter : payload_->counters()) context.daemon_counters.push_back(counter);
  }
  if (!core_) return controlError("starting");
  return handleMnControl(*core_, context, request, platform::monotonicNow());
}

}  // namespace

int runMn(const MnDaemonConfig& config, Reloadable<MnDaemonConfig> reloadable) {
  installLogSink("mn", config.log_level);
  auto runtime = DaemonRuntime::create("mn");
  if (!runtime) {
    log::error("cannot start: {}", runtime.error().toString());
    return kExitRuntimeError;
  }
  auto daemon = std::make_unique<MnDaemon>(config, **runtime);
  MnDaemon* d = daemon.get();
  auto fail = [&](std::string_view what, const Error& error) {
    log::error("{}: {}", what, error.toString());
    d->stop();
    daemon.reset();
    (void)(*runtime)->installed().removeAll();
    return kExitRuntimeError;
  };
  if (Status s = daemon->start(); !s) return fail("cannot start", s.error());
  // SIGTERM / SIGINT de-register first; the loop stops when the core is done (or at
  // stop_timeout), then the runtime removes what was installed.
  for (int signal : {SIGTERM, SIGINT}) {
    if (Status s = (*runtime)->loop().watchSignal(signal, [d](int) { d->beginStop(); }); !s) {
      return fail("cannot watch signals", s.error());
    }
  }
  ConfigReloader reloader("mn", std::move(reloadable.running));
  if (Status s = (*runtime)->serveControl(config.control,
                                          [d, &reloader](std::string_view request) {
                                            return reloader.decorate(request,
                                                                     d->handleControl(request));
                                          });
      !s) {
    return fail(fmt::format("cannot serve the control socket {}", config.control), s.error());
  }
  if (reloadable.load) {
    (*runtime)->onReload([d, &reloader, load = std::move(reloadable.load)] {
      reloadWith<MnDaemonConfig>(
          reloader, load,
          [d](const MnDaemonConfig& fresh, const ConfigChanges& live) {
            d->reconfigure(fresh, live);
          },
          platform::unixTimeNanos());
    });
  }
  (*runtime)->onStop([d] { d->stop(); });
  const int code = (*runtime)->run();
  daemon.reset();
  return code;
}

}  // namespace dsmip::daemon
