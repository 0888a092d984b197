#include "common/ip_address.hpp"

#include <charconv>
#include <cstring>

namespace dsmip {
namespace {

std::optional<unsigned> parseDecimal(std::string_view s, unsigned max) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

std::optional<std::uint8_t> parsePrefixLength(std::string_view s, unsigned max) {
  auto v = parseDecimal(s, max);
  if (!v) return std::nullopt;
  return static_cast<std::uint8_t>(*v);
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

template <std::size_t N>
void maskBits(std::array<std::uint8_t, N>& bytes, unsigned length) {
  for (std::size_t i = 0; i < N; ++i) {
    const unsigned bit = static_cast<unsigned>(i) * 8;
    if (bit >= length) {
      bytes[i] = 0;
    } else if (length - bit < 8) {
      bytes[i] &= static_cast<std::uint8_t>(0xFF << (8 - (length - bit)));
    }
  }
}

template <std::size_t N>
bool prefixContains(const std::array<std::uint8_t, N>& prefix, unsigned length,
                    const std::array<std::uint8_t, N>& addr) {
  std::array<std::uint8_t, N> masked = addr;
  maskBits(masked, length);
  std::array<std::uint8_t, N> p = prefix;
  maskBits(p, length);
  return masked == p;
}

}  // namespace

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
  Ipv4Address a;
  std::size_t start = 0;
  for (int i = 0; i < 4; ++i) {
    const std::size_t dot = text.find('.', start);
    const bool last = (i == 3);
    if (last != (dot == std::string_view::npos)) return std::nullopt;
    const std::string_view part = text.substr(start, last ? std::string_view::npos : dot - start);
    if (part.size() > 1 && part[0] == '0') return std::nullopt;  // no octal ambiguity
    auto v = parseDecimal(part, 255);
    if (!v) return std::nullopt;
    a.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(*v);
    start = dot + 1;
  }
  return a;
}

std::string Ipv4Address::toString() const {
  std::string s;
  s.reserve(15);
  for (std::size_t i = 0; i < 4; ++i) {
    if (i) s.push_back('.');
    s += std::to_string(bytes[i]);
  }
  return s;
}

std::optional<Ipv6Address> Ipv6Address::parse(std::string_view text) {
  if (text.size() < 2 || text.size() > 45) return std::nullopt;
  std::array<std::uint16_t, 8> groups{};
  int count = 0;
  int gap = -1;  // index where "::" sits
  std::size_t i = 0;
  if (text.substr(0, 2) == "::") {
    gap = 0;
    i = 2;
    if (i == text.size()) return Ipv6Address{};
  } else if (text[0] == ':') {
    return std::nullopt;
  }
  while (i < text.size()) {
    if (count == 8) return std::nullopt;
    // Embedded IPv4 in the last 32 bits.
    const std::size_t next_colon = text.find(':', i);
    const std::string_view token = text.substr(
        i, next_colon == std::string_view::npos ? std::string_view::npos : next_colon - i);
    if (token.find('.') != std::string_view::npos) {
      if (next_colon != std::string_view::npos || count > 6) return std::nullopt;
      auto v4 = Ipv4Address::parse(token);
      if (!v4) return std::nullopt;
      groups[static_cast<std::size_t>(count++)] =
          static_cast<std::uint16_t>((v4->bytes[0] << 8) | v4->bytes[1]);
      groups[static_cast<std::size_t>(count++)] =
          static_cast<std::uint16_t>((v4->bytes[2] << 8) | v4->bytes[3]);
      i = text.size();
      break;
    }
    if (token.empty() || token.size() > 4) return std::nullopt;
    unsigned v = 0;
    for (char c : token) {
      const int h = hexValue(c);
      if (h < 0) return std::nullopt;
      v = (v << 4) | static_cast<unsigned>(h);
    }
    groups[static_cast<std::size_t>(count++)] = static_cast<std::uint16_t>(v);
    i += token.size();
    if (i == text.size()) break;
    // at a ':'
    ++i;
    if (i < text.size() && text[i] == ':') {
      if (gap >= 0) return std::nullopt;
      gap = count;
      ++i;
      if (i == text.size()) break;
    } else if (i == text.size()) {
      return std::nullopt;  // trailing single ':'
    }
  }
  Ipv6Address a;
  if (gap < 0) {
    if (count != 8) return std::nullopt;
    for (std::size_t g = 0; g < 8; ++g) {
      a.bytes[2 * g] = static_cast<std::uint8_t>(groups[g] >> 8);
      a.bytes[2 * g + 1] = static_cast<std::uint8_t>(groups[g]);
    }
    return a;
  }
  if (count > 7) return std::nullopt;
  std::array<std::uint16_t, 8> full{};
  const int tail = count - gap;
  for (int g = 0; g < gap; ++g)
    full[static_cast<std::size_t>(g)] = groups[static_cast<std::size_t>(g)];
  for (int g = 0; g < tail; ++g) {
    full[static_cast<std::size_t>(8 - tail + g)] = groups[static_cast<std::size_t>(gap + g)];
  }
  for (std::size_t g = 0; g < 8; ++g) {
    a.bytes[2 * g] = static_cast<std::uint8_t>(full[g] >> 8);
    a.bytes[2 * g + 1] = static_cast<std::uint8_t>(full[g]);
  }
  return a;
}

std::string Ipv6Address::toString() const {
  std::array<std::uint16_t, 8> g{};
  for (std::size_t i = 0; i < 8; ++i) {
    g[i] = static_cast<std::uint16_t>((bytes[2 * i] << 8) | bytes[2 * i + 1]);
  }
  // Longest run of two or more zero groups (first one on ties) becomes "::" (RFC 5952 §4.2).
  int best_start = -1;
  int best_len = 0;
  for (int i = 0; i < 8;) {
    if (g[static_cast<std::size_t>(i)] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[static_cast<std::size_t>(j)] == 0) ++j;
    if (j - i > best_len && j - i >= 2) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(39);
  auto put = [&](std::uint16_t v) {
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned nib = (v >> shift) & 0xF;
      if (nib || started || shift == 0) {
        s.push_back(kHex[nib]);
        started = true;
      }
    }
  };
  // IPv4-mapped addresses print their last 32 bits as dotted quad (RFC 5952 §5).
  const bool mapped = isV4Mapped();
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      s += "::";
      i += best_len - 1;
      continue;
    }
    if (mapped && i == 6) {
      if (s.back() != ':') s.push_back(':');
      s += Ipv4Address{{bytes[12], bytes[13], bytes[14], bytes[15]}}.toString();
      break;
    }
    if (!s.empty() && s.back() != ':') s.push_back(':');
    put(g[static_cast<std::size_t>(i)]);
  }
  return s;
}

