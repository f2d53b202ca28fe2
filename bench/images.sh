#!/usr/bin/env bash
# images.sh - pull + unpack of a real image from a loopback registry: `rlrun pull` against
# `skopeo copy` + `umoci unpack --rootless` and against rootless `podman pull`, all as the bench
# user, each with a fresh store every run, interleaved, every run checked. The image is a Debian
# root made here by `mmdebstrap --variant=minbase bookworm` (cached in $CACHE), split into three
# layers (usr/, var/ + etc/, the rest), gzip'd by skopeo on the push to Debian's docker-registry.
# Goal (issue 12): rlrun <= 0.5x podman and <= 1x skopeo+umoci. Root only.
#
# Usage: bench/images.sh [N]        (default N=5)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
N=${1:-5}
BENCH_USER=rlbench
CACHE=${CACHE:-/var/tmp/rlrun-bench-images}
[ "$(id -u)" -eq 0 ] || { echo "images.sh: run as root (it builds the image and runs the tools as $BENCH_USER)" >&2; exit 1; }
for tool in docker-registry skopeo umoci mmdebstrap podman; do
    command -v "$tool" >/dev/null || { echo "images.sh: $tool is missing (apt-get install docker-registry skopeo umoci mmdebstrap podman)" >&2; exit 1; }
done
rlrun=$repo/artifacts/rlrun
[ -x "$rlrun" ] || { echo "images.sh: $rlrun is missing: make build" >&2; exit 1; }

