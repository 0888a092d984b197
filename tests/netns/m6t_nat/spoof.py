#!/usr/bin/env python3
"""The attacker of test_attack.sh: m6t datagrams with a victim's IPv6 source address.

Sends --count ICMPv6 echo requests (identifier 0xBEEF) from --victim to --home-agent and
--count keep-alives (next header 59 to fe80::1) from --victim, spread over three UDP source
ports; then --fresh echo requests (identifier 0xBEEE) from fresh addresses under --prefix.
Listens for anything coming back after each phase and prints
"sent=N replies=M fresh_sent=F fresh_replies=R" (M: replies to the spoofed victim traffic)."""
import argparse
import ipaddress
import select
import socket
import struct
import time


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv6(src: bytes, dst: bytes, next_header: int, payload: bytes, hop_limit: int = 64) -> bytes:
    return struct.pack("!IHBB", 0x60000000, len(payload), next_header, hop_limit) + src + dst + payload


def echo(src: bytes, dst: bytes, ident: int, seq: int) -> bytes:
    body = struct.pack("!BBHHH", 128, 0, 0, ident, seq) + b"spoofed!" * 4
    pseudo = src + dst + struct.pack("!I3xB", len(body), 58)
    body = body[:2] + struct.pack("!H", checksum(pseudo + body)) + body[4:]
    return ipv6(src, dst, 58, body)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--gateway", required=True)
    p.add_argument("--victim", required=True)
    p.add_argument("--home-agent", required=True)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--fresh", type=int, default=0)
    p.add_argument("--prefix", default="fd00::")
    a = p.parse_args()
    host, port = a.gateway.rsplit(":", 1)
    gateway = (host, int(port))
    victim = ipaddress.IPv6Address(a.victim).packed
    ha = ipaddress.IPv6Address(a.home_agent).packed
    keepalive_dst = ipaddress.IPv6Address("fe80::1").packed
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(3)]
    sent = 0
    for i in range(a.count):
        s = sockets[i % 3]
        s.sendto(echo(victim, ha, 0xBEEF, i), gateway)
        s.sendto(ipv6(victim, keepalive_dst, 59, b"", 255), gateway)
        sent += 2
        if i % 50 == 49:
            time.sleep(0.01)
    replies = listen(sockets, 1.0)
    base = int(ipaddress.IPv6Address(a.prefix))
    fresh_sent = 0
    for i in range(a.fresh):
        src = ipaddress.IPv6Address(base + 0x1000 + i).packed
        sockets[i % 3].sendto(echo(src, ha, 0xBEEE, i), gateway)
        fresh_sent += 1
    fresh_replies = listen(sockets, 0.5)
    print(f"sent={sent} replies={replies} fresh_sent={fresh_sent} fresh_replies={fresh_replies}")


def listen(sockets, seconds: float) -> int:
    """Counts the datagrams arriving on any socket for `seconds`."""
    count = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select(sockets, [], [], max(0.0, deadline - time.monotonic()))
        for s in ready:
            s.recv(65535)
            count += 1
    return count


if __name__ == "__main__":
    main()
