#include "daemon/dsmip6_esp.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <utility>

#include "common/log.hpp"

namespace dsmip::daemon {

namespace {

// One key of an [[esp_sa]] / [[esp_policy]] table: reads the node, or says why it cannot.
struct Field {
  std::string_view name;
  std::function<std::optional<std::string>(const toml::node&)> read;
};

Field text(std::string_view name, std::string* target) {
  return {name, [target](const toml::node& n) -> std::optional<std::string> {
            const auto v = n.value<std::string>();
            if (!v || !n.is_string()) return "must be a string";
            *target = *v;
            return std::nullopt;
          }};
}

Field integer(std::string_view name, std::optional<std::int64_t>* target) {
  return {name, [target](const toml::node& n) -> std::optional<std::string> {
            if (!n.is_integer()) return "must be an integer";
            *target = n.as_integer()->get();
            return std::nullopt;
          }};
}

Field boolean(std::string_view name, bool* target) {
  return {name, [target](const toml::node& n) -> std::optional<std::string> {
            if (!n.is_boolean()) return "must be true or false";
            *target = n.as_boolean()->get();
            return std::nullopt;
          }};
}

std::vector<Field> saFields(esp::SaConfig& c) {
  return {text("name", &c.name),
          integer("spi", &c.spi),
          text("direction", &c.direction),
          text("mode", &c.mode),
          text("tunnel_local", &c.tunnel_local),
          text("tunnel_remote", &c.tunnel_remote),
          text("suite", &c.suite),
          text("encryption_key", &c.encryption_key),
          text("integrity_key", &c.integrity_key),
          boolean("esn", &c.esn),
          integer("replay_window", &c.replay_window),
          integer("soft_lifetime_packets", &c.soft_lifetime.packets),
          integer("soft_lifetime_bytes", &c.soft_lifetime.bytes),
          text("soft_lifetime_time", &c.soft_lifetime.time),
          integer("hard_lifetime_packets", &c.hard_lifetime.packets),
          integer("hard_lifetime_bytes", &c.hard_lifetime.bytes),
          text("hard_lifetime_time", &c.hard_lifetime.time)};
}

std::vector<Field> policyFields(esp::PolicyConfig& c) {
  return {text("name", &c.name),
          text("local", &c.local),
          text("remote", &c.remote),
          text("protocol", &c.protocol),
          text("local_port", &c.local_port),
          text("remote_port", &c.remote_port),
          text("local_mh_type", &c.local_mh_type),
          text("remote_mh_type", &c.remote_mh_type),
          text("local_icmp_type", &c.local_icmp_type),
          text("remote_icmp_type", &c.remote_icmp_type),
          text("local_icmp_code", &c.local_icmp_code),
          text("remote_icmp_code", &c.remote_icmp_code),
          text("action", &c.action),
          text("direction", &c.direction),
          integer("outbound_spi", &c.outbound_spi),
          integer("inbound_spi", &c.inbound_spi),
          boolean("enabled", &c.enabled)};
}

template <typename T>
Status readArray(toml::table& file, std::string_view key, std::string_view origin,
                 std::vector<T>& out, std::vector<Field> (*fields)(T&)) {
  out.clear();
  toml::node* node = file.get(key);
  if (node == nullptr) return {};
  const toml::array* array = node->as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("key '{}' in {}: must be tables ([[{}]])", key, origin, key));
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    T element;
    const std::vector<Field> known = fields(element);
    for (const auto& [name, value] : *array->get(i)->as_table()) {
      const std::string_view key_name = name.str();  // clang 14 cannot capture a binding
      const auto it = std::find_if(known.begin(), known.end(),
                                   [&](const Field& f) { return f.name == key_name; });
      if (it == known.end()) {
        return makeError(ErrorCode::InvalidArgument,
                         fmt::format("{} [[{}]] #{}: unknown key '{}'", origin, key, i + 1,
                                     std::string_view(name.str())));
      }
      // The reason never quotes the value: it may be key material.
      if (auto reason = it->read(value)) {
        return makeError(ErrorCode::InvalidArgument,
                         fmt::format("{} [[{}]] #{}: {}: {}", origin, key, i + 1,
                                     std::string_view(name.str()), *reason));
      }
    }
    out.push_back(std::move(element));
  }
  file.erase(key);
  return {};
}

constexpr std::string_view kCounterNames[] = {
    "packets",   "bytes",         "replay-drops",   "icv-failures",       "padding-errors",
    "malformed", "dummy-packets", "lifetime-drops", "sequence-exhausted", "no-space"};

}  // namespace

