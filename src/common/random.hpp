#pragma once
// Randomness is injected into cores, like time: the platform supplies getrandom(2), tests a
// seeded generator, so runs are reproducible.

#include <cstdint>
#include <random>
#include <span>

namespace dsmip {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void fill(std::span<std::uint8_t> out) = 0;
  std::uint32_t u32() {
    std::uint8_t b[4];
    fill(b);
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
           b[3];
  }
  std::uint64_t u64() { return (std::uint64_t{u32()} << 32) | u32(); }
  /// Uniform in [0, bound) (bound > 0).
  std::uint32_t below(std::uint32_t bound) { return static_cast<std::uint32_t>(u64() % bound); }
};

/// Deterministic generator for tests and simulations (not for keys or nonces).
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}
  void fill(std::span<std::uint8_t> out) override {
    for (auto& b : out) b = static_cast<std::uint8_t>(engine_());
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace dsmip
