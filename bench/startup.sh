#!/usr/bin/env bash
# startup.sh - container start-up benchmark (issue 16): rlrun against Debian's runc and crun, all
# rootless, interleaved run by run to cancel drift, every timed run checked to exit 0.
#
# Workloads (a busybox bundle, runc's rootless spec):
#   run true             `run --bundle B ID` of a process running `true`
#   run true, subuid maps  the same with the user's subordinate IDs mapped (newuidmap, newgidmap)
#   floor                `unshare -Urmpfiun --mount-proc true`: the namespaces alone (beside run true)
#   create+start+delete  `create --bundle B ID`, `start ID`, `delete --force ID`
#   exec true            `exec ID true` into a running container (one per runtime, made beforehand)
#   peak RSS             of `run true`, /usr/bin/time's %M: the largest resident set of any one
#                        process of the run (rlrun, its init; runc, its init), in MB
#   systemd run true     `--systemd-cgroup run` from inside the user manager's tree
# Prints the median of each runtime and rlrun's ratio to runc and to crun, with the load average.
#
# As root it installs what it needs (runc, crun, jq, busybox-static, uidmap), makes the
# unprivileged user "rlbench" (scripts/ensure-user.sh) and runs every workload as that user, in a
# private mount namespace it makes first: there /sys/fs/cgroup/unified is lazily unmounted, since
# crun 1.8.1 refuses this machine's hybrid cgroups, and the same cgroup2 is mounted at another path,
# which rlrun finds through mountinfo (runc looks for cgroup v1 only on such a host). The systemd
# workload runs in a second such namespace whose process root moved into the bench user's
# user@UID.service (under both hierarchies), where the manager (started with
# scripts/user-manager.sh, and stopped again if this script started it) can make scopes. As any
# other user it runs as the caller, without crun, the namespace or the systemd workload.
#
# --profile: instead, N runs of `rlrun --debug run` (in the first namespace) and the median time of
# each --debug phase, stage 0's and the init's (the init stamps its own lines), beside the median
# wall of the whole run, of `rlrun --version` (a process start of this binary) and of /bin/true.
#
# Usage: bench/startup.sh [--profile] [N]        (default N=20)
#   RLRUN=/path/to/rlrun             (default: <repo>/artifacts/rlrun)
#   RLRUN_BASE=/path/to/rlrun        another rlrun, interleaved as "base": a change's before and after
#   RLBENCH_WORKLOADS="run ..."      the first section's workloads (run subids create exec rss)
#   RLBENCH_NO_SYSTEMD=1             without the systemd workload (and the user manager)
#   RLBENCH_PROFILE_SYSTEMD=1        with --profile: the phases of `--systemd-cgroup run` from inside
#                                    the user manager's tree, instead of those of a plain run
#   RLBENCH_LAUNCH=setpriv|manager   one section, rlrun against runc, run and create only, in the
#                                    host's mount namespace: bench/contexts.sh's contexts
#   RLBENCH_GLOBAL_FLAGS             words before the command, for every runtime (contexts.sh)
set -euo pipefail

BENCH_USER=rlbench
self=$(readlink -f "${BASH_SOURCE[0]}")

die() { echo "startup.sh: error: $*" >&2; exit 1; }
log() { echo "startup.sh: $*" >&2; }
. "$(dirname "$self")/lib.sh"

PROFILE=
[ "${1:-}" = --profile ] && { PROFILE=1; shift; }
N=${1:-20}
[[ $N =~ ^[1-9][0-9]*$ ]] || die "usage: $0 [--profile] [N]  (N = positive iteration count)"

