#!/usr/bin/env bash
# Formats every C++ file git knows about (tracked or new) in place.
set -eu
cd "$(dirname "$0")/.."
git ls-files --cached --others --exclude-standard -- '*.cpp' '*.hpp' | xargs -r clang-format -i
