#!/bin/sh
# 50-cri-pod: the root CRI lane on a pure cgroup v2 node (the systemd boot, as
# root). A private containerd (Debian's 1.6, started as a transient system
# unit with Delegate=yes, as containerd.service runs; cgroupfs driver) with
# the CRI plugin and one handler, $LANE_RUNTIME (the runc shim with BinaryName
# = the runtime under test). The images are built on the host from
# busybox-static (tests/vm/cri-images.sh) and imported with ctr; everything
# else goes through the CRI, with the shell client of cri-lib.sh (curl +
# protoc), the calls kubelet makes:
#   RunPodSandbox (handler $LANE_RUNTIME, cgroup_parent /kubepods/podlane as
#   kubelet's cgroupfs driver gives), CreateContainer with memory 64 MiB, cpu
#   quota 20000/100000, unified pids.max 20, StartContainer: the container's
#   cgroup is /kubepods/podlane/ID with memory.max, cpu.max and pids.max;
#   ExecSync: a fork loop is refused before 22 forks; a 100 MiB allocation is
#   OOM-killed (137, oom_kill counted); the container's busy loop is throttled;
#   UpdateContainerResources (the shim's `update --resources -`) to 128 MiB
#   and quota 50000: memory.max and cpu.max change, and the same 100 MiB
#   allocation now succeeds; StopContainer (SIGTERM: 143), RemoveContainer,
#   StopPodSandbox, RemovePodSandbox: `list` under the shim's root is empty,
#   the cgroups are gone.
# lane-timeout: 360
# (containerd, a pod and six ExecSyncs under TCG: 60-100 s on a quiet host, more under load)
. "$LANE_EXTRA/case-lib.sh"
. "$LANE_EXTRA/cri-lib.sh"
[ "$(id -u)" = 0 ] || skip "runs as root (the lane's root cases)"
[ "${LANE_MODE:-}" = systemd ] || skip "needs the lane's systemd boot (systemd PID 1, pure cgroup v2)"
for p in containerd containerd-shim-runc-v2 ctr curl protoc; do
  command -v $p >/dev/null || fail "$p is not in the VM (run-lane.sh copies it for the root cases)"
done

D=$WORK/cri
mkdir -p "$D/pod-logs" "$D/cni"
export CRI_SOCK=$D/containerd.sock CRI_PROTO=$LANE_EXTRA/cri-proto CRI_TMP=$WORK
UNIT=lane-containerd-$LANE_RUNTIME
SHIM_ROOT=$D/rt-root/k8s.io
POD= CID=
step() { echo "[$(uptime_s)] $*"; }
cri_cleanup() {
  CRI_TIMEOUT=20
  if [ -n "$POD" ]; then
    echo "pod_sandbox_id: \"$POD\"" | cri StopPodSandbox >/dev/null 2>&1
    echo "pod_sandbox_id: \"$POD\"" | cri RemovePodSandbox >/dev/null 2>&1
  fi
  systemctl stop "$UNIT" >/dev/null 2>&1
}
trap 'cri_cleanup; cleanup' EXIT
trap 'cri_cleanup; cleanup; exit 143' TERM INT

cat > "$D/config.toml" <<EOF
version = 2
root = "$D/root"
state = "$D/state"
[grpc]
  address = "$CRI_SOCK"
[ttrpc]
  address = "$CRI_SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$D/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "lane.invalid/cri/pause:v1"
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$D/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "$LANE_RUNTIME"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$LANE_RUNTIME]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$LANE_RUNTIME.options]
        BinaryName = "$RT_BIN"
        Root = "$D/rt-root"
EOF
t0=$(uptime_s)
systemd-run --unit="$UNIT" --quiet -p Delegate=yes -p KillMode=mixed \
  /bin/sh -c "exec containerd --config $D/config.toml --log-level warn 2>>$D/containerd.log" \
  || fail "systemd-run containerd failed"
n=0
until echo 'version: "v1"' | cri Version > "$WORK/version" 2>/dev/null; do
  n=$((n + 1))
  [ $n -lt 300 ] || fail "containerd did not answer on $CRI_SOCK in 60 s: $(tail -n 5 "$D/containerd.log" | oneline)"
  sleep 0.2
