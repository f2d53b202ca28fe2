#!/bin/sh
# tests/vm/run-cases.sh - the test script tests/vm/run-lane.sh gives
# tests/vm/lane.sh: runs inside the VM (busybox sh, as the user "lane") and
# runs every case of $LANE_EXTRA/cases/ (as root: root-cases/) with every runtime of LANE_RUNTIMES,
# one after the other, each under a timeout. For each it prints the case's
# output indented, then one line
#   == RESULT PASS|FAIL|SKIP RUNTIME/CASE (SECONDS s): REASON
# which run-lane.sh collects. Exit status: 0 when no case failed, else 1.
# Settings come from $LANE_EXTRA/lane.env (written by run-lane.sh):
#   LANE_RUNTIMES="rlrun"  LANE_CASE_TIMEOUT=90
set -u
LANE_RUNTIMES=rlrun LANE_CASE_TIMEOUT=90
[ -f "$LANE_EXTRA/lane.env" ] && . "$LANE_EXTRA/lane.env"

echo "== lane: kernel $(uname -r), uid $(id -u), cgroup $(sed -n 's/^0:://p' /proc/self/cgroup)," \
     "delegated controllers: $(cat "$LANE_CGROUP/cgroup.subtree_control")"
failed=0
# as root (lane.sh's RLRUN_VM_ROOT_TEST), the root cases
cases=cases
if [ "$(id -u)" = 0 ]; then cases=root-cases; fi
[ -d "$LANE_EXTRA/$cases" ] || exit 0
for rt in $LANE_RUNTIMES; do
  case $rt in
    rlrun) v=$("$LANE_EXTRA/rlrun" --version 2>&1 | head -n1) ;;
    *) v=$("$rt" --version 2>&1 | head -n1) ;;
  esac
  echo "== runtime $rt: $v"
  for c in "$LANE_EXTRA/$cases"/*.sh; do
    [ -f "$c" ] || continue
    name=$(basename "$c" .sh)
    log=$HOME/results/$rt/$name.log
    mkdir -p "${log%/*}"
    echo "== case $rt/$name"
    t0=$(cut -d' ' -f1 /proc/uptime)
    # a case may ask for more: a line "# lane-timeout: SECONDS"
    limit=$(sed -n 's/^# lane-timeout: *\([0-9][0-9]*\)$/\1/p' "$c" | head -n1)
    limit=${limit:-$LANE_CASE_TIMEOUT}
    # its output as it comes (a VM that times out still shows how far the case got)
    { LANE_RUNTIME=$rt timeout "$limit" sh "$c" < /dev/null 2>&1; echo $? > "$log.rc"; } | tee "$log" | sed 's/^/    | /'
    rc=$(cat "$log.rc")
    t1=$(cut -d' ' -f1 /proc/uptime)
    dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b - a}')
    reason=$(sed -nE 's/^(PASS|FAIL|SKIP): //p' "$log" | tail -n1)
    case $rc in
      0) res=PASS ;;
      77) res=SKIP ;;
      *) res=FAIL; failed=$((failed + 1))
         # busybox timeout: TERM, then the case's trap exits 143
         if [ "$rc" = 143 ] || [ "$rc" = 124 ]; then reason="timed out after ${limit}s${reason:+; $reason}"; fi
         [ -n "$reason" ] || reason="exit $rc, no reason given" ;;
    esac
    echo "== RESULT $res $rt/$name (${dt}s)${reason:+: $reason}"
  done
done
[ "$failed" = 0 ]
