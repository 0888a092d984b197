#include "daemon/mip4_status.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "daemon/control.hpp"

namespace dsmip::daemon {

namespace {

using nlohmann::json;

json optionalSeconds(const std::optional<Duration>& d) {
  return d ? json(toSeconds(*d)) : json(nullptr);
}

json perReplyCode(const std::array<std::uint64_t, 256>& codes) {
  json out = json::object();
  for (std::size_t code = 0; code < codes.size(); ++code) {
    if (codes[code] == 0) continue;
    out[std::to_string(code)] = codes[code];
  }
  return out;
}

json drops(const dsmip4::DropCounters& counters) {
  json out = json::object();
  for (std::size_t i = 0; i < dsmip4::kDropReasonCount; ++i) {
    out[std::string(dsmip4::dropReasonName(static_cast<dsmip4::DropReason>(i)))] =
        counters.counts[i];
  }
  return out;
}

json daemonCounters(const DaemonCounters& c) {
  json out = json::object();
  for (const auto& [name, value] : c) out[name] = value;
  return out;
}

std::string lifetimeText(std::uint16_t lifetime) {
  return lifetime == wire::kMipv4InfiniteLifetime ? "infinite" : std::to_string(lifetime) + "s";
}

// --- text ----------------------------------------------------------------------------------

std::string text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  return v.dump();
}

std::string seconds(const json& v) {
  if (!v.is_number()) return "-";
  const double s = v.get<double>();
  if (s < 10) return fmt::format("{:.2f}s", s);
  if (s < 600) return fmt::format("{:.1f}s", s);
  return fmt::format("{:.0f}s", s);
}

void renderCounters(std::string& out, const std::string& title, const json& object,
                    bool skip_zero) {
  if (!object.is_object()) return;
  std::size_t width = 0;
  std::size_t shown = 0;
  for (const auto& [k, v] : object.items()) {
    if (skip_zero && v.is_number() && v.get<std::uint64_t>() == 0) continue;
    width = std::max(width, k.size());
    ++shown;
  }
  if (shown == 0) return;
  out += fmt::format("\n{}:\n", title);
  for (const auto& [k, v] : object.items()) {
    if (skip_zero && v.is_number() && v.get<std::uint64_t>() == 0) continue;
    out += fmt::format("  {:<{}}  {}\n", k, width, text(v));
  }
}

std::string renderHomeAgent(const json& s) {
  std::string out;
  out +=
      fmt::format("mip4-ha  {}:{} on {} ({})  tun {} mtu {}  {} mobile node(s) configured\n",
                  text(s["address"]), text(s["port"]), text(s["home_interface"]),
                  text(s["home_network"]), text(s["tun"]), text(s["mtu"]), text(s["mobile_nodes"]));
  const json& bindings = s["bindings"];
  out += fmt::format("bindings: {}\n", bindings.is_array() ? bindings.size() : 0);
  if (bindings.is_array()) {
    for (const json& b : bindings) {
      out += fmt::format(
          "\n  {}  care-of {}  via {}{}  {}\n", text(b["home_address"]), text(b["care_of_address"]),
          text(b["transport"]),
          b.value("udp_endpoint", json()).is_null() ? "" : " " + text(b["udp_endpoint"]),
          b.value("nat_detected", false) ? "(NAT detected)" : "(no NAT)");
      out += fmt::format(
          "    lifetime {}  remaining {}  age {}  reverse tunnel {}  F {}  keep-alive {}s, last "
          "{} ago\n",
          text(b["lifetime"]), seconds(b["remaining_s"]), seconds(b["age_s"]),
          text(b["reverse_tunnel"]), text(b["udp_forced"]), text(b["keepalive_interval_s"]),
          seconds(b["since_last_keepalive_s"]));
      out += fmt::format("    packets to the MN {}  from the MN {}  identification {}\n",
                         text(b["packets_to_mn"]), text(b["packets_from_mn"]),
                         text(b["identification"]));
      for (const json& p : b.value("prefixes", json::array())) {
        out += fmt::format("    prefix {}  tunnel to the {}{}\n", text(p["prefix"]),
                           text(p["mode"]), p.value("link_local", false) ? " (link-local)" : "");
      }
    }
  }
  renderCounters(out, "counters", s["counters"], true);
  renderCounters(out, "replies by code", s["reply_codes"], true);
  renderCounters(out, "requests discarded", s["discarded"], true);
  renderCounters(out, "drops towards mobile nodes", s["drops"]["forward"], true);
  renderCounters(out, "drops from mobile nodes", s["drops"]["reverse"], true);
  renderCounters(out, "daemon", s["daemon_counters"], false);
  return out;
}

std::string renderMobileNode(const json& s) {
  std::string out;
  out +=
      fmt::format("mip4-mn  home address {}  home agent {}  tun {} mtu {}\n",
                  text(s["home_address"]), text(s["home_agent"]), text(s["tun"]), text(s["mtu"]));
  const json& coa = s["care_of"];
  out += fmt::format("state:              {}\n", text(s["state"]));
  out += fmt::format("care-of address:    {}\n",
                     coa.is_null() ? std::string("none")
                                   : fmt::format("{}:{} on {}", text(coa["address"]),
                                                 text(coa["port"]), text(coa["interface"])));
  out += fmt::format("binding:            {}, lifetime {}, remaining {}\n",
                     s.value("binding_valid", false) ? "valid" : "none",
                     text(s["granted_lifetime"]), seconds(s["remaining_s"]));
  out += fmt::format("next registration:  {} (transmissions {}, last reply code {})\n",
                     seconds(s["next_registration_s"]), text(s["transmissions"]),
                     text(s["last_reply_code"]));
  out += fmt::format("tunnel:             {}{}\n", text(s["transport"]),
                     s["transport"] == "udp"
                         ? fmt::format(" (F {}, keep-alive every {}s, next in {}, {} missed)",
                                       text(s["udp_forced"]), text(s["keepalive_interval_s"]),
                                       seconds(s["next_keepalive_s"]), text(s["keepalive_misses"]))
                         : std::string());
  out += fmt::format("home agent DSMIPv4: {}\n", text(s["home_agent_supports_dsmipv4"]));
  for (const json& p : s.value("prefixes", json::array())) {
    out +=
        fmt::format("prefix {}  {}  address {}  mode {}  code {}\n", text(p["prefix"]),
                    text(p["status"]), text(p["address"]), text(p["mode"]), text(p["reply_code"]));
  }
  renderCounters(out, "counters", s["counters"], true);
  renderCounters(out, "replies by code", s["reply_codes"], true);
  renderCounters(out, "replies discarded", s["replies_discarded"], true);
  renderCounters(out, "drops into the tunnel", s["drops"]["send"], true);
  renderCounters(out, "drops from the tunnel", s["drops"]["receive"], true);
  renderCounters(out, "daemon", s["daemon_counters"], false);
  return out;
}

}  // namespace

