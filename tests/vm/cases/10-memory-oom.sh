#!/bin/sh
# 10-memory-oom: linux.resources.memory.limit = 32 MiB is enforced: inside the
# container, dd reads 100 MiB of /dev/zero into one buffer (every page of it
# is touched, there is no swap) and must be OOM-killed (status 137, SIGKILL);
# the container's own cgroup shows memory.max 33554432 and oom_kill >= 1.
. "$LANE_EXTRA/case-lib.sh"

B=$WORK/bundle OUT=$WORK/out
mkbundle "$B" 'echo started
dd if=/dev/zero of=/dev/null bs=100M count=1 2>/dev/null; echo "hog_rc=$?"
exec sleep 600' '{"memory": {"limit": 33554432}}'

start_detached c10 "$B" "$OUT"
container_cgroup
expect_file memory.max 33554432
wait_for "$OUT" '^hog_rc=' 60 || fail "the hog did not finish in 60 s: $(oneline < "$OUT")"
cat "$OUT"
rc=$(sed -n 's/^hog_rc=//p' "$OUT")
events=$(oneline < "$CG/memory.events")
echo "memory.events: $events; memory.peak: $(cat "$CG/memory.peak" 2>/dev/null || echo n/a)"
[ "$rc" = 137 ] || fail "the 100 MiB allocation was not killed: dd status $rc (memory.events: $events)"
kills=$(sed -n 's/^oom_kill //p' "$CG/memory.events")
[ "${kills:-0}" -ge 1 ] || fail "dd died ($rc) but memory.events has no oom_kill: $events"
pass "100 MiB allocation OOM-killed (status 137) under memory.max 32 MiB; oom_kill $kills"
