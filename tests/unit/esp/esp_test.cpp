#include "esp/esp.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>

#include "esp_test_support.hpp"
#include "test_support/fake_clock.hpp"

namespace dsmip::esp {
namespace {

using namespace test;
using dsmip::test::FakeClock;

constexpr std::uint32_t kSpi = 0x1001;

struct Pair {
  SecurityAssociation out;
  SecurityAssociation in;
};

Pair pairFor(Suite suite, bool esn = false, std::uint32_t window = 64) {
  auto po = paramsFor(suite, kSpi, Direction::Outbound);
  auto pi = paramsFor(suite, kSpi, Direction::Inbound);
  po.esn = pi.esn = esn;
  pi.replay_window = window;
  return Pair{makeSa(po), makeSa(pi)};
}

Bytes payload(std::size_t n) {
  Bytes b;
  for (std::size_t i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>(0xA0 + i));
  return b;
}

class EspSuiteTest : public ::testing::TestWithParam<Suite> {};

TEST_P(EspSuiteTest, RoundTripsEveryPaddingLength) {
  const Suite suite = GetParam();
  auto [out, in] = pairFor(suite);
  SeededRandom random{1};
  const TimePoint now{};
  const Bytes prefix = hex("60000000 0000 3b 40");  // some header bytes that stay before ESP
  for (std::size_t n = 0; n <= 40; ++n) {
    SCOPED_TRACE(fmt::format("payload {} octets", n));
    Bytes plain = prefix;
    append(plain, payload(n));
    PacketBuffer b = buffer(plain);
    ASSERT_TRUE(seal(out, b, prefix.size(), 135, now, random));
    const SuiteInfo& info = suiteInfo(suite);
    const std::size_t pad = paddingLength(suite, n);
    EXPECT_LT(pad, info.alignment);
    EXPECT_EQ((n + pad + 2) % info.alignment, 0u);
    EXPECT_EQ(b.size(), prefix.size() + sealOverhead(suite, n) + n);
    // The prefix stayed in front, unchanged; the ESP header follows it.
    EXPECT_EQ(toBytes(b.data().first(prefix.size())), prefix);
    EXPECT_EQ(readSpi(b.data().subspan(prefix.size())), kSpi);
    auto opened = open(in, b, prefix.size(), now);
    ASSERT_TRUE(opened) << dropReasonName(opened.error());
    EXPECT_EQ(opened->next_header, 135);
    EXPECT_EQ(opened->payload_length, n);
    EXPECT_EQ(opened->sequence, n + 1);
    EXPECT_EQ(toBytes(b.data()), plain);
  }
  EXPECT_EQ(out.counters().packets, 41u);
  EXPECT_EQ(in.counters().packets, 41u);
  EXPECT_EQ(in.counters().bytes, 40u * 41u / 2u);
}

TEST_P(EspSuiteTest, WrongIcvAnywhereIsDroppedAndDoesNotMoveTheWindow) {
  const Suite suite = GetParam();
  auto [out, in] = pairFor(suite);
  SeededRandom random{2};
  PacketBuffer b = buffer(payload(20));
  ASSERT_TRUE(seal(out, b, 0, 17, TimePoint{}, random));
  const Bytes good = toBytes(b.data());
  std::uint64_t failures = 0;
  for (std::size_t i = 4; i < good.size(); ++i) {  // past the SPI (that would be unknown-SPI)
    Bytes bad = good;
    bad[i] ^= 0x80;
    PacketBuffer p = buffer(bad);
    auto r = open(in, p, 0, TimePoint{});
    ASSERT_FALSE(r) << i;
    // A changed sequence number may still pass the replay pre-check; the ICV catches it.
    EXPECT_EQ(r.error(), DropReason::IcvMismatch) << i;
    ++failures;
  }
  EXPECT_EQ(in.counters().icv_failures, failures);
  EXPECT_EQ(in.lastSequence(), 0u);  // forged packets never moved the window
  PacketBuffer p = buffer(good);
  EXPECT_TRUE(open(in, p, 0, TimePoint{}));
}

TEST_P(EspSuiteTest, ReplayedPacketIsDropped) {
  auto [out, in] = pairFor(GetParam());
  SeededRandom random{3};
  PacketBuffer b = buffer(payload(10));
  ASSERT_TRUE(seal(out, b, 0, 17, TimePoint{}, random));
  const Bytes wire = toBytes(b.data());
  PacketBuffer first = buffer(wire);
  EXPECT_TRUE(open(in, first, 0, TimePoint{}));
  PacketBuffer again = buffer(wire);
  auto r = open(in, again, 0, TimePoint{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), DropReason::Replayed);
  EXPECT_EQ(in.counters().replay_drops, 1u);
}

TEST_P(EspSuiteTest, ShortPacketsAreTruncatedNotCrashes) {
  const Suite suite = GetParam();
  auto [out, in] = pairFor(suite);
  const SuiteInfo& info = suiteInfo(suite);
  const std::size_t minimum = 8 + info.iv_length + 2 + info.icv_length;
  Bytes bytes = hex("00001001");
  bytes.resize(minimum + 64, 0);
  for (std::size_t n = 0; n < minimum; ++n) {
    PacketBuffer p = buffer(ByteView(bytes).first(n));
    auto r = open(in, p, 0, TimePoint{});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), n < 4 ? DropReason::UnknownSpi : DropReason::Truncated) << n;
  }
  EXPECT_EQ(in.counters().malformed, minimum - 4);
}

