#!/usr/bin/env bash
# ensure-user.sh - make sure an unprivileged test user exists and can run
# rootless containers: account, /etc/subuid + /etc/subgid ranges,
# /run/user/UID (0700), world-usable /dev/fuse and /dev/net/tun, newuidmap/newgidmap installed.
# Idempotent. Must run as root. Prints only the user's uid on stdout;
# everything else goes to stderr.
#
# Usage: scripts/ensure-user.sh NAME
set -euo pipefail

SUB_COUNT=65536
SUB_MIN_START=200000

log() { echo "ensure-user: $*" >&2; }
die() { log "error: $*"; exit 1; }

[ $# -eq 1 ] && [ -n "$1" ] || die "usage: $0 NAME"
name=$1
[ "$(id -u)" -eq 0 ] || die "must run as root"

# Serialise concurrent invocations (they edit /etc/passwd, /etc/sub[ug]id).
mkdir -p /run/lock
exec 9>/run/lock/rlrun-ensure-user.lock
flock 9

# apt-install.sh updates the lists first when a package is unknown (no "Unable to locate" line).
apt_install() { "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" "$@"; }

if ! command -v newuidmap >/dev/null 2>&1 || ! command -v newgidmap >/dev/null 2>&1; then
    log "installing uidmap"
    apt_install uidmap
fi

if ! getent passwd "$name" >/dev/null; then
    log "creating user $name"
    useradd -m -s /bin/bash "$name"   # no password given: account is locked for password login
fi
uid=$(id -u "$name")
gid=$(id -g "$name")

# Add "NAME:START:COUNT" to /etc/subuid and /etc/subgid unless the user
# (by name or uid) already has a range there. START lies above every
# existing range in both files, so uid and gid ranges match and never overlap.
touch /etc/subuid /etc/subgid
has_range() { grep -qE "^(${name}|${uid}):[0-9]+:[0-9]+\$" "$1"; }
if ! has_range /etc/subuid || ! has_range /etc/subgid; then
    start=$(awk -F: -v min="$SUB_MIN_START" '
        NF >= 3 && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ { e = $2 + $3; if (e > max) max = e }
        END { if (max < min) max = min; print max }' /etc/subuid /etc/subgid)
    for f in /etc/subuid /etc/subgid; do
        if ! has_range "$f"; then
            log "adding $name:$start:$SUB_COUNT to $f"
            echo "$name:$start:$SUB_COUNT" >>"$f"
        fi
    done
fi

# XDG_RUNTIME_DIR (no systemd-logind here to create it).
[ -d /run/user ] || install -d -m 0755 /run/user
install -d -m 0700 -o "$uid" -g "$gid" "/run/user/$uid"
chown "$uid:$gid" "/run/user/$uid"
chmod 0700 "/run/user/$uid"

# Rootless fuse-overlayfs & co. need /dev/fuse usable by the user.
if [ -c /dev/fuse ] && [ "$(stat -c %a /dev/fuse)" = 600 ]; then
    log "chmod 0666 /dev/fuse"
    chmod 0666 /dev/fuse
fi
# pasta and slirp4netns open /dev/net/tun inside the container's namespaces (udev makes it 0666;
# a VM without udev may not).
if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" = 600 ]; then
    log "chmod 0666 /dev/net/tun"
    chmod 0666 /dev/net/tun
fi

echo "$uid"
