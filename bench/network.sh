#!/usr/bin/env bash
# network.sh - published-port benchmark: rlrun vs a reference with the same helper, interleaved.
#
# For each row, rlrun's container and the reference run side by side (both up at once, on two
# loopback ports) and are measured turn about (who goes first alternating), so the machine's load
# falls on both alike:
#   throughput : iperf3 -c 127.0.0.1 -p PORT -t T from the host to `iperf3 -s` in the container
#                (median Gbit/s of R runs, received side; each run's JSON checked: no error, bytes > 0)
#   latency    : N HTTP requests from the host (curl, one new connection each: busybox httpd
#                closes it) to busybox httpd in the container (median ms of time_total; each
#                checked: HTTP 200 and the whole 1024-byte page)
# Rows and their references:
#   pasta                  : pasta by hand - the same /usr/bin/pasta with the very options rlrun
#                            gives it (read from `rlrun --debug`'s "network helper:" line), attached
#                            to a network namespace of `unshare --user --map-root-user --net`
#                            running the same server program (the host's iperf3, busybox httpd):
#                            what is left is the helper alone, so rlrun/by-hand shows what rlrun
#                            adds on the path. Debian 12's podman 4.3 has no --network pasta.
#   slirp4netns            : slirp4netns by hand, the same way (rlrun's options, its API's
#                            add_hostfwd for the port), and rootless podman --network
#                            slirp4netns:port_handler=slirp4netns (slirp4netns forwards the
#                            port, as for rlrun)
#   slirp4netns(rootlesskit): the same with podman's default port_handler=rootlesskit
# Prints rlrun / reference ratios (throughput: higher is better; latency: lower is better) and
# the load average before and after. Loopback only: the ports are published on 127.0.0.1.
#
# As root it installs what it needs (passt, slirp4netns, iperf3, curl, podman, jq, busybox-static,
# uidmap), makes the unprivileged user "rlbench" and runs as that user; else as the caller.
#
# Usage: bench/network.sh [R] [N] [T]   (default R=3 iperf3 runs, N=200 requests, T=5 seconds)
#   RLRUN=/path/to/rlrun                (default: <repo>/artifacts/rlrun)
#   RLBENCH_TRACE=1                     (the unprivileged phase under bash -x)
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
    mkdir -p "$rootfs/www" "$work/www"
    head -c 1024 /dev/zero | tr '\0' x >"$rootfs/www/index.html"
    cp "$rootfs/www/index.html" "$work/www/index.html"
    (cd "$bundle" && "$RLRUN" spec --rootless)
    log "rlrun: $RLRUN; podman: $(podman --version); pasta: $(dpkg-query -W -f='${Version}' passt 2>/dev/null || echo ?); slirp4netns: $(slirp4netns --version | head -n1)"
    log "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

    # port: a free loopback port, by asking the kernel.
    free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
        || echo $((20000 + RANDOM % 20000)); }
    wait_port() { # port: until a TCP connection succeeds (10 s)
        local i; for ((i = 0; i < 200; i++)); do
            (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done
        return 1
    }
    # helper_options H: H's options as rlrun gives them, from its --debug line "network helper: H
    # ARGS..." of a probe container, into $work/args.H one a line, with what is the probe's own
    # replaced: its init's PID (@PID@), pasta's pid file (@PIDFILE@) and -t (@PORTS@),
    # slirp4netns's API socket (@API@).
    helper_options() {
        local h=$1 port cport=80 name=rlnb-$$-probe line pid i args
        port=$(free_port)
        set_args /bin/busybox httpd -f -p 80 -h /www
        # To a file, not a pipe: the container's httpd holds what rlrun's stderr is.
        "$RLRUN" --debug --root "$state" run -d --bundle "$bundle" --network "$h" -p "127.0.0.1:$port:$cport" "$name" \
            </dev/null >/dev/null 2>"$work/probe.log" || { cat "$work/probe.log" >&2; die "rlrun run $name failed"; }
        pid=$("$RLRUN" --root "$state" state "$name" | jq .pid)
        "$RLRUN" --root "$state" delete --force "$name" >/dev/null 2>&1 || true
        line=$(grep -o "network helper: $h .*" "$work/probe.log" | head -n1) || true
        [ -n "$line" ] || die "rlrun --debug did not say how it runs $h"
        read -r -a args <<<"${line#network helper: $h }"
        for i in "${!args[@]}"; do
            case ${args[$i]} in
            "$pid") args[i]=@PID@ ;;
            --pid) args[i + 1]=@PIDFILE@ ;;
            --api-socket) args[i + 1]=@API@ ;;
            "127.0.0.1/$port:$cport") args[i]=@PORTS@ ;;
            esac
        done
        [[ " ${args[*]} " == *" @PID@ "* ]] || die "rlrun --debug's $h line has no PID $pid: $line"
        [ "$h" != pasta ] || [[ " ${args[*]} " == *" @PORTS@ "* ]] || die "rlrun --debug's pasta line has no -t 127.0.0.1/$port:$cport: $line"
        printf '%s\n' "${args[@]}" >"$work/args.$h"
        log "$h by hand: $h ${args[*]}"
    }
    # hostfwd SOCKET PORT CPORT: slirp4netns's add_hostfwd, as rlrun's SlirpApi sends it.
    hostfwd() {
        python3 - "$@" <<'PY' || die "slirp4netns by hand: add_hostfwd $2:$3 failed"
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
s.sendall(json.dumps({"execute": "add_hostfwd", "arguments": {"proto": "tcp", "host_addr": "127.0.0.1",
    "host_port": int(sys.argv[2]), "guest_port": int(sys.argv[3])}}).encode()); s.shutdown(socket.SHUT_WR)
answer = s.recv(4096).decode()
sys.exit(0 if '"return"' in answer else answer)
PY
    }
    set_args() { # the bundle's process.args
        jq --argjson a "$(printf '%s\n' "$@" | jq -R . | jq -s .)" '.process.args = $a | .process.terminal = false | .root.readonly = false' \
            "$bundle/config.json" >"$bundle/config.json.new" && mv "$bundle/config.json.new" "$bundle/config.json"
    }
    start() { # runtime network port cport name args...
        local rt=$1 net=$2 port=$3 cport=$4 name=$5; shift 5
        case $rt in
        rlrun)
            set_args "$@"
            "$RLRUN" --root "$state" run -d --bundle "$bundle" --network "$net" -p "127.0.0.1:$port:$cport" "$name" \
                </dev/null >/dev/null 2>>"$work/err.log" || { tail "$work/err.log" >&2; die "rlrun run $name failed"; } ;;
        podman)
            # crun (podman's default) refuses hybrid cgroups such as the test machine's: runc.
            podman --runtime "$(find_runc)" run -d --name "$name" --network "$net" -p "127.0.0.1:$port:$cport" --rootfs "$rootfs" "$@" \
                </dev/null >/dev/null 2>>"$work/err.log" || { tail "$work/err.log" >&2; die "podman run $name failed"; } ;;
        hand)
            # The server in a network namespace of its own (its loopback up, as rlrun's container
            # has), then the helper attached to it with rlrun's options (pasta -f stays our child).
            local a=() s w opts
            # The same server program, from the host's file system: its page is $work/www's copy.
            for w in "$@"; do [ "$w" = /www ] && a+=("$work/www") || a+=("$w"); done
            set -- "${a[@]}"; a=()
            unshare --user --map-root-user --net -- /bin/sh -c 'ip link set lo up && cd "$0" && exec "$@"' "$work/www" "$@" \
                </dev/null >>"$work/hand.log" 2>&1 &
            s=$!
            echo "$s" >>"$BENCH_STATE/hand.pids"
            for ((w = 0; w < 100; w++)); do
                [ "$(readlink "/proc/$s/ns/net" 2>/dev/null)" != "$(readlink /proc/self/ns/net)" ] && break; sleep 0.02; done
            mapfile -t opts <"$work/args.$net"
            for w in "${opts[@]}"; do
                case $w in
                @PID@) a+=("$s") ;; @PIDFILE@) a+=("$work/$name.pid") ;; @API@) a+=("$work/$name.sock") ;;
                @PORTS@) a+=("127.0.0.1/$port:$cport") ;; *) a+=("$w") ;;
                esac
            done
            : >"$work/$name.ready"
            "$net" "${a[@]}" </dev/null >>"$work/hand.log" 2>&1 4>"$work/$name.ready" &
            echo "$!" >>"$BENCH_STATE/hand.pids"
            echo "$s $!" >"$work/$name.hand"
            if [ "$net" = slirp4netns ]; then # ready (it writes "1" on fd 4), then the port, through its API
                for ((w = 0; w < 250; w++)); do [ -s "$work/$name.ready" ] && break; sleep 0.02; done
                [ -s "$work/$name.ready" ] || { tail "$work/hand.log" >&2; die "slirp4netns by hand: not ready"; }
                hostfwd "$work/$name.sock" "$port" "$cport"
            fi ;;
        esac
        wait_port "$port" || { tail "$work/err.log" "$work/hand.log" >&2 2>/dev/null; die "$rt $net: port $port never answered"; }
        wait_server "$port" "$cport" || die "$rt $net: the server behind port $port never answered"
    }
    # wait_server port cport: until the server in the container answers through the port (10 s).
    # A forwarder (pasta, slirp4netns, rootlessport) accepts on the host port before the server
    # inside listens, and then closes that connection: a TCP connect alone proves nothing.
    wait_server() {
        local i; for ((i = 0; i < 100; i++)); do
            if [ "$2" = 5201 ]; then iperf3 -c 127.0.0.1 -p "$1" -n 1K >/dev/null 2>&1 && return 0
            else curl -sf -o /dev/null "http://127.0.0.1:$1/" && return 0; fi
            sleep 0.1
        done
        return 1
    }
    stop() { # runtime name
        case $1 in
        rlrun) "$RLRUN" --root "$state" delete --force "$2" >/dev/null 2>&1 ;;
        podman) podman rm -f -t 0 "$2" >/dev/null 2>&1 ;;
        hand) local p; for p in $(cat "$work/$2.hand"); do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done ;;
        esac
    }
    # iperf PORT WHO: one timed run, checked; appends its Gbit/s to $work/g.WHO.
    iperf() {
        local out
        out=$(iperf3 -c 127.0.0.1 -p "$1" -t "$T" -J) || die "$2: iperf3 failed: $(jq -r .error <<<"$out" 2>/dev/null)"
        jq -e '(.error == null) and (.end.sum_received.bytes > 0)' <<<"$out" >/dev/null || die "$2: iperf3 moved nothing: $(jq -c '.error // .end.sum_received' <<<"$out")"
        jq '.end.sum_received.bits_per_second / 1e9' <<<"$out" >>"$work/g.$2"
    }
    # request PORT WHO: one request on a new connection, checked; appends its ms to $work/l.WHO.
    request() {
        local out code size t
        out=$(curl -sS -o /dev/null -w '%{http_code} %{size_download} %{time_total}' "http://127.0.0.1:$1/") || die "$2: request failed"
        read -r code size t <<<"$out"
        [ "$code" = 200 ] && [ "$size" = 1024 ] || die "$2: request: HTTP $code, $size bytes"
        awk -v t="$t" 'BEGIN { print t * 1000 }' >>"$work/l.$2"
    }

    # pair rt_a net_a rt_b net_b: both servers up at once, measured turn about (a, b, a, b...);
    # prints "gbits_a gbits_b ms_a ms_b".
    pair() {
        local ra=$1 na=$2 rb=$3 nb=$4 pa pb i
        rm -f "$work"/g.[ab] "$work"/l.[ab]
        pa=$(free_port); start "$ra" "$na" "$pa" 5201 "rlnb-$$-a-iperf" /usr/bin/iperf3 -s -p 5201
        pb=$(free_port); start "$rb" "$nb" "$pb" 5201 "rlnb-$$-b-iperf" /usr/bin/iperf3 -s -p 5201
        # Turn about, and who goes first alternates: neither gets the other's warm-up or wake-up.
        for ((i = 0; i < R; i++)); do
            if ((i % 2 == 0)); then iperf "$pa" a; iperf "$pb" b; else iperf "$pb" b; iperf "$pa" a; fi
        done
        stop "$ra" "rlnb-$$-a-iperf"; stop "$rb" "rlnb-$$-b-iperf"
        pa=$(free_port); start "$ra" "$na" "$pa" 80 "rlnb-$$-a-httpd" /bin/busybox httpd -f -p 80 -h /www
        pb=$(free_port); start "$rb" "$nb" "$pb" 80 "rlnb-$$-b-httpd" /bin/busybox httpd -f -p 80 -h /www
        for ((i = 0; i < N; i++)); do
            if ((i % 2 == 0)); then request "$pa" a; request "$pb" b; else request "$pb" b; request "$pa" a; fi
        done
        stop "$ra" "rlnb-$$-a-httpd"; stop "$rb" "rlnb-$$-b-httpd"
        echo "$(median <"$work/g.a") $(median <"$work/g.b") $(median <"$work/l.a") $(median <"$work/l.b")"
    }

    helper_options pasta
    helper_options slirp4netns
    printf '%-26s %-46s %10s %10s %12s %12s\n' helper reference rlrun_Gb/s ref_Gb/s rlrun_req_ms ref_req_ms
    local row label rnet ref rrt pnet ag bg al bl out
    for row in "pasta pasta pasta-by-hand hand pasta" \
        "slirp4netns slirp4netns slirp4netns-by-hand hand slirp4netns" \
        "slirp4netns slirp4netns podman podman slirp4netns:port_handler=slirp4netns" \
        "slirp4netns(rootlesskit) slirp4netns podman podman slirp4netns:port_handler=rootlesskit"; do
        read -r label rnet ref rrt pnet <<<"$row"
        [ "$rrt" = podman ] && ref="podman $(podman --version | awk '{print $3}') $pnet"
        out=$(pair rlrun "$rnet" "$rrt" "$pnet") || die "$label: a run failed (above)"
        read -r ag bg al bl <<<"$out"
        printf '%-26s %-46s %10s %10s %12s %12s   ratio rlrun/ref: throughput %s, latency %s\n' \
            "$label" "$ref" "$ag" "$bg" "$al" "$bl" "$(ratio "$ag" "$bg")" "$(ratio "$al" "$bl")"
    done
    if ! podman run --help 2>/dev/null | grep -q -- '--network.*pasta\|pasta'; then
        log "podman $(podman --version | awk '{print $3}') has no --network pasta: pasta's reference is pasta by hand"
    fi
    log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Every container of this run, by its state dir and name prefix: measure runs in a $(...)
# subshell, so what it started is not in this shell's LIVE.
cleanup_inner() {
    local d n p
    # pasta by hand and its servers (started in measure's subshell: not this shell's children).
    for p in $(cat "$BENCH_STATE/hand.pids" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
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
run_forwarding "${as_user[@]}" RLBENCH_INNER="$work" RLRUN="$RLRUN" bash ${RLBENCH_TRACE:+-x} "$work/network.sh" "$R" "$N" "$T"
