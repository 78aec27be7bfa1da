#!/usr/bin/env bash
# End-to-end smoke test of the tiny guest on libvirt/QEMU (TCG): two guests on a UDP link, ready line, SSH, ping.
#
# Usage: tests/e2e/tiny-guest-smoke.sh        (as root, for qemu:///system; VMLAB_SMOKE_URI to change)
# Starts virtlogd + libvirtd when no daemon answers (and leaves them running), builds the image with
# scripts/build-tiny-guest.sh, defines two domains from hand-written XML, and checks:
#   - each guest prints exactly one "vmlab-guest ready NAME" line on its telnet serial console;
#   - SSH password login on the forwarded management port runs commands (ip -br a);
#   - eth0 is the management NIC (the pass-through device at PCI slot 0x03), eth1 the UDP data NIC at 0x04,
#     also when the management NIC is an e1000 (whose driver loads after virtio_net);
#   - guest A pings guest B over the UDP link and back;
#   - a wrong password is refused; virsh shutdown (ACPI) powers a guest off.
# Everything it defined is destroyed and undefined on exit. Prints "N passed, N failed"; exit 0 when all pass.
# VMLAB_SMOKE_KEEP=1 keeps the temp folder (consoles, XML) of a failed run, =always of any run.
# shellcheck disable=SC2016 # single-quoted commands run in the guest
set -euo pipefail

# shellcheck source=tests/e2e/tiny-guest-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/tiny-guest-lib.sh"

tg_init vmlab-smoke
tg_log "tiny-guest smoke test on $TG_URI, temp folder $TG_TMP"
tg_require || { tg_summary; exit 1; }
tg_ensure_libvirt || { tg_summary; exit 1; }
tg_build_image || { tg_summary; exit 1; }

A=vmlab-smoke-a-$$
B=vmlab-smoke-b-$$
ssh_a=$(tg_free_port tcp)
ssh_b=$(tg_free_port tcp)
con_a=$(tg_free_port tcp)
con_b=$(tg_free_port tcp)
udp_a=$(tg_free_port udp)
udp_b=$(tg_free_port udp)
mgmt_mac_a=$(tg_mac 1 0)
data_mac_a=$(tg_mac 1 1)
mgmt_mac_b=$(tg_mac 2 0)
data_mac_b=$(tg_mac 2 1)
tg_log "ports: ssh $ssh_a/$ssh_b, console $con_a/$con_b, udp $udp_a<->$udp_b"

udp_nic() { # own_port peer_port mac model slot
    cat <<XML
    <interface type='udp'>
      <mac address='$3'/>
      <source address='127.0.0.1' port='$2'>
        <local address='127.0.0.1' port='$1'/>
      </source>
      <model type='$4'/>
      $(tg_pci "$5")
    </interface>
XML
}

# A: management NIC virtio-net-pci at 0x03, data NIC virtio at 0x04
tg_domain_xml "$A" \
    "console=ttyS0 quiet vmlab.name=smoke-a vmlab.pass=$TG_PASS vmlab.ip=eth1:10.0.12.1/24" \
    "net=10.0.2.0/24,hostfwd=tcp:127.0.0.1:$ssh_a-:22" \
    "virtio-net-pci,netdev=vmlabmgmt0,mac=$mgmt_mac_a,bus=pci.0,addr=0x3" \
    "$con_a" "$(udp_nic "$udp_a" "$udp_b" "$data_mac_a" virtio 0x04)" >"$TG_TMP/a.xml"
# B: management NIC e1000 at 0x03 (its driver loads after virtio_net), data NIC virtio at 0x04
tg_domain_xml "$B" \
    "console=ttyS0 quiet vmlab.name=smoke-b vmlab.pass=$TG_PASS vmlab.ip=eth1:10.0.12.2/24" \
    "hostfwd=tcp:127.0.0.1:$ssh_b-:22" \
    "e1000,netdev=vmlabmgmt0,mac=$mgmt_mac_b,bus=pci.0,addr=0x3" \
    "$con_b" "$(udp_nic "$udp_b" "$udp_a" "$data_mac_b" virtio 0x04)" >"$TG_TMP/b.xml"

tg_define "$A" "$TG_TMP/a.xml"
tg_define "$B" "$TG_TMP/b.xml"
t_start=$(date +%s)
tg_start "$A" "$con_a"
tg_start "$B" "$con_b"

