#include "wire/ecn_dscp.hpp"

#include <gtest/gtest.h>

namespace dsmip::wire {
namespace {

constexpr Ecn kN = Ecn::NotEct;
constexpr Ecn k0 = Ecn::Ect0;
constexpr Ecn k1 = Ecn::Ect1;
constexpr Ecn kCe = Ecn::Ce;

EcnDecapsulation pass(Ecn e, EcnAnomaly a = EcnAnomaly::None) { return {false, e, a}; }

// RFC 6040 §4.2 Figure 4, cell by cell (protocol reference §7.4).
TEST(EcnTest, DecapsulationTableMatchesRfc6040) {
  const EcnAnomaly u = EcnAnomaly::Unexpected;
  EXPECT_EQ(decapsulateEcn(kN, kN), pass(kN));
  EXPECT_EQ(decapsulateEcn(kN, k0), pass(kN, u));
  EXPECT_EQ(decapsulateEcn(kN, k1), pass(kN, u));
  EXPECT_EQ(decapsulateEcn(kN, kCe), (EcnDecapsulation{true, kN, u}));

  EXPECT_EQ(decapsulateEcn(k0, kN), pass(k0));
  EXPECT_EQ(decapsulateEcn(k0, k0), pass(k0));
  EXPECT_EQ(decapsulateEcn(k0, k1), pass(k1));
  EXPECT_EQ(decapsulateEcn(k0, kCe), pass(kCe));

  EXPECT_EQ(decapsulateEcn(k1, kN), pass(k1));
  EXPECT_EQ(decapsulateEcn(k1, k0), pass(k1, EcnAnomaly::CurrentlyUnused));
  EXPECT_EQ(decapsulateEcn(k1, k1), pass(k1));
  EXPECT_EQ(decapsulateEcn(k1, kCe), pass(kCe));

  EXPECT_EQ(decapsulateEcn(kCe, kN), pass(kCe));
  EXPECT_EQ(decapsulateEcn(kCe, k0), pass(kCe));
  EXPECT_EQ(decapsulateEcn(kCe, k1), pass(kCe, u));
  EXPECT_EQ(decapsulateEcn(kCe, kCe), pass(kCe));
}

TEST(EcnTest, EncapsulationCopiesInNormalModeOnly) {
  for (Ecn e : {kN, k0, k1, kCe}) {
    EXPECT_EQ(encapsulateEcn(e, EcnEncapsulationMode::Normal), e);
    EXPECT_EQ(encapsulateEcn(e, EcnEncapsulationMode::Compatibility), kN);
  }
}

TEST(EcnTest, CodepointsFollowRfc3168) {
  EXPECT_EQ(ecnOf(0x01), Ecn::Ect1);
  EXPECT_EQ(ecnOf(0x02), Ecn::Ect0);
  EXPECT_EQ(ecnOf(0x03), Ecn::Ce);
  EXPECT_EQ(dscpOf(0xb9), 46);
  EXPECT_EQ(makeTrafficClass(46, Ecn::Ect1), 0xb9);
  EXPECT_EQ(makeTrafficClass(0xFF, Ecn::NotEct), 0xFC);  // DSCP is six bits
}

TEST(DscpTest, UniformTakesOuterPipeKeepsInner) {
  EXPECT_EQ(decapsulateDscp(10, 46, DscpModel::Uniform), 46);
  EXPECT_EQ(decapsulateDscp(10, 46, DscpModel::Pipe), 10);
  EXPECT_EQ(encapsulateDscp(0xFF), 0x3F);
}

}  // namespace
}  // namespace dsmip::wire