json homeAgentCounters(const dsmip4::HomeAgentStats& st) {
  return json{
      {"requests-received", st.requests_received},
      {"registrations-accepted", st.registrations_accepted},
      {"deregistrations", st.deregistrations},
      {"replies-sent", st.replies_sent},
      {"authentication-failures", st.authentication_failures},
      {"identification-mismatches", st.identification_mismatches},
      {"bindings-created", st.bindings_created},
      {"bindings-expired", st.bindings_expired},
      {"bindings-revoked", st.bindings_revoked},
      {"nat-detected", st.nat_detected},
      {"udp-tunnels-assented", st.udp_tunnels_assented},
      {"udp-tunnels-declined", st.udp_tunnels_declined},
      {"udp-tunnel-requests-skipped", st.udp_tunnel_requests_skipped},
      {"prefixes-accepted-to-home-address", st.prefixes_accepted_to_home_address},
      {"prefixes-accepted-to-care-of", st.prefixes_accepted_to_care_of},
      {"prefixes-rejected-unspecified", st.prefixes_rejected_unspecified},
      {"prefixes-rejected-prohibited", st.prefixes_rejected_prohibited},
      {"prefix-overlaps-refused", st.prefix_overlaps_refused},
      {"prefixes-removed", st.prefixes_removed},
      {"forwarded-ipv4", st.forwarded_ipv4},
      {"forwarded-ipv6", st.forwarded_ipv6},
      {"reverse-ipv4", st.reverse_ipv4},
      {"reverse-ipv6", st.reverse_ipv6},
      {"keepalives-received", st.keepalives_received},
      {"security-events", st.security_events},
      {"ecn-anomalies", st.ecn_anomalies},
  };
}

json mobileNodeCounters(const dsmip4::MobileNodeStats& st) {
  return json{
      {"requests-sent", st.requests_sent},
      {"retransmissions", st.retransmissions},
      {"replies-received", st.replies_received},
      {"registrations", st.registrations},
      {"deregistrations", st.deregistrations},
      {"rejections", st.rejections},
      {"resynchronisations", st.resynchronisations},
      {"movements", st.movements},
      {"bindings-expired", st.bindings_expired},
      {"keepalives-sent", st.keepalives_sent},
      {"keepalive-replies", st.keepalive_replies},
      {"keepalive-failures", st.keepalive_failures},
      {"sent-ipv4", st.sent_ipv4},
      {"sent-ipv6", st.sent_ipv6},
      {"received-ipv4", st.received_ipv4},
      {"received-ipv6", st.received_ipv6},
      {"ecn-anomalies", st.ecn_anomalies},
  };
}

