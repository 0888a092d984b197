#!/usr/bin/env bash
# Runs every test of dsmip on a fresh Debian 12 machine (as root for the namespace tests):
#   1. installs what the build and the tests need (scripts/install-deps.sh),
#   2. builds once, with clang, warnings as errors, AddressSanitizer + UndefinedBehaviorSanitizer
#      and libFuzzer's coverage instrumentation (preset ci-sanitize),
#   3. runs every test on that build (unit, simulation, oracle, namespace with the sanitized
#      daemons, lint, fuzz-corpus replay),
#   4. runs every libFuzzer target of the same build for a short bounded time.
# One build instead of three (gcc dev, gcc ASan, clang fuzz) keeps CI short on two cores; the
# gcc `dev` preset stays what developers build with.
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

step "build: ci-sanitize (clang, ASan + UBSan, warnings as errors, libFuzzer targets)"
cmake --preset ci-sanitize >/dev/null
cmake --build build/ci-sanitize -j "$jobs"

# Every test runs on the sanitized build: unit, simulation, oracle, namespace (the daemons
# under test are sanitized too), lint, fuzz-corpus replay. Any sanitizer report aborts the
# process, which fails its test.
step "test: all tests under ASan + UBSan"
log=$(mktemp)
set +e
(cd build/ci-sanitize && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
   ctest -j "$jobs" --output-on-failure --timeout 600) 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
check_skips "$log" || rc=1
summary+=("all tests (ASan + UBSan): $(grep -E 'tests passed' "$log" | tail -1)")
[ "$rc" -eq 0 ] || { echo "run-tests: FAILED" >&2; exit 1; }

# Two targets at a time (one per core), each for the same bounded time.
step "fuzz: every target for ${fuzz_seconds}s"
fuzz_one() {  # $1 = target binary; prints one line, returns non-zero on a finding
  local target=$1 name work artifacts runs
  name=$(basename "$target"); name=${name#fuzz_}
  work=$(mktemp -d)
  cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
  artifacts=$(mktemp -d)
  if "$target" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$artifacts/" -print_final_stats=1 "$work" >"$artifacts/log" 2>&1; then
    runs=$(grep -E 'stat::number_of_executed_units' "$artifacts/log" | awk '{print $2}')
    echo "fuzz $name: ok, ${runs:-?} executions in ${fuzz_seconds}s"
    rm -rf "$work" "$artifacts"
  else
    echo "fuzz $name: FAILED (artifacts in $artifacts)"
    tail -40 "$artifacts/log" >&2
    rm -rf "$work"
    return 1
  fi
}
fuzz_log=$(mktemp -d)
targets=()
for target in build/ci-sanitize/tests/fuzz/fuzz_*; do
  # fuzz_replay_* are the corpus replays the tests above ran, not fuzzers.
  [[ -x "$target" && "$(basename "$target")" != fuzz_replay_* ]] && targets+=("$target")
done
[ "${#targets[@]}" -gt 0 ] || { echo "run-tests: no fuzz targets" >&2; exit 1; }
fuzz_fail=0
for ((i = 0; i < ${#targets[@]}; i += jobs)); do
  pids=()
  for ((j = i; j < i + jobs && j < ${#targets[@]}; j++)); do
    fuzz_one "${targets[$j]}" >"$fuzz_log/$j" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || fuzz_fail=1; done
done
for ((j = 0; j < ${#targets[@]}; j++)); do
  cat "$fuzz_log/$j"
  summary+=("$(cat "$fuzz_log/$j")")
done
[ "$fuzz_fail" -eq 0 ] || { echo "run-tests: a fuzz target failed" >&2; exit 1; }

step "summary"
printf '%s\n' "${summary[@]}"
echo "run-tests: all passed in $(( $(date +%s) - start ))s"
