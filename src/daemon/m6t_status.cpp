#include "daemon/m6t_status.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "daemon/control.hpp"

namespace dsmip::daemon {

namespace {

using nlohmann::json;

double secondsBetween(TimePoint earlier, TimePoint later) {
  return earlier > later ? 0.0 : toSeconds(later - earlier);
}

json secondsAgo(const std::optional<TimePoint>& t, TimePoint now) {
  return t ? json(secondsBetween(*t, now)) : json(nullptr);
}

template <typename Stats>
json counters(const Stats& stats) {
  json out = json::object();
  stats.forEachCounter([&](const char* name, std::uint64_t value) { out[name] = value; });
  return out;
}

json daemonCounters(const DaemonCounters& c) {
  json out = json::object();
  for (const auto& [name, value] : c) out[name] = value;
  return out;
}

std::string seconds(const json& v) {
  if (!v.is_number()) return "-";
  const double s = v.get<double>();
  if (s < 10) return fmt::format("{:.2f}s", s);
  if (s < 600) return fmt::format("{:.1f}s", s);
  return fmt::format("{:.0f}s", s);
}

std::string text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump();
}

void renderCounters(std::string& out, const char* title, const json& object) {
  if (!object.is_object() || object.empty()) return;
  std::size_t width = 0;
  for (const auto& [k, v] : object.items()) width = std::max(width, k.size());
  out += fmt::format("\n{}:\n", title);
  for (const auto& [k, v] : object.items()) out += fmt::format("  {:<{}}  {}\n", k, width, text(v));
}

std::string renderGateway(const json& s) {
  std::string out;
  std::string listen;
  for (const auto& l : s.value("listen", json::array())) {
    listen += (listen.empty() ? "" : ", ") + text(l);
  }
  out += fmt::format("m6t-gateway  tun {}  mtu {}  listening on {}\n", text(s["tun"]),
                     text(s["mtu"]), listen);
  std::string prefixes;
  for (const auto& p : s.value("prefixes", json::array())) prefixes += " " + text(p);
  std::string has;
  for (const auto& h : s.value("home_agents", json::array())) has += " " + text(h);
  out += fmt::format("prefixes:{}   home agents:{}\n", prefixes, has);
  out += fmt::format(
      "states: {} ({} active, {} temporary) of at most {}; lifetimes {} temporary, {} active; "
      "{} bytes in tables\n",
      text(s["state_count"]), text(s["active_count"]), text(s["temporary_count"]),
      text(s["max_states"]), seconds(s["temporary_lifetime_s"]), seconds(s["active_lifetime_s"]),
      text(s["memory_bytes"]));
  const json& states = s["states"];
  if (states.is_array() && !states.empty()) {
    out += fmt::format("\n{:<40} {:<22} {:<9} {:>8} {:>8} {:>9} {:>11} {:>9} {:>11} {:>5}\n",
                       "MOBILE NODE", "IPV4:PORT", "STATE", "AGE", "IDLE", "PKTS IN", "BYTES IN",
                       "PKTS OUT", "BYTES OUT", "MTU");
    for (const auto& st : states) {
      out += fmt::format("{:<40} {:<22} {:<9} {:>8} {:>8} {:>9} {:>11} {:>9} {:>11} {:>5}\n",
                         text(st["mobile_node"]), text(st["endpoint"]), text(st["kind"]),
                         seconds(st["age_s"]), seconds(st["idle_s"]), text(st["packets_from_mn"]),
                         text(st["bytes_from_mn"]), text(st["packets_to_mn"]),
                         text(st["bytes_to_mn"]), text(st["tunnel_mtu"]));
    }
    if (s.value("states_truncated", false)) out += "(more states not listed)\n";
  }
  renderCounters(out, "counters", s["counters"]);
  renderCounters(out, "drops", s["drops"]);
  renderCounters(out, "daemon", s["daemon_counters"]);
  return out;
}

std::string renderClient(const json& s) {
  std::string out;
  out += fmt::format("m6t-client  tun {}  gateway {}  prefix {}\n", text(s["tun"]),
                     text(s["gateway"]), text(s["prefix"]));
  out += fmt::format("state:              {}\n", text(s["state"]));
  out += fmt::format("address:            {} (for {})\n", text(s["address"]),
                     seconds(s["address_age_s"]));
  out += fmt::format("local IPv4:         {} via {} (socket {})\n", text(s["local_ipv4"]),
                     text(s["next_hop"]), text(s["local_endpoint"]));
  out += fmt::format("path:               {}, {} keep-alive(s) unanswered\n",
                     s.value("path_established", false) ? "established" : "not established",
                     text(s["unanswered_keepalives"]));
  out += fmt::format(
      "keep-alive:         every {}, dead after {}; last sent {} ago, last "
      "answered {} ago\n",
      seconds(s["keepalive_interval_s"]), text(s["dead_after"]),
      seconds(s["last_keepalive_sent_ago_s"]), seconds(s["last_keepalive_answered_ago_s"]));
  out += fmt::format("traffic:            last sent {} ago, last received {} ago\n",
                     seconds(s["last_sent_ago_s"]), seconds(s["last_received_ago_s"]));
  out += fmt::format("tunnel MTU:         {} (configured {})\n", text(s["tunnel_mtu"]),
                     text(s["mtu"]));
  renderCounters(out, "counters", s["counters"]);
  renderCounters(out, "drops", s["drops"]);
  renderCounters(out, "daemon", s["daemon_counters"]);
  return out;
}

}  // namespace

