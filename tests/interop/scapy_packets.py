#!/usr/bin/python3
"""Packets built by scapy (an implementation nobody here wrote) for the scapy oracle test.

Prints one JSON document: {"packets": [{"name", "hex", "expect": {"LAYER.FIELD": "VALUE"}}]}.
Every expected value is read back from scapy's own dissection of the bytes (or, for the
DSMIPv6 options and Mobile IPv4 extensions scapy does not know, computed here from the raw
bytes given to it), written the way `dsmip decode` writes fields (docs/decode.md). The test
decodes "hex" with our dissector and compares. LAYER.FIELD may index a list: mh.options[1].name.
"""

import json
import socket
import struct
import sys

from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import (IPv6, MIP6MH_BA, MIP6MH_BE, MIP6MH_BU, MIP6OptAltCoA,
                                MIP6OptBRAdvice, MIP6OptUnknown)
from scapy.layers.mobileip import MobileIP, MobileIPRRP, MobileIPRRQ
from scapy.packet import Raw

HOA = "2001:db8:1::100"
HA = "2001:db8:1::1"
COA = "2001:db8:2::50"


def flags_text(pkt, letters):
    """Set flags of a scapy FlagsField, in wire order, joined like ours ("A|H")."""
    return "|".join(letter for letter in letters if getattr(pkt.flags, letter))


def v4(raw):
    return socket.inet_ntoa(raw)


def mh_common(mh, expect):
    expect["mh.payload_proto"] = str(mh.nh)
    expect["mh.header_length"] = str((mh.len + 1) * 8)
    expect["mh.mh_type"] = str(mh.mhtype)
    expect["mh.checksum"] = "0x%04x" % mh.cksum
    expect["mh.checksum_status"] = "ok"  # scapy computed it; ours must verify it


def unknown_options(mh, expect, start):
    """Expected fields of the DSMIPv6 options, given to scapy as MIP6OptUnknown."""
    index = start
    for opt in mh.options:
        if not isinstance(opt, MIP6OptUnknown) or opt.otype in (0, 1):
            continue
        data = bytes(opt.odata)
        key = "mh.options[%d]." % index
        expect[key + "type"] = str(opt.otype)
        if opt.otype == 29:  # IPv4 Home Address (RFC 5555 §3.1.1)
            expect[key + "prefix_length"] = str(data[0] >> 2)
            expect[key + "p_flag"] = "true" if data[0] & 0x02 else "false"
            expect[key + "address"] = v4(data[2:6])
        elif opt.otype == 30:  # IPv4 Address Acknowledgement (§3.2.1)
            expect[key + "status"] = str(data[0])
            expect[key + "prefix_length"] = str(data[1] >> 2)
            expect[key + "address"] = v4(data[2:6])
        elif opt.otype == 31:  # NAT Detection (§3.2.2)
            expect[key + "f_flag"] = "true" if data[0] & 0x80 else "false"
            expect[key + "refresh_time"] = str(struct.unpack("!I", data[2:6])[0])
        elif opt.otype == 32:  # IPv4 Care-of Address (§3.1.2)
            expect[key + "address"] = v4(data[2:6])
        index += 1


def binding_update():
    pkt = IPv6(src=HOA, dst=HA) / MIP6MH_BU(
        seq=77, flags="AH", mhtime=50, options=[
            MIP6OptAltCoA(acoa=COA),
            MIP6OptUnknown(otype=29, odata=bytes([32 << 2, 0]) + socket.inet_aton("10.1.0.5")),
            MIP6OptUnknown(otype=32, odata=bytes([0, 0]) + socket.inet_aton("192.168.1.10")),
        ])
    parsed = IPv6(bytes(pkt))
    bu = parsed[MIP6MH_BU]
    expect = {"ipv6.source": parsed.src, "ipv6.destination": parsed.dst}
    mh_common(bu, expect)
    expect["mh.mh_type_name"] = "binding-update"
    expect["mh.sequence"] = str(bu.seq)
    expect["mh.flags"] = flags_text(bu, "AHLKMRP")
    expect["mh.lifetime_units"] = str(bu.mhtime)
    expect["mh.lifetime"] = str(bu.mhtime * 4)
    alt = bu[MIP6OptAltCoA]
    expect["mh.options[0].type"] = str(alt.otype)
    expect["mh.options[0].name"] = "alternate-care-of-address"
    expect["mh.options[0].address"] = alt.acoa
    unknown_options(bu, expect, 1)
    expect["mh.options[1].name"] = "ipv4-home-address"
    expect["mh.options[2].name"] = "ipv4-care-of-address"
    return {"name": "scapy-bu", "hex": bytes(parsed).hex(), "expect": expect}


