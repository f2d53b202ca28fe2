#!/usr/bin/env bash
# image-run.sh - image container start-up: rlrun vs rootless podman (with runc) vs runc.
#
# One busybox image (scripts/mkrootfs.sh's rootfs), imported into rootless podman
# (`podman import`) and from podman's oci-archive into rlrun's store, so both run the
# same layers. Warm starts, each run N times, interleaved to cancel drift, each checked
# for success:
#   rlrun image D   : `rlrun run --rm --storage-driver D --image IMG ID true`, D = overlay,
#                     fuse-overlayfs, vfs (networked by default, as podman's: pasta, else slirp4netns)
#   rlrun image none: the same with overlay and `--network none`, like for like with the bundle
#                     runs (which have no network helper); podman --network none likewise
#   rlrun image slirp: the same with overlay and `--network slirp4netns`: podman 4.3's own default
#                     network (it has no pasta before 4.4), so this is the like-for-like network row
#   rlrun bundle    : `rlrun run --bundle B ID` of the same rootfs unpacked (true)
#   rlrun bundle sub: the same bundle without uid/gid mappings in config.json, so rlrun maps the
#                     subordinate ranges through newuidmap/newgidmap as it does for every image
#                     container (whose layers hold files of subordinate IDs): like for like in IDs
#   runc bundle     : `runc run --bundle B ID`
#   podman          : `podman --runtime runc run --rm IMG true`
# Prints the load average, the median wall time of each, the ratios the issue sets goals for (image run vs
# podman: <= 0.25; image run vs rlrun's own bundle run: <= 1.2), and the cost of the
# layered root per driver (median image run - median bundle run).
#
# As root it installs what it needs, makes the user "rlbench" (scripts/ensure-user.sh)
# and runs as that user; otherwise as the caller.
#
# --profile: instead, N runs of `rlrun --debug run --rm --network NET --image IMG true` (NET from
# RLBENCH_NETWORK, default none) and the median time of each --debug phase (stage 0's and the
# init's), beside the median wall of the whole run.
#
# Usage: bench/image-run.sh [--profile] [N]       (default N=10)
#   RLRUN=/path/to/rlrun              (default: <repo>/artifacts/rlrun)
#   RLRUN_BASE=/path/to/rlrun         another rlrun (with its rlrun-init beside it), interleaved as
#                                     "base" rows of the image runs and the subuid bundle: a change's
#                                     before and after in one run
#   RLBENCH_NETWORK=MODE              --profile's network (none, slirp4netns, pasta; default none)
set -euo pipefail

BENCH_USER=rlbench
self=$(readlink -f "${BASH_SOURCE[0]}")
die() { echo "image-run.sh: error: $*" >&2; exit 1; }
log() { echo "image-run.sh: $*" >&2; }
. "$(dirname "$self")/lib.sh"

PROFILE=
[ "${1:-}" = --profile ] && { PROFILE=1; shift; }
N=${1:-10}
[[ $N =~ ^[1-9][0-9]*$ ]] || die "usage: $0 [--profile] [N]  (N = positive iteration count)"
IMG=localhost/rlbench-image:1

