#!/usr/bin/env bash
# contexts.sh - startup where users start rlrun from, with the bench user's systemd --user running
# (as lingering keeps it): `run true` and create+start+delete of rlrun against runc, interleaved,
# every run checked (bench/startup.sh's inner phase), in three contexts:
#   outside  : a root shell's setpriv (as su, sudo -u, cron): rlrun finds it cannot get a scope
#              and runs without a cgroup; runc's default (cgroupfs) does the same here
#   tree     : a service of the user manager (systemd-run --user): rlrun auto picks a scope;
#              runc runs with its default cgroupfs (runc 1.1.5's --systemd-cgroup refuses a host
#              without systemd as PID 1: "systemd not running on this host")
# Root only (it starts the manager with scripts/user-manager.sh and stops it if it did).
#
# Usage: bench/contexts.sh [N]        (default N=20)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
N=${1:-20}
BENCH_USER=rlbench
[ "$(id -u)" -eq 0 ] || { echo "contexts.sh: run as root (it starts $BENCH_USER's systemd --user)" >&2; exit 1; }

"$repo/scripts/ensure-user.sh" "$BENCH_USER" >/dev/null
started=0
if ! "$repo/scripts/user-manager.sh" status "$BENCH_USER" >/dev/null 2>&1; then
    "$repo/scripts/user-manager.sh" start "$BENCH_USER" >/dev/null
    started=1
fi
stop_manager() { [ "$started" = 0 ] || "$repo/scripts/user-manager.sh" stop "$BENCH_USER" >/dev/null 2>&1 || true; }
trap stop_manager EXIT

for ctx in outside tree; do
    case $ctx in
    outside) launch=setpriv flags="" ;;
    tree) launch=manager flags="" ;;
    esac
    echo "== $ctx (launched by $launch${flags:+, $flags})"
    RLBENCH_LAUNCH=$launch RLBENCH_GLOBAL_FLAGS=$flags "$here/startup.sh" "$N"
done