TEST_P(EspSuiteTest, MisalignedCiphertextIsRejectedBeforeTheIcv) {
  const Suite suite = GetParam();
  auto [out, in] = pairFor(suite);
  const SuiteInfo& info = suiteInfo(suite);
  for (std::size_t extra = 1; extra < info.alignment; ++extra) {
    Bytes bytes = hex("00001001 00000001");
    bytes.resize(8 + info.iv_length + info.alignment + extra + info.icv_length, 0x11);
    PacketBuffer p = buffer(bytes);
    auto r = open(in, p, 0, TimePoint{});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), DropReason::Misaligned) << extra;
  }
  EXPECT_EQ(in.counters().icv_failures, 0u);
}

TEST_P(EspSuiteTest, PaddingContentAndLengthAreChecked) {
  const Suite suite = GetParam();
  auto [out, in] = pairFor(suite);
  const Bytes key = defaultKeyFor(suite);
  const std::size_t align = suiteInfo(suite).alignment;
  const Bytes data = payload(align == 16 ? 10 : 6);  // 10 + 4 + 2 = 16; 6 + 0... see below
  std::uint64_t seq = 1;
  auto craft = [&](ByteView padding, std::uint8_t pad_field) {
    const Bytes plain = espPlaintext(data, padding, pad_field, 17);
    PacketBuffer p = buffer(craftEsp(suite, key, kSpi, seq, false, ivFor(suite, seq), plain));
    ++seq;
    return p;
  };
  // Correct default padding: accepted.
  const std::size_t pad = paddingLength(suite, data.size());
  const Bytes ok_padding = align == 16 ? defaultPadding(4) : defaultPadding(pad);
  {
    PacketBuffer p = craft(ok_padding, static_cast<std::uint8_t>(ok_padding.size()));
    auto r = open(in, p, 0, TimePoint{});
    ASSERT_TRUE(r) << dropReasonName(r.error());
    EXPECT_EQ(toBytes(p.data()), data);
  }
  // Extra padding (beyond the minimum) is legal if it counts 1, 2, 3, ...
  {
    PacketBuffer p = craft(defaultPadding(ok_padding.size() + align),
                           static_cast<std::uint8_t>(ok_padding.size() + align));
    EXPECT_TRUE(open(in, p, 0, TimePoint{}));
  }
  // Wrong padding content.
  {
    Bytes bad = defaultPadding(ok_padding.size() + align);
    bad[1] = 9;
    PacketBuffer p = craft(bad, static_cast<std::uint8_t>(bad.size()));
    auto r = open(in, p, 0, TimePoint{});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), DropReason::BadPadding);
  }
  // Pad length pointing before the start of the payload.
  {
    PacketBuffer p = craft(ok_padding, 250);
    auto r = open(in, p, 0, TimePoint{});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), DropReason::BadPadding);
  }
  EXPECT_EQ(in.counters().padding_errors, 2u);
  // Bad padding came with a valid ICV: the window moved (RFC 4303 order: ICV, window, padding).
  EXPECT_EQ(in.lastSequence(), 4u);
}

