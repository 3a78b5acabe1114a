#!/usr/bin/env bash
# Installs the Debian 12 packages xgrad needs, only those that are missing (run as root).
set -euo pipefail
packages=(g++ cmake make pkg-config ccache
          libxtensor-dev xtl-dev libxsimd-dev libxtensor-blas-dev libopenblas-dev libeigen3-dev
          doctest-dev libgtest-dev libcli11-dev nlohmann-json3-dev zlib1g-dev libbenchmark-dev
          clang-14 libclang-rt-14-dev clang-format-14   # clang: sanitizer, fuzzing and format stages
          libopenmpi-dev openmpi-bin                     # distributed/: data-parallel training over MPI
          librsvg2-bin graphviz)  # the tests render gradcheck's SVG reports and to_dot's graphs
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
