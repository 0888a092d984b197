#!/usr/bin/env bash
# Installs the Debian 12 packages that building, testing and running dsmip need.
# Idempotent: packages already present are skipped; safe to run on every CI start.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config clang clang-format libclang-rt-14-dev
  # libraries
  libgtest-dev libgmock-dev libbenchmark-dev libssl-dev libpcap-dev libcli11-dev
  libtomlplusplus-dev libfmt-dev nlohmann-json3-dev libmnl-dev libnftables-dev
  # oracles and network test tools (python3-cryptography: scapy's IPsec needs it; it is only a
  # Recommends of python3-scapy, which --no-install-recommends would skip)
  tshark python3 python3-scapy python3-cryptography nftables conntrack iproute2 iputils-ping
  iperf3 procps psmisc
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or: sudo $0) to install them" >&2
  exit 2
fi

export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
echo "install-deps: installing ${missing[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
