// Mobile IPv4 MN-HA authentication: the reference worked example byte for byte, the covered
// region (tamper tests), duplicates and ordering, and the encoder's refusals.
#include <gtest/gtest.h>

#include <string_view>

#include "wire/mipv4.hpp"
#include "wire/mipv4_auth.hpp"

namespace dsmip::wire {
namespace {

Bytes hex(std::string_view text) {
  Bytes out;
  EXPECT_TRUE(fromHex(text, out)) << text;
  return out;
}

Mipv4AuthKey exampleKey() {
  Mipv4AuthKey key;
  key.spi = 0x1000;
  key.algorithm = Mipv4AuthAlgorithm::HmacMd5;
  key.key = hex("000102030405060708090a0b0c0d0e0f");
  return key;
}

// Reference 5.5, worked example: the 62 authenticated octets and the 16-octet authenticator.
constexpr std::string_view kExampleCovered =
    "01220258 0a010005 cb007101 c0a80114 e6a0b2c3 12345678"
    "98120130 20010db8abcd0000 0000000000000000"
    "98020300"
    "90060000 80000000"
    "20140000 1000";
constexpr std::string_view kExampleAuthenticator = "2391c15a1f0d6074a19ad014348e4159";

Bytes exampleBytes() {
  return hex(std::string(kExampleCovered) + std::string(kExampleAuthenticator));
}

RegistrationRequest exampleRequest() {
  RegistrationRequest r;
  r.flags.decapsulation_by_mobile_node = true;
  r.flags.reverse_tunneling = true;
  r.lifetime = 600;
  r.home_address = *Ipv4Address::parse("10.1.0.5");
  r.home_agent = *Ipv4Address::parse("203.0.113.1");
  r.care_of_address = *Ipv4Address::parse("192.168.1.20");
  r.identification = 0xe6a0b2c312345678ULL;
  r.extensions = {
      Ipv6PrefixRequestExtension{48, *Ipv6Address::parse("2001:db8:abcd::")},
      Ipv6TunnelingModeExtension{},
      UdpTunnelRequestExtension{0, true, false, 0, kUdpTunnelEncapsulationFromFlags},
  };
  return r;
}

Bytes encodeAuthenticated(const RegistrationRequest& r, const Mipv4AuthKey& key,
                          std::span<const Mipv4Extension> after = {}) {
  Bytes buffer(1500);
  ByteWriter out{buffer};
  const Status s = encodeAuthenticatedRegistrationRequest(r, key, out, after);
  EXPECT_TRUE(s) << (s ? "" : s.error().toString());
  buffer.resize(out.size());
  return buffer;
}

ErrorCode verifyCode(ByteView payload, const Mipv4AuthKey& key) {
  const Status s = verifyMobileHomeAuth(payload, key);
  return s ? ErrorCode::Ok : s.error().code;
}

// --- the worked example -------------------------------------------------------------------------

TEST(Mipv4AuthTest, WorkedExampleAuthenticatorIsByteExact) {
  auto authenticator = computeMipv4Authenticator(exampleKey(), hex(kExampleCovered));
  ASSERT_TRUE(authenticator);
  EXPECT_EQ(toHex(*authenticator), kExampleAuthenticator);
}

TEST(Mipv4AuthTest, WorkedExampleEncoderIsByteExact) {
  EXPECT_EQ(toHex(encodeAuthenticated(exampleRequest(), exampleKey())), toHex(exampleBytes()));
}

TEST(Mipv4AuthTest, WorkedExampleDecodesAndVerifies) {
  const Bytes bytes = exampleBytes();
  Mipv4AuthLocation location;
  auto decoded = decodeRegistrationRequest(bytes, &location);
  ASSERT_TRUE(decoded);
  RegistrationRequest expected = exampleRequest();
  expected.extensions.push_back(MobileHomeAuthExtension{0x1000, hex(kExampleAuthenticator)});
  EXPECT_EQ(*decoded, expected);
  EXPECT_EQ(location.authenticated_length, 62u);
  EXPECT_EQ(location.first_offset, 56u);
  EXPECT_TRUE(verifyMobileHomeAuth(bytes, location, exampleKey()));
  EXPECT_TRUE(verifyMobileHomeAuth(bytes, exampleKey()));
  auto located = locateMobileHomeAuth(bytes);
  ASSERT_TRUE(located);
  EXPECT_EQ(*located, location);
}

TEST(Mipv4AuthTest, HmacMd5MatchesRfc2202) {
  // RFC 2202 §2, test case 1: key 0x0b x 16, data "Hi There".
  Mipv4AuthKey key{0x1000, Mipv4AuthAlgorithm::HmacMd5, Bytes(16, 0x0b)};
  const std::string_view text = "Hi There";
  const Bytes data(text.begin(), text.end());
  auto mac = computeMipv4Authenticator(key, data);
  ASSERT_TRUE(mac);
  EXPECT_EQ(toHex(*mac), "9294727a3638bb1c13f48ef8158bfc9d");
  EXPECT_EQ(mipv4AuthenticatorLength(Mipv4AuthAlgorithm::HmacMd5), 16u);
}

TEST(Mipv4AuthTest, KeysOfAnyLengthAreSupported) {
  // RFC 5944 §5.1: keys of arbitrary binary value; HMAC hashes keys longer than the block.
  // RFC 2202 §2, test case 6: key 0xaa x 80.
  Mipv4AuthKey key{0x1000, Mipv4AuthAlgorithm::HmacMd5, Bytes(80, 0xaa)};
  const std::string_view text = "Test Using Larger Than Block-Size Key - Hash Key First";
  const Bytes data(text.begin(), text.end());
  auto mac = computeMipv4Authenticator(key, data);
  ASSERT_TRUE(mac);
  EXPECT_EQ(toHex(*mac), "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");
}

// --- what is covered ----------------------------------------------------------------------------

TEST(Mipv4AuthTest, FlippingAnyCoveredOrAuthenticatorByteFails) {
  const Bytes original = exampleBytes();
  for (std::size_t i = 0; i < original.size(); ++i) {
    for (const int mask : {0x01, 0x80}) {
      Bytes tampered = original;
      tampered[i] = static_cast<std::uint8_t>(tampered[i] ^ mask);
      EXPECT_NE(verifyCode(tampered, exampleKey()), ErrorCode::Ok)
          << "octet " << i << " mask " << mask;
    }
  }
}

TEST(Mipv4AuthTest, FlippingAuthenticatedFieldsGivesBadChecksum) {
  // Value-only changes (the structure still parses) are caught by the authenticator itself.
  for (std::size_t i : {1u, 3u, 5u, 13u, 23u, 27u, 40u, 53u, 62u, 77u}) {
    Bytes tampered = exampleBytes();
    tampered[i] ^= 0x01;
    EXPECT_EQ(verifyCode(tampered, exampleKey()), ErrorCode::BadChecksum) << "octet " << i;
  }
}

TEST(Mipv4AuthTest, ExtensionsAfterTheAuthenticatorAreNotCovered) {
  const Mipv4Extension fa_only[] = {
      Mipv4UnknownExtension{200, hex("0102030405"), Mipv4SkipReason::UnknownType},
      MobileForeignAuthExtension{0x2000, Bytes(16, 0x55)},
  };
  const Bytes original = encodeAuthenticated(exampleRequest(), exampleKey(), fa_only);
  ASSERT_EQ(original.size(), 78u + 7u + 22u);
  EXPECT_EQ(toHex(ByteView(original).first(78)), toHex(exampleBytes()));
  for (std::size_t i = 78; i < original.size(); ++i) {
    Bytes tampered = original;
    if (i == 78 || i == 79 || i == 85 || i == 86) continue;  // types and lengths: structure
    tampered[i] ^= 0xff;
    EXPECT_EQ(verifyCode(tampered, exampleKey()), ErrorCode::Ok) << "octet " << i;
  }
  auto decoded = decodeRegistrationRequest(original);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->extensions.size(), 6u);
}

TEST(Mipv4AuthTest, UdpHeaderIsNotCovered) {
  // A datagram as received: 8-octet UDP header, then the payload the verifier is given.
  Bytes datagram = hex("b3a401b2 0056 0000");
  const Bytes payload = exampleBytes();
  datagram.insert(datagram.end(), payload.begin(), payload.end());
  for (std::size_t i = 0; i < 8; ++i) {
    Bytes tampered = datagram;
    tampered[i] ^= 0xff;
    EXPECT_EQ(verifyCode(ByteView(tampered).subspan(8), exampleKey()), ErrorCode::Ok);
  }
}

// --- presence, duplicates, order ----------------------------------------------------------------

TEST(Mipv4AuthTest, MissingMobileHomeAuthIsNotFound) {
  Bytes buffer(200);
  ByteWriter out{buffer};
  ASSERT_TRUE(encodeRegistrationRequest(exampleRequest(), out));
  EXPECT_EQ(verifyCode(out.written(), exampleKey()), ErrorCode::NotFound);
}

TEST(Mipv4AuthTest, TwoMobileHomeAuthExtensionsAreRejected) {
  const Mipv4Extension second[] = {MobileHomeAuthExtension{0x1000, hex(kExampleAuthenticator)}};
  const Bytes bytes = encodeAuthenticated(exampleRequest(), exampleKey(), {});
  Bytes doubled = bytes;
  doubled.insert(doubled.end(), bytes.begin() + 56, bytes.end());  // same extension again
  const Status s = verifyMobileHomeAuth(doubled, exampleKey());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::BadValue);
  EXPECT_EQ(s.error().offset, 78u);
  Mipv4AuthLocation location;
  ASSERT_TRUE(decodeRegistrationRequest(doubled, &location));  // decoding itself is fine
  EXPECT_EQ(location.mobile_home_auth_count, 2u);
  EXPECT_EQ(location.second_offset, 78u);
  EXPECT_FALSE(verifyMobileHomeAuth(doubled, location, exampleKey()));
  // The encoder refuses to add a second one.
  Bytes buffer(200);
  ByteWriter out{buffer};
  const Status enc =
      encodeAuthenticatedRegistrationRequest(exampleRequest(), exampleKey(), out, second);
  ASSERT_FALSE(enc);
  EXPECT_EQ(enc.error().code, ErrorCode::InvalidArgument);
}

