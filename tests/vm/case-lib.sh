# tests/vm/case-lib.sh - sourced by tests/vm/cases/*.sh inside the lane's VM
# (busybox sh, as the unprivileged user "lane"; see tests/vm/lane.sh for the
# environment). Not a case itself: it lives outside cases/.
#
# A case exits 0 (PASS), 77 (SKIP) or anything else (FAIL); its last line
# "PASS: ...", "SKIP: ..." or "FAIL: ..." is the reason shown in the summary.
# The runtime under test is $LANE_RUNTIME: rlrun ($LANE_EXTRA/rlrun) or runc
# (to check the cases themselves against a runtime known to enforce limits).
set -u

LANE_RUNTIME=${LANE_RUNTIME:-rlrun}
case $LANE_RUNTIME in
  rlrun) RT_BIN=$LANE_EXTRA/rlrun ;;
  runc) RT_BIN=$(command -v runc) || { echo "FAIL: runc is not in the VM"; exit 1; } ;;
  *) echo "FAIL: unknown runtime $LANE_RUNTIME"; exit 1 ;;
esac
[ -x "$RT_BIN" ] || { echo "FAIL: $RT_BIN is missing"; exit 1; }
RT_ROOT=$XDG_RUNTIME_DIR/$LANE_RUNTIME
CASE=$(basename "$0" .sh)
WORK=$HOME/work/$LANE_RUNTIME/$CASE
rm -rf "$WORK"; mkdir -p "$WORK"
CONTAINERS=""
RT_GLOBAL=""   # global options of every rt call: use_systemd_cgroup sets them

rt() { "$RT_BIN" --root "$RT_ROOT" $RT_GLOBAL "$@"; }
pass() { echo "PASS${1:+: $*}"; exit 0; }
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
oneline() { tr '\n' ' ' | sed 's/  */ /g; s/ $//'; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }

cleanup() {
  for c in $CONTAINERS; do
    rt kill "$c" KILL >/dev/null 2>&1
    rt delete --force "$c" >/dev/null 2>&1
  done
  CONTAINERS=""
}
trap cleanup EXIT
trap 'cleanup; exit 143' TERM INT

# mkbundle DIR SCRIPT [RESOURCES_JSON [JQ_FILTER]]: a bundle whose process is
# `sh -c SCRIPT` on the lane's busybox rootfs (read-only), no terminal, the
# runtime's own `spec --rootless`, linux.resources = RESOURCES_JSON, then
# JQ_FILTER applied.
mkbundle() {
  _b=$1 _script=$2 _res=${3:-null} _filter=${4:-.}
  rm -rf "$_b"; mkdir -p "$_b"
  (cd "$_b" && rt spec --rootless) > "$_b/spec.log" 2>&1 \
    || fail "$LANE_RUNTIME spec --rootless failed: $(oneline < "$_b/spec.log")"
  jq --arg root "$LANE_ROOTFS" --arg cmd "$_script" --argjson res "$_res" \
     ".process.terminal = false | .process.args = [\"sh\", \"-c\", \$cmd] | .root.path = \$root
      | if \$res == null then . else .linux.resources = \$res end | $_filter" \
     "$_b/config.json" > "$_b/config.json.new" || fail "jq could not edit $_b/config.json"
  mv "$_b/config.json.new" "$_b/config.json"
}

# start_detached ID BUNDLE OUT: `run -d`, the container's stdout and stderr to
# OUT; sets PID to the container's process (from `state ID`).
start_detached() {
  CONTAINERS="$CONTAINERS $1"
  rt run -d -b "$2" "$1" > "$3" 2>&1 < /dev/null \
    || fail "$LANE_RUNTIME run -d $1 failed: $(oneline < "$3")"
  rt state "$1" > "$WORK/state.json" 2> "$WORK/state.err" \
    || fail "$LANE_RUNTIME state $1 failed: $(oneline < "$WORK/state.err")"
  PID=$(jq -r '.pid // empty' "$WORK/state.json")
  STATUS=$(jq -r '.status // empty' "$WORK/state.json")
  [ -n "$PID" ] && [ "$PID" -gt 0 ] 2>/dev/null \
    || fail "no pid in the state of $1: $(oneline < "$WORK/state.json")"
  echo "container $1: pid $PID, status $STATUS"
}

# container_cgroup: sets CG to the cgroup directory of process $PID; fails
# unless it is a cgroup of its own (not the caller's, not the root, not gone).
container_cgroup() {
  _own=$(sed -n 's/^0:://p' /proc/self/cgroup)
  _rel=$(sed -n 's/^0:://p' "/proc/$PID/cgroup" 2>/dev/null)
  [ -n "$_rel" ] || fail "cannot read /proc/$PID/cgroup (container process gone?): $(oneline < "$OUT")"
  if [ "$_rel" = "$_own" ]; then
    fail "container not in its own cgroup: its process $PID is in $_rel, the caller's cgroup"
  fi
  case $_rel in
    /) fail "container not in its own cgroup: its process $PID is in the root cgroup" ;;
    "$_own"/*|"${LANE_CGROUP#/sys/fs/cgroup}"/*) ;;
    *) fail "container cgroup $_rel is outside the delegated $LANE_CGROUP" ;;
  esac
  CG=/sys/fs/cgroup$_rel
  [ -d "$CG" ] || fail "container cgroup $CG does not exist"
  echo "container cgroup: $CG (caller's: $_own)"
}

# expect_file FILE VALUE: the first line of $CG/FILE must be VALUE
expect_file() {
  [ -r "$CG/$1" ] || fail "$CG/$1 is missing (controller not enabled for the container's cgroup?)"
  _v=$(head -n1 "$CG/$1")
  [ "$_v" = "$2" ] || fail "$1 is '$_v', not '$2'"
  echo "$1: $_v"
}

# wait_for FILE REGEX SECONDS: until a line of FILE matches (grep -E)
wait_for() {
  _n=$(($3 * 10))
  while [ $_n -gt 0 ]; do
    grep -Eq "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
    _n=$((_n - 1))
  done
  return 1
}

# use_systemd_cgroup: the runtime's systemd cgroup manager for every rt call
# (rlrun --cgroup-manager systemd, runc --systemd-cgroup); SKIP outside the
# lane's systemd mode (tests/vm/lane.sh RLRUN_VM_INIT=systemd), where there is
# no user manager to ask for a scope.
use_systemd_cgroup() {
  [ "${LANE_MODE:-}" = systemd ] || skip "needs the lane's systemd mode (systemd PID 1 and a user manager)"
  case $LANE_RUNTIME in
    rlrun) RT_GLOBAL="--cgroup-manager systemd" ;;
    runc) RT_GLOBAL="--systemd-cgroup" ;;
  esac
}

# unit_prop UNIT NAME: the property NAME of the user manager's UNIT
unit_prop() { systemctl --user show -p "$2" --value "$1"; }

# expect_prop UNIT NAME VALUE: the user manager's UNIT has NAME=VALUE
expect_prop() {
  _v=$(unit_prop "$1" "$2" 2>&1) || fail "systemctl --user show $1 -p $2 failed: $_v"
  [ "$_v" = "$3" ] || fail "$1: $2 is '$_v', not '$3'"
  echo "$1: $2=$_v"
}
