#!/usr/bin/env bash
# Shared helpers of the namespace tests (sourced by every scenario script).
#
#  * Names are suffixed with the shell's PID, so runs never collide.
#  * Everything created is recorded and removed by the EXIT trap, on success and on failure:
#    processes (TERM, then KILL), network namespaces, temporary files.
#  * wait_until polls a condition with a deadline; nothing sleeps for correctness.
#  * Exit codes: 0 pass, 1 fail, 77 skip (not root, tool missing) — under DSMIP_NO_SKIP=1 a
#    missing condition fails instead of skipping.
set -euo pipefail

NETNS_PIDS=()
NETNS_NAMESPACES=()
NETNS_TMP=$(mktemp -d "/tmp/dsmip-netns-$$-XXXXXX")
PYTHON=${PYTHON:-/usr/bin/python3}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S.%3N)" "$*" >&2; }
fail() {
  log "FAIL: $*"
  exit 1
}
skip() {
  if [ "${DSMIP_NO_SKIP:-0}" = 1 ]; then
    log "FAIL (skips forbidden): $*"
    exit 1
  fi
  log "SKIP: $*"
  exit 77
}
require_root() { [ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, TUN devices)"; }
require_tool() {
  local tool
  for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"; done
}
# The dsmip binary under test: $DSMIP (set by CTest), else the dev build.
require_dsmip() {
  DSMIP=${DSMIP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/dev/apps/dsmip/dsmip}
  [ -x "$DSMIP" ] || fail "dsmip binary not found at $DSMIP (build it, or set DSMIP)"
}

cleanup() {
  local rc=$?
  set +e
  local pid
  for pid in "${NETNS_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${NETNS_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  local ns
  for ns in "${NETNS_NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
  if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
    local f
    for f in "$NETNS_TMP"/*.log; do
      [ -f "$f" ] || continue
      echo "----- $(basename "$f") (last 40 lines)" >&2
      tail -40 "$f" >&2
    done
  fi
  rm -rf "$NETNS_TMP"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ns_name BASE: the PID-suffixed name of a namespace.
ns_name() { printf '%s-%s' "$1" "$$"; }

# ns_add NAME: creates a namespace (loopback up) and records it for removal. Duplicate address
# detection is off for its interfaces: a fresh veth's tentative link-local address would delay
# neighbour discovery by a second.
ns_add() {
  ip netns add "$1"
  NETNS_NAMESPACES+=("$1")
  ip -n "$1" link set lo up
  ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}

# in_ns NS CMD...: runs a command inside a namespace.
in_ns() {
  local ns=$1
  shift
  ip netns exec "$ns" "$@"
}

# veth NS_A IF_A NS_B IF_B: a veth pair between two namespaces, both ends up.
veth() {
  ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
  ip -n "$1" link set "$2" up
  ip -n "$3" link set "$4" up
}

# start NS LOGNAME CMD...: starts a process in a namespace in the background, output in
# $NETNS_TMP/LOGNAME.log; records its PID (in $LAST_PID) for cleanup.
start() {
  local ns=$1 name=$2
  shift 2
  ip netns exec "$ns" "$@" >"$NETNS_TMP/$name.log" 2>&1 &
  LAST_PID=$!
  NETNS_PIDS+=("$LAST_PID")
}

# stop_pid PID [SIGNAL]: signals a started process and waits for it (at most 5 s); its exit
# status is left in $STOPPED_STATUS.
stop_pid() {
  local pid=$1 signal=${2:-TERM}
  kill "-$signal" "$pid" 2>/dev/null || true
  STOPPED_STATUS=0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$pid" 2>/dev/null && fail "process $pid did not stop within 5 s of SIG$signal"
  wait "$pid" || STOPPED_STATUS=$?
}

# wait_until TIMEOUT_SECONDS CMD...: polls CMD every 50 ms until it succeeds; fails after the
# deadline. Prints how long it took in $WAITED (seconds, 3 decimals).
wait_until() {
  local timeout=$1
  shift
  local start now deadline
  start=$(date +%s%N)
  deadline=$((start + $(awk -v t="$timeout" 'BEGIN { printf "%.0f", t * 1000000000 }')))
  while true; do
    if "$@" >/dev/null 2>&1; then
      now=$(date +%s%N)
      WAITED=$(awk -v a="$start" -v b="$now" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
      return 0
    fi
    now=$(date +%s%N)
    [ "$now" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

# elapsed_since START_NS: seconds since a `date +%s%N` value.
elapsed_since() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
# less_than A B: true if the number A < B.
less_than() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

# show_json NS CONTROL: `dsmip show --json` of the daemon behind a control socket.
show_json() { in_ns "$1" "$DSMIP" show --control "$2" --json; }

# json_get JSON JQ-FILTER: one value (raw).
json_get() { jq -r "$2" <<<"$1"; }

# capture_has FILE FILTER [DECODE-AS]: the (growing) capture file holds a packet matching FILTER.
# Capture writes lag the wire: wait for the last expected packet before stopping a capture.
capture_has() {
  local args=(-r "$1" -Y "$2")
  [ -n "${3:-}" ] && args+=(-d "$3")
  tshark "${args[@]}" 2>/dev/null | grep -q .
}

# tshark_clean FILE [DECODE-AS]: no malformed packet and no expert error in a capture.
tshark_clean() {
  local file=$1 decode=${2:-}
  local args=(-r "$file")
  [ -n "$decode" ] && args+=(-d "$decode")
  local bad
  bad=$(tshark "${args[@]}" -Y '_ws.malformed || _ws.expert.severity == "Error"' 2>/dev/null | wc -l)
  [ "$bad" -eq 0 ] || {
    tshark "${args[@]}" -Y '_ws.malformed || _ws.expert.severity == "Error"' -V 2>/dev/null | head -60 >&2
    fail "$bad malformed or expert-error packets in $file"
  }
}
