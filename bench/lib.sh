# Shared by the benchmarks (sourced; each copies it beside itself into its work dir, since the
# unprivileged user may not read the repository).

# The runc to compare with: on PATH, or where Debian puts it.
find_runc() {
    command -v runc 2>/dev/null && return
    local p
    for p in /usr/sbin/runc /sbin/runc /usr/bin/runc; do
        [ -x "$p" ] && { echo "$p"; return; }
    done
    return 1
}

# install_missing PKG...: apt-get installs the packages named (none: nothing), updating the
# package lists once if the first attempt fails.
install_missing() {
    [ $# -gt 0 ] || return 0
    log "installing $*"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends "$@" >&2; then
        apt-get update >&2
        apt-get install -y --no-install-recommends "$@" >&2
    fi
}

# The packages every benchmark needs that are not installed: runc, jq, a static busybox.
missing_packages() {
    find_runc >/dev/null || echo runc
    command -v jq >/dev/null || echo jq
    { [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; } || echo busybox-static
}

# run_forwarded CMD...: runs the inner (unprivileged) phase in the background, forwards
# INT/TERM to it as TERM (so it deletes its containers before the caller removes its work dir),
# and returns its status. run_forwarding: the same, then exits with it.
run_forwarded() {
    "$@" &
    local child=$! rc=0
    trap 'kill -TERM "$child" 2>/dev/null || true' INT TERM
    while :; do
        wait "$child" && rc=0 || rc=$?
        kill -0 "$child" 2>/dev/null || break
    done
    trap - INT TERM
    return "$rc"
}
run_forwarding() {
    local rc=0
    run_forwarded "$@" || rc=$?
    exit "$rc"
}

# bench_user USER: sets as_user, a plain command prefix (not a function, so that `"${as_user[@]}"
# ... &` gives $! = the process that becomes the command) running what follows as USER with a
# clean environment: XDG_RUNTIME_DIR, PATH, HOME, LANG.
bench_user() {
    local uid gid home
    uid=$(id -u "$1") gid=$(id -g "$1") home=$(getent passwd "$1" | cut -d: -f6)
    as_user=(setpriv --reuid="$uid" --regid="$gid" --init-groups
        env -i XDG_RUNTIME_DIR="/run/user/$uid" PATH=/usr/sbin:/usr/bin:/sbin:/bin
        HOME="$home" LANG=C.UTF-8)
}

# bench_work PREFIX: the start of a benchmark's outer phase. Sets repo, RLRUN (absolute; default
# <repo>/artifacts/rlrun, which must exist) and work: a new directory PREFIX.XXXXXX (under /tmp as
# root, so that the bench user can reach it) holding a copy of scripts/mkrootfs.sh, removed at exit.
# Needs $self (the script's absolute path) and die.
bench_work() {
    repo=$(cd "$(dirname "$self")/.." && pwd)
    RLRUN=${RLRUN:-$repo/artifacts/rlrun}
    [ -x "$RLRUN" ] || die "rlrun binary not found at $RLRUN - run \`make build\` first (or set RLRUN=...)"
    RLRUN=$(readlink -f "$RLRUN")
    local tmpbase=${TMPDIR:-/tmp}
    [ "$(id -u)" -ne 0 ] || tmpbase=/tmp
    work=$(mktemp -d "$tmpbase/$1.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    cp "$repo/scripts/mkrootfs.sh" "$work/mkrootfs.sh"
}

# bench_as_user USER: as root, once the packages are in: makes USER (scripts/ensure-user.sh), sets
# uid, gid, home and as_user (bench_user), gives USER the work dir with copies of the script and
# lib.sh (the user may not read the repository), and rlrun too when USER cannot reach RLRUN (e.g. a
# repo under /root), then cds to / (the caller's cwd may be unreachable for USER). The script then
# re-runs itself: "${as_user[@]}" RLBENCH_INNER="$work" RLRUN="$RLRUN" bash "$work/SCRIPT" ...
bench_as_user() {
    uid=$("$repo/scripts/ensure-user.sh" "$1")
    gid=$(id -g "$1")
    home=$(getent passwd "$1" | cut -d: -f6)
    bench_user "$1"
    cp "$self" "$work/$(basename "$self")"
    cp "$(dirname "$self")/lib.sh" "$work/lib.sh"
    if ! "${as_user[@]}" test -x "$RLRUN"; then
        cp "$RLRUN" "$work/rlrun"
        RLRUN=$work/rlrun
    fi
    chown -R "$uid:$gid" "$work"
    cd /
}

# median FILE: the median of the numbers in FILE (one a line), or n/a when there are none.
median() {
    sort -n "$1" | awk '{ a[NR] = $1 } END {
        if (NR == 0) { print "n/a"; exit }
        print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# median_ms FILE: the median of microsecond counts, in ms with one decimal (n/a for none).
median_ms() {
    local m; m=$(median "$1")
    [ "$m" = n/a ] && echo n/a || awk -v m="$m" 'BEGIN { printf "%.1f", m / 1000 }'
}

# ratio A B: A/B with two decimals; n/a unless both are numbers and B > 0.
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'
}

# load_average: the 1-minute load average, for the line under a figure (compare ratios, not times).
load_average() { cut -d' ' -f1 /proc/loadavg; }

# debug_phase_medians N: reads N runs' `rlrun --debug` lines on stdin ("rlrun: debug: [  12.3ms] message",
# or "... message (at 10.2ms in the init)") and prints the median time of each phase, keyed by the
# message with its numbers as N (a bench container ID rlbPID-WORD-I as ID), in the order first seen.
debug_phase_medians() {
    awk -v runs="$1" '
        /rlrun: debug: \[/ {
            line = $0; sub(/^.*rlrun: debug: \[ */, "", line)
            t = line; sub(/ms\].*$/, "", t)
            msg = line; sub(/^[^]]*\] /, "", msg)
            if (match(msg, / \(at [0-9.]+ms in the init\)$/)) {
                t = substr(msg, RSTART + 5); sub(/ms in the init\)$/, "", t); msg = substr(msg, 1, RSTART - 1)
            }
            gsub(/[0-9]+/, "N", msg); gsub(/rlbN-[a-z]+-N/, "ID", msg)
            if (!(msg in n)) order[++keys] = msg
            v[msg, ++n[msg]] = t
        }
        END {
            for (k = 1; k <= keys; k++) {
                m = order[k]; c = n[m]
                for (i = 1; i <= c; i++) a[i] = v[m, i]
                for (i = 2; i <= c; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > x + 0; j--) a[j + 1] = a[j]; a[j + 1] = x }
                med = (c % 2) ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
                printf "%9.1f  %s%s\n", med, m, (c < runs) ? sprintf(" (in %d of the runs)", c) : ""
            }
        }'
}