Ipv6Address Ipv6Address::fromBytes(ByteView v) {
  DSMIP_CHECK(v.size() == 16);
  Ipv6Address a;
  std::memcpy(a.bytes.data(), v.data(), 16);
  return a;
}

bool Ipv6Address::isUnspecified() const {
  for (auto b : bytes) {
    if (b) return false;
  }
  return true;
}

bool Ipv6Address::isLoopback() const {
  for (std::size_t i = 0; i < 15; ++i) {
    if (bytes[i]) return false;
  }
  return bytes[15] == 1;
}

bool Ipv6Address::isV4Mapped() const {
  for (std::size_t i = 0; i < 10; ++i) {
    if (bytes[i]) return false;
  }
  return bytes[10] == 0xFF && bytes[11] == 0xFF;
}

bool Ipv6Address::isV4Compatible() const {
  for (std::size_t i = 0; i < 12; ++i) {
    if (bytes[i]) return false;
  }
  return !isUnspecified() && !isLoopback();
}

bool Ipv6Address::isUnicastRoutable() const {
  return !isUnspecified() && !isLoopback() && !isMulticast() && !isLinkLocal() && !isV4Mapped() &&
         !isV4Compatible();
}

std::optional<Ipv4Prefix> Ipv4Prefix::parse(std::string_view text) {
  const std::size_t slash = text.find('/');
  auto addr = Ipv4Address::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  std::uint8_t len = 32;
  if (slash != std::string_view::npos) {
    auto l = parsePrefixLength(text.substr(slash + 1), 32);
    if (!l) return std::nullopt;
    len = *l;
  }
  return Ipv4Prefix{*addr, len}.normalised();
}

