#include "esp/esp.hpp"

#include <cstring>
#include <limits>

namespace dsmip::esp {

namespace {

void putU32(std::uint8_t* out, std::uint32_t v) {
  out[0] = static_cast<std::uint8_t>(v >> 24);
  out[1] = static_cast<std::uint8_t>(v >> 16);
  out[2] = static_cast<std::uint8_t>(v >> 8);
  out[3] = static_cast<std::uint8_t>(v);
}

std::uint32_t getU32(const std::uint8_t* in) {
  return (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) | (std::uint32_t{in[2]} << 8) |
         std::uint32_t{in[3]};
}

}  // namespace

std::size_t paddingLength(Suite suite, std::size_t payload_length) {
  const std::size_t align = suiteInfo(suite).alignment;
  return (align - (payload_length + kEspTrailerLength) % align) % align;
}

std::size_t sealOverhead(Suite suite, std::size_t payload_length) {
  const SuiteInfo& info = suiteInfo(suite);
  return kEspHeaderLength + info.iv_length + paddingLength(suite, payload_length) +
         kEspTrailerLength + info.icv_length;
}

std::optional<std::uint32_t> readSpi(ByteView esp) {
  if (esp.size() < 4) return std::nullopt;
  return getU32(esp.data());
}

/// The per-packet engine; a friend of SecurityAssociation.
class EspEngine {
 public:
  static Result<void, DropReason> seal(SecurityAssociation& sa, PacketBuffer& packet,
                                       std::size_t offset, std::uint8_t next_header, TimePoint now,
                                       RandomSource& random);
  static Result<OpenedEsp, DropReason> open(SecurityAssociation& sa, PacketBuffer& packet,
                                            std::size_t offset, TimePoint now);
};

Result<void, DropReason> EspEngine::seal(SecurityAssociation& sa, PacketBuffer& packet,
                                         std::size_t offset, std::uint8_t next_header,
                                         TimePoint now, RandomSource& random) {
  if (sa.direction_ != Direction::Outbound) return Unexpected{DropReason::NoSa};
  if (offset > packet.size()) return Unexpected{DropReason::BadIpHeader};
  SaCounters& counters = sa.counters_;
  if (sa.refuses(now)) {
    ++counters.lifetime_drops;
    return Unexpected{DropReason::LifetimeExpired};
  }
  // RFC 4303 §3.3.3: the counter MUST NOT cycle; the SA is finished instead.
  const std::uint64_t limit = sa.window_.esn() ? std::numeric_limits<std::uint64_t>::max()
                                               : std::numeric_limits<std::uint32_t>::max();
  if (sa.sent_ >= limit) {
    ++counters.sequence_exhausted;
    sa.expire(LifetimeState::HardExpired, ExpiryCause::SequenceExhausted, now);
    return Unexpected{DropReason::SequenceExhausted};
  }

  const SuiteInfo& info = sa.cipher_.info();
  const std::size_t payload_length = packet.size() - offset;
  const std::size_t pad = paddingLength(sa.cipher_.suite(), payload_length);
  const std::size_t header_length = kEspHeaderLength + info.iv_length;
  const std::size_t tail_length = pad + kEspTrailerLength + info.icv_length;
  if (packet.headroom() < header_length || packet.tailroom() < tail_length) {
    ++counters.no_space;
    return Unexpected{DropReason::NoSpace};
  }

  const std::uint64_t sequence = sa.sent_ + 1;
  (void)packet.prepend(header_length);
  (void)packet.append(tail_length);
  MutableByteView data = packet.mutableData();
  if (offset != 0) std::memmove(data.data(), data.data() + header_length, offset);

  std::uint8_t* esp = data.data() + offset;
  putU32(esp, sa.spi_);
  putU32(esp + 4, static_cast<std::uint32_t>(sequence));
  MutableByteView iv(esp + kEspHeaderLength, info.iv_length);
  if (sa.cipher_.suite() == Suite::AesCbcHmacSha256) {
    random.fill(iv);  // RFC 3602 §2: the CBC IV MUST be unpredictable
  } else if (sa.cipher_.suite() == Suite::AesGcm16) {
    putU32(iv.data(), static_cast<std::uint32_t>(sequence >> 32));
    putU32(iv.data() + 4, static_cast<std::uint32_t>(sequence));
  }
  std::uint8_t* trailer = esp + header_length + payload_length;
  for (std::size_t i = 0; i < pad; ++i) trailer[i] = static_cast<std::uint8_t>(i + 1);
  trailer[pad] = static_cast<std::uint8_t>(pad);
  trailer[pad + 1] = next_header;

  MutableByteView protected_data(esp + header_length, payload_length + pad + kEspTrailerLength);
  MutableByteView icv(esp + header_length + protected_data.size(), info.icv_length);
  const std::optional<std::uint32_t> esn_high =
      sa.window_.esn() ? std::optional<std::uint32_t>(static_cast<std::uint32_t>(sequence >> 32))
                       : std::nullopt;
  const bool sealed =
      sa.cipher_.seal(ByteView(esp, kEspHeaderLength), iv, protected_data, esn_high, icv);
  // Only an OpenSSL internal failure (allocation) can get here; the packet is half-written.
  DSMIP_CHECK(sealed);
  sa.sent_ = sequence;
  sa.account(payload_length, now);
  return {};
}

Result<OpenedEsp, DropReason> EspEngine::open(SecurityAssociation& sa, PacketBuffer& packet,
                                              std::size_t offset, TimePoint now) {
  if (sa.direction_ != Direction::Inbound) return Unexpected{DropReason::NoSa};
  if (offset > packet.size()) return Unexpected{DropReason::BadIpHeader};
  SaCounters& counters = sa.counters_;
  const SuiteInfo& info = sa.cipher_.info();
  const std::size_t header_length = kEspHeaderLength + info.iv_length;
  MutableByteView data = packet.mutableData();
  const std::size_t esp_length = data.size() - offset;
  std::uint8_t* esp = data.data() + offset;
  if (esp_length < 4 || getU32(esp) != sa.spi_) return Unexpected{DropReason::UnknownSpi};
  if (esp_length < header_length + kEspTrailerLength + info.icv_length) {
    ++counters.malformed;
    return Unexpected{DropReason::Truncated};
  }
  if (sa.refuses(now)) {
    ++counters.lifetime_drops;
    return Unexpected{DropReason::LifetimeExpired};
  }
  const std::size_t cipher_length = esp_length - header_length - info.icv_length;
  if (cipher_length % info.alignment != 0) {
    ++counters.malformed;
    return Unexpected{DropReason::Misaligned};
  }
  // RFC 4303 §3.4.3: duplicates and packets left of the window go before the costly ICV.
  const auto sequence = sa.window_.check(getU32(esp + 4));
  if (!sequence) {
    ++counters.replay_drops;
    return Unexpected{DropReason::Replayed};
  }
  const std::optional<std::uint32_t> esn_high =
      sa.window_.esn() ? std::optional<std::uint32_t>(static_cast<std::uint32_t>(*sequence >> 32))
                       : std::nullopt;
  MutableByteView protected_data(esp + header_length, cipher_length);
  if (!sa.cipher_.open(ByteView(esp, kEspHeaderLength),
                       ByteView(esp + kEspHeaderLength, info.iv_length), protected_data, esn_high,
                       ByteView(esp + header_length + cipher_length, info.icv_length))) {
    ++counters.icv_failures;
    return Unexpected{DropReason::IcvMismatch};
  }
  // Only authenticated packets move the window (§3.4.3).
  sa.window_.update(*sequence);

  const std::size_t pad = protected_data[cipher_length - 2];
  const std::uint8_t next_header = protected_data[cipher_length - 1];
  if (pad + kEspTrailerLength > cipher_length) {
    ++counters.padding_errors;
    return Unexpected{DropReason::BadPadding};
  }
  const std::size_t payload_length = cipher_length - kEspTrailerLength - pad;
  // §2.4: the default padding is 1, 2, 3, ...; the receiver SHOULD check it.
  for (std::size_t i = 0; i < pad; ++i) {
    if (protected_data[payload_length + i] != static_cast<std::uint8_t>(i + 1)) {
      ++counters.padding_errors;
      return Unexpected{DropReason::BadPadding};
    }
  }
  if (next_header == kProtocolNoNextHeader) {
    ++counters.dummy_packets;  // §2.6: discard silently
    return Unexpected{DropReason::DummyPacket};
  }

  const std::uint32_t spi = sa.spi_;
  (void)packet.trimBack(pad + kEspTrailerLength + info.icv_length);
  if (offset != 0) std::memmove(data.data() + header_length, data.data(), offset);
  (void)packet.trimFront(header_length);
  sa.account(payload_length, now);
  return OpenedEsp{spi, *sequence, next_header, payload_length};
}

Result<void, DropReason> seal(SecurityAssociation& sa, PacketBuffer& packet, std::size_t offset,
                              std::uint8_t next_header, TimePoint now, RandomSource& random) {
  return EspEngine::seal(sa, packet, offset, next_header, now, random);
}

Result<OpenedEsp, DropReason> open(SecurityAssociation& sa, PacketBuffer& packet,
                                   std::size_t offset, TimePoint now) {
  return EspEngine::open(sa, packet, offset, now);
}

Result<OpenedEsp, DropReason> open(Sad& sad, PacketBuffer& packet, std::size_t offset,
                                   TimePoint now) {
  if (offset > packet.size()) return Unexpected{DropReason::BadIpHeader};
  const auto spi = readSpi(packet.data().subspan(offset));
  if (!spi) return Unexpected{DropReason::Truncated};
  SecurityAssociation* sa = sad.find(*spi, Direction::Inbound);
  if (sa == nullptr) return Unexpected{DropReason::UnknownSpi};
  return EspEngine::open(*sa, packet, offset, now);
}

}  // namespace dsmip::esp