nlohmann::json gatewayStatus(const m6t::Gateway& gateway, const GatewayStatusContext& context,
                             TimePoint now) {
  const m6t::GatewayConfig& c = gateway.config();
  json s;
  s["daemon"] = "m6t-gateway";
  s["tun"] = context.tun;
  s["mtu"] = c.mtu;
  json listen = json::array();
  for (const Ipv4Endpoint& e : context.listen) listen.push_back(e.toString());
  s["listen"] = listen;
  json prefixes = json::array();
  for (const Ipv6Prefix& p : c.prefixes) prefixes.push_back(p.toString());
  s["prefixes"] = prefixes;
  json has = json::array();
  for (const Ipv6Address& h : c.home_agents) has.push_back(h.toString());
  s["home_agents"] = has;
  s["temporary_lifetime_s"] = toSeconds(c.temporary_lifetime);
  s["active_lifetime_s"] = toSeconds(c.active_lifetime);
  s["rate_limit"] = c.rate_limit;
  s["rate_limit_burst"] = c.rate_limit_burst;
  s["max_states"] = c.max_states;
  s["state_count"] = gateway.states().size();
  s["active_count"] = gateway.states().activeCount();
  s["temporary_count"] = gateway.states().temporaryCount();
  s["rate_limited_sources"] = gateway.rateLimitedSources();
  s["memory_bytes"] = gateway.memoryBytes();
  json states = json::array();
  std::size_t listed = 0;
  gateway.states().forEach([&](const m6t::GatewayState& st) {
    if (listed++ >= context.state_limit) return;
    json j;
    j["mobile_node"] = st.mobile_node.toString();
    j["endpoint"] = st.endpoint.toString();
    j["ipv4"] = st.endpoint.address.toString();
    j["port"] = st.endpoint.port;
    j["listen"] = st.socket < context.listen.size() ? context.listen[st.socket].toString()
                                                    : std::to_string(st.socket);
    j["kind"] = st.kind == m6t::StateKind::Active ? "active" : "temporary";
    j["age_s"] = secondsBetween(st.created, now);
    j["idle_s"] = secondsBetween(st.last_activity, now);
    j["tunnel_mtu"] = gateway.tunnelMtu(st, now);
    j["packets_from_mn"] = st.packets_from_mn;
    j["bytes_from_mn"] = st.bytes_from_mn;
    j["packets_to_mn"] = st.packets_to_mn;
    j["bytes_to_mn"] = st.bytes_to_mn;
    states.push_back(std::move(j));
  });
  s["states"] = std::move(states);
  s["states_truncated"] = listed > context.state_limit;
  s["counters"] = counters(gateway.stats());
  json drops = json::object();
  for (std::size_t i = 1; i < static_cast<std::size_t>(m6t::GatewayDrop::kCount); ++i) {
    const auto reason = static_cast<m6t::GatewayDrop>(i);
    drops[std::string(m6t::gatewayDropName(reason))] = gateway.stats().dropped(reason);
  }
  s["drops"] = drops;
  s["daemon_counters"] = daemonCounters(context.daemon_counters);
  return s;
}

