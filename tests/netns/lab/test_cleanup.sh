#!/usr/bin/env bash
# Whatever ends `dsmip lab`, nothing it made is left: Ctrl-C (SIGINT) in the middle of a walk
# exits 130, SIGTERM while the daemons start exits 130, a failure at any stage exits 1, and each
# time every namespace (dsmip-lab-<pid>-*), daemon and run directory is gone. --keep leaves the
# topology and the daemons up and says how to explore it (the DSMIPv6-over-m6t scenario: its
# generated configurations are readable by root only, hold ESP keys that the lab never prints,
# and the ESP sequence numbers are kept in the run directory); --cleanup removes it. Without root:
# exit 2 and a clear message; an unknown scenario or a bad flag: exit 2.
source "$(dirname "$0")/../lib.sh"
require_root
require_tool ip nft setpriv
require_dsmip

# leftovers PID: what a lab with that pid left (namespaces, processes, run directories).
leftovers() {
  local pid=$1
  ip netns list | grep "^dsmip-lab-$pid-" || true
  pgrep -af -- "/tmp/dsmip-lab-$pid-" || true
  ls -d /tmp/dsmip-lab-"$pid"-* 2>/dev/null || true
}
assert_clean() {
  local left
  left=$(leftovers "$1")
  [ -z "$left" ] || fail "$2: left behind: $left"
}

# --- refusals: exit 2 --------------------------------------------------------------------
rc=0
err=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$DSMIP" lab 2>&1) || rc=$?
[ $rc = 2 ] || fail "without root: exit $rc, expected 2"
grep -q "needs root" <<<"$err" || fail "without root: message '$err'"
rc=0
err=$("$DSMIP" lab --scenario nonesuch 2>&1) || rc=$?
[ $rc = 2 ] || fail "unknown scenario: exit $rc, expected 2"
grep -q "unknown scenario 'nonesuch'" <<<"$err" || fail "unknown scenario: message '$err'"
rc=0
"$DSMIP" lab --dwell 0s >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "bad --dwell: exit $rc, expected 2"
"$DSMIP" lab --list | grep -q "^m6t$" || fail "--list does not name the m6t scenario"

# --- Ctrl-C in the middle of the walk ----------------------------------------------------
"$DSMIP" lab --plain --dwell 20s --idle 0s >"$NETNS_TMP/int.log" 2>&1 &
pid=$!
NETNS_PIDS+=("$pid")
wait_until 30 grep -q "MN attaches" "$NETNS_TMP/int.log" || fail "the lab did not start walking"
wait_until 10 grep -q "carried by" "$NETNS_TMP/int.log" || fail "the m6t scenario did not attach"
[ -n "$(ip netns list | grep "^dsmip-lab-$pid-")" ] || fail "no lab namespaces while running"
pgrep -f -- "/tmp/dsmip-lab-$pid-" >/dev/null || fail "no daemons while running"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ $rc = 130 ] || fail "SIGINT: exit $rc, expected 130"
grep -q "interrupted (SIGINT)" "$NETNS_TMP/int.log" || fail "SIGINT: not reported"
assert_clean "$pid" "SIGINT"

# --- SIGTERM while the daemons start -----------------------------------------------------
"$DSMIP" lab --plain >"$NETNS_TMP/term.log" 2>&1 &
pid=$!
NETNS_PIDS+=("$pid")
wait_until 30 grep -q "started dsmip m6t-client" "$NETNS_TMP/term.log" || fail "no daemon started"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[ $rc = 130 ] || fail "SIGTERM: exit $rc, expected 130"
assert_clean "$pid" "SIGTERM"

# --- SIGKILL: nothing can clean up; the daemons die with the lab, --cleanup removes the rest ---
"$DSMIP" lab --plain --dwell 20s --idle 0s >"$NETNS_TMP/kill.log" 2>&1 &
pid=$!
NETNS_PIDS+=("$pid")
wait_until 30 grep -q "carried by" "$NETNS_TMP/kill.log" || fail "SIGKILL: the lab did not attach"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
no_daemons() { ! pgrep -f -- "/tmp/dsmip-lab-$1-" >/dev/null; }
wait_until 10 no_daemons "$pid" ||
  fail "SIGKILL: the daemons outlived the lab"
