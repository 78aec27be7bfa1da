#!/usr/bin/env bash
# scripts/quickstart.sh - fresh Debian 12 to a running example lab: packages, build, tiny guest
# image, a reachable libvirtd, then `vmlab-virt up specs/example`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -d build ] || meson setup build
meson compile -C build
scripts/build-tiny-guest.sh
scripts/ensure-libvirtd.sh
./build/vmlab-virt up specs/example "$@"
echo
echo "Try: ./build/vmlab-virt status specs/example"
echo "     ./build/vmlab-virt exec --all -- ip -br addr"
echo "     ./build/vmlab-virt console r1     (Ctrl-] leaves)"
echo "     ./build/vmlab-virt down specs/example"