bench() {
    local work=$1
    local runc_bin; runc_bin=$(find_runc) || die "runc not found"
    [ "$(id -u)" -ne 0 ] || die "refusing to benchmark as root; the point is rootless"
    local base=${XDG_RUNTIME_DIR:-$work}/rlbench-image.$$
    mkdir -p "$base/rlrun" "$base/runc"
    BENCH_BASE=$base
    export XDG_DATA_HOME=$work/data   # rlrun's image store, removed with the work dir
    local store=$XDG_DATA_HOME/rlrun/storage errlog=$work/stderr.log
    declare -gA LIVE=()
    trap cleanup_inner EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    local bundle=$work/bundle
    "$work/mkrootfs.sh" "$bundle/rootfs" >/dev/null
    (cd "$bundle" && "$runc_bin" --root "$base/runc" spec --rootless)
    jq '.process.args = ["true"] | .process.terminal = false' "$bundle/config.json" >"$bundle/c.json"
    mv "$bundle/c.json" "$bundle/config.json"
    local bundle_sub=$work/bundle-sub
    mkdir -p "$bundle_sub"
    jq --arg root "$bundle/rootfs" 'del(.linux.uidMappings, .linux.gidMappings) | .root.path = $root' "$bundle/config.json" >"$bundle_sub/config.json"

    local podman=1
    # Owned by root in the layer, as a registry's images are (the bench user's own uid there would
    # make every copied-up directory a subordinate ID's, which only the unpacker's namespace removes).
    tar -C "$bundle/rootfs" --numeric-owner --owner=0 --group=0 -c . | podman import -q - "$IMG" >/dev/null 2>>"$errlog" || podman=
    if [ -n "$podman" ] && podman save -q --format oci-archive -o "$work/image.tar" "$IMG" 2>>"$errlog"; then
        "$RLRUN" image import "oci-archive:$work/image.tar" "$IMG" >/dev/null
    else
        log "podman could not import the image (see below): rlrun imports an OCI layout of the rootfs instead, and podman is left out"
        tail -n 5 "$errlog" >&2
        podman=
        umoci init --layout "$work/layout" && umoci new --image "$work/layout:1"
        umoci unpack --rootless --image "$work/layout:1" "$work/ub" >/dev/null
        cp -a "$bundle/rootfs/." "$work/ub/rootfs/"
        umoci repack --image "$work/layout:1" "$work/ub"
        "$RLRUN" image import "oci:$work/layout:1" "$IMG" >/dev/null
    fi
    [ -z "$PROFILE" ] || { profile "$work" "$base"; return; }
    local rlbase=${RLRUN_BASE:-}
    log "rlrun: $RLRUN${rlbase:+; base: $rlbase}; runc: $runc_bin; podman: ${podman:+$(podman --version)}; N=$N (+1 warm-up each); load average $(cut -d' ' -f1-3 /proc/loadavg)"

    # timed NAME CMD...: one run, which must succeed; appends its wall time (us) to t.NAME.
    timed() {
        local name=$1; shift
        local t0=$EPOCHREALTIME
        if ! "$@" </dev/null >/dev/null 2>>"$errlog"; then
            echo "image-run.sh: error: '$*' failed; stderr:" >&2
            tail -n 20 "$errlog" >&2
            exit 1
        fi
        local t1=$EPOCHREALTIME
        ((i == 0)) || echo $((${t1//[.,]/} - ${t0//[.,]/})) >>"$work/t.$name"
    }
    local drivers=(overlay fuse-overlayfs vfs) d i id w
    # one WORKLOAD: a timed run of it. Each round runs every workload once, in a new random order:
    # a run pays for what the run before it left (the vfs run's removal of a whole copied root
    # keeps ext4 busy for the next one), so no row may always follow the same other row.
    one() {
        case $1 in
        image-*-net)
            d=${1#image-}; d=${d%-net}; id=rlbi$$-$d-$i; LIVE[$id]=rlrun
            timed "image-$d" "$RLRUN" --root "$base/rlrun" run --rm --storage-driver "$d" --image "$IMG" "$id" -- true ;;
        image-none)
            id=rlbn$$-$i; LIVE[$id]=rlrun
            timed image-overlay-none "$RLRUN" --root "$base/rlrun" run --rm --network none --storage-driver overlay --image "$IMG" "$id" -- true ;;
        image-slirp)
            id=rlbl$$-$i; LIVE[$id]=rlrun
            timed image-overlay-slirp "$RLRUN" --root "$base/rlrun" run --rm --network slirp4netns --storage-driver overlay --image "$IMG" "$id" -- true ;;
        base-image-*)
            local net=${1#base-image-} netflag
            netflag=(--network "$net"); [ "$net" != default ] || netflag=()
            id=rlbx$$-$net-$i; LIVE[$id]=base
            timed "base-image-$net" "$rlbase" --root "$base/rlrun" run --rm "${netflag[@]}" --storage-driver overlay --image "$IMG" "$id" -- true ;;
        base-bundle-sub)
            id=rlby$$-$i; LIVE[$id]=base
            timed base-bundle-sub "$rlbase" --root "$base/rlrun" run --bundle "$bundle_sub" "$id" ;;
        bundle-rlrun)
            id=rlbb$$-$i; LIVE[$id]=rlrun
            timed bundle-rlrun "$RLRUN" --root "$base/rlrun" run --bundle "$bundle" "$id" ;;
        bundle-sub)
            id=rlbs$$-$i; LIVE[$id]=rlrun
            timed bundle-sub "$RLRUN" --root "$base/rlrun" run --bundle "$bundle_sub" "$id" ;;
        bundle-runc)
            id=rlbr$$-$i; LIVE[$id]=runc
            timed bundle-runc "$runc_bin" --root "$base/runc" run --bundle "$bundle" "$id" ;;
        podman) id=; timed podman podman --runtime "$runc_bin" run --rm "$IMG" true ;;
        podman-none) id=; timed podman-none podman --runtime "$runc_bin" run --rm --network none "$IMG" true ;;
        esac
        [ -z "$id" ] || unset 'LIVE[$id]'
    }
    local workloads=()
    for d in "${drivers[@]}"; do workloads+=("image-$d-net"); done
    workloads+=(image-none image-slirp bundle-rlrun bundle-sub bundle-runc)
    [ -z "$rlbase" ] || workloads+=(base-image-none base-image-slirp4netns base-image-default base-bundle-sub)
    [ -z "$podman" ] || workloads+=(podman podman-none)
    for ((i = 0; i <= N; i++)); do
        for w in $(printf '%s\n' "${workloads[@]}" | shuf); do one "$w"; done
    done

    median_ms() { [ -f "$1" ] || { echo n/a; return; }; sort -n "$1" | awk '{ a[NR] = $1 } END {
        m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
        printf "%.1f", m / 1000 }'; }
    ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "n/a" && b != "n/a") printf "%.2f", a / b; else print "n/a" }'; }
    local bundle_ms runc_ms podman_ms podman_none_ms none_ms
    bundle_ms=$(median_ms "$work/t.bundle-rlrun"); runc_ms=$(median_ms "$work/t.bundle-runc"); podman_ms=$(median_ms "$work/t.podman")
    podman_none_ms=$(median_ms "$work/t.podman-none"); none_ms=$(median_ms "$work/t.image-overlay-none")
    local sub_ms; sub_ms=$(median_ms "$work/t.bundle-sub")
    echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%-34s %9s %12s %12s %12s %14s\n' workload ms vs_podman vs_bundle vs_runc mount_cost_ms
    for d in "${drivers[@]}"; do
        local ms; ms=$(median_ms "$work/t.image-$d")
        printf '%-34s %9s %12s %12s %12s %14s\n' "rlrun run --image ($d)" "$ms" "$(ratio "$ms" "$podman_ms")" "$(ratio "$ms" "$bundle_ms")" \
            "$(ratio "$ms" "$runc_ms")" "$(awk -v a="$ms" -v b="$bundle_ms" 'BEGIN { printf "%.1f", a - b }')"
    done
    printf '%-34s %9s %12s %12s %12s %14s\n' "rlrun run --image (overlay, none)" "$none_ms" "$(ratio "$none_ms" "$podman_none_ms")" "$(ratio "$none_ms" "$bundle_ms")" \
        "$(ratio "$none_ms" "$runc_ms")" "$(awk -v a="$none_ms" -v b="$bundle_ms" 'BEGIN { printf "%.1f", a - b }')"
    local slirp_ms; slirp_ms=$(median_ms "$work/t.image-overlay-slirp")
    printf '%-34s %9s %12s %12s %12s %14s\n' "rlrun run --image (overlay, slirp)" "$slirp_ms" "$(ratio "$slirp_ms" "$podman_ms")" "$(ratio "$slirp_ms" "$bundle_ms")" \
        "$(ratio "$slirp_ms" "$runc_ms")" "$(awk -v a="$slirp_ms" -v b="$bundle_ms" 'BEGIN { printf "%.1f", a - b }')"
    printf '%-34s %9s %12s %12s %12s %14s\n' "rlrun run --bundle" "$bundle_ms" "$(ratio "$bundle_ms" "$podman_ms")" 1.00 "$(ratio "$bundle_ms" "$runc_ms")" -
    printf '%-34s %9s %12s %12s %12s %14s\n' "rlrun run --bundle (subuid map)" "$sub_ms" "$(ratio "$sub_ms" "$podman_none_ms")" "$(ratio "$sub_ms" "$bundle_ms")" "$(ratio "$sub_ms" "$runc_ms")" -
    echo "image run (overlay, none) vs bundle (subuid map): $(ratio "$none_ms" "$sub_ms")"
    printf '%-34s %9s %12s %12s %12s %14s\n' "runc run --bundle" "$runc_ms" "$(ratio "$runc_ms" "$podman_ms")" "$(ratio "$runc_ms" "$bundle_ms")" 1.00 -
    printf '%-34s %9s %12s %12s %12s %14s\n' "podman run --rm (runc)" "$podman_ms" 1.00 "$(ratio "$podman_ms" "$bundle_ms")" "$(ratio "$podman_ms" "$runc_ms")" -
    printf '%-34s %9s %12s %12s %12s %14s\n' "podman run --rm --network none" "$podman_none_ms" 1.00 "$(ratio "$podman_none_ms" "$bundle_ms")" "$(ratio "$podman_none_ms" "$runc_ms")" -
    echo "(the none rows' vs_podman is against podman --network none; the podman row runs podman's rootless default network, slirp4netns before podman 4.4: the slirp row is like for like with it)"
    echo "goals: image run (overlay) <= 0.25x podman, <= 1.2x rlrun's bundle run"
    [ -z "$rlbase" ] || compare_base "$work" "$podman_ms" "$podman_none_ms"
}

