#!/usr/bin/env bash
# soak.sh - the fault lane's long version (`make soak`, issue 18): runs tests/Rlrun.FaultTests over
# and over with more rounds (RLRUN_SOAK_ROUNDS, default 5) until RLRUN_SOAK_MINUTES (default 30)
# have passed, with a restart storm of RLRUN_SOAK_STORM (default 500) containers, and prints each pass's figures (the tests' own output lines) and a summary.
# As root, rlrun runs as the test user, as in `make test`. Exits non-zero if any pass failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DOTNET=${DOTNET:-dotnet}
minutes=${RLRUN_SOAK_MINUTES:-30}
export RLRUN_SOAK=1 RLRUN_SOAK_ROUNDS=${RLRUN_SOAK_ROUNDS:-5} RLRUN_SOAK_STORM=${RLRUN_SOAK_STORM:-500}
export RLRUN_BINARY=$PWD/artifacts/rlrun
[ -x "$RLRUN_BINARY" ] || { echo "soak.sh: $RLRUN_BINARY is missing: run \`make build\` first" >&2; exit 1; }
if [ "$(id -u)" -eq 0 ]; then export RLRUN_TEST_USER=rltest; scripts/ensure-user.sh rltest >/dev/null; fi

out=$(mktemp -d "${TMPDIR:-/tmp}/rlrun-soak.XXXXXX")
trap 'rm -rf "$out"' EXIT
"$DOTNET" build tests/Rlrun.FaultTests --nologo -v quiet >/dev/null

end=$(( $(date +%s) + minutes * 60 )) pass=0 failed=0
while [ "$(date +%s)" -lt "$end" ]; do
    pass=$((pass + 1))
    start=$(date +%s) rc=0
    # A soak round of the crash lanes runs 5x make test's kills: well past 10 minutes on a loaded machine.
    "$DOTNET" test tests/Rlrun.FaultTests --no-build --nologo --blame-hang-timeout 30m \
        --logger "console;verbosity=detailed" >"$out/pass$pass.log" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || failed=$((failed + 1))
    echo "== pass $pass: exit $rc, $(( $(date +%s) - start )) s"
    # The figures: what the tests wrote to their output.
    grep -E '^\s+(sent|closed|1000 connections|[0-9]+ rounds|storm|crash)' "$out/pass$pass.log" | sed 's/^ */   /' || true
    grep -E '^\s+Failed |Total tests|Passed:|Failed:' "$out/pass$pass.log" | sed 's/^ */   /' || true
done
echo "soak: $pass passes in $minutes min, $failed failed (RLRUN_SOAK_ROUNDS=$RLRUN_SOAK_ROUNDS, RLRUN_SOAK_STORM=$RLRUN_SOAK_STORM)"
[ "$failed" -eq 0 ]
