#pragma once
// Rate limiting of temporary-state creation per IPv4 source address, port not considered
// (m6t §6.1.3; protocol reference §6.5). One token bucket per address in an open-addressing
// table keyed by SipHash; a bucket is forgotten once it is full again (an address that stopped
// creating states costs nothing), found through a FIFO of check times, not by scanning. The
// number of addresses tracked is bounded: beyond it, new addresses are refused, which keeps
// memory bounded under a flood of spoofed sources.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/ip_address.hpp"
#include "common/time.hpp"
#include "m6t/keyed_hash.hpp"

namespace dsmip::m6t {

class SourceRateLimiter {
 public:
  /// `rate` tokens per second and `burst` tokens at most per address; rate 0 disables the
  /// limit (every request is allowed and nothing is tracked). At most `max_sources` addresses
  /// are tracked at once.
  SourceRateLimiter(SipKey key, double rate, double burst, std::size_t max_sources);

  /// Takes one token for `source` at `now`; false when its bucket is empty or the table of
  /// addresses is full.
  bool allow(const Ipv4Address& source, TimePoint now);

  /// A new rate and burst (a reloaded configuration): every tracked address is forgotten, so
  /// each starts again with a full bucket of the new size.
  void reset(double rate, double burst);

  /// Forgets the buckets that are full again at `now`.
  void onTimer(TimePoint now);
  [[nodiscard]] std::optional<TimePoint> nextDeadline() const;

  [[nodiscard]] std::size_t trackedSources() const { return size_; }
  [[nodiscard]] std::size_t memoryBytes() const;

 private:
  struct Entry {
    std::uint32_t address = 0;
    bool used = false;
    double tokens = 0;
    TimePoint last{};
  };
  struct Check {
    std::uint32_t address = 0;
    TimePoint at{};
  };

  [[nodiscard]] std::size_t position(std::uint32_t address) const;  // slot or end
  Entry* insert(std::uint32_t address);
  void erase(std::size_t position);
  void grow();
  [[nodiscard]] std::size_t home(std::uint32_t address) const;
  [[nodiscard]] double tokensAt(const Entry& e, TimePoint now) const;

  SipKey key_;
  double rate_;
  double burst_;
  Duration refill_time_;  // from empty to full
  std::size_t max_sources_;
  std::vector<Entry> table_;  // power-of-two size
  std::size_t size_ = 0;
  std::vector<Check> checks_;  // FIFO ring of (address, when to look at it again)
  std::size_t checks_head_ = 0;
  std::size_t checks_count_ = 0;
};

}  // namespace dsmip::m6t
