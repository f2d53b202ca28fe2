#!/usr/bin/env bash
# supervise.sh - the per-user daemon at scale, and its restart latency, rootless.
#
#   memory   : the daemon's VmRSS (and Pss, from smaps_rollup) supervising 1, 100 and MAX
#              idle containers (busybox `sleep 100000`, --restart=always, one shared read-only
#              bundle), added incrementally with `rlrun run -d` PARALLEL at a time; measured
#              SETTLE seconds after each step. Prints the per-container increment and compares
#              with the goal: under 40 MiB + 64 KiB per container.
#   restart  : ITER times, kill -9 the init of a supervised container (zero backoff) and
#              measure exit -> restarted container running (a) from the daemon's record
#              (startedAt - lastExitAt) and (b) from outside (kill -> `rlrun state` shows a new
#              pid running; an upper bound, polling included). Goal: 50 ms. Run with 1
#              container supervised and again with MAX. Zero backoff is
#              RLRUN_RESTART__INITIAL_DELAY=0ms; if rlrun refuses it, 0.001ms with reset_after 1ms.
#   failures : where `run -d` fails while PARALLEL run at once, the failures and their errors are
#              printed and those containers retried one at a time, so the figures still come.
#   runc     : runc has no supervisor; as the nearest thing, the same bundle started with a
#              plain `runc run -d` (+ `runc state` until running), interleaved with the
#              restarts, and the ratios rlrun-restart / runc-run-d.
#
# As root it installs what it needs (runc, jq, busybox-static, uidmap), makes the
# unprivileged user "rlbench" (scripts/ensure-user.sh) and runs the benchmark as that user
# with its own XDG_RUNTIME_DIR, XDG_STATE_HOME and XDG_CONFIG_HOME (temp dirs) and a private
# --root; otherwise it runs as the caller. rlrun and rlrun-supervisor are copied side by side
# into the work dir first (a snapshot: a rebuild during the run does not change them).
#
# Usage: bench/supervise.sh [MAX]       (default MAX=1000; SUPERVISE_MAX=200 also works)
#   SUPERVISE_ITER=20      restart iterations per phase
#   SUPERVISE_PARALLEL=4   `rlrun run -d` at a time while adding containers
#   SUPERVISE_SETTLE=2     seconds to wait before each memory sample
#   SUPERVISE_DAEMON_ENV="VAR=VALUE ..."   extra environment for the daemon (given to the `run -d`
#                          that starts it), e.g. DOTNET_GCgen0size=100000 (hex: a 1 MiB gen0 budget)
#   RLRUN=/path/to/rlrun   (default <repo>/artifacts/rlrun; rlrun-supervisor must sit beside it)
set -euo pipefail

BENCH_USER=rlbench
self=$(readlink -f "${BASH_SOURCE[0]}")

die() { echo "supervise.sh: error: $*" >&2; exit 1; }
log() { echo "supervise.sh: $*" >&2; }
. "$(dirname "$self")/lib.sh"

MAX=${1:-${SUPERVISE_MAX:-1000}}
ITER=${SUPERVISE_ITER:-20}
PAR=${SUPERVISE_PARALLEL:-4}
SETTLE=${SUPERVISE_SETTLE:-2}
DAEMON_ENV=${SUPERVISE_DAEMON_ENV:-}
[[ $MAX =~ ^[1-9][0-9]*$ ]] && ((MAX >= 2)) || die "usage: $0 [MAX]  (MAX = containers at the last step, 2 or more)"
[[ $ITER =~ ^[1-9][0-9]*$ ]] || die "SUPERVISE_ITER must be a positive integer"
[[ $PAR =~ ^[1-9][0-9]*$ ]] || die "SUPERVISE_PARALLEL must be a positive integer"
[[ $SETTLE =~ ^[0-9]+([.][0-9]+)?$ ]] || die "SUPERVISE_SETTLE must be a number of seconds"

# ---------------------------------------------------------------- helpers (inner)
now_us() { local t=$EPOCHREALTIME; echo "${t//[.,]/}"; }

