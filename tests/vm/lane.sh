#!/usr/bin/env bash
# tests/vm/lane.sh - rlrun's VM test lane: run one test script inside a tiny VM
# (QEMU software emulation, TCG) whose only cgroup hierarchy is cgroup v2 with
# every controller, as an unprivileged user that owns a delegated cgroup.
# It exists because the test machine has hybrid cgroups with no cgroup v2
# controllers, so memory.max, pids.max and cpu.max can't be enforced there.
# The VM runs Debian's own kernel (downloaded, never installed) and an
# initramfs built here from busybox-static; nothing is installed in the VM.
#
# Usage: tests/vm/lane.sh [TEST_SCRIPT] [EXTRA_PATH...]
#   TEST_SCRIPT  copied to /test/run.sh and run by busybox sh as the user
#                "lane" in /home/lane; its exit status is ours. Without one,
#                the VM boots, prints its cgroup set-up and exits 0.
#   EXTRA_PATH   files or folders copied to /test/extra/ (by base name). For
#                ELF files, the shared libraries ldd lists here are copied to
#                the same paths in the VM (rlrun needs libc, libm, libseccomp).
#
# Inside the VM (environment of the test):
#   LANE_CGROUP=/sys/fs/cgroup/lane  delegated to the user: the directory,
#       cgroup.procs, cgroup.threads and cgroup.subtree_control are its own;
#       every controller is enabled in its cgroup.subtree_control. The test
#       runs in the leaf $LANE_CGROUP/test, so a runtime can create sibling
#       cgroups (runc's cgroupfs manager puts a relative path next to it).
#   XDG_RUNTIME_DIR=/run/user/UID (0700, the user's)
#   LANE_ROOTFS=/opt/lane/busybox-rootfs  a busybox root filesystem (owned by
#       root, so read-only for the user) for OCI bundles
#   LANE_EXTRA=/test/extra  the EXTRA_PATHs
#   /etc/subuid, /etc/subgid: lane:100000:65536; newuidmap and newgidmap
#   (setuid root) from this machine; /dev/fuse mode 0666; the overlay and fuse
#   modules loaded; programs of RLRUN_VM_BINS on PATH.
#
# Environment (all optional):
#   RLRUN_VM_CACHE=/var/tmp/rlrun-vm  kernel .deb (~65 MB), kernel, base
#       initramfs, last-run.log (the console of the last run); ~130 MB in all
#   RLRUN_VM_TIMEOUT=300   seconds before qemu is killed (exit 124)
#   RLRUN_VM_MEM=1024M RLRUN_VM_SMP=2 RLRUN_VM_UID=1000
#   RLRUN_VM_BINS="jq"     programs of this machine copied in with their libs
#                          (installed with apt-get by the same name if missing)
#   RLRUN_VM_MODULES="fs/overlayfs/overlay fs/fuse/fuse"  under kernel/, insmod'ed in order
#   RLRUN_VM_APPEND=""     more kernel command line
#   RLRUN_VM_KERNEL_PKG=   a linux-image-* package instead of linux-image-amd64's dependency
#   RLRUN_VM_DMESG=1       print the guest's kernel log after the test
#   RLRUN_VM_REBUILD=1     rebuild the base initramfs
#   RLRUN_VM_PVH=0         boot the compressed vmlinuz, not the extracted ELF vmlinux
#   RLRUN_VM_INIT=systemd  boot systemd as PID 1 instead (see "systemd mode" below)
#   RLRUN_VM_ROOT_TEST=SCRIPT  systemd mode: also run SCRIPT as root, after
#                          TEST, in rlrun-lane.service (HOME=/root,
#                          XDG_RUNTIME_DIR=/run, LANE_CGROUP=/sys/fs/cgroup);
#                          the exit status is TEST's, else SCRIPT's
#
# systemd mode (RLRUN_VM_INIT=systemd): this machine's systemd 252, dbus and
# PAM files are copied into a second base initramfs (base-systemd.cpio), and
# the kernel gets init=/lib/systemd/systemd systemd.unified_cgroup_hierarchy=1.
# The busybox /init only copies the root to a tmpfs, loads the modules and
# hands over (switch_root) to systemd. systemd starts the system bus and
# systemd-logind, which starts user@UID.service because the user lingers
# (/var/lib/systemd/linger/lane); a drop-in gives that unit Delegate=yes (every
# controller). The oneshot rlrun-lane.service waits until the user manager is
# active and its bus (/run/user/UID/bus) exists, then runs the test as the user
# under `systemd-run --user --pipe --wait`, so the test is a transient service
# of the user manager (user@UID.service/app.slice/run-*.service), and powers
# off. The test's environment differs: LANE_MODE=systemd,
# LANE_CGROUP=/sys/fs/cgroup/user.slice/user-UID.slice/user@UID.service (the
# delegated cgroup; the manager, not the test, owns its subtree_control),
# DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/UID/bus; the rest is the same.
# systemd-journald runs (volatile, in /run): RLRUN_VM_DMESG=1 prints the
# journal (the kernel's log, PID 1's, the user manager's and the units') after
# the test; units that fail are shown on the console as they fail. The console
# log of the last run is last-run-systemd.log. Host packages: systemd, dbus,
# dbus-user-session, libpam-systemd, libpam-modules (Debian 12: systemd 252).
#
# Exit status: the test's; 124 = qemu timed out; 125 = the VM stopped without
# reporting one (kernel panic, set-up failure in the guest); 126 = set-up
# failed here (packages, kernel download, initramfs).
#
# Host packages (installed with apt-get when run as root and missing):
# qemu-system-x86, cpio, busybox-static, uidmap, and those of RLRUN_VM_BINS.
# The kernel comes from `apt-get download` of linux-image-amd64's versioned
# dependency (linux-image-6.1.0-N-amd64 on Debian 12), after `apt-get update`
# when the package lists are empty.
set -euo pipefail