Status readEspTables(toml::table& file, std::string_view origin, EspDaemonConfig& config) {
  if (Status s = readArray<esp::SaConfig>(file, "esp_sa", origin, config.sas, saFields); !s) {
    return s;
  }
  if (Status s =
          readArray<esp::PolicyConfig>(file, "esp_policy", origin, config.policies, policyFields);
      !s) {
    return s;
  }
  if (!config.configured()) {
    config.built = {};
    return {};
  }
  auto built = esp::buildConfiguration(config.sas, config.policies);
  if (!built) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("{}: {}", origin, built.error().detail));
  }
  config.built = std::move(*built);
  return {};
}

SequenceStore::SequenceStore(std::string directory, std::string daemon)
    : directory_(std::move(directory)), daemon_(std::move(daemon)) {}

std::string SequenceStore::path(std::uint32_t spi) const {
  return fmt::format("{}/{}-sa-{:08x}.seq", directory_, daemon_, spi);
}

Status SequenceStore::prepare() const {
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
  if (ec) {
    return makeError(
        ErrorCode::SystemError,
        fmt::format("esp_state_directory: cannot create '{}': {}", directory_, ec.message()));
  }
  return {};
}

Result<std::uint64_t> SequenceStore::load(std::uint32_t spi) const {
  const std::string file = path(spi);
  std::ifstream in(file);
  if (!in) {
    if (!std::filesystem::exists(file)) return std::uint64_t{0};
    return makeError(ErrorCode::SystemError, fmt::format("cannot read '{}'", file));
  }
  std::string text;
  std::getline(in, text);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    // Refusing to start is the only safe answer: guessing could reuse numbers.
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("'{}' does not hold a sequence number", file));
  }
  return value;
}

Status SequenceStore::store(std::uint32_t spi, std::uint64_t reserved) const {
  const std::string file = path(spi);
  const std::string temporary = file + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return makeError(ErrorCode::SystemError,
                     fmt::format("open '{}': {}", temporary, std::strerror(errno)));
  }
  const std::string text = fmt::format("{}\n", reserved);
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool synced = written && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!synced) {
    return makeError(ErrorCode::SystemError,
                     fmt::format("write '{}': {}", temporary, std::strerror(err)));
  }
  if (::rename(temporary.c_str(), file.c_str()) != 0) {
    return makeError(ErrorCode::SystemError,
                     fmt::format("rename to '{}': {}", file, std::strerror(errno)));
  }
  return {};
}

EspSignallingFilter::EspSignallingFilter(RandomSource& random, EspPeer peer)
    : ipsec_(random), peer_(peer) {}

Status EspSignallingFilter::install(const esp::EspConfiguration& config, TimePoint now,
                                    const SequenceStore* store) {
  store_ = store;
  reserved_.clear();
  if (store_ == nullptr) return esp::install(config, ipsec_, now);
  esp::EspConfiguration resumed = config;
  for (esp::SaParameters& sa : resumed.sas) {
    if (sa.direction != esp::Direction::Outbound) continue;
    auto reserved = store_->load(sa.spi);
    if (!reserved) return Unexpected{reserved.error()};
    sa.initial_sequence = std::max(sa.initial_sequence, *reserved);
    reserved_.emplace_back(sa.spi, sa.initial_sequence);
  }
  return esp::install(resumed, ipsec_, now);
}

void EspSignallingFilter::logEvents() {
  // The module reports each transition once per SA (soft, then hard).
  for (const esp::SaEvent& e : ipsec_.takeEvents()) {
    if (e.state == esp::LifetimeState::SoftExpired) {
      log::warn("{}: soft lifetime reached ({}); the SA should be replaced",
                describe(e.spi, e.direction), esp::expiryCauseName(e.cause));
      continue;
    }
    if (e.state != esp::LifetimeState::HardExpired) continue;
    // RFC 4301 §4.4.2.1: at the hard lifetime the SA is deleted.
    if (const esp::SecurityAssociation* sa = ipsec_.sad().find(e.spi, e.direction)) {
      SecurityAssociationStatus status = statusOf(*sa, e.at);
      status.cause = std::string(esp::expiryCauseName(e.cause));
      expired_.push_back(std::move(status));
      (void)ipsec_.sad().remove(e.spi, e.direction);
    }
    log::warn("{}: hard lifetime reached ({}); the SA is removed", describe(e.spi, e.direction),
              esp::expiryCauseName(e.cause));
  }
}

