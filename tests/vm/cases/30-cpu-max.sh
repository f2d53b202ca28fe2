#!/bin/sh
# 30-cpu-max: linux.resources.cpu quota 20000 / period 100000 (0.2 CPU) is
# enforced: a busy loop for 1 s of wall time uses well under that wall time
# (the cgroup's usage_usec grows by < 60% of it; unthrottled it is ~100%) and
# is throttled (nr_throttled grows); the container's cgroup shows cpu.max
# "20000 100000".
# The container's start-up (the runtime's init stage, in the cgroup already and
# throttled too: seconds under emulation) must not count: the container waits
# for SIGUSR1, sent once cpu.stat has been read, before its loop.
. "$LANE_EXTRA/case-lib.sh"

B=$WORK/bundle OUT=$WORK/out
mkbundle "$B" 'go=
trap "go=1" USR1
echo ready
n=0; while [ -z "$go" ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
[ -n "$go" ] || { echo "no SIGUSR1 in 60 s"; exec sleep 600; }
t0=$(cut -d" " -f1 /proc/uptime)
timeout 1 sh -c "while :; do :; done"
t1=$(cut -d" " -f1 /proc/uptime)
echo "loop $t0 $t1"
exec sleep 600' '{"cpu": {"quota": 20000, "period": 100000}}'

start_detached c30 "$B" "$OUT"
container_cgroup
expect_file cpu.max "20000 100000"
wait_for "$OUT" '^ready' 60 || fail "the container did not get ready in 60 s: $(oneline < "$OUT")"
cpustat() { sed -n "s/^$1 //p" "$CG/cpu.stat"; }
u0=$(cpustat usage_usec) th0=$(cpustat nr_throttled)
kill -USR1 "$PID" || fail "cannot send SIGUSR1 to the container's process $PID"
wait_for "$OUT" '^loop ' 60 || fail "the busy loop did not end in 60 s: $(oneline < "$OUT")"
u1=$(cpustat usage_usec) th1=$(cpustat nr_throttled)
set -- $(sed -n 's/^loop //p' "$OUT")
wall_us=$(awk -v a="$1" -v b="$2" 'BEGIN{printf "%d", (b - a) * 1000000}')
usage=$((u1 - u0)) thr=$((th1 - th0))
[ "$wall_us" -gt 0 ] || wall_us=1
pct=$((usage * 100 / wall_us))
echo "busy loop: ${wall_us} us wall; usage_usec +$usage ($pct% of wall), nr_throttled +$thr"
echo "cpu.stat: $(oneline < "$CG/cpu.stat")"
[ "$wall_us" -ge 500000 ] || fail "the busy loop lasted only ${wall_us} us"
[ "$pct" -lt 60 ] || fail "not throttled: the loop used ${usage} us of CPU, $pct% of ${wall_us} us wall, under cpu.max 20000 100000"
[ "$thr" -gt 0 ] || fail "the loop used $pct% of wall but nr_throttled did not grow ($th0 -> $th1)"
pass "1 s busy loop used $pct% of wall time, throttled $thr times (cpu.max 20000 100000)"
