#pragma once
// The ESP cipher suites, through OpenSSL 3 EVP:
//   aes-cbc-hmac-sha256  AES-CBC (RFC 3602, 128/192/256-bit keys) + HMAC-SHA2-256-128 (RFC 4868)
//   aes-gcm-16           AES-GCM with a 16-octet ICV (RFC 4106; key 16/24/32 octets + 4 salt)
//   null-hmac-sha256     NULL encryption (RFC 2410) + HMAC-SHA2-256-128, for debugging
// RFC 8221 §5/§6 makes all three MUST-implement. Cipher and MAC contexts are created once per SA
// (EspCipher) and re-keyed per packet only with the IV, which keeps the per-packet cost low.
// Keys live in SecretBytes, which cannot be printed and is wiped when destroyed.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "common/result.hpp"
#include "esp/types.hpp"

namespace dsmip::esp {

/// The cipher suites the module implements.
enum class Suite : std::uint8_t {
  AesCbcHmacSha256,  // ENCR_AES_CBC (12) + AUTH_HMAC_SHA2_256_128 (12)
  AesGcm16,          // ENCR_AES_GCM_16 (20), RFC 4106
  NullHmacSha256,    // ENCR_NULL (11) + AUTH_HMAC_SHA2_256_128
};

/// Configuration name: "aes-cbc-hmac-sha256", "aes-gcm-16", "null-hmac-sha256".
std::string_view suiteName(Suite suite);
std::optional<Suite> parseSuite(std::string_view name);

/// Fixed properties of a suite (RFC 4303 §2.3-§2.8, RFC 4106 §3-§6, RFC 4868 §2).
struct SuiteInfo {
  std::size_t iv_length;      // explicit IV carried in each packet: 16 CBC, 8 GCM, 0 NULL
  std::size_t alignment;      // payload‖padding‖trailer is a multiple of this (block, ≥ 4)
  std::size_t icv_length;     // 16 for every suite here
  std::size_t integrity_key;  // HMAC key octets (32), 0 for the AEAD suite
  std::size_t salt_length;    // GCM salt appended to the key (RFC 4106 §8.1), else 0
  bool aead;                  // one combined transform (GCM)
  std::array<std::size_t, 3> cipher_keys;  // accepted cipher key lengths without salt (0 = none)
};
const SuiteInfo& suiteInfo(Suite suite);

/// Checks key lengths for a suite: the encryption key (for GCM: key‖salt, 20/28/36 octets, as
/// RFC 4106 §8.1 KEYMAT) and the integrity key. The error names the key and the expected size.
Status checkKeyLengths(Suite suite, std::size_t encryption_key, std::size_t integrity_key);

/// Secret key material. It has no operator<<, no formatter and no toString: the only way to the
/// bytes is reveal(), whose name makes every use visible in review. The storage is wiped with
/// OPENSSL_cleanse whenever it is released.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(ByteView bytes);
  /// Takes the bytes and wipes `bytes` (e.g. a buffer filled by fromHex).
  static SecretBytes adopt(Bytes& bytes);
  SecretBytes(const SecretBytes& other);
  SecretBytes& operator=(const SecretBytes& other);
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes();

  [[nodiscard]] ByteView reveal() const { return bytes_; }
  [[nodiscard]] std::size_t size() const { return bytes_.size(); }
  [[nodiscard]] bool empty() const { return bytes_.empty(); }

 private:
  void wipe();
  std::vector<std::uint8_t> bytes_;
};

/// The per-SA cryptographic state of one suite in one direction: an EVP cipher context keyed
/// once, and (CBC, NULL) an HMAC context keyed once. Not copyable; movable.
class EspCipher {
 public:
  /// Keys the contexts. `encryption_key` is the AES key (GCM: key‖4-octet salt; NULL: empty),
  /// `integrity_key` the HMAC-SHA-256 key (32 octets; empty for GCM). `direction` selects
  /// encryption (outbound) or decryption (inbound) contexts.
  static Result<EspCipher> create(Suite suite, const SecretBytes& encryption_key,
                                  const SecretBytes& integrity_key, Direction direction);

  EspCipher(EspCipher&& other) noexcept;
  EspCipher& operator=(EspCipher&& other) noexcept;
  EspCipher(const EspCipher&) = delete;
  EspCipher& operator=(const EspCipher&) = delete;
  ~EspCipher();

  [[nodiscard]] Suite suite() const { return suite_; }
  [[nodiscard]] const SuiteInfo& info() const { return suiteInfo(suite_); }

  /// Outbound: encrypts `data` (payload‖padding‖pad length‖next header, a multiple of
  /// info().alignment) in place and writes the ICV. `header` is SPI‖sequence (8 octets) and `iv`
  /// the explicit IV already in the packet. With ESN, `esn_high` is the implicit high half of the
  /// sequence number: HMAC appends it after the trailer (RFC 4303 §2.2.1), GCM puts it in the AAD
  /// (RFC 4106 §5). False only if OpenSSL fails.
  [[nodiscard]] bool seal(ByteView header, ByteView iv, MutableByteView data,
                          std::optional<std::uint32_t> esn_high, MutableByteView icv);

  /// Inbound: verifies the ICV (constant time) and decrypts `data` in place. False if the ICV
  /// does not verify; `data` is then undefined and must be dropped.
  [[nodiscard]] bool open(ByteView header, ByteView iv, MutableByteView data,
                          std::optional<std::uint32_t> esn_high, ByteView icv);

 private:
  struct Contexts;
  EspCipher(Suite suite, std::unique_ptr<Contexts> contexts);
  bool computeHmac(ByteView header, ByteView iv, ByteView data,
                   std::optional<std::uint32_t> esn_high, MutableByteView out);
  bool runCbc(ByteView iv, MutableByteView data);
  bool runGcm(ByteView header, ByteView iv, MutableByteView data,
              std::optional<std::uint32_t> esn_high, MutableByteView tag, bool encrypt);

  Suite suite_;
  std::unique_ptr<Contexts> contexts_;
};

}  // namespace dsmip::esp
