#!/bin/sh
# 20-pids-max: linux.resources.pids.limit = 10 is enforced: a fork loop in the
# container (50 background sleeps) must be refused early: fewer than 12
# successful forks; the container's cgroup shows pids.max 10.
. "$LANE_EXTRA/case-lib.sh"

B=$WORK/bundle OUT=$WORK/out
# the subshell stops at the first refused fork (ash: "can't fork"); the
# container's init then execs, so it needs no fork of its own to stay alive
mkbundle "$B" 'echo started
( i=0; while [ $i -lt 50 ]; do sleep 600 & i=$((i + 1)); echo "forked $i"; done ) 2>&1
echo "loop_done"
exec sleep 600' '{"pids": {"limit": 10}}'

start_detached c20 "$B" "$OUT"
container_cgroup
expect_file pids.max 10
wait_for "$OUT" '^loop_done' 60 || fail "the fork loop did not end in 60 s: $(oneline < "$OUT" | cut -c1-300)"
n=$(grep -c '^forked ' "$OUT")
echo "successful forks: $n; pids.current: $(cat "$CG/pids.current"); pids.events: $(oneline < "$CG/pids.events")"
grep -v '^forked ' "$OUT"
[ "$n" -lt 12 ] || fail "$n of 50 forks succeeded under pids.max 10"
pass "forks refused after $n (pids.max 10): $(grep -i fork "$OUT" | grep -v '^forked' | head -n1)"
