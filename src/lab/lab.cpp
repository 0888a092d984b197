#include "lab/lab.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "lab/analysis.hpp"
#include "lab/plan.hpp"
#include "lab/probes.hpp"
#include "lab/report.hpp"
#include "lab/scenario.hpp"
#include "lab/svg.hpp"
#include "lab/system.hpp"
#include "platform/clock.hpp"
#include "platform/control_socket.hpp"
#include "platform/event_loop.hpp"
#include "platform/fd.hpp"
#include "platform/random.hpp"

namespace dsmip::lab {

namespace {

using platform::IpAddress;

constexpr std::uint16_t kTcpPort = 5001;
constexpr Duration kPollInterval = std::chrono::milliseconds(100);
constexpr Duration kRedrawInterval = std::chrono::milliseconds(200);
constexpr Duration kDaemonStartTimeout = std::chrono::seconds(10);
constexpr Duration kIdleSettle = std::chrono::milliseconds(500);  // queues drain before idle
constexpr Duration kAfterIdle = std::chrono::milliseconds(1500);  // steady flow before a move
constexpr Duration kReplyGrace = std::chrono::seconds(1);         // replies in flight at the end

std::string logTail(const std::string& path, std::size_t lines) {
  std::ifstream in(path);
  std::vector<std::string> all;
  std::string line;
  while (std::getline(in, line)) all.push_back(line);
  std::string out;
  const std::size_t from = all.size() > lines ? all.size() - lines : 0;
  for (std::size_t i = from; i < all.size(); ++i) out += "    " + all[i] + "\n";
  return out;
}

// Writes a daemon's configuration, readable by root only (it holds the run's ESP keys).
Status writePrivateFile(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return platform::osError("create configuration file", errno, path);
  Status status;
  if (::fchmod(fd, 0600) != 0) status = platform::osError("chmod configuration file", errno, path);
  std::size_t done = 0;
  while (status && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      status = platform::osError("write configuration file", errno, path);
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 && status)
    status = platform::osError("close configuration file", errno, path);
  return status;
}

std::string streamName(const char* kind, Family family, Direction direction) {
  return fmt::format("{}{} {}", kind, family == Family::Ipv6 ? "6" : "4",
                     direction == Direction::PeerToMn ? "peer->mn" : "mn->peer");
}

std::size_t terminalWidth() {
  winsize w{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 20) return w.ws_col;
  return 100;
}

class Lab {
 public:
  Lab(const LabOptions& options, std::FILE* human, bool live)
      : options_(options),
        plan_(makeLabPlan()),
        naming_{namespacePrefix(::getpid())},
        console_(human, live),
        width_(live ? terminalWidth() : 100) {
    analysis_.stable_replies = 5;
    settings_.dwell = options.dwell;
    settings_.idle = options.idle;
    settings_.echo_interval = options.echo_interval;
    settings_.native_interval = options.native_interval;
    settings_.tcp_kbit_per_second = options.tcp_kbit_per_second;
    settings_.analysis = analysis_;
  }
  ~Lab() { teardown(); }
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;

  int run();

 private:
  struct EchoSlot {
    std::unique_ptr<EchoProbe> probe;
    Family family = Family::Ipv6;
    Direction direction = Direction::PeerToMn;
    EchoStreamRecord* record = nullptr;
    std::uint16_t identifier = 0;
    std::optional<IpAddress> bound;
  };
  struct Running {
    const ScenarioSpec* spec = nullptr;
    ScenarioRecord* record = nullptr;
    std::map<std::string, std::string> controls;  // role → control socket
    std::map<std::string, pid_t> pids;
    std::vector<EchoSlot> echo;
    std::unique_ptr<EchoProbe> native;
    std::unique_ptr<TcpSink> sink;
    std::vector<std::pair<Family, std::unique_ptr<TcpSender>>> senders;
    Shows shows;
    MnView view;
    bool sending = false;
    std::optional<std::size_t> current;  // attachment index
    std::vector<bool> reported;
    std::vector<bool> announced;
    std::vector<bool> warned;
    std::optional<std::uint64_t> counters_before;
    TimePoint next_poll{};
    TimePoint next_redraw{};
    TimePoint next_native{};
  };

