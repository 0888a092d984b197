#include "dsmip6/mobile_node_config.hpp"

#include <set>

#include "wire/mh_options.hpp"

namespace dsmip::dsmip6 {

namespace {
Unexpected<Error> invalid(const std::string& key, std::string_view reason) {
  return makeError(ErrorCode::InvalidArgument, key + ": " + std::string(reason));
}
}  // namespace

Status validateMobileNodeConfig(const MobileNodeConfig& config) {
  if (config.home_addresses.empty()) return invalid("home_addresses", "at least one is required");
  if (config.home_prefix.length == 0 || config.home_prefix.length > 128 ||
      !config.home_prefix.address.isUnicastRoutable()) {
    return invalid("home_prefix", "must be a unicast routable prefix, length 1-128");
  }
  std::set<Ipv6Address> seen;
  for (const auto& hoa : config.home_addresses) {
    if (!hoa.isUnicastRoutable()) {
      return invalid("home_addresses", "not unicast routable: " + hoa.toString());
    }
    if (!config.home_prefix.contains(hoa)) {
      return invalid("home_addresses", "outside home_prefix: " + hoa.toString());
    }
    if (!seen.insert(hoa).second) return invalid("home_addresses", "listed twice");
  }
  if (!config.home_agent.isUnicastRoutable()) {
    return invalid("home_agent", "must be a unicast routable IPv6 address");
  }
  if (seen.count(config.home_agent)) return invalid("home_agent", "is a home address");
  if (config.home_agent_ipv4 && !config.home_agent_ipv4->isUnicast()) {
    return invalid("home_agent_ipv4", "must be a unicast IPv4 address");
  }
  if (config.home_agent_udp_port == 0) return invalid("home_agent_udp_port", "must not be 0");
  if (config.ipv4_home_address_mode == Ipv4HomeAddressMode::Static &&
      (!config.ipv4_home_address.isUnicast() || config.ipv4_home_address.isLoopback())) {
    return invalid("ipv4_home_address", "must be a unicast IPv4 address");
  }
  for (const auto& p : config.ipv4_mobile_network_prefixes) {
    if (p.length == 0 || p.length > 32) {
      return invalid("ipv4_mobile_network_prefixes", "length must be 1-32: " + p.toString());
    }
  }
  if (!config.mobile_router && !config.mobile_network_prefixes.empty()) {
    return invalid("mobile_network_prefixes", "needs mobile_router = true");
  }
  for (const auto& p : config.mobile_network_prefixes) {
    if (p.length == 0 || p.length > 128 || !p.address.isUnicastRoutable() ||
        p.overlaps(config.home_prefix)) {
      return invalid("mobile_network_prefixes", "invalid prefix " + p.toString());
    }
  }
  if (config.mobile_router && config.nemo_mode == NemoMode::Explicit &&
      config.mobile_network_prefixes.empty()) {
    return invalid("mobile_network_prefixes", "explicit mode needs at least one prefix");
  }
  if (config.binding_lifetime < wire::kMhLifetimeUnit ||
      config.binding_lifetime > wire::mhLifetime(wire::kMhMaxLifetimeUnits)) {
    return invalid("binding_lifetime", "must be between 4 s and 262140 s");
  }
  if (config.initial_bindack_timeout_first_reg <= Duration::zero() ||
      config.initial_bindack_timeout <= Duration::zero() ||
      config.max_bindack_timeout < config.initial_bindack_timeout ||
      config.max_bindack_timeout < config.initial_bindack_timeout_first_reg) {
    return invalid("initial_bindack_timeout_first_reg",
                   "timeouts must be positive and not above max_bindack_timeout");
  }
  if (config.nat_keepalive < std::chrono::seconds(1)) {
    return invalid("nat_keepalive", "must be at least 1 s");
  }
  if (config.ipv6_attempts_before_ipv4 == 0) {
    return invalid("ipv6_attempts_before_ipv4", "must be at least 1");
  }
  if (config.retry_after_rejection <= Duration::zero()) {
    return invalid("retry_after_rejection", "must be positive");
  }
  if (config.deregistration_attempts == 0) {
    return invalid("deregistration_attempts", "must be at least 1");
  }
  if (config.tunnel.hop_limit == 0) return invalid("tunnel_hop_limit", "must be at least 1");
  return {};
}

}  // namespace dsmip::dsmip6
