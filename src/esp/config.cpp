#include "esp/config.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <array>
#include <charconv>
#include <set>
#include <utility>

namespace dsmip::esp {

namespace {

struct Name {
  std::string_view text;
  std::uint8_t value;
};

// IANA "Mobility Header Types" (RFC 6275 §6.1.2-§6.1.9).
constexpr std::array<Name, 8> kMhTypes{{{"brr", 0},
                                        {"hoti", 1},
                                        {"coti", 2},
                                        {"hot", 3},
                                        {"cot", 4},
                                        {"bu", 5},
                                        {"ba", 6},
                                        {"be", 7}}};
// IANA "ICMPv6 Type Numbers" (RFC 4443 §4; RFC 6275 §6.5-§6.8).
constexpr std::array<Name, 6> kIcmpv6Types{{{"echo-request", 128},
                                            {"echo-reply", 129},
                                            {"haad-request", 144},
                                            {"haad-reply", 145},
                                            {"mps", 146},
                                            {"mpa", 147}}};
constexpr std::array<Name, 7> kProtocols{{{"mh", kProtocolMobilityHeader},
                                          {"icmpv6", kProtocolIcmpv6},
                                          {"icmp", kProtocolIcmp},
                                          {"tcp", kProtocolTcp},
                                          {"udp", kProtocolUdp},
                                          {"sctp", kProtocolSctp},
                                          {"esp", kProtocolEsp}}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::uint32_t> parseNumber(std::string_view s, std::uint32_t max) {
  s = trim(s);
  std::uint32_t v = 0;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc{} || p != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

template <std::size_t N>
std::optional<std::uint8_t> lookupName(const std::array<Name, N>& table, std::string_view text) {
  for (const auto& n : table) {
    if (n.text == text) return n.value;
  }
  return std::nullopt;
}

// "any", "N", "N-M", with names resolved by `value`.
template <typename ParseOne>
std::optional<std::pair<std::uint32_t, std::uint32_t>> parseRange(std::string_view text,
                                                                  std::uint32_t max,
                                                                  ParseOne parse_one) {
  text = trim(text);
  if (text.empty() || text == "any") return std::make_pair(0u, max);
  if (auto whole = parse_one(text)) return std::make_pair(*whole, *whole);
  // "first-last"; names contain dashes too ("echo-request"), so try every split point.
  for (auto dash = text.find('-'); dash != std::string_view::npos;
       dash = text.find('-', dash + 1)) {
    auto first = parse_one(text.substr(0, dash));
    auto last = parse_one(text.substr(dash + 1));
    if (first && last) {
      if (*first > *last) return std::nullopt;
      return std::make_pair(*first, *last);
    }
  }
  return std::nullopt;
}

Unexpected<Error> saError(const SaConfig& c, std::string_view what) {
  return makeError(ErrorCode::InvalidArgument, fmt::format("sa \"{}\": {}", c.name, what));
}

Unexpected<Error> policyError(const PolicyConfig& c, std::string_view what) {
  return makeError(ErrorCode::InvalidArgument, fmt::format("policy \"{}\": {}", c.name, what));
}

// Hex key text → secret; never echoes the text.
std::optional<SecretBytes> parseKey(std::string_view text) {
  text = trim(text);
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
  }
  Bytes bytes;
  bytes.reserve(text.size() / 2 + 1);  // no reallocation: no stray unwiped copies of the key
  if (!fromHex(text, bytes)) {
    if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
    return std::nullopt;
  }
  return SecretBytes::adopt(bytes);
}

Result<std::uint32_t> parseSpi(const std::optional<std::int64_t>& spi, std::string_view key,
                               bool required) {
  if (!spi) {
    if (required) return makeError(ErrorCode::InvalidArgument, fmt::format("{}: missing", key));
    return 0u;
  }
  if (*spi < 256 || *spi > 0xFFFFFFFFLL) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("{}: {} is outside 256-4294967295 (RFC 4303 §2.1: 0 is never "
                                 "sent, 1-255 are reserved)",
                                 key, *spi));
  }
  return static_cast<std::uint32_t>(*spi);
}

Result<LifetimeLimits> parseLifetime(const LifetimeConfig& c, std::string_view which) {
  LifetimeLimits limits;
  if (c.packets) {
    if (*c.packets < 0) {
      return makeError(ErrorCode::InvalidArgument,
                       fmt::format("{}_lifetime.packets: must not be negative", which));
    }
    limits.packets = static_cast<std::uint64_t>(*c.packets);
  }
  if (c.bytes) {
    if (*c.bytes < 0) {
      return makeError(ErrorCode::InvalidArgument,
                       fmt::format("{}_lifetime.bytes: must not be negative", which));
    }
    limits.bytes = static_cast<std::uint64_t>(*c.bytes);
  }
  if (!trim(c.time).empty()) {
    auto d = parseDuration(trim(c.time));
    if (!d) {
      return makeError(ErrorCode::InvalidArgument,
                       fmt::format("{}_lifetime.time: \"{}\" is not a duration (e.g. 3600, 1h, "
                                   "30m)",
                                   which, c.time));
    }
    limits.time = *d;
  }
  return limits;
}

}  // namespace