# compare_base WORK PODMAN_MS PODMAN_NONE_MS: this build's image runs beside the base's, each against
# podman (the none row against podman --network none) and against its own build's subuid bundle run.
compare_base() {
    local work=$1 podman_ms=$2 podman_none_ms=$3 name label mine theirs pod ms bms sub bsub
    sub=$(median_ms "$work/t.bundle-sub"); bsub=$(median_ms "$work/t.base-bundle-sub")
    echo "this build vs base ($RLRUN_BASE), interleaved; vs_sub: against the same build's bundle run with subuid maps"
    printf '%-28s %9s %9s %8s %9s %9s %8s %10s\n' workload ms vs_podman vs_sub base_ms vs_podman vs_sub this/base
    for name in "image, none:image-overlay-none:base-image-none:$podman_none_ms" \
        "image, slirp4netns:image-overlay-slirp:base-image-slirp4netns:$podman_ms" \
        "image, default (pasta):image-overlay:base-image-default:$podman_ms" \
        "bundle, subuid maps:bundle-sub:base-bundle-sub:$podman_none_ms"; do
        IFS=: read -r label mine theirs pod <<<"$name"
        ms=$(median_ms "$work/t.$mine"); bms=$(median_ms "$work/t.$theirs")
        printf '%-28s %9s %9s %8s %9s %9s %8s %10s\n' "$label" "$ms" "$(ratio "$ms" "$pod")" "$(ratio "$ms" "$sub")" \
            "$bms" "$(ratio "$bms" "$pod")" "$(ratio "$bms" "$bsub")" "$(ratio "$ms" "$bms")"
    done
}

