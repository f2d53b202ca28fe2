#!/usr/bin/env bash
# apt-install.sh - install Debian packages as root, quietly, updating the package lists first when
# any of them is unknown to apt. On a fresh machine the lists are empty, and trying the install
# first printed "E: Unable to locate package uidmap" before a retry after `apt-get update`
# succeeded: asking apt-cache first leaves no error line on the way to a working install.
#
# Usage: scripts/apt-install.sh PACKAGE...     (as root; prints only on failure)
set -euo pipefail
[ $# -gt 0 ] || { echo "apt-install: no package named" >&2; exit 2; }
export DEBIAN_FRONTEND=noninteractive

# known PACKAGE: apt has a candidate version for it (the lists name it).
known() {
    local candidate
    candidate=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p')
    [ -n "$candidate" ] && [ "$candidate" != "(none)" ]
}

log=$(mktemp /tmp/apt-install.XXXXXX)
trap 'rm -f "$log"' EXIT
for p in "$@"; do
    if ! known "$p"; then
        apt-get -o DPkg::Lock::Timeout=600 update >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
        break
    fi
done
for p in "$@"; do
    known "$p" || { echo "apt-install: no package \"$p\" in apt's lists, even after apt-get update" >&2; exit 1; }
done
apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "$@" >"$log" 2>&1 </dev/null \
    || { cat "$log" >&2; exit 1; }
