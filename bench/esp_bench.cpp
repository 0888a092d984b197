// ESP seal and open rates for 64- and 1400-octet payloads, per suite, next to raw OpenSSL EVP
// doing the same cryptographic work without ESP framing (no SPI/sequence handling, padding,
// trailer, replay window, IV generation or lifetime accounting), in the same run:
//   esp/seal/<suite>/<size>     esp::seal() on an outbound SA (the buffer is re-used: after each
//                               seal the ESP framing is trimmed off again, no copy)
//   esp/open/<suite>/<size>     esp::open() on an inbound SA (anti-replay off, so the same packet
//                               verifies every time; it is copied back in first, decrypted in
//                               place)
//   openssl/seal|open/<suite>/<size>   EVP only: AES-CBC + HMAC-SHA-256 / AES-GCM / HMAC-SHA-256
//                               over the same byte counts, contexts reused as the module does,
//                               with the same copy for open.
//   random/cbc-iv               the 16-octet CBC IV esp/seal draws from its RandomSource
// Run from a Release build; compare items_per_second of esp/... with openssl/....
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "common/random.hpp"
#include "esp/esp.hpp"

namespace {

using namespace dsmip;
using namespace dsmip::esp;

Bytes hexBytes(const char* text) {
  Bytes b;
  if (!fromHex(text, b)) std::abort();
  return b;
}

const Bytes kAesKey = hexBytes("000102030405060708090a0b0c0d0e0f");
const Bytes kGcmKeySalt = hexBytes("303132333435363738393a3b3c3d3e3fcafebabe");
const Bytes kHmacKey = hexBytes("a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf");

SaParameters params(Suite suite, Direction direction) {
  SaParameters p;
  p.spi = 0x1001;
  p.direction = direction;
  p.suite = suite;
  p.replay_window = 0;
  if (suite == Suite::AesCbcHmacSha256) p.encryption_key = SecretBytes{kAesKey};
  if (suite == Suite::AesGcm16) p.encryption_key = SecretBytes{kGcmKeySalt};
  if (suite != Suite::AesGcm16) p.integrity_key = SecretBytes{kHmacKey};
  return p;
}

SecurityAssociation makeSa(Suite suite, Direction direction) {
  auto sa = SecurityAssociation::create(params(suite, direction), TimePoint{});
  if (!sa) std::abort();
  return std::move(*sa);
}

Bytes payload(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i);
  return b;
}

void report(benchmark::State& state, std::size_t size) {
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}

void espSeal(benchmark::State& state, Suite suite, std::size_t size) {
  SecurityAssociation sa = makeSa(suite, Direction::Outbound);
  SeededRandom random{1};
  PacketBuffer packet;
  if (!packet.assign(payload(size))) std::abort();
  const std::size_t header = kEspHeaderLength + suiteInfo(suite).iv_length;
  const std::size_t tail = sealOverhead(suite, size) - header;
  for (auto _ : state) {
    auto r = seal(sa, packet, 0, 17, TimePoint{}, random);
    if (!r) std::abort();
    benchmark::DoNotOptimize(packet.data().data());
    if (!packet.trimFront(header) || !packet.trimBack(tail)) std::abort();
  }
  report(state, size);
}

void espOpen(benchmark::State& state, Suite suite, std::size_t size) {
  SecurityAssociation out = makeSa(suite, Direction::Outbound);
  SecurityAssociation in = makeSa(suite, Direction::Inbound);
  SeededRandom random{2};
  PacketBuffer packet;
  if (!packet.assign(payload(size))) std::abort();
  if (!seal(out, packet, 0, 17, TimePoint{}, random)) std::abort();
  const Bytes wire(packet.data().begin(), packet.data().end());
  for (auto _ : state) {
    if (!packet.assign(wire)) std::abort();
    auto r = open(in, packet, 0, TimePoint{});
    if (!r) std::abort();
    benchmark::DoNotOptimize(packet.data().data());
  }
  report(state, size);
}

// --- Raw OpenSSL: the same primitives over the same byte counts ---------------------------------

