#include "daemon/ha_status.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "daemon/control.hpp"
#include "wire/mh.hpp"

namespace dsmip::daemon {

using nlohmann::json;

json countersJson(const NamedCounters& counters) {
  json out = json::object();
  for (const auto& [name, value] : counters) out[name] = value;
  return out;
}

std::string renderText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump();
}

std::string renderSeconds(const json& v) {
  if (!v.is_number()) return "-";
  const double s = v.get<double>();
  if (s < 10) return fmt::format("{:.2f}s", s);
  if (s < 600) return fmt::format("{:.1f}s", s);
  return fmt::format("{:.0f}s", s);
}

json securityAssociationsJson(const std::vector<SecurityAssociationStatus>& sas) {
  json out = json::array();
  const auto seconds_or_null = [](const std::optional<Duration>& d) {
    return d ? json(std::chrono::duration<double>(*d).count()) : json(nullptr);
  };
  for (const SecurityAssociationStatus& sa : sas) {
    out.push_back(json{{"name", sa.name},
                       {"spi", fmt::format("{:#x}", sa.spi)},
                       {"direction", sa.direction},
                       {"mode", sa.mode},
                       {"state", sa.state},
                       {"cause", sa.cause.empty() ? json(nullptr) : json(sa.cause)},
                       {"soft_time_left_s", seconds_or_null(sa.soft_time_left)},
                       {"hard_time_left_s", seconds_or_null(sa.hard_time_left)},
                       {"counters", countersJson(sa.counters)}});
  }
  return out;
}

void renderSecurityAssociations(std::string& out, const json& sas) {
  if (!sas.is_array() || sas.empty()) return;
  out += fmt::format(
      "\nsecurity associations:\n  {:<16} {:<10} {:<9} {:<10} {:<13} {:>9} {:>9} "
      "{:>9} {:>9}\n",
      "NAME", "SPI", "DIRECTION", "MODE", "STATE", "SOFT IN", "HARD IN", "PACKETS", "BYTES");
  for (const auto& sa : sas) {
    std::string state = renderText(sa["state"]);
    if (sa["cause"].is_string()) state += " (" + renderText(sa["cause"]) + ")";
    const json counters = sa.value("counters", json::object());
    out += fmt::format("  {:<16} {:<10} {:<9} {:<10} {:<13} {:>9} {:>9} {:>9} {:>9}\n",
                       renderText(sa["name"]), renderText(sa["spi"]), renderText(sa["direction"]),
                       renderText(sa["mode"]), state, renderSeconds(sa["soft_time_left_s"]),
                       renderSeconds(sa["hard_time_left_s"]),
                       renderText(counters.value("packets", json(nullptr))),
                       renderText(counters.value("bytes", json(nullptr))));
  }
}

void renderCounterBlock(std::string& out, std::string_view title, const json& object, bool all) {
  if (!object.is_object()) return;
  std::size_t width = 0;
  std::size_t shown = 0;
  for (const auto& [k, v] : object.items()) {
    if (!all && v.is_number() && v.get<double>() == 0) continue;
    width = std::max(width, k.size());
    ++shown;
  }
  if (shown == 0) return;
  out += fmt::format("\n{}:\n", title);
  for (const auto& [k, v] : object.items()) {
    if (!all && v.is_number() && v.get<double>() == 0) continue;
    out += fmt::format("  {:<{}}  {}\n", k, width, renderText(v));
  }
}

namespace {

json statusCounts(const std::array<std::uint64_t, 256>& counts) {
  json out = json::object();
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] != 0) out[std::to_string(i)] = counts[i];
  }
  return out;
}

json haCounters(const dsmip6::HomeAgentStats& s) {
  return json{{"signalling-received", s.signalling_received},
              {"binding-updates-received", s.binding_updates_received},
              {"binding-acks-sent", s.binding_acks_sent},
              {"binding-errors-sent", s.binding_errors_sent},
              {"parameter-problems-sent", s.parameter_problems_sent},
              {"refresh-requests-sent", s.refresh_requests_sent},
              {"mobile-prefix-advertisements-sent", s.mobile_prefix_advertisements_sent},
              {"echo-replies-sent", s.echo_replies_sent},
              {"rate-limited", s.rate_limited},
              {"bindings-created", s.bindings_created},
              {"bindings-deregistered", s.bindings_deregistered},
              {"bindings-expired", s.bindings_expired},
              {"bindings-revoked", s.bindings_revoked},
              {"nat-detected", s.nat_detected},
              {"packets-encapsulated", s.packets_encapsulated},
              {"bytes-encapsulated", s.bytes_encapsulated},
              {"packets-decapsulated", s.packets_decapsulated},
              {"bytes-decapsulated", s.bytes_decapsulated},
              {"signalling-from-tunnel", s.signalling_from_tunnel},
              {"ecn-anomalies", s.ecn_anomalies}};
}