  [[nodiscard]] double elapsed() const { return toSeconds(platform::monotonicNow() - t0_); }
  void event(std::string_view line) { console_.event(elapsed(), line); }
  [[nodiscard]] Status interrupted() const;
  [[nodiscard]] Status pump(Duration d);
  [[nodiscard]] Status pumpUntil(const std::function<bool()>& done, Duration timeout,
                                 const std::string& what);
  [[nodiscard]] Status build();
  [[nodiscard]] Status runScenario(const ScenarioSpec& spec, ScenarioRecord& record);
  [[nodiscard]] Status startDaemons(const ScenarioSpec& spec);
  [[nodiscard]] Status openProbes(const ScenarioSpec& spec, ScenarioRecord& record);
  [[nodiscard]] Status moveTo(const ScenarioSpec& spec, ScenarioRecord& record, std::size_t k);
  [[nodiscard]] Status idleWindow(AttachmentRecord& a);
  void endStay(const ScenarioSpec& spec, ScenarioRecord& record);
  void stopScenario(ScenarioRecord& record);
  void onTick(TimePoint now);
  void poll(TimePoint now);
  Shows fetchShows();
  void reportHandover(TimePoint now, bool final);
  void drawStatus(TimePoint now);
  void setSending(bool on);
  void teardown();
  [[nodiscard]] const Namespace& ns(const std::string& role) const { return namespaces_.at(role); }
  [[nodiscard]] Status failIfAsked(const char* stage) const {
    if (options_.fail_at == stage) {
      return makeError(ErrorCode::InvalidArgument,
                       fmt::format("failing on purpose at '{}' (--fail-at)", stage));
    }
    return {};
  }

  LabOptions options_;
  LabPlan plan_;
  std::vector<ScenarioSpec> scenarios_;
  Naming naming_;
  Console console_;
  std::size_t width_;
  AnalysisSettings analysis_;
  RunSettings settings_;
  TimePoint t0_ = platform::monotonicNow();

