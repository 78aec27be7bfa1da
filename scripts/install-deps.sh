#!/usr/bin/env bash
# scripts/install-deps.sh - installs what vmlab-virt needs to build, run and test on Debian 12.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
BUILD_PKGS="meson ninja-build pkg-config gcc libvirt-dev libxml2-dev libxslt1-dev libjson-c-dev libssh2-1-dev libglib2.0-dev"
RUN_PKGS="libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils mtools dosfstools busybox-static cpio
  openssh-server openssh-client curl lftp xsltproc dropbear-bin clang-format iproute2
  skopeo docker-registry apache2-utils cppcheck clang libclang-rt-14-dev python3-jsonschema python3-yaml
  graphviz tcpdump chromium ansible-core"
missing=""
for p in $BUILD_PKGS $RUN_PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q -o Dpkg::Options::=--force-confnew -o Dpkg::Options::=--force-confdef $missing
fi
