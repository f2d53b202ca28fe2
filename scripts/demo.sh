#!/usr/bin/env bash
# demo.sh - `make demo`: runs a sample container rootless and shows what it sees.
#
# Builds nothing itself (make demo builds first). As root it installs uidmap and
# busybox-static when missing and runs the container as the unprivileged user
# "rldemo" (made by scripts/ensure-user.sh); otherwise it runs as the caller.
# The bundle (a busybox rootfs from Debian's busybox-static) is made under
# $DEMO_DIR (default: a fresh directory under /tmp) and removed afterwards.
#
# Usage: scripts/demo.sh            RLRUN=path/to/rlrun (default artifacts/rlrun)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rlrun=${RLRUN:-$repo/artifacts/rlrun}
[ -x "$rlrun" ] || { echo "demo: $rlrun not found: run make build" >&2; exit 1; }

work=${DEMO_DIR:-$(mktemp -d /tmp/rlrun-demo.XXXXXX)}
mkdir -p "$work"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

as_user=()
if [ "$(id -u)" = 0 ]; then
    missing=()
    command -v newuidmap >/dev/null || missing+=(uidmap)
    [ -x /bin/busybox ] || missing+=(busybox-static)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "demo: installing ${missing[*]}"
        "$repo/scripts/apt-install.sh" "${missing[@]}"
    fi
    uid=$("$repo/scripts/ensure-user.sh" rldemo)
    gid=$(id -g rldemo)
    install -m 0755 "$rlrun" "$work/rlrun"
    rlrun=$work/rlrun
    chown "$uid:$gid" "$work"
    as_user=(setpriv --reuid="$uid" --regid="$gid" --init-groups env -i XDG_RUNTIME_DIR=/run/user/$uid PATH=/usr/bin:/bin)
    echo "demo: running as the unprivileged user rldemo (uid $uid)"
fi

"${as_user[@]}" "$repo/scripts/mkrootfs.sh" "$work/bundle/rootfs" >/dev/null
"${as_user[@]}" "$rlrun" spec --rootless --bundle "$work/bundle"
# Print what the container sees: its identity, its ID map (with the subordinate range) and hostname.
"${as_user[@]}" sed -i \
    -e 's/"terminal": true/"terminal": false/' \
    -e 's|"sh"$|"sh", "-c", "echo \\"hostname: $(hostname)\\"; echo \\"id: $(id)\\"; echo \\"pid: $$\\"; echo uid_map:; cat /proc/self/uid_map"|' \
    "$work/bundle/config.json"
echo "demo: $rlrun run --bundle $work/bundle demo"
"${as_user[@]}" "$rlrun" run --bundle "$work/bundle" "demo-$$"
