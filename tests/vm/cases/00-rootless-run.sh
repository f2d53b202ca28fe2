#!/bin/sh
# 00-rootless-run: the runtime runs a container in the lane at all, rootless,
# with the user's subordinate IDs mapped: `spec --rootless`, then a foreground
# `run` of `sh -c 'echo ok; cat /proc/self/uid_map'`.
. "$LANE_EXTRA/case-lib.sh"

sub=$(awk -F: '$1=="lane"{print $2, $3; exit}' /etc/subuid)
[ -n "$sub" ] || fail "no range for lane in /etc/subuid"
set -- $sub; start=$1 count=$2

# rlrun fills in the mappings of `spec --rootless` (a user namespace without
# any) from /etc/subuid; runc's writes a single-ID map: ask it for the range.
filter=.
if [ "$LANE_RUNTIME" = runc ]; then
  filter="(.linux.uidMappings, .linux.gidMappings) = [{containerID: 0, hostID: $(id -u), size: 1}, {containerID: 1, hostID: $start, size: $count}]"
fi
B=$WORK/bundle
mkbundle "$B" 'echo ok; cat /proc/self/uid_map' null "$filter"

OUT=$WORK/out
CONTAINERS=c0
rt run -b "$B" c0 > "$OUT" 2>&1 < /dev/null
rc=$?
echo "--- $LANE_RUNTIME run c0: exit $rc"; cat "$OUT"; echo "---"
[ $rc = 0 ] || fail "run exited $rc: $(oneline < "$OUT")"
grep -qx ok "$OUT" || fail "no 'ok' from the container: $(oneline < "$OUT")"
grep -Eq "^ *0 +$(id -u) +1\$" "$OUT" || fail "uid_map has no line '0 $(id -u) 1': $(oneline < "$OUT")"
awk -v s="$start" -v n="$count" '$2 == s && $3 == n {f=1} END {exit !f}' "$OUT" \
  || fail "uid_map has no line for the subordinate range $start $count: $(oneline < "$OUT")"
pass "ran rootless; uid_map maps 0 to $(id -u) and the range $start+$count"
