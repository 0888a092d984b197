// Fuzz target for the Mobility Header codec (RFC 6275 §6.1–§6.2, RFC 5555 §3).
// Properties: decoding never crashes; an error carries an offset inside the input; a decoded
// message re-encodes (unless the canonical layout would pass 2048 octets), the encoding has the
// predicted size and a valid checksum, decodes to the same value, and re-encodes identically.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "wire/mh.hpp"

namespace {

using dsmip::ByteView;
using dsmip::ErrorCode;
using dsmip::Ipv6Address;

void require(bool condition) {
  if (!condition) std::abort();
}

const Ipv6Address kSource{{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00}};
const Ipv6Address kDestination{{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);
  (void)dsmip::wire::verifyMobilityChecksum(kSource, kDestination, input);
  (void)dsmip::wire::computeMobilityChecksum(kSource, kDestination, input);

  auto decoded = dsmip::wire::decodeMobilityHeader(input);
  if (!decoded) {
    require(decoded.error().code != ErrorCode::Ok);
    require(decoded.error().offset <= size);
    return 0;
  }
  auto predicted = dsmip::wire::encodedSize(*decoded);
  auto encoded = dsmip::wire::encodeMobilityHeader(*decoded, kSource, kDestination);
  if (!encoded) {
    // Only possible failure: our aligned layout of tightly packed received options is longer
    // than the 2048 octets a Header Len can express.
    require(encoded.error().code == ErrorCode::BadLength);
    require(!predicted && predicted.error().code == ErrorCode::BadLength);
    return 0;
  }
  require(predicted && *predicted == encoded->size());
  require(encoded->size() % 8 == 0 && encoded->size() <= dsmip::wire::kMhMaxSize);
  require(dsmip::wire::verifyMobilityChecksum(kSource, kDestination, *encoded));
  auto again = dsmip::wire::decodeMobilityHeader(*encoded);
  require(again.has_value());
  require(*again == *decoded);
  auto twice = dsmip::wire::encodeMobilityHeader(*again, kSource, kDestination);
  require(twice && *twice == *encoded);
  return 0;
}
