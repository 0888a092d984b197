#pragma once
// From what a scenario recorded (lab/record.hpp) to what the lab reports (pure): each
// handover's interruption, losses and recovery per stream, losses outside handovers, round
// trips against the native path, encapsulation overhead measured on the wire, keep-alive bytes
// while idle, and the table that compares the mechanisms.
//
// Definitions (docs/lab.md "What the numbers mean"):
//  * A handover starts when the lab switches the MN's link ("moved"). Echo requests sent from
//    `guard` before it belong to it. It has recovered at the first request, sent after the
//    move, that starts a run of `stable_replies` answered requests; its losses are the
//    unanswered requests in between; its interruption is the time from its first lost request
//    to that first answered one (0 without loss; the resolution is the probe interval).
//  * Every other unanswered request is lost outside handovers.
//  * TCP: the longest pause between two reads of the receiver across the move; resumed if data
//    arrived after it; the session was kept if no new connection had to be made.
//  * Overhead: the most frequent wire size of the probes' packets (whose IP size is known)
//    minus that size, per family and direction.
//  * Keep-alive bytes: IP bytes on the visited link while every probe is paused, per hour.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/time.hpp"
#include "lab/record.hpp"

namespace dsmip::lab {

struct AnalysisSettings {
  Duration guard = std::chrono::milliseconds(100);
  std::size_t stable_replies = 5;
  Duration rtt_settle = std::chrono::milliseconds(200);  // RTTs count from recovery + this
  std::uint32_t probe_size_ipv6 = 260;                   // IP size of an IPv6 probe packet
  std::uint32_t probe_size_ipv4 = 540;                   // IP size of an IPv4 probe packet
  std::uint32_t overhead_search = 200;                   // largest overhead looked for
  std::size_t overhead_min_packets = 10;
};

/// What a scenario promises; the checks compare against it.
struct Expectations {
  std::vector<Family> families;  // address families the MN's home addresses cover
  Duration recovery_bound = std::chrono::seconds(3);
  Duration initial_bound = std::chrono::seconds(10);  // first attachment: daemons registering
  Duration tcp_bound = std::chrono::seconds(6);
  bool sessions_survive = true;  // TCP connections survive handovers (false: m6t alone)
  /// Keep-alive bytes per hour at the default intervals = measured × this (lab interval ÷
  /// default interval), and what the scaling means.
  double keepalive_scale = 1.0;
  std::string keepalive_note;
  /// The DSMIPv6 signalling runs under ESP: the scenario's EspRecords must show it
  /// (ScenarioChecks::signalling_esp_protected).
  bool esp = false;
};

/// Median and 95th percentile of a set of durations (nullopt when empty).
struct Spread {
  std::optional<Duration> median;
  std::optional<Duration> p95;
  std::optional<Duration> max;
};
Spread spreadOf(std::vector<Duration> values);

struct EchoHandover {
  std::string stream;
  std::uint64_t lost = 0;
  Duration interruption{};
  std::optional<Duration> recovery;  // move → first answered request of the stable run
  [[nodiscard]] bool recovered() const { return recovery.has_value(); }
};

struct TcpHandover {
  std::string stream;
  Duration stall{};  // longest pause between reads across the move
  bool resumed = false;
  bool session_kept = true;
};

struct HandoverResult {
  std::size_t attachment = 0;  // index into the scenario's attachments
  bool initial = false;        // the first attachment (no previous network)
  std::string from;            // network ids
  std::string to;
  std::string mechanism;
  double at_s = 0;  // since the scenario started
  std::vector<EchoHandover> echo;
  std::vector<TcpHandover> tcp;
  Duration bound{};
  bool recovered = false;            // every echo stream recovered
  bool within_bound = false;         // …and within `bound`
  bool tcp_ok = false;               // every TCP stream resumed within the TCP bound (and kept its
                                     // session where the scenario promises it)
  Duration interruption{};           // the longest of the echo streams'
  std::uint64_t lost = 0;            // summed over the echo streams
  std::optional<Duration> recovery;  // the slowest echo stream's
  std::optional<std::uint64_t> signalling_messages;
};

struct StreamSummary {
  std::string name;
  Family family = Family::Ipv6;
  Direction direction = Direction::PeerToMn;
  std::uint64_t sent = 0;
  std::uint64_t answered = 0;
  std::uint64_t lost = 0;
  std::uint64_t lost_in_handovers = 0;
  std::uint64_t lost_outside_handovers = 0;
  std::vector<double> lost_outside_at_s;  // when they were sent (since the scenario started)
  Spread rtt;
};

struct TcpSummary {
  std::string name;
  Family family = Family::Ipv6;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::size_t connections = 0;
};

/// Overhead of one family in one direction (nullopt: not measured).
struct Overhead {
  std::optional<std::uint32_t> to_mn;
  std::optional<std::uint32_t> from_mn;
};

struct AttachmentResult {
  std::string network;
  std::string network_title;
  std::string mechanism;
  std::string mechanism_detail;
  double at_s = 0;
  double duration_s = 0;
  std::optional<Duration> rtt_ipv6;  // median RTT of the probes through the mechanism
  std::optional<Duration> rtt_ipv4;
  std::optional<Duration> rtt_native;  // MN → correspondent directly
  Family native_family = Family::Ipv6;
  std::optional<Duration> rtt_added;  // max(rtt_ipv6, rtt_ipv4) − native
  Overhead overhead_ipv6;
  Overhead overhead_ipv4;
  std::optional<double> idle_s;  // keep-alive measurement window
  std::uint64_t idle_bytes = 0;
  std::uint64_t idle_packets = 0;
  std::optional<double> keepalive_bytes_per_hour;          // as measured (lab intervals)
  std::optional<double> keepalive_bytes_per_hour_default;  // scaled to the default intervals
  std::optional<std::uint64_t> signalling_messages;
};

struct ScenarioChecks {
  bool reached_both_directions = false;  // every family, both directions, answers seen
  bool all_recovered_within_bound = false;
  bool no_loss_outside_handovers = false;
  bool tcp_resumed = false;  // every TCP stream resumed after every handover (bound: tcp_bound)
  /// Only where the scenario runs ESP (Expectations::esp): every watched daemon ran the ESP
  /// stage, accepted its required signalling protected (> 0) and its ESP stage dropped nothing
  /// as unprotected, for a wrong ICV or as a replay.
  std::optional<bool> signalling_esp_protected;
  [[nodiscard]] bool ok() const {
    return reached_both_directions && all_recovered_within_bound && no_loss_outside_handovers &&
           tcp_resumed && signalling_esp_protected.value_or(true);
  }
};

struct ScenarioResult {
  std::string name;
  std::string title;
  double duration_s = 0;
  std::vector<Family> families;
  Expectations expectations;
  std::vector<HandoverResult> handovers;  // [0] is the initial attachment
  std::vector<AttachmentResult> attachments;
  std::vector<StreamSummary> streams;
  std::vector<TcpSummary> tcp;
  ScenarioChecks checks;
  std::vector<EspRecord> esp;
  std::vector<std::string> notes;
  std::string failure;
  [[nodiscard]] bool ok() const { return failure.empty() && checks.ok(); }
};

/// One row of the comparison: every attachment and handover (initial attachments excluded)
/// of one mechanism, over all scenarios.
struct MechanismSummary {
  std::string mechanism;
  std::size_t handovers = 0;
  std::optional<std::uint32_t> overhead_ipv6;  // towards the MN (the larger if they differ)
  std::optional<std::uint32_t> overhead_ipv4;
  Spread interruption;
  std::uint64_t lost = 0;
  std::optional<double> signalling_per_handover;
  std::optional<double> keepalive_bytes_per_hour;
  std::optional<double> keepalive_bytes_per_hour_default;
  std::optional<Duration> rtt_added;  // median over the attachments
  std::string keepalive_note;
};

/// The end of the analysed part of an attachment: the idle window's start, else when the MN
/// left, else `now` (still there).
TimePoint segmentEnd(const AttachmentRecord& a, TimePoint now);

/// One handover (the move into attachment `index`), on the data recorded up to `now`.
HandoverResult analyseHandover(const ScenarioRecord& record, std::size_t index,
                               const Expectations& expect, const AnalysisSettings& settings,
                               TimePoint now);

/// Everything about a finished scenario.
ScenarioResult analyseScenario(const ScenarioRecord& record, const Expectations& expect,
                               const AnalysisSettings& settings);

/// ScenarioChecks::signalling_esp_protected for these records (false if there are none).
bool espProtected(const std::vector<EspRecord>& records);

/// The comparison table over every scenario.
std::vector<MechanismSummary> summarise(const std::vector<ScenarioResult>& results);

/// The most frequent size in [probe_size, probe_size + search] among `sizes` (at least
/// `min_packets` of them), minus probe_size; nullopt if there is none.
std::optional<std::uint32_t> overheadFromSizes(const std::vector<std::uint32_t>& sizes,
                                               std::uint32_t probe_size, std::uint32_t search,
                                               std::size_t min_packets);

}  // namespace dsmip::lab
