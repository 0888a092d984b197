// rtnetlink message encoding and decoding (libmnl for the attribute plumbing).
#include "platform/netlink_message.hpp"

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace dsmip::platform {

namespace {

// --- building -----------------------------------------------------------------------------

// One request message in an aligned, bounded buffer. Every put is checked against the buffer
// size (the _check variants of libmnl); the result reports overflow as an error.
class MessageBuilder {
 public:
  MessageBuilder(std::uint16_t type, std::uint16_t flags, std::uint32_t seq) {
    nlh_ = mnl_nlmsg_put_header(buffer_.data());
    nlh_->nlmsg_type = type;
    nlh_->nlmsg_flags = flags;
    nlh_->nlmsg_seq = seq;
  }
  template <typename T>
  T* extraHeader() {
    return static_cast<T*>(mnl_nlmsg_put_extra_header(nlh_, sizeof(T)));
  }
  void putU32(std::uint16_t type, std::uint32_t v) {
    ok_ = ok_ && mnl_attr_put_u32_check(nlh_, buffer_.size(), type, v);
  }
  void putString(std::uint16_t type, const std::string& s) {
    ok_ = ok_ && mnl_attr_put_strz_check(nlh_, buffer_.size(), type, s.c_str());
  }
  void putAddress(std::uint16_t type, const IpAddress& a) {
    if (const auto* v4 = std::get_if<Ipv4Address>(&a)) {
      ok_ = ok_ && mnl_attr_put_check(nlh_, buffer_.size(), type, 4, v4->bytes.data());
    } else {
      const auto& v6 = std::get<Ipv6Address>(a);
      ok_ = ok_ && mnl_attr_put_check(nlh_, buffer_.size(), type, 16, v6.bytes.data());
    }
  }
  nlattr* nestStart(std::uint16_t type) {
    nlattr* nest = ok_ ? mnl_attr_nest_start_check(nlh_, buffer_.size(), type) : nullptr;
    ok_ = ok_ && nest != nullptr;
    return nest;
  }
  void nestEnd(nlattr* nest) {
    if (nest != nullptr) mnl_attr_nest_end(nlh_, nest);
  }
  Result<Bytes> finish() const {
    if (!ok_) return makeError(ErrorCode::NoSpace, "netlink request does not fit its buffer");
    return Bytes(buffer_.begin(), buffer_.begin() + nlh_->nlmsg_len);
  }

 private:
  alignas(8) std::array<std::uint8_t, 1024> buffer_{};
  nlmsghdr* nlh_ = nullptr;
  bool ok_ = true;
};

std::uint8_t addressFamily(IpFamily f) { return f == IpFamily::V4 ? AF_INET : AF_INET6; }

std::uint8_t routeTypeToKernel(RouteType t) {
  switch (t) {
    case RouteType::Unicast:
      return RTN_UNICAST;
    case RouteType::Local:
      return RTN_LOCAL;
    case RouteType::Broadcast:
      return RTN_BROADCAST;
    case RouteType::Multicast:
      return RTN_MULTICAST;
    case RouteType::Blackhole:
      return RTN_BLACKHOLE;
    case RouteType::Unreachable:
      return RTN_UNREACHABLE;
    case RouteType::Prohibit:
      return RTN_PROHIBIT;
    case RouteType::Throw:
      return RTN_THROW;
    case RouteType::Other:
      break;
  }
  return RTN_UNSPEC;
}

RouteType routeTypeFromKernel(std::uint8_t t) {
  switch (t) {
    case RTN_UNICAST:
      return RouteType::Unicast;
    case RTN_LOCAL:
      return RouteType::Local;
    case RTN_BROADCAST:
      return RouteType::Broadcast;
    case RTN_MULTICAST:
      return RouteType::Multicast;
    case RTN_BLACKHOLE:
      return RouteType::Blackhole;
    case RTN_UNREACHABLE:
      return RouteType::Unreachable;
    case RTN_PROHIBIT:
      return RouteType::Prohibit;
    case RTN_THROW:
      return RouteType::Throw;
    default:
      return RouteType::Other;
  }
}

std::string_view routeTypeName(RouteType t) {
  switch (t) {
    case RouteType::Unicast:
      return "unicast";
    case RouteType::Local:
      return "local";
    case RouteType::Broadcast:
      return "broadcast";
    case RouteType::Multicast:
      return "multicast";
    case RouteType::Blackhole:
      return "blackhole";
    case RouteType::Unreachable:
      return "unreachable";
    case RouteType::Prohibit:
      return "prohibit";
    case RouteType::Throw:
      return "throw";
    case RouteType::Other:
      break;
  }
  return "other";
}

Unexpected<Error> invalid(std::string detail) {
  return makeError(ErrorCode::InvalidArgument, std::move(detail));
}

// --- parsing ------------------------------------------------------------------------------

// Attributes of one message or nest, indexed by type (types beyond the table are ignored).
struct AttributeTable {
  std::array<const nlattr*, 128> at{};
  [[nodiscard]] const nlattr* operator[](std::uint16_t type) const {
    return type < at.size() ? at[type] : nullptr;
  }
};

// Walks the attributes in [data, data + length): each must have a length of at least its
// header and fit in what is left (padding after the last one is allowed). libmnl's parse
// helpers stop silently at a bad attribute; a message with one is malformed here.
bool collectAttributes(const std::uint8_t* data, std::size_t length, AttributeTable& table) {
  std::size_t at = 0;
  while (length - at >= sizeof(nlattr)) {
    nlattr header{};
    std::memcpy(&header, data + at, sizeof(header));
    if (header.nla_len < sizeof(nlattr) || header.nla_len > length - at) return false;
    const auto type = static_cast<std::uint16_t>(header.nla_type & 0x3FFF);  // NLA_TYPE_MASK
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): attributes are 4-aligned
    if (type < table.at.size()) table.at[type] = reinterpret_cast<const nlattr*>(data + at);
    at += std::min(netlinkAlign(header.nla_len), length - at);
  }
  return at == length;
}

bool collectNested(const nlattr* nest, AttributeTable& table) {
  return collectAttributes(static_cast<const std::uint8_t*>(mnl_attr_get_payload(nest)),
                           mnl_attr_get_payload_len(nest), table);
}

// The message header of a whole message, checked: the view holds nlmsg_len bytes, which cover
// the header and the family header `extra`. Buffers from recv() and from Bytes are aligned.
Result<const nlmsghdr*> messageHeader(ByteView message, std::size_t extra, std::string_view what) {
  if (message.size() < sizeof(nlmsghdr)) {
    return parseError(ErrorCode::Truncated, what, 0);
  }
  if (reinterpret_cast<std::uintptr_t>(message.data()) % alignof(nlmsghdr) != 0) {  // NOLINT
    return parseError(ErrorCode::BadAlignment, what, 0);
  }
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): netlink wire header, aligned
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(message.data());
  if (nlh->nlmsg_len > message.size() ||
      nlh->nlmsg_len < kNetlinkHeaderLength + netlinkAlign(extra)) {
    return parseError(ErrorCode::BadLength, what, 0);
  }
  return nlh;
}

