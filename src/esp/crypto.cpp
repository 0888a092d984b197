#include "esp/crypto.hpp"

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <climits>
#include <cstring>
#include <utility>

namespace dsmip::esp {

namespace {

constexpr std::size_t kHmacSha256Length = 32;  // full HMAC-SHA-256 output, truncated to 16
constexpr std::size_t kIcvLength = 16;         // HMAC-SHA2-256-128 (RFC 4868 §2.3), GCM-16

constexpr SuiteInfo kAesCbcInfo{16, 16, kIcvLength, 32, 0, false, {16, 24, 32}};
constexpr SuiteInfo kAesGcmInfo{8, 4, kIcvLength, 0, 4, true, {16, 24, 32}};
constexpr SuiteInfo kNullInfo{0, 4, kIcvLength, 32, 0, false, {0, 0, 0}};

const char* cbcName(std::size_t key_length) {
  switch (key_length) {
    case 16:
      return "AES-128-CBC";
    case 24:
      return "AES-192-CBC";
    default:
      return "AES-256-CBC";
  }
}

const char* gcmName(std::size_t key_length) {
  switch (key_length) {
    case 16:
      return "AES-128-GCM";
    case 24:
      return "AES-192-GCM";
    default:
      return "AES-256-GCM";
  }
}

void putU32(std::uint8_t* out, std::uint32_t v) {
  out[0] = static_cast<std::uint8_t>(v >> 24);
  out[1] = static_cast<std::uint8_t>(v >> 16);
  out[2] = static_cast<std::uint8_t>(v >> 8);
  out[3] = static_cast<std::uint8_t>(v);
}

bool fitsInt(std::size_t n) { return n <= static_cast<std::size_t>(INT_MAX); }

}  // namespace

std::string_view suiteName(Suite suite) {
  switch (suite) {
    case Suite::AesCbcHmacSha256:
      return "aes-cbc-hmac-sha256";
    case Suite::AesGcm16:
      return "aes-gcm-16";
    case Suite::NullHmacSha256:
      return "null-hmac-sha256";
  }
  return "unknown";
}

std::optional<Suite> parseSuite(std::string_view name) {
  for (Suite s : {Suite::AesCbcHmacSha256, Suite::AesGcm16, Suite::NullHmacSha256}) {
    if (name == suiteName(s)) return s;
  }
  return std::nullopt;
}

const SuiteInfo& suiteInfo(Suite suite) {
  switch (suite) {
    case Suite::AesCbcHmacSha256:
      return kAesCbcInfo;
    case Suite::AesGcm16:
      return kAesGcmInfo;
    case Suite::NullHmacSha256:
      return kNullInfo;
  }
  return kAesCbcInfo;
}

Status checkKeyLengths(Suite suite, std::size_t encryption_key, std::size_t integrity_key) {
  const SuiteInfo& info = suiteInfo(suite);
  if (suite == Suite::NullHmacSha256) {
    if (encryption_key != 0) {
      return makeError(ErrorCode::InvalidArgument,
                       fmt::format("encryption_key: {} uses no encryption key, got {} octets",
                                   suiteName(suite), encryption_key));
    }
  } else {
    bool ok = false;
    for (std::size_t k : info.cipher_keys)
      ok = ok || (k != 0 && encryption_key == k + info.salt_length);
    if (!ok) {
      const std::size_t s = info.salt_length;
      return makeError(
          ErrorCode::InvalidArgument,
          fmt::format("encryption_key: {} takes {}, {} or {} octets{} ({}, {} or {} hex digits), "
                      "got {} octets",
                      suiteName(suite), 16 + s, 24 + s, 32 + s,
                      s != 0 ? " (AES key followed by the 4-octet salt, RFC 4106 §8.1)" : "",
                      2 * (16 + s), 2 * (24 + s), 2 * (32 + s), encryption_key));
    }
  }
  if (integrity_key != info.integrity_key) {
    if (info.integrity_key == 0) {
      return makeError(ErrorCode::InvalidArgument,
                       fmt::format("integrity_key: {} is a combined mode and takes no integrity "
                                   "key, got {} octets",
                                   suiteName(suite), integrity_key));
    }
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("integrity_key: HMAC-SHA2-256-128 takes {} octets ({} hex "
                                 "digits, RFC 4868 §2.1.1), got {} octets",
                                 info.integrity_key, 2 * info.integrity_key, integrity_key));
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// SecretBytes

SecretBytes::SecretBytes(ByteView bytes) : bytes_(bytes.begin(), bytes.end()) {}

SecretBytes SecretBytes::adopt(Bytes& bytes) {
  SecretBytes s{ByteView(bytes)};
  if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
  bytes.clear();
  return s;
}

SecretBytes::SecretBytes(const SecretBytes& other) : bytes_(other.bytes_) {}

SecretBytes& SecretBytes::operator=(const SecretBytes& other) {
  if (this != &other) {
    wipe();
    bytes_ = other.bytes_;
  }
  return *this;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {
  other.bytes_.clear();
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    bytes_ = std::move(other.bytes_);
    other.bytes_.clear();
  }
  return *this;
}

SecretBytes::~SecretBytes() { wipe(); }

void SecretBytes::wipe() {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
  bytes_.clear();
}

// ---------------------------------------------------------------------------------------------
// EspCipher

struct EspCipher::Contexts {
  EVP_CIPHER* cipher = nullptr;
  EVP_CIPHER_CTX* cipher_ctx = nullptr;
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* mac_ctx = nullptr;
  std::array<std::uint8_t, 4> salt{};
  bool encrypt = true;

  Contexts() = default;
  Contexts(const Contexts&) = delete;
  Contexts& operator=(const Contexts&) = delete;
  ~Contexts() {
    EVP_MAC_CTX_free(mac_ctx);
    EVP_MAC_free(mac);
    EVP_CIPHER_CTX_free(cipher_ctx);
    EVP_CIPHER_free(cipher);
    OPENSSL_cleanse(salt.data(), salt.size());
  }
};

EspCipher::EspCipher(Suite suite, std::unique_ptr<Contexts> contexts)
    : suite_(suite), contexts_(std::move(contexts)) {}
EspCipher::EspCipher(EspCipher&& other) noexcept = default;
EspCipher& EspCipher::operator=(EspCipher&& other) noexcept = default;
EspCipher::~EspCipher() = default;

Result<EspCipher> EspCipher::create(Suite suite, const SecretBytes& encryption_key,
                                    const SecretBytes& integrity_key, Direction direction) {
  if (auto ok = checkKeyLengths(suite, encryption_key.size(), integrity_key.size()); !ok) {
    return Unexpected{ok.error()};
  }
  const SuiteInfo& info = suiteInfo(suite);
  auto c = std::make_unique<Contexts>();
  c->encrypt = direction == Direction::Outbound;
  const int enc = c->encrypt ? 1 : 0;

  if (suite != Suite::NullHmacSha256) {
    const std::size_t key_length = encryption_key.size() - info.salt_length;
    const char* name = suite == Suite::AesGcm16 ? gcmName(key_length) : cbcName(key_length);
    c->cipher = EVP_CIPHER_fetch(nullptr, name, nullptr);
    c->cipher_ctx = EVP_CIPHER_CTX_new();
    if (c->cipher == nullptr || c->cipher_ctx == nullptr ||
        EVP_CipherInit_ex2(c->cipher_ctx, c->cipher, encryption_key.reveal().data(), nullptr, enc,
                           nullptr) != 1) {
      return makeError(ErrorCode::Unsupported, fmt::format("OpenSSL cannot set up {}", name));
    }
    if (suite == Suite::AesCbcHmacSha256) {
      // ESP does its own padding (RFC 4303 §2.4); the data is always whole blocks.
      EVP_CIPHER_CTX_set_padding(c->cipher_ctx, 0);
    } else {
      std::memcpy(c->salt.data(), encryption_key.reveal().data() + key_length, 4);
    }
  }
  if (info.integrity_key != 0) {
    c->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    c->mac_ctx = c->mac != nullptr ? EVP_MAC_CTX_new(c->mac) : nullptr;
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (c->mac_ctx == nullptr || EVP_MAC_init(c->mac_ctx, integrity_key.reveal().data(),
                                              integrity_key.size(), params) != 1) {
      return makeError(ErrorCode::Unsupported, "OpenSSL cannot set up HMAC-SHA-256");
    }
  }
  return EspCipher{suite, std::move(c)};
}

bool EspCipher::computeHmac(ByteView header, ByteView iv, ByteView data,
                            std::optional<std::uint32_t> esn_high, MutableByteView out) {
  // RFC 4303 §2.8 / §3.3.4: the ICV covers SPI, sequence number, IV and ciphertext; with ESN the
  // high-order 32 bits are appended after the trailer for the computation only (§2.2.1).
  EVP_MAC_CTX* ctx = contexts_->mac_ctx;
  std::uint8_t full[kHmacSha256Length];
  std::size_t written = 0;
  if (EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1) return false;
  const std::uint8_t* after_header = header.data() + header.size();
  const std::uint8_t* after_iv = iv.empty() ? after_header : iv.data() + iv.size();
  const bool contiguous = (iv.empty() || iv.data() == after_header) && data.data() == after_iv;
  if (contiguous) {
    // The usual case, a packet in one buffer: one update is measurably cheaper than three.
    if (EVP_MAC_update(ctx, header.data(), header.size() + iv.size() + data.size()) != 1) {
      return false;
    }
  } else {
    if (EVP_MAC_update(ctx, header.data(), header.size()) != 1) return false;
    if (!iv.empty() && EVP_MAC_update(ctx, iv.data(), iv.size()) != 1) return false;
    if (EVP_MAC_update(ctx, data.data(), data.size()) != 1) return false;
  }
  if (esn_high) {
    std::uint8_t high[4];
    putU32(high, *esn_high);
    if (EVP_MAC_update(ctx, high, sizeof high) != 1) return false;
  }
  if (EVP_MAC_final(ctx, full, &written, sizeof full) != 1 || written != sizeof full) return false;
  std::memcpy(out.data(), full, out.size());
  OPENSSL_cleanse(full, sizeof full);
  return true;
}

bool EspCipher::runCbc(ByteView iv, MutableByteView data) {
  EVP_CIPHER_CTX* ctx = contexts_->cipher_ctx;
  if (!fitsInt(data.size())) return false;
  int out = 0;
  int final_out = 0;
  if (EVP_CipherInit_ex2(ctx, nullptr, nullptr, iv.data(), -1, nullptr) != 1) return false;
  if (EVP_CipherUpdate(ctx, data.data(), &out, data.data(), static_cast<int>(data.size())) != 1) {
    return false;
  }
  if (EVP_CipherFinal_ex(ctx, data.data() + out, &final_out) != 1) return false;
  return static_cast<std::size_t>(out + final_out) == data.size();
}

bool EspCipher::runGcm(ByteView header, ByteView iv, MutableByteView data,
                       std::optional<std::uint32_t> esn_high, MutableByteView tag, bool encrypt) {
  EVP_CIPHER_CTX* ctx = contexts_->cipher_ctx;
  if (!fitsInt(data.size())) return false;
  // RFC 4106 §4: nonce = salt ‖ explicit IV. §5: AAD = SPI ‖ seq, or SPI ‖ ESN high ‖ seq low.
  std::uint8_t nonce[12];
  std::memcpy(nonce, contexts_->salt.data(), 4);
  std::memcpy(nonce + 4, iv.data(), 8);
  std::uint8_t aad[12];
  std::size_t aad_length = 8;
  std::memcpy(aad, header.data(), 4);
  if (esn_high) {
    putU32(aad + 4, *esn_high);
    std::memcpy(aad + 8, header.data() + 4, 4);
    aad_length = 12;
  } else {
    std::memcpy(aad + 4, header.data() + 4, 4);
  }
  int out = 0;
  if (EVP_CipherInit_ex2(ctx, nullptr, nullptr, nonce, -1, nullptr) != 1) return false;
  if (EVP_CipherUpdate(ctx, nullptr, &out, aad, static_cast<int>(aad_length)) != 1) return false;
  if (EVP_CipherUpdate(ctx, data.data(), &out, data.data(), static_cast<int>(data.size())) != 1) {
    return false;
  }
  if (!encrypt) {
    OSSL_PARAM set[] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag.data(), tag.size()),
        OSSL_PARAM_construct_end()};
    if (EVP_CIPHER_CTX_set_params(ctx, set) != 1) return false;
  }
  int final_out = 0;
  std::uint8_t sink[16];
  // Decryption: Final checks the tag in constant time and fails on a mismatch.
  if (EVP_CipherFinal_ex(ctx, sink, &final_out) != 1) return false;
  if (encrypt) {
    OSSL_PARAM get[] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag.data(), tag.size()),
        OSSL_PARAM_construct_end()};
    if (EVP_CIPHER_CTX_get_params(ctx, get) != 1) return false;
  }
  return true;
}

