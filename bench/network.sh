#!/usr/bin/env bash
# network.sh - published-port benchmark: rlrun vs rootless podman, each with the same helper.
#
# For each helper (pasta, slirp4netns) and runtime (rlrun --network H, podman --network H):
#   throughput : iperf3 -c 127.0.0.1 -p PORT -t T from the host to `iperf3 -s` in the container
#                (median Gbit/s of R runs, received side)
#   latency    : N HTTP requests from the host (curl, one new connection each: busybox httpd
#                closes it) to busybox httpd in the container (median ms of time_total)
# Prints rlrun / podman ratios. Loopback only: the ports are published on 127.0.0.1.
# podman's slirp4netns runs with port_handler=slirp4netns (slirp4netns forwards the port, as for
# rlrun); its default, port_handler=rootlesskit, is printed as a third row. Debian 12's podman 4.3 has no
# --network pasta: that column says n/a.
#
# As root it installs what it needs (passt, slirp4netns, iperf3, curl, podman, jq, busybox-static,
# uidmap), makes the unprivileged user "rlbench" and runs as that user; else as the caller.
#
# Usage: bench/network.sh [R] [N] [T]   (default R=3 iperf3 runs, N=200 requests, T=5 seconds)
#   RLRUN=/path/to/rlrun                (default: <repo>/artifacts/rlrun)
set -euo pipefail

BENCH_USER=rlbench
self=$(readlink -f "${BASH_SOURCE[0]}")
die() { echo "network.sh: error: $*" >&2; exit 1; }
log() { echo "network.sh: $*" >&2; }
. "$(dirname "$self")/lib.sh"

R=${1:-3}; N=${2:-200}; T=${3:-5}
for v in "$R" "$N" "$T"; do [[ $v =~ ^[1-9][0-9]*$ ]] || die "usage: $0 [R] [N] [T] (positive integers)"; done

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) { print "n/a"; exit }
    m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.2f", m }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }

