#!/usr/bin/env bash
# Installs every build, test and run-time dependency of faultline from Debian packages.
# Idempotent: re-running it only installs what is missing. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev
  libtomlplusplus-dev libsqlite3-dev sqlite3 libssh2-1-dev libssl-dev libhiredis-dev
  zlib1g-dev binutils
  libboost1.81-dev libboost-system1.81-dev libboost-filesystem1.81-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 time
  chromium fonts-dejavu-core libxml2-utils
  openssh-server openssh-client iproute2 iptables procps util-linux sudo passwd
  redis-tools redis-server etcd-server wrk
  faketime libfaketime
  libfuse3-dev fuse3
  libgoogle-perftools-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
