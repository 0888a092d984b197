#!/usr/bin/env python3
"""Crafted packets for the negative namespace tests (scapy sends them, no answer expected).

  bu-udp      a Binding Update (A, H) in UDP to the home agent's port 4191, the IPv6 packet from
              the home address with the IPv4 Care-of Address option (RFC 5555 §4.2.1)
  tunnel6     an IPv6-in-IPv6 packet (inner: ICMPv6 Echo Request) to the home agent
  tunnel-udp  the same inner packet in UDP to the home agent's port 4191 (RFC 5555 §4.1)
  esp-replay  resends, as captured, the first native ESP packet with SPI --spi of a pcap file
              (--pcap): a replayed ESP sequence number; with --flip-sequence-byte one octet of
              its sequence number field is flipped first (a number the window has not seen, so
              the receiver gets as far as the ICV, which no longer verifies)

The Mobility Header is written here octet by octet (scapy has no RFC 5555 options)."""
import argparse
import socket
import struct
import sys

from scapy.all import ESP, IP, UDP, ICMPv6EchoRequest, IPv6, Raw, conf, rdpcap, send  # noqa: E402

conf.verb = 0


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def binding_update(home: str, home_agent: str, sequence: int, care_of4: str) -> bytes:
    # RFC 6275 §6.1.7: Sequence, A|H flags, Lifetime (units of 4 s); then the IPv4 Care-of
    # Address option (type 32, length 6, reserved, address: RFC 5555 §3.1.2) and PadN to 8n.
    body = struct.pack("!HHH", sequence, 0xC000, 15)
    body += bytes([32, 6, 0, 0]) + socket.inet_aton(care_of4)
    body += bytes([1, 2, 0, 0])
    header_len = (6 + len(body)) // 8 - 1
    mh = bytes([59, header_len, 5, 0, 0, 0]) + body
    pseudo = (socket.inet_pton(socket.AF_INET6, home) + socket.inet_pton(socket.AF_INET6, home_agent)
              + struct.pack("!I3xB", len(mh), 135))
    c = checksum(pseudo + mh)
    return mh[:4] + struct.pack("!H", c) + mh[6:]


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["bu-udp", "tunnel6", "tunnel-udp", "esp-replay"])
    p.add_argument("--outer-source")
    p.add_argument("--home-agent6")
    p.add_argument("--home-agent4")
    p.add_argument("--home-address", help="bu-udp: the home address")
    p.add_argument("--sequence", type=int, default=0)
    p.add_argument("--inner-source", help="tunnel*: the inner IPv6 source")
    p.add_argument("--inner-destination", help="tunnel*: the inner IPv6 destination")
    p.add_argument("--sport", type=int, default=40000)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--pcap", help="esp-replay: the capture")
    p.add_argument("--spi", type=lambda v: int(v, 0), help="esp-replay: the SA's SPI")
    p.add_argument("--flip-sequence-byte", action="store_true")
    a = p.parse_args()
    if a.kind == "esp-replay":
        for frame in rdpcap(a.pcap):
            if IPv6 in frame and ESP in frame and frame[ESP].spi == a.spi:
                raw = bytearray(bytes(frame[IPv6]))
                at = len(raw) - len(bytes(frame[ESP]))  # the ESP header: SPI, then sequence
                if a.flip_sequence_byte:
                    raw[at + 4] ^= 0x01  # the sequence number's high octet (RFC 4303 §2.2)
                send(IPv6(bytes(raw)), count=a.count)
                return 0
        print(f"no ESP packet with SPI {a.spi:#x} in {a.pcap}", file=sys.stderr)
        return 1
    if a.kind == "bu-udp":
        inner = IPv6(src=a.home_address, dst=a.home_agent6, nh=135, hlim=64) / Raw(
            binding_update(a.home_address, a.home_agent6, a.sequence, a.outer_source))
        packet = IP(src=a.outer_source, dst=a.home_agent4) / UDP(sport=a.sport, dport=4191) / inner
    else:
        inner = IPv6(src=a.inner_source, dst=a.inner_destination) / ICMPv6EchoRequest(id=7, seq=1)
        if a.kind == "tunnel6":
            packet = IPv6(src=a.outer_source, dst=a.home_agent6, nh=41) / inner
        else:
            packet = IP(src=a.outer_source, dst=a.home_agent4) / UDP(sport=a.sport, dport=4191) / inner
    send(packet, count=a.count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