[ -n "$(ip netns list | grep "^dsmip-lab-$pid-")" ] || fail "SIGKILL: expected namespaces left"
"$DSMIP" lab --cleanup >"$NETNS_TMP/cleanup-kill.log" 2>&1 || fail "--cleanup after SIGKILL failed"
grep -q "removing 9 namespaces of lab $pid" "$NETNS_TMP/cleanup-kill.log" ||
  fail "--cleanup did not say what it removed: $(cat "$NETNS_TMP/cleanup-kill.log")"
assert_clean "$pid" "SIGKILL and --cleanup"

# --- a failure at each stage -------------------------------------------------------------
for stage in topology daemons walk; do
  "$DSMIP" lab --plain --dwell 2s --idle 0s --fail-at "$stage" >"$NETNS_TMP/fail-$stage.log" 2>&1 &
  pid=$!
  NETNS_PIDS+=("$pid")
  rc=0
  wait "$pid" || rc=$?
  [ $rc = 1 ] || fail "failure at $stage: exit $rc, expected 1"
  grep -q "failing on purpose at '$stage'" "$NETNS_TMP/fail-$stage.log" ||
    fail "failure at $stage: not reported"
  assert_clean "$pid" "failure at $stage"
done

# --- --keep, then --cleanup ----------------------------------------------------------------
rc=0
"$DSMIP" lab --plain --keep --scenario dsmip6-m6t --dwell 3s --idle 0s >"$NETNS_TMP/keep.log" 2>&1 &
pid=$!
wait "$pid" || rc=$?
# Removed by the EXIT trap if a check below fails.
while read -r ns _; do NETNS_NAMESPACES+=("$ns"); done < <(ip netns list | grep "^dsmip-lab-$pid-")
[ $rc = 0 ] || fail "--keep: exit $rc"
grep -q "ip netns exec dsmip-lab-$pid-mn" "$NETNS_TMP/keep.log" || fail "--keep: no commands printed"
[ -n "$(ip netns list | grep "^dsmip-lab-$pid-mn")" ] || fail "--keep: the topology is gone"
pgrep -f -- "/tmp/dsmip-lab-$pid-.*m6t-client" >/dev/null || fail "--keep: the daemons are gone"
# The kept lab answers: the m6t gateway's control socket shows the MN's state.
control=$(ls -d /tmp/dsmip-lab-"$pid"-*)/m6t-gateway.sock
ip netns exec "dsmip-lab-$pid-gw" "$DSMIP" show --control "$control" >/dev/null ||
  fail "--keep: the gateway does not answer"
run_dir=$(ls -d /tmp/dsmip-lab-"$pid"-*)
[ "$(stat -c %a "$run_dir")" = 700 ] || fail "--keep: run directory mode $(stat -c %a "$run_dir")"
for role in ha mn m6t-client m6t-gateway; do
  [ "$(stat -c %a "$run_dir/$role.toml")" = 600 ] ||
    fail "--keep: $role.toml mode $(stat -c %a "$run_dir/$role.toml"), expected 600"
done
grep -q "$run_dir/mn.toml" "$NETNS_TMP/keep.log" || fail "--keep: the configuration files are not named"
# The keys are in the files, never in what the lab printed.
keys=$(sed -n 's/^\(encryption\|integrity\)_key = "0x\([0-9a-f]*\)"$/\2/p' "$run_dir/ha.toml")
[ "$(wc -l <<<"$keys")" = 8 ] || fail "--keep: expected 8 keys in ha.toml, found: $(wc -l <<<"$keys")"
while read -r key; do
  ! grep -qi "$key" "$NETNS_TMP/keep.log" || fail "--keep: a key was printed"
  ! grep -qi "$key" "$run_dir"/*.log || fail "--keep: a key was logged by a daemon"
done <<<"$keys"
ls "$run_dir/dsmip6-m6t-esp/mn-sa-00001001.seq" >/dev/null || fail "--keep: no ESP sequence state in the run directory"
"$DSMIP" lab --cleanup >"$NETNS_TMP/cleanup.log" 2>&1 || fail "--cleanup failed"
wait_until 5 test -z "$(leftovers "$pid")" || fail "--cleanup: left behind: $(leftovers "$pid")"
log "PASS"