# ---------------------------------------------------------------- inner phase
# Runs as the benchmarking (unprivileged) user. $1 = work dir it may write to.
# RLBENCH_WORKLOADS: which of run create exec rss systemd; RLBENCH_CRUN=1: crun too.
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
    names=(rlrun)
    [ -n "${RLRUN_BASE:-}" ] && names+=(base)
    names+=(runc)
    [ -n "${RLBENCH_CRUN:-}" ] && names+=(crun)
    declare -gA BIN=([rlrun]=$RLRUN [base]=${RLRUN_BASE:-} [runc]=$runc_bin [crun]=$(command -v crun || echo crun) [floor]=unshare)
    declare -gA ROOT=([rlrun]=$base/rlrun [base]=$base/base [runc]=$base/runc [crun]=$base/crun)
    declare -gA LIVE=()   # "rt id" -> 1 while a container may exist
    declare -A SKIP=()    # "workload rt" -> why that runtime has no figure there
    declare -A NOTE=()    # rt -> how its systemd figure was had instead
    mkdir -p "${ROOT[@]}"
    BENCH_BASE=$base
    trap cleanup_inner EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    local bundle=$work/bundle sleeper=$work/sleeper errlog=$work/stderr.log
    "$mkrootfs" "$bundle/rootfs"
    # One rootless config (runc's) for every runtime; uid/gid maps come from our euid at spec
    # time, so this must be generated as the benchmark user.
    # (--root: runc spec otherwise creates $XDG_RUNTIME_DIR/runc as a side effect.)
    (cd "$bundle" && rm -f config.json && "$runc_bin" --root "$base/runc" spec --rootless)
    jq '.process.args = ["true"] | .process.terminal = false' \
        "$bundle/config.json" >"$bundle/config.json.new"
    mv "$bundle/config.json.new" "$bundle/config.json"
    mkdir -p "$sleeper"
    jq --arg root "$bundle/rootfs" '.process.args = ["sleep", "1000000"] | .root.path = $root' \
        "$bundle/config.json" >"$sleeper/config.json"

    # The same with the user's subordinate IDs mapped too: newuidmap and newgidmap write the maps.
    local subids=$work/subids sub
    mkdir -p "$subids"
    for sub in uid gid; do
        read -r "${sub}_start" "${sub}_count" < <(awk -F: -v u="$(id -un)" -v n="$(id -u)" \
            '$1 == u || $1 == n { print $2, $3; exit }' "/etc/sub$sub")
    done
    if [ -n "${uid_start:-}" ] && [ -n "${gid_start:-}" ]; then
        jq --arg root "$bundle/rootfs" --argjson u "$(id -u)" --argjson g "$(id -g)" \
            --argjson us "$uid_start" --argjson uc "$((uid_count < 65536 ? uid_count : 65536))" \
            --argjson gs "$gid_start" --argjson gc "$((gid_count < 65536 ? gid_count : 65536))" \
            '.root.path = $root
            | .linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: $us, size: $uc}]
            | .linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}, {containerID: 1, hostID: $gs, size: $gc}]' \
            "$bundle/config.json" >"$subids/config.json"
    fi

    local workloads=${RLBENCH_WORKLOADS:-run create}
    log "rlrun: ${BIN[rlrun]}"
    [ -n "${RLRUN_BASE:-}" ] && log "base:  ${BIN[base]} (another rlrun, to measure a change)"
    log "runc:  ${BIN[runc]} ($("$runc_bin" --version | head -n1))"
    [ -n "${RLBENCH_CRUN:-}" ] && log "crun:  ${BIN[crun]} ($("${BIN[crun]}" --version | head -n1))"
    log "workloads: $workloads; bundle: $bundle, state: $base, N=$N (+1 warm-up each)"

    # rt_cmd RT ARGS...: one runtime invocation, stderr to the error log; its status.
    rt_cmd() {
        local rt=$1; shift
        # shellcheck disable=SC2086 # RLBENCH_GLOBAL_FLAGS: words for every runtime (bench/contexts.sh)
        "${BIN[$rt]}" --root "${ROOT[$rt]}" ${RLBENCH_GLOBAL_FLAGS:-} "$@" </dev/null >/dev/null 2>>"$errlog"
    }
    # failed RT WHAT: the error, with the runtime's last words, and exit.
    failed() {
        echo "startup.sh: error: '$1 $2' failed; stderr:" >&2
        tail -n 20 "$errlog" >&2
        exit 1
    }
    # w_WORKLOAD RT ID: one timed iteration; sets t0/t1 ($EPOCHREALTIME); its status.
    local t0 t1
    w_run() {
        LIVE["$1 $2"]=1
        t0=$EPOCHREALTIME
        rt_cmd "$1" run --bundle "$bundle" "$2" || return
        t1=$EPOCHREALTIME
        unset 'LIVE["$1 $2"]'
    }
    w_subids() {
        [ -f "$subids/config.json" ] || { echo "no /etc/subuid or /etc/subgid range for $(id -un)" >>"$errlog"; return 1; }
        LIVE["$1 $2"]=1
        t0=$EPOCHREALTIME
        rt_cmd "$1" run --bundle "$subids" "$2" || return
        t1=$EPOCHREALTIME
        unset 'LIVE["$1 $2"]'
    }
    w_floor() {
        t0=$EPOCHREALTIME
        unshare -Urmpfiun --mount-proc true </dev/null >/dev/null 2>>"$errlog" || return
        t1=$EPOCHREALTIME
    }
    w_create() {
        LIVE["$1 $2"]=1
        t0=$EPOCHREALTIME
        rt_cmd "$1" create --bundle "$bundle" "$2" && rt_cmd "$1" start "$2" && rt_cmd "$1" delete --force "$2" || return
        t1=$EPOCHREALTIME
        unset 'LIVE["$1 $2"]'
    }
    w_exec() {
        t0=$EPOCHREALTIME
        rt_cmd "$1" exec "rlb$$-sleeper-$1" true || return
        t1=$EPOCHREALTIME
    }
    # runc 1.1.5 refuses rootless --systemd-cgroup on anything but pure cgroup v2: then its
    # default (cgroupfs) from the same place is its figure, said under the table.
    declare -A SYSTEMD_FLAG=([rlrun]=--systemd-cgroup [base]=--systemd-cgroup [runc]=--systemd-cgroup [crun]=--systemd-cgroup)
    w_systemd() {
        LIVE["$1 $2"]=1
        t0=$EPOCHREALTIME
        rt_cmd "$1" ${SYSTEMD_FLAG[$1]} run --bundle "$bundle" "$2" || return
        t1=$EPOCHREALTIME
        unset 'LIVE["$1 $2"]'
    }
    w_rss() {
        LIVE["$1 $2"]=1
        # %M: the largest maximum resident set of the run's processes (wait4 gives the child's
        # own and its reaped children's), in KiB.
        /usr/bin/time -f %M -o "$work/rss.one" "${BIN[$1]}" --root "${ROOT[$1]}" run --bundle "$bundle" "$2" \
            </dev/null >/dev/null 2>>"$errlog" || return
        unset 'LIVE["$1 $2"]'
    }
    # skip_or_fail W RT I: a warm-up failure of runc or crun is said as n/a with its reason;
    # anything else ends the benchmark.
    skip_or_fail() {
        local w=$1 rt=$2 i=$3
        if [ "$w" = systemd ] && ((i == 0)) && [ -n "${SYSTEMD_FLAG[$rt]}" ] && [ "$rt" != rlrun ] && [ "$rt" != base ]; then
            NOTE[$rt]="$rt: its default cgroup manager: --systemd-cgroup failed: $(tail -n 1 "$errlog" | cut -c1-140)"
            log "${NOTE[$rt]}"
            "${BIN[$rt]}" --root "${ROOT[$rt]}" delete --force "rlb$$-$w-$rt-$i" </dev/null >/dev/null 2>&1 || true
            SYSTEMD_FLAG[$rt]=
            w_systemd "$rt" "rlb$$-$w-$rt-$i-again" && return 0
        fi
        if ((i == 0)) && [ "$rt" != rlrun ] && [ "$rt" != base ] && [ "$rt" != floor ]; then
            SKIP["$w $rt"]=$(tail -n 1 "$errlog" | cut -c1-160)
            log "$rt: no figure for $w: ${SKIP["$w $rt"]}"
            "${BIN[$rt]}" --root "${ROOT[$rt]}" delete --force "rlb$$-$w-$rt-$i" </dev/null >/dev/null 2>&1 || true
            unset 'LIVE["$rt rlb$$-$w-$rt-$i"]'
            return 0
        fi
        failed "$rt" "$w (run $i)"
    }

    local w i rt id rts
    for w in $workloads; do
        rts=("${names[@]}")
        [ "$w" = run ] && rts+=(floor)
        if [ "$w" = exec ]; then
            for rt in "${names[@]}"; do
                LIVE["$rt rlb$$-sleeper-$rt"]=1
                rt_cmd "$rt" create --bundle "$sleeper" "rlb$$-sleeper-$rt" && rt_cmd "$rt" start "rlb$$-sleeper-$rt" ||
                    failed "$rt" "create+start of the container to exec into"
            done
        fi
        for ((i = 0; i <= N; i++)); do   # i = 0 is the warm-up
            for rt in "${rts[@]}"; do
                [ -z "${SKIP["$w $rt"]:-}" ] || continue
                id=rlb$$-$w-$rt-$i
                if [ "$rt" = floor ]; then w_floor; else "w_$w" "$rt" "$id"; fi || { skip_or_fail "$w" "$rt" "$i"; continue; }
                ((i == 0)) && continue
                if [ "$w" = rss ]; then
                    cat "$work/rss.one" >>"$work/t.$w.$rt"
                else
                    t0=${t0//[.,]/}; t1=${t1//[.,]/}
                    echo $((t1 - t0)) >>"$work/t.$w.$rt"
                fi
            done
        done
        if [ "$w" = exec ]; then
            for rt in "${names[@]}"; do
                rt_cmd "$rt" delete --force "rlb$$-sleeper-$rt" || failed "$rt" "delete of the container exec ran in"
                unset 'LIVE["$rt rlb$$-sleeper-$rt"]'
            done
        fi
    done

    local cols=("${names[@]}") label
    printf '%-22s' workload
    for rt in "${cols[@]}"; do printf ' %9s' "${rt}_ms"; done
    printf ' %9s' floor_ms
    for rt in "${cols[@]:1}"; do printf ' %9s' "/$rt"; done
    printf '   (load %s)\n' "$(load_average)"
    for w in $workloads; do
        case $w in
        run) label="run true" ;; create) label="create+start+delete" ;; exec) label="exec true" ;;
        systemd) label="systemd run true" ;; rss) label="peak RSS (MB)" ;; subids) label="run true, subuid maps" ;;
        esac
        printf '%-22s' "$label"
        declare -A med=()
        for rt in "${cols[@]}" floor; do
            if [ "$w" = rss ]; then
                med[$rt]=$(m=$(median "$work/t.$w.$rt" 2>/dev/null || echo n/a); [ "$m" = n/a ] && echo n/a ||
                    awk -v m="$m" 'BEGIN { printf "%.1f", m / 1024 }')
            else
                med[$rt]=$(median_ms "$work/t.$w.$rt" 2>/dev/null || echo n/a)
            fi
        done
        for rt in "${cols[@]}"; do printf ' %9s' "${med[$rt]}"; done
        printf ' %9s' "$([ "$w" = run ] && echo "${med[floor]}" || echo -)"
        for rt in "${cols[@]:1}"; do printf ' %9s' "$(ratio "${med[rlrun]}" "${med[$rt]}")"; done
        printf '\n'
        unset med
    done
    for k in "${!SKIP[@]}"; do echo "  n/a: ${k#* } for ${k%% *}: ${SKIP[$k]}"; done
    for k in "${!NOTE[@]}"; do echo "  ${NOTE[$k]}"; done
}