# Inner --profile: N runs of `rlrun --debug run --rm --image`, the median time of each phase it logs.
profile() {
    local work=$1 base=$2 net=${RLBENCH_NETWORK:-none} i t0 t1 id
    for ((i = 0; i <= N; i++)); do
        id=rlb$$-iprof-$i; LIVE[$id]=rlrun
        t0=$EPOCHREALTIME
        "$RLRUN" --root "$base/rlrun" --debug run --rm --network "$net" --storage-driver overlay --image "$IMG" "$id" -- true \
            </dev/null >/dev/null 2>"$work/debug.$i" || { cat "$work/debug.$i" >&2; die "rlrun --debug run --image failed"; }
        t1=$EPOCHREALTIME
        unset 'LIVE[$id]'
        ((i == 0)) || echo $((${t1//[.,]/} - ${t0//[.,]/})) >>"$work/p.wall"
    done
    printf '%9s  %s   (load %s, N=%d, --network %s)\n' ms "phase (median time since rlrun's Main; init: lines stamped by the init)" "$(load_average)" "$N" "$net"
    for ((i = 1; i <= N; i++)); do cat "$work/debug.$i"; done | debug_phase_medians "$N"
    printf '%9s  %s\n' "$(median_ms "$work/p.wall")" "wall of the whole run, as the caller sees it"
}

cleanup_inner() {
    local id
    for id in "${!LIVE[@]}"; do
        case ${LIVE[$id]} in
        runc) "$(find_runc)" --root "$BENCH_BASE/runc" delete --force "$id" >/dev/null 2>&1 || true ;;
        base) "$RLRUN_BASE" --root "$BENCH_BASE/rlrun" delete --force "$id" >/dev/null 2>&1 || true ;;
        *) "$RLRUN" --root "$BENCH_BASE/rlrun" delete --force "$id" >/dev/null 2>&1 || true ;;
        esac
    done
    podman rmi -f "$IMG" >/dev/null 2>&1 || true
    "$RLRUN" rmi --force "$IMG" >/dev/null 2>&1 || true
    "$RLRUN" image prune >/dev/null 2>&1 || true
    [ -z "${BENCH_BASE:-}" ] || rm -rf "$BENCH_BASE"
    [ -z "${BENCH_RM_WORK:-}" ] || rm -rf "$BENCH_RM_WORK"
}

