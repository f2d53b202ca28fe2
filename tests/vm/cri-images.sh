#!/usr/bin/env bash
# tests/vm/cri-images.sh OUT.tar - the CRI case's two images, built here from
# busybox-static (no registry, no network), as one OCI image archive that
# `ctr -n k8s.io images import` takes inside the VM: lane.invalid/cri/pause:v1
# (the sandbox image: sleeps until it is killed, as the pause image does) and
# lane.invalid/cri/busybox:v1 (the pod's containers: /bin/sh). The same
# single busybox layer as tests/Rlrun.CriTests/PodImages.cs. ".invalid" never
# resolves: an image the guest lacks fails to pull at once.
set -euo pipefail
out=${1:?usage: cri-images.sh OUT.tar}
work=$(mktemp -d "${TMPDIR:-/tmp}/rlrun-cri-images.XXXXXX")
trap 'rm -rf "$work"' EXIT
blobs=$work/oci/blobs/sha256
mkdir -p "$blobs" "$work/rootfs"

# put FILE: into the blobs under its digest; prints "DIGEST SIZE"
put() {
  local d; d=$(sha256sum "$1" | cut -d' ' -f1)
  cp "$1" "$blobs/$d"; echo "sha256:$d $(stat -c %s "$1")"
}

r=$work/rootfs
mkdir -p "$r/bin" "$r/etc" "$r/proc" "$r/dev" "$r/sys" "$r/root" "$r/tmp"
chmod 1777 "$r/tmp"; chmod 700 "$r/root"
cp /bin/busybox "$r/bin/busybox"; chmod 755 "$r/bin/busybox"
for a in sh cat echo sleep ls id test true grep head env dd seq; do ln -s busybox "$r/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$r/etc/passwd"; printf 'root:x:0:\n' > "$r/etc/group"
tar -C "$r" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$work/layer.tar" .
read -r layer lsize < <(put "$work/layer.tar")

manifests=()
for img in pause busybox; do
  if [[ $img == pause ]]; then cfg='{"Entrypoint": ["/bin/sleep", "2147483647"], "Env": ["PATH=/bin"]}'
  else cfg='{"Cmd": ["/bin/sh"], "Env": ["PATH=/bin"], "WorkingDir": "/"}'; fi
  jq -n --argjson cfg "$cfg" --arg layer "$layer" \
    '{architecture: "amd64", os: "linux", config: $cfg, rootfs: {type: "layers", diff_ids: [$layer]},
      created: "1970-01-01T00:00:00Z"}' > "$work/config.json"
  read -r config csize < <(put "$work/config.json")
  jq -n --arg config "$config" --argjson csize "$csize" --arg layer "$layer" --argjson lsize "$lsize" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $config, size: $csize},
      layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $layer, size: $lsize}]}' > "$work/manifest.json"
  read -r manifest msize < <(put "$work/manifest.json")
  manifests+=("$(jq -cn --arg d "$manifest" --argjson s "$msize" --arg name "lane.invalid/cri/$img:v1" \
    '{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
      platform: {architecture: "amd64", os: "linux"},
      annotations: {"io.containerd.image.name": $name, "org.opencontainers.image.ref.name": "v1"}}')")
done
printf '%s\n' "${manifests[@]}" | jq -s '{schemaVersion: 2, manifests: .}' > "$work/oci/index.json"
echo '{"imageLayoutVersion": "1.0.0"}' > "$work/oci/oci-layout"
tar -C "$work/oci" --owner=0 --group=0 --numeric-owner -cf "$out" oci-layout index.json blobs
