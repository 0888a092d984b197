#include "esp/replay_window.hpp"

#include <algorithm>

namespace dsmip::esp {

ReplayWindow::ReplayWindow(std::uint32_t size, bool esn)
    : size_(std::min(size, kMaxSize)), esn_(esn) {
  if (size_ != 0) ring_.assign((size_ + 63) / 64 + 1, 0);
}

std::uint32_t ReplayWindow::inferHigh(std::uint32_t sequence_low) const {
  if (!esn_) return 0;
  // RFC 4303 Appendix A2.2 with Tl, Th the low and high halves of the highest verified number.
  const std::uint32_t w = size_ != 0 ? size_ : kEsnInferenceWindow;
  const auto tl = static_cast<std::uint32_t>(top_);
  const auto th = static_cast<std::uint32_t>(top_ >> 32);
  const std::uint32_t bottom = tl - w + 1;  // wraps in case B, as the appendix intends
  if (tl >= w - 1) {
    // Case A: the window lies within one 2^32 subspace; below it means the next subspace.
    return sequence_low >= bottom ? th : th + 1;
  }
  // Case B: the window spans two subspaces; the upper part belongs to the previous one. In the
  // first subspace there is no previous one: a large low half is then a jump forward.
  if (sequence_low >= bottom) return th == 0 ? 0 : th - 1;
  return th;
}

bool ReplayWindow::seen(std::uint64_t sequence) const {
  const std::uint64_t ring_bits = ring_.size() * 64;
  const std::uint64_t bit = sequence % ring_bits;
  return ((ring_[bit / 64] >> (bit % 64)) & 1u) != 0;
}

std::optional<std::uint64_t> ReplayWindow::check(std::uint32_t sequence_low) const {
  const std::uint64_t sequence = (std::uint64_t{inferHigh(sequence_low)} << 32) | sequence_low;
  if (sequence == 0) return std::nullopt;  // RFC 4303 §3.3.3: the first packet carries 1
  if (size_ == 0) return sequence;         // anti-replay off: no receiver check (§3.4.3)
  if (sequence > top_) return sequence;
  if (top_ - sequence >= size_) return std::nullopt;  // left of the window
  if (seen(sequence)) return std::nullopt;            // duplicate
  return sequence;
}

void ReplayWindow::update(std::uint64_t sequence) {
  if (size_ == 0) {
    top_ = std::max(top_, sequence);
    return;
  }
  const std::uint64_t ring_bits = ring_.size() * 64;
  if (sequence > top_) {
    const std::uint64_t diff = sequence - top_;
    if (diff >= ring_bits - 64) {
      // The whole old window falls out of the new one.
      std::fill(ring_.begin(), ring_.end(), 0);
    } else {
      // Clear the words entered since top_; their previous contents are older than the window.
      for (std::uint64_t word = top_ / 64 + 1; word <= sequence / 64; ++word) {
        ring_[word % ring_.size()] = 0;
      }
    }
    top_ = sequence;
  } else if (top_ - sequence >= size_) {
    return;  // callers only update after check(); keep the bitmap consistent regardless
  }
  const std::uint64_t bit = sequence % ring_bits;
  ring_[bit / 64] |= std::uint64_t{1} << (bit % 64);
}

}  // namespace dsmip::esp
