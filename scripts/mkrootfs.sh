#!/usr/bin/env bash
# mkrootfs.sh - build a minimal root filesystem from Debian's busybox-static:
# DIR/bin/busybox + one symlink per applet, the usual top-level directories,
# and tiny /etc/passwd, /etc/group, /etc/hostname. Idempotent; works as an
# unprivileged user once busybox-static is installed (as root it installs
# the package itself if missing). Never uses sudo.
#
# Usage: scripts/mkrootfs.sh DIR
set -euo pipefail

die() { echo "mkrootfs: error: $*" >&2; exit 1; }

[ $# -eq 1 ] && [ -n "$1" ] || die "usage: $0 DIR"
dir=$1
busybox=/bin/busybox

# Debian's busybox-static puts a static binary at /bin/busybox; make sure the
# one we have is static (the dynamic "busybox" package also uses that path).
is_static() { [ -x "$busybox" ] && ! LC_ALL=C ldd "$busybox" >/dev/null 2>&1; }

if ! is_static; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "mkrootfs: installing busybox-static" >&2
        "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" busybox-static
        is_static || die "$busybox is still missing or not static after installing busybox-static"
    else
        die "$busybox (static) not found; install it as root: apt-get install busybox-static"
    fi
fi

mkdir -p "$dir"
cd "$dir"
mkdir -p bin dev proc sys tmp etc root home run var
chmod 1777 tmp
chmod 0700 root

if ! cmp -s "$busybox" bin/busybox; then
    rm -f bin/busybox
    cp "$busybox" bin/busybox.tmp
    chmod 0755 bin/busybox.tmp
    mv -f bin/busybox.tmp bin/busybox
fi

"$busybox" --list | while read -r applet; do
    [ -n "$applet" ] && [ "$applet" != busybox ] || continue
    [ "$(readlink "bin/$applet" 2>/dev/null || true)" = busybox ] && continue
    ln -sfn busybox "bin/$applet"
done

cat >etc/passwd <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >etc/group <<'GROUP'
root:x:0:
tty:x:5:
nogroup:x:65534:
GROUP
echo rootfs >etc/hostname
