#include "wire/ecn_dscp.hpp"

#include <array>

namespace dsmip::wire {

namespace {
// RFC 6040 §4.2, Figure 4, indexed [inner][outer] with the columns in the RFC's order
// Not-ECT, ECT(0), ECT(1), CE; `drop` marks the one cell that discards the packet.
struct Cell {
  Ecn outgoing;
  bool drop;
  EcnAnomaly anomaly;
};
constexpr EcnAnomaly kNone = EcnAnomaly::None;
constexpr EcnAnomaly kUnused = EcnAnomaly::CurrentlyUnused;  // (!)
constexpr EcnAnomaly kUnexpected = EcnAnomaly::Unexpected;   // (!!!)

constexpr std::array<std::array<Cell, 4>, 4> kTable{{
    // inner Not-ECT
    {{{Ecn::NotEct, false, kNone},
      {Ecn::NotEct, false, kUnexpected},
      {Ecn::NotEct, false, kUnexpected},
      {Ecn::NotEct, true, kUnexpected}}},
    // inner ECT(0)
    {{{Ecn::Ect0, false, kNone},
      {Ecn::Ect0, false, kNone},
      {Ecn::Ect1, false, kNone},
      {Ecn::Ce, false, kNone}}},
    // inner ECT(1)
    {{{Ecn::Ect1, false, kNone},
      {Ecn::Ect1, false, kUnused},
      {Ecn::Ect1, false, kNone},
      {Ecn::Ce, false, kNone}}},
    // inner CE
    {{{Ecn::Ce, false, kNone},
      {Ecn::Ce, false, kNone},
      {Ecn::Ce, false, kUnexpected},
      {Ecn::Ce, false, kNone}}},
}};

// Row/column index in the RFC's order: Not-ECT, ECT(0), ECT(1), CE.
constexpr std::size_t tableIndex(Ecn e) {
  switch (e) {
    case Ecn::NotEct:
      return 0;
    case Ecn::Ect0:
      return 1;
    case Ecn::Ect1:
      return 2;
    case Ecn::Ce:
      return 3;
  }
  return 0;
}
}  // namespace

EcnDecapsulation decapsulateEcn(Ecn inner, Ecn outer) {
  const Cell& c = kTable[tableIndex(inner)][tableIndex(outer)];
  return EcnDecapsulation{c.drop, c.outgoing, c.anomaly};
}

}  // namespace dsmip::wire
