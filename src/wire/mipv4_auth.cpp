// Mobile IPv4 MN-HA authentication (RFC 5944 §3.5.1, §3.5.2) with HMAC-MD5 through the
// OpenSSL 3 EVP_MAC interface.
#include "wire/mipv4_auth.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <memory>

namespace dsmip::wire {
namespace {

constexpr std::size_t kHmacMd5Length = 16;
constexpr std::uint8_t kMobileHomeAuthType =
    static_cast<std::uint8_t>(Mipv4ExtensionType::MobileHomeAuth);
constexpr std::size_t kSpiSize = 4;

struct MacDeleter {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};
using MacPtr = std::unique_ptr<EVP_MAC, MacDeleter>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, MacDeleter>;

// An HMAC context with the digest already chosen. Fetching the MAC and the digest is the slow
// part of an OpenSSL 3 MAC, so it is done once.
class HmacTemplate {
 public:
  explicit HmacTemplate(const char* digest_name) {
    mac_.reset(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
    if (!mac_) return;
    ctx_.reset(EVP_MAC_CTX_new(mac_.get()));
    if (!ctx_) return;
    std::array<char, 16> name{};
    for (std::size_t i = 0; i + 1 < name.size() && digest_name[i] != '\0'; ++i) {
      name[i] = digest_name[i];
    }
    const std::array<OSSL_PARAM, 2> params{
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, name.data(), 0),
        OSSL_PARAM_construct_end()};
    if (EVP_MAC_CTX_set_params(ctx_.get(), params.data()) != 1) ctx_.reset();
  }
  /// A fresh context ready for EVP_MAC_init with a key; null if the algorithm is unavailable.
  [[nodiscard]] MacCtxPtr context() const {
    if (!ctx_) return nullptr;
    return MacCtxPtr(EVP_MAC_CTX_dup(ctx_.get()));
  }

