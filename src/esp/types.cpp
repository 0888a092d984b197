#include "esp/types.hpp"

namespace dsmip::esp {

std::string_view directionName(Direction direction) {
  return direction == Direction::Inbound ? "inbound" : "outbound";
}

std::string_view modeName(Mode mode) { return mode == Mode::Transport ? "transport" : "tunnel"; }

std::string formatAddress(const IpAddress& address) {
  return std::visit([](const auto& a) { return a.toString(); }, address);
}

std::optional<IpAddress> parseAddress(std::string_view text) {
  if (auto v6 = Ipv6Address::parse(text)) return IpAddress{*v6};
  if (auto v4 = Ipv4Address::parse(text)) return IpAddress{*v4};
  return std::nullopt;
}

std::string_view dropReasonName(DropReason reason) {
  switch (reason) {
    case DropReason::Truncated:
      return "truncated";
    case DropReason::Misaligned:
      return "misaligned";
    case DropReason::UnknownSpi:
      return "unknown-spi";
    case DropReason::Replayed:
      return "replayed";
    case DropReason::IcvMismatch:
      return "icv-mismatch";
    case DropReason::BadPadding:
      return "bad-padding";
    case DropReason::DummyPacket:
      return "dummy-packet";
    case DropReason::LifetimeExpired:
      return "lifetime-expired";
    case DropReason::SequenceExhausted:
      return "sequence-exhausted";
    case DropReason::NoSpace:
      return "no-space";
    case DropReason::TooBig:
      return "too-big";
    case DropReason::BadIpHeader:
      return "bad-ip-header";
    case DropReason::Fragment:
      return "fragment";
    case DropReason::BadInnerPacket:
      return "bad-inner-packet";
    case DropReason::ModeMismatch:
      return "mode-mismatch";
    case DropReason::NoPolicy:
      return "no-policy";
    case DropReason::PolicyDiscard:
      return "policy-discard";
    case DropReason::NoSa:
      return "no-sa";
    case DropReason::Unprotected:
      return "unprotected";
    case DropReason::SelectorMismatch:
      return "selector-mismatch";
  }
  return "unknown";
}

}  // namespace dsmip::esp
