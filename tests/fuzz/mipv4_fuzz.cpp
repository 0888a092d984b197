// Fuzz target for the Mobile IPv4 codec: decode any message on port 434; when it decodes,
// encode it again and check the second decode equals the first; check that the decoder's and
// locateMobileHomeAuth's views of the MN-HA authentication agree; run the verifier with a fixed
// key. Any disagreement aborts (a finding).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "wire/mipv4.hpp"
#include "wire/mipv4_auth.hpp"

namespace {

using namespace dsmip;
using namespace dsmip::wire;

void require(bool condition) {
  if (!condition) std::abort();
}

const Mipv4AuthKey& fixedKey() {
  static const Mipv4AuthKey key{0x1000, Mipv4AuthAlgorithm::HmacMd5,
                                Bytes{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
                                      0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f}};
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);

  Mipv4AuthLocation location;
  auto message = decodeMipv4Message(input, &location);

  // The typed decoders agree with the dispatcher.
  require(decodeRegistrationRequest(input).has_value() ==
          (message.has_value() && std::holds_alternative<RegistrationRequest>(*message)));
  require(decodeRegistrationReply(input).has_value() ==
          (message.has_value() && std::holds_alternative<RegistrationReply>(*message)));
  require(decodeTunnelData(input).has_value() ==
          (message.has_value() && std::holds_alternative<TunnelData>(*message)));

  const Status verified = verifyMobileHomeAuth(input, fixedKey());
  if (!message) return 0;

  // Re-encode and decode again: the same value.
  Bytes buffer(size + 16);
  ByteWriter out{buffer};
  require(encodeMipv4Message(*message, out).has_value());
  auto again = decodeMipv4Message(out.written());
  require(again.has_value());
  require(*again == *message);

  if (!std::holds_alternative<TunnelData>(*message)) {
    // Sizes computed without encoding match what was written.
    const std::size_t expected =
        std::holds_alternative<RegistrationRequest>(*message)
            ? registrationRequestSize(std::get<RegistrationRequest>(*message))
            : registrationReplySize(std::get<RegistrationReply>(*message));
    require(expected == out.size());
    // The standalone locator sees what the decoder recorded, and both verifier forms agree.
    auto located = locateMobileHomeAuth(input);
    require(located.has_value());
    require(*located == location);
    const Status with_location = verifyMobileHomeAuth(input, location, fixedKey());
    require(with_location.has_value() == verified.has_value());
    if (!verified) require(with_location.error().code == verified.error().code);
  }
  return 0;
}
