#!/bin/sh
# 40-systemd-scope-limits: with the systemd cgroup manager (rlrun
# --cgroup-manager systemd, runc --systemd-cgroup), `run -d` puts the container
# in a transient scope of the user manager (rlrun-ID.scope; runc-ID.scope),
# and linux.resources become the scope's properties: memory.limit 64 MiB,
# pids.limit 20, cpu quota 20000 / period 100000 give MemoryMax=67108864,
# TasksMax=20, CPUQuotaPerSecUSec=200ms, with Delegate=yes; the scope's
# cgroup (its ControlGroup, where the container's process is) has memory.max
# 67108864, pids.max 20 and cpu.max "20000 100000"; and pids.max is enforced
# there: a fork loop in the container is refused before 22 forks.
# Runs in the lane's systemd mode only (else SKIP).
. "$LANE_EXTRA/case-lib.sh"
use_systemd_cgroup

ID=c40 UNIT=$LANE_RUNTIME-c40.scope
B=$WORK/bundle OUT=$WORK/out
# the subshell stops at the first refused fork; the container's init then
# execs, so it needs no fork of its own to stay alive
mkbundle "$B" 'echo started
( i=0; while [ $i -lt 60 ]; do sleep 600 & i=$((i + 1)); echo "forked $i"; done ) 2>&1
echo "loop_done"
exec sleep 600' '{"memory": {"limit": 67108864}, "pids": {"limit": 20}, "cpu": {"quota": 20000, "period": 100000}}'

start_detached $ID "$B" "$OUT"
container_cgroup
[ "${CG##*/}" = "$UNIT" ] || fail "the container's cgroup is $CG, not a cgroup of $UNIT"
cgpath=$(unit_prop "$UNIT" ControlGroup 2>&1)
[ "/sys/fs/cgroup$cgpath" = "$CG" ] || fail "$UNIT: ControlGroup is '$cgpath', the container is in $CG"
echo "$UNIT: ActiveState=$(unit_prop "$UNIT" ActiveState), ControlGroup=$cgpath"
expect_prop "$UNIT" MemoryMax 67108864
expect_prop "$UNIT" TasksMax 20
expect_prop "$UNIT" CPUQuotaPerSecUSec 200ms
expect_prop "$UNIT" Delegate yes
expect_file memory.max 67108864
expect_file pids.max 20
expect_file cpu.max "20000 100000"

wait_for "$OUT" '^loop_done' 60 || fail "the fork loop did not end in 60 s: $(oneline < "$OUT" | cut -c1-300)"
n=$(grep -c '^forked ' "$OUT")
echo "successful forks: $n; pids.current: $(cat "$CG/pids.current"); pids.events: $(oneline < "$CG/pids.events")"
grep -v '^forked ' "$OUT"
[ "$n" -lt 22 ] || fail "$n of 60 forks succeeded in $UNIT under TasksMax 20"
pass "$UNIT has MemoryMax 64 MiB, TasksMax 20, CPUQuota 200ms, Delegate yes, and the files agree; forks refused after $n"
