#!/usr/bin/env bash
# What README.md promises: its two commands are the ones CI and the main job run (.ci/run runs
# the test command; scripts/run-lab.sh installs, builds and runs `dsmip lab`), and what
# `cmake --install` installs — the binary, a manual page per subcommand that man(1) renders
# without warnings, systemd units that systemd-analyze accepts and that start the daemon after
# `dsmip check`, the example configurations (each valid by `dsmip check`) and the docs. The lab
# command itself runs from a fresh clone of the repository.
source "$(dirname "$0")/../lib.sh"
require_root
require_tool git man systemd-analyze ip nft
require_dsmip
repo=$(cd "$(dirname "$0")/../../.." && pwd)
build=$(cd "$(dirname "$DSMIP")/../.." && pwd)

# --- the README's commands ---------------------------------------------------------------
grep -q '^sudo scripts/run-lab.sh$' "$repo/README.md" || fail "README: no main-job command"
grep -q '^sudo scripts/run-tests.sh$' "$repo/README.md" || fail "README: no test command"
grep -q '^exec bash scripts/run-tests.sh$' "$repo/.ci/run" || fail ".ci/run does not run the README's test command"
grep -q '^bash scripts/install-deps.sh$' "$repo/scripts/run-lab.sh" || fail "run-lab.sh does not install the dependencies"
grep -q '^exec build/release/apps/dsmip/dsmip lab "\$@"$' "$repo/scripts/run-lab.sh" ||
  fail "run-lab.sh does not run dsmip lab"

# --- cmake --install ---------------------------------------------------------------------
prefix="$NETNS_TMP/prefix"
cmake --install "$build" --prefix "$prefix" >"$NETNS_TMP/install.log" 2>&1 || fail "cmake --install"
[ -x "$prefix/bin/dsmip" ] || fail "no bin/dsmip"
for sub in $("$DSMIP" --help | awk '/^SUBCOMMANDS:/ { on = 1; next } on && NF { print $1 }'); do
  page="$prefix/share/man/man1/dsmip-$sub.1"
  [ -f "$page" ] || fail "no manual page for $sub"
  warnings=$(MANWIDTH=100 man -l --warnings "$page" 2>&1 >/dev/null)
  [ -z "$warnings" ] || fail "man $sub: $warnings"
done
[ -f "$prefix/share/man/man1/dsmip.1" ] || fail "no dsmip.1"
# Every key of a daemon is documented with its default in its page.
MANWIDTH=200 man -l "$prefix/share/man/man1/dsmip-m6t-client.1" >"$NETNS_TMP/client.txt" 2>/dev/null
grep -q "CONFIGURATION FILE" "$NETNS_TMP/client.txt" || fail "m6t-client page: no configuration section"
grep -Eq "keepalive = DUR" "$NETNS_TMP/client.txt" || fail "m6t-client page: no keepalive key"
grep -q "(default: 30s)" "$NETNS_TMP/client.txt" || fail "m6t-client page: no default of keepalive"
for unit in "$prefix"/lib/systemd/system/dsmip-*.service; do
  daemon=$(basename "$unit" .service)
  daemon=${daemon#dsmip-}
  grep -q "^ExecStartPre=.*/dsmip check --daemon $daemon --config /etc/dsmip/$daemon.toml$" "$unit" ||
    fail "$unit: no dsmip check before the start"
  grep -q '^ExecReload=/bin/kill -HUP $MAINPID$' "$unit" || fail "$unit: no reload by SIGHUP"
  sed "s|/usr/local/bin/dsmip|$prefix/bin/dsmip|g" "$unit" >"$NETNS_TMP/$(basename "$unit")"
  out=$(systemd-analyze verify --man=no "$NETNS_TMP/$(basename "$unit")" 2>&1) || fail "$unit: $out"
  [ -z "$out" ] || fail "systemd-analyze $unit: $out"
done
# A unit for every daemon.
for daemon in m6t-gateway m6t-client ha mn mip4-ha mip4-mn; do
  [ -f "$prefix/lib/systemd/system/dsmip-$daemon.service" ] || fail "no unit for $daemon"
done
# The home agent's page documents its [[mobile_node]] tables.
MANWIDTH=200 man -l "$prefix/share/man/man1/dsmip-ha.1" >"$NETNS_TMP/ha.txt" 2>/dev/null
grep -q '\[\[mobile_node\]\]' "$NETNS_TMP/ha.txt" || fail "ha page: no [[mobile_node]] section"
grep -q 'dynamic_ipv4 = BOOL' "$NETNS_TMP/ha.txt" || fail "ha page: no [[mobile_node]] keys"
# Every example is valid, checked from elsewhere (relative key files are taken from the
# configuration's directory), and for the daemon it is meant for.
for example in $(find "$prefix/share/doc/dsmip/examples" -name '*.toml'); do
  out=$(cd / && "$prefix/bin/dsmip" check --config "$example" 2>&1) || fail "dsmip check $example: $out"
  case "$example" in
  */dsmip6/*) want="dsmip (ha|mn)$" ;;
  */dsmip4/*) want="dsmip mip4-(ha|mn)$" ;;
  *) want="dsmip m6t-(gateway|client)$" ;;
  esac
  echo "$out" | grep -Eq "valid configuration of $want" || fail "dsmip check $example: $out"
done
out=$(cd "$repo" && "$prefix/bin/dsmip" check --config examples/dsmip4/ha.toml 2>&1) ||
  fail "dsmip check examples/dsmip4/ha.toml from the repository: $out"
for doc in overview.md deployment.md troubleshooting.md lab.md m6t.md dsmip6.md dsmip4.md; do
  [ -f "$prefix/share/doc/dsmip/$doc" ] || fail "docs: no $doc installed"
done

# --- the lab from a fresh clone ------------------------------------------------------------
git clone -q "$repo" "$NETNS_TMP/clone" || fail "git clone"
[ -x "$NETNS_TMP/clone/scripts/run-lab.sh" ] || fail "run-lab.sh is not executable in a clone"
rc=0
(cd "$NETNS_TMP/clone" && timeout 90 "$DSMIP" lab --plain --scenario m6t --dwell 2s --idle 0s \
  --report lab.svg >"$NETNS_TMP/clone-lab.log" 2>&1) || rc=$?
[ $rc = 0 ] || fail "dsmip lab in the clone exited $rc"
[ -s "$NETNS_TMP/clone/lab.svg" ] || fail "no timeline written in the clone"
log "PASS"
