// Family-agnostic address helpers.
#include "platform/address.hpp"

namespace dsmip::platform {

IpAddress addressOf(const IpPrefix& p) {
  return std::visit([](const auto& prefix) -> IpAddress { return prefix.address; }, p);
}

std::uint8_t prefixLength(const IpPrefix& p) {
  return std::visit([](const auto& prefix) { return prefix.length; }, p);
}

IpPrefix hostPrefix(const IpAddress& a) {
  if (const auto* v4 = std::get_if<Ipv4Address>(&a)) return Ipv4Prefix{*v4, 32};
  return Ipv6Prefix{std::get<Ipv6Address>(a), 128};
}

IpAddress addressOf(const IpEndpoint& e) {
  return std::visit([](const auto& endpoint) -> IpAddress { return endpoint.address; }, e);
}

std::uint16_t portOf(const IpEndpoint& e) {
  return std::visit([](const auto& endpoint) { return endpoint.port; }, e);
}

IpPrefix normalised(const IpPrefix& p) {
  return std::visit([](const auto& prefix) -> IpPrefix { return prefix.normalised(); }, p);
}

IpPrefix defaultPrefix(IpFamily family) {
  if (family == IpFamily::V4) return Ipv4Prefix{};
  return Ipv6Prefix{};
}

std::string toString(const IpAddress& a) {
  return std::visit([](const auto& address) { return address.toString(); }, a);
}

std::string toString(const IpPrefix& p) {
  // Ipv4Prefix/Ipv6Prefix::toString print the stored address, host bits included.
  return std::visit([](const auto& prefix) { return prefix.toString(); }, p);
}

std::string toString(const IpEndpoint& e) {
  return std::visit([](const auto& endpoint) { return endpoint.toString(); }, e);
}

std::string_view toString(IpFamily family) { return family == IpFamily::V4 ? "ipv4" : "ipv6"; }

std::optional<IpAddress> parseIpAddress(std::string_view text) {
  if (auto v4 = Ipv4Address::parse(text)) return IpAddress{*v4};
  if (auto v6 = Ipv6Address::parse(text)) return IpAddress{*v6};
  return std::nullopt;
}

std::optional<IpPrefix> parseIpPrefix(std::string_view text) {
  // Ipv4Prefix::parse normalises; interface addresses need their host bits, so the address
  // and the length are parsed here separately.
  const std::size_t slash = text.find('/');
  auto address = parseIpAddress(text.substr(0, slash));
  if (!address) return std::nullopt;
  const unsigned max_length = familyOf(*address) == IpFamily::V4 ? 32 : 128;
  unsigned length = max_length;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    length = 0;
    for (const char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      length = length * 10 + static_cast<unsigned>(c - '0');
    }
    if (length > max_length) return std::nullopt;
  }
  const auto len = static_cast<std::uint8_t>(length);
  if (const auto* v4 = std::get_if<Ipv4Address>(&*address)) return IpPrefix{Ipv4Prefix{*v4, len}};
  return IpPrefix{Ipv6Prefix{std::get<Ipv6Address>(*address), len}};
}

}  // namespace dsmip::platform
