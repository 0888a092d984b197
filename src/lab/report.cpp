#include "lab/report.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace dsmip::lab {

using nlohmann::json;

bool LabReport::ok() const {
  if (!failure.empty() || interrupted || scenarios.empty()) return false;
  return std::all_of(scenarios.begin(), scenarios.end(),
                     [](const ScenarioResult& r) { return r.ok(); });
}

std::string formatDuration(const std::optional<Duration>& d) {
  if (!d) return "—";
  const double seconds = toSeconds(*d);
  if (seconds < 0) return "-" + formatDuration(-*d);
  if (seconds < 0.001) return fmt::format("{:.0f} µs", seconds * 1e6);
  if (seconds < 10) return fmt::format("{:.{}f} ms", seconds * 1e3, seconds < 0.01 ? 2 : 0);
  return fmt::format("{:.2f} s", seconds);
}

std::string formatBytes(double bytes) {
  if (bytes < 1000) return fmt::format("{:.0f} B", bytes);
  if (bytes < 1e6) return fmt::format("{:.1f} kB", bytes / 1e3);
  return fmt::format("{:.2f} MB", bytes / 1e6);
}

namespace {

std::string optionalNumber(const std::optional<std::uint32_t>& v) {
  return v ? std::to_string(*v) : std::string("—");
}

json seconds(const std::optional<Duration>& d) { return d ? json(toSeconds(*d)) : json(nullptr); }
json milliseconds(const std::optional<Duration>& d) {
  return d ? json(toSeconds(*d) * 1e3) : json(nullptr);
}
template <typename T>
json optional(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

std::string networkName(const std::string& id) { return id.empty() ? "(none)" : id; }

std::string tcpPart(const TcpHandover& t) {
  if (!t.resumed) return fmt::format("{} did not resume", t.stream);
  return fmt::format("{} stalled {}{}", t.stream, formatDuration(t.stall),
                     t.session_kept ? "" : ", re-established");
}

}  // namespace

std::string handoverLine(const HandoverResult& h) {
  std::string line =
      h.initial ? fmt::format("attached to {} ({})", h.to, h.mechanism)
                : fmt::format("handover {} → {} ({})", networkName(h.from), h.to, h.mechanism);
  if (!h.recovered) {
    line += fmt::format(": NOT recovered, {} probes lost", h.lost);
  } else if (h.initial) {
    line += fmt::format(": probes answered after {}", formatDuration(h.recovery));
  } else {
    line += fmt::format(": recovered after {}, interruption {}, {} probe{} lost",
                        formatDuration(h.recovery), formatDuration(h.interruption), h.lost,
                        h.lost == 1 ? "" : "s");
  }
  if (h.recovered && !h.within_bound)
    line += fmt::format(" (bound {} EXCEEDED)", formatDuration(h.bound));
  for (const TcpHandover& t : h.tcp) line += "; " + tcpPart(t);
  if (h.signalling_messages)
    line += fmt::format("; {} signalling messages", *h.signalling_messages);
  return line;
}

std::string scenarioText(const ScenarioResult& r) {
  std::string out = fmt::format("\n== {} — {}\n", r.name, r.title);
  if (!r.failure.empty()) out += fmt::format("   FAILED: {}\n", r.failure);
  out += fmt::format("   {:<28} {:<18} {:>10} {:>12} {:>6}  {}\n", "handover", "mechanism",
                     "recovered", "interruption", "lost", "tcp");
  for (const HandoverResult& h : r.handovers) {
    const std::string what = h.initial ? "start → " + h.to : networkName(h.from) + " → " + h.to;
    std::string tcp;
    for (const TcpHandover& t : h.tcp) {
      tcp += (tcp.empty() ? "" : ", ") +
             (t.resumed ? formatDuration(t.stall) + (t.session_kept ? "" : " (new)") : "stuck");
    }
    out +=
        fmt::format("   {:<28} {:<18} {:>10} {:>12} {:>6}  {}{}\n", what, h.mechanism,
                    h.recovered ? formatDuration(h.recovery) : "NO", formatDuration(h.interruption),
                    h.lost, tcp, h.within_bound ? "" : "  ← beyond its bound");
  }
  out += fmt::format("   {:<22} {:>7} {:>7} {:>6} {:>9} {:>10} {:>10}\n", "stream", "sent",
                     "answered", "lost", "in h/o", "outside", "rtt median");
  for (const StreamSummary& s : r.streams) {
    out += fmt::format("   {:<22} {:>7} {:>7} {:>6} {:>9} {:>10} {:>10}\n", s.name, s.sent,
                       s.answered, s.lost, s.lost_in_handovers, s.lost_outside_handovers,
                       formatDuration(s.rtt.median));
    if (!s.lost_outside_at_s.empty()) {
      std::string when;
      for (double t : s.lost_outside_at_s)
        when += fmt::format("{}{:.2f} s", when.empty() ? "" : ", ", t);
      out += fmt::format("     {} lost outside the handovers, sent at {}\n", s.name, when);
    }
  }
  for (const TcpSummary& t : r.tcp) {
    out += fmt::format("   {:<22} {} sent, {} received, {} connection{}\n", t.name,
                       formatBytes(static_cast<double>(t.bytes_sent)),
                       formatBytes(static_cast<double>(t.bytes_received)), t.connections,
                       t.connections == 1 ? "" : "s");
  }
  const ScenarioChecks& c = r.checks;
  auto mark = [](bool ok) { return ok ? "yes" : "NO"; };
  out += fmt::format(
      "   checks: both directions, every family: {}; every handover recovered within its bound: "
      "{}; no loss outside handovers: {}; TCP resumed{}: {}\n",
      mark(c.reached_both_directions), mark(c.all_recovered_within_bound),
      mark(c.no_loss_outside_handovers), r.expectations.sessions_survive ? " with its session" : "",
      mark(c.tcp_resumed));
  if (c.signalling_esp_protected) {
    out += fmt::format("   signalling ESP-protected: {}\n", mark(*c.signalling_esp_protected));
  }
  for (const EspRecord& e : r.esp) out += "   " + espLine(e) + "\n";
  for (const std::string& note : r.notes) out += "   note: " + note + "\n";
  return out;
}

std::string espLine(const EspRecord& e) {
  if (!e.read) return fmt::format("ESP ({}): no counters (the daemon did not answer)", e.role);
  std::string accepted;
  for (const auto& [label, count] : e.accepted) {
    accepted += fmt::format("{}{} {}", accepted.empty() ? "" : ", ", label, count);
  }
  return fmt::format(
      "ESP ({}, filter {}): {} sent protected, {} accepted ({}); dropped: {} unprotected, {} ICV, "
      "{} replayed, {} in all; other unprotected packets discarded (require_esp): {}",
      e.role, e.filter, e.outbound_protected, e.inbound_accepted,
      accepted.empty() ? std::string("-") : accepted, e.unprotected_drops, e.icv_failures,
      e.replay_drops, e.inbound_drops, e.unprotected_other);
}

std::string summaryTable(const std::vector<MechanismSummary>& rows) {
  std::string out = "\nComparison of the mechanisms (measured)\n";
  const std::string header =
      fmt::format("{:<26} {:>13} {:>9} {:>21} {:>6} {:>12} {:>22} {:>10}\n", "mechanism",
                  "overhead v6/v4", "handovers", "interruption med/max", "lost", "signalling/ho",
                  "keep-alive/h (lab/dflt)", "RTT added");
  out += header;
  out += std::string(header.size() - 1, '-') + "\n";
  for (const MechanismSummary& m : rows) {
    const std::string overhead =
        fmt::format("{} / {} B", optionalNumber(m.overhead_ipv6), optionalNumber(m.overhead_ipv4));
    const std::string interruption =
        m.handovers == 0
            ? std::string("—")
            : formatDuration(m.interruption.median) + " / " + formatDuration(m.interruption.max);
    const std::string signalling =
        m.signalling_per_handover ? fmt::format("{:.1f}", *m.signalling_per_handover) : "—";
    const std::string keepalive =
        m.keepalive_bytes_per_hour ? formatBytes(*m.keepalive_bytes_per_hour) + " / " +
                                         formatBytes(m.keepalive_bytes_per_hour_default.value_or(0))
                                   : std::string("—");
    out += fmt::format("{:<26} {:>13} {:>9} {:>21} {:>6} {:>12} {:>22} {:>10}\n", m.mechanism,
                       overhead, m.handovers, interruption, m.lost, signalling, keepalive,
                       formatDuration(m.rtt_added));
  }
  out +=
      "overhead: wire size of the probes' packets minus their IP size, per family; interruption:"
      " first lost to first answered probe;\nkeep-alive: bytes on the visited link while every "
      "probe pauses, per hour, at the lab's intervals / scaled to the default ones;\nRTT added: "
      "median probe round trip through the mechanism minus the direct one from the same network "
      "(the lab's links have no delay: this is the tunnel's path and processing).\n";
  for (const MechanismSummary& m : rows) {
    if (!m.keepalive_note.empty()) out += fmt::format("{}: {}\n", m.mechanism, m.keepalive_note);
  }
  return out;
}

std::string unavailableText(const std::vector<UnavailableMechanism>& unavailable) {
  if (unavailable.empty()) return {};
  std::string out = "Not shown by this build (no scenario runs them):\n";
  for (const UnavailableMechanism& u : unavailable) {
    out += fmt::format("  {:<26} {}\n", u.mechanism, u.reason);
  }
  return out;
}

json reportJson(const LabReport& report) {
  json j;
  j["dsmip_version"] = report.version;
  j["ok"] = report.ok();
  j["interrupted"] = report.interrupted;
  j["failure"] = report.failure.empty() ? json(nullptr) : json(report.failure);
  const RunSettings& s = report.settings;
  j["settings"] = {
      {"dwell_s", toSeconds(s.dwell)},
      {"idle_s", toSeconds(s.idle)},
      {"echo_interval_ms", toSeconds(s.echo_interval) * 1e3},
      {"native_interval_ms", toSeconds(s.native_interval) * 1e3},
      {"tcp_kbit_per_second", s.tcp_kbit_per_second},
      {"probe_size_ipv6", s.analysis.probe_size_ipv6},
      {"probe_size_ipv4", s.analysis.probe_size_ipv4},
      {"guard_ms", toSeconds(s.analysis.guard) * 1e3},
      {"stable_replies", s.analysis.stable_replies},
  };
  json scenarios = json::array();
  for (const ScenarioResult& r : report.scenarios) {
    json sj;
    sj["name"] = r.name;
    sj["title"] = r.title;
    sj["ok"] = r.ok();
    sj["failure"] = r.failure.empty() ? json(nullptr) : json(r.failure);
    sj["duration_s"] = r.duration_s;
    json families = json::array();
    for (Family f : r.families) families.push_back(familyName(f));
    sj["families"] = families;
    sj["expectations"] = {
        {"recovery_bound_s", toSeconds(r.expectations.recovery_bound)},
        {"initial_bound_s", toSeconds(r.expectations.initial_bound)},
        {"tcp_bound_s", toSeconds(r.expectations.tcp_bound)},
        {"sessions_survive", r.expectations.sessions_survive},
    };
    sj["checks"] = {
        {"reached_both_directions", r.checks.reached_both_directions},
        {"all_recovered_within_bound", r.checks.all_recovered_within_bound},
        {"no_loss_outside_handovers", r.checks.no_loss_outside_handovers},
        {"tcp_resumed", r.checks.tcp_resumed},
    };
    if (r.checks.signalling_esp_protected) {
      sj["checks"]["signalling_esp_protected"] = *r.checks.signalling_esp_protected;
    }
    sj["expectations"]["esp"] = r.expectations.esp;
    json esp = json::array();
    for (const EspRecord& e : r.esp) {
      json accepted = json::object();
      for (const auto& [label, count] : e.accepted) accepted[label] = count;
      esp.push_back({{"role", e.role},
                     {"filter", e.filter},
                     {"read", e.read},
                     {"outbound_protected", e.outbound_protected},
                     {"inbound_accepted", e.inbound_accepted},
                     {"accepted", accepted},
                     {"required", e.required},
                     {"unprotected_drops", e.unprotected_drops},
                     {"unprotected_other", e.unprotected_other},
                     {"icv_failures", e.icv_failures},
                     {"replay_drops", e.replay_drops},
                     {"inbound_drops", e.inbound_drops}});
    }
    sj["esp"] = esp;
    json handovers = json::array();
    for (const HandoverResult& h : r.handovers) {
      json hj;
      hj["initial"] = h.initial;
      hj["from"] = h.from.empty() ? json(nullptr) : json(h.from);
      hj["to"] = h.to;
      hj["mechanism"] = h.mechanism;
      hj["at_s"] = h.at_s;
      hj["recovered"] = h.recovered;
      hj["within_bound"] = h.within_bound;
      hj["bound_s"] = toSeconds(h.bound);
      hj["recovery_s"] = seconds(h.recovery);
      hj["interruption_s"] = toSeconds(h.interruption);
      hj["lost"] = h.lost;
      hj["signalling_messages"] = optional(h.signalling_messages);
      hj["tcp_ok"] = h.tcp_ok;
      json streams = json::array();
      for (const EchoHandover& e : h.echo) {
        streams.push_back({{"stream", e.stream},
                           {"lost", e.lost},
                           {"interruption_s", toSeconds(e.interruption)},
                           {"recovery_s", seconds(e.recovery)}});
      }
      hj["streams"] = streams;
      json tcp = json::array();
      for (const TcpHandover& t : h.tcp) {
        tcp.push_back({{"stream", t.stream},
                       {"stall_s", toSeconds(t.stall)},
                       {"resumed", t.resumed},
                       {"session_kept", t.session_kept}});
      }
      hj["tcp"] = tcp;
      handovers.push_back(hj);
    }
    sj["handovers"] = handovers;
    json attachments = json::array();
    for (const AttachmentResult& a : r.attachments) {
      json aj;
      aj["network"] = a.network;
      aj["network_title"] = a.network_title;
      aj["mechanism"] = a.mechanism;
      aj["mechanism_detail"] = a.mechanism_detail;
      aj["at_s"] = a.at_s;
      aj["duration_s"] = a.duration_s;
      aj["rtt_ms"] = {{"ipv6", milliseconds(a.rtt_ipv6)},
                      {"ipv4", milliseconds(a.rtt_ipv4)},
                      {"native", milliseconds(a.rtt_native)}};
      aj["native_family"] = familyName(a.native_family);
      aj["rtt_added_ms"] = milliseconds(a.rtt_added);
      aj["overhead_bytes"] = {
          {"ipv6",
           {{"to_mn", optional(a.overhead_ipv6.to_mn)},
            {"from_mn", optional(a.overhead_ipv6.from_mn)}}},
          {"ipv4",
           {{"to_mn", optional(a.overhead_ipv4.to_mn)},
            {"from_mn", optional(a.overhead_ipv4.from_mn)}}},
      };
      if (a.idle_s) {
        aj["idle"] = {{"seconds", *a.idle_s},
                      {"bytes", a.idle_bytes},
                      {"packets", a.idle_packets},
                      {"bytes_per_hour", optional(a.keepalive_bytes_per_hour)},
                      {"bytes_per_hour_default", optional(a.keepalive_bytes_per_hour_default)}};
      } else {
        aj["idle"] = nullptr;
      }
      aj["signalling_messages"] = optional(a.signalling_messages);
      attachments.push_back(aj);
    }
    sj["attachments"] = attachments;
    json streams = json::array();
    for (const StreamSummary& st : r.streams) {
      streams.push_back({{"name", st.name},
                         {"family", familyName(st.family)},
                         {"direction", directionName(st.direction)},
                         {"sent", st.sent},
                         {"answered", st.answered},
                         {"lost", st.lost},
                         {"lost_in_handovers", st.lost_in_handovers},
                         {"lost_outside_handovers", st.lost_outside_handovers},
                         {"lost_outside_at_s", st.lost_outside_at_s},
                         {"rtt_ms",
                          {{"median", milliseconds(st.rtt.median)},
                           {"p95", milliseconds(st.rtt.p95)},
                           {"max", milliseconds(st.rtt.max)}}}});
    }
    sj["streams"] = streams;
    json tcp = json::array();
    for (const TcpSummary& t : r.tcp) {
      tcp.push_back({{"name", t.name},
                     {"family", familyName(t.family)},
                     {"bytes_sent", t.bytes_sent},
                     {"bytes_received", t.bytes_received},
                     {"connections", t.connections}});
    }
    sj["tcp"] = tcp;
    sj["notes"] = r.notes;
    scenarios.push_back(sj);
  }
  j["scenarios"] = scenarios;
  json mechanisms = json::array();
  for (const MechanismSummary& m : report.mechanisms) {
    json mj;
    mj["mechanism"] = m.mechanism;
    mj["handovers"] = m.handovers;
    mj["overhead_bytes"] = {{"ipv6", optional(m.overhead_ipv6)},
                            {"ipv4", optional(m.overhead_ipv4)}};
    mj["interruption_s"] = {{"median", seconds(m.interruption.median)},
                            {"p95", seconds(m.interruption.p95)},
                            {"max", seconds(m.interruption.max)}};
    mj["lost"] = m.lost;
    mj["signalling_per_handover"] = optional(m.signalling_per_handover);
    mj["keepalive_bytes_per_hour"] = {{"lab", optional(m.keepalive_bytes_per_hour)},
                                      {"default", optional(m.keepalive_bytes_per_hour_default)}};
    mj["keepalive_note"] = m.keepalive_note;
    mj["rtt_added_ms"] = milliseconds(m.rtt_added);
    mechanisms.push_back(mj);
  }
  j["mechanisms"] = mechanisms;
  json unavailable = json::array();
  for (const UnavailableMechanism& u : report.unavailable) {
    unavailable.push_back({{"mechanism", u.mechanism}, {"reason", u.reason}});
  }
  j["not_available"] = unavailable;
  return j;
}

// --- Console -----------------------------------------------------------------------------

void Console::clearStatus() {
  if (!live_ || shown_.empty()) return;
  // Up to the block's first line, then clear to the end of the screen.
  std::fprintf(out_, "\033[%zuA\r\033[J", shown_.size());
  shown_.clear();
  std::fflush(out_);
}

void Console::event(double seconds, std::string_view line) {
  const std::vector<std::string> block = shown_;
  clearStatus();
  std::fprintf(out_, "[%8.3f] %.*s\n", seconds, static_cast<int>(line.size()), line.data());
  if (live_ && !block.empty()) status(block);
  std::fflush(out_);
}

void Console::status(const std::vector<std::string>& lines) {
  if (!live_) return;
  clearStatus();
  for (const std::string& l : lines) std::fprintf(out_, "%s\n", l.c_str());
  shown_ = lines;
  std::fflush(out_);
}

void Console::print(std::string_view text) {
  clearStatus();
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

}  // namespace dsmip::lab