  std::unique_ptr<platform::EventLoop> loop_;
  std::unique_ptr<Supervisor> supervisor_;
  std::optional<platform::Timer> ticker_;
  TimePoint next_tick_{};
  std::string run_dir_;
  std::vector<std::string> created_;  // namespaces, in creation order
  std::map<std::string, Namespace> namespaces_;
  std::optional<MobileNodeLinks> mn_links_;
  std::unique_ptr<Sniffer> sniffer_;
  std::unique_ptr<Running> running_;
  std::optional<std::string> attached_;  // the MN's current network
  std::string abort_;                    // a stop signal arrived
  std::string failure_;                  // a daemon died
  bool torn_down_ = false;
  bool kept_ = false;
};

Status Lab::interrupted() const {
  if (!abort_.empty()) return makeError(ErrorCode::Timeout, abort_);
  if (!failure_.empty()) return makeError(ErrorCode::SystemError, failure_);
  return {};
}

Status Lab::pump(Duration d) {
  const TimePoint deadline = platform::monotonicNow() + d;
  for (;;) {
    if (Status s = interrupted(); !s) return s;
    const TimePoint now = platform::monotonicNow();
    if (now >= deadline) return {};
    if (Status s = loop_->runOnce(deadline - now); !s) return s;
  }
}

Status Lab::pumpUntil(const std::function<bool()>& done, Duration timeout,
                      const std::string& what) {
  const TimePoint deadline = platform::monotonicNow() + timeout;
  while (!done()) {
    if (platform::monotonicNow() >= deadline) {
      return makeError(ErrorCode::Timeout,
                       fmt::format("{} (waited {})", what, formatDuration(timeout)));
    }
    if (Status s = pump(std::chrono::milliseconds(20)); !s) return s;
  }
  return {};
}

Status Lab::build() {
  event(
      fmt::format("building the topology: {} namespaces {}*", plan_.nodes.size(), naming_.prefix));
  for (const Step& step : topologySteps(plan_, naming_)) {
    if (Status s = pump(Duration::zero()); !s) return s;
    switch (step.kind) {
      case Step::Kind::AddNamespace: {
        created_.push_back(naming_.ns(step.node));
        if (Status s = runChecked(step.argv); !s) return s;
        auto handle = Namespace::open(naming_.ns(step.node));
        if (!handle) return Unexpected{handle.error()};
        namespaces_.emplace(step.node, std::move(*handle));
        break;
      }
      case Step::Kind::Command:
        if (Status s = runChecked(step.argv); !s) return s;
        break;
      case Step::Kind::Sysctl:
        if (Status s = writeSysctl(ns(step.node), step.key, step.value); !s) return s;
        break;
      case Step::Kind::NftRules:
        if (Status s = runChecked({"ip", "netns", "exec", naming_.ns(step.node), "nft", "-f", "-"},
                                  step.text);
            !s) {
          return s;
        }
        break;
    }
  }
  auto links = MobileNodeLinks::open(ns("mn"));
  if (!links) return Unexpected{links.error()};
  mn_links_.emplace(std::move(*links));
  std::vector<std::string> interfaces;
  for (const VisitedNetwork& v : plan_.visited) interfaces.push_back(v.mn_interface);
  auto sniffer = Sniffer::open(*loop_, ns("mn"), interfaces);
  if (!sniffer) return Unexpected{sniffer.error()};
  sniffer_ = std::move(*sniffer);
  event(fmt::format("topology up ({} links, NAT in {} and {})", plan_.links.size(),
                    naming_.ns("nata"), naming_.ns("natb")));
  return failIfAsked("topology");
}

Status Lab::startDaemons(const ScenarioSpec& spec) {
  auto exe = selfExecutable();
  if (!exe) return Unexpected{exe.error()};
  for (const DaemonSpec& d : spec.daemons) {
    const std::string config = run_dir_ + "/" + d.role + ".toml";
    const std::string control = run_dir_ + "/" + d.role + ".sock";
    const std::string log = run_dir_ + "/" + d.role + ".log";
    if (Status s = writePrivateFile(config, d.config); !s) return s;
    ProcessSpec p;
    p.name = d.role;
    p.ns = &ns(d.node);
    p.executable = *exe;
    p.argv = {"dsmip",     d.subcommand, "--config",    config,
              "--control", control,      "--log-level", "info"};
    p.log_path = log;
    p.die_with_parent = !options_.keep;
    auto pid = supervisor_->start(p);
    if (!pid) return Unexpected{pid.error()};
    running_->controls[d.role] = control;
    running_->pids[d.role] = *pid;
    event(fmt::format("started dsmip {} in {} (pid {}; config {})", d.subcommand,
                      naming_.ns(d.node), *pid, config));
  }
  Status up = pumpUntil([&] { return fetchShows().size() == spec.daemons.size(); },
                        kDaemonStartTimeout, "the daemons did not answer on their control sockets");
  if (!up) return up;
  return failIfAsked("daemons");
}

Shows Lab::fetchShows() {
  Shows shows;
  for (const auto& [role, path] : running_->controls) {
    auto answer =
        platform::controlRequest(path, "{\"command\": \"show\"}\n", std::chrono::milliseconds(500));
    if (!answer) continue;
    auto j = nlohmann::json::parse(*answer, nullptr, false);
    if (j.is_discarded() || j.contains("error")) continue;
    shows[role] = std::move(j);
  }
  return shows;
}

Status Lab::openProbes(const ScenarioSpec& spec, ScenarioRecord& record) {
  Running& r = *running_;
  std::uint16_t identifier = static_cast<std::uint16_t>((::getpid() & 0xFF) << 8);
  // The records are created first, whole: probes keep pointers into them.
  for (Family f : spec.expect.families) {
    for (Direction d : {Direction::PeerToMn, Direction::MnToPeer}) {
      EchoStreamRecord e;
      e.name = streamName("ping", f, d);
      e.family = f;
      e.direction = d;
      e.interval = options_.echo_interval;
      record.echo.push_back(std::move(e));
    }
    TcpStreamRecord t;
    t.name = streamName("tcp", f, Direction::PeerToMn);
    t.family = f;
    record.tcp.push_back(std::move(t));
  }
  std::size_t index = 0;
  for (Family f : spec.expect.families) {
    for (Direction d : {Direction::PeerToMn, Direction::MnToPeer}) {
      EchoSlot slot;
      slot.family = f;
      slot.direction = d;
      slot.record = &record.echo[index++];
      slot.identifier = ++identifier;
      const Namespace& where = d == Direction::PeerToMn ? ns(spec.peer_node) : ns("mn");
      const std::size_t payload = f == Family::Ipv6 ? kProbePayloadIpv6 : kProbePayloadIpv4;
      auto probe = EchoProbe::open(*loop_, where, f, slot.identifier, payload, slot.record);
      if (!probe) return Unexpected{probe.error()};
      slot.probe = std::move(*probe);
      // Where the MN's requests must leave from its home address, they wait until the probe
      // is bound to it (poll()); otherwise the kernel would send them from the care-of address.
      if (d == Direction::MnToPeer && !spec.bind_mn_source) {
        if (f == Family::Ipv6 && spec.peer_ipv6) slot.probe->setTarget(IpAddress{*spec.peer_ipv6});
        if (f == Family::Ipv4 && spec.peer_ipv4) slot.probe->setTarget(IpAddress{*spec.peer_ipv4});
      }
      r.echo.push_back(std::move(slot));
    }
  }
  TcpStreamRecord* tcp6 = nullptr;
  TcpStreamRecord* tcp4 = nullptr;
  for (TcpStreamRecord& t : record.tcp) (t.family == Family::Ipv6 ? tcp6 : tcp4) = &t;
  auto sink = TcpSink::open(*loop_, ns("mn"), kTcpPort, tcp6, tcp4);
  if (!sink) return Unexpected{sink.error()};
  r.sink = std::move(*sink);
  for (TcpStreamRecord& t : record.tcp) {
    r.senders.emplace_back(
        t.family, std::make_unique<TcpSender>(*loop_, ns(spec.peer_node), t.family, kTcpPort,
                                              options_.tcp_kbit_per_second * 1000 / 8, &t));
  }
  return {};
}

void Lab::setSending(bool on) {
  if (!running_) return;
  running_->sending = on;
  for (auto& [family, sender] : running_->senders) sender->setPaused(!on);
}

void Lab::onTick(TimePoint now) {
  next_tick_ += options_.echo_interval;
  if (next_tick_ < now) next_tick_ = now + options_.echo_interval;  // never catch up in bursts
  ticker_->arm(next_tick_);
  if (!running_) return;
  Running& r = *running_;
  if (r.sending) {
    for (EchoSlot& slot : r.echo) slot.probe->send(now);
    if (r.native && now >= r.next_native) {
      r.native->send(now);
      r.next_native = now + options_.native_interval;
    }
  }
  for (auto& [family, sender] : r.senders) sender->tick(now);
  if (now >= r.next_poll) {
    r.next_poll = now + kPollInterval;
    poll(now);
  }
  if (console_.live() && now >= r.next_redraw) {
    r.next_redraw = now + kRedrawInterval;
    drawStatus(now);
  }
}

void Lab::poll(TimePoint now) {
  Running& r = *running_;
  if (!r.current) return;
  r.shows = fetchShows();
  const VisitedNetwork& network = *plan_.network(r.record->attachments[*r.current].network);
  r.view = r.spec->observe(r.shows, network);
  AttachmentRecord& a = r.record->attachments[*r.current];
  // The correspondent learns the MN's (new) addresses: with DSMIP they stay the home
  // addresses; with m6t alone each attachment brings a new one.
  for (EchoSlot& slot : r.echo) {
    const std::optional<IpAddress> mn =
        slot.family == Family::Ipv6
            ? (r.view.address_ipv6 ? std::optional<IpAddress>(*r.view.address_ipv6) : std::nullopt)
            : (r.view.address_ipv4 ? std::optional<IpAddress>(*r.view.address_ipv4) : std::nullopt);
    if (!mn) continue;
    if (slot.direction == Direction::PeerToMn) {
      slot.probe->setTarget(mn);
    } else if (r.spec->bind_mn_source && slot.bound != mn) {
      // The MN's requests leave from its home address.
      const std::size_t payload =
          slot.family == Family::Ipv6 ? kProbePayloadIpv6 : kProbePayloadIpv4;
      auto probe =
          EchoProbe::open(*loop_, ns("mn"), slot.family, slot.identifier, payload, slot.record, mn);
      if (probe) {
        slot.probe = std::move(*probe);
        if (slot.family == Family::Ipv6 && r.spec->peer_ipv6) {
          slot.probe->setTarget(IpAddress{*r.spec->peer_ipv6});
        }
        if (slot.family == Family::Ipv4 && r.spec->peer_ipv4) {
          slot.probe->setTarget(IpAddress{*r.spec->peer_ipv4});
        }
        slot.bound = mn;
      }
    }
  }
  for (auto& [family, sender] : r.senders) {
    if (family == Family::Ipv6 && r.view.address_ipv6)
      sender->setTarget(IpAddress{*r.view.address_ipv6});
    if (family == Family::Ipv4 && r.view.address_ipv4)
      sender->setTarget(IpAddress{*r.view.address_ipv4});
  }
  if (r.view.address_ipv6) a.mn_address_ipv6 = r.view.address_ipv6->toString();
  if (r.view.address_ipv4) a.mn_address_ipv4 = r.view.address_ipv4->toString();
  if (r.view.ready) {
    a.mechanism_detail = r.view.mechanism_detail;
    if (!r.announced[*r.current]) {
      r.announced[*r.current] = true;
      event(fmt::format("{}: carried by {}: {}", r.spec->name, a.mechanism, a.mechanism_detail));
    }
  }
  reportHandover(now, false);
}

void Lab::reportHandover(TimePoint now, bool final) {
  Running& r = *running_;
  if (!r.current || r.reported[*r.current]) return;
  const std::size_t k = *r.current;
  const AttachmentRecord& a = r.record->attachments[k];
  const HandoverResult h = analyseHandover(*r.record, k, r.spec->expect, analysis_, now);
  const bool tcp_done =
      std::all_of(h.tcp.begin(), h.tcp.end(), [](const TcpHandover& t) { return t.resumed; }) ||
      now - a.moved > r.spec->expect.tcp_bound;
  if (final || (h.recovered && tcp_done)) {
    r.reported[k] = true;
    event(fmt::format("{}: {}", r.spec->name, handoverLine(h)));
  } else if (!r.warned[k] && now - a.moved > h.bound) {
    r.warned[k] = true;
    event(fmt::format("{}: {} not recovered after {} (bound), still waiting", r.spec->name,
                      a.network, formatDuration(h.bound)));
  }
}

void Lab::drawStatus(TimePoint now) {
  Running& r = *running_;
  std::vector<std::string> lines;
  const std::string where = r.current ? r.record->attachments[*r.current].network + " (" +
                                            r.record->attachments[*r.current].network_title + ")"
                                      : std::string("-");
  const std::string mechanism =
      r.current ? r.record->attachments[*r.current].mechanism : std::string("-");
  lines.push_back(fmt::format(
      "-- {} {:6.1f} s | MN in {} | {}{}", r.spec->name, toSeconds(now - r.record->started), where,
      mechanism,
      r.sending ? "" : (r.current ? " | probes paused (idle)" : " | starting the daemons")));
  lines.push_back("   " + (r.view.mechanism_detail.empty()
                               ? std::string("(waiting for the daemons)")
                               : r.view.mechanism_detail));
  for (const EchoSlot& slot : r.echo) {
    const auto& samples = slot.record->samples;
    std::uint64_t lost = 0;
    std::optional<Duration> last_rtt;
    const char* state = "-";
    for (std::size_t i = 0; i < samples.size(); ++i) {
      const bool in_flight = now - samples[i].sent < std::chrono::milliseconds(100);
      if (samples[i].replied) {
        last_rtt = *samples[i].replied - samples[i].sent;
        state = "ok";
      } else if (!in_flight) {
        ++lost;
        state = "LOST";
      }
    }
    lines.push_back(fmt::format("   {:<16} {:<5} rtt {:>9}  sent {:>6}  lost {:>5}",
                                slot.record->name, state, formatDuration(last_rtt), samples.size(),
                                lost));
  }
  for (const TcpStreamRecord& t : r.record->tcp) {
    std::uint64_t bytes = 0;
    for (auto it = t.reads.rbegin(); it != t.reads.rend(); ++it) {
      if (now - it->at > std::chrono::seconds(1)) break;
      bytes += it->bytes;
    }
    lines.push_back(fmt::format("   {:<16} {:6.2f} Mbit/s  connections {}", t.name,
                                static_cast<double>(bytes) * 8 / 1e6, t.connections.size()));
  }
  for (std::string& l : lines) {
    if (l.size() > width_ - 1) l.resize(width_ - 1);
  }
  console_.status(lines);
}

Status Lab::moveTo(const ScenarioSpec& spec, ScenarioRecord& record, std::size_t k) {
  Running& r = *running_;
  const VisitedNetwork* network = plan_.network(spec.walk[k]);
  if (network == nullptr) {
    return makeError(ErrorCode::NotFound, "unknown visited network " + spec.walk[k]);
  }
  r.counters_before = signallingCount(spec.signalling, fetchShows());
  const TimePoint moved = platform::monotonicNow();
  if (k > 0) {
    record.attachments[k - 1].left = moved;
    event(fmt::format("{}: MN moves {} → {} ({})", spec.name, *attached_, network->id,
                      network->title));
  } else {
    event(fmt::format("{}: MN attaches to {} ({})", spec.name, network->id, network->title));
  }
  if (attached_) {
    if (Status s = mn_links_->detach(*plan_.network(*attached_)); !s) return s;
    attached_.reset();
  }
  AttachmentRecord a;
  a.network = network->id;
  a.network_title = network->title;
  a.network_family = network->family();
  a.mechanism = spec.mechanism(*network);
  a.moved = moved;
  a.native.name = fmt::format("native ping{} mn->cn", network->family() == Family::Ipv6 ? 6 : 4);
  a.native.family = network->family();
  a.native.direction = Direction::MnToPeer;
  a.native.interval = options_.native_interval;
  record.attachments.push_back(std::move(a));
  AttachmentRecord& stay = record.attachments.back();
  sniffer_->record(network->mn_interface, &stay);
  r.current = k;
  if (Status s = mn_links_->attach(*network); !s) return s;
  attached_ = network->id;
  // The direct path from this network to the correspondent, for the RTT comparison: bound to
  // the visited interface, so that a daemon's routes into its TUN (dsmip mn) do not catch it.
  r.native.reset();
  auto native = EchoProbe::open(*loop_, ns("mn"), network->family(),
                                static_cast<std::uint16_t>(0xD000 | (::getpid() & 0xFFF)),
                                kNativePayload, &stay.native, std::nullopt, network->mn_interface);
  if (!native) return Unexpected{native.error()};
  r.native = std::move(*native);
  r.native->setTarget(network->family() == Family::Ipv6 ? IpAddress{plan_.addresses.cn_ipv6}
                                                        : IpAddress{plan_.addresses.cn_ipv4});
  r.next_poll = moved;  // learn the new state at once
  return {};
}

Status Lab::idleWindow(AttachmentRecord& a) {
  setSending(false);
  if (Status s = pump(kIdleSettle); !s) return s;
  a.idle_begin = platform::monotonicNow();
  if (Status s = pump(options_.idle); !s) return s;
  a.idle_end = platform::monotonicNow();
  setSending(true);
  return pump(kAfterIdle);
}

void Lab::endStay(const ScenarioSpec& spec, ScenarioRecord& record) {
  Running& r = *running_;
  if (!r.current) return;
  reportHandover(platform::monotonicNow(), true);
  const auto after = signallingCount(spec.signalling, fetchShows());
  if (after && r.counters_before && *after >= *r.counters_before) {
    record.attachments[*r.current].signalling_messages = *after - *r.counters_before;
  }
}

Status Lab::runScenario(const ScenarioSpec& spec, ScenarioRecord& record) {
  record.name = spec.name;
  record.title = spec.title;
  record.notes = spec.notes;
  record.attachments.reserve(spec.walk.size());  // the sniffer points into it
  record.started = platform::monotonicNow();
  record.ended = record.started;
  event(fmt::format("== scenario {}: {}", spec.name, spec.title));
  running_ = std::make_unique<Running>();
  running_->spec = &spec;
  running_->record = &record;
  running_->reported.assign(spec.walk.size(), false);
  running_->announced.assign(spec.walk.size(), false);
  running_->warned.assign(spec.walk.size(), false);
  if (Status s = startDaemons(spec); !s) return s;
  if (Status s = openProbes(spec, record); !s) return s;
  event(
      fmt::format("{}: probes from {} ({}) and from the MN: {} echo streams every {}, "
                  "{} TCP stream{} at {:g} kbit/s",
                  spec.name, naming_.ns(spec.peer_node), spec.peer_title, record.echo.size(),
                  formatDuration(options_.echo_interval), record.tcp.size(),
                  record.tcp.size() == 1 ? "" : "s", options_.tcp_kbit_per_second));
  record.started = platform::monotonicNow();
  std::set<std::string> idle_measured;
  for (std::size_t k = 0; k < spec.walk.size(); ++k) {
    if (k > 0) endStay(spec, record);
    if (Status s = moveTo(spec, record, k); !s) return s;
    if (k == 0) setSending(true);
    if (Status s = pump(options_.dwell); !s) return s;
    if (k == 1) {
      if (Status s = failIfAsked("walk"); !s) return s;
    }
    AttachmentRecord& a = record.attachments[k];
    if (options_.idle > Duration::zero() && idle_measured.insert(a.mechanism).second) {
      if (Status s = idleWindow(a); !s) return s;
    }
  }
  endStay(spec, record);
  if (!spec.esp.empty()) {
    const Shows shows = fetchShows();
    for (const EspWatch& watch : spec.esp) record.esp.push_back(readEspCounters(watch, shows));
  }
  setSending(false);
  if (Status s = pump(kReplyGrace); !s) return s;
  record.ended = platform::monotonicNow();
  if (!record.attachments.empty()) record.attachments.back().left = record.ended;
  return {};
}

void Lab::stopScenario(ScenarioRecord& record) {
  if (!running_) return;
  if (record.ended < record.started) record.ended = platform::monotonicNow();
  sniffer_->record({}, nullptr);
  const auto pids = running_->pids;
  const auto controls = running_->controls;
  running_.reset();
  for (auto it = pids.rbegin(); it != pids.rend(); ++it) {
    if (!supervisor_->running(it->second)) continue;
    const int status = supervisor_->stop(it->second);
    if (status != 0) {
      const std::string what =
          fmt::format("dsmip {} exited with status {} when stopped", it->first, status);
      record.failure = record.failure.empty() ? what : record.failure + "; " + what;
    }
  }
  if (attached_) {
    (void)mn_links_->detach(*plan_.network(*attached_));
    attached_.reset();
  }
}

void Lab::teardown() {
  if (torn_down_) return;
  torn_down_ = true;
  console_.clearStatus();
  running_.reset();
  sniffer_.reset();
  ticker_.reset();
  if (kept_) {
    if (supervisor_) supervisor_->release();  // the daemons outlive the lab
    return;
  }
  if (supervisor_) supervisor_->stopAll();
  supervisor_.reset();
  namespaces_.clear();
  mn_links_.reset();
  std::vector<std::string> names(created_.rbegin(), created_.rend());
  std::vector<std::string> existing;
  for (const std::string& n : names) {
    if (std::filesystem::exists("/run/netns/" + n)) existing.push_back(n);
  }
  for (const std::string& f : removeNamespaces(existing)) {
    console_.event(elapsed(), "cleanup: " + f);
  }
  if (!run_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(run_dir_, ec);
  }
  if (!created_.empty()) {
    console_.event(elapsed(), fmt::format("removed {} namespaces, their links and processes",
                                          existing.size()));
  }
}

int Lab::run() {
  auto loop = platform::EventLoop::create();
  if (!loop) {
    console_.print("dsmip lab: " + loop.error().toString() + "\n");
    return kLabFailed;
  }
  loop_ = std::move(*loop);
  for (int sig : {SIGINT, SIGTERM}) {
    (void)loop_->watchSignal(sig, [this](int s) {
      abort_ = s == SIGINT ? "interrupted (SIGINT)" : "stopped (SIGTERM)";
    });
  }
  supervisor_ = std::make_unique<Supervisor>(*loop_, [this](const std::string& name, int status) {
    const std::string log = run_dir_ + "/" + name + ".log";
    failure_ = fmt::format("dsmip {} exited unexpectedly (status {}); its log ends with:\n{}", name,
                           status, logTail(log, 15));
  });
  ticker_.emplace(*loop_, [this](TimePoint now) { onTick(now); });
  next_tick_ = platform::monotonicNow() + options_.echo_interval;
  ticker_->arm(next_tick_);

  for (const auto& [pid, names] : leftoverNamespaces(false)) {
    event(fmt::format("removing {} namespaces left by lab {} (no longer running)", names.size(),
                      pid));
    for (const std::string& f : removeNamespaces(names)) event("cleanup: " + f);
  }
  char dir_template[64];
  std::snprintf(dir_template, sizeof dir_template, "/tmp/dsmip-lab-%d-XXXXXX", ::getpid());
  if (::mkdtemp(dir_template) == nullptr) {
    console_.print("dsmip lab: cannot create a directory in /tmp\n");
    return kLabFailed;
  }
  run_dir_ = dir_template;
  platform::SystemRandom random;
  scenarios_ = makeScenarios(plan_, random, run_dir_);

  LabReport report;
  report.version = options_.version;
  report.unavailable = unavailableMechanisms();
  for (const UnavailableMechanism& u : report.unavailable) {
    event(fmt::format("not shown: {} ({})", u.mechanism, u.reason));
  }
  report.settings = settings_;
  std::vector<ScenarioRecord> records;
  records.reserve(scenarios_.size());
  std::vector<const ScenarioSpec*> selected;
  for (const ScenarioSpec& spec : scenarios_) {
    if (options_.scenarios.empty() ||
        std::find(options_.scenarios.begin(), options_.scenarios.end(), spec.name) !=
            options_.scenarios.end()) {
      selected.push_back(&spec);
    }
  }
  Status status = build();
  if (status) {
    for (std::size_t i = 0; i < selected.size(); ++i) {
      const ScenarioSpec& spec = *selected[i];
      records.emplace_back();
      ScenarioRecord& record = records.back();
      status = runScenario(spec, record);
      if (!status) record.failure = status.error().detail;
      if (options_.keep && status && i + 1 == selected.size()) {
        // --keep: the last scenario's daemons stay up with the MN where it ended.
        sniffer_->record({}, nullptr);
        running_.reset();
      } else {
        stopScenario(record);
      }
      ScenarioResult result = analyseScenario(record, spec.expect, analysis_);
      console_.print(scenarioText(result));
      report.scenarios.push_back(std::move(result));
      if (!status) break;
    }
  }
  console_.clearStatus();
  if (!status) {
    if (!abort_.empty()) {
      report.interrupted = true;
      report.failure = abort_;
    } else {
      report.failure =
          status.error().detail.empty() ? status.error().toString() : status.error().detail;
    }
    console_.event(elapsed(), "lab stopped: " + report.failure);
  }
  report.mechanisms = summarise(report.scenarios);
  if (!report.scenarios.empty()) console_.print(summaryTable(report.mechanisms));
  console_.print(unavailableText(report.unavailable));
  if (!options_.report.empty()) {
    std::ofstream out(options_.report);
    out << renderSvg(records, report.scenarios);
    console_.event(elapsed(), out ? "timeline written to " + options_.report
                                  : "cannot write " + options_.report);
  }
  if (options_.json) {
    std::printf("%s\n", reportJson(report).dump(2).c_str());
    std::fflush(stdout);
  }
  if (options_.keep && status) {
    kept_ = true;
    std::string text = "\nThe lab is still up (--keep). Explore it:\n";
    for (const Node& n : plan_.nodes) {
      text +=
          fmt::format("  ip netns exec {:<24} bash    # {}\n", naming_.ns(n.role), n.description);
    }
    text +=
        fmt::format("  ip netns exec {} ip address; ip netns exec {} ping {}\n", naming_.ns("mn"),
                    naming_.ns("cn"), plan_.addresses.mn_home_ipv6.toString());
    text += fmt::format("  daemons' files (configs, logs, control sockets): {}\n", run_dir_);
    text += fmt::format("  dsmip show --control {}/<daemon>.sock\n", run_dir_);
    text += "Remove it: dsmip lab --cleanup\n";
    console_.print(text);
    return report.ok() ? kLabOk : kLabFailed;
  }
  if (report.interrupted) {
    teardown();
    return kLabInterrupted;
  }
  teardown();
  return report.ok() ? kLabOk : kLabFailed;
}

}  // namespace

std::vector<std::string> scenarioNames() {
  std::vector<std::string> names;
  platform::SystemRandom random;
  for (const ScenarioSpec& s : makeScenarios(makeLabPlan(), random, "/tmp/dsmip-lab")) {
    names.push_back(s.name);
  }
  return names;
}

std::string scenarioList() {
  const LabPlan plan = makeLabPlan();
  std::string out;
  platform::SystemRandom random;
  for (const ScenarioSpec& s : makeScenarios(plan, random, "/tmp/dsmip-lab")) {
    std::string walk;
    for (const std::string& w : s.walk) walk += (walk.empty() ? "" : " → ") + w;
    out += fmt::format("{}\n  {}\n  {}\n  walk: {}\n", s.name, s.title, s.summary, walk);
  }
  out += unavailableText(unavailableMechanisms());
  return out;
}

int cleanupLab() {
  int removed = 0;
  int failed = 0;
  for (const auto& [pid, names] : leftoverNamespaces(false)) {
    std::printf("dsmip lab: removing %zu namespaces of lab %d\n", names.size(), pid);
    for (const std::string& f : removeNamespaces(names)) {
      std::fprintf(stderr, "dsmip lab: %s\n", f.c_str());
      ++failed;
    }
    removed += static_cast<int>(names.size());
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/tmp", ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind(fmt::format("dsmip-lab-{}-", pid), 0) == 0) {
        std::filesystem::remove_all(entry.path(), ec);
      }
    }
  }
  if (removed == 0) std::printf("dsmip lab: nothing to clean up\n");
  return failed == 0 ? kLabOk : kLabFailed;
}

