#!/usr/bin/env bash
# End-to-end smoke test of the tiny guest in SR OS layouts: 10.0.2.2 management, raw cf3 disk, qcow2 overlay, fabric.
#
# Usage: tests/e2e/tiny-guest-sros-smoke.sh    (as root, for qemu:///system; VMLAB_SMOKE_URI to change)
# Two guests stand in for a distributed SR OS router:
#   cpm: management NIC through the QEMU pass-through "-netdev user,net=10.0.2.0/24,host=10.0.2.1,hostfwd=..."
#        (guest 10.0.2.2/24, gateway 10.0.2.1), a raw FAT disk (cache none, empty <backingStore/>) holding a
#        bof.cfg, booted with vmlab.cf3=1 vmlab.ftpboot=1;
#   iom: the same management layout (gateway from the default for a 10.0.2.2 guest), a qcow2 overlay disk on
#        the image's disk.qcow2 (<backingStore type='file'>).
# Both share a fabric segment as libvirt <interface type='mcast'> and a second one as a pass-through
# "-netdev socket,mcast=...,localaddr=127.0.0.1". Checks: ready lines, bof.cfg printed on the console, SSH on the
# forwarded port, eth0 = 10.0.2.2/24 via 10.0.2.1, the FTP boot (image fetched from an FTP server on the host's
# 127.0.0.1 through 10.0.2.1, sha256 printed, config uploaded), pings both ways on both fabric segments.
# libvirt's mcast interface has no local address: without a route QEMU would send the fabric's multicast out of
# the host's default-route NIC, so this test routes its (random, 239.255/16) group to lo for the run, as root,
# and skips that segment if it cannot (or when VMLAB_SMOKE_NO_MCAST_ROUTE is set). The FTP check needs
# /usr/bin/python3 with pyftpdlib (python3-pyftpdlib, installed with apt-get when missing and root) and is
# skipped without it.
# Prints "N passed, N failed" (and skips); exit 0 when nothing failed. VMLAB_SMOKE_KEEP=1 keeps a failed run's
# files, VMLAB_SMOKE_KEEP=always every run's.
# shellcheck disable=SC2016 # single-quoted commands run in the guest
set -euo pipefail

# shellcheck source=tests/e2e/tiny-guest-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/tiny-guest-lib.sh"

skip() { echo "skip - $*"; }

tg_init vmlab-sros-smoke
tg_log "tiny-guest SR OS layout smoke test on $TG_URI, temp folder $TG_TMP"
tg_require || { tg_summary; exit 1; }
tg_ensure_libvirt || { tg_summary; exit 1; }
tg_build_image || { tg_summary; exit 1; }

C=vmlab-sros-smoke-cpm-$$
D=vmlab-sros-smoke-iom-$$
ssh_c=$(tg_free_port tcp)
ssh_d=$(tg_free_port tcp)
con_c=$(tg_free_port tcp)
con_d=$(tg_free_port tcp)
ftp_port=$(tg_free_port tcp)
mc_port=$(tg_free_port udp)
mc2_port=$(tg_free_port udp)
mc_group=239.255.$((RANDOM % 256)).$((RANDOM % 254 + 1))
mc2_group=239.255.$((RANDOM % 256)).$((RANDOM % 254 + 1))
while [ "$mc2_group" = "$mc_group" ]; do mc2_group=239.255.$((RANDOM % 256)).$((RANDOM % 254 + 1)); done
tg_log "ports: ssh $ssh_c/$ssh_d, console $con_c/$con_d, ftp $ftp_port; fabric $mc_group:$mc_port," \
    "pass-through fabric $mc2_group:$mc2_port"