json bindingJson(const dsmip6::BindingSnapshot& b) {
  json j;
  j["home_address"] = b.home_address.toString();
  j["state"] = std::string(dsmip6::bindingStateName(b.state));
  j["ipv4_home_address"] =
      b.ipv4_home_address ? json(b.ipv4_home_address->toString()) : json(nullptr);
  j["ipv4_dynamic"] = b.ipv4_dynamic;
  j["care_of"] = dsmip6::careOfToString(b.care_of);
  j["care_of_family"] = dsmip6::isIpv4(b.care_of) ? "ipv4" : "ipv6";
  j["nat_endpoint"] = b.udp_endpoint ? json(b.udp_endpoint->toString()) : json(nullptr);
  j["nat_detected"] = b.nat_detected;
  j["encapsulation"] = std::string(dsmip6::encapsulationName(b.encapsulation));
  j["lifetime_s"] = toSeconds(b.lifetime);
  j["lifetime_left_s"] = toSeconds(b.lifetime_left);
  j["sequence"] = b.sequence;
  j["flags"] = wire::buFlagsText(b.flags);
  json prefixes = json::array();
  for (const auto& p : b.mobile_network_prefixes) prefixes.push_back(p.toString());
  j["mobile_network_prefixes"] = prefixes;
  json v4 = json::array();
  for (const auto& p : b.ipv4_prefixes) v4.push_back(p.toString());
  j["ipv4_prefixes"] = v4;
  j["packets_to_mn"] = b.packets_to_mobile_node;
  j["bytes_to_mn"] = b.bytes_to_mobile_node;
  j["packets_from_mn"] = b.packets_from_mobile_node;
  j["bytes_from_mn"] = b.bytes_from_mobile_node;
  return j;
}

}  // namespace

json haStatus(const dsmip6::HomeAgent& home_agent, const HaStatusContext& context, TimePoint now) {
  const dsmip6::HomeAgentConfig& c = home_agent.config();
  const dsmip6::HomeAgentSnapshot snap = home_agent.snapshot(now, context.binding_limit);
  json s;
  s["daemon"] = "ha";
  s["home_interface"] = context.home_interface;
  s["tun"] = context.tun;
  s["address"] = c.address.toString();
  s["ipv4_address"] = c.ipv4_address ? json(c.ipv4_address->toString()) : json(nullptr);
  s["udp_port"] = c.udp_port;
  json prefixes = json::array();
  for (const auto& p : c.home_prefixes) prefixes.push_back(p.toString());
  s["home_prefixes"] = prefixes;
  s["force_udp"] = c.force_udp == dsmip6::ForceUdpPolicy::Accept ? "accept" : "refuse";
  s["require_udp"] = c.require_udp;
  s["tlv_header"] = c.tlv_header;
  s["nat_refresh_time_s"] = toSeconds(c.nat_refresh_time);
  s["max_binding_lifetime_s"] = toSeconds(c.max_binding_lifetime);
  s["mobile_nodes_configured"] = c.mobile_nodes.size();
  s["binding_count"] = snap.binding_count;
  s["active_bindings"] = snap.active_bindings;
  json bindings = json::array();
  for (const auto& b : snap.bindings) bindings.push_back(bindingJson(b));
  s["bindings"] = std::move(bindings);
  s["bindings_truncated"] = snap.binding_count > snap.bindings.size();
  s["ipv4_pool"] = json{{"size", snap.ipv4_pool_size}, {"leased", snap.ipv4_pool_leased}};
  s["counters"] = haCounters(snap.stats);
  s["binding_acks"] = statusCounts(snap.stats.binding_ack_status);
  s["ipv4_acks"] = statusCounts(snap.stats.ipv4_ack_status);
  json signalling_drops = json::object();
  for (std::size_t i = 1; i < dsmip6::kSignallingDropCount; ++i) {
    signalling_drops[std::string(dsmip6::signallingDropName(
        static_cast<dsmip6::SignallingDrop>(i)))] = snap.stats.signalling_drops[i];
  }
  s["signalling_drops"] = std::move(signalling_drops);
  json data_drops = json::object();
  for (std::size_t i = 1; i < dsmip6::kDropReasonCount; ++i) {
    data_drops[std::string(dsmip6::dropReasonName(static_cast<dsmip6::DropReason>(i)))] =
        snap.stats.data_drops[i];
  }
  s["data_drops"] = std::move(data_drops);
  if (context.signalling != nullptr) {
    s["signalling_path"] = countersJson(context.signalling->counters());
    s["signalling_filter"] =
        json{{"name", std::string(context.signalling->filter().name())},
             {"counters", countersJson(context.signalling->filter().counters())},
             {"security_associations",
              securityAssociationsJson(context.signalling->filter().securityAssociations(now))}};
  }
  s["daemon_counters"] = countersJson(context.daemon_counters);
  return s;
}