void EspSignallingFilter::nameSecurityAssociations(const std::vector<esp::SaConfig>& sas) {
  names_.clear();
  for (const esp::SaConfig& c : sas) {
    if (!c.spi || *c.spi < 0 || *c.spi > std::numeric_limits<std::uint32_t>::max()) continue;
    names_.push_back(SaName{
        static_cast<std::uint32_t>(*c.spi),
        c.direction == "outbound" ? esp::Direction::Outbound : esp::Direction::Inbound, c.name});
  }
}

std::string EspSignallingFilter::describe(std::uint32_t spi, esp::Direction direction) const {
  for (const SaName& n : names_) {
    if (n.spi == spi && n.direction == direction && !n.name.empty()) {
      return fmt::format("ESP SA \"{}\" (SPI {:#x}, {})", n.name, spi,
                         esp::directionName(direction));
    }
  }
  return fmt::format("ESP SA {:#x} ({})", spi, esp::directionName(direction));
}

std::optional<TimePoint> EspSignallingFilter::nextDeadline() const { return ipsec_.nextDeadline(); }

void EspSignallingFilter::onTimer(TimePoint now) {
  ipsec_.onTimer(now);
  logEvents();
}

SecurityAssociationStatus EspSignallingFilter::statusOf(const esp::SecurityAssociation& sa,
                                                        TimePoint now) const {
  SecurityAssociationStatus st;
  for (const SaName& n : names_) {
    if (n.spi == sa.spi() && n.direction == sa.direction()) st.name = n.name;
  }
  st.spi = sa.spi();
  st.direction = std::string(esp::directionName(sa.direction()));
  st.mode = std::string(esp::modeName(sa.mode()));
  switch (sa.state()) {
    case esp::LifetimeState::Valid:
      st.state = "mature";
      break;
    case esp::LifetimeState::SoftExpired:
      st.state = "soft-expired";
      break;
    case esp::LifetimeState::HardExpired:
      st.state = "expired";
      break;
  }
  const esp::Lifetime& lifetime = sa.lifetime();
  const auto left = [&](Duration limit) -> std::optional<Duration> {
    if (limit <= Duration::zero()) return std::nullopt;
    const TimePoint at = sa.installedAt() + limit;
    return at > now ? at - now : Duration::zero();
  };
  if (sa.state() == esp::LifetimeState::Valid) st.soft_time_left = left(lifetime.soft.time);
  if (sa.state() != esp::LifetimeState::HardExpired) st.hard_time_left = left(lifetime.hard.time);
  const esp::SaCounters& c = sa.counters();
  const std::uint64_t values[] = {
      c.packets,   c.bytes,         c.replay_drops,   c.icv_failures,       c.padding_errors,
      c.malformed, c.dummy_packets, c.lifetime_drops, c.sequence_exhausted, c.no_space};
  for (std::size_t i = 0; i < std::size(values); ++i) {
    st.counters.emplace_back(std::string(kCounterNames[i]), values[i]);
  }
  st.counters.emplace_back("last-sequence", sa.lastSequence());
  return st;
}

std::vector<SecurityAssociationStatus> EspSignallingFilter::securityAssociations(
    TimePoint now) const {
  std::vector<SecurityAssociationStatus> out;
  ipsec_.sad().forEach(
      [&](const esp::SecurityAssociation& sa) { out.push_back(statusOf(sa, now)); });
  out.insert(out.end(), expired_.begin(), expired_.end());
  return out;
}

FilterVerdict EspSignallingFilter::outbound(PacketBuffer& packet, const dsmip6::Transport&,
                                            TimePoint now) {
  // The transport is the tunnel code's business: transport-mode ESP protects the IPv6 packet
  // whatever carries it (RFC 5555 §4.1 puts the IPv6 packet, ESP included, after UDP).
  const esp::OutboundResult r = ipsec_.outbound(packet, now);
  logEvents();
  if (r.verdict == esp::OutboundVerdict::Discard) {
    return FilterVerdict::drop(esp::dropReasonName(r.reason));
  }
  if (!reserveSequence(r)) return FilterVerdict::drop("sequence-not-persisted");
  return FilterVerdict::accept();
}

