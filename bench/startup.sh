#!/usr/bin/env bash
# startup.sh - container startup benchmark: rlrun vs Debian's runc, both rootless.
#
# Workloads, each run N times, interleaved rlrun/runc to cancel drift:
#   run true             : `run --bundle B ID` of a busybox bundle running `true`
#   create+start+delete  : `create --bundle B ID`, `start ID`, `delete --force ID`
# Prints the median wall time per runtime and the rlrun/runc ratio.
#
# As root it installs what it needs (runc, jq, busybox-static, uidmap), makes the
# unprivileged user "rlbench" (scripts/ensure-user.sh) and runs the benchmark as
# that user; otherwise it runs as the caller.
#
# Usage: bench/startup.sh [N]        (default N=20)
#   RLRUN=/path/to/rlrun             (default: <repo>/artifacts/rlrun)
#   e.g. RLRUN=$(command -v runc) bench/startup.sh 5   # sanity check: ratio ~1
set -euo pipefail

BENCH_USER=rlbench
self=$(readlink -f "${BASH_SOURCE[0]}")

die() { echo "startup.sh: error: $*" >&2; exit 1; }
log() { echo "startup.sh: $*" >&2; }
. "$(dirname "$self")/lib.sh"

N=${1:-20}
[[ $N =~ ^[1-9][0-9]*$ ]] || die "usage: $0 [N]  (N = positive iteration count)"

# ---------------------------------------------------------------- inner phase
# Runs as the benchmarking (unprivileged) user. $1 = work dir it may write to.
bench() {
    local work=$1 mkrootfs=$2
    local runc_bin; runc_bin=$(find_runc) || die "runc not found"
    command -v jq >/dev/null || die "jq not found (apt-get install jq)"
    [ "$(id -u)" -ne 0 ] || die "refusing to benchmark as root; the point is rootless"

    # State dirs (--root) must be owned by us; prefer XDG_RUNTIME_DIR (tmpfs).
    local base
    if [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -d "$XDG_RUNTIME_DIR" ] && [ -w "$XDG_RUNTIME_DIR" ]; then
        base=$XDG_RUNTIME_DIR/rlbench.$$
    else
        base=$work/state
    fi
    mkdir -p "$base/rlrun" "$base/runc"
    names=(rlrun runc)
    declare -gA BIN=([rlrun]=$RLRUN [runc]=$runc_bin)
    declare -gA ROOT=([rlrun]=$base/rlrun [runc]=$base/runc)
    declare -gA LIVE=()   # "rt id" -> 1 while a container may exist
    BENCH_BASE=$base
    trap cleanup_inner EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    local bundle=$work/bundle errlog=$work/stderr.log
    "$mkrootfs" "$bundle/rootfs"
    # One rootless config (runc's) for both runtimes; uid/gid maps come from
    # our euid at spec time, so this must be generated as the benchmark user.
    # (--root: runc spec otherwise creates $XDG_RUNTIME_DIR/runc as a side effect.)
    (cd "$bundle" && rm -f config.json && "$runc_bin" --root "$base/runc" spec --rootless)
    jq '.process.args = ["true"] | .process.terminal = false' \
        "$bundle/config.json" >"$bundle/config.json.new"
    mv "$bundle/config.json.new" "$bundle/config.json"

    log "rlrun: ${BIN[rlrun]}"
    log "runc:  ${BIN[runc]} ($("$runc_bin" --version | head -n1))"
    log "bundle: $bundle, state: $base, N=$N (+1 warm-up each)"

    # rt_cmd RT ARGS...: one runtime invocation; abort with its stderr on failure.
    # w_run/w_create RT ID: one timed iteration; set t0/t1 ($EPOCHREALTIME).
    rt_cmd() { # rt args...
        local rt=$1; shift
        # shellcheck disable=SC2086 # RLBENCH_GLOBAL_FLAGS: words for both runtimes (bench/contexts.sh)
        if ! "${BIN[$rt]}" --root "${ROOT[$rt]}" ${RLBENCH_GLOBAL_FLAGS:-} "$@" </dev/null >/dev/null 2>>"$errlog"; then
            echo "startup.sh: error: '$rt $*' failed; stderr:" >&2
            tail -n 20 "$errlog" >&2
            exit 1
        fi
    }
    local t0 t1
    w_run() { # rt id
        LIVE["$1 $2"]=1
        t0=$EPOCHREALTIME
        rt_cmd "$1" run --bundle "$bundle" "$2"
        t1=$EPOCHREALTIME
        unset 'LIVE["$1 $2"]'
    }
    w_create() { # rt id
        LIVE["$1 $2"]=1
        t0=$EPOCHREALTIME
        rt_cmd "$1" create --bundle "$bundle" "$2"
        rt_cmd "$1" start "$2"
        rt_cmd "$1" delete --force "$2"
        t1=$EPOCHREALTIME
        unset 'LIVE["$1 $2"]'
    }

    local w i rt id
    for w in run create; do
        for ((i = 0; i <= N; i++)); do   # i = 0 is the warm-up
            for rt in "${names[@]}"; do
                id=rlb$$-$w-$rt-$i
                "w_$w" "$rt" "$id"
                ((i == 0)) && continue
                t0=${t0//[.,]/}; t1=${t1//[.,]/}
                echo $((t1 - t0)) >>"$work/t.$w.$rt"
            done
        done
    done

    median_ms() { sort -n "$1" | awk '{ a[NR] = $1 } END {
        m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
        printf "%.1f", m / 1000 }'; }
    printf '%-22s %9s %9s %6s\n' workload rlrun_ms runc_ms ratio
    local label a b
    for w in run create; do
        case $w in run) label="run true" ;; create) label="create+start+delete" ;; esac
        a=$(median_ms "$work/t.$w.rlrun"); b=$(median_ms "$work/t.$w.runc")
        printf '%-22s %9s %9s %6s\n' "$label" "$a" "$b" \
            "$(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
    done
}