json homeAgentStatus(const dsmip4::HomeAgent& home_agent, const HomeAgentStatusContext& context,
                     TimePoint now) {
  const dsmip4::HomeAgentSnapshot snap = home_agent.snapshot(now);
  const dsmip4::HomeAgentConfig& c = home_agent.config();
  json s;
  s["daemon"] = "mip4-ha";
  s["address"] = c.address.toString();
  s["port"] = c.port;
  s["home_interface"] = context.home_interface;
  s["home_network"] = context.home_network ? json(context.home_network->toString()) : json(nullptr);
  s["tun"] = context.tun;
  s["mtu"] = context.mtu;
  s["keepalive_interval_s"] = c.keepalive_interval.count();
  s["mobile_nodes"] = snap.mobile_nodes;
  json configured = json::array();
  for (const dsmip4::MobileNodePolicy& p : c.mobile_nodes) {
    json grants = json::array();
    for (const dsmip4::PrefixGrant& g : p.prefixes) grants.push_back(g.prefix.toString());
    configured.push_back(json{
        {"home_address", p.home_address.toString()}, {"spi", p.key.spi}, {"prefixes", grants}});
  }
  s["configured"] = configured;
  json bindings = json::array();
  for (const dsmip4::HomeAgentBindingInfo& b : snap.bindings) {
    json j;
    j["home_address"] = b.home_address.toString();
    j["care_of_address"] = b.care_of_address.toString();
    j["request_source"] = b.request_source.toString();
    j["nat_detected"] = b.nat_detected;
    j["transport"] = std::string(dsmip4::tunnelTransportName(b.transport));
    j["udp_endpoint"] = b.udp_endpoint ? json(b.udp_endpoint->toString()) : json(nullptr);
    j["udp_forced"] = b.udp_forced;
    j["keepalive_interval_s"] = b.keepalive_interval.count();
    j["since_last_keepalive_s"] = optionalSeconds(b.since_last_keepalive);
    j["reverse_tunnel"] = b.reverse_tunnel;
    j["lifetime"] = lifetimeText(b.lifetime);
    j["lifetime_s"] = b.lifetime == wire::kMipv4InfiniteLifetime ? json(nullptr) : json(b.lifetime);
    j["remaining_s"] = optionalSeconds(b.remaining);
    j["age_s"] = toSeconds(b.age);
    j["identification"] = fmt::format("{:016x}", b.identification);
    json prefixes = json::array();
    for (const dsmip4::HomeAgentPrefixInfo& p : b.prefixes) {
      prefixes.push_back(json{{"prefix", p.prefix.toString()},
                              {"mode", std::string(dsmip4::ipv6TunnelModeName(p.mode))},
                              {"link_local", p.link_local}});
    }
    j["prefixes"] = std::move(prefixes);
    j["packets_to_mn"] = b.packets_to_mobile_node;
    j["packets_from_mn"] = b.packets_from_mobile_node;
    bindings.push_back(std::move(j));
  }
  s["bindings"] = std::move(bindings);
  s["counters"] = homeAgentCounters(snap.stats);
  s["reply_codes"] = perReplyCode(snap.stats.reply_codes);
  json discarded = json::object();
  for (std::size_t i = 0; i < dsmip4::kRequestDiscardCount; ++i) {
    discarded[std::string(dsmip4::requestDiscardName(static_cast<dsmip4::RequestDiscard>(i)))] =
        snap.stats.discarded[i];
  }
  s["discarded"] = std::move(discarded);
  s["drops"] = json{{"forward", drops(snap.stats.forward_drops)},
                    {"reverse", drops(snap.stats.reverse_drops)}};
  s["daemon_counters"] = daemonCounters(context.daemon_counters);
  return s;
}

