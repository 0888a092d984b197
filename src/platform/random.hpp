#pragma once
// The kernel's random number generator as a RandomSource for the cores (nonces, cookies,
// sequence numbers, ESP IVs).

#include "common/random.hpp"

namespace dsmip::platform {

/// getrandom(2) without flags: blocks only until the kernel's pool is initialised at boot,
/// then never. Retries on EINTR and short reads; aborts if the kernel refuses (it cannot fail
/// on supported kernels, and going on without randomness would be unsafe).
class SystemRandom final : public RandomSource {
 public:
  void fill(std::span<std::uint8_t> out) override;
};

}  // namespace dsmip::platform
