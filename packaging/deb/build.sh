#!/usr/bin/env bash
# build.sh - `make deb`: artifacts/rlrun_VERSION_amd64.deb with dpkg-deb, from the built binaries
# (make build) and what the binary generates itself: man pages (rlrun __man) and completions
# (rlrun completion SHELL), so they match the command table. No debhelper: the tree is laid out
# here and the shared-library dependencies come from dpkg-shlibdeps.
#
# Usage: packaging/deb/build.sh VERSION [OUTDIR]   (from the repository root; prints the .deb's path)
#        BIN_DIR=DIR: take rlrun, rlrun-full and rlrun-supervisor from DIR (default artifacts)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
version=${1:?usage: build.sh VERSION [OUTDIR]}
outdir=${2:-artifacts}
rlrun=${BIN_DIR:-artifacts}/rlrun supervisor=${BIN_DIR:-artifacts}/rlrun-supervisor full=${BIN_DIR:-artifacts}/rlrun-full
for b in "$rlrun" "$supervisor" "$full"; do [ -x "$b" ] || { echo "build.sh: $b is missing: make build first" >&2; exit 1; }; done

work=$(mktemp -d /tmp/rlrun-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
umask 022

install -D -m 0755 "$rlrun" "$root/usr/bin/rlrun"
install -D -m 0755 "$supervisor" "$root/usr/bin/rlrun-supervisor"
# pull, login and image import (rlrun execs it): the registry client is kept out of rlrun.
install -D -m 0755 "$full" "$root/usr/bin/rlrun-full"
# The container init (rlrun seals a copy of it; without it, rlrun seals a copy of itself).
init=${BIN_DIR:-artifacts}/rlrun-init
[ ! -x "$init" ] || install -D -m 0755 "$init" "$root/usr/bin/rlrun-init"

# User units: any user enables them (systemctl --user enable --now rlrun.socket); none is enabled
# for everyone by the package.
install -d "$root/usr/lib/systemd/user" "$root/usr/lib/systemd/user-generators"
sed 's|@BINDIR@|/usr/bin|' packaging/systemd/user/rlrun.service >"$root/usr/lib/systemd/user/rlrun.service"
install -m 0644 packaging/systemd/user/rlrun.socket "$root/usr/lib/systemd/user/rlrun.socket"
sed 's|@BINDIR@|/usr/bin|' packaging/systemd/user-generators/rlrun-user-generator >"$root/usr/lib/systemd/user-generators/rlrun-user-generator"
chmod 0755 "$root/usr/lib/systemd/user-generators/rlrun-user-generator"

# podman's drop-in. Podman 4.3 (Debian 12) reads drop-ins only from /etc/containers/containers.conf.d
# (and the user's ~/.config/containers/containers.conf.d); /usr/share/containers/containers.conf.d
# is read from containers-common 0.5x (podman 4.6) on. /etc it is, as a conffile; newer podman
# reads /etc too. Only /usr/bin/rlrun: the package's binary, not a stale make install.
install -d "$root/etc/containers/containers.conf.d"
sed -e '/"\/usr\/local\/bin\/rlrun",/d' -e 's|^# podman/buildah: make rlrun a known OCI runtime.*|# podman/buildah: rlrun as an OCI runtime (installed by the rlrun package).|' \
    -e '/^# ~\/.config\/containers\/containers.conf.d\/rlrun.conf (per user) or$/d' \
    -e 's|^# /etc/containers/containers.conf.d/rlrun.conf, then: podman --runtime rlrun ...|# Use: podman --runtime rlrun ...|' \
    packaging/containers/rlrun.conf >"$root/etc/containers/containers.conf.d/rlrun.conf"

install -d "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" "$root/usr/share/fish/vendor_completions.d"
"$rlrun" completion bash >"$root/usr/share/bash-completion/completions/rlrun"
"$rlrun" completion zsh >"$root/usr/share/zsh/vendor-completions/_rlrun"
"$rlrun" completion fish >"$root/usr/share/fish/vendor_completions.d/rlrun.fish"

install -d "$root/usr/share/man/man1" "$root/usr/share/man/man5"
"$rlrun" __man docs/commands "$root/usr/share/man/man1"
install -m 0644 packaging/man/rlrun.json.5 "$root/usr/share/man/man5/rlrun.json.5"
install -m 0644 packaging/man/rlrun-supervisor.1 "$root/usr/share/man/man1/rlrun-supervisor.1"
install -m 0644 packaging/man/rlrun-full.1 "$root/usr/share/man/man1/rlrun-full.1"
gzip -9n "$root"/usr/share/man/man*/*

doc=$root/usr/share/doc/rlrun
install -D -m 0644 packaging/deb/copyright "$doc/copyright"
# A native package: lintian looks for changelog.gz.
{
    echo "rlrun ($version) unstable; urgency=medium"
    echo
    echo "  * Built from commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
    echo
    echo " -- rlrun developers <rlrun@example.org>  $(date -R -u -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")"
} | gzip -9n >"$doc/changelog.gz"

# Depends: the libraries the binaries link (libc6, libseccomp2, ...), from dpkg-shlibdeps.
mkdir -p "$work/src/debian"
printf 'Source: rlrun\n\nPackage: rlrun\nArchitecture: amd64\n' >"$work/src/debian/control"
shlibs=$(cd "$work/src" && dpkg-shlibdeps -O "$root/usr/bin/rlrun" "$root/usr/bin/rlrun-full" "$root/usr/bin/rlrun-supervisor" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "build.sh: dpkg-shlibdeps found no library dependency" >&2; exit 1; }

# NativeAOT links .NET's compression library (System.IO.Compression.Native, with its own zlib)
# statically into rlrun-full: the image layers need it, and it cannot be pointed at Debian's libz.
install -D -m 0644 packaging/deb/lintian-overrides "$root/usr/share/lintian/overrides/rlrun"

install -d "$root/DEBIAN"
echo /etc/containers/containers.conf.d/rlrun.conf >"$root/DEBIAN/conffiles"
(cd "$root" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: rlrun
Version: $version
Architecture: amd64
Maintainer: rlrun developers <rlrun@example.org>
Installed-Size: $size
Depends: $shlibs, uidmap
Recommends: fuse-overlayfs, passt | slirp4netns, dbus-user-session, systemd
Suggests: podman
Section: admin
Priority: optional
Description: rootless OCI container runtime and per-user supervisor
 rlrun runs OCI containers as an unprivileged user: no setuid binary and no
 root daemon. It speaks runc's command line, so podman and buildah can use it
 as their runtime (podman --runtime rlrun), and adds supervision with restart
 policies through a socket-activated per-user daemon, systemd cgroup
 delegation, images with layered root file systems, and container units
 from ~/.config/containers/rlrun/*.container files.
CONTROL
out=$outdir/rlrun_${version}_amd64.deb
# gzip, not xz: xz took over two minutes on a loaded 2-core machine; the .deb is 4 MB larger.
dpkg-deb --root-owner-group -Zgzip --build "$root" "$out" >/dev/null
echo "$out"