json mobileNodeStatus(const dsmip4::MobileNode& mobile_node, const dsmip4::MobileNodeConfig& config,
                      const MobileNodeStatusContext& context, TimePoint now) {
  const dsmip4::MobileNodeSnapshot snap = mobile_node.snapshot(now);
  json s;
  s["daemon"] = "mip4-mn";
  s["tun"] = context.tun;
  s["mtu"] = context.mtu;
  s["table"] = context.table;
  s["state"] = std::string(dsmip4::mobileNodeStateName(snap.state));
  s["home_address"] = snap.home_address.toString();
  s["home_agent"] = snap.home_agent.toString();
  s["spi"] = config.key.spi;
  s["requested_lifetime_s"] = config.lifetime.count();
  if (snap.care_of) {
    s["care_of"] = json{{"address", snap.care_of->address.toString()},
                        {"port", snap.care_of->port},
                        {"interface", snap.care_of->interface}};
  } else {
    s["care_of"] = nullptr;
  }
  s["binding_valid"] = snap.binding_valid;
  s["granted_lifetime"] = snap.binding_valid || snap.granted_lifetime != 0
                              ? json(lifetimeText(snap.granted_lifetime))
                              : json(nullptr);
  s["remaining_s"] = optionalSeconds(snap.remaining);
  s["next_registration_s"] = optionalSeconds(snap.next_registration);
  s["transmissions"] = snap.transmissions;
  s["last_reply_code"] = snap.last_reply_code ? json(*snap.last_reply_code) : json(nullptr);
  s["last_reply"] = snap.last_reply_code
                        ? json(std::string(wire::registrationReplyCodeName(
                              static_cast<wire::RegistrationReplyCode>(*snap.last_reply_code))))
                        : json(nullptr);
  s["home_agent_supports_dsmipv4"] =
      snap.home_agent_supports_dsmipv4 ? json(*snap.home_agent_supports_dsmipv4) : json(nullptr);
  s["transport"] = std::string(dsmip4::tunnelTransportName(snap.transport));
  s["udp_forced"] = snap.udp_forced;
  s["keepalive_interval_s"] = snap.keepalive_interval.count();
  s["next_keepalive_s"] = optionalSeconds(snap.next_keepalive);
  s["keepalive_misses"] = snap.keepalive_misses;
  json prefixes = json::array();
  for (const dsmip4::MobileNodePrefixInfo& p : snap.prefixes) {
    json j;
    j["prefix"] = p.request.link_local ? p.request.prefix.address.toString() + "/128"
                                       : p.request.prefix.toString();
    j["link_local"] = p.request.link_local;
    j["address"] = p.address.toString();
    j["status"] = std::string(dsmip4::prefixStatusName(p.status));
    j["mode"] = p.mode ? json(std::string(dsmip4::ipv6TunnelModeName(*p.mode))) : json(nullptr);
    j["reply_code"] = p.reply_code ? json(*p.reply_code) : json(nullptr);
    prefixes.push_back(std::move(j));
  }
  s["prefixes"] = std::move(prefixes);
  s["counters"] = mobileNodeCounters(snap.stats);
  s["reply_codes"] = perReplyCode(snap.stats.reply_codes);
  json discarded = json::object();
  for (std::size_t i = 0; i < dsmip4::kReplyDiscardCount; ++i) {
    discarded[std::string(dsmip4::replyDiscardName(static_cast<dsmip4::ReplyDiscard>(i)))] =
        snap.stats.replies_discarded[i];
  }
  s["replies_discarded"] = std::move(discarded);
  s["drops"] =
      json{{"send", drops(snap.stats.send_drops)}, {"receive", drops(snap.stats.receive_drops)}};
  s["daemon_counters"] = daemonCounters(context.daemon_counters);
  return s;
}

std::string handleHomeAgentControl(const dsmip4::HomeAgent& home_agent,
                                   const HomeAgentStatusContext& context, std::string_view request,
                                   TimePoint now) {
  ControlDispatcher dispatcher;
  dispatcher.add("show", "bindings, prefixes, tunnel modes, NAT state and counters",
                 [&](const json&) { return homeAgentStatus(home_agent, context, now); });
  return dispatcher.handle(request);
}

std::string handleMobileNodeControl(const dsmip4::MobileNode& mobile_node,
                                    const dsmip4::MobileNodeConfig& config,
                                    const MobileNodeStatusContext& context,
                                    std::string_view request, TimePoint now) {
  ControlDispatcher dispatcher;
  dispatcher.add("show",
                 "registration state, prefixes and their tunnel mode, next registration, counters",
                 [&](const json&) { return mobileNodeStatus(mobile_node, config, context, now); });
  return dispatcher.handle(request);
}

std::optional<std::string> renderMip4StatusText(const nlohmann::json& status) {
  const std::string daemon = status.value("daemon", "");
  if (daemon == "mip4-ha") return renderHomeAgent(status);
  if (daemon == "mip4-mn") return renderMobileNode(status);
  return std::nullopt;
}

}  // namespace dsmip::daemon
