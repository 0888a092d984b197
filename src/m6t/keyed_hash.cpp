#include "m6t/keyed_hash.hpp"

#include <bit>

namespace dsmip::m6t {

namespace {

struct SipState {
  std::uint64_t v0, v1, v2, v3;

  void round() {
    v0 += v1;
    v1 = std::rotl(v1, 13);
    v1 ^= v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = std::rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = std::rotl(v1, 17);
    v1 ^= v2;
    v2 = std::rotl(v2, 32);
  }
  void compress(std::uint64_t m, int rounds) {
    v3 ^= m;
    for (int i = 0; i < rounds; ++i) round();
    v0 ^= m;
  }
};

std::uint64_t loadLittleEndian(ByteView bytes) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) v |= std::uint64_t{bytes[i]} << (8 * i);
  return v;
}

}  // namespace

std::uint64_t sipHash(const SipKey& key, ByteView data, int c_rounds, int d_rounds) {
  SipState s{key.k0 ^ 0x736f6d6570736575ull, key.k1 ^ 0x646f72616e646f6dull,
             key.k0 ^ 0x6c7967656e657261ull, key.k1 ^ 0x7465646279746573ull};
  const std::size_t full = data.size() / 8 * 8;
  for (std::size_t i = 0; i < full; i += 8)
    s.compress(loadLittleEndian(data.subspan(i, 8)), c_rounds);
  // Last block: the remaining bytes and the message length (mod 256) in the top byte.
  const std::uint64_t last =
      loadLittleEndian(data.subspan(full)) | (std::uint64_t{data.size() & 0xFF} << 56);
  s.compress(last, c_rounds);
  s.v2 ^= 0xFF;
  for (int i = 0; i < d_rounds; ++i) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace dsmip::m6t