 private:
  MacPtr mac_;
  MacCtxPtr ctx_;
};

const HmacTemplate& hmacMd5Template() {
  static const HmacTemplate instance{"MD5"};
  return instance;
}

// One working context per thread, re-keyed by EVP_MAC_init for every computation: this saves
// the allocation and copy of a context per message (daemons are single-threaded; thread_local
// keeps tests and tools that use threads correct).
EVP_MAC_CTX* hmacMd5Context() {
  thread_local const MacCtxPtr context = hmacMd5Template().context();
  return context.get();
}

// Computes the authenticator into `out` (at least mipv4AuthenticatorLength() octets).
Status computeInto(const Mipv4AuthKey& key, ByteView data, MutableByteView out) {
  if (key.key.empty()) {
    return makeError(ErrorCode::InvalidArgument, "mobile ipv4 authentication key is empty");
  }
  switch (key.algorithm) {
    case Mipv4AuthAlgorithm::HmacMd5: {
      EVP_MAC_CTX* ctx = hmacMd5Context();
      if (ctx == nullptr) {
        return makeError(ErrorCode::Unsupported, "HMAC-MD5 is not available in libcrypto");
      }
      std::size_t written = 0;
      if (EVP_MAC_init(ctx, key.key.data(), key.key.size(), nullptr) != 1 ||
          EVP_MAC_update(ctx, data.data(), data.size()) != 1 ||
          EVP_MAC_final(ctx, out.data(), &written, out.size()) != 1 || written != kHmacMd5Length) {
        return makeError(ErrorCode::Unsupported, "HMAC-MD5 computation failed in libcrypto");
      }
      return {};
    }
  }
  return makeError(ErrorCode::Unsupported, "unknown mobile ipv4 authentication algorithm");
}

Status checkMessageStart(std::size_t message_start, const ByteWriter& out) {
  if (message_start > out.size()) {
    return makeError(ErrorCode::InvalidArgument, "message start lies beyond what was written");
  }
  return {};
}

bool containsMobileHomeAuth(std::span<const Mipv4Extension> extensions) {
  return findMipv4Extension<MobileHomeAuthExtension>(extensions) != nullptr;
}

Status encodeAuthenticated(std::span<const Mipv4Extension> before_auth, const Mipv4AuthKey& key,
                           ByteWriter& out, std::size_t message_start,
                           std::span<const Mipv4Extension> after_auth) {
  if (containsMobileHomeAuth(before_auth) || containsMobileHomeAuth(after_auth)) {
    return makeError(ErrorCode::InvalidArgument,
                     "extensions already contain a mobile-home authentication extension");
  }
  if (auto s = encodeMipv4Extensions(before_auth, out); !s) return s;
  if (auto s = appendMobileHomeAuth(out, key, message_start); !s) return s;
  return encodeMipv4Extensions(after_auth, out);
}

}  // namespace

std::size_t mipv4AuthenticatorLength(Mipv4AuthAlgorithm algorithm) {
  switch (algorithm) {
    case Mipv4AuthAlgorithm::HmacMd5:
      return kHmacMd5Length;
  }
  return 0;
}

Result<Bytes> computeMipv4Authenticator(const Mipv4AuthKey& key, ByteView authenticated_data) {
  Bytes out(mipv4AuthenticatorLength(key.algorithm));
  if (auto s = computeInto(key, authenticated_data, out); !s) return Unexpected{s.error()};
  return out;
}

Status appendMobileHomeAuth(ByteWriter& out, const Mipv4AuthKey& key, std::size_t message_start) {
  if (key.spi < kMipv4MinimumSpi) {
    return makeError(ErrorCode::InvalidArgument, "SPI 0-255 is reserved (RFC 5944 section 1.6)");
  }
  if (auto s = checkMessageStart(message_start, out); !s) return s;
  const std::size_t length = mipv4AuthenticatorLength(key.algorithm);
  out.u8(kMobileHomeAuthType);
  out.u8(static_cast<std::uint8_t>(kSpiSize + length));
  out.u32(key.spi);
  const std::size_t authenticator_at = out.reserve(length);
  if (!out.ok()) {
    return Unexpected{
        Error{ErrorCode::NoSpace, "mobile-home authentication does not fit", out.size(), 0, {}}};
  }
  const MutableByteView written = out.writtenMutable();
  const ByteView covered(written.data() + message_start, authenticator_at - message_start);
  return computeInto(key, covered, written.subspan(authenticator_at, length));
}

Status encodeAuthenticatedRegistrationRequest(const RegistrationRequest& request,
                                              const Mipv4AuthKey& key, ByteWriter& out,
                                              std::span<const Mipv4Extension> after_auth) {
  const std::size_t start = out.size();
  if (auto s = encodeRegistrationRequestFixed(request, out); !s) return s;
  return encodeAuthenticated(request.extensions, key, out, start, after_auth);
}

Status encodeAuthenticatedRegistrationReply(const RegistrationReply& reply, const Mipv4AuthKey& key,
                                            ByteWriter& out,
                                            std::span<const Mipv4Extension> after_auth) {
  const std::size_t start = out.size();
  if (auto s = encodeRegistrationReplyFixed(reply, out); !s) return s;
  return encodeAuthenticated(reply.extensions, key, out, start, after_auth);
}

Result<Mipv4AuthLocation> locateMobileHomeAuth(ByteView payload) {
  if (payload.empty()) {
    return parseError(ErrorCode::Truncated, "empty mobile ipv4 message", 0);
  }
  std::size_t fixed = 0;
  switch (static_cast<Mipv4MessageType>(payload[0])) {
    case Mipv4MessageType::RegistrationRequest:
      fixed = kRegistrationRequestFixedSize;
      break;
    case Mipv4MessageType::RegistrationReply:
      fixed = kRegistrationReplyFixedSize;
      break;
    default:
      return parseError(ErrorCode::BadValue, "only registration messages are authenticated", 0);
  }
  if (payload.size() < fixed) {
    return parseError(ErrorCode::Truncated, "registration message shorter than its fixed part",
                      payload.size());
  }
  // The full extension decoder also checks every extension's format, so that a message this
  // function accepts is one the decoders accept, with the same location.
  Mipv4AuthLocation location;
  auto extensions = decodeMipv4Extensions(payload.subspan(fixed), fixed, &location);
  if (!extensions) return Unexpected{std::move(extensions).error()};
  return location;
}

Status verifyMobileHomeAuth(ByteView payload, const Mipv4AuthKey& key) {
  auto location = locateMobileHomeAuth(payload);
  if (!location) return Unexpected{std::move(location).error()};
  return verifyMobileHomeAuth(payload, *location, key);
}

Status verifyMobileHomeAuth(ByteView payload, const Mipv4AuthLocation& location,
                            const Mipv4AuthKey& key) {
  if (location.mobile_home_auth_count == 0) {
    return parseError(ErrorCode::NotFound, "no mobile-home authentication extension",
                      payload.size());
  }
  if (location.mobile_home_auth_count > 1) {
    return parseError(ErrorCode::BadValue, "duplicate mobile-home authentication extension",
                      location.second_offset);
  }
  if (location.other_auth_before) {
    return parseError(ErrorCode::BadValue,
                      "authentication extension before the mobile-home authentication",
                      location.first_offset);
  }
  if (location.spi < kMipv4MinimumSpi) {
    return parseError(ErrorCode::BadValue, "reserved SPI in mobile-home authentication",
                      location.first_offset);
  }
  if (location.spi != key.spi) {
    return parseError(ErrorCode::BadValue, "SPI differs from the security association's",
                      location.first_offset);
  }
  const std::size_t length = mipv4AuthenticatorLength(key.algorithm);
  if (location.authenticator_length != length) {
    return parseError(ErrorCode::BadLength, "authenticator length does not fit the algorithm",
                      location.first_offset);
  }
  if (location.authenticated_length > payload.size() ||
      length > payload.size() - location.authenticated_length) {
    return makeError(ErrorCode::InvalidArgument, "authentication location does not fit payload");
  }
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> expected{};
  if (auto s = computeInto(key, payload.first(location.authenticated_length), expected); !s) {
    return s;
  }
  const ByteView received = payload.subspan(location.authenticated_length, length);
  if (CRYPTO_memcmp(expected.data(), received.data(), length) != 0) {
    return parseError(ErrorCode::BadChecksum, "mobile-home authenticator does not verify",
                      location.authenticated_length);
  }
  return {};
}

}  // namespace dsmip::wire
