#include "daemon/mn_status.hpp"

#include <fmt/format.h>

#include "daemon/control.hpp"
#include "daemon/ha_status.hpp"
#include "wire/mh.hpp"

namespace dsmip::daemon {

using nlohmann::json;

namespace {

json seconds(const std::optional<Duration>& d) { return d ? json(toSeconds(*d)) : json(nullptr); }

json candidateJson(const dsmip6::CareOfCandidate& c) {
  return json{{"address", dsmip6::careOfToString(c.address)},
              {"family", dsmip6::isIpv4(c.address) ? "ipv4" : "ipv6"},
              {"interface", c.interface},
              {"preference", c.preference}};
}

json pathJson(const dsmip6::DataPath& p) {
  json j;
  j["encapsulation"] = std::string(dsmip6::encapsulationName(p.encapsulation));
  if (p.encapsulation == dsmip6::Encapsulation::None) return j;
  j["care_of"] = dsmip6::careOfToString(p.care_of);
  j["interface"] = p.interface;
  if (p.encapsulation == dsmip6::Encapsulation::Ipv6) {
    j["home_agent"] = p.home_agent.toString();
  } else {
    j["local"] = p.local.toString();
    j["home_agent"] = p.home_agent_ipv4.toString();
  }
  j["nat_detected"] = p.nat_detected;
  return j;
}

json mnCounters(const dsmip6::MobileNodeStats& s) {
  return json{{"binding-updates-sent", s.binding_updates_sent},
              {"retransmissions", s.retransmissions},
              {"binding-acks-received", s.binding_acks_received},
              {"binding-errors-received", s.binding_errors_received},
              {"refresh-requests-received", s.refresh_requests_received},
              {"registrations", s.registrations},
              {"handovers", s.handovers},
              {"refreshes", s.refreshes},
              {"nat-keepalives", s.nat_keepalives},
              {"fallbacks-to-ipv4", s.fallbacks_to_ipv4},
              {"bindings-lost", s.bindings_lost},
              {"deregistrations", s.deregistrations},
              {"rate-limited", s.rate_limited},
              {"mobile-prefix-solicitations-sent", s.mobile_prefix_solicitations_sent},
              {"mobile-prefix-advertisements-received", s.mobile_prefix_advertisements_received},
              {"binding-errors-sent", s.binding_errors_sent},
              {"packets-encapsulated", s.packets_encapsulated},
              {"bytes-encapsulated", s.bytes_encapsulated},
              {"packets-decapsulated", s.packets_decapsulated},
              {"bytes-decapsulated", s.bytes_decapsulated},
              {"ecn-anomalies", s.ecn_anomalies}};
}

}  // namespace

json mnStatus(const dsmip6::MobileNode& mobile_node, const MnStatusContext& context,
              TimePoint now) {
  const dsmip6::MobileNodeSnapshot snap = mobile_node.snapshot(now);
  const dsmip6::MobileNodeConfig& c = mobile_node.config();
  json s;
  s["daemon"] = "mn";
  s["tun"] = context.tun;
  s["tun_mtu"] = context.tun_mtu;
  s["home_agent"] = snap.home_agent.toString();
  s["home_agent_ipv4"] =
      snap.home_agent_ipv4 ? json(snap.home_agent_ipv4->toString()) : json(nullptr);
  s["home_agent_name"] = context.home_agent_name ? json(*context.home_agent_name) : json(nullptr);
  s["home_prefix"] = c.home_prefix.toString();
  s["local_udp_port"] = context.local_udp_port;
  s["at_home"] = snap.at_home;
  s["home_interface"] = snap.home_interface.empty() ? json(nullptr) : json(snap.home_interface);
  s["care_of"] = snap.care_of ? candidateJson(*snap.care_of) : json(nullptr);
  s["encapsulation"] = std::string(dsmip6::encapsulationName(snap.encapsulation));
  s["nat_detected"] = snap.nat_detected;
  s["nat_keepalive_s"] = seconds(snap.nat_keepalive);
  s["ipv4_home_address"] =
      snap.ipv4_home_address ? json(snap.ipv4_home_address->toString()) : json(nullptr);
  json v4 = json::array();
  for (const auto& p : snap.ipv4_prefixes) v4.push_back(p.toString());
  s["ipv4_prefixes"] = v4;
  s["ipv4_home_address_unsupported"] = snap.ipv4_home_address_unsupported;
  json learnt = json::array();
  for (const auto& p : snap.home_prefixes) {
    learnt.push_back(fmt::format("{}/{}", p.prefix.toString(), p.prefix_length));
  }
  s["home_prefixes_learnt"] = learnt;
  s["stopping"] = context.stopping;
  json list = json::array();
  for (const auto& e : snap.entries) {
    json j;
    j["home_address"] = e.home_address.toString();
    j["state"] = std::string(dsmip6::registrationStateName(e.state));
    j["registered_care_of"] =
        e.registered_care_of ? json(dsmip6::careOfToString(*e.registered_care_of)) : json(nullptr);
    j["pending_care_of"] =
        e.pending_care_of ? json(dsmip6::careOfToString(*e.pending_care_of)) : json(nullptr);
    j["sequence"] = e.sequence;
    j["lifetime_s"] = toSeconds(e.lifetime);
    j["lifetime_left_s"] = seconds(e.lifetime_left);
    j["next_refresh_s"] = seconds(e.next_refresh);
    j["next_retransmission_s"] = seconds(e.next_retransmission);
    j["attempts"] = e.attempts;
    j["last_status"] = e.last_status ? json(static_cast<int>(*e.last_status)) : json(nullptr);
    j["last_status_name"] =
        e.last_status ? json(std::string(wire::baStatusName(*e.last_status))) : json(nullptr);
    j["path"] = pathJson(e.path);
    list.push_back(std::move(j));
  }
  s["binding_update_list"] = std::move(list);
  json candidates = json::array();
  for (const auto& cand : context.candidates) candidates.push_back(candidateJson(cand));
  s["candidates"] = std::move(candidates);
  json routes = json::array();
  for (const auto& r : context.routes) routes.push_back(r);
  s["routes"] = std::move(routes);
  s["counters"] = mnCounters(snap.stats);
  json acks = json::object();
  for (std::size_t i = 0; i < snap.stats.binding_ack_status.size(); ++i) {
    if (snap.stats.binding_ack_status[i] != 0) {
      acks[std::to_string(i)] = snap.stats.binding_ack_status[i];
    }
  }
  s["binding_acks"] = std::move(acks);
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

std::string handleMnControl(const dsmip6::MobileNode& mobile_node, const MnStatusContext& context,
                            std::string_view request, TimePoint now) {
  ControlDispatcher dispatcher;
  dispatcher.add("show",
                 "Binding Update List, care-of address, NAT status, encapsulation and counters "
                 "of the mobile node",
                 [&](const json&) { return mnStatus(mobile_node, context, now); });
  return dispatcher.handle(request);
}

std::string renderMnStatusText(const json& s) {
  std::string out;
  std::string agent = renderText(s["home_agent"]);
  if (s["home_agent_name"].is_string()) agent = renderText(s["home_agent_name"]) + " = " + agent;
  out += fmt::format("mn  tun {} (mtu {})  home agent {} / {}  home prefix {}\n",
                     renderText(s["tun"]), renderText(s["tun_mtu"]), agent,
                     renderText(s["home_agent_ipv4"]), renderText(s["home_prefix"]));
  std::string where = "no care-of address";
  if (s.value("at_home", false)) {
    where = "at home on " + renderText(s["home_interface"]);
  } else if (s["care_of"].is_object()) {
    where = fmt::format("care-of {} on {}", renderText(s["care_of"]["address"]),
                        renderText(s["care_of"]["interface"]));
  }
  out += fmt::format("location:      {}\n", where);
  out += fmt::format("encapsulation: {}   NAT: {}   keep-alive: {}   local UDP port {}\n",
                     renderText(s["encapsulation"]),
                     s.value("nat_detected", false) ? "detected" : "none",
                     renderSeconds(s["nat_keepalive_s"]), renderText(s["local_udp_port"]));
  out += fmt::format("IPv4 home:     {}\n", renderText(s["ipv4_home_address"]));
  const json& list = s["binding_update_list"];
  if (list.is_array() && !list.empty()) {
    out += fmt::format("\n{:<26} {:<12} {:<26} {:<26} {:>5} {:>8} {:>8} {:>8} {:>6}\n",
                       "HOME ADDRESS", "STATE", "REGISTERED CARE-OF", "PENDING", "SEQ", "LEFT",
                       "REFRESH", "RETRANS", "STATUS");
    for (const auto& e : list) {
      out += fmt::format("{:<26} {:<12} {:<26} {:<26} {:>5} {:>8} {:>8} {:>8} {:>6}\n",
                         renderText(e["home_address"]), renderText(e["state"]),
                         renderText(e["registered_care_of"]), renderText(e["pending_care_of"]),
                         renderText(e["sequence"]), renderSeconds(e["lifetime_left_s"]),
                         renderSeconds(e["next_refresh_s"]),
                         renderSeconds(e["next_retransmission_s"]), renderText(e["last_status"]));
    }
  }
  const json& candidates = s["candidates"];
  if (candidates.is_array() && !candidates.empty()) {
    out += "\ncandidates:\n";
    for (const auto& c : candidates) {
      out += fmt::format("  {:<40} {:<16} preference {}\n", renderText(c["address"]),
                         renderText(c["interface"]), renderText(c["preference"]));
    }
  }
  const json& routes = s["routes"];
  if (routes.is_array() && !routes.empty()) {
    std::string list_text;
    for (const auto& r : routes) list_text += " " + renderText(r);
    out += fmt::format("\nroutes through {}:{}\n", renderText(s["tun"]), list_text);
  }
  renderCounterBlock(out, "counters", s["counters"]);
  renderCounterBlock(out, "binding acknowledgements received, by status", s["binding_acks"]);
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
