#!/usr/bin/env python3
"""A TCP stream for the namespace tests: the client sends a counting byte pattern without end
(a few kilobytes every 10 ms); the server checks the pattern and writes the number of bytes
received so far into --count-file (about every 50 ms). Either side exits non-zero on a reset,
an error or a broken pattern, so a stream that does not survive is seen."""
import argparse
import os
import socket
import sys
import time


def pattern(offset: int, length: int) -> bytes:
    return bytes((offset + i) % 251 for i in range(length))


def server(a: argparse.Namespace) -> None:
    family = socket.AF_INET6 if ":" in a.bind else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.bind, a.port))
    s.listen(1)
    conn, peer = s.accept()
    total = 0
    last_write = 0.0
    tmp = a.count_file + ".tmp"
    while True:
        data = conn.recv(65536)
        if not data:
            print(f"closed by {peer} after {total} bytes", flush=True)
            sys.exit(1)
        if data != pattern(total, len(data)):
            print(f"pattern broken at byte {total}", flush=True)
            sys.exit(2)
        total += len(data)
        now = time.monotonic()
        if now - last_write > 0.05:
            with open(tmp, "w") as f:
                f.write(str(total))
            os.replace(tmp, a.count_file)
            last_write = now


def client(a: argparse.Namespace) -> None:
    family = socket.AF_INET6 if ":" in a.connect else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect((a.connect, a.port))
    sent = 0
    chunk = 4096
    while True:
        s.sendall(pattern(sent, chunk))
        sent += chunk
        time.sleep(0.01)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["server", "client"])
    p.add_argument("--bind")
    p.add_argument("--connect")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--count-file")
    a = p.parse_args()
    server(a) if a.mode == "server" else client(a)


if __name__ == "__main__":
    main()