TEST_P(EspSuiteTest, DummyPacketIsDroppedAfterVerification) {
  const Suite suite = GetParam();
  auto [out, in] = pairFor(suite);
  SeededRandom random{4};
  PacketBuffer b = buffer(payload(12));
  ASSERT_TRUE(seal(out, b, 0, kProtocolNoNextHeader, TimePoint{}, random));
  const Bytes wire = toBytes(b.data());
  PacketBuffer p = buffer(wire);
  auto r = open(in, p, 0, TimePoint{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), DropReason::DummyPacket);
  EXPECT_EQ(in.counters().dummy_packets, 1u);
  EXPECT_EQ(in.counters().packets, 0u);
  PacketBuffer replay = buffer(wire);
  EXPECT_EQ(open(in, replay, 0, TimePoint{}).error(), DropReason::Replayed);
}

TEST_P(EspSuiteTest, EsnCrossesTheTwoToTheThirtyTwoBoundary) {
  const Suite suite = GetParam();
  auto po = paramsFor(suite, kSpi, Direction::Outbound);
  auto pi = paramsFor(suite, kSpi, Direction::Inbound);
  po.esn = pi.esn = true;
  po.initial_sequence = 0xFFFFFFF0ULL;
  auto out = makeSa(po);
  auto in = makeSa(pi);
  SeededRandom random{5};
  Bytes after_wrap;
  for (int i = 0; i < 32; ++i) {
    PacketBuffer b = buffer(payload(9));
    ASSERT_TRUE(seal(out, b, 0, 17, TimePoint{}, random));
    if (out.lastSequence() == 0x100000003ULL) after_wrap = toBytes(b.data());
    auto r = open(in, b, 0, TimePoint{});
    ASSERT_TRUE(r) << i << " " << dropReasonName(r.error());
    EXPECT_EQ(r->sequence, std::uint64_t{0xFFFFFFF1} + static_cast<std::uint64_t>(i));
  }
  EXPECT_EQ(in.lastSequence(), 0x100000010ULL);
  // Only the low 32 bits are on the wire ...
  ASSERT_FALSE(after_wrap.empty());
  EXPECT_EQ(toHex(ByteView(after_wrap).subspan(4, 4)), "00000003");
  // ... yet the ICV covers the high bits: a receiver that infers high = 0 rejects it.
  auto fresh = makeSa(pi);
  PacketBuffer p = buffer(after_wrap);
  auto r = open(fresh, p, 0, TimePoint{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), DropReason::IcvMismatch);
}

TEST_P(EspSuiteTest, SequenceNumberNeverCyclesWithoutEsn) {
  const Suite suite = GetParam();
  auto po = paramsFor(suite, kSpi, Direction::Outbound);
  po.initial_sequence = 0xFFFFFFFEULL;
  auto out = makeSa(po);
  SeededRandom random{6};
  PacketBuffer b = buffer(payload(4));
  ASSERT_TRUE(seal(out, b, 0, 17, TimePoint{}, random));
  EXPECT_EQ(toHex(b.data().subspan(4, 4)), "ffffffff");
  PacketBuffer c = buffer(payload(4));
  auto r = seal(out, c, 0, 17, TimePoint{}, random);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), DropReason::SequenceExhausted);
  EXPECT_EQ(toBytes(c.data()), payload(4));  // untouched
  EXPECT_EQ(out.state(), LifetimeState::HardExpired);
  const auto events = out.takeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].cause, ExpiryCause::SequenceExhausted);
  EXPECT_EQ(out.counters().sequence_exhausted, 1u);
}

INSTANTIATE_TEST_SUITE_P(Suites, EspSuiteTest, ::testing::ValuesIn(kAllSuites), suiteTestName);

TEST(EspTest, NullSuitePaddingIsOneTwoThreeOnTheWire) {
  // With NULL encryption the trailer is visible: check RFC 4303 §2.4's default padding.
  auto [out, in] = pairFor(Suite::NullHmacSha256);
  SeededRandom random{7};
  PacketBuffer b = buffer(payload(5));  // 5 + 2 → 1 octet of padding to reach 8
  ASSERT_TRUE(seal(out, b, 0, 135, TimePoint{}, random));
  const ByteView wire = b.data();
  ASSERT_EQ(wire.size(), 8u + 5u + 1u + 2u + 16u);
  EXPECT_EQ(toHex(wire.subspan(8, 5)), toHex(payload(5)));
  EXPECT_EQ(wire[13], 1);    // padding
  EXPECT_EQ(wire[14], 1);    // pad length
  EXPECT_EQ(wire[15], 135);  // next header
}

