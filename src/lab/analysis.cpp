#include "lab/analysis.hpp"

#include <algorithm>
#include <map>

namespace dsmip::lab {

std::string_view directionName(Direction direction) {
  return direction == Direction::PeerToMn ? "peer-to-mn" : "mn-to-peer";
}

Spread spreadOf(std::vector<Duration> values) {
  Spread s;
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  s.median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  // Nearest-rank percentile: the smallest value with at least 95 % of the values at or below.
  const std::size_t rank = (n * 95 + 99) / 100;
  s.p95 = values[std::max<std::size_t>(rank, 1) - 1];
  s.max = values.back();
  return s;
}

TimePoint segmentEnd(const AttachmentRecord& a, TimePoint now) {
  if (a.idle_begin) return *a.idle_begin;
  if (a.left) return *a.left;
  return now;
}

namespace {

bool answered(const EchoSample& s) { return s.replied.has_value() && !s.send_failed; }

std::size_t firstSentAtOrAfter(const std::vector<EchoSample>& samples, TimePoint t) {
  return static_cast<std::size_t>(
      std::lower_bound(samples.begin(), samples.end(), t,
                       [](const EchoSample& s, TimePoint v) { return s.sent < v; }) -
      samples.begin());
}

// The handover window of one echo stream: [begin, recovered) in sample indices.
struct EchoWindow {
  std::size_t begin = 0;
  std::size_t end = 0;  // the recovering sample, or the end of the segment
  std::optional<std::size_t> recovered;
};

EchoWindow echoWindow(const EchoStreamRecord& stream, TimePoint moved, TimePoint segment_end,
                      bool finished, const AnalysisSettings& settings) {
  const auto& s = stream.samples;
  EchoWindow w;
  w.begin = firstSentAtOrAfter(s, moved - settings.guard);
  const std::size_t limit = firstSentAtOrAfter(s, segment_end);
  std::size_t j = firstSentAtOrAfter(s, moved);
  while (j < limit) {
    if (!answered(s[j])) {
      ++j;
      continue;
    }
    std::size_t m = j;
    std::size_t run = 0;
    while (m < limit && answered(s[m]) && run < settings.stable_replies) {
      ++run;
      ++m;
    }
    // A run cut short by the end of a finished segment still counts: the stream stopped.
    if (run >= settings.stable_replies || (finished && m == limit)) {
      w.recovered = j;
      break;
    }
    j = m;
  }
  w.end = w.recovered ? *w.recovered : limit;
  return w;
}

EchoHandover analyseEcho(const EchoStreamRecord& stream, TimePoint moved, TimePoint segment_end,
                         bool finished, const AnalysisSettings& settings) {
  const auto& s = stream.samples;
  EchoHandover h;
  h.stream = stream.name;
  const EchoWindow w = echoWindow(stream, moved, segment_end, finished, settings);
  std::optional<std::size_t> first_lost;
  for (std::size_t i = w.begin; i < w.end; ++i) {
    if (answered(s[i])) continue;
    ++h.lost;
    if (!first_lost) first_lost = i;
  }
  if (w.recovered) {
    h.recovery = std::max(Duration::zero(), s[*w.recovered].sent - moved);
    if (first_lost) h.interruption = s[*w.recovered].sent - s[*first_lost].sent;
  } else if (first_lost) {
    h.interruption = segment_end - s[*first_lost].sent;
  }
  return h;
}

TcpHandover analyseTcp(const TcpStreamRecord& stream, TimePoint moved, TimePoint segment_end,
                       const Expectations& expect, const AnalysisSettings& settings) {
  TcpHandover h;
  h.stream = stream.name;
  const auto& r = stream.reads;
  const TimePoint horizon = std::min(segment_end, moved + expect.tcp_bound);
  // The last read before the move (within a second), else the move itself.
  TimePoint previous = moved;
  for (const TcpRead& read : r) {
    if (read.at >= moved) break;
    if (read.at >= moved - std::chrono::seconds(1)) previous = read.at;
  }
  Duration longest{};
  bool any_after = false;
  for (const TcpRead& read : r) {
    if (read.at <= moved) continue;
    if (read.at > horizon) break;
    any_after = true;
    longest = std::max(longest, read.at - previous);
    previous = read.at;
  }
  if (!any_after) {
    h.stall = horizon - previous;
    h.resumed = false;
  } else {
    h.stall = longest;
    h.resumed = true;
  }
  // The first connection is the stream's start, not a broken session.
  for (std::size_t i = 1; i < stream.connections.size(); ++i) {
    const TimePoint c = stream.connections[i];
    if (c > moved - settings.guard && c < segment_end) h.session_kept = false;
  }
  return h;
}

std::optional<Duration> medianRtt(const std::vector<const EchoStreamRecord*>& streams,
                                  TimePoint from, TimePoint to) {
  std::vector<Duration> rtts;
  for (const EchoStreamRecord* stream : streams) {
    for (const EchoSample& s : stream->samples) {
      if (s.sent < from || s.sent >= to || !answered(s)) continue;
      rtts.push_back(*s.replied - s.sent);
    }
  }
  return spreadOf(std::move(rtts)).median;
}

double secondsBetween(TimePoint a, TimePoint b) { return toSeconds(b - a); }

bool hasFamily(const Expectations& e, Family f) {
  return std::find(e.families.begin(), e.families.end(), f) != e.families.end();
}

}  // namespace

std::optional<std::uint32_t> overheadFromSizes(const std::vector<std::uint32_t>& sizes,
                                               std::uint32_t probe_size, std::uint32_t search,
                                               std::size_t min_packets) {
  std::map<std::uint32_t, std::size_t> counts;
  for (std::uint32_t size : sizes) {
    if (size >= probe_size && size <= probe_size + search) ++counts[size];
  }
  std::optional<std::uint32_t> best;
  std::size_t best_count = 0;
  for (const auto& [size, count] : counts) {
    if (count > best_count) {  // ties: the smaller size (iteration order)
      best = size;
      best_count = count;
    }
  }
  if (!best || best_count < min_packets) return std::nullopt;
  return *best - probe_size;
}

HandoverResult analyseHandover(const ScenarioRecord& record, std::size_t index,
                               const Expectations& expect, const AnalysisSettings& settings,
                               TimePoint now) {
  const AttachmentRecord& a = record.attachments.at(index);
  HandoverResult h;
  h.attachment = index;
  h.initial = index == 0;
  h.from = index == 0 ? "" : record.attachments[index - 1].network;
  h.to = a.network;
  h.mechanism = a.mechanism;
  h.at_s = secondsBetween(record.started, a.moved);
  h.bound = h.initial ? expect.initial_bound : expect.recovery_bound;
  h.signalling_messages = a.signalling_messages;
  const TimePoint end = segmentEnd(a, now);
  const bool finished = a.idle_begin.has_value() || a.left.has_value();
  h.recovered = !record.echo.empty();
  for (const EchoStreamRecord& stream : record.echo) {
    EchoHandover e = analyseEcho(stream, a.moved, end, finished, settings);
    h.lost += e.lost;
    h.interruption = std::max(h.interruption, e.interruption);
    if (!e.recovered()) {
      h.recovered = false;
    } else if (!h.recovery || *e.recovery > *h.recovery) {
      h.recovery = e.recovery;
    }
    h.echo.push_back(std::move(e));
  }
  if (!h.recovered) h.recovery.reset();
  h.within_bound = h.recovered && h.recovery && *h.recovery <= h.bound;
  h.tcp_ok = true;
  for (const TcpStreamRecord& stream : record.tcp) {
    TcpHandover t = analyseTcp(stream, a.moved, end, expect, settings);
    if (!t.resumed || (expect.sessions_survive && !t.session_kept)) h.tcp_ok = false;
    h.tcp.push_back(std::move(t));
  }
  return h;
}

ScenarioResult analyseScenario(const ScenarioRecord& record, const Expectations& expect,
                               const AnalysisSettings& settings) {
  ScenarioResult r;
  r.name = record.name;
  r.title = record.title;
  r.duration_s = secondsBetween(record.started, record.ended);
  r.families = expect.families;
  r.expectations = expect;
  r.notes = record.notes;
  r.esp = record.esp;
  r.failure = record.failure;

  // Which lost samples belong to a handover window, per stream.
  std::vector<std::vector<bool>> in_window(record.echo.size());
  for (std::size_t i = 0; i < record.echo.size(); ++i) {
    in_window[i].assign(record.echo[i].samples.size(), false);
  }
  for (std::size_t k = 0; k < record.attachments.size(); ++k) {
    r.handovers.push_back(analyseHandover(record, k, expect, settings, record.ended));
    const AttachmentRecord& a = record.attachments[k];
    const TimePoint end = segmentEnd(a, record.ended);
    for (std::size_t i = 0; i < record.echo.size(); ++i) {
      const EchoWindow w = echoWindow(record.echo[i], a.moved, end, true, settings);
      for (std::size_t j = w.begin; j < w.end; ++j) in_window[i][j] = true;
    }
  }

  for (std::size_t i = 0; i < record.echo.size(); ++i) {
    const EchoStreamRecord& stream = record.echo[i];
    StreamSummary s;
    s.name = stream.name;
    s.family = stream.family;
    s.direction = stream.direction;
    std::vector<Duration> rtts;
    for (std::size_t j = 0; j < stream.samples.size(); ++j) {
      const EchoSample& sample = stream.samples[j];
      ++s.sent;
      if (answered(sample)) {
        ++s.answered;
        rtts.push_back(*sample.replied - sample.sent);
      } else {
        ++s.lost;
        if (in_window[i][j]) {
          ++s.lost_in_handovers;
        } else {
          ++s.lost_outside_handovers;
          s.lost_outside_at_s.push_back(secondsBetween(record.started, sample.sent));
        }
      }
    }
    s.rtt = spreadOf(std::move(rtts));
    r.streams.push_back(std::move(s));
  }
  for (const TcpStreamRecord& stream : record.tcp) {
    TcpSummary t;
    t.name = stream.name;
    t.family = stream.family;
    t.bytes_sent = stream.bytes_sent;
    for (const TcpRead& read : stream.reads) t.bytes_received += read.bytes;
    t.connections = stream.connections.size();
    r.tcp.push_back(std::move(t));
  }

  for (std::size_t k = 0; k < record.attachments.size(); ++k) {
    const AttachmentRecord& a = record.attachments[k];
    const HandoverResult& h = r.handovers[k];
    AttachmentResult out;
    out.network = a.network;
    out.network_title = a.network_title;
    out.mechanism = a.mechanism;
    out.mechanism_detail = a.mechanism_detail;
    out.at_s = secondsBetween(record.started, a.moved);
    out.duration_s = secondsBetween(a.moved, a.left.value_or(record.ended));
    out.native_family = a.network_family;
    out.signalling_messages = a.signalling_messages;
    const TimePoint end = segmentEnd(a, record.ended);
    if (h.recovery) {
      const TimePoint from = a.moved + *h.recovery + settings.rtt_settle;
      std::vector<const EchoStreamRecord*> v6;
      std::vector<const EchoStreamRecord*> v4;
      for (const EchoStreamRecord& stream : record.echo) {
        (stream.family == Family::Ipv6 ? v6 : v4).push_back(&stream);
      }
      out.rtt_ipv6 = medianRtt(v6, from, end);
      out.rtt_ipv4 = medianRtt(v4, from, end);
      out.rtt_native = medianRtt({&a.native}, from, end);
      const auto& same = a.network_family == Family::Ipv6 ? out.rtt_ipv6 : out.rtt_ipv4;
      const auto& other = a.network_family == Family::Ipv6 ? out.rtt_ipv4 : out.rtt_ipv6;
      const auto& through = same ? same : other;
      if (through && out.rtt_native) out.rtt_added = *through - *out.rtt_native;

      std::vector<std::uint32_t> to_mn;
      std::vector<std::uint32_t> from_mn;
      for (const WirePacket& p : a.wire) {
        if (p.link_chatter || p.at < a.moved + *h.recovery || p.at >= end) continue;
        (p.outgoing ? from_mn : to_mn).push_back(p.length);
      }
      if (hasFamily(expect, Family::Ipv6)) {
        out.overhead_ipv6.to_mn =
            overheadFromSizes(to_mn, settings.probe_size_ipv6, settings.overhead_search,
                              settings.overhead_min_packets);
        out.overhead_ipv6.from_mn =
            overheadFromSizes(from_mn, settings.probe_size_ipv6, settings.overhead_search,
                              settings.overhead_min_packets);
      }
      if (hasFamily(expect, Family::Ipv4)) {
        out.overhead_ipv4.to_mn =
            overheadFromSizes(to_mn, settings.probe_size_ipv4, settings.overhead_search,
                              settings.overhead_min_packets);
        out.overhead_ipv4.from_mn =
            overheadFromSizes(from_mn, settings.probe_size_ipv4, settings.overhead_search,
                              settings.overhead_min_packets);
      }
    }
    if (a.idle_begin && a.idle_end && *a.idle_end > *a.idle_begin) {
      out.idle_s = secondsBetween(*a.idle_begin, *a.idle_end);
      for (const WirePacket& p : a.wire) {
        if (p.link_chatter || p.at < *a.idle_begin || p.at >= *a.idle_end) continue;
        out.idle_bytes += p.length;
        ++out.idle_packets;
      }
      out.keepalive_bytes_per_hour = static_cast<double>(out.idle_bytes) * 3600.0 / *out.idle_s;
      out.keepalive_bytes_per_hour_default = *out.keepalive_bytes_per_hour * expect.keepalive_scale;
    }
    r.attachments.push_back(std::move(out));
  }

  ScenarioChecks& c = r.checks;
  c.reached_both_directions = !expect.families.empty();
  for (Family f : expect.families) {
    bool to_mn = false;
    bool from_mn = false;
    for (const StreamSummary& s : r.streams) {
      if (s.family != f || s.answered == 0) continue;
      (s.direction == Direction::PeerToMn ? to_mn : from_mn) = true;
    }
    if (!to_mn || !from_mn) c.reached_both_directions = false;
  }
  c.all_recovered_within_bound =
      !r.handovers.empty() && std::all_of(r.handovers.begin(), r.handovers.end(),
                                          [](const HandoverResult& h) { return h.within_bound; });
  c.no_loss_outside_handovers =
      std::all_of(r.streams.begin(), r.streams.end(),
                  [](const StreamSummary& s) { return s.lost_outside_handovers == 0; });
  c.tcp_resumed = std::all_of(r.handovers.begin(), r.handovers.end(),
                              [](const HandoverResult& h) { return h.tcp_ok; });
  if (expect.esp) c.signalling_esp_protected = espProtected(record.esp);
  return r;
}

bool espProtected(const std::vector<EspRecord>& records) {
  if (records.empty()) return false;
  for (const EspRecord& e : records) {
    if (!e.read || e.filter != "esp") return false;
    if (e.unprotected_drops != 0 || e.icv_failures != 0 || e.replay_drops != 0) return false;
    for (const std::string& label : e.required) {
      const auto it = std::find_if(e.accepted.begin(), e.accepted.end(),
                                   [&](const auto& a) { return a.first == label; });
      if (it == e.accepted.end() || it->second == 0) return false;
    }
  }
  return true;
}

std::vector<MechanismSummary> summarise(const std::vector<ScenarioResult>& results) {
  struct Acc {
    MechanismSummary row;
    std::vector<Duration> interruptions;
    std::vector<Duration> rtt_added;
    std::vector<std::uint32_t> overhead6;
    std::vector<std::uint32_t> overhead4;
    std::uint64_t signalling = 0;
    std::size_t signalling_count = 0;
    std::vector<double> keepalive;
    std::vector<double> keepalive_default;
  };
  std::vector<Acc> rows;
  auto rowFor = [&rows](const std::string& mechanism) -> Acc& {
    for (Acc& a : rows) {
      if (a.row.mechanism == mechanism) return a;
    }
    rows.emplace_back();
    rows.back().row.mechanism = mechanism;
    return rows.back();
  };
  auto larger = [](const Overhead& o) -> std::optional<std::uint32_t> {
    if (o.to_mn && o.from_mn) return std::max(*o.to_mn, *o.from_mn);
    return o.to_mn ? o.to_mn : o.from_mn;
  };
  for (const ScenarioResult& r : results) {
    for (std::size_t k = 0; k < r.attachments.size(); ++k) {
      const AttachmentResult& a = r.attachments[k];
      Acc& acc = rowFor(a.mechanism);
      if (acc.row.keepalive_note.empty()) acc.row.keepalive_note = r.expectations.keepalive_note;
      if (auto o = larger(a.overhead_ipv6)) acc.overhead6.push_back(*o);
      if (auto o = larger(a.overhead_ipv4)) acc.overhead4.push_back(*o);
      if (a.rtt_added) acc.rtt_added.push_back(*a.rtt_added);
      if (a.keepalive_bytes_per_hour) acc.keepalive.push_back(*a.keepalive_bytes_per_hour);
      if (a.keepalive_bytes_per_hour_default) {
        acc.keepalive_default.push_back(*a.keepalive_bytes_per_hour_default);
      }
      if (k < r.handovers.size() && !r.handovers[k].initial) {
        const HandoverResult& h = r.handovers[k];
        ++acc.row.handovers;
        acc.interruptions.push_back(h.interruption);
        acc.row.lost += h.lost;
        if (h.signalling_messages) {
          acc.signalling += *h.signalling_messages;
          ++acc.signalling_count;
        }
      }
    }
  }
  auto mode = [](std::vector<std::uint32_t> v) -> std::optional<std::uint32_t> {
    if (v.empty()) return std::nullopt;
    std::map<std::uint32_t, std::size_t> counts;
    for (auto x : v) ++counts[x];
    return std::max_element(counts.begin(), counts.end(),
                            [](const auto& a, const auto& b) { return a.second < b.second; })
        ->first;
  };
  auto mean = [](const std::vector<double>& v) -> std::optional<double> {
    if (v.empty()) return std::nullopt;
    double sum = 0;
    for (double x : v) sum += x;
    return sum / static_cast<double>(v.size());
  };
  std::vector<MechanismSummary> out;
  for (Acc& acc : rows) {
    MechanismSummary& m = acc.row;
    m.overhead_ipv6 = mode(acc.overhead6);
    m.overhead_ipv4 = mode(acc.overhead4);
    m.interruption = spreadOf(acc.interruptions);
    m.rtt_added = spreadOf(acc.rtt_added).median;
    if (acc.signalling_count > 0) {
      m.signalling_per_handover =
          static_cast<double>(acc.signalling) / static_cast<double>(acc.signalling_count);
    }
    m.keepalive_bytes_per_hour = mean(acc.keepalive);
    m.keepalive_bytes_per_hour_default = mean(acc.keepalive_default);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace dsmip::lab
