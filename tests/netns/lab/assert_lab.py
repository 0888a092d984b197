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
    # The DSMIPv6 daemons are measured in their three networks, and over m6t; every mechanism
    # of the suite is shown (nothing listed as not available).
    if unavailable:
        problems.append(f"not_available lists {unavailable}")
    if any(s["name"] == "dsmip6" for s in report["scenarios"]):
        for m in ("DSMIPv6, native IPv6 CoA", "DSMIPv6 over IPv4", "DSMIPv6 over UDP (NAT)"):
            if m not in mechanisms:
                problems.append(f"{m}: not measured")
    if any(s["name"] == "dsmip6-m6t" for s in report["scenarios"]):
        if "DSMIPv6 over m6t" not in mechanisms:
            problems.append("DSMIPv6 over m6t: not measured")
    # Tunnel headers towards the MN: IPv6 (40), IPv4 (20), UDP/IPv4 (28, +4 with the TLV
    # header), IPv6 in m6t's UDP/IPv4 (40 + 28).
    expected = {"DSMIPv6, native IPv6 CoA": (40, 40), "DSMIPv6 over IPv4": (20, 20),
                "DSMIPv6 over UDP (NAT)": (28, 32), "DSMIPv6 over m6t": (68, 68)}
    for m, (low, high) in expected.items():
        if m in mechanisms:
            for family, value in mechanisms[m]["overhead_bytes"].items():
                if value is not None and not low <= value <= high:
                    problems.append(f"{m}: {family} overhead {value} not in [{low}, {high}]")
    # The DSMIPv6 scenarios run with ESP: both address families, the signalling check, and from
    # the daemons' own counters, the home agent accepted ESP-protected BUs and the MN
    # ESP-protected BAs, with no unprotected, ICV or replay drop on either.
    for s in report["scenarios"]:
        if s["name"] not in ("dsmip6", "dsmip6-m6t"):
            continue
        name = s["name"]
        if set(s["families"]) != {"ipv6", "ipv4"}:
            problems.append(f"{name}: families {s['families']}")
        if not s["expectations"].get("esp"):
            problems.append(f"{name}: ESP not expected")
        if s["checks"].get("signalling_esp_protected") is not True:
            problems.append(f"{name}: signalling_esp_protected is {s['checks'].get('signalling_esp_protected')}")
        if not any(n.startswith("ESP: on.") for n in s["notes"]):
            problems.append(f"{name}: the run does not say that ESP is on")
        if any("NOT used" in n for n in s["notes"]):
            problems.append(f"{name}: a note still says ESP is not used")
        esp = {e["role"]: e for e in s["esp"]}
        for role, label in (("ha", "binding-updates"), ("mn", "binding-acks")):
            e = esp.get(role)
            if e is None or not e["read"]:
                problems.append(f"{name}: no ESP counters of {role}")
                continue
            if e["filter"] != "esp":
                problems.append(f"{name}: {role} runs the {e['filter']} filter, not esp")
            if not e["accepted"].get(label, 0) > 0:
                problems.append(f"{name}: {role} accepted no ESP-protected {label}")
            if e["outbound_protected"] == 0:
                problems.append(f"{name}: {role} sent nothing ESP-protected")
            for counter in ("unprotected_drops", "icv_failures", "replay_drops"):
                if e[counter] != 0:
                    problems.append(f"{name}: {role} {counter} = {e[counter]}")
        # Over m6t, every stay is carried by m6t and the sessions survive the moves.
        if name == "dsmip6-m6t":
            if {a["mechanism"] for a in s["attachments"]} != {"DSMIPv6 over m6t"}:
                problems.append(f"{name}: attachments not all over m6t")
            for t in s["tcp"]:
                if t["connections"] != 1:
                    problems.append(f"{name}: {t['name']} needed {t['connections']} connections")
    for p in problems:
        print("assert_lab: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
