#!/usr/bin/env bash
# clang-format on every C++ file of the tree (STYLE.md §8). Exits 1 and lists files that differ.
set -u
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
  echo "check-format: clang-format is not installed" >&2
  exit 1
fi
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cpp' '*.hpp' 2>/dev/null)
bad=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then bad+=("$f"); fi
done
if [ ${#bad[@]} -gt 0 ]; then
  printf 'check-format: not clang-formatted: %s\n' "${bad[@]}" >&2
  echo "check-format: run scripts/format.sh" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted"
