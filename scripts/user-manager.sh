#!/usr/bin/env bash
# user-manager.sh - bring up (or tear down) a real `systemd --user` manager for
# an unprivileged test user on a machine where systemd is NOT PID 1 (the test
# machine: Debian 12, hybrid cgroups, cgroup2 at /sys/fs/cgroup/unified).
#
# Usage (as root):
#   scripts/user-manager.sh start USER   # idempotent; prints the manager's PID
#   scripts/user-manager.sh stop USER    # stops exactly the manager start made
#   scripts/user-manager.sh env USER     # prints XDG_RUNTIME_DIR=... and
#                                        # DBUS_SESSION_BUS_ADDRESS=... lines
#   scripts/user-manager.sh status USER  # exit 0 when our manager is running
#
# The recipe (see shared DESIGN.md, "The test machine"):
#  - /run/user/UID exists, owned by the user, mode 0700;
#  - cgroup dirs user.slice/user-UID.slice/user@UID.service under both
#    /sys/fs/cgroup/unified and /sys/fs/cgroup/systemd, owned by the user
#    (directory and its cgroup.procs/cgroup.threads/cgroup.subtree_control/tasks),
#    and the process that becomes the manager is moved into both first;
#  - /run/systemd/system present while the manager starts (created if missing,
#    removed again once the manager runs, only if this script created it);
#  - `systemd --user` started as the user (setpriv) with XDG_RUNTIME_DIR and
#    DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/UID/bus; the bus itself is
#    dbus-daemon socket-activated by the manager (package dbus-user-session:
#    dbus.socket in sockets.target.wants);
#  - wait (bounded) until the manager's SystemState is running or degraded
#    (`systemctl --user show -p SystemState`; `is-system-running` itself says
#    "offline" once /run/systemd/system is gone) and /run/user/UID/bus exists.
# State: /run/user/UID/rlrun-test-manager.pid (manager PID) and
# /run/rlrun-test-manager-UID.state (what start created, for stop).
# Log of the manager: /run/rlrun-test-manager-UID.log.
#
# Everything but the PID (start) or the env lines (env) goes to stderr.
set -euo pipefail

START_TIMEOUT=${RLRUN_USER_MANAGER_TIMEOUT:-15}
STOP_TIMEOUT=10
UNIFIED=/sys/fs/cgroup/unified
LEGACY=/sys/fs/cgroup/systemd
SYSTEMD_BIN=/lib/systemd/systemd
MANAGER_RUNTIME_ENTRIES="systemd bus dbus-1 gnupg pk-debconf-socket"

log() { echo "user-manager: $*" >&2; }
die() { log "error: $*"; exit 1; }