std::optional<std::uint8_t> parseMessageTypeName(std::string_view protocol, std::string_view name) {
  name = trim(name);
  if (auto n = parseNumber(name, 255)) return static_cast<std::uint8_t>(*n);
  if (protocol == "mh") return lookupName(kMhTypes, name);
  if (protocol == "icmpv6") return lookupName(kIcmpv6Types, name);
  return std::nullopt;
}

Result<SaParameters> buildManualSa(const SaConfig& c) {
  if (trim(c.name).empty()) {
    return makeError(ErrorCode::InvalidArgument, "sa: every SA needs a name");
  }
  SaParameters p;
  auto spi = parseSpi(c.spi, "spi", true);
  if (!spi) return saError(c, spi.error().detail);
  p.spi = *spi;

  if (c.direction == "inbound") {
    p.direction = Direction::Inbound;
  } else if (c.direction == "outbound") {
    p.direction = Direction::Outbound;
  } else {
    return saError(c, fmt::format("direction: \"{}\" is not inbound or outbound", c.direction));
  }

  if (c.mode == "transport") {
    p.mode = Mode::Transport;
    if (!trim(c.tunnel_local).empty() || !trim(c.tunnel_remote).empty()) {
      return saError(c, "tunnel_local/tunnel_remote: only for mode = \"tunnel\"");
    }
  } else if (c.mode == "tunnel") {
    p.mode = Mode::Tunnel;
    auto local = parseAddress(trim(c.tunnel_local));
    auto remote = parseAddress(trim(c.tunnel_remote));
    if (!local) {
      return saError(c, fmt::format("tunnel_local: \"{}\" is not an IP address", c.tunnel_local));
    }
    if (!remote) {
      return saError(c, fmt::format("tunnel_remote: \"{}\" is not an IP address", c.tunnel_remote));
    }
    p.tunnel = TunnelEndpoints{*local, *remote};
  } else {
    return saError(c, fmt::format("mode: \"{}\" is not transport or tunnel", c.mode));
  }

  const auto suite = parseSuite(trim(c.suite));
  if (!suite) {
    return saError(c, fmt::format("suite: \"{}\" is not one of aes-cbc-hmac-sha256, "
                                  "null-hmac-sha256 (aes-gcm-16 needs automated keying)",
                                  c.suite));
  }
  if (*suite == Suite::AesGcm16) {
    // Decision D7.
    return saError(c,
                   "suite: aes-gcm-16 cannot be used with manual (static) keys: RFC 4106 §2 "
                   "requires automated key management for AES-GCM, since reusing a key and "
                   "nonce (as a restart with a static key would) destroys its security; use "
                   "aes-cbc-hmac-sha256 for manual keying");
  }
  p.suite = *suite;

  auto encryption_key = parseKey(c.encryption_key);
  if (!encryption_key) {
    return saError(c, "encryption_key: not hexadecimal (expected pairs of hex digits)");
  }
  auto integrity_key = parseKey(c.integrity_key);
  if (!integrity_key) {
    return saError(c, "integrity_key: not hexadecimal (expected pairs of hex digits)");
  }
  p.encryption_key = std::move(*encryption_key);
  p.integrity_key = std::move(*integrity_key);

  p.esn = c.esn;
  p.replay_window = 64;
  if (c.replay_window) {
    if (*c.replay_window < 0 || *c.replay_window > ReplayWindow::kMaxSize) {
      return saError(c, fmt::format("replay_window: {} is outside 0-{} (0 turns anti-replay off)",
                                    *c.replay_window, ReplayWindow::kMaxSize));
    }
    p.replay_window = static_cast<std::uint32_t>(*c.replay_window);
  }
  auto soft = parseLifetime(c.soft_lifetime, "soft");
  if (!soft) return saError(c, soft.error().detail);
  auto hard = parseLifetime(c.hard_lifetime, "hard");
  if (!hard) return saError(c, hard.error().detail);
  p.lifetime = Lifetime{*soft, *hard};

  if (auto ok = validateSaParameters(p); !ok) return saError(c, ok.error().detail);
  return p;
}