struct RawCrypto {
  RawCrypto(Suite suite, bool encrypt) : suite_(suite), encrypt_(encrypt) {
    if (suite != Suite::NullHmacSha256) {
      cipher_ = EVP_CIPHER_fetch(nullptr, suite == Suite::AesGcm16 ? "AES-128-GCM" : "AES-128-CBC",
                                 nullptr);
      ctx_ = EVP_CIPHER_CTX_new();
      const Bytes& key = suite == Suite::AesGcm16 ? kGcmKeySalt : kAesKey;
      if (EVP_CipherInit_ex2(ctx_, cipher_, key.data(), nullptr, encrypt ? 1 : 0, nullptr) != 1) {
        std::abort();
      }
      if (suite == Suite::AesCbcHmacSha256) EVP_CIPHER_CTX_set_padding(ctx_, 0);
    }
    if (suite != Suite::AesGcm16) {
      mac_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
      mac_ctx_ = EVP_MAC_CTX_new(mac_);
      char digest[] = "SHA256";
      const OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                              OSSL_PARAM_construct_end()};
      if (EVP_MAC_init(mac_ctx_, kHmacKey.data(), kHmacKey.size(), p) != 1) std::abort();
    }
  }
  RawCrypto(const RawCrypto&) = delete;
  RawCrypto& operator=(const RawCrypto&) = delete;
  ~RawCrypto() {
    EVP_MAC_CTX_free(mac_ctx_);
    EVP_MAC_free(mac_);
    EVP_CIPHER_CTX_free(ctx_);
    EVP_CIPHER_free(cipher_);
  }

  // `data` = header (8) ‖ IV ‖ text ‖ ICV (16), as ESP lays it out.
  void run(std::uint8_t* data, std::size_t text_length) {
    const std::size_t iv_length = suiteInfo(suite_).iv_length;
    std::uint8_t* text = data + 8 + iv_length;
    std::uint8_t* icv = text + text_length;
    int n = 0;
    if (suite_ == Suite::AesGcm16) {
      std::uint8_t nonce[12];
      std::memcpy(nonce, kGcmKeySalt.data() + 16, 4);
      std::memcpy(nonce + 4, data + 8, 8);
      EVP_CipherInit_ex2(ctx_, nullptr, nullptr, nonce, -1, nullptr);
      EVP_CipherUpdate(ctx_, nullptr, &n, data, 8);
      EVP_CipherUpdate(ctx_, text, &n, text, static_cast<int>(text_length));
      OSSL_PARAM tag[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, icv, 16),
                          OSSL_PARAM_construct_end()};
      if (!encrypt_) EVP_CIPHER_CTX_set_params(ctx_, tag);
      std::uint8_t sink[16];
      if (EVP_CipherFinal_ex(ctx_, sink, &n) != 1) std::abort();
      if (encrypt_) EVP_CIPHER_CTX_get_params(ctx_, tag);
      return;
    }
    auto hmac = [&](std::uint8_t* out) {
      std::uint8_t full[32];
      std::size_t written = 0;
      EVP_MAC_init(mac_ctx_, nullptr, 0, nullptr);
      EVP_MAC_update(mac_ctx_, data, 8 + iv_length + text_length);
      EVP_MAC_final(mac_ctx_, full, &written, sizeof full);
      std::memcpy(out, full, 16);
    };
    auto cbc = [&] {
      EVP_CipherInit_ex2(ctx_, nullptr, nullptr, data + 8, -1, nullptr);
      EVP_CipherUpdate(ctx_, text, &n, text, static_cast<int>(text_length));
    };
    if (encrypt_) {
      if (suite_ == Suite::AesCbcHmacSha256) cbc();
      hmac(icv);
    } else {
      std::uint8_t expected[16];
      hmac(expected);
      if (CRYPTO_memcmp(expected, icv, 16) != 0) std::abort();
      if (suite_ == Suite::AesCbcHmacSha256) cbc();
    }
  }

 private:
  Suite suite_;
  bool encrypt_;
  EVP_CIPHER* cipher_ = nullptr;
  EVP_CIPHER_CTX* ctx_ = nullptr;
  EVP_MAC* mac_ = nullptr;
  EVP_MAC_CTX* mac_ctx_ = nullptr;
};

// The ciphertext length ESP would use for this payload (payload + padding + trailer).
std::size_t textLength(Suite suite, std::size_t size) {
  return size + paddingLength(suite, size) + kEspTrailerLength;
}

void rawSeal(benchmark::State& state, Suite suite, std::size_t size) {
  RawCrypto crypto{suite, true};
  const std::size_t text = textLength(suite, size);
  Bytes buffer(8 + suiteInfo(suite).iv_length + text + 16, 0x5a);
  for (auto _ : state) {
    crypto.run(buffer.data(), text);
    benchmark::DoNotOptimize(buffer.data());
  }
  report(state, size);
}

void rawOpen(benchmark::State& state, Suite suite, std::size_t size) {
  const std::size_t text = textLength(suite, size);
  Bytes wire(8 + suiteInfo(suite).iv_length + text + 16, 0x5a);
  {
    RawCrypto seal_crypto{suite, true};
    seal_crypto.run(wire.data(), text);
  }
  RawCrypto crypto{suite, false};
  Bytes buffer(wire.size());
  for (auto _ : state) {
    std::memcpy(buffer.data(), wire.data(), wire.size());  // as esp/open copies the packet in
    crypto.run(buffer.data(), text);
    benchmark::DoNotOptimize(buffer.data());
  }
  report(state, size);
}

// What the CBC IV costs inside esp/seal: 16 octets from the RandomSource the benchmark uses
// (SeededRandom; the daemon's getrandom-backed source has its own cost).
void ivGeneration(benchmark::State& state) {
  SeededRandom random{3};
  std::uint8_t iv[16];
  for (auto _ : state) {
    random.fill(iv);
    benchmark::DoNotOptimize(iv);
  }
  state.SetItemsProcessed(state.iterations());
}

struct Registrar {
  Registrar() {
    benchmark::RegisterBenchmark("random/cbc-iv", ivGeneration);
    for (Suite suite : {Suite::AesCbcHmacSha256, Suite::AesGcm16, Suite::NullHmacSha256}) {
      for (std::size_t size : {std::size_t{64}, std::size_t{1400}}) {
        const std::string tail = std::string(suiteName(suite)) + "/" + std::to_string(size);
        benchmark::RegisterBenchmark(("esp/seal/" + tail).c_str(), espSeal, suite, size);
        benchmark::RegisterBenchmark(("openssl/seal/" + tail).c_str(), rawSeal, suite, size);
        benchmark::RegisterBenchmark(("esp/open/" + tail).c_str(), espOpen, suite, size);
        benchmark::RegisterBenchmark(("openssl/open/" + tail).c_str(), rawOpen, suite, size);
      }
    }
  }
};
const Registrar registrar;

}  // namespace