Result<AttributeTable> parseAttributes(const nlmsghdr* nlh, std::size_t extra,
                                       std::string_view what) {
  AttributeTable table;
  const std::size_t start = kNetlinkHeaderLength + netlinkAlign(extra);
  const auto* base = static_cast<const std::uint8_t*>(static_cast<const void*>(nlh));
  if (nlh->nlmsg_len < start || !collectAttributes(base + start, nlh->nlmsg_len - start, table)) {
    return parseError(ErrorCode::BadLength, what, start);
  }
  return table;
}

template <typename T>
T familyHeader(const nlmsghdr* nlh) {
  T out{};
  std::memcpy(&out, mnl_nlmsg_get_payload(nlh), sizeof(T));
  return out;
}

std::optional<std::uint32_t> attrU32(const nlattr* attr) {
  if (attr == nullptr || mnl_attr_get_payload_len(attr) < 4) return std::nullopt;
  return mnl_attr_get_u32(attr);
}

std::optional<std::string> attrString(const nlattr* attr) {
  if (attr == nullptr) return std::nullopt;
  const auto* p = static_cast<const char*>(mnl_attr_get_payload(attr));
  const std::size_t len = mnl_attr_get_payload_len(attr);
  return std::string(p, ::strnlen(p, len));
}

// An address attribute of the given kernel family; nullopt if absent or the wrong size.
std::optional<IpAddress> attrAddress(const nlattr* attr, int family) {
  if (attr == nullptr) return std::nullopt;
  const auto* p = static_cast<const std::uint8_t*>(mnl_attr_get_payload(attr));
  const std::size_t len = mnl_attr_get_payload_len(attr);
  if (family == AF_INET && len == 4) {
    Ipv4Address a;
    std::memcpy(a.bytes.data(), p, 4);
    return IpAddress{a};
  }
  if (family == AF_INET6 && len == 16) {
    Ipv6Address a;
    std::memcpy(a.bytes.data(), p, 16);
    return IpAddress{a};
  }
  return std::nullopt;
}