nlohmann::json clientStatus(const m6t::Client& client, const ClientStatusContext& context,
                            TimePoint now) {
  const m6t::ClientConfig& c = client.config();
  json s;
  s["daemon"] = "m6t-client";
  s["tun"] = context.tun;
  s["gateway"] = c.gateway.toString();
  s["prefix"] = c.prefix.toString();
  s["mtu"] = c.mtu;
  s["keepalive_interval_s"] = toSeconds(c.keepalive_interval);
  s["dead_after"] = c.dead_after;
  json routes = json::array();
  for (const Ipv6Prefix& r : c.routes) routes.push_back(r.toString());
  s["routes"] = routes;
  s["state"] = client.address() ? "attached" : (client.attachment() ? "no-address" : "no-ipv4");
  s["address"] = client.address() ? json(client.address()->toString()) : json(nullptr);
  s["address_age_s"] = secondsAgo(client.addressSince(), now);
  if (client.attachment()) {
    s["local_ipv4"] = client.attachment()->local.toString();
    s["next_hop"] = client.attachment()->next_hop.isUnspecified()
                        ? json("on-link")
                        : json(client.attachment()->next_hop.toString());
    s["interface_index"] = client.attachment()->interface_index;
  } else {
    s["local_ipv4"] = nullptr;
    s["next_hop"] = nullptr;
    s["interface_index"] = nullptr;
  }
  s["local_endpoint"] =
      client.localEndpoint() ? json(client.localEndpoint()->toString()) : json(nullptr);
  s["socket_generation"] = client.socketGeneration();
  s["path_established"] = client.pathEstablished();
  s["unanswered_keepalives"] = client.unansweredKeepalives();
  s["last_keepalive_sent_ago_s"] = secondsAgo(client.lastKeepaliveSent(), now);
  s["last_keepalive_answered_ago_s"] = secondsAgo(client.lastKeepaliveAnswered(), now);
  const bool attached = client.address().has_value();
  s["last_sent_ago_s"] = attached ? json(secondsBetween(client.lastSent(), now)) : json(nullptr);
  s["last_received_ago_s"] =
      attached ? json(secondsBetween(client.lastReceived(), now)) : json(nullptr);
  s["tunnel_mtu"] = client.tunnelMtu();
  s["counters"] = counters(client.stats());
  json drops = json::object();
  for (std::size_t i = 1; i < static_cast<std::size_t>(m6t::ClientDrop::kCount); ++i) {
    const auto reason = static_cast<m6t::ClientDrop>(i);
    drops[std::string(m6t::clientDropName(reason))] = client.stats().dropped(reason);
  }
  s["drops"] = drops;
  s["daemon_counters"] = daemonCounters(context.daemon_counters);
  return s;
}

std::string handleGatewayControl(const m6t::Gateway& gateway, GatewayStatusContext context,
                                 std::string_view request, TimePoint now) {
  ControlDispatcher dispatcher;
  dispatcher.add("show",
                 "states, counters and drops of the gateway ({\"limit\": N}: list at most N "
                 "states)",
                 [&](const json& args) {
                   context.state_limit = unsignedArgument(args, "limit", context.state_limit);
                   return gatewayStatus(gateway, context, now);
                 });
  return dispatcher.handle(request);
}

std::string handleClientControl(const m6t::Client& client, const ClientStatusContext& context,
                                std::string_view request, TimePoint now) {
  ControlDispatcher dispatcher;
  dispatcher.add("show", "address, keep-alive state, MTU and counters of the client",
                 [&](const json&) { return clientStatus(client, context, now); });
  return dispatcher.handle(request);
}

std::string renderStatusText(const nlohmann::json& status) {
  if (status.contains("error")) return "error: " + text(status["error"]) + "\n";
  const std::string daemon = status.value("daemon", "");
  if (daemon == "m6t-gateway") return renderGateway(status);
  if (daemon == "m6t-client") return renderClient(status);
  return status.dump(2) + "\n";
}

}  // namespace dsmip::daemon
