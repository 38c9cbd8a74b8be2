#!/usr/bin/env bash
# Installs the Debian 12 packages vector_db needs to build, test, demo and
# benchmark. Runs apt-get only when something is missing, so repeated
# `make test` / `make demo` calls cost nothing.
set -euo pipefail

packages=(
  build-essential cmake git
  postgresql-15 postgresql-server-dev-15 postgresql-contrib
  postgresql-15-periods postgresql-15-wal2json
  debhelper postgresql-server-dev-all dpkg-dev
  libfaiss-dev libopenblas-dev libopenblas0-openmp
  googletest libgtest-dev libbenchmark-dev
  qemu-user
  clang-tools-14
  clang libclang-rt-14-dev
  libipc-run-perl
  dataset-fashion-mnist
  python3 python3-psycopg2 python3-numpy python3-hnswlib python3-faiss python3-matplotlib
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root or install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
