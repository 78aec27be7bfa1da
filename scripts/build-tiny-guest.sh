#!/usr/bin/env bash
# Builds the vmlab tiny Linux guest (Debian kernel + busybox/dropbear initramfs + small FAT disk) for labs and tests.
#
# Usage: scripts/build-tiny-guest.sh [-f|--force] [-q|--quiet]
#
# Output, in $VMLAB_HOME/images/tiny/ (default: /var/lib/vmlab for root, as vmlab-virt uses, else ~/.vmlab):
#   vmlinuz      Debian 12 kernel (linux-image-6.1.0-NN-amd64, newest NN apt knows, or $VMLAB_TINY_KERNEL_PKG)
#   initrd.img   gzip'd newc cpio: busybox-static, dropbear and iproute2's ip with their shared libraries,
#                virtio/e1000/vfat kernel modules, /init (guest/init)
#   disk.img     16 MiB raw disk holding a FAT file system (label VMLAB) with the marker file VMLAB.TXT
#   disk.qcow2   the same disk converted to qcow2
#   build-info.txt  what went into vmlinuz and initrd.img (kernel package and version, package versions, digest)
#   disk-info.txt   the recipe version of the disks
#
# Idempotent: when build-info.txt matches the current inputs (kernel package version, busybox-static,
# dropbear-bin, iproute2 and bash versions, this script and guest/init) and every output exists, nothing is done.
# disk.img and disk.qcow2 are bases that labs copy or put qcow2 overlays on: they are made only when missing,
# when their recipe changes, or with --force (never just because the kernel or /init changed).
# Needs: apt-get/apt-cache/dpkg-deb (present on Debian), and the packages busybox-static cpio gzip dosfstools
# mtools qemu-utils dropbear-bin iproute2; missing ones are installed with apt-get when run as root. No network is
# used except the Debian mirror (apt-get update / install / download).
#
# Kernel command line interface of the guest (all optional; values must not contain spaces):
#   console=ttyS0            required for the serial console and the ready line (add "quiet" to keep it tidy)
#   vmlab.name=NAME          host name, printed in the ready line (default: tiny)
#   vmlab.mgmt=ADDR/LEN      address of eth0, the management NIC (default: 10.0.2.15/24; "none": leave eth0 alone)
#   vmlab.gw=ADDR            default gateway via eth0 (default: 10.0.2.2, but 10.0.2.1 when vmlab.mgmt is
#                            10.0.2.2/N, the SR OS layout; "none": no default route)
#   vmlab.ip=IF:ADDR/LEN,... data addresses, e.g. eth1:10.0.12.1/24,eth2:10.0.13.1/24 (an IF may repeat)
#   vmlab.route=PFX/LEN:GW,... extra static routes, e.g. 10.0.0.0/8:10.0.12.2
#   vmlab.pass=PASSWORD      root password for SSH (password auth, port 22; default: vmlab)
#   vmlab.cf3=1|/dev/X       mount /dev/vda (or /dev/X) as vfat (iocharset=iso8859-1) on /cf3 and print bof.cfg
#   vmlab.ftpboot=1          implies vmlab.cf3=1: fetch bof.cfg's primary-image over FTP (busybox ftpget), print
#                            "vmlab: image sha256 <hex>", then upload a small config file to primary-config (ftpput)
#   vmlab.ftpfile=NAME       file fetched when the primary-image URL ends in "/" (default: both.tim)
#   vmlab.ftptimeout=SECONDS bound on each FTP transfer (default: 300)
#   vmlab.debug=1            keep kernel messages on the console after boot
# NICs are named eth0, eth1, ... in PCI address order, whatever their driver (virtio-net or e1000); eth0 is the
# management NIC. When networking and sshd are up the guest prints exactly one line "vmlab-guest ready NAME" on
# the console, then runs a root shell there. Full description: docs/tiny-guest.md.
set -euo pipefail

force=0
quiet=0
for arg in "$@"; do
    case "$arg" in
        -f | --force) force=1 ;;
        -q | --quiet) quiet=1 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-tiny-guest: unknown argument '$arg'" >&2; exit 2 ;;
    esac
done

