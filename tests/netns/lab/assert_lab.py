"""Asserts the JSON summary of `dsmip lab --json` (tests/netns/lab/test_run.sh)."""
import json
import sys


def main(path):
    with open(path) as f:
        report = json.load(f)
    problems = []
    if not report["ok"]:
        problems.append("report not ok: " + str(report.get("failure")))
    if report["interrupted"]:
        problems.append("interrupted")
    if not report["scenarios"]:
        problems.append("no scenario ran")
    for s in report["scenarios"]:
        name = s["name"]
        if s["failure"]:
            problems.append(f"{name}: failure {s['failure']}")
        for check, value in s["checks"].items():
            if value is not True:
                problems.append(f"{name}: check {check} is {value}")
        # Both directions of every family the scenario covers were answered.
        for family in s["families"]:
            for direction in ("peer-to-mn", "mn-to-peer"):
                streams = [x for x in s["streams"]
                           if x["family"] == family and x["direction"] == direction]
                if not streams or min(x["answered"] for x in streams) == 0:
                    problems.append(f"{name}: no answered {family} {direction} probes")
        for x in s["streams"]:
            if x["lost_outside_handovers"] != 0:
                problems.append(f"{name}: {x['name']} lost {x['lost_outside_handovers']} outside handovers")
        if len(s["handovers"]) < 2:
            problems.append(f"{name}: fewer than two attachments")
        for h in s["handovers"]:
            if not (h["recovered"] and h["within_bound"]):
                problems.append(f"{name}: handover to {h['to']} not recovered within {h['bound_s']} s")
        for t in s["tcp"]:
            if t["bytes_received"] == 0:
                problems.append(f"{name}: {t['name']} received nothing")
    mechanisms = {m["mechanism"]: m for m in report["mechanisms"]}
    for s in report["scenarios"]:
        for a in s["attachments"]:
            if a["mechanism"] not in mechanisms:
                problems.append(f"no comparison row for {a['mechanism']}")
    for m in report["mechanisms"]:
        if m["handovers"] < 1:
            problems.append(f"{m['mechanism']}: no handover measured")
        overhead = m["overhead_bytes"]
        if all(v is None for v in overhead.values()):
            problems.append(f"{m['mechanism']}: no overhead measured")
        if m["keepalive_bytes_per_hour"] is None:
            problems.append(f"{m['mechanism']}: no keep-alive measurement")
    # Every mechanism of the suite is either measured or plainly listed as not available.
    suite = {"m6t", "DSMIPv6, native IPv6 CoA", "DSMIPv6 over IPv4", "DSMIPv6 over UDP (NAT)",
             "DSMIPv6 over m6t", "DSMIPv4, public CoA", "DSMIPv4 over UDP (NAT)"}
    unavailable = {u["mechanism"] for u in report["not_available"]}
    if set(mechanisms) & unavailable:
        problems.append(f"measured and listed as not available: {set(mechanisms) & unavailable}")
    if suite - set(mechanisms) - unavailable:
        problems.append(f"neither measured nor listed as not available: {suite - set(mechanisms) - unavailable}")
    if "m6t" in mechanisms and mechanisms["m6t"]["overhead_bytes"]["ipv6"] != 28:
        problems.append("m6t: overhead is not IPv4 + UDP (28 octets)")
    # The DSMIPv6 daemons are measured in their three networks (only over m6t is not shown),
    # with the tunnels' headers, and the run says plainly that it has no ESP.
    if any(s["name"] == "dsmip6" for s in report["scenarios"]):
        for m in ("DSMIPv6, native IPv6 CoA", "DSMIPv6 over IPv4", "DSMIPv6 over UDP (NAT)"):
            if m not in mechanisms:
                problems.append(f"{m}: not measured")
        if unavailable != {"DSMIPv6 over m6t"}:
            problems.append(f"not_available lists {unavailable}, not only DSMIPv6 over m6t")
        expected = {"DSMIPv6, native IPv6 CoA": (40, 40), "DSMIPv6 over IPv4": (20, 20),
                    "DSMIPv6 over UDP (NAT)": (28, 32)}
        for m, (low, high) in expected.items():
            if m in mechanisms:
                for family, value in mechanisms[m]["overhead_bytes"].items():
                    if value is not None and not low <= value <= high:
                        problems.append(f"{m}: {family} overhead {value} not in [{low}, {high}]")
        dsmip6 = next(s for s in report["scenarios"] if s["name"] == "dsmip6")
        if not any(n.startswith("ESP: NOT used") for n in dsmip6["notes"]):
            problems.append("dsmip6: the run does not say that ESP is not used")
        if set(dsmip6["families"]) != {"ipv6", "ipv4"}:
            problems.append(f"dsmip6: families {dsmip6['families']}")
    for p in problems:
        print("assert_lab: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
