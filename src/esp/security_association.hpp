#pragma once
// A Security Association (RFC 4301 §4.1, §4.4.2.1): one direction of ESP protection between two
// nodes, identified by its SPI. It holds the keyed cipher contexts (not the keys), the sequence
// number state (sender counter, or receiver anti-replay window), the lifetime in packets, bytes
// and seconds with its soft and hard limits, and per-SA counters.
//
// Lifetime states: Valid → SoftExpired (an event the daemon logs; SA management should rekey)
// → HardExpired (the SA refuses all traffic). The sender's sequence counter never cycles: at
// 2^32 − 1 without ESN (2^64 − 1 with ESN) the SA becomes hard-expired (RFC 4303 §3.3.3).

#include <cstdint>
#include <optional>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "esp/crypto.hpp"
#include "esp/replay_window.hpp"
#include "esp/types.hpp"

namespace dsmip::esp {

/// Outer header addresses of a tunnel-mode SA (RFC 4301 §4.4.2.1 "tunnel header IP source and
/// destination address"). Both of one family; the inner packet may be of either family.
struct TunnelEndpoints {
  IpAddress local;
  IpAddress remote;
  friend bool operator==(const TunnelEndpoints&, const TunnelEndpoints&) = default;
};

/// One set of lifetime limits; 0 (or a zero duration) means no limit.
struct LifetimeLimits {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;  // payload octets protected (before ESP framing)
  Duration time{};          // from the SA's installation
  friend bool operator==(const LifetimeLimits&, const LifetimeLimits&) = default;
};

/// RFC 4301 §4.4.2.1 "Lifetime of this SA": soft limit warns, hard limit ends the SA.
struct Lifetime {
  LifetimeLimits soft;
  LifetimeLimits hard;
  friend bool operator==(const Lifetime&, const Lifetime&) = default;
};

enum class LifetimeState : std::uint8_t { Valid, SoftExpired, HardExpired };
enum class ExpiryCause : std::uint8_t { Packets, Bytes, Time, SequenceExhausted };

std::string_view lifetimeStateName(LifetimeState state);  // "valid", "soft-expired", ...
std::string_view expiryCauseName(ExpiryCause cause);      // "packets", "bytes", ...

/// A lifetime transition, for the daemon to log and for SA management to act on.
struct SaEvent {
  std::uint32_t spi = 0;
  Direction direction = Direction::Inbound;
  LifetimeState state = LifetimeState::SoftExpired;
  ExpiryCause cause = ExpiryCause::Packets;
  TimePoint at{};
  friend bool operator==(const SaEvent&, const SaEvent&) = default;
};

/// Per-SA counters (an SA is one direction: outbound SAs count what they sealed, inbound SAs
/// what they accepted).
struct SaCounters {
  std::uint64_t packets = 0;             // sealed / accepted
  std::uint64_t bytes = 0;               // payload octets sealed / accepted
  std::uint64_t replay_drops = 0;        // duplicate or too old
  std::uint64_t icv_failures = 0;        // integrity check failed
  std::uint64_t padding_errors = 0;      // bad pad length or padding content
  std::uint64_t malformed = 0;           // truncated or misaligned ESP
  std::uint64_t dummy_packets = 0;       // Next Header 59, dropped after verification
  std::uint64_t lifetime_drops = 0;      // refused after the hard lifetime
  std::uint64_t sequence_exhausted = 0;  // refused: the counter would cycle
  std::uint64_t no_space = 0;            // refused: buffer or IP length too small
  friend bool operator==(const SaCounters&, const SaCounters&) = default;
};

/// Everything SA management (manual configuration, or a key exchange) provides for one SA.
struct SaParameters {
  std::uint32_t spi = 0;  // ≥ 256 (RFC 4303 §2.1: 0 is never sent, 1-255 are reserved)
  Direction direction = Direction::Inbound;
  Mode mode = Mode::Transport;
  std::optional<TunnelEndpoints> tunnel;  // required in tunnel mode, absent in transport mode
  Suite suite = Suite::AesCbcHmacSha256;
  SecretBytes encryption_key;  // AES key; GCM: key ‖ 4-octet salt; NULL: empty
  SecretBytes integrity_key;   // HMAC-SHA-256 key (32 octets); GCM: empty
  bool esn = false;            // 64-bit Extended Sequence Numbers (RFC 4303 §2.2.1)
  std::uint32_t replay_window = ReplayWindow::kDefaultSize;  // inbound; 0 = anti-replay off
  Lifetime lifetime;
  /// Outbound: the last sequence number already sent under these keys, so that a restarted
  /// sender with manual keys does not reuse numbers (RFC 4303 §3.3.3). Normally 0.
  std::uint64_t initial_sequence = 0;
};

/// Checks parameters for consistency (SPI range, tunnel endpoints vs mode, key lengths, window
/// size, lifetimes with soft ≤ hard). Errors name the field and the reason.
Status validateSaParameters(const SaParameters& params);

class SecurityAssociation {
 public:
  /// Validates and keys the SA; `now` starts the time lifetime.
  static Result<SecurityAssociation> create(const SaParameters& params, TimePoint now);