if [ -n "${RLBENCH_INNER:-}" ]; then
    bench "$RLBENCH_INNER"
    exit 0
fi

bench_work rlbench-image

if [ "$(id -u)" -ne 0 ]; then
    export RLRUN
    BENCH_RM_WORK=$work
    bench "$work"
    exit 0
fi

mapfile -t missing < <(missing_packages; command -v podman >/dev/null || echo podman; command -v fuse-overlayfs >/dev/null || echo fuse-overlayfs; command -v umoci >/dev/null || echo umoci)
install_missing "${missing[@]}"
bench_as_user "$BENCH_USER"
# podman starts a pause process for the bench user (it holds podman's user namespace) and leaves
# it: stopped at the end when this run started it (as bench/images.sh does).
pause_file=/run/user/$uid/libpod/tmp/pause.pid
pause_before=$(cat "$pause_file" 2>/dev/null || true)
stop_pause() {
    local pause; pause=$(cat "$pause_file" 2>/dev/null || true)
    if [ -n "$pause" ] && [ "$pause" != "$pause_before" ]; then kill "$pause" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap stop_pause EXIT
log "running as $BENCH_USER (uid $uid)"
if [ -n "${RLRUN_BASE:-}" ]; then
    RLRUN_BASE=$(readlink -f "$RLRUN_BASE")
    "${as_user[@]}" test -x "$RLRUN_BASE" || die "RLRUN_BASE=$RLRUN_BASE: $BENCH_USER cannot run it (put it, with its rlrun-init, where $BENCH_USER reaches)"
fi
run_forwarding "${as_user[@]}" RLBENCH_INNER="$work" RLRUN="$RLRUN" RLRUN_BASE="${RLRUN_BASE:-}" RLBENCH_NETWORK="${RLBENCH_NETWORK:-}" \
    bash "$work/image-run.sh" ${PROFILE:+--profile} "$N"