TEST(EspTest, GcmExplicitIvIsTheSequenceNumber) {
  auto [out, in] = pairFor(Suite::AesGcm16);
  SeededRandom random{8};
  for (int i = 1; i <= 3; ++i) {
    PacketBuffer b = buffer(payload(8));
    ASSERT_TRUE(seal(out, b, 0, 17, TimePoint{}, random));
    EXPECT_EQ(toHex(b.data().subspan(8, 8)), fmt::format("{:016x}", i));
  }
}

TEST(EspTest, CbcIvsComeFromTheRandomSource) {
  auto [out, in] = pairFor(Suite::AesCbcHmacSha256);
  SeededRandom random{9};
  PacketBuffer a = buffer(payload(8));
  PacketBuffer b = buffer(payload(8));
  ASSERT_TRUE(seal(out, a, 0, 17, TimePoint{}, random));
  ASSERT_TRUE(seal(out, b, 0, 17, TimePoint{}, random));
  SeededRandom replay{9};
  Bytes expected(16);
  replay.fill(expected);
  EXPECT_EQ(toBytes(a.data().subspan(8, 16)), expected);
  EXPECT_NE(toHex(a.data().subspan(8, 16)), toHex(b.data().subspan(8, 16)));
}

TEST(EspTest, UnknownSpiThroughTheSad) {
  Sad sad;
  ASSERT_TRUE(sad.add(cbcParams(0x2000, Direction::Inbound), TimePoint{}));
  auto out = makeSa(cbcParams(0x2001, Direction::Outbound));
  SeededRandom random{10};
  PacketBuffer b = buffer(payload(8));
  ASSERT_TRUE(seal(out, b, 0, 17, TimePoint{}, random));
  auto r = open(sad, b, 0, TimePoint{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), DropReason::UnknownSpi);
  PacketBuffer tiny = buffer(hex("0000"));
  EXPECT_EQ(open(sad, tiny, 0, TimePoint{}).error(), DropReason::Truncated);
}

TEST(EspTest, SadOpenFindsTheSaBySpi) {
  Sad sad;
  ASSERT_TRUE(sad.add(cbcParams(0x2000, Direction::Inbound), TimePoint{}));
  ASSERT_TRUE(sad.add(gcmParams(0x2001, Direction::Inbound), TimePoint{}));
  auto out = makeSa(gcmParams(0x2001, Direction::Outbound));
  SeededRandom random{11};
  PacketBuffer b = buffer(payload(8));
  ASSERT_TRUE(seal(out, b, 0, 17, TimePoint{}, random));
  auto r = open(sad, b, 0, TimePoint{});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->spi, 0x2001u);
  EXPECT_EQ(sad.find(0x2001, Direction::Inbound)->counters().packets, 1u);
  EXPECT_EQ(sad.find(0x2000, Direction::Inbound)->counters().packets, 0u);
}

TEST(EspTest, NoSpaceLeavesThePacketUntouched) {
  auto [out, in] = pairFor(Suite::AesCbcHmacSha256);
  SeededRandom random{12};
  PacketBuffer small(64, 8);  // headroom 8 < SPI + seq + 16-octet IV
  ASSERT_TRUE(small.assign(payload(10), 8));
  auto r = seal(out, small, 0, 17, TimePoint{}, random);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), DropReason::NoSpace);
  EXPECT_EQ(toBytes(small.data()), payload(10));
  EXPECT_EQ(out.counters().no_space, 1u);
  EXPECT_EQ(out.lastSequence(), 0u);  // no sequence number consumed
}

TEST(EspTest, DirectionMismatchIsRefused) {
  auto [out, in] = pairFor(Suite::AesCbcHmacSha256);
  SeededRandom random{13};
  PacketBuffer b = buffer(payload(10));
  EXPECT_EQ(seal(in, b, 0, 17, TimePoint{}, random).error(), DropReason::NoSa);
  EXPECT_EQ(open(out, b, 0, TimePoint{}).error(), DropReason::NoSa);
}