TEST(Mipv4AuthTest, OtherAuthBeforeMobileHomeAuthIsRejected) {
  RegistrationRequest r = exampleRequest();
  r.extensions.push_back(MobileForeignAuthExtension{0x2000, Bytes(16, 1)});
  const Bytes bytes = encodeAuthenticated(r, exampleKey());
  const Status s = verifyMobileHomeAuth(bytes, exampleKey());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::BadValue);
}

TEST(Mipv4AuthTest, WrongKeyGivesBadChecksum) {
  Mipv4AuthKey key = exampleKey();
  key.key[15] ^= 1;
  const Status s = verifyMobileHomeAuth(exampleBytes(), key);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::BadChecksum);
  EXPECT_EQ(s.error().offset, 62u);
}

TEST(Mipv4AuthTest, SpiOtherThanTheKeysIsRejected) {
  Mipv4AuthKey key = exampleKey();
  key.spi = 0x1001;
  EXPECT_EQ(verifyCode(exampleBytes(), key), ErrorCode::BadValue);
}

TEST(Mipv4AuthTest, ReservedSpiInMessageIsRejected) {
  Bytes bytes = exampleBytes();
  bytes[60] = 0x00;  // SPI 0x00000000
  bytes[61] = 0xff;  // → 0x000000ff
  Mipv4AuthKey key = exampleKey();
  key.spi = 0xff;
  EXPECT_EQ(verifyCode(bytes, key), ErrorCode::BadValue);
}

