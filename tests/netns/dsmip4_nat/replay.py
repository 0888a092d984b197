#!/usr/bin/env python3
"""The replay of test_replay.sh: reads a classic pcap (Ethernet) of the home link, takes the
first Registration Request (UDP to port 434, type 1) from --source, and sends that IPv4 packet
again (IP_HDRINCL raw socket), unchanged but for the UDP checksum, recomputed: a capture of a
veth link holds checksums offloaded to a device that never computes them. Prints the request's
Identification in hex."""
import argparse
import socket
import struct


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def packets(path: str):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    offset = 24
    while offset + 16 <= len(data):
        _, _, captured, _ = struct.unpack(endian + "IIII", data[offset:offset + 16])
        yield data[offset + 16:offset + 16 + captured]
        offset += 16 + captured


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--pcap", required=True)
    p.add_argument("--source", required=True)
    a = p.parse_args()
    source = socket.inet_aton(a.source)
    for frame in packets(a.pcap):
        if len(frame) < 14 or frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        header = (ip[0] & 0x0F) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        if ip[9] != 17 or ip[12:16] != source:
            continue
        udp = ip[header:total]
        if struct.unpack("!H", udp[2:4])[0] != 434 or udp[8] != 1:
            continue
        udp = udp[:6] + b"\0\0" + udp[8:]
        pseudo = ip[12:20] + struct.pack("!xBH", 17, len(udp))
        udp = udp[:6] + struct.pack("!H", checksum(pseudo + udp) or 0xFFFF) + udp[8:]
        sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        sock.sendto(ip[:header] + udp, (socket.inet_ntoa(ip[16:20]), 0))
        print(udp[8 + 16:8 + 24].hex())
        return
    raise SystemExit("no registration request from " + a.source)


if __name__ == "__main__":
    main()
