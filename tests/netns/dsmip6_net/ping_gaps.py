#!/usr/bin/env python3
"""Measures the handovers of a continuous ping for the namespace tests.

Input: the output of `ping -D -n -i INTERVAL` (one line per reply, "[epoch] ... icmp_seq=N ...")
and the epoch times at which the mobile node lost its old link (one per handover). For each
handover, the window runs from its time to the next handover's (the last: to the end of the
ping); in it, the interruption is the longest gap between two consecutive replies and the lost
packets are the sequence numbers missing between consecutive replies. Prints one JSON object
per handover and exits 1 if a bound (--max-interruption seconds, --max-lost packets) is
exceeded or a window has no reply at all."""
import argparse
import json
import re
import sys

REPLY = re.compile(r"^\[(\d+\.\d+)\].*icmp_seq=(\d+)")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--ping-log", required=True)
    p.add_argument("--handovers", required=True, help="file: one 'NAME EPOCH' per line")
    p.add_argument("--max-interruption", type=float, required=True)
    p.add_argument("--max-lost", type=int, required=True)
    a = p.parse_args()
    replies = []
    with open(a.ping_log) as f:
        for line in f:
            m = REPLY.match(line)
            if m:
                replies.append((float(m.group(1)), int(m.group(2))))
    handovers = []
    with open(a.handovers) as f:
        for line in f:
            if line.strip():
                name, t = line.split()
                handovers.append((name, float(t)))
    ok = True
    for i, (name, start) in enumerate(handovers):
        end = handovers[i + 1][1] if i + 1 < len(handovers) else float("inf")
        before = [r for r in replies if r[0] <= start]
        inside = [r for r in replies if start < r[0] <= end]
        if not before or not inside:
            print(json.dumps({"handover": name, "error": "no reply before or after"}))
            ok = False
            continue
        seq = [before[-1]] + inside
        gap = max(b[0] - a_[0] for a_, b in zip(seq, seq[1:]))
        lost = sum(max(0, b[1] - a_[1] - 1) for a_, b in zip(seq, seq[1:]))
        within = gap <= a.max_interruption and lost <= a.max_lost
        ok = ok and within
        print(json.dumps({"handover": name, "interruption_s": round(gap, 3), "lost": lost,
                          "replies": len(inside), "within_bounds": within}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
