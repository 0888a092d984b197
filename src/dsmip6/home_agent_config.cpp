#include "dsmip6/home_agent_config.hpp"

#include <set>
#include <string>

#include "wire/mh_options.hpp"

namespace dsmip::dsmip6 {

namespace {

Unexpected<Error> invalid(std::string key, std::string_view reason) {
  return makeError(ErrorCode::InvalidArgument, key + ": " + std::string(reason));
}

bool inHomePrefix(const HomeAgentConfig& config, const Ipv6Address& a) {
  for (const auto& p : config.home_prefixes) {
    if (p.contains(a)) return true;
  }
  return false;
}

// Largest pool the allocator accepts: a /8 worth of addresses.
constexpr std::uint32_t kMaxPoolSize = 1u << 24;

}  // namespace

Status validateHomeAgentConfig(const HomeAgentConfig& config) {
  if (config.home_prefixes.empty()) return invalid("home_prefixes", "at least one is required");
  for (const auto& p : config.home_prefixes) {
    if (p.length == 0 || p.length > 128) {
      return invalid("home_prefixes", "prefix length must be 1-128: " + p.toString());
    }
    if (!p.address.isUnicastRoutable()) {
      return invalid("home_prefixes", "not a unicast routable prefix: " + p.toString());
    }
  }
  if (!config.address.isUnicastRoutable()) {
    return invalid("address", "the home agent address must be unicast routable");
  }
  if (!inHomePrefix(config, config.address)) {
    return invalid("address", "the home agent address must be inside a home prefix");
  }
  if (config.ipv4_address && !config.ipv4_address->isUnicast()) {
    return invalid("ipv4_address", "must be a unicast IPv4 address");
  }
  if (config.udp_port == 0) return invalid("udp_port", "must not be 0");
  const auto refresh_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(config.nat_refresh_time).count();
  if (refresh_seconds < 1 || refresh_seconds >= 0xFFFFFFFFLL) {
    return invalid("nat_refresh_time", "must be between 1 s and 4294967294 s");
  }
  if (config.max_binding_lifetime < wire::kMhLifetimeUnit ||
      config.max_binding_lifetime > wire::mhLifetime(wire::kMhMaxLifetimeUnits)) {
    return invalid("max_binding_lifetime", "must be between 4 s and 262140 s");
  }
  if (config.refresh_advice < Duration::zero()) {
    return invalid("refresh_advice", "must not be negative");
  }
  if (config.refresh_request_lead < Duration::zero()) {
    return invalid("refresh_request_lead", "must not be negative");
  }
  if (config.max_bindings == 0) return invalid("max_bindings", "must be at least 1");
  if (config.error_rate < 0) return invalid("error_rate", "must not be negative");
  if (config.tunnel.hop_limit == 0) return invalid("tunnel_hop_limit", "must be at least 1");
  if (config.ipv4_pool) {
    const Ipv4Range& pool = *config.ipv4_pool;
    if (pool.first.toU32() > pool.last.toU32()) {
      return invalid("ipv4_pool", "first address above last");
    }
    if (!pool.first.isUnicast() || !pool.last.isUnicast()) {
      return invalid("ipv4_pool", "must hold unicast addresses");
    }
    if (pool.size() > kMaxPoolSize) return invalid("ipv4_pool", "more than 2^24 addresses");
  }
  if (config.any_home_address_dynamic_ipv4 && !config.accept_any_home_address) {
    return invalid("any_home_address_dynamic_ipv4", "needs accept_any_home_address");
  }
  if (config.any_home_address_dynamic_ipv4 && !config.ipv4_pool) {
    return invalid("any_home_address_dynamic_ipv4", "needs ipv4_pool");
  }

  std::set<Ipv6Address> home_addresses;
  std::set<Ipv4Address> ipv4_home_addresses;
  std::vector<Ipv6Prefix> all_prefixes;
  std::vector<Ipv4Prefix> all_ipv4_prefixes;
  for (std::size_t i = 0; i < config.mobile_nodes.size(); ++i) {
    const MobileNodePolicy& mn = config.mobile_nodes[i];
    const std::string key = "mobile_node[" + std::to_string(i) + "]";
    if (!mn.home_address.isUnicastRoutable()) {
      return invalid(key + ".home_address", "must be unicast routable");
    }
    if (!inHomePrefix(config, mn.home_address)) {
      return invalid(key + ".home_address", "outside every home prefix");
    }
    if (mn.home_address == config.address) {
      return invalid(key + ".home_address", "is the home agent's own address");
    }
    if (!home_addresses.insert(mn.home_address).second) {
      return invalid(key + ".home_address", "listed twice");
    }
    if (mn.ipv4_home_address) {
      if (!mn.ipv4_home_address->isUnicast()) {
        return invalid(key + ".ipv4_home_address", "must be a unicast IPv4 address");
      }
      if (config.ipv4_pool && config.ipv4_pool->contains(*mn.ipv4_home_address)) {
        return invalid(key + ".ipv4_home_address", "inside ipv4_pool");
      }
      if (!ipv4_home_addresses.insert(*mn.ipv4_home_address).second) {
        return invalid(key + ".ipv4_home_address", "given to two mobile nodes");
      }
    }
    if (mn.dynamic_ipv4 && !config.ipv4_pool) {
      return invalid(key + ".dynamic_ipv4", "needs ipv4_pool");
    }
    for (const auto& p : mn.mobile_network_prefixes) {
      if (p.length == 0 || p.length > 128 || !p.address.isUnicastRoutable()) {
        return invalid(key + ".mobile_network_prefixes", "invalid prefix " + p.toString());
      }
      for (const auto& h : config.home_prefixes) {
        if (h.overlaps(p)) {
          return invalid(key + ".mobile_network_prefixes", "overlaps a home prefix");
        }
      }
      for (const auto& other : all_prefixes) {
        if (other.overlaps(p)) {
          return invalid(key + ".mobile_network_prefixes", "overlaps another mobile network");
        }
      }
      all_prefixes.push_back(p);
    }
    for (const auto& p : mn.ipv4_mobile_network_prefixes) {
      if (p.length == 0 || p.length > 32 || !p.address.isUnicast()) {
        return invalid(key + ".ipv4_mobile_network_prefixes", "invalid prefix " + p.toString());
      }
      for (const auto& other : all_ipv4_prefixes) {
        if (other.overlaps(p)) {
          return invalid(key + ".ipv4_mobile_network_prefixes", "overlaps another prefix");
        }
      }
      if (config.ipv4_pool &&
          (p.contains(config.ipv4_pool->first) || p.contains(config.ipv4_pool->last) ||
           config.ipv4_pool->contains(p.address))) {
        return invalid(key + ".ipv4_mobile_network_prefixes", "overlaps ipv4_pool");
      }
      all_ipv4_prefixes.push_back(p);
    }
    if (!mn.mobile_router && !mn.mobile_network_prefixes.empty()) {
      return invalid(key + ".mobile_network_prefixes", "needs mobile_router = true");
    }
  }
  return {};
}

}  // namespace dsmip::dsmip6