std::optional<IpPrefix> makePrefix(const IpAddress& a, unsigned length) {
  if (const auto* v4 = std::get_if<Ipv4Address>(&a)) {
    if (length > 32) return std::nullopt;
    return IpPrefix{Ipv4Prefix{*v4, static_cast<std::uint8_t>(length)}};
  }
  if (length > 128) return std::nullopt;
  return IpPrefix{Ipv6Prefix{std::get<Ipv6Address>(a), static_cast<std::uint8_t>(length)}};
}

std::optional<IpFamily> familyFromKernel(int family) {
  if (family == AF_INET) return IpFamily::V4;
  if (family == AF_INET6) return IpFamily::V6;
  return std::nullopt;
}

}  // namespace

RtnlKind rtnlKind(ByteView message) {
  if (message.size() < sizeof(nlmsghdr)) return RtnlKind::Other;
  nlmsghdr nlh{};
  std::memcpy(&nlh, message.data(), sizeof(nlh));
  switch (nlh.nlmsg_type) {
    case RTM_NEWLINK:
      return RtnlKind::NewLink;
    case RTM_DELLINK:
      return RtnlKind::DelLink;
    case RTM_NEWADDR:
      return RtnlKind::NewAddress;
    case RTM_DELADDR:
      return RtnlKind::DelAddress;
    case RTM_NEWROUTE:
      return RtnlKind::NewRoute;
    case RTM_DELROUTE:
      return RtnlKind::DelRoute;
    case RTM_NEWNEIGH:
      return RtnlKind::NewNeighbour;
    case RTM_DELNEIGH:
      return RtnlKind::DelNeighbour;
    case RTM_NEWRULE:
      return RtnlKind::NewRule;
    case RTM_DELRULE:
      return RtnlKind::DelRule;
    default:
      return RtnlKind::Other;
  }
}

// --- encoders -----------------------------------------------------------------------------

