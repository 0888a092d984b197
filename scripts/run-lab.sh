#!/usr/bin/env bash
# The main job: installs what dsmip needs, builds it, and runs the demonstration.
# Until `dsmip lab` exists this decodes the capture shipped in examples/captures/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build build/release -j "${DSMIP_JOBS:-2}" --target dsmip
exec build/release/apps/dsmip/dsmip decode examples/captures/dsmip-suite.pcap "$@"
