#include "esp/selector.hpp"

#include <fmt/format.h>

#include <array>
#include <span>
#include <utility>

namespace dsmip::esp {

namespace {

// Host-bit arithmetic over the address bytes of either family.
template <std::size_t N>
std::array<std::uint8_t, N> withHostBits(std::array<std::uint8_t, N> bytes, unsigned length,
                                         bool ones) {
  for (std::size_t i = 0; i < N; ++i) {
    const unsigned bit0 = static_cast<unsigned>(i) * 8;
    std::uint8_t host_mask = 0;
    if (length <= bit0) {
      host_mask = 0xFF;
    } else if (length < bit0 + 8) {
      host_mask = static_cast<std::uint8_t>(0xFFu >> (length - bit0));
    }
    bytes[i] = ones ? static_cast<std::uint8_t>(bytes[i] | host_mask)
                    : static_cast<std::uint8_t>(bytes[i] & ~host_mask);
  }
  return bytes;
}

// The prefix length if [first, last] is exactly one prefix, else nullopt.
template <std::size_t N>
std::optional<unsigned> prefixLength(const std::array<std::uint8_t, N>& first,
                                     const std::array<std::uint8_t, N>& last) {
  for (unsigned length = 0; length <= N * 8; ++length) {
    if (withHostBits(first, length, false) == first && withHostBits(first, length, true) == last) {
      return length;
    }
  }
  return std::nullopt;
}

std::string rangeText(std::uint32_t first, std::uint32_t last) {
  if (first == last) return fmt::format("{}", first);
  return fmt::format("{}-{}", first, last);
}

std::string range8(std::uint8_t first, std::uint8_t last) { return rangeText(first, last); }

}  // namespace

AddressRange AddressRange::single(const IpAddress& address) {
  AddressRange r;
  r.bounds_ = std::make_pair(address, address);
  return r;
}

AddressRange AddressRange::prefix(const Ipv6Prefix& prefix) {
  AddressRange r;
  const auto first = Ipv6Address{withHostBits(prefix.address.bytes, prefix.length, false)};
  const auto last = Ipv6Address{withHostBits(prefix.address.bytes, prefix.length, true)};
  r.bounds_ = std::make_pair(IpAddress{first}, IpAddress{last});
  return r;
}

AddressRange AddressRange::prefix(const Ipv4Prefix& prefix) {
  AddressRange r;
  const auto first = Ipv4Address{withHostBits(prefix.address.bytes, prefix.length, false)};
  const auto last = Ipv4Address{withHostBits(prefix.address.bytes, prefix.length, true)};
  r.bounds_ = std::make_pair(IpAddress{first}, IpAddress{last});
  return r;
}

std::optional<AddressRange> AddressRange::range(const IpAddress& first, const IpAddress& last) {
  if (first.index() != last.index() || last < first) return std::nullopt;
  AddressRange r;
  r.bounds_ = std::make_pair(first, last);
  return r;
}

std::optional<AddressRange> AddressRange::parse(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text == "any" || text == "*") return any();
  if (const auto dash = text.find('-'); dash != std::string_view::npos) {
    auto first = parseAddress(text.substr(0, dash));
    auto last = parseAddress(text.substr(dash + 1));
    if (!first || !last) return std::nullopt;
    return range(*first, *last);
  }
  if (text.find('/') != std::string_view::npos) {
    if (auto p6 = Ipv6Prefix::parse(text)) return prefix(*p6);
    if (auto p4 = Ipv4Prefix::parse(text)) return prefix(*p4);
    return std::nullopt;
  }
  if (auto a = parseAddress(text)) return single(*a);
  return std::nullopt;
}

bool AddressRange::contains(const IpAddress& address) const {
  if (!bounds_) return true;
  return address.index() == bounds_->first.index() && bounds_->first <= address &&
         address <= bounds_->second;
}

std::string AddressRange::toString() const {
  if (!bounds_) return "any";
  const auto& [first, last] = *bounds_;
  if (first == last) return formatAddress(first);
  std::optional<unsigned> length;
  if (const auto* f6 = std::get_if<Ipv6Address>(&first)) {
    length = prefixLength(f6->bytes, std::get<Ipv6Address>(last).bytes);
  } else {
    length = prefixLength(std::get<Ipv4Address>(first).bytes, std::get<Ipv4Address>(last).bytes);
  }
  if (length) return fmt::format("{}/{}", formatAddress(first), *length);
  return fmt::format("{}-{}", formatAddress(first), formatAddress(last));
}

bool protocolHasPorts(std::uint8_t protocol) {
  return protocol == kProtocolTcp || protocol == kProtocolUdp || protocol == kProtocolSctp;
}

bool protocolHasMessageType(std::uint8_t protocol) {
  return protocol == kProtocolMobilityHeader || protocol == kProtocolIcmpv6 ||
         protocol == kProtocolIcmp;
}

namespace {

bool portMatches(const PortRange& range, const std::optional<std::uint16_t>& value) {
  if (range.isAny()) return true;
  return value && range.contains(*value);  // OPAQUE only matches ANY
}

bool messageMatches(const MessageRange& range, const PacketSelectors& packet) {
  if (range.isAny()) return true;
  if (!packet.message_type) return false;
  const std::uint8_t t = *packet.message_type;
  if (t < range.type_first || t > range.type_last) return false;
  if (!packet.message_code) return packet.protocol == kProtocolMobilityHeader;  // MH: no code
  return *packet.message_code >= range.code_first && *packet.message_code <= range.code_last;
}

}  // namespace

bool Selector::matches(const PacketSelectors& packet, Direction direction) const {
  const bool out = direction == Direction::Outbound;
  const IpAddress& local_address = out ? packet.source : packet.destination;
  const IpAddress& remote_address = out ? packet.destination : packet.source;
  if (!local.contains(local_address) || !remote.contains(remote_address)) return false;
  if (!protocol) return true;
  if (*protocol != packet.protocol) return false;
  if (protocolHasPorts(packet.protocol)) {
    const auto& local_value = out ? packet.source_port : packet.destination_port;
    const auto& remote_value = out ? packet.destination_port : packet.source_port;
    return portMatches(local_port, local_value) && portMatches(remote_port, remote_value);
  }
  if (protocolHasMessageType(packet.protocol)) {
    // The message was sent by this node (outbound) or by the peer (inbound).
    return messageMatches(out ? local_message : remote_message, packet);
  }
  return true;
}

std::string Selector::toString() const {
  std::string s = fmt::format("local {} remote {}", local.toString(), remote.toString());
  if (!protocol) return s + " proto any";
  s += fmt::format(" proto {}", *protocol);
  if (protocolHasPorts(*protocol)) {
    if (!local_port.isAny()) s += " local-port " + rangeText(local_port.first, local_port.last);
    if (!remote_port.isAny()) {
      s += " remote-port " + rangeText(remote_port.first, remote_port.last);
    }
  }
  if (protocolHasMessageType(*protocol)) {
    const std::pair<const char*, const MessageRange*> sides[] = {{"local", &local_message},
                                                                 {"remote", &remote_message}};
    for (const auto& [name, range] : sides) {
      if (range->isAny()) continue;
      s += fmt::format(" {}-type {}", name, range8(range->type_first, range->type_last));
      if (range->code_first != 0 || range->code_last != 255) {
        s += fmt::format(" {}-code {}", name, range8(range->code_first, range->code_last));
      }
    }
  }
  return s;
}

}  // namespace dsmip::esp