Result<Bytes> encodeGetLink(int ifindex, std::string_view name, std::uint32_t seq) {
  if (ifindex <= 0 && (name.empty() || name.size() >= IFNAMSIZ)) {
    return invalid("get link: bad interface name '" + std::string(name) + "'");
  }
  MessageBuilder b(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
  auto* ifi = b.extraHeader<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  if (ifindex > 0) {
    ifi->ifi_index = ifindex;
  } else {
    b.putString(IFLA_IFNAME, std::string(name));
  }
  return b.finish();
}

Result<Bytes> encodeSetLink(int ifindex, std::optional<bool> up, std::optional<std::uint32_t> mtu,
                            std::uint32_t seq) {
  if (ifindex <= 0) return invalid("set link: interface index must be positive");
  MessageBuilder b(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
  auto* ifi = b.extraHeader<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;
  if (up) {
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = *up ? IFF_UP : 0;
  }
  if (mtu) b.putU32(IFLA_MTU, *mtu);
  return b.finish();
}

Result<Bytes> encodeAddress(bool add, int ifindex, const IpPrefix& address,
                            const AddressOptions& options, std::uint32_t seq) {
  if (ifindex <= 0) return invalid("address: interface index must be positive");
  const IpFamily family = familyOf(address);
  const IpAddress local = addressOf(address);
  const std::uint16_t flags =
      add ? NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL : NLM_F_REQUEST | NLM_F_ACK;
  MessageBuilder b(add ? RTM_NEWADDR : RTM_DELADDR, flags, seq);
  auto* ifa = b.extraHeader<ifaddrmsg>();
  ifa->ifa_family = addressFamily(family);
  ifa->ifa_prefixlen = prefixLength(address);
  ifa->ifa_index = static_cast<std::uint32_t>(ifindex);
  // As `ip address add` does: loopback addresses get host scope, the rest universe (the
  // kernel derives IPv6 scopes from the address itself).
  const bool loopback = family == IpFamily::V4 ? std::get<Ipv4Address>(local).isLoopback()
                                               : std::get<Ipv6Address>(local).isLoopback();
  ifa->ifa_scope = static_cast<std::uint8_t>(loopback ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE);
  b.putAddress(IFA_LOCAL, local);
  b.putAddress(IFA_ADDRESS, local);
  if (add) {
    std::uint32_t ifa_flags = 0;
    if (options.no_dad && family == IpFamily::V6) ifa_flags |= IFA_F_NODAD;
    if (options.no_prefix_route) ifa_flags |= IFA_F_NOPREFIXROUTE;
    // IFA_F_NOPREFIXROUTE does not fit the 8-bit ifa_flags: IFA_FLAGS carries all of them.
    ifa->ifa_flags = static_cast<std::uint8_t>(ifa_flags & 0xFF);
    if (ifa_flags != 0) b.putU32(IFA_FLAGS, ifa_flags);
  }
  return b.finish();
}

Result<Bytes> encodeRoute(bool add, const Route& route, WriteMode mode, std::uint32_t seq) {
  const IpFamily family = familyOf(route.destination);
  if (route.gateway && familyOf(*route.gateway) != family) {
    return invalid("route " + toString(route.destination) + ": gateway family differs");
  }
  if (route.preferred_source && familyOf(*route.preferred_source) != family) {
    return invalid("route " + toString(route.destination) + ": source family differs");
  }
  if (add && route.type == RouteType::Unicast && route.ifindex == 0 && !route.gateway) {
    return invalid("route " + toString(route.destination) + ": needs an interface or a gateway");
  }
  if (route.type == RouteType::Other) return invalid("route: type 'other' cannot be written");
  std::uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
  if (add) {
    flags |= NLM_F_CREATE;
    flags |= mode == WriteMode::Replace ? NLM_F_REPLACE : NLM_F_EXCL;
  }
  MessageBuilder b(add ? RTM_NEWROUTE : RTM_DELROUTE, flags, seq);
  auto* rtm = b.extraHeader<rtmsg>();
  rtm->rtm_family = addressFamily(family);
  rtm->rtm_dst_len = prefixLength(route.destination);
  rtm->rtm_table = static_cast<std::uint8_t>(route.table < 256 ? route.table : RT_TABLE_UNSPEC);
  rtm->rtm_protocol = route.protocol;
  rtm->rtm_type = routeTypeToKernel(route.type);
  if (!add) {
    rtm->rtm_scope = RT_SCOPE_NOWHERE;  // delete: match any scope
  } else if (route.type == RouteType::Local) {
    rtm->rtm_scope = RT_SCOPE_HOST;
  } else if (family == IpFamily::V4 && route.type == RouteType::Unicast && !route.gateway) {
    rtm->rtm_scope = RT_SCOPE_LINK;  // directly connected, as `ip route add … dev X` does
  } else {
    rtm->rtm_scope = RT_SCOPE_UNIVERSE;
  }
  if (prefixLength(route.destination) > 0) {
    b.putAddress(RTA_DST, addressOf(normalised(route.destination)));
  }
  b.putU32(RTA_TABLE, route.table);
  if (route.ifindex > 0) b.putU32(RTA_OIF, static_cast<std::uint32_t>(route.ifindex));
  if (route.gateway) b.putAddress(RTA_GATEWAY, *route.gateway);
  if (route.preferred_source) b.putAddress(RTA_PREFSRC, *route.preferred_source);
  if (route.metric != 0) b.putU32(RTA_PRIORITY, route.metric);
  if (add && route.mtu) {
    nlattr* metrics = b.nestStart(RTA_METRICS);
    b.putU32(RTAX_MTU, *route.mtu);
    b.nestEnd(metrics);
  }
  return b.finish();
}

Result<Bytes> encodeProxyNeighbour(bool add, const ProxyNeighbour& entry, std::uint32_t seq) {
  if (entry.ifindex <= 0) return invalid("proxy neighbour: interface index must be positive");
  const std::uint16_t flags =
      add ? NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE : NLM_F_REQUEST | NLM_F_ACK;
  MessageBuilder b(add ? RTM_NEWNEIGH : RTM_DELNEIGH, flags, seq);
  auto* ndm = b.extraHeader<ndmsg>();
  ndm->ndm_family = addressFamily(familyOf(entry.address));
  ndm->ndm_ifindex = entry.ifindex;
  ndm->ndm_state = NUD_PERMANENT;
  ndm->ndm_flags = static_cast<std::uint8_t>(NTF_PROXY | (add && entry.router ? NTF_ROUTER : 0));
  b.putAddress(NDA_DST, entry.address);
  return b.finish();
}

Result<Bytes> encodeRule(bool add, const Rule& rule, std::uint32_t seq) {
  if (rule.source && familyOf(*rule.source) != rule.family) {
    return invalid("rule: source prefix family differs from the rule's");
  }
  if (rule.destination && familyOf(*rule.destination) != rule.family) {
    return invalid("rule: destination prefix family differs from the rule's");
  }
  if (rule.input_interface && rule.input_interface->size() >= IFNAMSIZ) {
    return invalid("rule: interface name '" + *rule.input_interface + "' too long");
  }
  if (add && rule.priority == 0) {
    return invalid("rule: priority 0 is the local table's; choose a priority above it");
  }
  const std::uint16_t flags =
      add ? NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL : NLM_F_REQUEST | NLM_F_ACK;
  MessageBuilder b(add ? RTM_NEWRULE : RTM_DELRULE, flags, seq);
  auto* frh = b.extraHeader<fib_rule_hdr>();
  frh->family = addressFamily(rule.family);
  frh->table = static_cast<std::uint8_t>(rule.table < 256 ? rule.table : RT_TABLE_UNSPEC);
  frh->action = FR_ACT_TO_TBL;
  if (rule.source) {
    frh->src_len = prefixLength(*rule.source);
    b.putAddress(FRA_SRC, addressOf(normalised(*rule.source)));
  }
  if (rule.destination) {
    frh->dst_len = prefixLength(*rule.destination);
    b.putAddress(FRA_DST, addressOf(normalised(*rule.destination)));
  }
  if (rule.input_interface) b.putString(FRA_IIFNAME, *rule.input_interface);
  b.putU32(FRA_TABLE, rule.table);
  b.putU32(FRA_PRIORITY, rule.priority);
  return b.finish();
}

Result<Bytes> encodeRouteLookup(const IpAddress& destination,
                                const std::optional<IpAddress>& source, std::uint32_t seq) {
  const IpFamily family = familyOf(destination);
  if (source && familyOf(*source) != family) return invalid("route lookup: source family differs");
  MessageBuilder b(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_ACK, seq);
  auto* rtm = b.extraHeader<rtmsg>();
  rtm->rtm_family = addressFamily(family);
  const std::uint8_t full = family == IpFamily::V4 ? 32 : 128;
  rtm->rtm_dst_len = full;
  b.putAddress(RTA_DST, destination);
  if (source) {
    rtm->rtm_src_len = full;
    b.putAddress(RTA_SRC, *source);
  }
  return b.finish();
}

Bytes encodeDump(DumpKind kind, std::optional<IpFamily> family, std::uint32_t seq) {
  const std::uint8_t af = family ? addressFamily(*family) : AF_UNSPEC;
  std::uint16_t type = 0;
  switch (kind) {
    case DumpKind::Links:
      type = RTM_GETLINK;
      break;
    case DumpKind::Addresses:
      type = RTM_GETADDR;
      break;
    case DumpKind::Routes:
      type = RTM_GETROUTE;
      break;
    case DumpKind::ProxyNeighbours:
      type = RTM_GETNEIGH;
      break;
    case DumpKind::Rules:
      type = RTM_GETRULE;
      break;
  }
  MessageBuilder b(type, NLM_F_REQUEST | NLM_F_DUMP, seq);
  switch (kind) {
    case DumpKind::Links:
      b.extraHeader<ifinfomsg>()->ifi_family = AF_UNSPEC;
      break;
    case DumpKind::Addresses:
      b.extraHeader<ifaddrmsg>()->ifa_family = af;
      break;
    case DumpKind::Routes:
      b.extraHeader<rtmsg>()->rtm_family = af;
      break;
    case DumpKind::ProxyNeighbours: {
      auto* ndm = b.extraHeader<ndmsg>();
      ndm->ndm_family = af;
      ndm->ndm_flags = NTF_PROXY;  // dump the proxy table instead of the neighbour cache
      break;
    }
    case DumpKind::Rules:
      b.extraHeader<fib_rule_hdr>()->family = af;
      break;
  }
  // A dump request of fixed size always fits.
  return std::move(b.finish()).value();
}

// --- decoders -----------------------------------------------------------------------------

Result<LinkInfo> decodeLink(ByteView message) {
  auto nlh = messageHeader(message, sizeof(ifinfomsg), "link message");
  if (!nlh) return Unexpected{nlh.error()};
  const auto ifi = familyHeader<ifinfomsg>(*nlh);
  auto attrs = parseAttributes(*nlh, sizeof(ifinfomsg), "link attributes");
  if (!attrs) return Unexpected{attrs.error()};
  LinkInfo link;
  link.index = ifi.ifi_index;
  link.flags = ifi.ifi_flags;
  link.name = attrString((*attrs)[IFLA_IFNAME]).value_or("");
  link.mtu = attrU32((*attrs)[IFLA_MTU]).value_or(0);
  if (const nlattr* info = (*attrs)[IFLA_LINKINFO]) {
    AttributeTable nested;
    if (collectNested(info, nested)) {
      link.kind = attrString(nested[IFLA_INFO_KIND]).value_or("");
    }
  }
  return link;
}

Result<InterfaceAddress> decodeAddress(ByteView message) {
  auto nlh = messageHeader(message, sizeof(ifaddrmsg), "address message");
  if (!nlh) return Unexpected{nlh.error()};
  const auto ifa = familyHeader<ifaddrmsg>(*nlh);
  auto attrs = parseAttributes(*nlh, sizeof(ifaddrmsg), "address attributes");
  if (!attrs) return Unexpected{attrs.error()};
  // IFA_LOCAL is the local address; IFA_ADDRESS the peer on point-to-point links. IPv6 sends
  // IFA_LOCAL only for point-to-point addresses.
  auto local = attrAddress((*attrs)[IFA_LOCAL], ifa.ifa_family);
  if (!local) local = attrAddress((*attrs)[IFA_ADDRESS], ifa.ifa_family);
  if (!local) return parseError(ErrorCode::BadValue, "address message without address", 0);
  auto prefix = makePrefix(*local, ifa.ifa_prefixlen);
  if (!prefix) return parseError(ErrorCode::BadValue, "address prefix length", 0);
  InterfaceAddress out;
  out.ifindex = static_cast<int>(ifa.ifa_index);
  out.address = *prefix;
  out.flags = attrU32((*attrs)[IFA_FLAGS]).value_or(ifa.ifa_flags);
  out.scope = ifa.ifa_scope;
  return out;
}

Result<Route> decodeRoute(ByteView message) {
  auto nlh = messageHeader(message, sizeof(rtmsg), "route message");
  if (!nlh) return Unexpected{nlh.error()};
  const auto rtm = familyHeader<rtmsg>(*nlh);
  const auto family = familyFromKernel(rtm.rtm_family);
  if (!family) return parseError(ErrorCode::Unsupported, "route family", 0);
  auto attrs = parseAttributes(*nlh, sizeof(rtmsg), "route attributes");
  if (!attrs) return Unexpected{attrs.error()};
  Route route;
  const IpAddress dst =
      attrAddress((*attrs)[RTA_DST], rtm.rtm_family)
          .value_or(*family == IpFamily::V4 ? IpAddress{Ipv4Address{}} : IpAddress{Ipv6Address{}});
  auto prefix = makePrefix(dst, rtm.rtm_dst_len);
  if (!prefix) return parseError(ErrorCode::BadValue, "route prefix length", 0);
  route.destination = normalised(*prefix);
  route.table = attrU32((*attrs)[RTA_TABLE]).value_or(rtm.rtm_table);
  route.type = routeTypeFromKernel(rtm.rtm_type);
  route.protocol = rtm.rtm_protocol;
  route.metric = attrU32((*attrs)[RTA_PRIORITY]).value_or(0);
  route.ifindex = static_cast<int>(attrU32((*attrs)[RTA_OIF]).value_or(0));
  route.gateway = attrAddress((*attrs)[RTA_GATEWAY], rtm.rtm_family);
  route.preferred_source = attrAddress((*attrs)[RTA_PREFSRC], rtm.rtm_family);
  if (const nlattr* metrics = (*attrs)[RTA_METRICS]) {
    AttributeTable nested;
    if (collectNested(metrics, nested)) {
      route.mtu = attrU32(nested[RTAX_MTU]);
    }
  }
  // A multipath route: report its first next hop (enough to find where a default route
  // leads; the kernel lists IPv6 ECMP routes this way).
  if (const nlattr* multipath = (*attrs)[RTA_MULTIPATH]; multipath && route.ifindex == 0) {
    const std::size_t len = mnl_attr_get_payload_len(multipath);
    if (len >= sizeof(rtnexthop)) {
      rtnexthop nh{};
      std::memcpy(&nh, mnl_attr_get_payload(multipath), sizeof(nh));
      if (nh.rtnh_len >= sizeof(rtnexthop) && nh.rtnh_len <= len) {
        route.ifindex = nh.rtnh_ifindex;
        AttributeTable nested;
        const auto* base = static_cast<const std::uint8_t*>(mnl_attr_get_payload(multipath));
        const std::size_t header = netlinkAlign(sizeof(rtnexthop));
        if (nh.rtnh_len > header &&
            collectAttributes(base + header, nh.rtnh_len - header, nested)) {
          route.gateway = attrAddress(nested[RTA_GATEWAY], rtm.rtm_family);
        }
      }
    }
  }
  return route;
}

Result<ProxyNeighbour> decodeProxyNeighbour(ByteView message) {
  auto nlh = messageHeader(message, sizeof(ndmsg), "neighbour message");
  if (!nlh) return Unexpected{nlh.error()};
  const auto ndm = familyHeader<ndmsg>(*nlh);
  if ((ndm.ndm_flags & NTF_PROXY) == 0) {
    return parseError(ErrorCode::Unsupported, "neighbour entry is not a proxy entry", 0);
  }
  auto attrs = parseAttributes(*nlh, sizeof(ndmsg), "neighbour attributes");
  if (!attrs) return Unexpected{attrs.error()};
  auto dst = attrAddress((*attrs)[NDA_DST], ndm.ndm_family);
  if (!dst) return parseError(ErrorCode::BadValue, "neighbour entry without address", 0);
  return ProxyNeighbour{ndm.ndm_ifindex, *dst, (ndm.ndm_flags & NTF_ROUTER) != 0};
}

Result<Rule> decodeRule(ByteView message) {
  auto nlh = messageHeader(message, sizeof(fib_rule_hdr), "rule message");
  if (!nlh) return Unexpected{nlh.error()};
  const auto frh = familyHeader<fib_rule_hdr>(*nlh);
  const auto family = familyFromKernel(frh.family);
  if (!family) return parseError(ErrorCode::Unsupported, "rule family", 0);
  auto attrs = parseAttributes(*nlh, sizeof(fib_rule_hdr), "rule attributes");
  if (!attrs) return Unexpected{attrs.error()};
  Rule rule;
  rule.family = *family;
  if (auto src = attrAddress((*attrs)[FRA_SRC], frh.family)) {
    rule.source = makePrefix(*src, frh.src_len);
    if (!rule.source) return parseError(ErrorCode::BadValue, "rule source length", 0);
  }
  if (auto dst = attrAddress((*attrs)[FRA_DST], frh.family)) {
    rule.destination = makePrefix(*dst, frh.dst_len);
    if (!rule.destination) return parseError(ErrorCode::BadValue, "rule destination length", 0);
  }
  rule.input_interface = attrString((*attrs)[FRA_IIFNAME]);
  rule.table = attrU32((*attrs)[FRA_TABLE]).value_or(frh.table);
  rule.priority = attrU32((*attrs)[FRA_PRIORITY]).value_or(0);
  return rule;
}

// --- text ---------------------------------------------------------------------------------

std::string toString(const Route& route) {
  std::string s = route.isDefault() ? "default" : toString(route.destination);
  if (route.type != RouteType::Unicast) s = std::string(routeTypeName(route.type)) + " " + s;
  if (route.gateway) s += " via " + toString(*route.gateway);
  if (route.ifindex != 0) s += " dev #" + std::to_string(route.ifindex);
  if (route.preferred_source) s += " src " + toString(*route.preferred_source);
  if (route.metric != 0) s += " metric " + std::to_string(route.metric);
  if (route.mtu) s += " mtu " + std::to_string(*route.mtu);
  s += " table " + std::to_string(route.table);
  return s;
}

std::string toString(const Rule& rule) {
  std::string s = std::to_string(rule.priority) + ": from ";
  s += rule.source ? toString(*rule.source) : "all";
  if (rule.destination) s += " to " + toString(*rule.destination);
  if (rule.input_interface) s += " iif " + *rule.input_interface;
  s += " lookup " + std::to_string(rule.table);
  return s;
}

std::string toString(const InterfaceAddress& address) {
  return toString(address.address) + " dev #" + std::to_string(address.ifindex);
}

}  // namespace dsmip::platform
static_assert(dsmip::platform::kNetlinkHeaderLength == NLMSG_HDRLEN);
