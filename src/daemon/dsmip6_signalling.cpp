#include "daemon/dsmip6_signalling.hpp"

#include <algorithm>

#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/udp.hpp"

namespace dsmip::daemon {

FilterVerdict PassThroughFilter::outbound(PacketBuffer&, const dsmip6::Transport&, TimePoint) {
  ++outbound_;
  return FilterVerdict::accept();
}

FilterVerdict PassThroughFilter::inbound(PacketBuffer&, dsmip6::Inbound& inbound, TimePoint) {
  ++inbound_;
  inbound.esp_protected = false;
  inbound.esp_home_address.reset();
  return FilterVerdict::accept();
}

NamedCounters PassThroughFilter::counters() const {
  return {{"outbound-passed", outbound_}, {"inbound-passed", inbound_}};
}

Status encapsulateTransport(PacketBuffer& packet, const dsmip6::Transport& transport,
                            std::uint16_t identification) {
  namespace ip = wire::ip_protocol;
  if (transport.kind == dsmip6::TransportKind::Ipv6) return {};
  wire::Ipv4Header h;
  h.source = transport.ipv4_source.address;
  h.destination = transport.ipv4_destination.address;
  h.identification = identification;
  h.dont_fragment = false;  // RFC 4213 §3.2.1 (and a BU is small anyway)
  if (transport.kind == dsmip6::TransportKind::UdpIpv4) {
    if (Status s =
            wire::prependUdp(packet, transport.ipv4_source.port, transport.ipv4_destination.port,
                             wire::UdpOverIpv4{h.source, h.destination, true});
        !s) {
      return s;
    }
    h.protocol = ip::kUdp;
  } else {
    h.protocol = ip::kIpv6;
  }
  return wire::prependIpv4(packet, h);
}

std::optional<PreparedSignalling> SignallingPath::prepare(const dsmip6::SendSignalling& send,
                                                          PacketBuffer& scratch,
                                                          std::uint16_t identification,
                                                          TimePoint now) {
  scratch.reset();
  if (!scratch.assign(send.packet)) {
    ++encapsulation_errors_;
    return std::nullopt;
  }
  // 1. The IPsec stage sees the plain packet and the transport it will take.
  const FilterVerdict v = filter_->outbound(scratch, send.transport, now);
  if (!v.pass) {
    ++outbound_dropped_;
    countDrop(v.reason);
    return std::nullopt;
  }
  // 2. The tunnel interface: UDP datagrams get their headers from the socket; protocol 41
  // needs an IPv4 header built here; native IPv6 goes as it is.
  PreparedSignalling out;
  out.transport = send.transport;
  switch (send.transport.kind) {
    case dsmip6::TransportKind::Ipv6:
      out.socket = SignallingSocket::RawIpv6;
      ++sent_ipv6_;
      break;
    case dsmip6::TransportKind::UdpIpv4:
      out.socket = SignallingSocket::Udp;
      ++sent_udp_;
      break;
    case dsmip6::TransportKind::Ipv4Protocol41:
      if (!encapsulateTransport(scratch, send.transport, identification)) {
        ++encapsulation_errors_;
        return std::nullopt;
      }
      out.socket = SignallingSocket::RawIpv4;
      ++sent_ipv4_;
      break;
  }
  out.bytes = scratch.data();
  return out;
}

std::optional<dsmip6::Inbound> SignallingPath::receive(PacketBuffer& packet,
                                                       const dsmip6::Transport& transport,
                                                       TimePoint now) {
  dsmip6::Inbound inbound;
  inbound.transport = transport;  // Req. #4: the outer addresses and ports, kept aside
  switch (transport.kind) {
    case dsmip6::TransportKind::Ipv6:
      ++received_ipv6_;
      break;
    case dsmip6::TransportKind::UdpIpv4:
      ++received_udp_;
      break;
    case dsmip6::TransportKind::Ipv4Protocol41:
      ++received_ipv4_;
      break;
  }
  const FilterVerdict v = filter_->inbound(packet, inbound, now);
  if (!v.pass) {
    ++inbound_dropped_;
    countDrop(v.reason);
    return std::nullopt;
  }
  return inbound;
}

void SignallingPath::countDrop(std::string_view reason) {
  const std::string_view name = reason.empty() ? std::string_view("unspecified") : reason;
  auto it = std::find_if(drop_reasons_.begin(), drop_reasons_.end(),
                         [&](const auto& e) { return e.first == name; });
  if (it == drop_reasons_.end()) {
    drop_reasons_.emplace_back(std::string(name), 1);
  } else {
    ++it->second;
  }
}

NamedCounters SignallingPath::counters() const {
  NamedCounters out = {{"sent-ipv6", sent_ipv6_},
                       {"sent-udp", sent_udp_},
                       {"sent-ipv4-41", sent_ipv4_},
                       {"received-ipv6", received_ipv6_},
                       {"received-udp", received_udp_},
                       {"received-ipv4-41", received_ipv4_},
                       {"outbound-dropped", outbound_dropped_},
                       {"inbound-dropped", inbound_dropped_},
                       {"encapsulation-errors", encapsulation_errors_}};
  for (const auto& [reason, count] : drop_reasons_)
    out.emplace_back("filter-drop:" + reason, count);
  return out;
}

}  // namespace dsmip::daemon