cleanup_inner() {
    local k rt id
    for k in "${!LIVE[@]}"; do
        rt=${k%% *}; id=${k#* }
        "${BIN[$rt]}" --root "${ROOT[$rt]}" delete --force "$id" </dev/null >/dev/null 2>&1 || true
    done
    if [ -n "${BENCH_BASE:-}" ]; then rm -rf "$BENCH_BASE"; fi
    if [ -n "${BENCH_RM_WORK:-}" ]; then rm -rf "$BENCH_RM_WORK"; fi
}

if [ -n "${RLBENCH_INNER:-}" ]; then
    bench "$RLBENCH_INNER" "$RLBENCH_INNER/mkrootfs.sh"
    exit 0
fi

# ---------------------------------------------------------------- outer phase
repo=$(cd "$(dirname "$self")/.." && pwd)
RLRUN=${RLRUN:-$repo/artifacts/rlrun}
[ -x "$RLRUN" ] || die "rlrun binary not found at $RLRUN - run \`make build\` first (or set RLRUN=...)"
RLRUN=$(readlink -f "$RLRUN")

# As root the work dir must be reachable by the bench user: always under /tmp.
tmpbase=${TMPDIR:-/tmp}; [ "$(id -u)" -ne 0 ] || tmpbase=/tmp
work=$(mktemp -d "$tmpbase/rlbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$repo/scripts/mkrootfs.sh" "$work/mkrootfs.sh"

if [ "$(id -u)" -ne 0 ]; then
    export RLRUN
    BENCH_RM_WORK=$work   # bench() replaces our EXIT trap; let it remove $work
    bench "$work" "$work/mkrootfs.sh"
    exit 0
fi

# Root: install what is missing, then re-run ourselves as the unprivileged user.
mapfile -t missing < <(missing_packages)
install_missing "${missing[@]}"
uid=$("$repo/scripts/ensure-user.sh" "$BENCH_USER")
gid=$(id -g "$BENCH_USER")
home=$(getent passwd "$BENCH_USER" | cut -d: -f6)
cp "$self" "$work/startup.sh"
cp "$(dirname "$self")/lib.sh" "$work/lib.sh"
chown -R "$uid:$gid" "$work"

cd /   # the caller's cwd may be unreachable for the bench user (e.g. /root/...)
# A plain command prefix (not a function), so that `"${as_user[@]}" ... &`
# gives $! = the process that becomes the inner bash (setpriv and env exec).
as_user=(setpriv --reuid="$uid" --regid="$gid" --init-groups
    env -i XDG_RUNTIME_DIR="/run/user/$uid" PATH=/usr/sbin:/usr/bin:/sbin:/bin
    HOME="$home" LANG=C.UTF-8)
# The user may not be able to reach the binary (e.g. a repo under /root).
if ! "${as_user[@]}" test -x "$RLRUN"; then
    cp "$RLRUN" "$work/rlrun"
    chown "$uid:$gid" "$work/rlrun"
    RLRUN=$work/rlrun
fi
log "running as $BENCH_USER (uid $uid)${RLBENCH_LAUNCH:+, launched by $RLBENCH_LAUNCH}${RLBENCH_GLOBAL_FLAGS:+, flags $RLBENCH_GLOBAL_FLAGS}"
inner=(RLBENCH_INNER="$work" RLRUN="$RLRUN" RLBENCH_GLOBAL_FLAGS="${RLBENCH_GLOBAL_FLAGS:-}" bash "$work/startup.sh" "$N")
case ${RLBENCH_LAUNCH:-setpriv} in
setpriv) run_forwarding "${as_user[@]}" "${inner[@]}" ;;
# A service of the user's manager (bench/contexts.sh starts it): inside its tree, where scopes work.
manager) run_forwarding "${as_user[@]}" DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$uid/bus" \
    systemd-run --user --pipe --wait --quiet --collect -E HOME="$home" /usr/bin/env "${inner[@]}" ;;
*) die "RLBENCH_LAUNCH=$RLBENCH_LAUNCH: setpriv or manager" ;;
esac
