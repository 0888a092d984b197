#include "esp/crypto.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <concepts>
#include <ostream>
#include <sstream>
#include <type_traits>

#include "esp/config.hpp"
#include "esp/security_association.hpp"
#include "esp_test_support.hpp"

namespace dsmip::esp {
namespace {

using namespace test;

template <typename T>
concept Streamable = requires(std::ostream& os, const T& v) {
  os << v;
};

// Keys never print: no operator<<, no fmt formatter, no toString on the key type or on the
// structures that carry keys.
static_assert(!Streamable<SecretBytes>);
static_assert(!fmt::is_formattable<SecretBytes>::value);
static_assert(!Streamable<SaParameters>);
static_assert(!fmt::is_formattable<SaParameters>::value);
static_assert(!Streamable<SaConfig>);
static_assert(!Streamable<SecurityAssociation>);
static_assert(!std::is_copy_constructible_v<EspCipher>);

TEST(SuiteTest, NamesRoundTrip) {
  for (Suite s : kAllSuites) EXPECT_EQ(parseSuite(suiteName(s)), s);
  EXPECT_EQ(parseSuite("aes-cbc-hmac-sha256"), Suite::AesCbcHmacSha256);
  EXPECT_EQ(parseSuite("aes-gcm-16"), Suite::AesGcm16);
  EXPECT_EQ(parseSuite("null-hmac-sha256"), Suite::NullHmacSha256);
  EXPECT_FALSE(parseSuite("aes-ctr"));
  EXPECT_FALSE(parseSuite(""));
}

TEST(SuiteTest, InfoMatchesTheRfcs) {
  EXPECT_EQ(suiteInfo(Suite::AesCbcHmacSha256).iv_length, 16u);  // RFC 3602 §3
  EXPECT_EQ(suiteInfo(Suite::AesCbcHmacSha256).alignment, 16u);
  EXPECT_EQ(suiteInfo(Suite::AesGcm16).iv_length, 8u);  // RFC 4106 §3.1
  EXPECT_EQ(suiteInfo(Suite::AesGcm16).alignment, 4u);  // RFC 4106 §3.2
  EXPECT_EQ(suiteInfo(Suite::NullHmacSha256).iv_length, 0u);
  for (Suite s : kAllSuites) EXPECT_EQ(suiteInfo(s).icv_length, 16u);
}

TEST(KeyLengthTest, AcceptsExactlyTheRfcSizes) {
  for (std::size_t k : {16u, 24u, 32u}) {
    EXPECT_TRUE(checkKeyLengths(Suite::AesCbcHmacSha256, k, 32)) << k;
    EXPECT_TRUE(checkKeyLengths(Suite::AesGcm16, k + 4, 0)) << k;
  }
  EXPECT_TRUE(checkKeyLengths(Suite::NullHmacSha256, 0, 32));
  for (std::size_t k : {0u, 15u, 17u, 20u, 33u}) {
    auto r = checkKeyLengths(Suite::AesCbcHmacSha256, k, 32);
    ASSERT_FALSE(r) << k;
    EXPECT_NE(r.error().detail.find("encryption_key"), std::string::npos);
  }
  for (std::size_t k : {16u, 24u, 32u, 19u}) EXPECT_FALSE(checkKeyLengths(Suite::AesGcm16, k, 0));
  auto hmac = checkKeyLengths(Suite::AesCbcHmacSha256, 16, 31);
  ASSERT_FALSE(hmac);
  EXPECT_NE(hmac.error().detail.find("integrity_key"), std::string::npos);
  EXPECT_NE(hmac.error().detail.find("32 octets"), std::string::npos);
  EXPECT_FALSE(checkKeyLengths(Suite::AesGcm16, 20, 32));        // AEAD takes no HMAC key
  EXPECT_FALSE(checkKeyLengths(Suite::NullHmacSha256, 16, 32));  // NULL takes no cipher key
}

TEST(SecretBytesTest, CopiesAndMovesKeepOrClearTheBytes) {
  SecretBytes a{kAes128Key};
  SecretBytes b = a;
  EXPECT_EQ(toBytes(b.reveal()), kAes128Key);
  SecretBytes c = std::move(a);
  EXPECT_EQ(toBytes(c.reveal()), kAes128Key);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is defined empty
  Bytes source = kHmacKey;
  SecretBytes d = SecretBytes::adopt(source);
  EXPECT_TRUE(source.empty());
  EXPECT_EQ(d.size(), 32u);
  d = b;
  EXPECT_EQ(toBytes(d.reveal()), kAes128Key);
}

struct CipherPair {
  EspCipher out;
  EspCipher in;
};

CipherPair ciphers(Suite suite, ByteView key) {
  const SecretBytes enc{key};
  const SecretBytes integ{suite == Suite::AesGcm16 ? ByteView{} : ByteView{kHmacKey}};
  auto out = EspCipher::create(suite, enc, integ, Direction::Outbound);
  auto in = EspCipher::create(suite, enc, integ, Direction::Inbound);
  EXPECT_TRUE(out.has_value());
  EXPECT_TRUE(in.has_value());
  return CipherPair{std::move(*out), std::move(*in)};
}

TEST(EspCipherTest, SealThenOpenRestoresDataForEveryKeySize) {
  const Bytes header = hex("00001001 00000007");
  for (auto [suite, key] :
       {std::pair{Suite::AesCbcHmacSha256, kAes128Key},
        std::pair{Suite::AesCbcHmacSha256, hex("000102030405060708090a0b0c0d0e0f1011121314151617")},
        std::pair{Suite::AesCbcHmacSha256, kAes256Key}, std::pair{Suite::AesGcm16, kGcm128KeySalt},
        std::pair{Suite::AesGcm16,
                  hex("000102030405060708090a0b0c0d0e0f1011121314151617 01020304")},
        std::pair{Suite::AesGcm16, kGcm256KeySalt}, std::pair{Suite::NullHmacSha256, Bytes{}}}) {
    SCOPED_TRACE(fmt::format("{} key {} octets", suiteName(suite), key.size()));
    auto [out, in] = ciphers(suite, key);
    const Bytes plain = defaultPadding(48);
    Bytes data = plain;
    const Bytes iv = ivFor(suite, 7);
    std::uint8_t icv[16];
    ASSERT_TRUE(out.seal(header, iv, data, std::nullopt, icv));
    if (suite != Suite::NullHmacSha256) {
      EXPECT_NE(data, plain);
    }
    ASSERT_TRUE(in.open(header, iv, data, std::nullopt, ByteView(icv, 16)));
    EXPECT_EQ(data, plain);
    // Contexts are reused: a second packet works the same.
    Bytes again = plain;
    ASSERT_TRUE(out.seal(header, iv, again, std::nullopt, icv));
    ASSERT_TRUE(in.open(header, iv, again, std::nullopt, ByteView(icv, 16)));
    EXPECT_EQ(again, plain);
  }
}

TEST(EspCipherTest, MatchesAnIndependentComputation) {
  // The same packet through EspCipher and through one-shot OpenSSL calls (test crafter).
  for (Suite suite : kAllSuites) {
    SCOPED_TRACE(suiteName(suite));
    auto [out, in] = ciphers(suite, defaultKeyFor(suite));
    const Bytes plain = espPlaintext(hex("3b0205000000000700000032"), defaultPadding(2), 2, 135);
    const Bytes iv = ivFor(suite, 9);
    const Bytes crafted = craftEsp(suite, defaultKeyFor(suite), 0x1001, 9, false, iv, plain);
    Bytes header = hex("00001001 00000009");
    Bytes data = plain;
    std::uint8_t icv[16];
    ASSERT_TRUE(out.seal(header, iv, data, std::nullopt, icv));
    Bytes ours = header;
    append(ours, iv);
    append(ours, data);
    ours.insert(ours.end(), icv, icv + 16);
    EXPECT_EQ(toHex(ours), toHex(crafted));
  }
}

TEST(EspCipherTest, AnyChangedBitFailsVerification) {
  for (Suite suite : kAllSuites) {
    SCOPED_TRACE(suiteName(suite));
    auto [out, in] = ciphers(suite, defaultKeyFor(suite));
    const Bytes header = hex("00001001 00000001");
    const Bytes iv = ivFor(suite, 1);
    Bytes data = defaultPadding(32);
    std::uint8_t icv[16];
    ASSERT_TRUE(out.seal(header, iv, data, std::nullopt, icv));
    Bytes packet = header;
    append(packet, iv);
    append(packet, data);
    packet.insert(packet.end(), icv, icv + 16);
    for (std::size_t i = 0; i < packet.size(); ++i) {
      Bytes p = packet;
      p[i] ^= 0x01;
      const ByteView h(p.data(), 8);
      const ByteView v(p.data() + 8, iv.size());
      MutableByteView d(p.data() + 8 + iv.size(), data.size());
      const ByteView t(p.data() + p.size() - 16, 16);
      EXPECT_FALSE(in.open(h, v, d, std::nullopt, t)) << "flipped octet " << i;
    }
  }
}

TEST(EspCipherTest, EsnHighBitsAreCoveredByTheIcv) {
  for (Suite suite : kAllSuites) {
    SCOPED_TRACE(suiteName(suite));
    auto [out, in] = ciphers(suite, defaultKeyFor(suite));
    const Bytes header = hex("00001001 00000003");
    const Bytes iv = ivFor(suite, 0x100000003ULL);
    const Bytes plain = defaultPadding(16);
    Bytes data = plain;
    std::uint8_t icv[16];
    ASSERT_TRUE(out.seal(header, iv, data, 1u, icv));
    Bytes wrong = data;
    EXPECT_FALSE(in.open(header, iv, wrong, 0u, ByteView(icv, 16)));
    wrong = data;
    EXPECT_FALSE(in.open(header, iv, wrong, std::nullopt, ByteView(icv, 16)));
    EXPECT_TRUE(in.open(header, iv, data, 1u, ByteView(icv, 16)));
    EXPECT_EQ(data, plain);
  }
}

TEST(EspCipherTest, WrongDirectionOrSizesAreRefused) {
  auto [out, in] = ciphers(Suite::AesCbcHmacSha256, kAes128Key);
  const Bytes header = hex("00001001 00000001");
  const Bytes iv = ivFor(Suite::AesCbcHmacSha256, 1);
  Bytes data = defaultPadding(16);
  std::uint8_t icv[16];
  EXPECT_FALSE(in.seal(header, iv, data, std::nullopt, icv));  // inbound context
  Bytes odd = defaultPadding(15);
  EXPECT_FALSE(out.seal(header, iv, odd, std::nullopt, icv));         // not block aligned
  EXPECT_FALSE(out.seal(header, Bytes(8), data, std::nullopt, icv));  // wrong IV size
  ASSERT_TRUE(out.seal(header, iv, data, std::nullopt, icv));
  EXPECT_FALSE(out.open(header, iv, data, std::nullopt, ByteView(icv, 16)));  // outbound context
}

TEST(EspCipherTest, CreateRejectsBadKeys) {
  auto r = EspCipher::create(Suite::AesCbcHmacSha256, SecretBytes{Bytes(15)}, SecretBytes{kHmacKey},
                             Direction::Outbound);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
}

}  // namespace
}  // namespace dsmip::esp