# ---------------------------------------------------------------- inner phase
bench() {
    local work=$1
    [ "$(id -u)" -ne 0 ] || die "refusing to benchmark as root; the point is rootless"
    local state=${XDG_RUNTIME_DIR:-$work}/rlnetbench.$$
    mkdir -p "$state"
    BENCH_STATE=$state BENCH_PID=$$
    trap cleanup_inner EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    # One rootfs for both runtimes: busybox, and iperf3 with the libraries it links.
    local bundle=$work/bundle rootfs=$work/bundle/rootfs
    "$work/mkrootfs.sh" "$rootfs" >/dev/null
    local f
    for f in /usr/bin/iperf3 $(ldd /usr/bin/iperf3 | grep -o '/[^ ]*'); do
        mkdir -p "$rootfs$(dirname "$f")"
        cp -L "$f" "$rootfs$f"
    done
    mkdir -p "$rootfs/www"
    head -c 1024 /dev/zero | tr '\0' x >"$rootfs/www/index.html"
    (cd "$bundle" && "$RLRUN" spec --rootless)
    log "rlrun: $RLRUN; podman: $(podman --version); pasta: $(dpkg-query -W -f='${Version}' passt 2>/dev/null || echo ?); slirp4netns: $(slirp4netns --version | head -n1)"

    # port: a free loopback port, by asking the kernel.
    free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
        || echo $((20000 + RANDOM % 20000)); }
    wait_port() { # port: until a TCP connection succeeds (10 s)
        local i; for ((i = 0; i < 200; i++)); do
            (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done
        return 1
    }
    start() { # runtime network port cport name args...
        local rt=$1 net=$2 port=$3 cport=$4 name=$5; shift 5
        case $rt in
        rlrun)
            jq --argjson a "$(printf '%s\n' "$@" | jq -R . | jq -s .)" '.process.args = $a | .process.terminal = false | .root.readonly = false' \
                "$bundle/config.json" >"$bundle/config.json.new" && mv "$bundle/config.json.new" "$bundle/config.json"
            "$RLRUN" --root "$state" run -d --bundle "$bundle" --network "$net" -p "127.0.0.1:$port:$cport" "$name" \
                </dev/null >/dev/null 2>>"$work/err.log" || { tail "$work/err.log" >&2; die "rlrun run $name failed"; } ;;
        podman)
            # crun (podman's default) refuses hybrid cgroups such as the test machine's: runc.
            podman --runtime "$(find_runc)" run -d --name "$name" --network "$net" -p "127.0.0.1:$port:$cport" --rootfs "$rootfs" "$@" \
                </dev/null >/dev/null 2>>"$work/err.log" || { tail "$work/err.log" >&2; die "podman run $name failed"; } ;;
        esac
        wait_port "$port" || die "$rt $net: port $port never answered"
    }
    stop() { # runtime name
        case $1 in
        rlrun) "$RLRUN" --root "$state" delete --force "$2" >/dev/null 2>&1 ;;
        podman) podman rm -f -t 0 "$2" >/dev/null 2>&1 ;;
        esac
    }

    # measure runtime helper network: prints "gbits latency_ms" (n/a n/a when not supported).
    measure() {
        local rt=$1 net=$3 port name i out
        port=$(free_port); name=rlnb-$$-$rt-iperf
        start "$rt" "$net" "$port" 5201 "$name" /usr/bin/iperf3 -s -p 5201
        : >"$work/g"
        for ((i = 0; i < R; i++)); do
            out=$(iperf3 -c 127.0.0.1 -p "$port" -t "$T" -J) || die "$rt $net: iperf3 failed: $(jq -r .error <<<"$out" 2>/dev/null)"
            jq -e '.end.sum_received.bits_per_second' <<<"$out" >/dev/null || die "$rt $net: iperf3 said no throughput"
            jq '.end.sum_received.bits_per_second / 1e9' <<<"$out" >>"$work/g"
        done
        stop "$rt" "$name"
        port=$(free_port); name=rlnb-$$-$rt-httpd
        start "$rt" "$net" "$port" 80 "$name" /bin/busybox httpd -f -p 80 -h /www
        : >"$work/l"
        for ((i = 0; i < N; i++)); do
            out=$(curl -sS -o /dev/null -w '%{http_code} %{time_total}' "http://127.0.0.1:$port/") || die "$rt $net: request $i failed"
            [ "${out%% *}" = 200 ] || die "$rt $net: request $i: HTTP ${out%% *}"
            awk '{ print $2 * 1000 }' <<<"$out" >>"$work/l"
        done
        stop "$rt" "$name"
        echo "$(median <"$work/g") $(median <"$work/l")"
    }

    printf '%-34s %10s %10s %12s %12s\n' helper rlrun_Gb/s podman_Gb/s rlrun_req_ms podman_req_ms
    local row a b
    for row in "pasta pasta pasta" "slirp4netns slirp4netns slirp4netns:port_handler=slirp4netns" \
        "slirp4netns(podman:rootlesskit) slirp4netns slirp4netns:port_handler=rootlesskit"; do
        read -r label rnet pnet <<<"$row"
        a=$(measure rlrun "$label" "$rnet")
        if [ "$pnet" = pasta ] && ! podman run --help 2>/dev/null | grep -q pasta; then
            b="n/a n/a"; log "podman $(podman --version | awk '{print $3}') has no --network pasta: n/a"
        else
            b=$(measure podman "$label" "$pnet")
        fi
        read -r ag al <<<"$a"; read -r bg bl <<<"$b"
        printf '%-34s %10s %10s %12s %12s   ratio rlrun/podman: throughput %s, latency %s\n' \
            "$label" "$ag" "$bg" "$al" "$bl" "$(ratio "$ag" "$bg")" "$(ratio "$al" "$bl")"
    done
}

# Every container of this run, by its state dir and name prefix: measure runs in a $(...)
# subshell, so what it started is not in this shell's LIVE.
cleanup_inner() {
    local d n
    for d in "$BENCH_STATE"/*/; do
        [ -d "$d" ] && "$RLRUN" --root "$BENCH_STATE" delete --force "$(basename "$d")" >/dev/null 2>&1 || true
    done
    for n in $(podman ps -a --format '{{.Names}}' 2>/dev/null | grep "^rlnb-$BENCH_PID-" || true); do
        podman rm -f -t 0 "$n" >/dev/null 2>&1 || true
    done
    rm -rf "$BENCH_STATE"
    if [ -n "${BENCH_RM_WORK:-}" ]; then rm -rf "$BENCH_RM_WORK"; fi
}

if [ -n "${RLBENCH_INNER:-}" ]; then
    bench "$RLBENCH_INNER"
    exit 0
fi

# ---------------------------------------------------------------- outer phase
bench_work rlnetbench

if [ "$(id -u)" -ne 0 ]; then
    export RLRUN
    BENCH_RM_WORK=$work
    bench "$work"
    exit 0
fi

mapfile -t missing < <(missing_packages
    for p in passt slirp4netns iperf3 curl podman; do dpkg-query -W "$p" >/dev/null 2>&1 || echo "$p"; done)
install_missing "${missing[@]}"
bench_as_user "$BENCH_USER"
log "running as $BENCH_USER (uid $uid)"
run_forwarding "${as_user[@]}" RLBENCH_INNER="$work" RLRUN="$RLRUN" bash "$work/network.sh" "$R" "$N" "$T"