Result<PolicyEntry> buildPolicy(const PolicyConfig& c) {
  if (trim(c.name).empty()) {
    return makeError(ErrorCode::InvalidArgument, "policy: every policy needs a name");
  }
  PolicyEntry e;
  e.name = std::string(trim(c.name));
  e.enabled = c.enabled;

  auto local = AddressRange::parse(c.local);
  if (!local) {
    return policyError(c, fmt::format("local: \"{}\" is not any, an address, a prefix or a "
                                      "range first-last",
                                      c.local));
  }
  auto remote = AddressRange::parse(c.remote);
  if (!remote) {
    return policyError(c, fmt::format("remote: \"{}\" is not any, an address, a prefix or a "
                                      "range first-last",
                                      c.remote));
  }
  e.selector.local = *local;
  e.selector.remote = *remote;

  const std::string_view protocol = trim(c.protocol);
  std::string_view protocol_name;
  if (protocol != "any" && !protocol.empty()) {
    if (auto named = lookupName(kProtocols, protocol)) {
      e.selector.protocol = *named;
    } else if (auto number = parseNumber(protocol, 255)) {
      e.selector.protocol = static_cast<std::uint8_t>(*number);
    } else {
      return policyError(c, fmt::format("protocol: \"{}\" is not any, mh, icmpv6, icmp, tcp, "
                                        "udp, sctp, esp or a number 0-255",
                                        c.protocol));
    }
    switch (*e.selector.protocol) {
      case kProtocolMobilityHeader:
        protocol_name = "mh";
        break;
      case kProtocolIcmpv6:
        protocol_name = "icmpv6";
        break;
      case kProtocolIcmp:
        protocol_name = "icmp";
        break;
      default:
        break;
    }
  }

  auto port = [&](const std::string& text, const char* key) -> Result<PortRange> {
    auto r = parseRange(text, 0xFFFF, [](std::string_view s) { return parseNumber(s, 0xFFFF); });
    if (!r) {
      return policyError(
          c, fmt::format("{}: \"{}\" is not any, a port or a range first-last", key, text));
    }
    return PortRange{static_cast<std::uint16_t>(r->first), static_cast<std::uint16_t>(r->second)};
  };
  auto local_port = port(c.local_port, "local_port");
  if (!local_port) return Unexpected{local_port.error()};
  auto remote_port = port(c.remote_port, "remote_port");
  if (!remote_port) return Unexpected{remote_port.error()};
  e.selector.local_port = *local_port;
  e.selector.remote_port = *remote_port;

  auto typeRange = [&](const std::string& text,
                       const char* key) -> Result<std::pair<std::uint8_t, std::uint8_t>> {
    auto r = parseRange(text, 255, [&](std::string_view s) -> std::optional<std::uint32_t> {
      if (auto v = parseMessageTypeName(protocol_name, s)) return *v;
      return std::nullopt;
    });
    if (!r) {
      return policyError(
          c, fmt::format("{}: \"{}\" is not any, a message type or a range", key, text));
    }
    return std::make_pair(static_cast<std::uint8_t>(r->first),
                          static_cast<std::uint8_t>(r->second));
  };
  const bool is_mh = protocol_name == "mh";
  const bool is_icmp = protocol_name == "icmpv6" || protocol_name == "icmp";
  auto isAnyText = [](const std::string& s) { return trim(s).empty() || trim(s) == "any"; };
  if (!is_mh && (!isAnyText(c.local_mh_type) || !isAnyText(c.remote_mh_type))) {
    return policyError(c, "local_mh_type/remote_mh_type: need protocol = \"mh\"");
  }
  if (!is_icmp && (!isAnyText(c.local_icmp_type) || !isAnyText(c.remote_icmp_type) ||
                   !isAnyText(c.local_icmp_code) || !isAnyText(c.remote_icmp_code))) {
    return policyError(c, "local/remote_icmp_type/code: need protocol = \"icmpv6\" or \"icmp\"");
  }
  struct Side {
    const std::string* type;
    const std::string* code;
    const char* type_key;
    const char* code_key;
    MessageRange* out;
  };
  const std::array<Side, 2> sides{
      Side{is_mh ? &c.local_mh_type : &c.local_icmp_type, &c.local_icmp_code,
           is_mh ? "local_mh_type" : "local_icmp_type", "local_icmp_code",
           &e.selector.local_message},
      Side{is_mh ? &c.remote_mh_type : &c.remote_icmp_type, &c.remote_icmp_code,
           is_mh ? "remote_mh_type" : "remote_icmp_type", "remote_icmp_code",
           &e.selector.remote_message}};
  if (is_mh || is_icmp) {
    for (const auto& side : sides) {
      auto t = typeRange(*side.type, side.type_key);
      if (!t) return Unexpected{t.error()};
      side.out->type_first = t->first;
      side.out->type_last = t->second;
      if (is_icmp) {
        auto code =
            parseRange(*side.code, 255, [](std::string_view s) { return parseNumber(s, 255); });
        if (!code) {
          return policyError(c, fmt::format("{}: \"{}\" is not any, a code or a range",
                                            side.code_key, *side.code));
        }
        side.out->code_first = static_cast<std::uint8_t>(code->first);
        side.out->code_last = static_cast<std::uint8_t>(code->second);
      }
    }
  }

  if (c.action == "protect") {
    e.action = PolicyAction::Protect;
  } else if (c.action == "bypass") {
    e.action = PolicyAction::Bypass;
  } else if (c.action == "discard") {
    e.action = PolicyAction::Discard;
  } else {
    return policyError(c,
                       fmt::format("action: \"{}\" is not protect, bypass or discard", c.action));
  }
  if (c.direction == "both") {
    e.outbound = e.inbound = true;
  } else if (c.direction == "outbound") {
    e.outbound = true;
    e.inbound = false;
  } else if (c.direction == "inbound") {
    e.outbound = false;
    e.inbound = true;
  } else {
    return policyError(
        c, fmt::format("direction: \"{}\" is not both, outbound or inbound", c.direction));
  }
  auto outbound_spi = parseSpi(c.outbound_spi, "outbound_spi", false);
  if (!outbound_spi) return policyError(c, outbound_spi.error().detail);
  auto inbound_spi = parseSpi(c.inbound_spi, "inbound_spi", false);
  if (!inbound_spi) return policyError(c, inbound_spi.error().detail);
  e.outbound_spi = *outbound_spi;
  e.inbound_spi = *inbound_spi;
  if (auto ok = validatePolicyEntry(e); !ok) return policyError(c, ok.error().detail);
  return e;
}

