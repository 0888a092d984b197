#pragma once
// Receiver-side sequence number state of an inbound SA: the anti-replay window of RFC 4303
// §3.4.3 and the high-order-bit inference for Extended Sequence Numbers of RFC 4303 Appendix A.
//
// Use: check() before the ICV (duplicate and left-edge test, ESN inference), update() only after
// the ICV verified, so that forged packets never move the window.
//
// The window is a ring of 64-bit words (one more word than the window needs), so that advancing
// clears whole words instead of shifting the bitmap.

#include <cstdint>
#include <optional>
#include <vector>

namespace dsmip::esp {

class ReplayWindow {
 public:
  /// RFC 4303 §3.4.3: MUST support 32, 64 SHOULD be the default. Up to 4096 here.
  static constexpr std::uint32_t kDefaultSize = 64;
  static constexpr std::uint32_t kMaxSize = 4096;
  /// Window assumed for ESN inference when anti-replay is off (size 0): the receiver still has to
  /// guess the high-order bits that enter the ICV (RFC 4303 §2.2.1).
  static constexpr std::uint32_t kEsnInferenceWindow = 64;

  /// `size` 0 turns anti-replay off (sequence numbers are then only tracked for ESN). `size` is
  /// clamped to kMaxSize; callers validate configuration before.
  ReplayWindow(std::uint32_t size, bool esn);

  /// The full sequence number this packet would have, or nullopt if it must be dropped before
  /// the ICV check: a duplicate, left of the window, or 0 (never sent: the first packet is 1).
  [[nodiscard]] std::optional<std::uint64_t> check(std::uint32_t sequence_low) const;

  /// Records a packet whose ICV verified (`sequence` as returned by check()).
  void update(std::uint64_t sequence);

  /// The highest sequence number that verified (0 before the first packet).
  [[nodiscard]] std::uint64_t highest() const { return top_; }
  [[nodiscard]] std::uint32_t size() const { return size_; }
  [[nodiscard]] bool esn() const { return esn_; }
  /// The high-order 32 bits a packet carrying `sequence_low` is assumed to have (RFC 4303
  /// Appendix A2.2); without ESN always 0.
  [[nodiscard]] std::uint32_t inferHigh(std::uint32_t sequence_low) const;

 private:
  [[nodiscard]] bool seen(std::uint64_t sequence) const;

  std::uint32_t size_;
  bool esn_;
  std::uint64_t top_ = 0;
  std::vector<std::uint64_t> ring_;  // bit (s mod ring bits) set when s was received
};

}  // namespace dsmip::esp