bool EspCipher::seal(ByteView header, ByteView iv, MutableByteView data,
                     std::optional<std::uint32_t> esn_high, MutableByteView icv) {
  if (!contexts_->encrypt || header.size() != 8 || iv.size() != info().iv_length ||
      icv.size() != info().icv_length || data.size() % info().alignment != 0) {
    return false;
  }
  switch (suite_) {
    case Suite::AesGcm16:
      return runGcm(header, iv, data, esn_high, icv, true);
    case Suite::AesCbcHmacSha256:
      if (!runCbc(iv, data)) return false;
      return computeHmac(header, iv, data, esn_high, icv);
    case Suite::NullHmacSha256:
      return computeHmac(header, iv, data, esn_high, icv);
  }
  return false;
}

bool EspCipher::open(ByteView header, ByteView iv, MutableByteView data,
                     std::optional<std::uint32_t> esn_high, ByteView icv) {
  if (contexts_->encrypt || header.size() != 8 || iv.size() != info().iv_length ||
      icv.size() != info().icv_length) {
    return false;
  }
  if (suite_ == Suite::AesGcm16) {
    std::uint8_t tag[kIcvLength];
    std::memcpy(tag, icv.data(), kIcvLength);
    return runGcm(header, iv, data, esn_high, MutableByteView(tag, kIcvLength), false);
  }
  // Integrity first (RFC 4303 §3.4.4.1): never decrypt what does not verify.
  std::uint8_t expected[kIcvLength];
  if (!computeHmac(header, iv, data, esn_high, MutableByteView(expected, kIcvLength))) {
    return false;
  }
  const bool verified = CRYPTO_memcmp(expected, icv.data(), kIcvLength) == 0;
  OPENSSL_cleanse(expected, sizeof expected);
  if (!verified) return false;
  if (suite_ == Suite::AesCbcHmacSha256) {
    if (data.size() % 16 != 0) return false;
    return runCbc(iv, data);
  }
  return true;
}

}  // namespace dsmip::esp
