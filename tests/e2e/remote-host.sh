#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# remote-host.sh - a second libvirt host on this machine for the multi-host tests: another user's
# qemu:///session, reached over an OpenSSH sshd on 127.0.0.1 with throw-away keys.
#
#   remote-host.sh start DIR PORT USER   prints the libvirt URI of USER's session
#   remote-host.sh stop DIR USER         stops the sshd and USER's libvirt daemons
#
# The URI uses libvirt's libssh2 transport, whose known_hosts parameter points at DIR/known_hosts:
# the host key is checked against the fixture's own entry and nothing of root's ~/.ssh is read or
# written (libvirt's qemu+ssh transport runs the system ssh, which only knows the user's and the
# system's known_hosts files). virt-ssh-helper, run by the sshd as USER, starts USER's session
# daemon. Needs root (sshd switches to USER); USER is created when absent, with no password and
# its account unlocked for key logins.
set -euo pipefail

cmd=$1 dir=$2
case $cmd in
start)
    port=$3 user=$4
    if ! id "$user" >/dev/null 2>&1; then
        useradd -m -s /bin/sh "$user"
    fi
    usermod -p '*' "$user"
    home=$(getent passwd "$user" | cut -d: -f6)
    mkdir -p "$dir"
    [ -f "$dir/host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
    [ -f "$dir/client_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/client_key"
    install -d -o "$user" -g "$user" -m 700 "$home/.ssh"
    install -o "$user" -g "$user" -m 600 "$dir/client_key.pub" "$home/.ssh/authorized_keys"
    echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$dir/host_key.pub")" >"$dir/known_hosts"
    cat >"$dir/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile .ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowUsers $user
CONF
    mkdir -p /run/sshd
    /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
    for _ in $(seq 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
    echo "qemu+libssh2://$user@127.0.0.1:$port/session?keyfile=$dir/client_key&known_hosts=$dir/known_hosts&sshauth=privkey"
    ;;
stop)
    user=$3
    if [ -f "$dir/sshd.pid" ]; then
        kill "$(cat "$dir/sshd.pid")" 2>/dev/null || true
        rm -f "$dir/sshd.pid"
    fi
    pkill -u "$user" -x libvirtd 2>/dev/null || true
    pkill -u "$user" -x virtqemud 2>/dev/null || true
    pkill -u "$user" -x virtlogd 2>/dev/null || true
    for _ in $(seq 50); do
        pgrep -u "$user" >/dev/null || break
        sleep 0.1
    done
    # the user exists for these tests only: whatever of it is left (QEMU included) goes
    pkill -9 -u "$user" 2>/dev/null || true
    ;;
*)
    echo "usage: $0 start DIR PORT USER | stop DIR USER" >&2
    exit 2
    ;;
esac