# stats FILE: "median p90 min max n" of microsecond values, printed in ms.
stats() {
    sort -n "$1" | awk '{ a[NR] = $1 } END {
        if (NR == 0) { print "n/a n/a n/a n/a 0"; exit }
        m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
        i = int(0.9 * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR   # nearest-rank p90
        printf "%.1f %.1f %.1f %.1f %d\n", m / 1000, a[i] / 1000, a[1] / 1000, a[NR] / 1000, NR }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "n/a" && b != "n/a" && b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# iso_us TIMESTAMP: microseconds since the epoch (GNU date reads .NET's round-trip format).
iso_us() { local ns; ns=$(date -d "$1" +%s%N) || return 1; echo $((ns / 1000)); }

status_kib() { # PID FIELD: a "FIELD:  N kB" line of /proc/PID/status, in KiB
    awk -v f="$2:" '$1 == f { print $2; found = 1 } END { if (!found) print "n/a" }' "/proc/$1/status" 2>/dev/null || echo n/a
}

# ---------------------------------------------------------------- inner phase
# Runs as the benchmarking (unprivileged) user. $1 = work dir it owns.
bench() {
    local work=$1
    RUNC=$(find_runc) || die "runc not found"
    command -v jq >/dev/null || die "jq not found (apt-get install jq)"
    [ "$(id -u)" -ne 0 ] || die "refusing to benchmark as root; the point is rootless"
    [ -x "$RLRUN" ] || die "no rlrun at $RLRUN"
    [ -x "$(dirname "$RLRUN")/rlrun-supervisor" ] || die "no rlrun-supervisor beside $RLRUN (make build)"

    # Everything of ours lives under $work: the XDG dirs, the state roots, the bundle.
    export XDG_RUNTIME_DIR=$work/xdg-run XDG_STATE_HOME=$work/xdg-state XDG_CONFIG_HOME=$work/xdg-config
    mkdir -p -m 0700 "$XDG_RUNTIME_DIR" "$XDG_STATE_HOME" "$XDG_CONFIG_HOME"
    unset RLRUN_RESTART__INITIAL_DELAY RLRUN_RESTART__POLICY RLRUN_SUPERVISOR
    ROOT=$XDG_RUNTIME_DIR/rlrun RUNC_ROOT=$XDG_RUNTIME_DIR/runc
    mkdir -p -m 0700 "$ROOT" "$RUNC_ROOT"
    BUNDLE=$work/bundle ERRLOG=$work/stderr.log DLOG=$XDG_STATE_HOME/rlrun/daemon.log
    PFX=sv$$ LAT=sv$$-lat
    DAEMON_PID="" BENCH_WORK=$work BENCH_T0=$(now_us)
    declare -gA RUNC_LIVE=()
    trap cleanup_inner EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    : >"$ERRLOG"

    "$work/mkrootfs.sh" "$BUNDLE/rootfs" >/dev/null
    # runc's rootless config (a user namespace mapping only our uid), for both runtimes: an idle
    # busybox sleep, read-only rootfs, shared by every container.
    (cd "$BUNDLE" && rm -f config.json && "$RUNC" --root "$RUNC_ROOT" spec --rootless)
    jq '.process.args = ["sleep", "100000"] | .process.terminal = false | .root.readonly = true' \
        "$BUNDLE/config.json" >"$BUNDLE/config.json.new"
    mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"

    log "rlrun: $RLRUN (+ rlrun-supervisor beside it)"
    log "runc:  $RUNC ($("$RUNC" --version | head -n1))"
    log "bundle: $BUNDLE (namespaces: $(jq -r '[.linux.namespaces[].type] | join(",")' "$BUNDLE/config.json"))"
    read -r -a DAEMON_ENV_A <<<"$DAEMON_ENV"
    [ ${#DAEMON_ENV_A[@]} -eq 0 ] || log "daemon environment: ${DAEMON_ENV_A[*]}"
    log "state: $ROOT ($(stat -f -c %T "$ROOT")); MAX=$MAX ITER=$ITER PARALLEL=$PAR SETTLE=${SETTLE}s; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

    host_checks

    # ---- 1 container: the one the restart phases kill (zero backoff) ----
    echo
    echo "== memory: the daemon supervising N idle containers (sleep 100000, --restart=always) =="
    local t0 t1
    # Zero backoff for this one: RLRUN_RESTART__INITIAL_DELAY=0ms. Where rlrun refuses a zero
    # duration (it reads the settings before it calls the daemon), 1 us with reset_after 1 ms:
    # every run then counts as healthy, so the delay never doubles.
    ZERO_BACKOFF=(RLRUN_RESTART__INITIAL_DELAY=0ms)
    t0=$(now_us)
    if ! env "${DAEMON_ENV_A[@]}" "${ZERO_BACKOFF[@]}" "$RLRUN" --root "$ROOT" run -d --restart=always --bundle "$BUNDLE" "$LAT" \
        </dev/null >/dev/null 2>"$work/zero.err"; then
        grep -q 'invalid.*"0ms"' "$work/zero.err" || { cat "$work/zero.err" >&2; die "rlrun run -d $LAT failed"; }
        log "warning: rlrun refuses RLRUN_RESTART__INITIAL_DELAY=0ms: $(head -n 1 "$work/zero.err")"
        ZERO_BACKOFF=(RLRUN_RESTART__INITIAL_DELAY=0.001ms RLRUN_RESTART__RESET_AFTER=1ms)
        t0=$(now_us)
        rl "${DAEMON_ENV_A[@]}" "${ZERO_BACKOFF[@]}" run -d --restart=always --bundle "$BUNDLE" "$LAT"
    fi
    t1=$(now_us)
    log "restart backoff of $LAT: ${ZERO_BACKOFF[*]}"
    daemon_pid
    printf 'first run -d (starts the daemon on demand): %.1f ms; daemon pid %s\n' "$(awk -v d=$((t1 - t0)) 'BEGIN { print d / 1000 }')" "$DAEMON_PID"
    daemon_checks
    printf '%10s %10s %10s %9s %9s %9s %7s %6s %6s %7s\n' containers VmRSS_KiB Pss_KiB RssAnon RssFile VmHWM Threads fds memfds running
    sample 1

    restart_phase 1

    # ---- grow: 1 -> 100 -> MAX ----
    local have=1 target targets=()
    ((MAX > 100)) && targets+=(100)
    targets+=("$MAX")
    for target in "${targets[@]}"; do
        grow "$have" "$target"
        have=$target
        sample "$have"
    done
    report_memory

    restart_phase "$have"
    echo
    log "done in $(( ($(now_us) - BENCH_T0) / 1000000 )) s; cleaning up"
}

rl() { # [VAR=VALUE...] rlrun-ARGS...: abort with its stderr (and the daemon's log) on failure
    local vars=()
    while [[ $1 == [A-Z]*=* ]]; do vars+=("$1"); shift; done
    if ! env "${vars[@]}" "$RLRUN" --root "$ROOT" "$@" </dev/null >/dev/null 2>>"$ERRLOG"; then
        echo "supervise.sh: error: 'rlrun $*' failed; stderr:" >&2
        tail -n 20 "$ERRLOG" >&2
        [ -f "$DLOG" ] && { echo "--- daemon log ($DLOG):" >&2; tail -n 20 "$DLOG" >&2; }
        exit 1
    fi
}

try_daemon_pid() { # sets DAEMON_PID from `rlrun daemon --ping`; 1 when none answers
    local line
    line=$("$RLRUN" --root "$ROOT" daemon --ping 2>>"$ERRLOG") || return 1
    [[ $line =~ pid\ ([0-9]+) ]] || return 1
    DAEMON_PID=${BASH_REMATCH[1]}
    PING=$line
}

daemon_pid() { try_daemon_pid || die "rlrun daemon --ping: no daemon answers (log: $(tail -n 5 "$DLOG" 2>/dev/null))"; }

# ---------------------------------------------------------------- checks
host_checks() {
    echo "== host limits checked =="
    local need_ns=$((MAX + 2 * ITER + 10)) f v ok=1
    printf '  %-40s %s\n' "ulimit -n (this shell, soft/hard)" "$(ulimit -Sn)/$(ulimit -Hn)  (daemon estimate: ~4 fds per container (2 FIFOs, log, pidfd), $((4 * MAX + 200)) for $MAX)"
    printf '  %-40s %s\n' "ulimit -u (soft/hard)" "$(ulimit -Su)/$(ulimit -Hu)  (need > $((MAX + 200)) processes+threads of uid $(id -u))"
    for f in user mnt pid ipc uts cgroup net; do
        v=$(cat "/proc/sys/user/max_${f}_namespaces" 2>/dev/null || echo n/a)
        printf '  %-40s %s\n' "/proc/sys/user/max_${f}_namespaces" "$v"
        if [[ $v =~ ^[0-9]+$ ]] && ((v < need_ns)) && jq -e --arg t "$f" 'any(.linux.namespaces[]; .type == $t or ($t == "net" and .type == "network"))' "$BUNDLE/config.json" >/dev/null; then
            log "error: max_${f}_namespaces=$v < $need_ns needed"; ok=0
        fi
    done
    printf '  %-40s %s\n' /proc/sys/kernel/pid_max "$(cat /proc/sys/kernel/pid_max)"
    printf '  %-40s %s\n' /proc/sys/kernel/threads-max "$(cat /proc/sys/kernel/threads-max)"
    # The pids controller of our cgroup: v2 (unified) or v1's pids hierarchy.
    local cg pidsmax=""
    cg=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
    [ -n "$cg" ] && [ -r "/sys/fs/cgroup$cg/pids.max" ] && pidsmax="/sys/fs/cgroup$cg/pids.max"
    if [ -z "$pidsmax" ]; then
        cg=$(awk -F: '$2 == "pids" { print $3 }' /proc/self/cgroup)
        [ -n "$cg" ] && [ -r "/sys/fs/cgroup/pids$cg/pids.max" ] && pidsmax="/sys/fs/cgroup/pids$cg/pids.max"
    fi
    if [ -n "$pidsmax" ]; then printf '  %-40s %s\n' "$pidsmax" "$(cat "$pidsmax")"
    else printf '  %-40s %s\n' "cgroup pids.max" "none found (no pids limit on our cgroup)"; fi
    printf '  %-40s %s\n' "MemAvailable" "$(awk '$1 == "MemAvailable:" { printf "%d MiB", $2 / 1024 }' /proc/meminfo)"
    if [ "$(ulimit -Hn)" != unlimited ] && (($(ulimit -Hn) < 4 * MAX + 200)); then
        log "error: ulimit -Hn $(ulimit -Hn) is below the ~$((4 * MAX + 200)) fds the daemon needs for $MAX containers"; ok=0
    fi
    if [ "$(ulimit -Su)" != unlimited ] && (($(ulimit -Su) < MAX + 200)); then
        log "error: ulimit -u $(ulimit -Su) is too low for $MAX containers"; ok=0
    fi
    ((ok)) || die "the host does not allow $MAX containers (see above)"
}

daemon_checks() {
    local nofile nproc
    nofile=$(awk '/^Max open files/ { print $4 "/" $5 }' "/proc/$DAEMON_PID/limits")
    nproc=$(awk '/^Max processes/ { print $3 "/" $4 }' "/proc/$DAEMON_PID/limits")
    printf '  %-40s %s\n' "daemon Max open files (soft/hard)" "$nofile"
    printf '  %-40s %s\n' "daemon Max processes (soft/hard)" "$nproc"
    local soft=${nofile%%/*}
    if [ "$soft" != unlimited ] && ((soft < 4 * MAX + 200)); then
        log "warning: the daemon's soft RLIMIT_NOFILE $soft is below the ~$((4 * MAX + 200)) fds $MAX containers need"
    fi
}

# ---------------------------------------------------------------- memory
declare -A RSS=() PSS=()
MEMFDS=0
LEVELS=()

sample() { # N: after SETTLE s, the daemon's memory with N containers supervised
    local n=$1 running pss rss fds memfds
    sleep "$SETTLE"
    kill -0 "$DAEMON_PID" 2>/dev/null || die "the daemon (pid $DAEMON_PID) is gone; log: $(tail -n 5 "$DLOG" 2>/dev/null)"
    running=$("$RLRUN" --root "$ROOT" list --format json 2>>"$ERRLOG" | jq '[.[] | select(.status == "running")] | length')
    rss=$(status_kib "$DAEMON_PID" VmRSS)
    pss=$(awk '$1 == "Pss:" { print $2 }' "/proc/$DAEMON_PID/smaps_rollup" 2>/dev/null || true)
    pss=${pss:-n/a}
    fds=$(find "/proc/$DAEMON_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    memfds=$(find "/proc/$DAEMON_PID/fd" -mindepth 1 -maxdepth 1 -lname '/memfd:*' 2>/dev/null | wc -l)
    printf '%10s %10s %10s %9s %9s %9s %7s %6s %6s %7s\n' "$n" "$rss" "$pss" \
        "$(status_kib "$DAEMON_PID" RssAnon)" "$(status_kib "$DAEMON_PID" RssFile)" "$(status_kib "$DAEMON_PID" VmHWM)" \
        "$(awk '$1 == "Threads:" { print $2 }' "/proc/$DAEMON_PID/status")" "$fds" "$memfds" "$running"
    ((running == n)) || log "warning: $running of $n containers running"
    RSS[$n]=$rss PSS[$n]=$pss MEMFDS=$memfds
    LEVELS+=("$n")
}

grow() { # FROM TO: add containers FROM+1..TO, PAR at a time
    local from=$1 to=$2 t0 t1 rc=0 errs=$work_t/grow.$2.err missing=() k id
    t0=$(now_us)
    seq -f "$PFX-%g" $((from + 1)) "$to" |
        xargs -P "$PAR" -n 1 "$RLRUN" --root "$ROOT" run -d --restart=always --bundle "$BUNDLE" >/dev/null 2>"$errs" || rc=$?
    t1=$(now_us)
    awk -v n=$((to - from)) -v us=$((t1 - t0)) -v p="$PAR" 'BEGIN {
        printf "  + %d containers (`run -d --restart=always`, %d at a time): %.1f s, %.1f/s, %.1f ms each\n", n, p, us / 1e6, n / (us / 1e6), us / 1000 / n }'
    cat "$errs" >>"$ERRLOG"
    ((rc == 0)) && return 0
    # A failed run -d leaves nothing supervised (the daemon deletes it): say why, retry one at a time.
    for ((k = from + 1; k <= to; k++)); do
        id=$PFX-$k
        [ -e "$ROOT/.supervised/$id.json" ] || missing+=("$id")
    done
    echo "  ! ${#missing[@]} of $((to - from)) \`run -d\` failed at $PAR at a time (xargs $rc); their errors:"
    sed -E "s/$PFX-[0-9]+/ID/g" "$errs" | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/      /'
    if [ -n "${DAEMON_PID:-}" ]; then
        echo "    daemon: $(find "/proc/$DAEMON_PID/fd" -mindepth 1 -maxdepth 1 -lname '/memfd:*' 2>/dev/null | wc -l) memfd(s) open now (sealed copies of rlrun, $(($(stat -c %s "$RLRUN") / 1024)) KiB each)"
    fi
    ((${#missing[@]} > 0)) || die "xargs failed ($rc) but every container is supervised"
    t0=$(now_us)
    for id in "${missing[@]}"; do rl run -d --restart=always --bundle "$BUNDLE" "$id"; done
    t1=$(now_us)
    awk -v n=${#missing[@]} -v us=$((t1 - t0)) 'BEGIN {
        printf "  + %d retried one at a time: all started, %.1f ms each\n", n, us / 1000 / n }'
}

report_memory() {
    local first=${LEVELS[0]} last=${LEVELS[-1]} n from
    echo
    echo "goal: VmRSS under 40 MiB + 64 KiB per container"
    for n in "${LEVELS[@]}"; do
        awk -v n="$n" -v r="${RSS[$n]}" -v p="${PSS[$n]}" 'BEGIN {
            g = 40 * 1024 + 64 * n
            printf "  %5d containers: VmRSS %.1f MiB, Pss %s, goal %.1f MiB -> %s\n", n, r / 1024,
                (p == "n/a" ? "n/a" : sprintf("%.1f MiB", p / 1024)), g / 1024, (r < g ? "ok" : "OVER") }'
    done
    local mid
    if ((MEMFDS > 0)); then
        echo "  + not in VmRSS/Pss: $MEMFDS memfd(s) held by the daemon, $((MEMFDS * $(stat -c %s "$RLRUN") / 1024)) KiB of shmem (unmapped sealed copies of rlrun)"
    fi
    local pairs=() pair
    for mid in "${LEVELS[@]:1}"; do pairs+=("$first $mid"); done
    ((${#LEVELS[@]} > 2)) && pairs+=("${LEVELS[-2]} $last")
    for pair in "${pairs[@]}"; do
        read -r from mid <<<"$pair"
        awk -v a="$from" -v b="$mid" -v ra="${RSS[$from]}" -v rb="${RSS[$mid]}" -v pa="${PSS[$from]}" -v pb="${PSS[$mid]}" 'BEGIN {
            d = (rb - ra) / (b - a)
            printf "  per container, %d -> %d: VmRSS +%.1f KiB", a, b, d
            if (pa != "n/a" && pb != "n/a") printf ", Pss +%.1f KiB", (pb - pa) / (b - a)
            # Marginal cost only: between few containers it is mostly garbage not yet collected,
            # so the goal is judged on the totals above.
            printf "  (64 KiB per container in the goal: %s)\n", (d <= 64 ? "below" : "above, marginal") }'
    done
}

# ---------------------------------------------------------------- restart latency
record_json() { cat "$ROOT/.supervised/$LAT.json" 2>/dev/null || true; }

# state_of ID: sets ST_STATUS and ST_PID from `rlrun state` (no jq: this is the tight loop).
state_of() {
    local out
    ST_STATUS="" ST_PID=0
    out=$("$RLRUN" --root "$ROOT" state "$1" 2>/dev/null) || return 0
    [[ $out =~ \"status\":\ *\"([a-z]+)\" ]] && ST_STATUS=${BASH_REMATCH[1]}
    [[ $out =~ \"pid\":\ *([0-9]+) ]] && ST_PID=${BASH_REMATCH[1]}
    return 0
}

restart_phase() { # N: the number of containers the daemon supervises meanwhile
    local n=$1 d=$work_t/restart.$1
    mkdir -p "$d"
    echo
    echo "== restart latency: kill -9 the init of a supervised container (zero backoff), $ITER times, $n container(s) supervised =="
    local i old t0 t1 polls start deadline rec rc0 rc1 sa la runc_id tr
    state_of "$LAT"
    [ "$ST_STATUS" = running ] || die "$LAT is not running ($ST_STATUS)"
    # Cost of one poll, for the reader of (b).
    t0=$(now_us); for i in 1 2 3 4 5; do state_of "$LAT"; done; t1=$(now_us)
    echo $(((t1 - t0) / 5)) >"$d/poll"
    for ((i = 0; i <= ITER; i++)); do   # i = 0 is a warm-up of both
        state_of "$LAT"; old=$ST_PID
        ((old > 1)) || die "no pid for $LAT (status '$ST_STATUS')"   # never kill 0, -1 or 1
        rc0=$(record_json | jq -r '.restartCount // 0')
        polls=0
        t0=$(now_us)
        kill -KILL "$old"
        deadline=$((t0 + 10000000))
        while :; do
            state_of "$LAT"; polls=$((polls + 1))
            [ "$ST_STATUS" = running ] && ((ST_PID != old && ST_PID > 0)) && break
            (($(now_us) < deadline)) || die "$LAT not running again 10 s after kill -9 (status '$ST_STATUS'); daemon log: $(tail -n 5 "$DLOG")"
        done
        t1=$(now_us)
        # The daemon's own record: wait until it shows this restart, running.
        while :; do
            rec=$(record_json)
            rc1=$(jq -r '.restartCount // 0' <<<"$rec")
            [ "$(jq -r '.state | ascii_downcase' <<<"$rec")" = running ] && ((rc1 > rc0)) && break
            (($(now_us) < deadline)) || die "the record of $LAT does not show the restart: $rec"
            sleep 0.005
        done
        sa=$(iso_us "$(jq -r '.startedAt' <<<"$rec")"); la=$(iso_us "$(jq -r '.lastExitAt' <<<"$rec")")

        # runc, the same bundle: run -d (returns once started), then state until running.
        runc_id=rlb$$-runc-$n-$i
        RUNC_LIVE[$runc_id]=1
        tr=$(now_us)
        if ! "$RUNC" --root "$RUNC_ROOT" run -d --bundle "$BUNDLE" "$runc_id" </dev/null >/dev/null 2>>"$ERRLOG"; then
            echo "supervise.sh: error: runc run -d failed:" >&2; tail -n 10 "$ERRLOG" >&2; exit 1
        fi
        local tr1 tr2
        tr1=$(now_us)
        until [ "$("$RUNC" --root "$RUNC_ROOT" state "$runc_id" 2>/dev/null | jq -r .status)" = running ]; do
            (($(now_us) < tr1 + 10000000)) || die "runc container $runc_id not running"
        done
        tr2=$(now_us)
        "$RUNC" --root "$RUNC_ROOT" delete -f "$runc_id" </dev/null >/dev/null 2>>"$ERRLOG" || true
        unset 'RUNC_LIVE[$runc_id]'

        ((i == 0)) && continue
        echo $((sa - la)) >>"$d/a"
        echo $((t1 - t0)) >>"$d/b"
        echo "$polls" >>"$d/polls"
        echo $((tr1 - tr)) >>"$d/runc"
        echo $((tr2 - tr)) >>"$d/runc_state"
    done
    local a b r rs poll npoll
    read -r -a a <<<"$(stats "$d/a")"; read -r -a b <<<"$(stats "$d/b")"
    read -r -a r <<<"$(stats "$d/runc")"; read -r -a rs <<<"$(stats "$d/runc_state")"
    poll=$(awk '{ printf "%.1f", $1 / 1000 }' "$d/poll")
    npoll=$(sort -n "$d/polls" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    printf '%-62s %8s %8s %8s %8s %6s\n' "what (ms)" median p90 min max goal
    printf '%-62s %8s %8s %8s %8s %6s\n' "rlrun restart (a) daemon record: startedAt - lastExitAt" "${a[0]}" "${a[1]}" "${a[2]}" "${a[3]}" \
        "$(awk -v x="${a[0]}" -v y="${a[1]}" 'BEGIN { print (x < 50 && y < 50) ? "ok" : "OVER" }')"
    printf '%-62s %8s %8s %8s %8s %6s\n' "rlrun restart (b) kill -9 -> \`rlrun state\` new pid running" "${b[0]}" "${b[1]}" "${b[2]}" "${b[3]}" \
        "$(awk -v x="${b[0]}" -v y="${b[1]}" 'BEGIN { print (x < 50 && y < 50) ? "ok" : "OVER" }')"
    printf '%-62s %8s %8s %8s %8s\n' "runc run -d (returns with the container started)" "${r[0]}" "${r[1]}" "${r[2]}" "${r[3]}"
    printf '%-62s %8s %8s %8s %8s\n' "runc run -d + \`runc state\` shows running" "${rs[0]}" "${rs[1]}" "${rs[2]}" "${rs[3]}"
    echo "  goal: median and p90 both under 50 ms."
    echo "  (b) is an upper bound: it polls \`rlrun state\` (one call ~$poll ms; median $npoll polls per restart)."
    echo "  runc has no supervisor: the comparison is rlrun's restart (the daemon sees the exit, deletes the dead"
    echo "  container, creates and starts it again, in-process) against a fresh runc run -d of the same bundle from the CLI."
    echo "  ratio (a) rlrun restart [daemon record] / runc run -d:                  $(ratio "${a[0]}" "${r[0]}") (median), $(ratio "${a[1]}" "${r[1]}") (p90)"
    echo "  ratio (b) rlrun kill->state running / runc run -d + state running:      $(ratio "${b[0]}" "${rs[0]}") (median), $(ratio "${b[1]}" "${rs[1]}") (p90)"
}

# ---------------------------------------------------------------- cleanup
cleanup_inner() {
    local rc=$? ids=() f id t0 t1
    trap - EXIT INT TERM
    set +e
    for id in "${!RUNC_LIVE[@]}"; do
        "$RUNC" --root "$RUNC_ROOT" delete -f "$id" </dev/null >/dev/null 2>&1
    done
    if [ -n "${ROOT:-}" ] && [ -d "$ROOT/.supervised" ]; then
        for f in "$ROOT"/.supervised/*.json; do
            [ -e "$f" ] && ids+=("$(basename "$f" .json)")
        done
    fi
    [ -z "${DAEMON_PID:-}" ] && [ -n "${ROOT:-}" ] && [ -S "$ROOT/daemon.sock" ] && try_daemon_pid
    if ((${#ids[@]} > 0)) && [ -n "${DAEMON_PID:-}" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        t0=$(now_us)
        printf '%s\n' "${ids[@]}" | xargs -P "$PAR" -n 1 "$RLRUN" --root "$ROOT" delete -f >/dev/null 2>>"$ERRLOG"
        t1=$(now_us)
        awk -v n=${#ids[@]} -v us=$((t1 - t0)) -v p="$PAR" 'BEGIN {
            printf "supervise.sh: deleted %d supervised containers through the daemon (%d at a time): %.1f s, %.1f ms each\n", n, p, us / 1e6, us / 1000 / n }' >&2
    fi
    if [ -n "${DAEMON_PID:-}" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        kill -TERM "$DAEMON_PID"
        for _ in $(seq 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$DAEMON_PID" 2>/dev/null; then
            log "the daemon (pid $DAEMON_PID) ignored SIGTERM for 10 s; SIGKILL"
            kill -KILL "$DAEMON_PID"
        fi
    fi
    # What is left (a failed delete, a daemon that died): forget the records, delete directly.
    if [ -n "${ROOT:-}" ] && [ -d "$ROOT" ]; then
        rm -f "$ROOT"/.supervised/*.json
        for f in "$ROOT"/*/state.json; do
            [ -e "$f" ] || continue
            id=$(basename "$(dirname "$f")")
            log "leftover container $id: deleting it directly"
            "$RLRUN" --root "$ROOT" delete -f "$id" </dev/null >/dev/null 2>&1
        done
    fi
    ((rc == 0)) || { [ -f "${DLOG:-}" ] && { echo "--- daemon log (last lines):" >&2; tail -n 15 "$DLOG" >&2; }; }
    [ -n "${BENCH_WORK:-}" ] && rm -rf "$BENCH_WORK"
    exit "$rc"
}

if [ -n "${RLBENCH_INNER:-}" ]; then
    work_t=$RLBENCH_INNER/t
    mkdir -p "$work_t"
    bench "$RLBENCH_INNER"
    exit 0
fi

# ---------------------------------------------------------------- outer phase
repo=$(cd "$(dirname "$self")/.." && pwd)
RLRUN=${RLRUN:-$repo/artifacts/rlrun}
[ -x "$RLRUN" ] || die "rlrun binary not found at $RLRUN - run \`make build\` first (or set RLRUN=...)"
RLRUN=$(readlink -f "$RLRUN")
[ -x "$(dirname "$RLRUN")/rlrun-supervisor" ] || die "no rlrun-supervisor beside $RLRUN - run \`make build\`"

# As root the work dir must be reachable by the bench user: always under /tmp.
tmpbase=${TMPDIR:-/tmp}; [ "$(id -u)" -ne 0 ] || tmpbase=/tmp
work=$(mktemp -d "$tmpbase/rlsup.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
cp "$RLRUN" "$work/bin/rlrun"
cp "$(dirname "$RLRUN")/rlrun-supervisor" "$work/bin/rlrun-supervisor"
cp "$repo/scripts/mkrootfs.sh" "$work/mkrootfs.sh"
cp "$self" "$work/supervise.sh"
cp "$(dirname "$self")/lib.sh" "$work/lib.sh"
export SUPERVISE_ITER=$ITER SUPERVISE_PARALLEL=$PAR SUPERVISE_SETTLE=$SETTLE SUPERVISE_DAEMON_ENV=$DAEMON_ENV

if [ "$(id -u)" -ne 0 ]; then
    trap - EXIT   # the inner phase removes $work
    RLBENCH_INNER=$work RLRUN=$work/bin/rlrun exec bash "$work/supervise.sh" "$MAX"
fi

# Root: install what is missing, then re-run ourselves as the unprivileged user.
mapfile -t missing < <(missing_packages)
command -v newuidmap >/dev/null || missing+=(uidmap)
install_missing "${missing[@]}"
uid=$("$repo/scripts/ensure-user.sh" "$BENCH_USER")
gid=$(id -g "$BENCH_USER")
home=$(getent passwd "$BENCH_USER" | cut -d: -f6)
chown -R "$uid:$gid" "$work"

cd /   # the caller's cwd may be unreachable for the bench user (e.g. /root/...)
# A plain command prefix (not a function), so that `"${as_user[@]}" ... &` gives $! = the
# process that becomes the inner bash (setpriv and env exec). The inner phase sets its own
# XDG_RUNTIME_DIR, XDG_STATE_HOME and XDG_CONFIG_HOME under $work.
as_user=(setpriv --reuid="$uid" --regid="$gid" --init-groups
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$home" LANG=C.UTF-8
    SUPERVISE_ITER="$ITER" SUPERVISE_PARALLEL="$PAR" SUPERVISE_SETTLE="$SETTLE" SUPERVISE_DAEMON_ENV="$DAEMON_ENV")
log "running as $BENCH_USER (uid $uid), work dir $work"
run_forwarding "${as_user[@]}" RLBENCH_INNER="$work" RLRUN="$work/bin/rlrun" bash "$work/supervise.sh" "$MAX"
