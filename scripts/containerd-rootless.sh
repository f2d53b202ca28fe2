#!/bin/sh
# containerd-rootless.sh - run containerd as an unprivileged user inside RootlessKit (Debian's
# rootlesskit package), the way rootless Kubernetes nodes and nerdctl's script of the same name do:
# RootlessKit makes a user namespace (the user as root, the rest of its /etc/subuid range mapped
# below), a mount namespace with private copies of /etc, /run and /var/lib, and optionally a network
# namespace; containerd runs there as euid 0, and so do its shims and the runtime they call
# (rlrun: configure it as the runc shim's BinaryName, or `ctr run --runc-binary PATH`).
#
# Usage: scripts/containerd-rootless.sh [CONTAINERD ARGS...]     (e.g. -c ~/.config/containerd/config.toml)
#
# Inside, /run/containerd, /var/lib/containerd and /etc/containerd are the user's
# $XDG_RUNTIME_DIR/containerd, $XDG_DATA_HOME/containerd and $XDG_CONFIG_HOME/containerd.
# Other commands reach it in RootlessKit's namespaces:
#   nsenter -U -m --preserve-credentials -t "$(cat $CONTAINERD_ROOTLESS_STATE_DIR/child_pid)" ctr ...
#
# Environment:
#   CONTAINERD_ROOTLESS_STATE_DIR  RootlessKit's state dir (default $XDG_RUNTIME_DIR/containerd-rootless);
#                                  child_pid there is the namespaces' first process
#   CONTAINERD_ROOTLESS_NET        host (no network namespace of its own) or slirp4netns
#                                  (default: slirp4netns when installed, else host)
#   CONTAINERD_ROOTLESS_FLAGS      more rootlesskit flags
set -eu

if [ -z "${_RLRUN_CONTAINERD_ROOTLESS_CHILD:-}" ]; then
    # The parent: check the user's set-up, then re-run this script as RootlessKit's child.
    die() { echo "containerd-rootless.sh: $*" >&2; exit 1; }
    [ "$(id -u)" != 0 ] || die "run it as the unprivileged user, not as root (root runs containerd directly)"
    [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -w "$XDG_RUNTIME_DIR" ] || die "XDG_RUNTIME_DIR must be set and writable (it is '${XDG_RUNTIME_DIR:-}')"
    [ -n "${HOME:-}" ] && [ -w "$HOME" ] || die "HOME must be set and writable (it is '${HOME:-}')"
    command -v rootlesskit >/dev/null || die "rootlesskit is not installed (Debian: apt-get install rootlesskit)"
    command -v containerd >/dev/null || die "containerd is not installed (Debian: apt-get install containerd)"
    command -v newuidmap >/dev/null || die "newuidmap is not installed (Debian: apt-get install uidmap)"
    user=$(id -un)
    grep -q "^$user:" /etc/subuid 2>/dev/null || die "$user has no range in /etc/subuid (a container needs more than one uid)"
    grep -q "^$user:" /etc/subgid 2>/dev/null || die "$user has no range in /etc/subgid"

    state=${CONTAINERD_ROOTLESS_STATE_DIR:-$XDG_RUNTIME_DIR/containerd-rootless}
    net=${CONTAINERD_ROOTLESS_NET:-}
    if [ -z "$net" ]; then
        if command -v slirp4netns >/dev/null; then net=slirp4netns; else net=host; fi
    fi
    case "$net" in
    host) netflags="--net=host" ;;
    # The host's loopback stays out of reach from inside; ports are forwarded by RootlessKit itself.
    slirp4netns) netflags="--net=slirp4netns --mtu=65520 --disable-host-loopback --port-driver=builtin --slirp4netns-sandbox=auto --slirp4netns-seccomp=auto" ;;
    *) die "CONTAINERD_ROOTLESS_NET=$net: host or slirp4netns" ;;
    esac
    _RLRUN_CONTAINERD_ROOTLESS_CHILD=1
    export _RLRUN_CONTAINERD_ROOTLESS_CHILD
    # --copy-up: a tmpfs over each, the old entries as symlinks, so the child can make its own
    # /run/containerd and friends. rslave: mounts made on the host later still reach the child.
    # shellcheck disable=SC2086
    exec rootlesskit --state-dir="$state" $netflags \
        --copy-up=/etc --copy-up=/run --copy-up=/var/lib --propagation=rslave \
        ${CONTAINERD_ROOTLESS_FLAGS:-} "$0" "$@"
fi

# The child: euid 0 in RootlessKit's namespaces. The copy-up left symlinks to the host's
# directories; replace them with the user's own (the host's files are untouched).
: "${XDG_DATA_HOME:=$HOME/.local/share}"
: "${XDG_CONFIG_HOME:=$HOME/.config}"
bind_own() { # bind_own USER-DIR PATH
    mkdir -p "$1"
    rm -f "$2"
    mkdir -p "$2"
    mount --bind "$1" "$2"
}
bind_own "$XDG_RUNTIME_DIR/containerd" /run/containerd
bind_own "$XDG_DATA_HOME/containerd" /var/lib/containerd
bind_own "$XDG_CONFIG_HOME/containerd" /etc/containerd
rm -f /run/xtables.lock
exec containerd "$@"
