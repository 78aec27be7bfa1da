# Shared helpers for the tiny-guest end-to-end smoke tests (sourced, not run).
# shellcheck shell=bash
#
# Provides: tg_init, tg_require, tg_check/tg_ok/tg_fail/tg_summary, tg_ensure_libvirt, tg_build_image, tg_free_port,
# tg_console_text, tg_domain_xml, tg_pci, tg_start,
# tg_quiet, tg_mac, tg_define, tg_start_console, tg_wait_console, tg_ssh, tg_cleanup. Callers set -euo pipefail.

TG_URI=${VMLAB_SMOKE_URI:-qemu:///system}
TG_PASS=${VMLAB_SMOKE_PASS:-smoke-pw1}
# shellcheck disable=SC2034 # used by the sourcing scripts
TG_BOOT_TIMEOUT=${VMLAB_SMOKE_BOOT_TIMEOUT:-120}
TG_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TG_PASSED=0
TG_FAILED=0
TG_DOMAINS=()
TG_PIDS=()
TG_CLEANUP_CMDS=()
TG_TMP=
TG_T0=$(date +%s)

tg_log() { echo "[$(($(date +%s) - TG_T0))s] $*"; }

tg_ok() {
    TG_PASSED=$((TG_PASSED + 1))
    echo "ok - $*"
}

tg_fail() {
    TG_FAILED=$((TG_FAILED + 1))
    echo "not ok - $*"
}

# tg_check DESCRIPTION COMMAND...: runs COMMAND, records ok / not ok
tg_check() {
    local desc=$1
    shift
    if "$@"; then tg_ok "$desc"; else tg_fail "$desc"; fi
}

tg_summary() {
    echo "$TG_PASSED passed, $TG_FAILED failed"
    [ "$TG_FAILED" = 0 ]
}

tg_virsh() { virsh -q -c "$TG_URI" "$@"; }

# tg_quiet COMMAND...: runs COMMAND silently; shows its output only when it fails
tg_quiet() {
    local out rc=0
    out=$("$@" 2>&1) || rc=$?
    [ "$rc" = 0 ] || printf '%s\n' "$out" | sed 's/^/    /' >&2
    return "$rc"
}

tg_cleanup() {
    local rc=$? d p c
    set +e
    for p in "${TG_PIDS[@]}"; do
        kill "$p" 2>/dev/null
    done
    for d in "${TG_DOMAINS[@]}"; do
        tg_virsh destroy "$d" >/dev/null 2>&1
        tg_virsh undefine --nvram "$d" >/dev/null 2>&1 || tg_virsh undefine "$d" >/dev/null 2>&1
    done
    for c in "${TG_CLEANUP_CMDS[@]}"; do
        eval "$c" >/dev/null 2>&1
    done
    if [ -n "$TG_TMP" ] && [ -d "$TG_TMP" ]; then
        if { [ "$rc" != 0 ] && [ -n "${VMLAB_SMOKE_KEEP:-}" ]; } || [ "${VMLAB_SMOKE_KEEP:-}" = always ]; then
            echo "kept $TG_TMP (VMLAB_SMOKE_KEEP=${VMLAB_SMOKE_KEEP:-})"
        else
            rm -rf "$TG_TMP"
        fi
    fi
    tg_log "cleaned up"
    exit "$rc"
}

# tg_init PREFIX: temp folder (readable by the qemu user), cleanup trap
tg_init() {
    TG_PREFIX=$1
    # Not under /root (0700): QEMU runs as libvirt-qemu and must reach kernel, initrd and disks.
    # Not on tmpfs: cache='none' disks need O_DIRECT.
    TG_TMP=$(mktemp -d "${VMLAB_SMOKE_TMP:-/var/tmp}/$TG_PREFIX.XXXXXX")
    chmod 0755 "$TG_TMP"
    trap tg_cleanup EXIT
    trap 'exit 130' INT TERM
}

# tg_require: the host commands the tests use; as root, installs the Debian packages of missing ones
tg_require() {
    local -A pkg_of=([virsh]=libvirt-clients [virt-xml-validate]=libvirt-clients [libvirtd]=libvirt-daemon-system
        [virtlogd]=libvirt-daemon-system [qemu-system-x86_64]=qemu-system-x86 [qemu-img]=qemu-utils
        [mcopy]=mtools [mtype]=mtools [ssh]=openssh-client [ss]=iproute2 [timeout]=coreutils)
    local c missing=() pkgs=()
    for c in "${!pkg_of[@]}"; do
        command -v "$c" >/dev/null 2>&1 || missing+=("$c")
    done
    [ "${#missing[@]}" = 0 ] && return 0
    mapfile -t pkgs < <(for c in "${missing[@]}"; do echo "${pkg_of[$c]}"; done | sort -u)
    if [ "$(id -u)" = 0 ]; then
        tg_log "installing ${pkgs[*]} for ${missing[*]}"
        local apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Options::=--force-confnew)
        "${apt[@]}" "${pkgs[@]}" >/dev/null || { apt-get update -qq && "${apt[@]}" "${pkgs[@]}" >/dev/null; } || true
    fi
    for c in "${missing[@]}"; do
        command -v "$c" >/dev/null 2>&1 || { tg_fail "missing command $c (package ${pkg_of[$c]})"; return 1; }
    done
    tg_ok "installed ${pkgs[*]}"
}