int runLab(const LabOptions& options) {
  if (::geteuid() != 0) {
    std::fprintf(stderr,
                 "dsmip lab: needs root: it creates network namespaces, veth links, nftables "
                 "rules and TUN devices (run it with sudo)\n");
    return kLabCannotRun;
  }
  for (const char* tool : {"ip", "nft"}) {
    if (!haveTool(tool)) {
      std::fprintf(stderr,
                   "dsmip lab: '%s' not found in PATH (scripts/install-deps.sh installs what the "
                   "lab needs: iproute2, nftables)\n",
                   tool);
      return kLabCannotRun;
    }
  }
  const auto names = scenarioNames();
  for (const std::string& wanted : options.scenarios) {
    if (std::find(names.begin(), names.end(), wanted) == names.end()) {
      std::string known;
      for (const auto& n : names) known += " " + n;
      std::fprintf(stderr, "dsmip lab: unknown scenario '%s' (scenarios:%s; see --list)\n",
                   wanted.c_str(), known.c_str());
      return kLabCannotRun;
    }
  }
  const bool live =
      options.view == LabOptions::View::Live ||
      (options.view == LabOptions::View::Auto && !options.json && ::isatty(STDOUT_FILENO) == 1);
  std::FILE* human = options.json ? stderr : stdout;
  std::signal(SIGPIPE, SIG_IGN);
  Lab lab(options, human, live);
  return lab.run();
}

}  // namespace dsmip::lab
