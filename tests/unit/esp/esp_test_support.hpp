#pragma once
// Helpers for the ESP unit tests: hand-assembled IPv6/IPv4 packets (Mobile IPv6 BU with a Home
// Address option, BA with a type 2 routing header, ICMPv6, UDP), fixed keys, SA factories, and an
// ESP packet crafter written directly on OpenSSL one-shot calls, so tests can build packets the
// module would never send (bad padding, Next Header 59, any sequence number) with valid ICVs.

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip_address.hpp"
#include "common/random.hpp"
#include "common/result.hpp"
#include "esp/crypto.hpp"
#include "esp/security_association.hpp"
#include "wire/checksum.hpp"

namespace dsmip::esp::test {

inline Bytes hex(std::string_view text) {
  Bytes out;
  DSMIP_CHECK(fromHex(text, out));
  return out;
}

inline Ipv6Address v6(std::string_view text) { return *Ipv6Address::parse(text); }
inline Ipv4Address v4(std::string_view text) { return *Ipv4Address::parse(text); }

// Addresses of the reference's worked example (2.6) and a care-of address.
inline const Ipv6Address kHoa = v6("2001:db8:1::100");
inline const Ipv6Address kHa = v6("2001:db8:1::1");
inline const Ipv6Address kCoa = v6("2001:db8:77::5");
inline const Ipv6Address kCn = v6("2001:db8:99::9");
inline const Ipv6Address kOtherHoa = v6("2001:db8:1::200");

// Fixed test keys (never used outside tests).
inline const Bytes kAes128Key = hex("000102030405060708090a0b0c0d0e0f");
inline const Bytes kAes256Key =
    hex("101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f");
inline const Bytes kHmacKey =
    hex("a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
inline const Bytes kGcm128KeySalt = hex("303132333435363738393a3b3c3d3e3f cafebabe");
inline const Bytes kGcm256KeySalt =
    hex("404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f deadbeef");

inline void putU16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
inline void putU32(Bytes& b, std::uint32_t v) {
  putU16(b, static_cast<std::uint16_t>(v >> 16));
  putU16(b, static_cast<std::uint16_t>(v));
}
inline void append(Bytes& b, ByteView v) { b.insert(b.end(), v.begin(), v.end()); }

inline Bytes ipv6Header(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t next_header,
                        std::size_t payload_length, std::uint8_t traffic_class = 0) {
  Bytes b;
  b.push_back(static_cast<std::uint8_t>(0x60 | (traffic_class >> 4)));
  b.push_back(static_cast<std::uint8_t>((traffic_class & 0x0F) << 4));
  b.push_back(0);
  b.push_back(0);
  putU16(b, static_cast<std::uint16_t>(payload_length));
  b.push_back(next_header);
  b.push_back(64);
  append(b, src.bytes);
  append(b, dst.bytes);
  return b;
}

/// IPv4 header with a correct checksum.
inline Bytes ipv4Header(const Ipv4Address& src, const Ipv4Address& dst, std::uint8_t protocol,
                        std::size_t payload_length, std::uint16_t flags_offset = 0) {
  Bytes b{0x45, 0x00};
  putU16(b, static_cast<std::uint16_t>(20 + payload_length));
  putU16(b, 0x1234);
  putU16(b, flags_offset);
  b.push_back(64);
  b.push_back(protocol);
  putU16(b, 0);
  append(b, src.bytes);
  append(b, dst.bytes);
  const std::uint16_t sum = wire::internetChecksum(b);
  b[10] = static_cast<std::uint8_t>(sum >> 8);
  b[11] = static_cast<std::uint8_t>(sum);
  return b;
}

/// A home-registration Binding Update (RFC 6275 §6.1.7): A|H, lifetime 50 units, an Alternate
/// Care-of Address option (8n+6 after PadN) and the MH checksum over HoA → HA.
inline Bytes bindingUpdate(std::uint16_t sequence, const Ipv6Address& hoa, const Ipv6Address& ha,
                           const Ipv6Address& coa) {
  Bytes mh{59, 3, 5, 0, 0, 0};  // Payload Proto, Header Len 3 (32 octets), MH Type 5, Reserved
  putU16(mh, sequence);
  putU16(mh, 0xC000);           // A | H
  putU16(mh, 50);               // 200 s
  mh.insert(mh.end(), {1, 0});  // PadN with no data: Alternate CoA at offset 14 = 8n+6
  mh.insert(mh.end(), {3, 16});
  append(mh, coa.bytes);
  const std::uint16_t sum = wire::ipv6PseudoChecksum(hoa, ha, 135, mh);
  mh[4] = static_cast<std::uint8_t>(sum >> 8);
  mh[5] = static_cast<std::uint8_t>(sum);
  return mh;
}

/// A Binding Acknowledgement (RFC 6275 §6.1.8), status 0, with 4 octets of PadN.
inline Bytes bindingAck(std::uint16_t sequence, const Ipv6Address& ha, const Ipv6Address& hoa) {
  Bytes mh{59, 1, 6, 0, 0, 0, 0, 0};  // Header Len 1, Type 6, Status 0, flags 0
  putU16(mh, sequence);
  putU16(mh, 50);
  mh.insert(mh.end(), {1, 2, 0, 0});
  const std::uint16_t sum = wire::ipv6PseudoChecksum(ha, hoa, 135, mh);
  mh[4] = static_cast<std::uint8_t>(sum >> 8);
  mh[5] = static_cast<std::uint8_t>(sum);
  return mh;
}

/// IPv6(src = CoA, dst = HA) / Destination Options [HAO = HoA] / MH BU (RFC 3776 §3.1).
inline Bytes buPacketWithHao(std::uint16_t sequence, const Ipv6Address& coa, const Ipv6Address& hoa,
                             const Ipv6Address& ha) {
  const Bytes mh = bindingUpdate(sequence, hoa, ha, coa);
  Bytes dest{135, 2, 1, 2, 0, 0, 201, 16};  // PadN(4 octets) then HAO at offset 6 (8n+6)
  append(dest, hoa.bytes);
  Bytes p = ipv6Header(coa, ha, 60, dest.size() + mh.size());
  append(p, dest);
  append(p, mh);
  return p;
}

/// IPv6(src = HA, dst = CoA) / Routing type 2 [HoA] / MH BA (RFC 3776 §3.1).
inline Bytes baPacketWithRh2(std::uint16_t sequence, const Ipv6Address& ha, const Ipv6Address& coa,
                             const Ipv6Address& hoa) {
  const Bytes mh = bindingAck(sequence, ha, hoa);
  Bytes rh{135, 2, 2, 1, 0, 0, 0, 0};
  append(rh, hoa.bytes);
  Bytes p = ipv6Header(ha, coa, 43, rh.size() + mh.size());
  append(p, rh);
  append(p, mh);
  return p;
}

/// IPv6 packet whose upper layer is `upper` with protocol `protocol`.
inline Bytes ipv6Packet(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t protocol,
                        ByteView upper, std::uint8_t traffic_class = 0) {
  Bytes p = ipv6Header(src, dst, protocol, upper.size(), traffic_class);
  append(p, upper);
  return p;
}

inline Bytes udpDatagram(std::uint16_t sport, std::uint16_t dport, std::size_t payload) {
  Bytes u;
  putU16(u, sport);
  putU16(u, dport);
  putU16(u, static_cast<std::uint16_t>(8 + payload));
  putU16(u, 0);
  for (std::size_t i = 0; i < payload; ++i) u.push_back(static_cast<std::uint8_t>(i * 7 + 3));
  return u;
}

inline Bytes ipv4Packet(const Ipv4Address& src, const Ipv4Address& dst, std::uint8_t protocol,
                        ByteView upper, std::uint16_t flags_offset = 0) {
  Bytes p = ipv4Header(src, dst, protocol, upper.size(), flags_offset);
  append(p, upper);
  return p;
}

/// ICMPv6 message type/code with 4 more octets (checksum left 0: ESP tests do not care).
inline Bytes icmpv6(std::uint8_t type, std::uint8_t code) {
  return Bytes{type, code, 0, 0, 0, 0, 0, 0};
}

inline PacketBuffer buffer(ByteView bytes) {
  PacketBuffer b;
  DSMIP_CHECK(b.assign(bytes));
  return b;
}

inline Bytes toBytes(ByteView v) { return Bytes(v.begin(), v.end()); }

// --- SA parameters -------------------------------------------------------------------------

inline SaParameters cbcParams(std::uint32_t spi, Direction direction, ByteView key = kAes128Key) {
  SaParameters p;
  p.spi = spi;
  p.direction = direction;
  p.suite = Suite::AesCbcHmacSha256;
  p.encryption_key = SecretBytes(key);
  p.integrity_key = SecretBytes(kHmacKey);
  return p;
}

inline SaParameters gcmParams(std::uint32_t spi, Direction direction,
                              ByteView key_salt = kGcm128KeySalt) {
  SaParameters p;
  p.spi = spi;
  p.direction = direction;
  p.suite = Suite::AesGcm16;
  p.encryption_key = SecretBytes(key_salt);
  return p;
}

inline SaParameters nullParams(std::uint32_t spi, Direction direction) {
  SaParameters p;
  p.spi = spi;
  p.direction = direction;
  p.suite = Suite::NullHmacSha256;
  p.integrity_key = SecretBytes(kHmacKey);
  return p;
}

inline SaParameters paramsFor(Suite suite, std::uint32_t spi, Direction direction) {
  switch (suite) {
    case Suite::AesCbcHmacSha256:
      return cbcParams(spi, direction);
    case Suite::AesGcm16:
      return gcmParams(spi, direction);
    case Suite::NullHmacSha256:
      return nullParams(spi, direction);
  }
  return cbcParams(spi, direction);
}

inline SecurityAssociation makeSa(const SaParameters& p, TimePoint now = TimePoint{}) {
  auto sa = SecurityAssociation::create(p, now);
  DSMIP_CHECK(sa.has_value());
  return std::move(*sa);
}

// --- Independent ESP crafter ----------------------------------------------------------------

/// ESP plaintext: payload ‖ padding bytes as given ‖ pad length ‖ next header.
inline Bytes espPlaintext(ByteView payload, ByteView padding, std::uint8_t pad_length_field,
                          std::uint8_t next_header) {
  Bytes b(payload.begin(), payload.end());
  append(b, padding);
  b.push_back(pad_length_field);
  b.push_back(next_header);
  return b;
}

inline Bytes defaultPadding(std::size_t n) {
  Bytes b;
  for (std::size_t i = 1; i <= n; ++i) b.push_back(static_cast<std::uint8_t>(i));
  return b;
}

/// Builds SPI ‖ seq ‖ IV ‖ E(plaintext) ‖ ICV with OpenSSL one-shot calls. `iv` is 16 octets
/// (CBC), 8 (GCM) or empty (NULL). `plaintext` must be aligned by the caller for CBC.
inline Bytes craftEsp(Suite suite, ByteView encryption_key, std::uint32_t spi,
                      std::uint64_t sequence, bool esn, ByteView iv, ByteView plaintext) {
  Bytes out;
  putU32(out, spi);
  putU32(out, static_cast<std::uint32_t>(sequence));
  append(out, iv);
  const std::size_t body = out.size();
  out.resize(body + plaintext.size());
  int n = 0;
  if (suite == Suite::NullHmacSha256) {
    std::memcpy(out.data() + body, plaintext.data(), plaintext.size());
  } else if (suite == Suite::AesCbcHmacSha256) {
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    const EVP_CIPHER* cipher = encryption_key.size() == 16   ? EVP_aes_128_cbc()
                               : encryption_key.size() == 24 ? EVP_aes_192_cbc()
                                                             : EVP_aes_256_cbc();
    DSMIP_CHECK(EVP_EncryptInit_ex2(ctx, cipher, encryption_key.data(), iv.data(), nullptr) == 1);
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    DSMIP_CHECK(EVP_EncryptUpdate(ctx, out.data() + body, &n, plaintext.data(),
                                  static_cast<int>(plaintext.size())) == 1);
    int f = 0;
    DSMIP_CHECK(EVP_EncryptFinal_ex(ctx, out.data() + body + n, &f) == 1);
    EVP_CIPHER_CTX_free(ctx);
  } else {
    const std::size_t key_length = encryption_key.size() - 4;
    const EVP_CIPHER* cipher = key_length == 16   ? EVP_aes_128_gcm()
                               : key_length == 24 ? EVP_aes_192_gcm()
                                                  : EVP_aes_256_gcm();
    Bytes nonce(encryption_key.end() - 4, encryption_key.end());
    append(nonce, iv);
    Bytes aad;
    putU32(aad, spi);
    if (esn) putU32(aad, static_cast<std::uint32_t>(sequence >> 32));
    putU32(aad, static_cast<std::uint32_t>(sequence));
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    DSMIP_CHECK(EVP_EncryptInit_ex2(ctx, cipher, encryption_key.data(), nonce.data(), nullptr) ==
                1);
    DSMIP_CHECK(EVP_EncryptUpdate(ctx, nullptr, &n, aad.data(), static_cast<int>(aad.size())) == 1);
    DSMIP_CHECK(EVP_EncryptUpdate(ctx, out.data() + body, &n, plaintext.data(),
                                  static_cast<int>(plaintext.size())) == 1);
    int f = 0;
    std::uint8_t tail[16];
    DSMIP_CHECK(EVP_EncryptFinal_ex(ctx, tail, &f) == 1);
    std::uint8_t tag[16];
    DSMIP_CHECK(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1);
    EVP_CIPHER_CTX_free(ctx);
    out.insert(out.end(), tag, tag + 16);
    return out;
  }
  Bytes authenticated = out;
  if (esn) putU32(authenticated, static_cast<std::uint32_t>(sequence >> 32));
  std::uint8_t mac[32];
  std::size_t mac_length = 0;
  DSMIP_CHECK(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, kHmacKey.data(),
                        kHmacKey.size(), authenticated.data(), authenticated.size(), mac,
                        sizeof mac, &mac_length) != nullptr);
  out.insert(out.end(), mac, mac + 16);
  return out;
}

/// The encryption key the SA factories use for a suite.
inline Bytes defaultKeyFor(Suite suite) {
  switch (suite) {
    case Suite::AesCbcHmacSha256:
      return kAes128Key;
    case Suite::AesGcm16:
      return kGcm128KeySalt;
    case Suite::NullHmacSha256:
      return {};
  }
  return {};
}

/// An IV of the right size for crafted packets.
inline Bytes ivFor(Suite suite, std::uint64_t sequence) {
  Bytes iv;
  if (suite == Suite::AesCbcHmacSha256) {
    for (int i = 0; i < 16; ++i) iv.push_back(static_cast<std::uint8_t>(0x40 + i));
  } else if (suite == Suite::AesGcm16) {
    putU32(iv, static_cast<std::uint32_t>(sequence >> 32));
    putU32(iv, static_cast<std::uint32_t>(sequence));
  }
  return iv;
}

inline constexpr Suite kAllSuites[] = {Suite::AesCbcHmacSha256, Suite::AesGcm16,
                                       Suite::NullHmacSha256};

/// gtest parameter name: "aescbchmacsha256", ...
inline std::string suiteTestName(const ::testing::TestParamInfo<Suite>& param) {
  std::string name{suiteName(param.param)};
  std::erase(name, '-');
  return name;
}

}  // namespace dsmip::esp::test
