#!/usr/bin/env bash
# The main job: installs what dsmip needs, builds it (release), and runs `dsmip lab`: network
# namespaces with the real daemons, a mobile node walking through native IPv6, public IPv4 and
# NATed networks, each handover measured, and the comparison of the mechanisms. Extra
# arguments go to `dsmip lab` (e.g. --report lab.svg, --scenario NAME, --keep, --json).
# Needs root (namespaces, TUN devices, nftables); the lab removes everything it made when it
# ends, also on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build build/release -j "${DSMIP_JOBS:-2}" --target dsmip
exec build/release/apps/dsmip/dsmip lab "$@"