# Inner --profile: N runs of `rlrun --debug run`, the median time of each phase it logs.
profile() {
    local work=$1 mkrootfs=$2 runc_bin; runc_bin=$(find_runc) || die "runc not found"
    local base=${XDG_RUNTIME_DIR:-$work}/rlbench.$$ bundle=$work/bundle
    declare -gA BIN=([rlrun]=$RLRUN) ROOT=([rlrun]=$base)
    declare -gA LIVE=()
    BENCH_BASE=$base
    mkdir -p "$base"
    trap cleanup_inner EXIT
    "$mkrootfs" "$bundle/rootfs"
    (cd "$bundle" && rm -f config.json && "$runc_bin" --root "$base/runc" spec --rootless)
    jq '.process.args = ["true"] | .process.terminal = false' "$bundle/config.json" >"$bundle/c.new"
    mv "$bundle/c.new" "$bundle/config.json"
    local i t0 t1 id
    for ((i = 0; i <= N; i++)); do
        id=rlb$$-prof-$i
        LIVE["rlrun $id"]=1
        t0=$EPOCHREALTIME
        # shellcheck disable=SC2086 # RLBENCH_GLOBAL_FLAGS: --systemd-cgroup for the systemd profile
        "$RLRUN" --root "$base" ${RLBENCH_GLOBAL_FLAGS:-} --debug run --bundle "$bundle" "$id" </dev/null >/dev/null 2>"$work/debug.$i" ||
            { cat "$work/debug.$i" >&2; die "rlrun --debug run failed"; }
        t1=$EPOCHREALTIME
        unset 'LIVE["rlrun $id"]'
        t0=${t0//[.,]/}; t1=${t1//[.,]/}
        ((i == 0)) || echo $((t1 - t0)) >>"$work/p.wall"
        t0=$EPOCHREALTIME; "$RLRUN" --version >/dev/null; t1=$EPOCHREALTIME
        t0=${t0//[.,]/}; t1=${t1//[.,]/}; ((i == 0)) || echo $((t1 - t0)) >>"$work/p.version"
        t0=$EPOCHREALTIME; /bin/true; t1=$EPOCHREALTIME
        t0=${t0//[.,]/}; t1=${t1//[.,]/}; ((i == 0)) || echo $((t1 - t0)) >>"$work/p.true"
    done
    printf '%9s  %s   (load %s, N=%d)\n' ms "phase (median time since rlrun's Main; init: lines stamped by the init)" "$(load_average)" "$N"
    for ((i = 1; i <= N; i++)); do cat "$work/debug.$i"; done | debug_phase_medians "$N"
    printf '%9s  %s\n' "$(median_ms "$work/p.wall")" "wall of the whole run, as the caller sees it" \
        "$(median_ms "$work/p.version")" "wall of rlrun --version (a start and exit of this binary)" \
        "$(median_ms "$work/p.true")" "wall of /bin/true (a process start, as this shell measures it)"
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
    if [ -n "$PROFILE" ]; then profile "$RLBENCH_INNER" "$RLBENCH_INNER/mkrootfs.sh"
    else bench "$RLBENCH_INNER" "$RLBENCH_INNER/mkrootfs.sh"; fi
    exit 0
fi

# ---------------------------------------------------------------- outer phase
bench_work rlbench

if [ "$(id -u)" -ne 0 ]; then
    export RLRUN
    BENCH_RM_WORK=$work   # bench() replaces our EXIT trap; let it remove $work
    if [ -n "$PROFILE" ]; then profile "$work" "$work/mkrootfs.sh"
    else RLBENCH_WORKLOADS=${RLBENCH_WORKLOADS:-run create exec} bench "$work" "$work/mkrootfs.sh"; fi
    exit 0
fi

# Root: install what is missing, then re-run ourselves as the unprivileged user.
mapfile -t missing < <(missing_packages; command -v crun >/dev/null || echo crun; [ -x /usr/bin/time ] || echo time)
install_missing "${missing[@]}"
bench_as_user "$BENCH_USER"
inner=(RLRUN="$RLRUN" RLRUN_BASE="${RLRUN_BASE:-}" RLBENCH_GLOBAL_FLAGS="${RLBENCH_GLOBAL_FLAGS:-}" bash "$work/startup.sh" ${PROFILE:+--profile} "$N")

if [ -n "${RLBENCH_LAUNCH:-}" ]; then
    log "running as $BENCH_USER (uid $uid), launched by $RLBENCH_LAUNCH${RLBENCH_GLOBAL_FLAGS:+, flags $RLBENCH_GLOBAL_FLAGS}"
    case $RLBENCH_LAUNCH in
    setpriv) run_forwarding "${as_user[@]}" RLBENCH_INNER="$work" "${inner[@]}" ;;
    # A service of the user's manager (bench/contexts.sh starts it): inside its tree, where scopes work.
    manager) run_forwarding "${as_user[@]}" DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$uid/bus" \
        systemd-run --user --pipe --wait --quiet --collect -E HOME="$home" /usr/bin/env RLBENCH_INNER="$work" "${inner[@]}" ;;
    *) die "RLBENCH_LAUNCH=$RLBENCH_LAUNCH: setpriv or manager" ;;
    esac
fi

# in_namespace DIR CGROUP CMD...: CMD in a private mount namespace where /sys/fs/cgroup/unified
# is lazily unmounted and its cgroup2 mounted at DIR instead; with CGROUP (a path under the
# hierarchies' roots), the process first moves into it under both (user-manager.sh's recipe).
in_namespace() {
    local dir=$1 cgroup=$2; shift 2
    mkdir -p "$dir"
    exec unshare -m --propagation private -- bash -c '
        set -e
        dir=$1 cgroup=$2; shift 2
        if [ -n "$cgroup" ]; then
            for r in /sys/fs/cgroup/unified /sys/fs/cgroup/systemd; do echo $$ >"$r/$cgroup/cgroup.procs"; done
        fi
        if mountpoint -q /sys/fs/cgroup/unified; then
            mount -t cgroup2 cgroup2 "$dir"
            umount -l /sys/fs/cgroup/unified
        fi
        # runc takes the systemd cgroup driver only where this exists (systemd as PID 1); the
        # user manager needed it too when it started.
        if [ -n "$cgroup" ] && [ ! -d /run/systemd/system ]; then
            mount -t tmpfs -o mode=0755 tmpfs /run/systemd && mkdir /run/systemd/system
        fi
        exec "$@"' _ "$dir" "$cgroup" "$@"
}

log "running as $BENCH_USER (uid $uid) in a private mount namespace (/sys/fs/cgroup/unified lazily unmounted)"
mkdir -p "$work/a"; chown "$uid:$gid" "$work/a"
cp "$work/mkrootfs.sh" "$work/a/"
if [ -n "$PROFILE" ] && [ -z "${RLBENCH_PROFILE_SYSTEMD:-}" ]; then
    run_forwarding in_namespace "$work/cg.a" "" "${as_user[@]}" RLBENCH_INNER="$work/a" "${inner[@]}"
fi
rc=0
if [ -z "$PROFILE" ]; then
    run_forwarded in_namespace "$work/cg.a" "" "${as_user[@]}" RLBENCH_INNER="$work/a" RLBENCH_CRUN=1 \
        RLBENCH_WORKLOADS="${RLBENCH_WORKLOADS:-run subids create exec rss}" "${inner[@]}" || rc=$?
    [ "$rc" -eq 0 ] || exit "$rc"
else
    # RLBENCH_PROFILE_SYSTEMD: the phases of `--systemd-cgroup run`, from inside the manager's tree.
    inner=(RLRUN="$RLRUN" RLBENCH_GLOBAL_FLAGS=--systemd-cgroup bash "$work/startup.sh" --profile "$N")
fi

# The systemd cgroup manager, from inside the bench user's manager's tree.
[ -z "${RLBENCH_NO_SYSTEMD:-}" ] || exit 0
started=0
if ! "$repo/scripts/user-manager.sh" status "$BENCH_USER" >/dev/null 2>&1; then
    "$repo/scripts/user-manager.sh" start "$BENCH_USER" >/dev/null
    started=1
fi
trap '[ "$started" = 0 ] || "$repo/scripts/user-manager.sh" stop "$BENCH_USER" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
log "the systemd cgroup manager, from inside $BENCH_USER's user@$uid.service"
mkdir -p "$work/b"; chown "$uid:$gid" "$work/b"
cp "$work/mkrootfs.sh" "$work/b/"
run_forwarded in_namespace "$work/cg.b" "user.slice/user-$uid.slice/user@$uid.service" \
    "${as_user[@]}" DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$uid/bus" RLBENCH_INNER="$work/b" RLBENCH_CRUN=1 \
    RLBENCH_WORKLOADS=systemd "${inner[@]}" || rc=$?
exit "$rc"