// --- Lifetimes --------------------------------------------------------------------------------

TEST(LifetimeTest, PacketLimitsSoftThenHard) {
  auto po = cbcParams(kSpi, Direction::Outbound);
  po.lifetime.soft.packets = 2;
  po.lifetime.hard.packets = 3;
  auto out = makeSa(po);
  SeededRandom random{20};
  FakeClock clock;
  auto send = [&] {
    PacketBuffer b = buffer(payload(10));
    return seal(out, b, 0, 17, clock.now(), random);
  };
  ASSERT_TRUE(send());
  EXPECT_EQ(out.state(), LifetimeState::Valid);
  EXPECT_TRUE(out.takeEvents().empty());
  ASSERT_TRUE(send());
  EXPECT_EQ(out.state(), LifetimeState::SoftExpired);
  auto soft = out.takeEvents();
  ASSERT_EQ(soft.size(), 1u);
  EXPECT_EQ(soft[0], (SaEvent{kSpi, Direction::Outbound, LifetimeState::SoftExpired,
                              ExpiryCause::Packets, clock.now()}));
  ASSERT_TRUE(send());  // the third and last packet
  EXPECT_EQ(out.state(), LifetimeState::HardExpired);
  auto r = send();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), DropReason::LifetimeExpired);
  EXPECT_EQ(out.counters().packets, 3u);
  EXPECT_EQ(out.counters().lifetime_drops, 1u);
  auto hard = out.takeEvents();
  ASSERT_EQ(hard.size(), 1u);
  EXPECT_EQ(hard[0].state, LifetimeState::HardExpired);
}

TEST(LifetimeTest, ByteLimitsOnInbound) {
  auto po = nullParams(kSpi, Direction::Outbound);
  auto pi = nullParams(kSpi, Direction::Inbound);
  pi.lifetime.soft.bytes = 100;
  pi.lifetime.hard.bytes = 250;
  auto out = makeSa(po);
  auto in = makeSa(pi);
  SeededRandom random{21};
  std::vector<LifetimeState> states;
  for (int i = 0; i < 4; ++i) {
    PacketBuffer b = buffer(payload(90));
    ASSERT_TRUE(seal(out, b, 0, 17, TimePoint{}, random));
    auto r = open(in, b, 0, TimePoint{});
    if (i < 3) {
      ASSERT_TRUE(r) << i;
    } else {
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error(), DropReason::LifetimeExpired);
    }
    states.push_back(in.state());
  }
  EXPECT_EQ(states,
            (std::vector<LifetimeState>{LifetimeState::Valid, LifetimeState::SoftExpired,
                                        LifetimeState::HardExpired, LifetimeState::HardExpired}));
  EXPECT_EQ(in.counters().bytes, 270u);
  auto events = in.takeEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].cause, ExpiryCause::Bytes);
  EXPECT_EQ(events[1].state, LifetimeState::HardExpired);
}

TEST(LifetimeTest, TimeLimitsWithAFakeClock) {
  FakeClock clock;
  const TimePoint installed = clock.now();
  auto po = cbcParams(kSpi, Direction::Outbound);
  po.lifetime.soft.time = std::chrono::seconds(30);
  po.lifetime.hard.time = std::chrono::seconds(60);
  auto out = makeSa(po, installed);
  EXPECT_EQ(out.nextDeadline(), installed + std::chrono::seconds(30));
  clock.advance(std::chrono::seconds(29));
  out.onTimer(clock.now());
  EXPECT_EQ(out.state(), LifetimeState::Valid);
  clock.advance(std::chrono::seconds(1));
  out.onTimer(clock.now());
  EXPECT_EQ(out.state(), LifetimeState::SoftExpired);
  EXPECT_EQ(out.nextDeadline(), installed + std::chrono::seconds(60));
  SeededRandom random{22};
  PacketBuffer b = buffer(payload(10));
  EXPECT_TRUE(seal(out, b, 0, 17, clock.now(), random));  // soft: still usable
  // Hard expiry is noticed by the packet itself, without a timer call.
  clock.advance(std::chrono::seconds(30));
  PacketBuffer c = buffer(payload(10));
  auto r = seal(out, c, 0, 17, clock.now(), random);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), DropReason::LifetimeExpired);
  EXPECT_FALSE(out.nextDeadline());
  auto events = out.takeEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], (SaEvent{kSpi, Direction::Outbound, LifetimeState::SoftExpired,
                                ExpiryCause::Time, installed + std::chrono::seconds(30)}));
  EXPECT_EQ(events[1].cause, ExpiryCause::Time);
  EXPECT_EQ(events[1].state, LifetimeState::HardExpired);
}

