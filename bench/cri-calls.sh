#!/usr/bin/env bash
# cri-calls.sh - what the runc shim calls per pod, and how long each call takes, handler rlrun
# against handler runc: a private containerd 1.6 (its own config, root, state and socket under a
# temp dir, its state and the runtimes' roots on a tmpfs as /run is on a node; disable_cgroup and
# restrict_oom_score_adj as the CRI lane on this host) whose two
# handlers run their runtime through a wrapper that logs each call's argv and wall time. N pods
# per handler, interleaved, each: RunPodSandbox + CreateContainer + StartContainer until the
# container's line is in its CRI log, then StopContainer (the container's shell exits at once on
# TERM: a trap, and `sleep & wait`), StopPodSandbox, RemovePodSandbox.
# The CRI client is the VM lane's shell one (tests/vm/cri-lib.sh: protoc + curl); the images are
# tests/vm/cri-images.sh's (busybox-static, imported with ctr). Prints, per shim call (in the
# order of a pod's life), the median wall time for each handler and the ratio, then the pod start
# and stop medians with the sum of the runtime calls in them. The wrapper's own cost (a bash
# fork/exec per call) is in both columns; the shell client's (protoc and curl per CRI call) is in
# the pod totals: for the pod start ratio itself, use bench/cri.sh. Root only.
#
# With RLRUN_DEBUG=FILE, rlrun runs with --debug and each call's debug lines (the time since its
# Main began, per phase) are copied to FILE, under the call's argv.
#
# With RLRUN_BASE=PATH (another build of rlrun, its rlrun-init beside it), a third handler "base"
# runs it, interleaved with the other two: before and after a change in one run, columns side by side.
#
# Usage: [RLRUN_DEBUG=FILE] [RLRUN_BASE=PATH] bench/cri-calls.sh [N]     (default N=5)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
N=${1:-5}
[ "$(id -u)" -eq 0 ] || { echo "cri-calls.sh: run as root (containerd runs as root)" >&2; exit 1; }
for tool in containerd containerd-shim-runc-v2 ctr runc curl protoc jq python3; do
  command -v "$tool" >/dev/null || { echo "cri-calls.sh: $tool is missing (apt-get install containerd runc curl protobuf-compiler jq python3)" >&2; exit 1; }
done
rlrun=$repo/artifacts/rlrun
[ -x "$rlrun" ] || { echo "cri-calls.sh: $rlrun is missing: make build" >&2; exit 1; }
handlers="rlrun runc"
if [ -n "${RLRUN_BASE:-}" ]; then
  [ -x "$RLRUN_BASE" ] || { echo "cri-calls.sh: RLRUN_BASE=$RLRUN_BASE is not an executable" >&2; exit 1; }
  handlers="rlrun base runc"
fi

D=$(mktemp -d /tmp/rlrun-cri-calls.XXXXXX)
cleanup() {
  if [ -n "${RLRUN_DEBUG:-}" ] && [ -f "$D/debug.log" ]; then cp "$D/debug.log" "$RLRUN_DEBUG"; fi
  set +e # every step runs: a failed one must not leave the rest (grep finding no mount, say)
  [ -f "$D/d.pid" ] && kill "$(cat "$D/d.pid")" 2>/dev/null
  # the shims outlive containerd by design: ours are those given our socket
  for p in $(pgrep -f "containerd-shim-runc-v2 .*-address $D/c.sock" || true); do kill -9 "$p" 2>/dev/null || true; done
  sleep 0.5
  grep -o " $D/[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$D"
}
trap cleanup EXIT
mkdir -p "$D/cni" "$D/pod-logs" "$D/run"
# containerd's state and the runtimes' roots on a tmpfs, as /run is on a node (the CRI lane's too)
mount -t tmpfs -o mode=0700,size=256m tmpfs "$D/run"
for rt in $handlers; do
  real=$rlrun; [ $rt = runc ] && real=$(command -v runc); [ $rt = base ] && real=$RLRUN_BASE
  debug=; [ $rt = rlrun ] && [ -n "${RLRUN_DEBUG:-}" ] && debug=--debug
  cat > "$D/wrap-$rt" <<EOF
#!/bin/bash
t0=\$EPOCHREALTIME
"$real" $debug "\$@"
rc=\$?
t1=\$EPOCHREALTIME
echo "call $rt \$(( (\${t1/./} - \${t0/./}) / 1000 )) rc=\$rc \$*" >> "$D/calls.log"
if [ -n "$debug" ]; then # the shim's --log FILE holds rlrun's debug lines: keep them, with the call
  log=; prev=; for a in "\$@"; do [ "\$prev" = --log ] && log=\$a; prev=\$a; done
  { echo "== \$*"; [ -n "\$log" ] && grep '"level":"debug"' "\$log" 2>/dev/null | sed 's/.*"msg":"\([^"]*\)".*/  \1/'; } >> "$D/debug.log"
  [ -n "\$log" ] && sed -i '/"level":"debug"/d' "\$log" 2>/dev/null
fi
exit \$rc
EOF
  chmod +x "$D/wrap-$rt"
done
runtime() { cat <<EOF
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$1]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$1.options]
        BinaryName = "$D/wrap-$1"
        Root = "$D/run/$1-root"