  SecurityAssociation(SecurityAssociation&&) noexcept = default;
  SecurityAssociation& operator=(SecurityAssociation&&) noexcept = default;

  [[nodiscard]] std::uint32_t spi() const { return spi_; }
  [[nodiscard]] Direction direction() const { return direction_; }
  [[nodiscard]] Mode mode() const { return mode_; }
  [[nodiscard]] const std::optional<TunnelEndpoints>& tunnel() const { return tunnel_; }
  [[nodiscard]] Suite suite() const { return cipher_.suite(); }
  [[nodiscard]] bool esn() const { return window_.esn(); }
  [[nodiscard]] std::uint32_t replayWindowSize() const { return window_.size(); }
  [[nodiscard]] const Lifetime& lifetime() const { return lifetime_; }
  [[nodiscard]] TimePoint installedAt() const { return installed_; }
  [[nodiscard]] LifetimeState state() const { return state_; }
  [[nodiscard]] const SaCounters& counters() const { return counters_; }
  /// Outbound: the last sequence number sent. Inbound: the highest one that verified.
  [[nodiscard]] std::uint64_t lastSequence() const {
    return direction_ == Direction::Outbound ? sent_ : window_.highest();
  }

  /// The next instant a time limit expires, if one is still ahead.
  [[nodiscard]] std::optional<TimePoint> nextDeadline() const;
  /// Applies time limits at `now`; appends any transition to the pending events.
  void onTimer(TimePoint now);
  /// Lifetime transitions since the last call (at most one soft and one hard per SA).
  [[nodiscard]] std::vector<SaEvent> takeEvents();

 private:
  SecurityAssociation(const SaParameters& params, EspCipher cipher, TimePoint now);

  // The ESP engine (esp.cpp) drives the per-packet state below.
  friend class EspEngine;

  /// Transitions on packet/byte use, after a packet was processed.
  void account(std::size_t payload_bytes, TimePoint now);
  void expire(LifetimeState state, ExpiryCause cause, TimePoint now);
  /// True if the SA must refuse traffic now (hard-expired, possibly just now by time).
  bool refuses(TimePoint now);

  std::uint32_t spi_;
  Direction direction_;
  Mode mode_;
  std::optional<TunnelEndpoints> tunnel_;
  Lifetime lifetime_;
  TimePoint installed_;
  EspCipher cipher_;
  ReplayWindow window_;
  std::uint64_t sent_ = 0;  // outbound: last sequence number used
  LifetimeState state_ = LifetimeState::Valid;
  SaCounters counters_;
  std::vector<SaEvent> events_;
};

}  // namespace dsmip::esp