std::string Ipv4Prefix::toString() const {
  return address.toString() + "/" + std::to_string(length);
}

Ipv4Prefix Ipv4Prefix::normalised() const {
  Ipv4Prefix p = *this;
  maskBits(p.address.bytes, length);
  return p;
}

bool Ipv4Prefix::contains(const Ipv4Address& a) const {
  return prefixContains(address.bytes, length, a.bytes);
}

bool Ipv4Prefix::overlaps(const Ipv4Prefix& other) const {
  return length <= other.length ? contains(other.address) : other.contains(address);
}

std::optional<Ipv6Prefix> Ipv6Prefix::parse(std::string_view text) {
  const std::size_t slash = text.find('/');
  auto addr = Ipv6Address::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  std::uint8_t len = 128;
  if (slash != std::string_view::npos) {
    auto l = parsePrefixLength(text.substr(slash + 1), 128);
    if (!l) return std::nullopt;
    len = *l;
  }
  return Ipv6Prefix{*addr, len}.normalised();
}

std::string Ipv6Prefix::toString() const {
  return address.toString() + "/" + std::to_string(length);
}

Ipv6Prefix Ipv6Prefix::normalised() const {
  Ipv6Prefix p = *this;
  maskBits(p.address.bytes, length);
  return p;
}

bool Ipv6Prefix::contains(const Ipv6Address& a) const {
  return prefixContains(address.bytes, length, a.bytes);
}

bool Ipv6Prefix::overlaps(const Ipv6Prefix& other) const {
  return length <= other.length ? contains(other.address) : other.contains(address);
}

std::optional<Ipv4Endpoint> Ipv4Endpoint::parse(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto addr = Ipv4Address::parse(text.substr(0, colon));
  if (!addr) return std::nullopt;
  const std::string_view port = text.substr(colon + 1);
  unsigned v = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
  if (ec != std::errc{} || ptr != port.data() + port.size() || port.empty() || v > 65535) {
    return std::nullopt;
  }
  return Ipv4Endpoint{*addr, static_cast<std::uint16_t>(v)};
}

std::string Ipv4Endpoint::toString() const {
  return address.toString() + ":" + std::to_string(port);
}

std::optional<Ipv6Endpoint> Ipv6Endpoint::parse(std::string_view text) {
  if (text.empty() || text[0] != '[') return std::nullopt;
  const std::size_t close = text.find(']');
  if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
    return std::nullopt;
  }
  auto addr = Ipv6Address::parse(text.substr(1, close - 1));
  if (!addr) return std::nullopt;
  const std::string_view port = text.substr(close + 2);
  unsigned v = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
  if (ec != std::errc{} || ptr != port.data() + port.size() || port.empty() || v > 65535) {
    return std::nullopt;
  }
  return Ipv6Endpoint{*addr, static_cast<std::uint16_t>(v)};
}

std::string Ipv6Endpoint::toString() const {
  // Appending step by step avoids a GCC 12 -Wrestrict false positive on "[" + std::string.
  std::string s = "[";
  s += address.toString();
  s += "]:";
  s += std::to_string(port);
  return s;
}

}  // namespace dsmip

std::size_t std::hash<dsmip::Ipv6Address>::operator()(const dsmip::Ipv6Address& a) const noexcept {
  // FNV-1a over the 16 bytes: cheap and well spread for table lookups.
  std::uint64_t h = 1469598103934665603ull;
  for (auto b : a.bytes) {
    h ^= b;
    h *= 1099511628211ull;
  }
  return static_cast<std::size_t>(h ^ (h >> 29));
}
