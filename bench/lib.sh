# Shared by the benchmarks (sourced; each copies it beside itself into its work dir, since the
# unprivileged user may not read the repository).

# The runc to compare with: on PATH, or where Debian puts it.
find_runc() {
    command -v runc 2>/dev/null && return
    local p
    for p in /usr/sbin/runc /sbin/runc /usr/bin/runc; do
        [ -x "$p" ] && { echo "$p"; return; }
    done
    return 1
}

# install_missing PKG...: apt-get installs the packages named (none: nothing), updating the
# package lists once if the first attempt fails.
install_missing() {
    [ $# -gt 0 ] || return 0
    log "installing $*"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends "$@" >&2; then
        apt-get update >&2
        apt-get install -y --no-install-recommends "$@" >&2
    fi
}

# The packages every benchmark needs that are not installed: runc, jq, a static busybox.
missing_packages() {
    find_runc >/dev/null || echo runc
    command -v jq >/dev/null || echo jq
    { [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; } || echo busybox-static
}

# run_forwarding CMD...: runs the inner (unprivileged) phase in the background, forwards
# INT/TERM to it as TERM (so it deletes its containers before the caller removes its work dir),
# and exits with its status.
run_forwarding() {
    "$@" &
    local child=$! rc=0
    trap 'kill -TERM "$child" 2>/dev/null || true' INT TERM
    while :; do
        wait "$child" && rc=0 || rc=$?
        kill -0 "$child" 2>/dev/null || break
    done
    exit "$rc"
}