def binding_ack():
    pkt = IPv6(src=HA, dst=HOA) / MIP6MH_BA(
        status=0, flags=0, seq=77, mhtime=50, options=[
            MIP6OptUnknown(otype=30, odata=bytes([0, 32 << 2]) + socket.inet_aton("10.1.0.5")),
            MIP6OptUnknown(otype=31, odata=bytes([0x80, 0]) + struct.pack("!I", 110)),
            MIP6OptBRAdvice(rinter=45),
        ])
    parsed = IPv6(bytes(pkt))
    ba = parsed[MIP6MH_BA]
    expect = {}
    mh_common(ba, expect)
    expect["mh.mh_type_name"] = "binding-ack"
    expect["mh.status"] = str(ba.status)
    expect["mh.status_name"] = "accepted"
    expect["mh.flags"] = flags_text(ba, "KRP")
    expect["mh.sequence"] = str(ba.seq)
    expect["mh.lifetime_units"] = str(ba.mhtime)
    unknown_options(ba, expect, 0)
    expect["mh.options[0].name"] = "ipv4-address-acknowledgement"
    expect["mh.options[1].name"] = "nat-detection"
    expect["mh.options[2].name"] = "binding-refresh-advice"
    expect["mh.options[2].refresh_interval_units"] = str(ba[MIP6OptBRAdvice].rinter)
    return {"name": "scapy-ba", "hex": bytes(parsed).hex(), "expect": expect}


def binding_error():
    pkt = IPv6(src=HA, dst=COA) / MIP6MH_BE(status=2, ha=HOA)
    parsed = IPv6(bytes(pkt))
    be = parsed[MIP6MH_BE]
    expect = {}
    mh_common(be, expect)
    expect["mh.mh_type_name"] = "binding-error"
    expect["mh.status"] = str(be.status)
    expect["mh.status_name"] = "unrecognized-mh-type"
    expect["mh.home_address"] = be.ha
    return {"name": "scapy-be", "hex": bytes(parsed).hex(), "expect": expect}


def mip4_extensions(prefix):
    """DSMIPv4 IPv6 Prefix Request (152/1), UDP Tunnel Request (144) and an MN-HA
    authentication extension (32) with a placeholder authenticator (never verified here)."""
    ext = bytes([152, 18, 1, 48]) + socket.inet_pton(socket.AF_INET6, prefix)
    ext += bytes([144, 6, 0, 0, 0x80, 0, 0, 0])
    ext += bytes([32, 20]) + struct.pack("!I", 0x1000) + bytes(range(16))
    return ext


def registration_request():
    pkt = (IP(src="192.0.2.10", dst="198.51.100.1") / UDP(sport=434, dport=434) /
           MobileIP(type=1) /
           MobileIPRRQ(flags=0x22, lifetime=300, homeaddr="10.2.0.7", haaddr="198.51.100.1",
                       coaddr="192.0.2.10", id=0xe9414d8012345678) /
           Raw(mip4_extensions("2001:db8:40::")))
    parsed = IP(bytes(pkt))
    rrq = parsed[MobileIPRRQ]
    letters = "SBDMGrTx"
    flags = "|".join(letters[i] for i in range(8) if rrq.flags & (0x80 >> i))
    expect = {
        "ipv4.checksum_status": "ok",
        "udp.checksum_status": "ok",
        "udp.source_port": str(parsed[UDP].sport),
        "mipv4.type": str(parsed[MobileIP].type),
        "mipv4.type_name": "registration-request",
        "mipv4.flags": flags,
        "mipv4.lifetime": str(rrq.lifetime),
        "mipv4.home_address": rrq.homeaddr,
        "mipv4.home_agent": rrq.haaddr,
        "mipv4.care_of_address": rrq.coaddr,
        "mipv4.identification": "0x%016x" % rrq.id,
        "mipv4.extensions[0].type": "152",
        "mipv4.extensions[0].sub_type": "1",
        "mipv4.extensions[0].prefix_length": "48",
        "mipv4.extensions[0].prefix": "2001:db8:40::",
        "mipv4.extensions[1].type": "144",
        "mipv4.extensions[1].f_flag": "true",
        "mipv4.extensions[1].encapsulation": "0",
        "mipv4.extensions[2].type": "32",
        "mipv4.extensions[2].spi": "0x00001000",
        "mipv4.extensions[2].authenticator": bytes(range(16)).hex(),
    }
    return {"name": "scapy-rrq", "hex": bytes(parsed).hex(), "expect": expect}


def registration_reply():
    pkt = (IP(src="198.51.100.1", dst="192.0.2.10") / UDP(sport=434, dport=434) /
           MobileIP(type=3) /
           MobileIPRRP(code=136, lifetime=0, homeaddr="10.2.0.7", haaddr="198.51.100.1",
                       id=0xe9414d8012345678) /
           Raw(bytes([32, 20]) + struct.pack("!I", 0x1000) + bytes(16)))
    parsed = IP(bytes(pkt))
    rrp = parsed[MobileIPRRP]
    expect = {
        "mipv4.type": str(parsed[MobileIP].type),
        "mipv4.type_name": "registration-reply",
        "mipv4.code": str(rrp.code),
        "mipv4.code_name": "ha-unknown-home-agent-address",
        "mipv4.lifetime": str(rrp.lifetime),
        "mipv4.home_address": rrp.homeaddr,
        "mipv4.home_agent": rrp.haaddr,
        "mipv4.identification": "0x%016x" % rrp.id,
        "mipv4.extensions[0].type": "32",
        "mipv4.extensions[0].authenticator_length": "16",
    }
    return {"name": "scapy-rrp", "hex": bytes(parsed).hex(), "expect": expect}


def main():
    packets = [binding_update(), binding_ack(), binding_error(), registration_request(),
               registration_reply()]
    json.dump({"packets": packets}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
