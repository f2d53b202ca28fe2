#!/usr/bin/env bash
# cri.sh - pod start and stop latency through containerd's CRI: runtime handler rlrun against
# handler runc on one private containerd 1.6 (its own config, root, state and socket under a temp
# dir, the state and the runtimes' roots on a tmpfs as /run is on a node; the system containerd is
# never touched), N pods each, interleaved, every run checked.
#   start: RunPodSandbox + CreateContainer + StartContainer until the container's first line is
#          in its CRI log (its process is running)
#   stop:  StopContainer (the process exits at once on TERM) + StopPodSandbox + RemovePodSandbox
# The driver is bench/cri (a CRI client sharing tests/Rlrun.CriTests' containerd, images and
# client); the images are busybox-static on a loopback registry. Prints medians and the ratios
# rlrun/runc. Goal (issue 15): <= 0.8. Root only.
#
# Usage: bench/cri.sh [N]        (default N=20)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
N=${1:-20}
DOTNET=${DOTNET:-dotnet}
[ "$(id -u)" -eq 0 ] || { echo "cri.sh: run as root (containerd runs as root)" >&2; exit 1; }
for tool in containerd containerd-shim-runc-v2 runc docker-registry skopeo; do
    command -v "$tool" >/dev/null || { echo "cri.sh: $tool is missing (apt-get install containerd runc docker-registry skopeo)" >&2; exit 1; }
done
rlrun=$repo/artifacts/rlrun
[ -x "$rlrun" ] || { echo "cri.sh: $rlrun is missing: make build" >&2; exit 1; }

out=$repo/artifacts/cri-bench
echo "cri.sh: building the driver (bench/cri) into $out" >&2
"$DOTNET" build "$here/cri" -c Release --nologo -v quiet -o "$out" >&2
echo "cri.sh: $N pods per handler; containerd $(containerd --version | awk '{print $3}'), $(runc --version | head -1), $("$rlrun" --version | head -1)" >&2
cd "$repo"
exec "$out/CriBench" "$rlrun" "$N"