say() { [ "$quiet" = 1 ] || echo "build-tiny-guest: $*"; }
die() { echo "build-tiny-guest: error: $*" >&2; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
guest_init="$repo/guest/init"
[ -r "$guest_init" ] || die "missing '$guest_init'"

if [ -n "${VMLAB_HOME:-}" ]; then
    vmlab_home=$VMLAB_HOME
elif [ "$(id -u)" -eq 0 ]; then
    vmlab_home=/var/lib/vmlab # QEMU of qemu:///system cannot enter /root
else
    vmlab_home=$HOME/.vmlab
fi
out="$vmlab_home/images/tiny"
cache="$vmlab_home/cache/tiny-guest"
mkdir -p "$out" "$cache"

# One build at a time per output folder.
exec 9>"$out/.lock"
if command -v flock >/dev/null 2>&1; then
    flock -w 600 9 || die "timed out waiting for the lock on '$out/.lock'"
fi

export DEBIAN_FRONTEND=noninteractive

# ---- host tools ------------------------------------------------------------------------------------------
need_pkgs=()
busybox_static_ok() {
    [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1
}
busybox_static_ok || need_pkgs+=(busybox-static)
command -v cpio >/dev/null || need_pkgs+=(cpio)
command -v gzip >/dev/null || need_pkgs+=(gzip)
[ -x /bin/bash ] || need_pkgs+=(bash)
command -v mkfs.vfat >/dev/null || need_pkgs+=(dosfstools)
command -v mcopy >/dev/null || need_pkgs+=(mtools)
command -v qemu-img >/dev/null || need_pkgs+=(qemu-utils)
[ -x /usr/sbin/dropbear ] && [ -x /usr/bin/dropbearkey ] || need_pkgs+=(dropbear-bin)
[ -x /bin/ip ] && [ ! -L /bin/ip ] || need_pkgs+=(iproute2)

apt_updated=0
apt_update() {
    [ "$apt_updated" = 1 ] && return 0
    say "apt-get update"
    apt-get update -qq || die "apt-get update failed"
    apt_updated=1
}

if [ "${#need_pkgs[@]}" -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing packages: ${need_pkgs[*]} (run as root, or apt-get install them)"
    say "installing ${need_pkgs[*]}"
    if ! apt-get install -y -q --no-install-recommends "${need_pkgs[@]}" >/dev/null; then
        apt_update
        apt-get install -y -q --no-install-recommends "${need_pkgs[@]}" >/dev/null ||
            die "apt-get install ${need_pkgs[*]} failed"
    fi
    busybox_static_ok || die "/bin/busybox is not the static busybox (busybox-static)"
fi

# ---- which kernel ----------------------------------------------------------------------------------------
newest_kernel_pkg() {
    apt-cache pkgnames linux-image-6.1.0- 2>/dev/null |
        grep -E '^linux-image-6\.1\.0-[0-9]+-amd64$' | sort -V | tail -n 1 || true
}
pkg_candidate() { # prints the candidate version of package $1, or nothing
    apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

kpkg=${VMLAB_TINY_KERNEL_PKG:-}
if [ -z "$kpkg" ]; then
    kpkg=$(newest_kernel_pkg)
    if [ -z "$kpkg" ] && [ "$(id -u)" = 0 ]; then
        apt_update
        kpkg=$(newest_kernel_pkg)
    fi
    [ -n "$kpkg" ] || die "apt knows no linux-image-6.1.0-NN-amd64 package (run apt-get update)"
fi
kver=$(pkg_candidate "$kpkg")
if [ -z "$kver" ] && [ "$(id -u)" = 0 ]; then
    apt_update
    kver=$(pkg_candidate "$kpkg")
fi
[ -n "$kver" ] || die "no installable version of '$kpkg'"

bb_ver=$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || echo unknown)
db_ver=$(dpkg-query -W -f='${Version}' dropbear-bin 2>/dev/null || echo unknown)
ip_ver=$(dpkg-query -W -f='${Version}' iproute2 2>/dev/null || echo unknown)
bash_ver=$(dpkg-query -W -f='${Version}' bash 2>/dev/null || echo unknown)
digest=$(cat "$0" "$guest_init" | sha256sum | cut -d' ' -f1)
info="kernel_package=$kpkg
kernel_version=$kver
busybox_static=$bb_ver
dropbear_bin=$db_ver
iproute2=$ip_ver
bash=$bash_ver
input_sha256=$digest"

if [ "$force" = 0 ] && [ -f "$out/build-info.txt" ] &&
    [ "$(cat "$out/build-info.txt")" = "$info" ] &&
    [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.img" ] && [ -s "$out/disk.img" ] && [ -s "$out/disk.qcow2" ] &&
    [ -s "$out/disk-info.txt" ]; then
    say "up to date in $out ($kpkg $kver)"
    exit 0
fi

start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/vmlab-tiny.XXXXXX")
trap 'rm -rf "$work"' EXIT

# ---- kernel package ----------------------------------------------------------------------------------------
deb_name="${kpkg}_${kver//:/%3a}_amd64.deb"
deb="$cache/$deb_name"
if [ ! -s "$deb" ]; then
    if [ -s "/var/cache/apt/archives/$deb_name" ]; then
        cp "/var/cache/apt/archives/$deb_name" "$deb.part"
    else
        say "apt-get download $kpkg=$kver"
        rm -f "$cache"/*.part
        (
            cd "$work"
            apt-get download -q "$kpkg=$kver" 2>&1 |
                grep -v -e '^W: Download is performed unsandboxed' -e '^Get:' -e '^Fetched' >&2 || true
        )
        [ -s "$work/$deb_name" ] || die "apt-get download $kpkg=$kver failed"
        mv "$work/$deb_name" "$deb.part"
    fi
    mv "$deb.part" "$deb"
    # keep only the newest kernel package in the cache
    find "$cache" -maxdepth 1 -name 'linux-image-*.deb' ! -name "$deb_name" -delete
fi
say "extracting $deb_name"
dpkg-deb -x "$deb" "$work/kernel"
vmlinuz=$(find "$work/kernel/boot" -maxdepth 1 -name 'vmlinuz-*' 2>/dev/null | sed -n 1p)
[ -n "$vmlinuz" ] || die "no /boot/vmlinuz-* in $deb_name"
moddir=$(find "$work/kernel/lib/modules" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sed -n 1p)
[ -n "$moddir" ] || die "no /lib/modules in $deb_name"

# ---- initramfs tree ------------------------------------------------------------------------------------------
root="$work/initramfs"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/dropbear,etc/vmlab,lib/vmlab-modules,proc,sys,dev,run,tmp,root,cf3,var/log,var/run}
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"

cp /bin/busybox "$root/bin/busybox"
/bin/busybox --list-full | while read -r applet; do
    case "$applet" in bin/busybox | '') continue ;; esac
    ln -s /bin/busybox "$root/$applet"
done

# dropbear and the shared libraries it needs (the dynamic loader included)
copy_with_libs() {
    local bin=$1 dest=$2 lib
    cp "$bin" "$root$dest"
    for lib in $(ldd "$bin" | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }'); do
        [ -e "$root$lib" ] && continue
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
    done
}
copy_with_libs /usr/sbin/dropbear /usr/sbin/dropbear
copy_with_libs /usr/bin/dropbearkey /usr/bin/dropbearkey
# iproute2's ip instead of busybox's (which lacks -br, -j, ...)
rm -f "$root"/{bin,sbin,usr/bin,usr/sbin}/ip
copy_with_libs /bin/ip /sbin/ip
for d in bin usr/bin usr/sbin; do ln -s /sbin/ip "$root/$d/ip"; done
# bash as root's shell: Debian's busybox-static runs its own applets before searching PATH ("standalone
# shell"), so under busybox sh "ip" would never be iproute2's
copy_with_libs /bin/bash /bin/bash
for t in d/dumb l/linux v/vt100 v/vt102 v/vt220 x/xterm x/xterm-256color s/screen; do
    for tdir in /lib/terminfo /usr/share/terminfo; do
        if [ -f "$tdir/$t" ]; then
            mkdir -p "$root/usr/share/terminfo/${t%/*}"
            cp -L "$tdir/$t" "$root/usr/share/terminfo/$t"
            break
        fi
    done
done

# kernel modules, with their dependencies first, in load order
modules=(failover net_failover virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
    virtio_net virtio_blk e1000 fat vfat nls_cp437 nls_iso8859-1 nls_utf8 nls_ascii button evdev)
declare -A mod_path=() mod_done=()
while IFS= read -r ko; do
    name=${ko##*/}
    name=${name%.ko}
    mod_path[${name//-/_}]=$ko
done < <(find "$moddir/kernel" -name '*.ko')
order=()
add_module() {
    local m=${1//-/_} dep deps
    [ -n "${mod_done[$m]:-}" ] && return 0
    [ -n "${mod_path[$m]:-}" ] || die "kernel module '$m' not found in $kpkg"
    mod_done[$m]=1
    deps=$(tr '\0' '\n' <"${mod_path[$m]}" | sed -n 's/^depends=//p')
    for dep in ${deps//,/ }; do
        add_module "$dep"
    done
    order+=("$m")
}
for m in "${modules[@]}"; do
    add_module "$m"
done
: >"$root/etc/vmlab/modules"
for m in "${order[@]}"; do
    cp "${mod_path[$m]}" "$root/lib/vmlab-modules/$m.ko"
    echo "$m" >>"$root/etc/vmlab/modules"
done

# configuration files
cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/bash
PASSWD
cat >"$root/etc/group" <<'GROUP'
root:x:0:
tty:x:5:
GROUP
echo 'root:*:19000:0:99999:7:::' >"$root/etc/shadow"
chmod 0600 "$root/etc/shadow"
printf '/bin/sh\n/bin/ash\n/bin/bash\n' >"$root/etc/shells"
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\n' >"$root/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
cat >"$root/etc/inittab" <<'INITTAB'
::respawn:/bin/cttyhack /bin/bash -l
::ctrlaltdel:/sbin/poweroff
::shutdown:/bin/umount -a -r
INITTAB
printf 'set enable-bracketed-paste off\n' >"$root/etc/inputrc"
cat >"$root/etc/profile" <<'PROFILE'
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PS1='\h:\w\$ '
PROFILE
# ACPI power button (virsh shutdown) -> poweroff, through busybox acpid
mkdir -p "$root/etc/acpi/PWRF"
printf '#!/bin/sh\nexec /sbin/poweroff\n' >"$root/etc/acpi/PWRF/00000080"
chmod 0755 "$root/etc/acpi/PWRF/00000080"
printf 'PWRF PWRF/00000080\n' >"$root/etc/acpid.conf"
{
    echo "vmlab tiny guest"
    echo "$info"
} >"$root/etc/vmlab/build-info"

install -m 0755 "$guest_init" "$root/init"

say "packing initrd.img (${#order[@]} modules)"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -6 -n) >"$work/initrd.img"

# ---- disks ---------------------------------------------------------------------------------------------------
# The disks are bases of qcow2 overlays and copies made by labs: they are only made when missing, when their
# recipe (disk_format) changes, or with --force, never because the kernel or /init changed.
disk_format="disk_format=1 (16 MiB raw, FAT16 label VMLAB, VMLAB.TXT)"
make_disks=$force
[ -s "$out/disk.img" ] && [ -s "$out/disk.qcow2" ] || make_disks=1
grep -qxF "$disk_format" "$out/disk-info.txt" 2>/dev/null || make_disks=1
if [ "$make_disks" = 1 ]; then
    say "making disk.img (16 MiB FAT) and disk.qcow2"
    truncate -s 16M "$work/disk.img"
    mkfs.vfat -n VMLAB -i 766d6c62 "$work/disk.img" >/dev/null
    printf 'vmlab tiny guest disk\n' >"$work/vmlab.txt"
    MTOOLS_SKIP_CHECK=1 mcopy -i "$work/disk.img" "$work/vmlab.txt" ::/VMLAB.TXT
    qemu-img convert -f raw -O qcow2 "$work/disk.img" "$work/disk.qcow2"
fi

# ---- install atomically (per file), then the stamps --------------------------------------------------------
rm -f "$out/build-info.txt"
cp "$vmlinuz" "$out/.vmlinuz.new" && mv -f "$out/.vmlinuz.new" "$out/vmlinuz"
mv -f "$work/initrd.img" "$out/.initrd.img.new" && mv -f "$out/.initrd.img.new" "$out/initrd.img"
if [ "$make_disks" = 1 ]; then
    rm -f "$out/disk-info.txt"
    for f in disk.img disk.qcow2; do
        mv -f "$work/$f" "$out/.$f.new" && mv -f "$out/.$f.new" "$out/$f"
    done
    echo "$disk_format" >"$out/disk-info.txt"
fi
chmod 0644 "$out/vmlinuz" "$out/initrd.img" "$out/disk.img" "$out/disk.qcow2"
echo "$info" >"$out/build-info.txt"
say "built $out in $(($(date +%s) - start)) s: $kpkg $kver, initrd $(du -k "$out/initrd.img" | cut -f1) KiB"