# tg_ensure_libvirt: makes sure a libvirt daemon answers on $TG_URI (starts virtlogd + libvirtd as root if not)
tg_ensure_libvirt() {
    local _
    if timeout 20 virsh -c "$TG_URI" version >/dev/null 2>&1; then
        tg_ok "libvirt answers on $TG_URI"
        return 0
    fi
    if [ "$(id -u)" != 0 ] || [ "$TG_URI" != qemu:///system ]; then
        tg_fail "libvirt does not answer on $TG_URI (and cannot start it here)"
        return 1
    fi
    tg_log "no libvirt daemon reachable: starting virtlogd and libvirtd"
    [ -S /var/run/libvirt/virtlogd-sock ] || virtlogd -d
    libvirtd -d
    for _ in $(seq 150); do
        [ -S /var/run/libvirt/libvirt-sock ] && timeout 5 virsh -c "$TG_URI" version >/dev/null 2>&1 && break
        sleep 0.2
    done
    tg_check "libvirtd started and answers on $TG_URI" tg_quiet timeout 20 virsh -c "$TG_URI" version
}

# tg_build_image: builds (or reuses) the tiny guest and copies it into $TG_TMP/img
tg_build_image() {
    local t0 img
    t0=$(date +%s)
    "$TG_REPO/scripts/build-tiny-guest.sh" --quiet || {
        tg_fail "build-tiny-guest.sh"
        return 1
    }
    img=${VMLAB_HOME:-$([ "$(id -u)" -eq 0 ] && echo /var/lib/vmlab || echo "$HOME/.vmlab")}/images/tiny
    mkdir -p "$TG_TMP/img"
    cp "$img/vmlinuz" "$img/initrd.img" "$img/disk.img" "$img/disk.qcow2" "$TG_TMP/img/"
    chmod 0644 "$TG_TMP"/img/*
    tg_ok "tiny guest image ready ($(($(date +%s) - t0)) s, $(sed -n 's/^kernel_package=//p' "$img/build-info.txt"))"
}

# tg_free_port tcp|udp: prints a free port on 127.0.0.1 not handed out before in this run
TG_USED_PORTS=" "
tg_free_port() {
    local proto=$1 p _
    for _ in $(seq 200); do
        p=$((20000 + (RANDOM % 20000)))
        case "$TG_USED_PORTS" in *" $p "*) continue ;; esac
        if [ "$proto" = udp ]; then
            [ -z "$(ss -Hlun "sport = :$p" 2>/dev/null)" ] || continue
        else
            [ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ] || continue
        fi
        TG_USED_PORTS="$TG_USED_PORTS$p "
        echo "$p"
        return 0
    done
    return 1
}

# tg_mac N M: a locally administered unicast MAC 52:54:00:76:NN:MM (N, M small integers)
tg_mac() { printf '52:54:00:76:%02x:%02x' "$1" "$2"; }

# tg_define NAME XMLFILE: defines a domain and remembers it for cleanup
tg_define() {
    local name=$1 xml=$2
    if tg_virsh dominfo "$name" >/dev/null 2>&1; then
        tg_virsh destroy "$name" >/dev/null 2>&1 || true
        tg_virsh undefine "$name" >/dev/null 2>&1 || true
    fi
    TG_DOMAINS+=("$name")
    if command -v virt-xml-validate >/dev/null 2>&1; then
        tg_check "$name: domain XML validates against libvirt's schema" tg_quiet virt-xml-validate "$xml" domain
    fi
    tg_check "$name: defined" tg_quiet tg_virsh define "$xml"
}

# tg_start_console NAME PORT: reads the telnet serial console into $TG_TMP/NAME.console (background)
tg_start_console() {
    local name=$1 port=$2
    (
        for _ in $(seq 50); do
            if exec 3<>"/dev/tcp/127.0.0.1/$port"; then
                exec cat <&3 >"$TG_TMP/$name.console"
            fi
            sleep 0.1
        done
    ) 2>/dev/null &
    TG_PIDS+=($!)
}

# tg_console_text NAME: the console as text: telnet negotiation (IAC WILL/WONT/DO/DONT x, which QEMU sends
# first, on the same line as the guest's first output) and CRs removed
tg_console_text() {
    [ -f "$TG_TMP/$1.console" ] || return 0
    LC_ALL=C sed 's/\xff[\xfb-\xfe].//g' "$TG_TMP/$1.console" | LC_ALL=C tr -d '\r\000'
}

# tg_wait_console NAME REGEX TIMEOUT: waits until the console shows a line matching REGEX
tg_wait_console() {
    local name=$1 re=$2 timeout=$3 _
    for _ in $(seq $((timeout * 5))); do
        grep -Eq "$re" <<<"$(tg_console_text "$name")" && return 0
        sleep 0.2
    done
    return 1
}

# tg_console_count NAME REGEX: prints how many console lines match REGEX
tg_console_count() {
    tg_console_text "$1" | grep -Ec "$2" || true
}

# tg_ssh PORT CMD...: runs CMD as root in the guest behind 127.0.0.1:PORT, password auth (no sshpass needed)
tg_ssh() {
    local port=$1
    shift
    # the password reaches ssh through SSH_ASKPASS (OpenSSH >= 8.4), from the environment, not argv
    # shellcheck disable=SC2016 # expanded by the askpass script
    printf '#!/bin/sh\nprintf "%%s\\n" "$TG_ASKPASS_PW"\n' >"$TG_TMP/askpass"
    chmod 0700 "$TG_TMP/askpass"
    TG_ASKPASS_PW=$TG_PASS SSH_ASKPASS="$TG_TMP/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=none \
        timeout 60 ssh -n -p "$port" \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
        -o PreferredAuthentications=password -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 \
        -o ConnectTimeout=15 root@127.0.0.1 -- "$@"
}

# tg_dump_console NAME: shows the tail of a console on failure
tg_dump_console() {
    echo "---- console of $1 (last 30 lines) ----"
    tg_console_text "$1" | tail -n 30
    echo "----"
}

# tg_domain_xml NAME CMDLINE MGMT_NETDEV MGMT_DEVICE CONSOLE_PORT EXTRA_DEVICES [EXTRA_QEMU_ARGS...]
# prints a tiny-guest domain
#   MGMT_NETDEV:  options after "-netdev user,id=vmlabmgmt0," (e.g. hostfwd=tcp:127.0.0.1:2222-:22)
#   MGMT_DEVICE:  the whole -device value for the management NIC (must name netdev=vmlabmgmt0 and a PCI addr)
#   EXTRA_DEVICES: XML of the data NICs and disks (each with an explicit PCI address after the mgmt NIC's)
#   EXTRA_QEMU_ARGS: more QEMU arguments for <qemu:commandline>
tg_domain_xml() {
    local name=$1 cmdline=$2 netdev=$3 device=$4 cport=$5 extra=$6 a more=
    shift 6
    for a in "$@"; do
        more="$more
    <qemu:arg value='$a'/>"
    done
    cat <<XML
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$name</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$TG_TMP/img/vmlinuz</kernel>
    <initrd>$TG_TMP/img/initrd.img</initrd>
    <cmdline>$cmdline</cmdline>
  </os>
  <features>
    <acpi/>
  </features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='usb' model='none'/>
$extra
    <serial type='tcp'>
      <source mode='bind' host='127.0.0.1' service='$cport'/>
      <protocol type='telnet'/>
      <log file='$TG_TMP/$name.serial.log' append='off'/>
      <target port='0'/>
    </serial>
    <memballoon model='none'/>
  </devices>
  <qemu:commandline>
    <qemu:arg value='-netdev'/>
    <qemu:arg value='user,id=vmlabmgmt0,$netdev'/>
    <qemu:arg value='-device'/>
    <qemu:arg value='$device'/>$more
  </qemu:commandline>
</domain>
XML
}

# tg_pci SLOT: the <address> element of PCI slot SLOT (e.g. 0x04) on bus 0
tg_pci() { echo "<address type='pci' domain='0x0000' bus='0x00' slot='$1' function='0x0'/>"; }

# tg_start NAME CONSOLE_PORT: starts a defined domain and attaches the console reader at once
tg_start() {
    tg_check "$1: started" tg_quiet tg_virsh start "$1"
    tg_start_console "$1" "$2"
}
