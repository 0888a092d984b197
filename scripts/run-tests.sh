#!/usr/bin/env bash
# Runs every test of dsmip on a fresh Debian 12 machine (as root for the namespace tests):
#   1. installs what the build and the tests need (scripts/install-deps.sh),
#   2. builds with warnings as errors and runs all tests (unit, simulation, oracle, namespace,
#      lint, fuzz-corpus replay),
#   3. rebuilds with AddressSanitizer + UndefinedBehaviorSanitizer and runs the unit tests again,
#   4. builds every libFuzzer target with clang and runs each for a short bounded time.
# As root, a skipped test is a failure: CI must never count a skip as a pass.
# Environment: DSMIP_FUZZ_SECONDS (default 15 per target), DSMIP_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir=$(pwd)
jobs=${DSMIP_JOBS:-2}
fuzz_seconds=${DSMIP_FUZZ_SECONDS:-15}
start=$(date +%s)

step() { printf '\n=== %s (%ds)\n' "$*" $(( $(date +%s) - start )); }

step "dependencies"
bash scripts/install-deps.sh

if [ "$(id -u)" -eq 0 ]; then
  export DSMIP_NO_SKIP=1   # root: missing conditions fail instead of skipping
else
  echo "note: not root: namespace and TUN tests will be skipped (they say why)"
fi

summary=()
check_skips() {  # $1 = ctest log; fails when root and anything was skipped or not run
  local log=$1
  local skipped
  skipped=$(grep -E '\*\*\*Skipped|Not Run' "$log" || true)
  if [ -n "$skipped" ]; then
    echo "$skipped"
    if [ "$(id -u)" -eq 0 ]; then
      echo "run-tests: tests were skipped while running as root: that is a failure" >&2
      return 1
    fi
  fi
}

step "build: ci (Debug without debug info, warnings as errors)"
cmake --preset ci >/dev/null
cmake --build build/ci -j "$jobs"

step "test: all tests (dev build)"
log=$(mktemp)
set +e
(cd build/ci && ctest -j "$jobs" --output-on-failure --timeout 600) 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
check_skips "$log" || rc=1
summary+=("all tests: $(grep -E 'tests passed' "$log" | tail -1)")
[ "$rc" -eq 0 ] || { echo "run-tests: FAILED in the ci build" >&2; exit 1; }

step "build: asan (ASan + UBSan)"
cmake --preset ci-asan >/dev/null
cmake --build build/ci-asan -j "$jobs" --target unit_tests

step "test: unit tests under ASan + UBSan"
set +e
(cd build/ci-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
   ctest -j "$jobs" -L unit -LE lint --output-on-failure --timeout 600) 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
check_skips "$log" || rc=1
summary+=("asan: $(grep -E 'tests passed' "$log" | tail -1)")
[ "$rc" -eq 0 ] || { echo "run-tests: FAILED under sanitizers" >&2; exit 1; }

step "build: fuzz (clang, libFuzzer + ASan + UBSan)"
cmake --preset fuzz >/dev/null
cmake --build build/fuzz -j "$jobs"

step "fuzz: every target for ${fuzz_seconds}s"
fuzz_fail=0
for target in build/fuzz/tests/fuzz/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target"); name=${name#fuzz_}
  work=$(mktemp -d)
  cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
  artifacts=$(mktemp -d)
  if "$target" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$artifacts/" -print_final_stats=1 "$work" >"$artifacts/log" 2>&1; then
    runs=$(grep -E 'stat::number_of_executed_units' "$artifacts/log" | awk '{print $2}')
    echo "fuzz $name: ok, ${runs:-?} executions"
    summary+=("fuzz $name: ok, ${runs:-?} executions in ${fuzz_seconds}s")
  else
    echo "fuzz $name: FAILED" >&2
    tail -40 "$artifacts/log" >&2
    ls "$artifacts" >&2
    fuzz_fail=1
    summary+=("fuzz $name: FAILED")
  fi
  rm -rf "$work"
done
[ "$fuzz_fail" -eq 0 ] || { echo "run-tests: a fuzz target failed" >&2; exit 1; }

step "summary"
printf '%s\n' "${summary[@]}"
echo "run-tests: all passed in $(( $(date +%s) - start ))s"