[ $# -eq 2 ] && [ -n "$2" ] || die "usage: $0 start|stop|env|status USER"
cmd=$1
user=$2
uid=$(id -u "$user" 2>/dev/null) || die "no such user: $user"
gid=$(id -g "$user")
home=$(getent passwd "$user" | cut -d: -f6)
rundir=/run/user/$uid
pidfile=$rundir/rlrun-test-manager.pid
statefile=/run/rlrun-test-manager-$uid.state
logfile=/run/rlrun-test-manager-$uid.log
bus=$rundir/bus
rel=user.slice/user-$uid.slice/user@$uid.service

print_env() {
    echo "XDG_RUNTIME_DIR=$rundir"
    echo "DBUS_SESSION_BUS_ADDRESS=unix:path=$bus"
}

# Run a command as the user with the manager's environment.
as_user() {
    setpriv --reuid="$uid" --regid="$gid" --init-groups \
        env -i HOME="$home" USER="$user" LOGNAME="$user" PATH=/usr/local/bin:/usr/bin:/bin \
        XDG_RUNTIME_DIR="$rundir" DBUS_SESSION_BUS_ADDRESS="unix:path=$bus" "$@"
}

# PID from the pidfile, when that process is alive and is a systemd --user of
# this uid. Prints it, exit 0; else exit 1.
our_manager_pid() {
    [ -f "$pidfile" ] || return 1
    local pid
    pid=$(cat "$pidfile" 2>/dev/null) || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [ -d "/proc/$pid" ] || return 1
    [ "$(stat -c %u "/proc/$pid")" = "$uid" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- 'systemd --user' || return 1
    echo "$pid"
}

# The manager's SystemState (running, degraded, starting, ...). Not
# `systemctl --user is-system-running`: without systemd as PID 1 (no
# /run/systemd/system) that answers "offline" whatever the user manager says.
manager_state() {
    timeout 5 setpriv --reuid="$uid" --regid="$gid" --init-groups \
        env -i HOME="$home" XDG_RUNTIME_DIR="$rundir" DBUS_SESSION_BUS_ADDRESS="unix:path=$bus" \
        systemctl --user show --property=SystemState --value 2>/dev/null || true
}

# Alive and not a zombie (a stopped manager stays a zombie until PID 1 reaps it; kill -0
# still succeeds on a zombie).
alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

state_set() { echo "$1=$2" >>"$statefile"; }
state_get() { [ -f "$statefile" ] && grep -E "^$1=" "$statefile" | tail -n1 | cut -d= -f2- || true; }

# apt-install.sh updates the lists first when a package is unknown (no "Unable to locate" line).
apt_install() { "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" "$@"; }

# Make DIR (relative to hierarchy ROOT) exist and belong to the user, with
# the cgroup interface files a delegate must write. Records created dirs.
make_cgroup() {
    local root=$1
    local path=$root
    local part
    for part in user.slice "user-$uid.slice" "user@$uid.service"; do
        path=$path/$part
        if [ ! -d "$path" ]; then
            mkdir "$path"
            state_set cgdir "$path"
        fi
    done
    chown "$uid:$gid" "$path"
    local f
    for f in cgroup.procs cgroup.threads cgroup.subtree_control tasks; do
        [ -e "$path/$f" ] && chown "$uid:$gid" "$path/$f"
    done
    return 0
}

do_start() {
    [ "$(id -u)" -eq 0 ] || die "must run as root"
    [ -x "$SYSTEMD_BIN" ] || die "$SYSTEMD_BIN not found (package systemd)"
    if [ ! -e /usr/lib/systemd/user/dbus.socket ] || ! command -v dbus-daemon >/dev/null 2>&1; then
        log "installing dbus-user-session (dbus.socket for the user manager)"
        apt_install dbus-user-session dbus-daemon
    fi
    command -v setpriv >/dev/null || die "setpriv not found (package util-linux)"
    [ -d "$UNIFIED" ] && [ "$(stat -f -c %T "$UNIFIED")" = cgroup2fs ] ||
        [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || die "no cgroup2 hierarchy found"

    mkdir -p /run/lock
    exec 9>"/run/lock/rlrun-user-manager-$uid.lock"
    flock -w 60 9 || die "could not take the lock"

    local pid
    if pid=$(our_manager_pid); then
        case "$(manager_state)" in
            running|degraded)
                log "reusing running manager $pid for $user"
                echo "$pid"; return 0 ;;
        esac
        log "manager $pid exists but is not running yet; stopping it first"
        do_stop_locked
    fi

    # Another user manager (not ours: e.g. from a real login) would fight ours.
    local other
    other=$(pgrep -u "$uid" -x systemd 2>/dev/null | while read -r p; do alive "$p" && echo "$p"; done | head -n1 || true)
    [ -z "$other" ] || die "another systemd --user runs for $user (PID $other); not starting a second one"

    # A stale state file from an earlier crash: forget what it said was created
    # only after cleaning (do_stop_locked handles that).
    [ -f "$statefile" ] && do_stop_locked

    : >"$statefile"
    [ -d /run/user ] || install -d -m 0755 /run/user
    [ -d "$rundir" ] || state_set created_rundir 1
    install -d -m 0700 -o "$uid" -g "$gid" "$rundir"
    chown "$uid:$gid" "$rundir"; chmod 0700 "$rundir"
    # What the manager and its default units put in the runtime dir; stop
    # removes those that were not there before (never anything else, such as
    # rlrun's own state dir).
    local e
    for e in $MANAGER_RUNTIME_ENTRIES; do
        [ -e "$rundir/$e" ] && [ "$e" != bus ] || state_set rundir_entry "$e"
    done

    # cgroup v2 (the hierarchy the manager tracks processes in) ...
    if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
        make_cgroup /sys/fs/cgroup
        local cg_roots=(/sys/fs/cgroup)
    else
        make_cgroup "$UNIFIED"
        local cg_roots=("$UNIFIED")
        # ... and the named v1 hierarchy, which a hybrid systemd also uses.
        if [ -d "$LEGACY" ] && [ "$(stat -f -c %T "$LEGACY")" = cgroupfs ]; then
            make_cgroup "$LEGACY"
            cg_roots+=("$LEGACY")
        fi
    fi

    if [ ! -d /run/systemd/system ]; then
        mkdir -p /run/systemd/system
        state_set created_run_systemd_system 1
    fi

    rm -f "$bus" "$pidfile"
    : >"$logfile"
    # The subshell moves itself into the cgroups, then execs (setpriv -> env ->
    # systemd), so $! is the manager's PID. setsid detaches it from our
    # session and terminal (no fork: the subshell is no process group leader).
    (
        for r in "${cg_roots[@]}"; do echo "$BASHPID" >"$r/$rel/cgroup.procs"; done
        exec 9>&- </dev/null >>"$logfile" 2>&1
        cd /
        exec setsid setpriv --reuid="$uid" --regid="$gid" --init-groups \
            env -i HOME="$home" USER="$user" LOGNAME="$user" SHELL=/bin/sh \
            PATH=/usr/local/bin:/usr/bin:/bin \
            XDG_RUNTIME_DIR="$rundir" DBUS_SESSION_BUS_ADDRESS="unix:path=$bus" \
            SYSTEMD_LOG_TARGET=console \
            "$SYSTEMD_BIN" --user
    ) &
    pid=$!
    echo "$pid" >"$pidfile"
    chmod 0644 "$pidfile"
    state_set pid "$pid"

    local deadline=$((SECONDS + START_TIMEOUT)) st=""
    while :; do
        if ! alive "$pid"; then
            log "manager exited early; its log:"
            tail -n 30 "$logfile" >&2 || true
            do_stop_locked
            die "systemd --user for $user exited during start-up"
        fi
        st=$(manager_state)
        if { [ "$st" = running ] || [ "$st" = degraded ]; } && [ -S "$bus" ]; then
            break
        fi
        if [ $SECONDS -ge $deadline ] && { [ "$st" = running ] || [ "$st" = degraded ]; }; then
            # Running without the session bus (dbus.socket failed?): clients can still use
            # the manager's private socket $rundir/systemd/private (Rlrun.Systemd falls back).
            log "warning: no bus socket $bus after ${START_TIMEOUT}s; the manager runs ($st), reachable on $rundir/systemd/private"
            break
        fi
        if [ $SECONDS -ge $deadline ]; then
            log "manager state '$st' after ${START_TIMEOUT}s (bus socket: $([ -S "$bus" ] && echo yes || echo no)); its log:"
            tail -n 30 "$logfile" >&2 || true
            # Our child, whatever it runs by now (do_stop_locked only stops a systemd --user).
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            do_stop_locked
            die "systemd --user for $user did not come up within ${START_TIMEOUT}s"
        fi
        sleep 0.2
    done
    [ "$st" = degraded ] && log "manager is degraded: $(as_user systemctl --user --failed --no-legend 2>/dev/null | tr '\n' ';')"

    if [ "$(state_get created_run_systemd_system)" = 1 ]; then
        rmdir /run/systemd/system 2>/dev/null || true
        sed -i '/^created_run_systemd_system=/d' "$statefile"
    fi
    log "systemd --user for $user (uid $uid) running as PID $pid ($st)"
    echo "$pid"
}

# Stop the manager recorded in the pidfile and undo what start created.
# Caller holds the lock.
do_stop_locked() {
    local pid
    if pid=$(our_manager_pid); then
        log "stopping manager $pid"
        kill -TERM "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + STOP_TIMEOUT))
        while alive "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
        if alive "$pid"; then
            log "manager $pid still alive after ${STOP_TIMEOUT}s: SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            deadline=$((SECONDS + 5))
            while alive "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
        fi
    fi
    # The manager we started is our child only while start runs; when stop is
    # a new invocation it is not, and the kernel reaps it (its parent is gone).
    rm -f "$pidfile"
    if [ -f "$statefile" ]; then
        if [ "$(state_get created_run_systemd_system)" = 1 ]; then
            rmdir /run/systemd/system 2>/dev/null || true
        fi
        # Remove created cgroup dirs, deepest first, when empty (after the
        # manager is gone its sub-cgroups are gone or empty).
        local d
        tac <(grep -E '^cgdir=' "$statefile" | cut -d= -f2-) | while read -r d; do
            [ -d "$d" ] || continue
            # leftover empty children (e.g. init.scope) first
            find "$d" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null || true
            rmdir "$d" 2>/dev/null || log "could not remove $d (not empty?)"
        done
        # ... unless another manager of this user (not ours) still uses them.
        if ! pgrep -u "$uid" -x systemd >/dev/null 2>&1; then
            grep -E '^rundir_entry=' "$statefile" | cut -d= -f2- | while read -r d; do
                case "$d" in */*|..|.|'') continue ;; esac
                rm -rf --one-file-system "${rundir:?}/$d"
            done
        fi
        if [ "$(state_get created_rundir)" = 1 ]; then
            rmdir "$rundir" 2>/dev/null || true
        fi
        rm -f "$statefile"
    fi
    rm -f "$pidfile" "$logfile"
}

do_stop() {
    [ "$(id -u)" -eq 0 ] || die "must run as root"
    mkdir -p /run/lock
    exec 9>"/run/lock/rlrun-user-manager-$uid.lock"
    flock -w 60 9 || die "could not take the lock"
    do_stop_locked
}

case "$cmd" in
    start) do_start ;;
    stop) do_stop ;;
    env) print_env ;;
    status)
        pid=$(our_manager_pid) || { log "no manager of ours for $user"; exit 1; }
        st=$(manager_state)
        log "manager $pid: $st"
        [ "$st" = running ] || [ "$st" = degraded ] ;;
    *) die "usage: $0 start|stop|env|status USER" ;;
esac