std::string handleHaControl(const dsmip6::HomeAgent& home_agent, HaStatusContext context,
                            std::string_view request, TimePoint now) {
  ControlDispatcher dispatcher;
  dispatcher.add("show",
                 "bindings, counters and drops of the home agent ({\"limit\": N}: list at most N "
                 "bindings)",
                 [&](const json& args) {
                   const std::uint64_t limit = unsignedArgument(args, "limit", 0);
                   if (limit > 0) context.binding_limit = static_cast<std::size_t>(limit);
                   return haStatus(home_agent, context, now);
                 });
  return dispatcher.handle(request);
}

std::string renderHaStatusText(const json& s) {
  std::string out;
  out +=
      fmt::format("ha  home link {}  tun {}  address {}  ipv4 {}  udp port {}\n",
                  renderText(s["home_interface"]), renderText(s["tun"]), renderText(s["address"]),
                  renderText(s["ipv4_address"]), renderText(s["udp_port"]));
  std::string prefixes;
  for (const auto& p : s.value("home_prefixes", json::array())) prefixes += " " + renderText(p);
  out += fmt::format("home prefixes:{}   F policy {}  require UDP {}  TLV {}\n", prefixes,
                     renderText(s["force_udp"]), renderText(s["require_udp"]),
                     renderText(s["tlv_header"]));
  out += fmt::format("bindings: {} ({} active); IPv4 pool {} of {} leased\n",
                     renderText(s["binding_count"]), renderText(s["active_bindings"]),
                     renderText(s["ipv4_pool"]["leased"]), renderText(s["ipv4_pool"]["size"]));
  const json& bindings = s["bindings"];
  if (bindings.is_array() && !bindings.empty()) {
    out +=
        fmt::format("\n{:<26} {:<15} {:<26} {:<21} {:<7} {:>8} {:>5} {:>8} {:>10} {:>8} {:>10}\n",
                    "HOME ADDRESS", "IPV4 HOA", "CARE-OF", "NAT ADDRESS:PORT", "ENCAP", "LEFT",
                    "SEQ", "PKTS TO", "BYTES TO", "PKTS FROM", "BYTES FROM");
    for (const auto& b : bindings) {
      std::string home = renderText(b["home_address"]);
      if (b.value("state", "") != "active") home += " (" + renderText(b["state"]) + ")";
      out +=
          fmt::format("{:<26} {:<15} {:<26} {:<21} {:<7} {:>8} {:>5} {:>8} {:>10} {:>8} {:>10}\n",
                      home, renderText(b["ipv4_home_address"]), renderText(b["care_of"]),
                      renderText(b["nat_endpoint"]), renderText(b["encapsulation"]),
                      renderSeconds(b["lifetime_left_s"]), renderText(b["sequence"]),
                      renderText(b["packets_to_mn"]), renderText(b["bytes_to_mn"]),
                      renderText(b["packets_from_mn"]), renderText(b["bytes_from_mn"]));
    }
    if (s.value("bindings_truncated", false)) out += "(more bindings not listed)\n";
  }
  renderCounterBlock(out, "counters", s["counters"]);
  renderCounterBlock(out, "binding acknowledgements sent, by status", s["binding_acks"]);
  renderCounterBlock(out, "IPv4 address acknowledgements sent, by status", s["ipv4_acks"]);
  renderCounterBlock(out, "signalling dropped, by reason", s["signalling_drops"]);
  renderCounterBlock(out, "data packets dropped, by reason", s["data_drops"]);
  renderCounterBlock(out, "signalling path", s["signalling_path"]);
  if (s.contains("signalling_filter")) {
    renderCounterBlock(
        out, fmt::format("signalling filter ({})", renderText(s["signalling_filter"]["name"])),
        s["signalling_filter"]["counters"]);
    renderSecurityAssociations(
        out, s["signalling_filter"].value("security_associations", nlohmann::json::array()));
  }
  renderCounterBlock(out, "daemon", s["daemon_counters"]);
  return out;
}

}  // namespace dsmip::daemon
