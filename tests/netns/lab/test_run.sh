#!/usr/bin/env bash
# The lab end to end: `dsmip lab --json` with short stays, bounded in time; its JSON summary is
# asserted (assert_lab.py): every scenario reached the correspondent in both directions and in
# every address family it covers, every handover recovered within its bound, no probe was lost
# outside the handovers, the TCP streams resumed, and the comparison has a measured row per
# mechanism; the DSMIPv6 scenarios' signalling was ESP-protected (the daemons' counters). The
# SVG timeline is written and well-formed, no key material was printed, and nothing of the lab
# is left.
source "$(dirname "$0")/../lib.sh"
require_root
require_tool ip nft
require_dsmip

ip netns list | awk '/^dsmip-lab-/ { print $1 }' | sort >"$NETNS_TMP/before"
rc=0
timeout 150 "$DSMIP" lab --json --plain --dwell 3s --idle 2s --report "$NETNS_TMP/lab.svg" \
  >"$NETNS_TMP/lab.json" 2>"$NETNS_TMP/lab.log" || rc=$?
[ $rc = 0 ] || fail "dsmip lab exited $rc"
"$PYTHON" "$(dirname "$0")/assert_lab.py" "$NETNS_TMP/lab.json" || fail "the JSON summary"
"$PYTHON" -c 'import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); assert d.documentElement.tagName == "svg"' \
  "$NETNS_TMP/lab.svg" || fail "the SVG timeline is not well-formed"
grep -q "Comparison of the mechanisms" "$NETNS_TMP/lab.log" || fail "no comparison table in the log"
grep -q "signalling ESP-protected: yes" "$NETNS_TMP/lab.log" || fail "the log does not show ESP at work"
# No key material (the generated keys are 32 and 64 hex digits) in the log or the JSON.
! grep -qiE '[0-9a-f]{32}|encryption_key|integrity_key' "$NETNS_TMP/lab.log" "$NETNS_TMP/lab.json" ||
  fail "key material printed"
ip netns list | awk '/^dsmip-lab-/ { print $1 }' | sort >"$NETNS_TMP/after"
left=$(comm -13 "$NETNS_TMP/before" "$NETNS_TMP/after")
[ -z "$left" ] || fail "namespaces left behind: $left"
log "PASS"