EOF
}
cat > "$D/config.toml" <<EOF
version = 2
root = "$D/root"
state = "$D/run/state"
[grpc]
  address = "$D/c.sock"
[ttrpc]
  address = "$D/c.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$D/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "lane.invalid/cri/pause:v1"
  enable_selinux = false
  disable_cgroup = true
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$D/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
$(for h in $handlers; do runtime "$h"; done)
EOF
containerd --config "$D/config.toml" --log-level warn > "$D/containerd.log" 2>&1 &
echo $! > "$D/d.pid"
export CRI_SOCK=$D/c.sock CRI_PROTO=$repo/tests/Rlrun.CriTests/Proto CRI_TMP=$D
. "$repo/tests/vm/cri-lib.sh"
for i in $(seq 100); do echo 'version: "v1"' | cri Version >/dev/null 2>&1 && break; sleep 0.2; done
"$repo/tests/vm/cri-images.sh" "$D/images.tar"
ctr -a "$CRI_SOCK" -n k8s.io images import "$D/images.tar" >/dev/null

ms() { echo $(( (${2/./} - ${1/./}) / 1000 )); }
pod() { # HANDLER I
  local h=$1 i=$2 pc pod cid t0 t1
  pc="metadata { name: \"p-$h-$i\" uid: \"u-$h-$i\" namespace: \"bench\" } log_directory: \"$D/pod-logs/$h-$i\"
      linux { security_context { namespace_options { network: NODE } } }"
  mkdir -p "$D/pod-logs/$h-$i"
  echo "pod $h start" >> "$D/calls.log"
  t0=$EPOCHREALTIME
  pod=$(echo "config { $pc } runtime_handler: \"$h\"" | cri RunPodSandbox | field pod_sandbox_id)
  cid=$(echo "pod_sandbox_id: \"$pod\" config { metadata { name: \"c\" } image { image: \"lane.invalid/cri/busybox:v1\" }
        command: \"/bin/sh\" args: \"-c\" args: \"trap 'exit 0' TERM; echo up; while :; do sleep 1 & wait \$!; done\" log_path: \"c.log\" } sandbox_config { $pc }" |
        cri CreateContainer | field container_id)
  echo "container_id: \"$cid\"" | cri StartContainer >/dev/null
  until grep -q ' up$' "$D/pod-logs/$h-$i/c.log" 2>/dev/null; do sleep 0.005; done
  t1=$EPOCHREALTIME
  echo "total $h start $(ms "$t0" "$t1")" >> "$D/calls.log"
  echo "pod $h stop" >> "$D/calls.log"
  t0=$EPOCHREALTIME
  echo "container_id: \"$cid\" timeout: 2" | cri StopContainer >/dev/null
  echo "pod_sandbox_id: \"$pod\"" | cri StopPodSandbox >/dev/null
  echo "pod_sandbox_id: \"$pod\"" | cri RemovePodSandbox >/dev/null
  t1=$EPOCHREALTIME
  echo "total $h stop $(ms "$t0" "$t1")" >> "$D/calls.log"
}
echo "cri-calls.sh: $N pods per handler, interleaved; containerd $(containerd --version | awk '{print $3}'), $(runc --version | head -1), $("$rlrun" --version | head -1)" >&2
for i in $(seq "$N"); do for h in $handlers; do pod "$h" "$i"; done; done

python3 - "$D/calls.log" $handlers <<'EOF'
import re, statistics as st, sys
calls, totals, order, phase, seen = {}, {}, [], None, {}
for line in open(sys.argv[1]):
    f = line.split()
    if f[0] == "pod":
        phase, seen = f[2], {}
    elif f[0] == "total":
        totals.setdefault((f[1], f[2]), []).append(int(f[3]))
    elif f[0] == "call":
        m = re.search(r"--log-format json (\S+(?: --\S+)?)", line)
        k = f"{phase}: {m.group(1) if m else '?'}"
        n = seen.get(k, 0); seen[k] = n + 1
        k = f"{k} #{n + 1}"
        if k not in order: order.append(k)
        calls.setdefault((f[1], k), []).append(int(f[2]))
med = lambda v: st.median(v) if v else float("nan")
hs = sys.argv[2:]  # rlrun [base] runc: the ratios are each rlrun build's over runc's
print(f"{'shim call':34s}" + "".join(f" {h + ' ms':>9s}" for h in hs) + "".join(f" {h + '/runc':>10s}" for h in hs[:-1]))
for k in order:
    m = [med(calls.get((h, k), [])) for h in hs]
    print(f"{k:34s}" + "".join(f" {x:9.0f}" for x in m) + "".join(f" {x / m[-1] if m[-1] else float('nan'):10.2f}" for x in m[:-1]))
for p in ("start", "stop"):
    parts = []
    for h in hs:
        t = med(totals.get((h, p), []))
        r = sum(med(calls.get((h, k), [])) for k in order if k.startswith(p + ":"))
        parts.append(f"{h} {t:.0f} ms (runtime calls {r:.0f})")
    ratios = "; ".join(f"{h}/runc {med(totals.get((h, p), [])) / med(totals.get(('runc', p), [])):.2f}" for h in hs[:-1])
    print(f"pod {p}: " + ", ".join(parts) + f"; {ratios}")
EOF