uid=$("$repo/scripts/ensure-user.sh" "$BENCH_USER")
work=$(mktemp -d /var/tmp/rlrun-bench-images.XXXXXX)
chmod 0755 "$work"
registry_pid=
# podman pull starts a pause process for the bench user (it holds podman's user namespace) and
# leaves it: stopped at the end when this run started it.
pause_file=/run/user/$uid/libpod/tmp/pause.pid
pause_before=$(cat "$pause_file" 2>/dev/null || true)
cleanup() {
    [ -z "$registry_pid" ] || kill "$registry_pid" 2>/dev/null || true
    local pause; pause=$(cat "$pause_file" 2>/dev/null || true)
    if [ -n "$pause" ] && [ "$pause" != "$pause_before" ]; then kill "$pause" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
log() { echo "images.sh: $*" >&2; }

mkdir -p "$CACHE"
if [ ! -s "$CACHE/bookworm.tar" ]; then
    log "mmdebstrap --variant=minbase bookworm (once, cached in $CACHE)"
    mmdebstrap --variant=minbase --format=tar bookworm "$CACHE/bookworm.tar.part" >&2
    mv "$CACHE/bookworm.tar.part" "$CACHE/bookworm.tar"
fi

# The root, then three layer tars from it, then an OCI layout with umoci.
mkdir "$work/root"
tar -C "$work/root" --numeric-owner -xpf "$CACHE/bookworm.tar"
others=$(cd "$work/root" && ls -A | grep -vx -e usr -e var -e etc | tr '\n' ' ')
tar -C "$work/root" --numeric-owner -cf "$work/l1.tar" usr
tar -C "$work/root" --numeric-owner -cf "$work/l2.tar" var etc
# shellcheck disable=SC2086
tar -C "$work/root" --numeric-owner -cf "$work/l3.tar" $others
rm -rf "$work/root"
umoci init --layout "$work/layout" >/dev/null
umoci new --image "$work/layout:1" >/dev/null
for l in 1 2 3; do umoci raw add-layer --image "$work/layout:1" "$work/l$l.tar" >/dev/null; rm "$work/l$l.tar"; done

port=$(( 20000 + RANDOM % 20000 ))
while ss -ltnH "sport = :$port" | grep -q .; do port=$(( 20000 + RANDOM % 20000 )); done
cat > "$work/registry.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
YML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
ref=127.0.0.1:$port/bench/debian:1
skopeo --insecure-policy copy --quiet --dest-tls-verify=false "oci:$work/layout:1" "docker://$ref"
rm -rf "$work/layout"
log "image $ref: $(skopeo inspect --tls-verify=false --raw "docker://$ref" | jq '[.layers[].size] | add') bytes compressed, 3 layers"

as_user() { setpriv --reuid="$uid" --regid="$uid" --init-groups env -i HOME="/home/$BENCH_USER" PATH=/usr/sbin:/usr/bin:/sbin:/bin XDG_RUNTIME_DIR="/run/user/$uid" "$@"; }
mkdir -p "/run/user/$uid" && chown "$uid:$uid" "/run/user/$uid" && chmod 0700 "/run/user/$uid"
mkdir "$work/u" && chown "$uid:$uid" "$work/u"
# rlrun hands pull to rlrun-full beside it (the registry client is kept out of rlrun).
cp "$rlrun" "$work/rlrun" && cp "$(dirname "$rlrun")/rlrun-full" "$work/rlrun-full" && chmod 0755 "$work/rlrun" "$work/rlrun-full"

# Each tool's run, from an empty store; the check is that the unpacked root has /usr/bin/bash.
run_rlrun() {
    as_user "$work/rlrun" pull --quiet --storage "$work/u/rl" "$ref" >/dev/null
    local p found=
    for p in $(as_user "$work/rlrun" image inspect --storage "$work/u/rl" "$ref" | jq -r '.[0].layer_records[].path'); do
        if [ -e "$p/usr/bin/bash" ]; then found=1; fi
    done
    [ -n "$found" ]
}
clean_rlrun() { as_user "$work/rlrun" rmi --storage "$work/u/rl" "$ref" >/dev/null; rm -rf "$work/u/rl"; }
run_skopeo_umoci() {
    as_user skopeo --insecure-policy copy --quiet --src-tls-verify=false "docker://$ref" "oci:$work/u/oci:1"
    as_user umoci unpack --rootless --image "$work/u/oci:1" "$work/u/bundle" >/dev/null
    [ -e "$work/u/bundle/rootfs/usr/bin/bash" ]
}
clean_skopeo_umoci() { rm -rf "$work/u/oci" "$work/u/bundle"; }
run_podman() {
    as_user podman --root "$work/u/podman" --runroot "$work/u/podman-run" pull --quiet --tls-verify=false "$ref" >/dev/null
    as_user podman --root "$work/u/podman" --runroot "$work/u/podman-run" image exists "$ref"
}
clean_podman() { as_user podman --root "$work/u/podman" --runroot "$work/u/podman-run" unshare rm -rf "$work/u/podman" "$work/u/podman-run"; }

# On a shared machine the figures depend on the load: it is printed with them.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A times
for i in $(seq "$N"); do
    for tool in rlrun skopeo_umoci podman; do
        t0=$(date +%s%N)
        "run_$tool" || { echo "images.sh: run $i of $tool failed" >&2; exit 1; }
        t1=$(date +%s%N)
        "clean_$tool"
        times[$tool]+="$(( (t1 - t0) / 1000000 )) "
    done
    last=${times[rlrun]% }
    log "run $i: rlrun ${last##* } ms"
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rl=$(echo "${times[rlrun]}" | median); su=$(echo "${times[skopeo_umoci]}" | median); pm=$(echo "${times[podman]}" | median)
printf '%-22s %8s ms   (runs: %s)\n' "rlrun pull" "$rl" "${times[rlrun]}"
printf '%-22s %8s ms   (runs: %s)\n' "skopeo copy + umoci" "$su" "${times[skopeo_umoci]}"
printf '%-22s %8s ms   (runs: %s)\n' "podman pull" "$pm" "${times[podman]}"
awk -v r="$rl" -v s="$su" -v p="$pm" 'BEGIN { printf "rlrun/podman %.2f (goal <= 0.5)   rlrun/(skopeo+umoci) %.2f (goal <= 1)\n", r/p, r/s }'
echo "load average (1, 5, 15 min): $load_before before the runs, $(cut -d' ' -f1-3 /proc/loadavg) after; $(nproc) CPUs"