TEST(Mipv4AuthTest, AuthenticatorOfWrongLengthIsRejected) {
  Bytes bytes = hex(std::string(kExampleCovered) + "2391c15a1f0d6074a19ad014");
  bytes[57] = 4 + 12;  // Length
  EXPECT_EQ(verifyCode(bytes, exampleKey()), ErrorCode::BadLength);
}

TEST(Mipv4AuthTest, MalformedMessageIsRejectedByTheVerifier) {
  Bytes bytes = exampleBytes();
  bytes.push_back(0x28);  // a non-skippable type 40 after the auth: the whole message is invalid
  EXPECT_EQ(verifyCode(bytes, exampleKey()), ErrorCode::UnknownType);
  EXPECT_EQ(verifyCode(hex("04040000"), exampleKey()), ErrorCode::BadValue);
  EXPECT_EQ(verifyCode({}, exampleKey()), ErrorCode::Truncated);
}

TEST(Mipv4AuthTest, LocationThatDoesNotFitThePayloadIsRejected) {
  Mipv4AuthLocation location;
  ASSERT_TRUE(decodeRegistrationRequest(exampleBytes(), &location));
  const Bytes shorter = hex(kExampleCovered);
  const Status s = verifyMobileHomeAuth(shorter, location, exampleKey());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::InvalidArgument);
}

