#!/bin/sh
# 41-systemd-oom: with the systemd cgroup manager, memory.limit 32 MiB is
# enforced in the container's scope: the scope has MemoryMax=33554432 and its
# cgroup memory.max 33554432; dd reading 100 MiB of /dev/zero into one buffer
# is OOM-killed (status 137) and the scope's memory.events has oom_kill >= 1.
# Runs in the lane's systemd mode only (else SKIP).
. "$LANE_EXTRA/case-lib.sh"
use_systemd_cgroup

ID=c41 UNIT=$LANE_RUNTIME-c41.scope
B=$WORK/bundle OUT=$WORK/out
mkbundle "$B" 'echo started
dd if=/dev/zero of=/dev/null bs=100M count=1 2>/dev/null; echo "hog_rc=$?"
exec sleep 600' '{"memory": {"limit": 33554432}}'

start_detached $ID "$B" "$OUT"
container_cgroup
[ "${CG##*/}" = "$UNIT" ] || fail "the container's cgroup is $CG, not a cgroup of $UNIT"
expect_prop "$UNIT" MemoryMax 33554432
expect_file memory.max 33554432
wait_for "$OUT" '^hog_rc=' 60 || fail "the hog did not finish in 60 s: $(oneline < "$OUT")"
cat "$OUT"
rc=$(sed -n 's/^hog_rc=//p' "$OUT")
events=$(oneline < "$CG/memory.events")
echo "memory.events: $events; memory.peak: $(cat "$CG/memory.peak" 2>/dev/null || echo n/a)"
echo "$UNIT: ActiveState=$(unit_prop "$UNIT" ActiveState), Result=$(unit_prop "$UNIT" Result)"
[ "$rc" = 137 ] || fail "the 100 MiB allocation was not killed: dd status $rc (memory.events: $events)"
kills=$(sed -n 's/^oom_kill //p' "$CG/memory.events")
[ "${kills:-0}" -ge 1 ] || fail "dd died ($rc) but memory.events has no oom_kill: $events"
pass "100 MiB allocation OOM-killed (status 137) in $UNIT under MemoryMax 32 MiB; oom_kill $kills"