bool EspSignallingFilter::reserveSequence(const esp::OutboundResult& r) {
  if (r.verdict != esp::OutboundVerdict::Protected || store_ == nullptr) return true;
  // Write ahead: the packet leaves only once its number is covered on disk.
  auto it = std::find_if(reserved_.begin(), reserved_.end(),
                         [&](const auto& e) { return e.first == r.spi; });
  if (it != reserved_.end() && r.sequence > it->second) {
    const std::uint64_t next = r.sequence + SequenceStore::kBlock - 1;
    if (Status s = store_->store(r.spi, next); !s) {
      ++persist_failures_;
      log::error("ESP SA {:#x}: {}", r.spi, s.error().toString());
      return false;
    }
    it->second = next;
  }
  return true;
}

EspSignallingFilter::PayloadOutbound EspSignallingFilter::protectPayload(PacketBuffer& packet,
                                                                         TimePoint now) {
  PayloadOutbound out;
  out.result = ipsec_.outbound(packet, now);
  logEvents();
  if (!reserveSequence(out.result)) {
    out.persist_failed = true;
    out.result.verdict = esp::OutboundVerdict::Discard;
    out.result.reason = esp::DropReason::NoSpace;
  }
  return out;
}

esp::InboundResult EspSignallingFilter::openPayload(PacketBuffer& packet, TimePoint now) {
  const esp::InboundResult r = ipsec_.inbound(packet, now);
  logEvents();
  return r;
}

FilterVerdict EspSignallingFilter::inbound(PacketBuffer& packet, dsmip6::Inbound& inbound,
                                           TimePoint now) {
  inbound.esp_protected = false;
  inbound.esp_home_address.reset();
  // inbound.transport was recorded before this call and is left alone: the decrypted packet is
  // reassociated with the outer IPv4 address and port it came from (draft Req. #4).
  const esp::InboundResult r = ipsec_.inbound(packet, now);
  logEvents();
  switch (r.verdict) {
    case esp::InboundVerdict::Discard:
      return FilterVerdict::drop(esp::dropReasonName(r.reason));
    case esp::InboundVerdict::Bypass:
      return FilterVerdict::accept();
    case esp::InboundVerdict::Accepted:
      break;
  }
  // Tunnel-mode SAs carry payload, never signalling the core could take as protected.
  if (r.mode != esp::Mode::Transport) return FilterVerdict::accept();
  inbound.esp_protected = true;
  if (peer_ == EspPeer::MobileNode) {
    // Req. #4 again: which traffic the SA was made for is the SPD's answer for its SPI.
    if (const esp::PolicyEntry* p = ipsec_.spd().findBySpi(r.spi, esp::Direction::Inbound)) {
      const esp::AddressRange& remote = p->selector.remote;
      if (!remote.isAny() && remote.first() == remote.last()) {
        if (const auto* home = std::get_if<Ipv6Address>(&remote.first())) {
          inbound.esp_home_address = *home;
        }
      }
    }
  }
  return FilterVerdict::accept();
}

NamedCounters EspSignallingFilter::counters() const {
  const esp::IpsecStats& s = ipsec_.stats();
  NamedCounters out = {{"outbound-protected", s.outbound_protected},
                       {"outbound-bypassed", s.outbound_bypassed},
                       {"inbound-accepted", s.inbound_accepted},
                       {"inbound-bypassed", s.inbound_bypassed},
                       {"sequence-not-persisted", persist_failures_}};
  for (std::size_t i = 0; i < esp::kDropReasonCount; ++i) {
    const auto reason = static_cast<esp::DropReason>(i);
    out.emplace_back(fmt::format("outbound-drop:{}", esp::dropReasonName(reason)),
                     s.outbound_drops[i]);
  }
  for (std::size_t i = 0; i < esp::kDropReasonCount; ++i) {
    const auto reason = static_cast<esp::DropReason>(i);
    out.emplace_back(fmt::format("inbound-drop:{}", esp::dropReasonName(reason)),
                     s.inbound_drops[i]);
  }
  ipsec_.sad().forEach([&](const esp::SecurityAssociation& sa) {
    const std::string prefix =
        fmt::format("sa:{}:{}:", sa.spi(), esp::directionName(sa.direction()));
    const esp::SaCounters& c = sa.counters();
    const std::uint64_t values[] = {
        c.packets,   c.bytes,         c.replay_drops,   c.icv_failures,       c.padding_errors,
        c.malformed, c.dummy_packets, c.lifetime_drops, c.sequence_exhausted, c.no_space};
    for (std::size_t i = 0; i < std::size(values); ++i) {
      out.emplace_back(prefix + std::string(kCounterNames[i]), values[i]);
    }
    out.emplace_back(prefix + "last-sequence", sa.lastSequence());
  });
  return out;
}

}  // namespace dsmip::daemon
