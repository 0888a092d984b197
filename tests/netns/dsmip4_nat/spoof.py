#!/usr/bin/env python3
"""Tunnel packets from a mobile node's care-of address to its home agent, for test_spoof.sh.

Sends --count ICMPv6 echo requests inside IPv6-in-IPv4 (protocol 41) with the inner source
--source6 to --destination6, and --count ICMP echo requests inside IP-in-IP (protocol 4) with
the inner source --source4 to --destination4, from --care-of to --home-agent (raw sockets: the
kernel writes the outer IPv4 header)."""
import argparse
import ipaddress
import socket
import struct


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def echo6(src: bytes, dst: bytes, seq: int) -> bytes:
    body = struct.pack("!BBHHH", 128, 0, 0, 0xBEEF, seq) + b"spoofed!" * 4
    pseudo = src + dst + struct.pack("!I3xB", len(body), 58)
    body = body[:2] + struct.pack("!H", checksum(pseudo + body)) + body[4:]
    return struct.pack("!IHBB", 0x60000000, len(body), 58, 64) + src + dst + body


def echo4(src: bytes, dst: bytes, seq: int) -> bytes:
    body = struct.pack("!BBHHH", 8, 0, 0, 0xBEEF, seq) + b"spoofed!" * 4
    body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), seq, 0, 64, 1, 0, src, dst)
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + body


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--care-of", required=True)
    p.add_argument("--home-agent", required=True)
    p.add_argument("--source6", required=True)
    p.add_argument("--destination6", required=True)
    p.add_argument("--source4", required=True)
    p.add_argument("--destination4", required=True)
    p.add_argument("--count", type=int, default=5)
    a = p.parse_args()
    s6 = ipaddress.IPv6Address(a.source6).packed
    d6 = ipaddress.IPv6Address(a.destination6).packed
    s4 = ipaddress.IPv4Address(a.source4).packed
    d4 = ipaddress.IPv4Address(a.destination4).packed
    for protocol, build, src, dst in ((41, echo6, s6, d6), (4, echo4, s4, d4)):
        sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, protocol)
        sock.bind((a.care_of, 0))
        for seq in range(a.count):
            sock.sendto(build(src, dst, seq), (a.home_agent, 0))
        sock.close()


if __name__ == "__main__":
    main()
