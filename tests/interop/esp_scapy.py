#!/usr/bin/python3
"""ESP oracle for dsmip's interoperability tests.

scapy's IPsec implementation (scapy.layers.ipsec, on the `cryptography` module) encrypts or
decrypts one IP packet with the SA given on the command line. The packet comes as hex on stdin;
the result goes as hex to stdout. Any failure (an ICV that does not verify, a bad key) exits 1
with the reason on stderr.

  esp_scapy.py encrypt --suite aes-cbc-hmac-sha256 --spi 0x1001 --seq 1 \
      --enc-key HEX --auth-key HEX --iv HEX  < plain.hex > esp.hex
  esp_scapy.py decrypt --suite aes-gcm-16 --spi 0x1001 --seq 1 --enc-key HEX < esp.hex

--seq is the full sequence number; with --esn its high 32 bits are the implicit ESN half.
--tunnel-src/--tunnel-dst select tunnel mode (outer header with these addresses).

Two gaps in scapy 2.5 are bridged here, without touching its cryptography or ESP framing:
* it leaves the ESN high bits out of ESP's HMAC ICV (it only appends them for AH), so for ESN
  with HMAC-SHA2-256-128 the ICV is computed here as RFC 4303 §2.2.1 / §3.3.2.1 say: HMAC over
  SPI, sequence number, IV and ciphertext, then the high 32 bits;
* SecurityAssociation.decrypt() in transport mode re-dissects the payload with the class the
  IPv6 header's Next Header suggests instead of the last extension header's (an MH after a type 2
  routing header is parsed as a routing header and fails), so the decrypted packet is put back
  together here from scapy's verified and decrypted ESP payload.
"""

import argparse
import hashlib
import hmac
import struct
import sys

from scapy.compat import raw
from scapy.layers.inet import IP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import ESP, SecurityAssociation

CRYPT = {"aes-cbc-hmac-sha256": "AES-CBC", "aes-gcm-16": "AES-GCM", "null-hmac-sha256": "NULL"}
ICV_LENGTH = 16


def parse_ip(data):
    return IPv6(data) if data[0] >> 4 == 6 else IP(data)


def fix_length(pkt, delta):
    if pkt.version == 6:
        pkt.plen += delta
    else:
        pkt.len += delta
        del pkt.chksum
    return parse_ip(raw(pkt))


def esn_icv(key, esp, high):
    return hmac.new(key, raw(esp) + struct.pack("!L", high), hashlib.sha256).digest()[:ICV_LENGTH]


def decrypt(sa, pkt):
    """SecurityAssociation.decrypt() with the reassembly done on bytes (see above)."""
    esp = pkt[ESP]
    sa.check_spi(pkt)
    sa.auth_algo.verify(esp, sa.auth_key)
    icv_size = sa.crypt_icv_size or sa.crypt_algo.icv_size or sa.auth_algo.icv_size
    plain = sa.crypt_algo.decrypt(sa, esp, sa.crypt_key, icv_size, esn_en=sa.esn_en, esn=sa.esn)
    payload = raw(plain.data)
    if sa.tunnel_header:
        return payload
    under = esp.underlayer
    if pkt.version == 4:
        under.proto = plain.nh
        under.remove_payload()
        under.len = len(raw(under)) + len(payload)
        del under.chksum
        return raw(under) + payload
    under.nh = plain.nh
    under.remove_payload()
    pkt.plen = len(raw(pkt)) - 40 + len(payload)
    return raw(pkt) + payload


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("op", choices=["encrypt", "decrypt"])
    ap.add_argument("--suite", choices=sorted(CRYPT), required=True)
    ap.add_argument("--spi", type=lambda s: int(s, 0), required=True)
    ap.add_argument("--seq", type=lambda s: int(s, 0), default=1)
    ap.add_argument("--esn", action="store_true")
    ap.add_argument("--enc-key", default="")
    ap.add_argument("--auth-key", default="")
    ap.add_argument("--iv", default=None)
    ap.add_argument("--tunnel-src", default=None)
    ap.add_argument("--tunnel-dst", default=None)
    args = ap.parse_args()

    data = bytes.fromhex(sys.stdin.read().strip())
    pkt = parse_ip(data)
    enc_key = bytes.fromhex(args.enc_key) or None
    auth_key = bytes.fromhex(args.auth_key) or None
    hmac_suite = args.suite != "aes-gcm-16"
    manual_icv = args.esn and hmac_suite
    high = args.seq >> 32
    tunnel = None
    if args.tunnel_src:
        cls = IPv6 if ":" in args.tunnel_src else IP
        tunnel = cls(src=args.tunnel_src, dst=args.tunnel_dst)
    sa = SecurityAssociation(
        ESP,
        spi=args.spi,
        crypt_algo=CRYPT[args.suite],
        crypt_key=enc_key,
        auth_algo="SHA2-256-128" if hmac_suite and not manual_icv else None,
        auth_key=auth_key if hmac_suite and not manual_icv else None,
        tunnel_header=tunnel,
        esn_en=args.esn,
        esn=high,
    )

    try:
        if args.op == "encrypt":
            iv = bytes.fromhex(args.iv) if args.iv else None
            out = sa.encrypt(pkt, seq_num=args.seq & 0xFFFFFFFF, iv=iv)
            if manual_icv:
                out[ESP].data += esn_icv(auth_key, out[ESP], high)
                out = fix_length(out, ICV_LENGTH)
        else:
            if manual_icv:
                esp = pkt[ESP]
                icv = esp.data[-ICV_LENGTH:]
                esp.data = esp.data[:-ICV_LENGTH]
                if not hmac.compare_digest(icv, esn_icv(auth_key, esp, high)):
                    raise ValueError("ICV does not verify (ESN)")
            out = decrypt(sa, pkt)
    except Exception as e:  # noqa: BLE001 - any failure is the answer
        print(f"esp_scapy: {args.op} failed: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print((out if isinstance(out, bytes) else raw(out)).hex())
    return 0


if __name__ == "__main__":
    sys.exit(main())