done
echo "containerd: $(field runtime_version < "$WORK/version") (CRI $(field runtime_api_version < "$WORK/version")), up in $(awk -v a="$t0" -v b="$(uptime_s)" 'BEGIN{printf "%.1f", b - a}') s"
ctr -a "$CRI_SOCK" -n k8s.io images import "$LANE_EXTRA/cri-images.tar" > "$WORK/import" 2>&1 \
  || fail "ctr images import failed: $(oneline < "$WORK/import")"
echo 'image { image: "lane.invalid/cri/busybox:v1" }' | cri ImageStatus > "$WORK/image" || fail "ImageStatus failed"
[ -n "$(field id < "$WORK/image")" ] || fail "ImageStatus: no image lane.invalid/cri/busybox:v1 after the import"

POD_CONFIG="metadata { name: \"lane-pod\" uid: \"lane-pod-uid\" namespace: \"default\" }
  log_directory: \"$D/pod-logs\"
  linux { cgroup_parent: \"/kubepods/podlane\" security_context { namespace_options { network: NODE } } }"
echo "config { $POD_CONFIG } runtime_handler: \"$LANE_RUNTIME\"" | cri RunPodSandbox > "$WORK/pod" \
  || fail "RunPodSandbox failed: $(grep -v 'level=warning' "$D/containerd.log" | tail -n 1 | cut -c1-400)"
POD=$(field pod_sandbox_id < "$WORK/pod")
step "pod sandbox $POD"

cat > "$WORK/create" <<EOF
pod_sandbox_id: "$POD"
config {
  metadata { name: "limits" }
  image { image: "lane.invalid/cri/busybox:v1" }
  command: "/bin/sh" args: "-c" args: "echo started; i=0; while [ \$i -lt 30000 ]; do i=\$((i + 1)); done; echo busy-done; exec sleep 3600"
  log_path: "limits.log"
  linux { resources { cpu_period: 100000 cpu_quota: 20000 memory_limit_in_bytes: 67108864
                      unified { key: "pids.max" value: "20" } } }
}
sandbox_config { $POD_CONFIG }
EOF
cri CreateContainer < "$WORK/create" > "$WORK/created" || fail "CreateContainer failed"
CID=$(field container_id < "$WORK/created")
step "container $CID created"
echo "container_id: \"$CID\"" | cri StartContainer > /dev/null || fail "StartContainer failed"
step "container started"
wait_for "$D/pod-logs/limits.log" 'started' 60 || fail "no 'started' in the CRI log: $(oneline < "$D/pod-logs/limits.log")"
echo "container_id: \"$CID\"" | cri ContainerStatus > "$WORK/status" || fail "ContainerStatus failed"
[ "$(field state < "$WORK/status")" = CONTAINER_RUNNING ] || fail "ContainerStatus: $(oneline < "$WORK/status")"

"$RT_BIN" --root "$SHIM_ROOT" state "$CID" > "$WORK/state.json" 2>&1 || fail "state $CID under the shim's root: $(oneline < "$WORK/state.json")"
PID=$(jq -r .pid "$WORK/state.json") OUT=$D/pod-logs/limits.log
container_cgroup
case $CG in /sys/fs/cgroup/kubepods/podlane/*) ;; *) fail "the container's cgroup is $CG, not under the pod's /kubepods/podlane" ;; esac
expect_file memory.max 67108864
expect_file cpu.max "20000 100000"
expect_file pids.max 20

# exec SCRIPT: ExecSync of sh -c SCRIPT (no double quotes in it); sets XOUT and XRC
exec_sync() {
  step "ExecSync: $1"
  echo "container_id: \"$CID\" cmd: \"sh\" cmd: \"-c\" cmd: \"$1\" timeout: 60" | cri ExecSync > "$WORK/exec" \
    || fail "ExecSync of '$1' failed"
  XRC=$(field exit_code < "$WORK/exec"); XRC=${XRC:-0}
  XOUT=$(field stdout < "$WORK/exec")
}

exec_sync '( i=0; while [ $i -lt 40 ]; do sleep 100 & echo $! >> /tmp/kids; i=$((i + 1)); echo forked $i; done ) 2>&1; kill $(cat /tmp/kids)'
forks=$(printf '%b' "$XOUT" | grep -c '^forked ')
echo "fork loop under pids.max 20: $forks forks; pids.events: $(oneline < "$CG/pids.events")"
[ "$forks" -lt 22 ] || fail "$forks of 40 forks succeeded under pids.max 20"
[ "$(sed -n 's/^max //p' "$CG/pids.events")" -ge 1 ] || fail "pids.events counts no refused fork: $(oneline < "$CG/pids.events")"

exec_sync 'dd if=/dev/zero of=/dev/null bs=100M count=1 2>/dev/null'
kills=$(sed -n 's/^oom_kill //p' "$CG/memory.events")
echo "100 MiB under memory.max 64 MiB: exit $XRC; memory.events: $(oneline < "$CG/memory.events")"
[ "$XRC" = 137 ] || fail "the 100 MiB allocation was not killed: exit $XRC"
[ "${kills:-0}" -ge 1 ] || fail "no oom_kill in memory.events: $(oneline < "$CG/memory.events")"

# the container's own busy loop (before its sleep) ran under cpu.max from the start
wait_for "$D/pod-logs/limits.log" 'busy-done' 120 || fail "the container's busy loop did not end in 120 s"
th=$(sed -n 's/^nr_throttled //p' "$CG/cpu.stat")
echo "busy loop under cpu.max 20000 100000: nr_throttled $th"
[ "${th:-0}" -gt 0 ] || fail "the busy loop was never throttled: $(oneline < "$CG/cpu.stat")"

step "UpdateContainerResources"
echo "container_id: \"$CID\" linux { cpu_period: 100000 cpu_quota: 50000 memory_limit_in_bytes: 134217728 }" |
  cri UpdateContainerResources > /dev/null || fail "UpdateContainerResources failed"
expect_file memory.max 134217728
expect_file cpu.max "50000 100000"
exec_sync 'dd if=/dev/zero of=/dev/null bs=100M count=1 2>/dev/null'
[ "$XRC" = 0 ] || fail "after the update to 128 MiB, the 100 MiB allocation still fails: exit $XRC ($(oneline < "$CG/memory.events"))"
echo "after UpdateContainerResources: the 100 MiB allocation succeeds"

step "StopContainer"
echo "container_id: \"$CID\" timeout: 1" | cri StopContainer > /dev/null || fail "StopContainer failed"
echo "container_id: \"$CID\"" | cri ContainerStatus > "$WORK/status" || fail "ContainerStatus failed"
# TERM from outside the container's PID namespace takes sleep (its PID 1, no handler) at once
[ "$(field state < "$WORK/status")" = CONTAINER_EXITED ] && [ "$(field exit_code < "$WORK/status")" = 143 ] \
  || fail "stopped container: $(oneline < "$WORK/status" | cut -c1-300)"
echo "StopContainer: exited 143 (SIGTERM)"
echo "container_id: \"$CID\"" | cri RemoveContainer > /dev/null || fail "RemoveContainer failed"
echo "pod_sandbox_id: \"$POD\"" | cri StopPodSandbox > /dev/null || fail "StopPodSandbox failed"
echo "pod_sandbox_id: \"$POD\"" | cri RemovePodSandbox > /dev/null || fail "RemovePodSandbox failed"
POD=
left=$("$RT_BIN" --root "$SHIM_ROOT" list -q 2>&1)
[ -z "$left" ] || fail "$LANE_RUNTIME list under the shim's root still has: $(echo "$left" | oneline)"
[ ! -d "$CG" ] || fail "the container's cgroup $CG is still there"
[ -z "$(ls -d /sys/fs/cgroup/kubepods/podlane/*/ 2>/dev/null)" ] || fail "cgroups left in /kubepods/podlane: $(ls /sys/fs/cgroup/kubepods/podlane | oneline)"
pass "a CRI pod with memory 64 MiB, cpu 20%, pids 20 enforced; UpdateContainerResources to 128 MiB / 50% took effect; nothing left"