# ---- FTP server on 127.0.0.1 (reached by the guest as 10.0.2.1) ----------------------------------------------
ftp_ok=no
ftp_py=/usr/bin/python3
if ! "$ftp_py" -c 'import pyftpdlib' 2>/dev/null && [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-pyftpdlib >/dev/null 2>&1 || true
fi
mkdir -p "$TG_TMP/ftp/images" "$TG_TMP/ftp/cfgs"
head -c 1048576 /dev/urandom >"$TG_TMP/ftp/images/both.tim"
image_sum=$(sha256sum "$TG_TMP/ftp/images/both.tim" | cut -d' ' -f1)
if "$ftp_py" -c 'import pyftpdlib' 2>/dev/null; then
    "$ftp_py" -m pyftpdlib -i 127.0.0.1 -p "$ftp_port" -u sw -P sw123 -w -d "$TG_TMP/ftp" \
        >"$TG_TMP/ftp.log" 2>&1 &
    TG_PIDS+=($!)
    for _ in $(seq 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$ftp_port") 2>/dev/null && { ftp_ok=yes; break; }
        sleep 0.1
    done
    tg_check "FTP server (pyftpdlib) listening on 127.0.0.1:$ftp_port" test "$ftp_ok" = yes
else
    skip "FTP boot: no pyftpdlib for $ftp_py"
fi

# ---- fabric group routed to lo (libvirt's mcast interface cannot name a local address) ---------------------
mcast_ok=no
if [ "$(id -u)" = 0 ] && [ -z "${VMLAB_SMOKE_NO_MCAST_ROUTE:-}" ] && [ -z "$(ip route show "$mc_group/32" 2>/dev/null)" ] &&
    ip route add "$mc_group/32" dev lo 2>/dev/null; then
    TG_CLEANUP_CMDS+=("ip route del $mc_group/32 dev lo")
    ip route get "$mc_group" | grep -q ' dev lo ' && mcast_ok=yes
fi
tg_log "route for $mc_group: $(ip route get "$mc_group" 2>/dev/null | sed -n 1p)"

# ---- boot disks -------------------------------------------------------------------------------------------------
cp --sparse=always "$TG_TMP/img/disk.img" "$TG_TMP/cpm-cf3.img"
cat >"$TG_TMP/bof.cfg" <<BOF
primary-image    ftp://sw:sw123@10.0.2.1:$ftp_port/images/
primary-config   ftp://sw:sw123@10.0.2.1:$ftp_port/cfgs/$C.cfg
address          10.0.2.2/24 active
autonegotiate
duplex           full
speed            100
wait             3
persist          off
console-speed    115200
BOF
MTOOLS_SKIP_CHECK=1 mcopy -o -i "$TG_TMP/cpm-cf3.img" "$TG_TMP/bof.cfg" ::/bof.cfg
tg_check "bof.cfg written into the raw FAT image with mtools" \
    tg_quiet bash -c 'MTOOLS_SKIP_CHECK=1 mtype -i "$1" ::/bof.cfg | cmp -s - "$2"' _ "$TG_TMP/cpm-cf3.img" "$TG_TMP/bof.cfg"
qemu-img create -q -f qcow2 -F qcow2 -b "$TG_TMP/img/disk.qcow2" "$TG_TMP/iom-overlay.qcow2"

# ---- domains ------------------------------------------------------------------------------------------------------
# the guest address in hostfwd is required: it defaults to the DHCP start 10.0.2.15, not the guest's 10.0.2.2
mgmt_netdev() { echo "net=10.0.2.0/24,host=10.0.2.1,hostfwd=tcp:127.0.0.1:$1-10.0.2.2:22"; }
mcast_nic() { # mac slot
    cat <<XML
    <interface type='mcast'>
      <mac address='$1'/>
      <source address='$mc_group' port='$mc_port'/>
      <model type='virtio'/>
      $(tg_pci "$2")
    </interface>
XML
}
cpm_disk=$(
    cat <<XML
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' cache='none'/>
      <source file='$TG_TMP/cpm-cf3.img'/>
      <backingStore/>
      <target dev='hda' bus='virtio'/>
      $(tg_pci 0x05)
    </disk>
XML
)
iom_disk=$(
    cat <<XML
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='none'/>
      <source file='$TG_TMP/iom-overlay.qcow2'/>
      <backingStore type='file'>
        <format type='qcow2'/>
        <source file='$TG_TMP/img/disk.qcow2'/>
      </backingStore>
      <target dev='hda' bus='virtio'/>
      $(tg_pci 0x05)
    </disk>
XML
)
common="console=ttyS0 quiet vmlab.pass=$TG_PASS vmlab.mgmt=10.0.2.2/24"
ftpboot=
[ "$ftp_ok" = yes ] && ftpboot=" vmlab.ftpboot=1"
# NIC layout of both: eth0 mgmt (pass-through, 0x03), eth1 fabric (libvirt mcast, 0x04), disk (0x05),
# eth2 second fabric (pass-through mcast with localaddr=127.0.0.1, 0x06)
tg_domain_xml "$C" \
    "$common vmlab.gw=10.0.2.1 vmlab.name=cpm vmlab.cf3=1$ftpboot vmlab.ip=eth1:10.0.100.1/24,eth2:10.0.101.1/24" \
    "$(mgmt_netdev "$ssh_c")" "virtio-net-pci,netdev=vmlabmgmt0,mac=$(tg_mac 3 0),bus=pci.0,addr=0x3" \
    "$con_c" "$(mcast_nic "$(tg_mac 3 1)" 0x04)
$cpm_disk" \
    -netdev "socket,id=vmlabfab1,mcast=$mc2_group:$mc2_port,localaddr=127.0.0.1" \
    -device "virtio-net-pci,netdev=vmlabfab1,mac=$(tg_mac 3 2),bus=pci.0,addr=0x6" >"$TG_TMP/cpm.xml"
tg_domain_xml "$D" \
    "$common vmlab.name=iom vmlab.ip=eth1:10.0.100.2/24,eth2:10.0.101.2/24" \
    "$(mgmt_netdev "$ssh_d")" "virtio-net-pci,netdev=vmlabmgmt0,mac=$(tg_mac 4 0),bus=pci.0,addr=0x3" \
    "$con_d" "$(mcast_nic "$(tg_mac 4 1)" 0x04)
$iom_disk" \
    -netdev "socket,id=vmlabfab1,mcast=$mc2_group:$mc2_port,localaddr=127.0.0.1" \
    -device "virtio-net-pci,netdev=vmlabfab1,mac=$(tg_mac 4 2),bus=pci.0,addr=0x6" >"$TG_TMP/iom.xml"
if [ "$mcast_ok" != yes ]; then
    # never let the libvirt mcast NIC send out of a real NIC: drop it (eth1 then is the pass-through fabric)
    skip "libvirt <interface type='mcast'> segment: could not route $mc_group to lo (needs root)"
    for f in cpm iom; do
        sed -i "/<interface type='mcast'>/,/<\/interface>/d" "$TG_TMP/$f.xml"
    done
fi

tg_define "$C" "$TG_TMP/cpm.xml"
tg_define "$D" "$TG_TMP/iom.xml"
t_start=$(date +%s)
tg_start "$C" "$con_c"
tg_start "$D" "$con_d"
for g in "$C:cpm" "$D:iom"; do
    dom=${g%%:*}
    gname=${g#*:}
    if tg_wait_console "$dom" "^vmlab-guest ready $gname\$" "$TG_BOOT_TIMEOUT"; then
        tg_ok "$gname: ready line on the telnet console after $(($(date +%s) - t_start)) s"
    else
        tg_fail "$gname: no ready line within $TG_BOOT_TIMEOUT s"
        tg_dump_console "$dom"
    fi
done
sleep 1
tg_check "cpm: exactly one ready line" test "$(tg_console_count "$C" '^vmlab-guest ready')" = 1
tg_check "iom: exactly one ready line" test "$(tg_console_count "$D" '^vmlab-guest ready')" = 1

# ---- cf3 and bof.cfg ---------------------------------------------------------------------------------------------
tg_console_text "$C" | sed -n '/^vmlab: bof.cfg begin$/,/^vmlab: bof.cfg end$/p' | sed '1d;$d' \
    >"$TG_TMP/bof.console"
tg_check "cpm: mounted its raw disk as /cf3 (console says so)" \
    grep -q '^vmlab: cf3 mounted from /dev/vda' <(tg_console_text "$C")
tg_check "cpm: printed bof.cfg on the console, identical to the file written" cmp -s "$TG_TMP/bof.console" "$TG_TMP/bof.cfg"

# ---- FTP boot ------------------------------------------------------------------------------------------------------
if [ "$ftp_ok" = yes ]; then
    got=$(tg_console_text "$C" | sed -n 's/^vmlab: image sha256 //p' | sed -n 1p)
    tg_check "cpm: fetched primary-image over FTP via 10.0.2.1, sha256 matches ($got)" test "$got" = "$image_sum"
    tg_check "cpm: uploaded its config to primary-config (cfgs/$C.cfg)" \
        grep -q "^# image sha256 $image_sum\$" "$TG_TMP/ftp/cfgs/$C.cfg"
    if [ "${got:-x}" != "$image_sum" ]; then
        tg_console_text "$C" | grep '^vmlab:' | sed 's/^/    /'
    fi
fi

# ---- management layout --------------------------------------------------------------------------------------------
for g in "cpm:$ssh_c:$(tg_mac 3 0)" "iom:$ssh_d:$(tg_mac 4 0)"; do
    n=${g%%:*}
    rest=${g#*:}
    port=${rest%%:*}
    mmac=${rest#*:}
    if out=$(tg_ssh "$port" 'ip -br a; ip route; d=$(readlink -f /sys/class/net/eth0/device)
            echo "eth0-pci ${d%/virtio*} $(cat /sys/class/net/eth0/address)"; ls /sys/block'); then
        tg_ok "$n: ssh on 127.0.0.1:$port"
        printf '%s\n' "$out" | sed 's/^/    /'
    else
        tg_fail "$n: ssh on 127.0.0.1:$port"
        continue
    fi
    tg_check "$n: eth0 has 10.0.2.2/24" grep -Eq '^eth0 +UP +10\.0\.2\.2/24( |$)' <<<"$out"
    tg_check "$n: default route via 10.0.2.1 on eth0" grep -q '^default via 10.0.2.1 dev eth0' <<<"$out"
    tg_check "$n: eth0 is the management NIC at PCI 0000:00:03.0" grep -Eq "^eth0-pci .*/0000:00:03.0 $mmac\$" <<<"$out"
    tg_check "$n: disk visible as vda" grep -qx vda <<<"$out"
    tg_check "$n: pings the host side 10.0.2.1" tg_quiet tg_ssh "$port" ping -c 1 -W 5 10.0.2.1
done
tg_check "iom: qcow2 overlay disk carries the base's FAT file system (VMLAB.TXT)" \
    tg_quiet tg_ssh "$ssh_d" 'mkdir -p /mnt && mount -t vfat -o ro /dev/vda /mnt && grep -q "vmlab tiny guest disk" /mnt/VMLAB.TXT'

# ---- fabric segments -------------------------------------------------------------------------------------------------
if [ "$mcast_ok" = yes ]; then
    tg_check "cpm pings iom over the libvirt mcast segment ($mc_group:$mc_port, 10.0.100.1 -> .2)" \
        tg_quiet tg_ssh "$ssh_c" ping -c 3 -W 5 10.0.100.2
    tg_check "iom pings cpm over the libvirt mcast segment (10.0.100.2 -> .1)" \
        tg_quiet tg_ssh "$ssh_d" ping -c 3 -W 5 10.0.100.1
    p2c=10.0.101.1 p2d=10.0.101.2
else
    # without the libvirt mcast NIC the pass-through fabric is eth1
    tg_quiet tg_ssh "$ssh_c" 'ip addr flush dev eth1; ip addr add 10.0.101.1/24 dev eth1' || true
    tg_quiet tg_ssh "$ssh_d" 'ip addr flush dev eth1; ip addr add 10.0.101.2/24 dev eth1' || true
    p2c=10.0.101.1 p2d=10.0.101.2
fi
tg_check "cpm pings iom over the pass-through mcast segment with localaddr=127.0.0.1 ($mc2_group:$mc2_port)" \
    tg_quiet tg_ssh "$ssh_c" ping -c 3 -W 5 "$p2d"
tg_check "iom pings cpm over the pass-through mcast segment" tg_quiet tg_ssh "$ssh_d" ping -c 3 -W 5 "$p2c"

tg_log "total $(($(date +%s) - TG_T0)) s"
tg_summary