TEST(LifetimeTest, SadReportsDeadlinesAndEvents) {
  FakeClock clock;
  Sad sad;
  auto a = cbcParams(0x3000, Direction::Inbound);
  a.lifetime.hard.time = std::chrono::seconds(10);
  auto b = cbcParams(0x3001, Direction::Outbound);
  b.lifetime.soft.time = std::chrono::seconds(5);
  ASSERT_TRUE(sad.add(a, clock.now()));
  ASSERT_TRUE(sad.add(b, clock.now()));
  EXPECT_EQ(sad.nextDeadline(), clock.now() + std::chrono::seconds(5));
  auto events = sad.onTimer(clock.advance(std::chrono::seconds(10)));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].spi, 0x3000u);
  EXPECT_EQ(events[0].state, LifetimeState::HardExpired);
  EXPECT_EQ(events[1].spi, 0x3001u);
  EXPECT_EQ(events[1].state, LifetimeState::SoftExpired);
  EXPECT_FALSE(sad.nextDeadline());
}

TEST(SaParametersTest, ValidationNamesTheField) {
  struct Case {
    std::function<void(SaParameters&)> change;
    std::string_view field;
  };
  const Case cases[] = {
      {[](SaParameters& p) { p.spi = 255; }, "spi"},
      {[](SaParameters& p) { p.mode = Mode::Tunnel; }, "tunnel"},
      {[](SaParameters& p) {
         p.tunnel = TunnelEndpoints{kCoa, kHa};
       },
       "tunnel"},
      {[](SaParameters& p) {
         p.mode = Mode::Tunnel;
         p.tunnel = TunnelEndpoints{kCoa, v4("192.0.2.1")};
       },
       "one family"},
      {[](SaParameters& p) { p.replay_window = 5000; }, "replay_window"},
      {[](SaParameters& p) {
         p.lifetime.soft.packets = 10;
         p.lifetime.hard.packets = 10;
       },
       "soft packets"},
      {[](SaParameters& p) {
         p.lifetime.soft.time = std::chrono::seconds(60);
         p.lifetime.hard.time = std::chrono::seconds(30);
       },
       "soft time"},
      {[](SaParameters& p) { p.initial_sequence = 0x100000000ULL; }, "initial_sequence"},
      {[](SaParameters& p) { p.integrity_key = SecretBytes{}; }, "integrity_key"},
  };
  for (const auto& c : cases) {
    auto p = cbcParams(kSpi, Direction::Outbound);
    c.change(p);
    auto r = validateSaParameters(p);
    ASSERT_FALSE(r) << c.field;
    EXPECT_NE(r.error().detail.find(c.field), std::string::npos) << r.error().detail;
  }
  EXPECT_TRUE(validateSaParameters(cbcParams(kSpi, Direction::Outbound)));
}

TEST(SadTest, DuplicateSpiPerDirection) {
  Sad sad;
  ASSERT_TRUE(sad.add(cbcParams(0x4000, Direction::Inbound), TimePoint{}));
  EXPECT_EQ(sad.add(cbcParams(0x4000, Direction::Inbound), TimePoint{}).error().code,
            ErrorCode::AlreadyExists);
  EXPECT_TRUE(sad.add(cbcParams(0x4000, Direction::Outbound), TimePoint{}));  // other direction
  EXPECT_EQ(sad.size(), 2u);
  std::vector<std::uint32_t> seen;
  sad.forEach([&](const SecurityAssociation& sa) { seen.push_back(sa.spi()); });
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_TRUE(sad.remove(0x4000, Direction::Inbound));
  EXPECT_FALSE(sad.remove(0x4000, Direction::Inbound));
  EXPECT_EQ(sad.find(0x4000, Direction::Inbound), nullptr);
  EXPECT_NE(sad.find(0x4000, Direction::Outbound), nullptr);
}

}  // namespace
}  // namespace dsmip::esp
