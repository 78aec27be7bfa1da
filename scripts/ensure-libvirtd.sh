#!/usr/bin/env bash
# scripts/ensure-libvirtd.sh - makes sure a libvirt daemon answers on qemu:///system (root) and
# starts virtlogd + libvirtd by hand where there is no systemd. Exits non-zero if none comes up.
set -euo pipefail
uri=qemu:///system
[ "$(id -u)" -eq 0 ] || uri=qemu:///session
if timeout 10 virsh -c "$uri" version >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "no libvirt daemon answers on $uri" >&2
    exit 1
fi
pgrep -x virtlogd >/dev/null || virtlogd -d
pgrep -x libvirtd >/dev/null || libvirtd -d
for _ in $(seq 1 60); do
    if [ -S /var/run/libvirt/libvirt-sock ] && timeout 5 virsh -c "$uri" version >/dev/null 2>&1; then
        exit 0
    fi
    sleep 0.5
done
echo "libvirtd did not come up on $uri" >&2
exit 1