Result<EspConfiguration> buildConfiguration(std::span<const SaConfig> sas,
                                            std::span<const PolicyConfig> policies) {
  EspConfiguration config;
  std::set<std::pair<Direction, std::uint32_t>> spis;
  std::set<std::string> sa_names;
  for (const auto& c : sas) {
    auto sa = buildManualSa(c);
    if (!sa) return Unexpected{sa.error()};
    if (!sa_names.insert(c.name).second) return saError(c, "name: used by another SA");
    if (!spis.insert({sa->direction, sa->spi}).second) {
      return saError(c, fmt::format("spi: 0x{:08x} is used by another {} SA", sa->spi,
                                    directionName(sa->direction)));
    }
    config.sas.push_back(std::move(*sa));
  }
  std::set<std::string> policy_names;
  for (const auto& c : policies) {
    auto e = buildPolicy(c);
    if (!e) return Unexpected{e.error()};
    if (!policy_names.insert(e->name).second) return policyError(c, "name: used by another policy");
    if (e->action == PolicyAction::Protect) {
      if (e->outbound && !spis.contains({Direction::Outbound, e->outbound_spi})) {
        return policyError(
            c, fmt::format("outbound_spi: no outbound SA has SPI 0x{:08x}", e->outbound_spi));
      }
      if (e->inbound && !spis.contains({Direction::Inbound, e->inbound_spi})) {
        return policyError(
            c, fmt::format("inbound_spi: no inbound SA has SPI 0x{:08x}", e->inbound_spi));
      }
    }
    config.policies.push_back(std::move(*e));
  }
  return config;
}

Status install(const EspConfiguration& config, Ipsec& ipsec, TimePoint now) {
  for (const auto& sa : config.sas) {
    if (auto ok = ipsec.sad().add(sa, now); !ok) return ok;
  }
  for (const auto& policy : config.policies) {
    if (auto ok = ipsec.spd().add(policy); !ok) return ok;
  }
  return {};
}

}  // namespace dsmip::esp