TEST=${1:-}
if (($#)); then shift; fi
EXTRAS=("$@")

CACHE=${RLRUN_VM_CACHE:-/var/tmp/rlrun-vm}
TIMEOUT=${RLRUN_VM_TIMEOUT:-300}
MEM=${RLRUN_VM_MEM:-1024M}
SMP=${RLRUN_VM_SMP:-2}
LUID=${RLRUN_VM_UID:-1000}
BINS=${RLRUN_VM_BINS-jq}
SUID_BINS="newuidmap newgidmap"
MODULES=${RLRUN_VM_MODULES:-fs/overlayfs/overlay fs/fuse/fuse}
INIT_MODE=${RLRUN_VM_INIT:-busybox}
APPEND="console=ttyS0 panic=-1 quiet cgroup_no_v1=all mitigations=off"
# show_status=error: the console shows units that fail, not every unit started
SYSTEMD_APPEND="init=/lib/systemd/systemd systemd.unified_cgroup_hierarchy=1 systemd.show_status=error"
if [[ $INIT_MODE == systemd ]]; then APPEND="$APPEND $SYSTEMD_APPEND"; fi
APPEND="$APPEND ${RLRUN_VM_APPEND:-}"

say() { printf 'lane: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 126; }
now() { echo "$EPOCHREALTIME"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b-a}'; }

[[ -z $TEST || -f $TEST ]] || die "test script $TEST not found"
[[ $INIT_MODE == busybox || $INIT_MODE == systemd ]] || die "RLRUN_VM_INIT=$INIT_MODE: busybox or systemd"
for e in "${EXTRAS[@]}"; do [[ -e $e ]] || die "extra $e not found"; done
mkdir -p "$CACHE" || die "cannot create $CACHE"
CACHE=$(cd "$CACHE" && pwd)
SELF=$(readlink -f "${BASH_SOURCE[0]}")

# --- host packages ----------------------------------------------------------
apt_install() {
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >&2 \
    || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y \
         --no-install-recommends "$@" >&2; } || die "apt-get install $* failed"
}
need_pkgs=()
command -v qemu-system-x86_64 >/dev/null || need_pkgs+=(qemu-system-x86)
command -v cpio >/dev/null || need_pkgs+=(cpio)
# busybox-static's /bin/busybox is not a dynamic executable (ldd fails on it);
# the busybox package's is, and would need its libs in both the VM and rootfs.
if [[ ! -x /bin/busybox ]] || ldd /bin/busybox >/dev/null 2>&1; then need_pkgs+=(busybox-static); fi
command -v newuidmap >/dev/null && command -v newgidmap >/dev/null || need_pkgs+=(uidmap)
command -v xz >/dev/null || need_pkgs+=(xz-utils)   # Debian's vmlinuz is xz: unpacked for a PVH boot
for b in $BINS; do command -v "$b" >/dev/null || need_pkgs+=("$b"); done
# systemd mode: what is copied from this machine, by the package that has it
SYSTEMD_FILES=(
  systemd:/usr/lib/systemd/systemd
  dbus:/usr/lib/systemd/system/dbus.service
  dbus-daemon:/usr/bin/dbus-daemon
  dbus-system-bus-common:/usr/share/dbus-1/system.conf
  dbus-session-bus-common:/usr/share/dbus-1/session.conf
  dbus-user-session:/usr/lib/systemd/user/dbus.socket
  libpam-systemd:/usr/lib/x86_64-linux-gnu/security/pam_systemd.so
  libpam-modules:/usr/lib/x86_64-linux-gnu/security/pam_permit.so
  libsystemd0:/usr/lib/x86_64-linux-gnu/libsystemd.so.0
)
SYSTEMD_PKGS=$(printf '%s\n' "${SYSTEMD_FILES[@]}" | cut -d: -f1 | tr '\n' ' ')
if [[ $INIT_MODE == systemd ]]; then
  for f in "${SYSTEMD_FILES[@]}"; do [[ -e ${f#*:} ]] || need_pkgs+=("${f%%:*}"); done
fi
if ((${#need_pkgs[@]})); then
  [[ $(id -u) == 0 ]] || die "missing packages ${need_pkgs[*]} (run as root to install them)"
  apt_install "${need_pkgs[@]}"
fi

exec 9>"$CACHE/.lock"
flock 9

# --- kernel: Debian's, downloaded and unpacked, never installed ----------------
KDIR=$CACHE/kernel
resolve_kernel_pkg() {
  apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'
}
if [[ ! -f $KDIR/vmlinuz ]]; then
  t=$(now)
  mkdir -p "$CACHE/dl"
  pkg=${RLRUN_VM_KERNEL_PKG:-}
  if [[ -z $pkg ]]; then
    pkg=$(resolve_kernel_pkg)
    if [[ -z $pkg ]]; then
      [[ $(id -u) == 0 ]] || die "cannot resolve linux-image-amd64 (apt-get update as root, or set RLRUN_VM_KERNEL_PKG)"
      apt-get update >&2 || die "apt-get update failed"
      pkg=$(resolve_kernel_pkg)
    fi
  fi
  [[ -n $pkg ]] || die "cannot resolve linux-image-amd64's kernel package"
  say "downloading $pkg"
  # apt-get download drops to the _apt user as root: the folder must be writable for it
  (cd "$CACHE/dl" && rm -f linux-image-*.deb && chmod 777 . && apt-get download "$pkg" >&2) \
    || die "apt-get download $pkg failed"
  deb=$(ls "$CACHE"/dl/linux-image-*.deb | head -1)
  rm -rf "$KDIR.tmp" && mkdir -p "$KDIR.tmp"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$KDIR.tmp" --wildcards './boot/*' || die "cannot unpack $deb"
  kver=$(basename "$(ls "$KDIR.tmp"/boot/vmlinuz-*)" | sed 's/^vmlinuz-//')
  mv "$KDIR.tmp/boot/vmlinuz-$kver" "$KDIR.tmp/vmlinuz"
  mv "$KDIR.tmp/boot/config-$kver" "$KDIR.tmp/config"
  rm -rf "$KDIR.tmp/boot"
  echo "$kver" > "$KDIR.tmp/version"
  ln -sf "$deb" "$KDIR.tmp/deb"
  rm -rf "$KDIR" && mv "$KDIR.tmp" "$KDIR"
  say "kernel $kver ready in $(secs "$t" "$(now)")s"
fi
KVER=$(cat "$KDIR/version")
grep -q '^CONFIG_CGROUPS=y' "$KDIR/config" || die "kernel $KVER has no cgroups"

# Booting the uncompressed ELF vmlinux through its PVH entry point skips
# decompressing the kernel under emulation (seconds per boot). Falls back to
# vmlinuz when the kernel has no PVH entry or cannot be extracted.
KERNEL=$KDIR/vmlinuz
if [[ ${RLRUN_VM_PVH:-1} == 1 ]] && grep -q '^CONFIG_PVH=y' "$KDIR/config"; then
  if [[ ! -f $KDIR/vmlinux ]]; then
    for z in $'\xfd7zXZ:xz -dc' $'\x28\xb5\x2f\xfd:zstd -dc' $'\x1f\x8b\x08:gzip -dc'; do
      command -v "$(echo "${z#*:}" | cut -d' ' -f1)" >/dev/null || continue
      off=$(LC_ALL=C grep -aobF -- "${z%%:*}" "$KDIR/vmlinuz" | head -1 | cut -d: -f1) || true
      [[ -n $off ]] || continue
      # the compressed stream is followed by other data: the decompressor complains, the output is whole
      tail -c +$((off + 1)) "$KDIR/vmlinuz" | ${z#*:} > "$KDIR/vmlinux.tmp" 2>/dev/null || true
      if [[ $(head -c4 "$KDIR/vmlinux.tmp" | od -An -c | tr -d ' ') == '177ELF' ]]; then
        mv "$KDIR/vmlinux.tmp" "$KDIR/vmlinux"; break
      fi
    done
    rm -f "$KDIR/vmlinux.tmp"
  fi
  if [[ -f $KDIR/vmlinux ]]; then KERNEL=$KDIR/vmlinux; fi
fi

# --- base initramfs (cached; rebuilt when this script, the programs or the lists change)
key=$( { cat "$SELF"; echo "$KVER|$BINS|$MODULES|$LUID|$INIT_MODE"; sha256sum /bin/busybox
         for b in $BINS $SUID_BINS; do p=$(command -v "$b" || true)
           if [[ -n $p ]]; then sha256sum "$(readlink -f "$p")"; fi; done
         if [[ $INIT_MODE == systemd ]]; then dpkg-query -W $SYSTEMD_PKGS 2>/dev/null; fi; } | sha256sum | cut -c1-16)
if [[ $INIT_MODE == systemd ]]; then BASE=$CACHE/base-systemd.cpio KEYFILE=$CACHE/base-systemd.key
else BASE=$CACHE/base.cpio KEYFILE=$CACHE/base.key; fi

elf_libs() { # FILE: the absolute paths ldd lists ("name => /path (addr)" or "/path (addr)")
  ldd "$1" 2>/dev/null | awk '{for(i=1;i<=NF;i++) if ($i ~ /^\//) print $i}'
}

# usr_path PATH: where PATH lands in the guest's merged /usr (/lib, /lib64, /bin, /sbin are links)
usr_path() {
  case $1 in
    /usr/*) echo "$1" ;;
    /lib/*|/lib64/*|/bin/*|/sbin/*) echo "/usr$1" ;;
    *) echo "$1" ;;
  esac
}

copy_elf() { # SRC DEST_ROOT DEST_PATH: copy an ELF file and what ldd lists, at the same paths
  local src=$1 root=$2 dst lib
  dst=$(usr_path "$3")
  mkdir -p "$root$(dirname "$dst")"
  rm -f "$root$dst"
  cp -L "$src" "$root$dst"
  chmod u+w "$root$dst"
  while read -r lib; do
    lib=$(usr_path "$lib")
    [[ -e $root$lib ]] && continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done < <(elf_libs "$src")
}

applets() { # DIR: a link to busybox for each applet (perl: one process, not 300 ln)
  (cd "$1" && perl -e 'for (@ARGV) { -e $_ or symlink("busybox", $_) or die "$_: $!" }' $(/bin/busybox --list))
}

extract_modules() { # extract kernel/M.ko (or .ko.xz/.ko.zst, decompressed) of each M from the package, in one pass
  local m d=$KDIR/mod/lib/modules/$KVER/kernel pats=()
  for m in "$@"; do [[ -f $d/$m.ko ]] || pats+=("./lib/modules/$KVER/kernel/$m.ko*"); done
  ((${#pats[@]})) || return 0
  mkdir -p "$KDIR/mod"
  dpkg-deb --fsys-tarfile "$KDIR/deb" | tar -x -C "$KDIR/mod" --wildcards "${pats[@]}" 2>/dev/null || true
  for m in "$@"; do
    if [[ -f $d/$m.ko.xz ]]; then xz -d "$d/$m.ko.xz"; fi
    if [[ -f $d/$m.ko.zst ]]; then zstd -q -d --rm "$d/$m.ko.zst"; fi
  done
}

# add_systemd: systemd mode's part of the base: systemd, the buses, PAM and
# the lane's units, from this machine (merged /usr in the guest: /lib is usr/lib)
add_systemd() {
  local st=$PWD f lib=/usr/lib/x86_64-linux-gnu
  # PID 1, the helpers the lane's units run, the clients; their libraries come with them
  # (systemd >= 255 forks units through systemd-executor: absent in Debian 12's 252)
  for f in /usr/lib/systemd/systemd /usr/lib/systemd/systemd-logind \
           $(ls /usr/lib/systemd/systemd-executor 2>/dev/null) \
           /usr/lib/systemd/systemd-user-runtime-dir /usr/lib/systemd/systemd-user-sessions \
           /usr/lib/systemd/systemd-shutdown /usr/lib/systemd/systemd-sulogin-shell \
           /usr/lib/systemd/systemd-journald /usr/bin/journalctl \
           /usr/bin/systemctl /usr/bin/systemd-run /usr/bin/loginctl /usr/bin/busctl \
           /usr/bin/dbus-daemon "$lib/libsystemd.so.0" \
           "$lib/security/pam_permit.so" "$lib/security/pam_deny.so" "$lib/security/pam_systemd.so"; do
    [[ -e $f ]] || die "$f not found (systemd mode)"
    rm -f "$st$(usr_path "$f")"
    copy_elf "$f" "$st" "$f"
  done
  # unit files: all of systemd's, without the static .wants links (the lane's
  # target says what starts); the user manager's as they are (dbus.socket is
  # in its sockets.target.wants)
  mkdir -p usr/lib/systemd/system usr/lib/systemd/user
  (cd /usr/lib/systemd/system && find . -mindepth 1 -maxdepth 1 ! -name '*.wants' -print0 |
     xargs -0 cp -a -t "$st/usr/lib/systemd/system/")
  cp -a /usr/lib/systemd/user/. usr/lib/systemd/user/
  mkdir -p etc/systemd/system etc/systemd/user
  for f in system.conf user.conf logind.conf; do
    if [[ -f /etc/systemd/$f ]]; then cp /etc/systemd/$f etc/systemd/; fi
  done
  # the buses' configuration
  mkdir -p usr/share/dbus-1 etc/dbus-1/system.d etc/dbus-1/session.d
  cp /usr/share/dbus-1/system.conf /usr/share/dbus-1/session.conf usr/share/dbus-1/
  # the policies of the names on the system bus here (others name users the lane has not)
  mkdir -p usr/share/dbus-1/system.d
  cp /usr/share/dbus-1/system.d/org.freedesktop.systemd1.conf /usr/share/dbus-1/system.d/org.freedesktop.login1.conf \
     usr/share/dbus-1/system.d/
  cat >> etc/passwd <<EOF
messagebus:x:100:102::/nonexistent:/usr/sbin/nologin
EOF
  cat >> etc/group <<EOF
messagebus:x:102:
systemd-journal:x:101:
EOF
  cp /usr/lib/os-release usr/lib/os-release; ln -sf ../usr/lib/os-release etc/os-release
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > etc/machine-id; echo >> etc/machine-id
  echo rlrun-lane > etc/hostname
  mkdir -p var/tmp var/lib/systemd/linger; chmod 1777 var/tmp
  : > var/lib/systemd/linger/lane
  # the user manager's PAM stack: nothing to check, pam_systemd sets its environment
  mkdir -p etc/pam.d
  printf '%s\n' 'auth required pam_permit.so' 'account required pam_permit.so' \
    'session required pam_permit.so' 'session optional pam_systemd.so' > etc/pam.d/systemd-user
  printf '%s\n' 'auth required pam_deny.so' 'account required pam_deny.so' \
    'password required pam_deny.so' 'session required pam_deny.so' > etc/pam.d/other
  # every controller for the user manager (Debian's user@.service has "pids memory cpu")
  mkdir -p etc/systemd/system/user@.service.d
  printf '%s\n' '[Service]' 'Delegate=yes' > etc/systemd/system/user@.service.d/delegate.conf
  cat > etc/systemd/system/rlrun-lane.target <<'EOF'
[Unit]
Description=rlrun VM lane
Wants=systemd-journald.service dbus.socket systemd-logind.service systemd-user-sessions.service rlrun-lane.service
EOF
  ln -s rlrun-lane.target etc/systemd/system/default.target
  # the user@UID.service start is logind's (lingering), not ours: the service waits for it
  cat > etc/systemd/system/rlrun-lane.service <<'EOF'
[Unit]
Description=rlrun VM lane: the test, in the lingering user's manager
Wants=systemd-logind.service
After=systemd-logind.service systemd-user-sessions.service

[Service]
Type=oneshot
ExecStart=/bin/sh /usr/lib/lane/systemd-test.sh
StandardInput=null
StandardOutput=tty
StandardError=inherit
TTYPath=/dev/console
TimeoutStartSec=infinity
# the script powers off itself; if it cannot even run, the VM must not idle
# until lane.sh's timeout
FailureAction=poweroff-immediate
EOF
  mkdir -p usr/lib/lane
  write_systemd_test > usr/lib/lane/systemd-test.sh
}

write_systemd_test() { cat <<'TEST'
#!/bin/sh
# rlrun-lane.service (root, busybox sh): wait for the lingering user's
# manager, run /test/run.sh as the user in it, report, power off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
up() { cut -d' ' -f1 /proc/uptime; }
finish() {
  echo "@@LANE-RC=$1 uptime=$(up)@@"
  # the journal has the kernel's log, PID 1's, the user manager's and the units'
  if grep -q 'lane.dmesg=1' /proc/cmdline; then
    echo "--- guest journal ---"; SYSTEMD_COLORS=0 journalctl -b --no-pager -o short-monotonic; echo "--- end of guest journal ---"
  fi
  sync
  poweroff -f
}
uid=$(awk -F: '$1=="lane"{print $3}' /etc/passwd)
unit=user@$uid.service
rt=/run/user/$uid
# the user's bus socket comes first (the manager's sockets.target), then the
# unit is active (the manager's READY=1); systemctl is not cheap under TCG
n=0 state=
while :; do
  if [ -S "$rt/bus" ]; then
    state=$(systemctl is-active "$unit" 2>/dev/null)
    [ "$state" = active ] && break
  fi
  n=$((n + 1))
  if [ $n -ge 600 ]; then
    echo "lane init: $unit is not active after 120 s (is-active: ${state:-not asked}; $rt/bus: $(ls -l "$rt/bus" 2>&1))"
    SYSTEMD_COLORS=0 systemctl --no-pager --failed 2>&1
    SYSTEMD_COLORS=0 systemctl --no-pager status "$unit" 2>&1 | head -n 20
    finish 125
  fi
  sleep 0.2
done
# uptime and CLOCK_MONOTONIC both count from boot
ready_us=$(systemctl show -p ActiveEnterTimestampMonotonic --value "$unit")
logind=$(loginctl show-user "$uid" -p State -p Linger 2>/dev/null | tr '\n' ' ')
echo "lane: systemd $(systemctl --version | head -n1 | cut -d' ' -f2) is PID 1; $unit active at" \
     "$(awk -v u="$ready_us" 'BEGIN{printf "%.2f", u / 1e6}') s after boot (logind: ${logind% })," \
     "delegated: $(cat /sys/fs/cgroup/user.slice/user-$uid.slice/$unit/cgroup.controllers)"
echo "@@LANE-BEGIN uptime=$(up)@@"
export XDG_RUNTIME_DIR=$rt DBUS_SESSION_BUS_ADDRESS=unix:path=$rt/bus
# systemd-run passes none of its caller's environment: -E what the test needs
su -s /bin/sh lane -c "exec systemd-run --user --pipe --wait --quiet --collect \
    --working-directory=/home/lane -p Description='rlrun VM lane test' \
    -E PATH=$PATH -E XDG_RUNTIME_DIR=$rt -E DBUS_SESSION_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS \
    -E LANE_MODE=systemd -E LANE_CGROUP=/sys/fs/cgroup/user.slice/user-$uid.slice/$unit \
    -E LANE_ROOTFS=/opt/lane/busybox-rootfs -E LANE_EXTRA=/test/extra \
    /bin/sh /test/run.sh" </dev/null
rc=$?
# RLRUN_VM_ROOT_TEST: then as root, here (system.slice/rlrun-lane.service)
if [ -f /test/run-root.sh ]; then
  (cd /root && env HOME=/root XDG_RUNTIME_DIR=/run LANE_MODE=systemd LANE_CGROUP=/sys/fs/cgroup \
     LANE_ROOTFS=/opt/lane/busybox-rootfs LANE_EXTRA=/test/extra /bin/sh /test/run-root.sh) </dev/null
  rrc=$?
  [ $rc != 0 ] || rc=$rrc
fi
finish $rc
TEST
}

build_base() {
  local t st=$CACHE/base.d b p m f r
  t=$(now)
  rm -rf "$st"; mkdir -p "$st"
  cd "$st"
  mkdir -p usr/bin usr/sbin usr/lib/modules usr/lib64 dev proc sys run tmp etc root newroot \
           home/lane test/extra opt/lane
  ln -s usr/bin bin; ln -s usr/sbin sbin; ln -s usr/lib lib; ln -s usr/lib64 lib64
  cp /bin/busybox usr/bin/busybox
  applets usr/bin
  if [[ $(id -u) == 0 ]]; then mknod -m 600 dev/console c 5 1; mknod -m 666 dev/null c 1 3; fi
  for b in $BINS; do
    p=$(command -v "$b") || die "$b not found"
    rm -f "usr/bin/$b" "usr/sbin/$b"
    copy_elf "$p" "$st" "$p"
  done
  for b in $SUID_BINS; do
    p=$(command -v "$b") || die "$b not found"
    copy_elf "$p" "$st" "$p"
    chmod 4755 "$st$(usr_path "$p")"
  done
  extract_modules $MODULES
  for m in $MODULES; do
    f=$KDIR/mod/lib/modules/$KVER/kernel/$m.ko
    [[ -f $f ]] || die "module $m not in the kernel package"
    cp "$f" usr/lib/modules/
    echo "$(basename "$m").ko" >> usr/lib/modules/order
  done
  cat > etc/passwd <<EOF
root:x:0:0:root:/root:/bin/sh
lane:x:$LUID:$LUID:lane:/home/lane:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  cat > etc/group <<EOF
root:x:0:
tty:x:5:
lane:x:$LUID:
nogroup:x:65534:
EOF
  echo "lane:100000:65536" > etc/subuid
  echo "lane:100000:65536" > etc/subgid
  printf '/bin/sh\n' > etc/shells
  # what a node has and a CRI pod sandbox copies (containerd's hosts and resolv.conf)
  printf '127.0.0.1 localhost\n::1 localhost\n' > etc/hosts; : > etc/resolv.conf
  # a busybox root filesystem for OCI bundles
  r=opt/lane/busybox-rootfs
  mkdir -p $r/bin $r/proc $r/sys $r/dev $r/tmp $r/etc $r/root $r/run $r/mnt
  cp /bin/busybox $r/bin/busybox
  applets $r/bin
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > $r/etc/passwd
  printf 'root:x:0:\nnogroup:x:65534:\n' > $r/etc/group
  chmod 1777 tmp
  if [[ $INIT_MODE == systemd ]]; then add_systemd; fi
  write_init > init; chmod 755 init
  find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet > "$BASE.tmp"
  mv "$BASE.tmp" "$BASE"; echo "$key" > "$KEYFILE"
  cd /; rm -rf "$st"
  say "base initramfs built in $(secs "$t" "$(now)")s ($(du -h "$BASE" | cut -f1))"
}

write_init() { cat <<'INIT'
#!/bin/sh
# PID 1 of rlrun's VM lane (busybox sh).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
load_modules() {
  if [ -f /lib/modules/order ]; then
    for m in $(cat /lib/modules/order); do insmod /lib/modules/$m || echo "lane init: insmod $m failed"; done
  fi
  [ -e /dev/fuse ] && chmod 666 /dev/fuse
}
if [ "${LANE_STAGE:-1}" = 1 ]; then
  # The initramfs root ("rootfs") can't be pivot_root'ed away, which every OCI
  # runtime does: copy it to a tmpfs and switch_root there.
  mount -t devtmpfs devtmpfs /dev
  exec </dev/console >/dev/console 2>&1
  mount -t tmpfs -o mode=0755 root /newroot
  for p in /*; do case "$p" in /dev|/proc|/sys|/newroot) ;; *) cp -a "$p" /newroot/ ;; esac; done
  mkdir -p /newroot/dev /newroot/proc /newroot/sys /newroot/newroot
  # systemd mode (init= on the kernel command line): what PID 1 would do here
  # for the lane, then hand over; systemd mounts /proc, /sys, cgroup2 and /run
  mount -t proc proc /proc
  sd_init=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^init=//p' | tail -n1)
  if [ -n "$sd_init" ] && [ -x "/newroot$sd_init" ]; then
    load_modules
    [ -e /proc/sys/kernel/unprivileged_userns_clone ] && echo 1 > /proc/sys/kernel/unprivileged_userns_clone
    grep -q 'lane.dmesg=1' /proc/cmdline || echo 1 > /proc/sys/kernel/printk
    uid=$(awk -F: '$1=="lane"{print $3}' /etc/passwd)
    [ -f /newroot/test/run.sh ] || printf '%s\n' 'echo "kernel $(uname -r); uid $(id -u); cgroup $(cat /proc/self/cgroup)"' \
      'echo "delegated controllers: $(cat $LANE_CGROUP/cgroup.subtree_control)"' > /newroot/test/run.sh
    chown -R $uid:$uid /newroot/home/lane /newroot/test
    umount /proc
    mount --move /dev /newroot/dev
    exec switch_root /newroot "$sd_init"
  fi
  umount /proc
  mount --move /dev /newroot/dev
  export LANE_STAGE=2
  exec switch_root /newroot /init
fi
fail() { echo "lane init: $*"; echo "@@LANE-RC=125@@"; sync; poweroff -f; }
mount -t proc proc /proc || fail "mount proc"
mount -t sysfs sysfs /sys || fail "mount sysfs"
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || fail "mount cgroup2"
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777,nosuid,nodev shm /dev/shm
mount -t mqueue mqueue /dev/mqueue
ln -sf /proc/self/fd /dev/fd; ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
chmod 1777 /tmp
hostname rlrun-lane
ip link set lo up 2>/dev/null
load_modules
[ -e /proc/sys/kernel/unprivileged_userns_clone ] && echo 1 > /proc/sys/kernel/unprivileged_userns_clone
# cgroup v2: every controller, down to a cgroup delegated to the user
uid=$(awk -F: '$1=="lane"{print $3}' /etc/passwd)
cg=/sys/fs/cgroup
for c in $(cat $cg/cgroup.controllers); do echo "+$c" > $cg/cgroup.subtree_control || echo "lane init: cannot enable $c"; done
mkdir $cg/lane $cg/lane/test || fail "mkdir $cg/lane"
for c in $(cat $cg/lane/cgroup.controllers); do echo "+$c" > $cg/lane/cgroup.subtree_control || echo "lane init: cannot enable $c in lane"; done
for c in cpu memory pids; do
  grep -qw $c $cg/lane/cgroup.subtree_control || fail "controller $c not delegated ($(cat $cg/lane/cgroup.subtree_control))"
done
chown $uid:$uid $cg/lane $cg/lane/cgroup.procs $cg/lane/cgroup.threads $cg/lane/cgroup.subtree_control || fail "chown $cg/lane"
chown -R $uid:$uid $cg/lane/test
mkdir -p /run/user/$uid; chown $uid:$uid /run/user/$uid /home/lane; chmod 700 /run/user/$uid
chown -R $uid:$uid /test
export XDG_RUNTIME_DIR=/run/user/$uid LANE_CGROUP=$cg/lane LANE_ROOTFS=/opt/lane/busybox-rootfs LANE_EXTRA=/test/extra
[ -f /test/run.sh ] || printf '%s\n' 'echo "kernel $(uname -r); uid $(id -u); cgroup $(cat /proc/self/cgroup)"' \
  'echo "delegated controllers: $(cat $LANE_CGROUP/cgroup.subtree_control)"' > /test/run.sh
# Kernel messages (an OOM kill is logged at KERN_ERR) would interleave with the
# test's output on the one console: keep only emergencies there.
grep -q 'lane.dmesg=1' /proc/cmdline || echo 1 > /proc/sys/kernel/printk
cd /home/lane
echo "@@LANE-BEGIN uptime=$(cut -d' ' -f1 /proc/uptime)@@"
sh -c 'echo 0 > /sys/fs/cgroup/lane/test/cgroup.procs || exit 125
       exec su -s /bin/sh lane -c "exec /bin/sh /test/run.sh"' </dev/null
rc=$?
echo "@@LANE-RC=$rc uptime=$(cut -d' ' -f1 /proc/uptime)@@"
if grep -q 'lane.dmesg=1' /proc/cmdline; then echo "--- guest dmesg ---"; dmesg; echo "--- end of guest dmesg ---"; fi
sync
poweroff -f
INIT
}

T0=$(now)
if [[ ! -f $BASE || $(cat "$KEYFILE" 2>/dev/null) != "$key" || ${RLRUN_VM_REBUILD:-0} == 1 ]]; then
  build_base
fi
T_BASE=$(now)
exec 9>&-   # the cache is ready: concurrent runs may boot in parallel

# --- per-run archive: the test and its extras, appended to the base archive
RUN=$(mktemp -d "$CACHE/run.XXXXXX")
cleanup() { rm -rf "$RUN"; }
trap cleanup EXIT
mkdir -p "$RUN/root/test/extra"
if [[ -n $TEST ]]; then cp "$TEST" "$RUN/root/test/run.sh"; fi
if [[ -n ${RLRUN_VM_ROOT_TEST:-} ]]; then cp "$RLRUN_VM_ROOT_TEST" "$RUN/root/test/run-root.sh"; fi
for e in "${EXTRAS[@]}"; do
  cp -rL "$e" "$RUN/root/test/extra/"
  while IFS= read -r -d '' f; do
    if [[ $(head -c4 "$f" 2>/dev/null | od -An -c | tr -d ' ') == '177ELF' ]]; then
      while read -r lib; do
        lib=$(usr_path "$lib")
        # the base archive already has what its programs need; an extra may add more
        mkdir -p "$RUN/root$(dirname "$lib")"
        [[ -e $RUN/root$lib ]] || cp -L "$lib" "$RUN/root$lib"
      done < <(elf_libs "$f")
    fi
  done < <(find "$RUN/root/test/extra/$(basename "$e")" -type f -print0)
done
(cd "$RUN/root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$RUN/test.cpio"
cat "$BASE" "$RUN/test.cpio" > "$RUN/initrd.cpio"
T_BUILT=$(now)

# --- boot
if [[ ${RLRUN_VM_DMESG:-0} == 1 ]]; then APPEND="$APPEND lane.dmesg=1"; fi
if [[ $INIT_MODE == systemd ]]; then LOG=$CACHE/last-run-systemd.log; else LOG=$CACHE/last-run.log; fi
: > "$LOG"
set +e
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -accel tcg -m "$MEM" -smp "$SMP" \
    -display none -nodefaults -no-user-config -serial stdio -no-reboot \
    -kernel "$KERNEL" -initrd "$RUN/initrd.cpio" -append "$APPEND" </dev/null 2>&1 |
  { while IFS= read -r line || [[ -n $line ]]; do
      line=${line%$'\r'}
      printf '%s\n' "$line" >> "$LOG"
      case $line in
        *@@LANE-BEGIN*) now > "$RUN/t.begin" ;;
        *@@LANE-RC=*) rc=${line#*@@LANE-RC=}; rc=${rc%%[!0-9]*}; echo "$rc" > "$RUN/rc"; now > "$RUN/t.end" ;;
        *"reboot: Power down"*) ;;
        *) printf '%s\n' "$line" ;;
      esac
    done; }
qrc=${PIPESTATUS[0]}
set -e
T_END=$(now)
if [[ -f $RUN/rc ]]; then rc=$(cat "$RUN/rc")
elif [[ $qrc == 124 || $qrc == 137 ]]; then say "qemu timed out after ${TIMEOUT}s; see $LOG"; rc=124
else say "the VM stopped without a result (qemu exit $qrc); see $LOG"; rc=125; fi
tb=$(cat "$RUN/t.begin" 2>/dev/null || echo "$T_END"); te=$(cat "$RUN/t.end" 2>/dev/null || echo "$T_END")
say "kernel $KVER, $INIT_MODE init; initramfs $(secs "$T0" "$T_BUILT")s (base $(secs "$T0" "$T_BASE")s); boot to test $(secs "$T_BUILT" "$tb")s; test $(secs "$tb" "$te")s; poweroff $(secs "$te" "$T_END")s; total $(secs "$T0" "$T_END")s; exit $rc"
exit "$rc"