for g in "$A:smoke-a" "$B:smoke-b"; do
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
tg_check "smoke-a: exactly one ready line" test "$(tg_console_count "$A" '^vmlab-guest ready')" = 1
tg_check "smoke-b: exactly one ready line" test "$(tg_console_count "$B" '^vmlab-guest ready')" = 1

# SSH and the NIC layout
check_guest() { # short-name ssh-port mgmt-mac data-mac mgmt-addr data-addr
    local n=$1 port=$2 mmac=$3 dmac=$4 maddr=$5 daddr=$6 t0 out layout
    t0=$(date +%s)
    if out=$(tg_ssh "$port" ip -br a); then
        tg_ok "smoke-$n: ssh root@127.0.0.1:$port -- ip -br a ($(($(date +%s) - t0)) s)"
        printf '%s\n' "$out" | sed 's/^/    /'
    else
        tg_fail "smoke-$n: ssh root@127.0.0.1:$port -- ip -br a"
        return 0
    fi
    # "IF MAC PCI-ADDRESS DRIVER" per NIC, then the host name
    layout=$(tg_ssh "$port" 'for i in eth0 eth1; do
            d=$(readlink -f /sys/class/net/$i/device)
            case $d in */virtio*) d=${d%/*} ;; esac
            echo "$i $(cat /sys/class/net/$i/address) ${d##*/} $(basename $(readlink /sys/class/net/$i/device/driver))"
        done; hostname' || true)
    printf '%s\n' "$layout" | sed 's/^/    /'
    tg_check "smoke-$n: eth0 is the management NIC ($mmac, PCI 0000:00:03.0)" \
        grep -q "^eth0 $mmac 0000:00:03.0 " <<<"$layout"
    tg_check "smoke-$n: eth1 is the UDP data NIC ($dmac, PCI 0000:00:04.0)" \
        grep -q "^eth1 $dmac 0000:00:04.0 " <<<"$layout"
    local addrs_ok=no
    grep -Eq "^eth0 +UP +$maddr( |$)" <<<"$out" && grep -Eq "^eth1 +UP +$daddr( |$)" <<<"$out" && addrs_ok=yes
    tg_check "smoke-$n: eth0 is up with $maddr and eth1 with $daddr" test "$addrs_ok" = yes
    tg_check "smoke-$n: host name from the command line" grep -qx "smoke-$n" <<<"$layout"
}
check_guest a "$ssh_a" "$mgmt_mac_a" "$data_mac_a" 10.0.2.15/24 10.0.12.1/24
check_guest b "$ssh_b" "$mgmt_mac_b" "$data_mac_b" 10.0.2.15/24 10.0.12.2/24

# the UDP link
t0=$(date +%s)
tg_check "smoke-a pings smoke-b over the UDP link (10.0.12.1 -> 10.0.12.2)" \
    tg_quiet tg_ssh "$ssh_a" ping -c 3 -W 5 10.0.12.2
tg_check "smoke-b pings smoke-a over the UDP link (10.0.12.2 -> 10.0.12.1)" \
    tg_quiet tg_ssh "$ssh_b" ping -c 3 -W 5 10.0.12.1
tg_log "pings took $(($(date +%s) - t0)) s"
tg_check "smoke-a reaches the slirp gateway 10.0.2.2" tg_quiet tg_ssh "$ssh_a" ping -c 1 -W 5 10.0.2.2

# a wrong password is refused
if TG_PASS=wrong-password tg_ssh "$ssh_a" true >/dev/null 2>&1; then
    tg_fail "smoke-a: a wrong password is refused"
else
    tg_ok "smoke-a: a wrong password is refused"
fi

# ACPI shutdown (virsh shutdown -> power button -> busybox acpid -> poweroff)
tg_quiet tg_virsh shutdown "$B" || true
state=
for _ in $(seq 60); do
    state=$(tg_virsh domstate "$B" 2>/dev/null || true)
    [ "$state" = "shut off" ] && break
    sleep 0.5
done
tg_check "smoke-b: virsh shutdown powers the guest off (state: $state)" test "$state" = "shut off"

tg_log "total $(($(date +%s) - TG_T0)) s"
tg_summary
