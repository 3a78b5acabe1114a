#!/usr/bin/env bash
# The README's first command: installs what is missing (Debian 12, as root), builds the xgrad
# program and runs `xgrad demo` from the repository root; the demo writes its plots, curves and
# model into out/. Extra arguments go to the demo (e.g. --budget 10).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j"$(nproc)" --target xgrad_cli
build/release/cli/xgrad demo "$@"