// --- replies and the low-level appender ---------------------------------------------------------

TEST(Mipv4AuthTest, ReplyIsAuthenticatedAndVerified) {
  RegistrationReply reply;
  reply.code = RegistrationReplyCode::Accepted;
  reply.lifetime = 600;
  reply.home_address = *Ipv4Address::parse("10.1.0.5");
  reply.home_agent = *Ipv4Address::parse("203.0.113.1");
  reply.identification = 0xe6a0b2c312345678ULL;
  reply.extensions = {
      Ipv6PrefixReplyExtension{Ipv6PrefixReplyCode::AcceptedTunnelToCareOfAddress, 48,
                               *Ipv6Address::parse("2001:db8:abcd::")},
      UdpTunnelReplyExtension{UdpTunnelReplyCode::WillTunnel, true, 110},
  };
  const Mipv4Extension fa[] = {ForeignHomeAuthExtension{0x3000, Bytes(16, 7)}};
  Bytes buffer(200);
  ByteWriter out{buffer};
  ASSERT_TRUE(encodeAuthenticatedRegistrationReply(reply, exampleKey(), out, fa));
  const ByteView bytes = out.written();
  EXPECT_EQ(bytes.size(), 20u + 22u + 8u + 22u + 22u);
  EXPECT_TRUE(verifyMobileHomeAuth(bytes, exampleKey()));
  auto authenticator = computeMipv4Authenticator(exampleKey(), bytes.first(20 + 22 + 8 + 6));
  ASSERT_TRUE(authenticator);
  EXPECT_EQ(toHex(bytes.subspan(56, 16)), toHex(*authenticator));
  Bytes tampered(bytes.begin(), bytes.end());
  tampered[1] = static_cast<std::uint8_t>(RegistrationReplyCode::HaPoorlyFormedRequest);
  EXPECT_EQ(verifyCode(tampered, exampleKey()), ErrorCode::BadChecksum);
}

TEST(Mipv4AuthTest, AppenderCoversOnlyFromTheMessageStart) {
  // The writer holds an 8-octet UDP header before the message: it must not be covered.
  Bytes buffer(200);
  ByteWriter out{buffer};
  out.bytes(hex("b3a401b200560000"));
  RegistrationRequest r = exampleRequest();
  ASSERT_TRUE(encodeRegistrationRequest(r, out));
  ASSERT_TRUE(appendMobileHomeAuth(out, exampleKey(), 8));
  EXPECT_EQ(toHex(out.written().subspan(8)), toHex(exampleBytes()));
}

TEST(Mipv4AuthTest, EncoderRefusals) {
  Bytes buffer(200);
  {
    ByteWriter out{buffer};
    Mipv4AuthKey key = exampleKey();
    key.spi = 255;  // reserved
    const Status s = appendMobileHomeAuth(out, key);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::InvalidArgument);
  }
  {
    ByteWriter out{buffer};
    Mipv4AuthKey key = exampleKey();
    key.key.clear();
    const Status s = encodeAuthenticatedRegistrationRequest(exampleRequest(), key, out);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::InvalidArgument);
  }
  {
    ByteWriter out{buffer};
    RegistrationRequest r = exampleRequest();
    r.extensions.push_back(MobileHomeAuthExtension{0x1000, Bytes(16)});
    const Status s = encodeAuthenticatedRegistrationRequest(r, exampleKey(), out);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::InvalidArgument);
  }
  {
    ByteWriter out{MutableByteView(buffer).first(70)};  // the request needs 78
    const Status s = encodeAuthenticatedRegistrationRequest(exampleRequest(), exampleKey(), out);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::NoSpace);
  }
  {
    ByteWriter out{buffer};
    const Status s = appendMobileHomeAuth(out, exampleKey(), 1);  // nothing written yet
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::InvalidArgument);
  }
  {
    auto mac = computeMipv4Authenticator(Mipv4AuthKey{0x1000, {}, {}}, hex("00"));
    ASSERT_FALSE(mac);
    EXPECT_EQ(mac.error().code, ErrorCode::InvalidArgument);
  }
}

}  // namespace
}  // namespace dsmip::wire
