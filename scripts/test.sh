#!/usr/bin/env bash
# test.sh - run the unit tests and the integration tests of rlrun (`make test` runs it after
# `make build`). As root (CI): makes sure the unprivileged test user exists (scripts/ensure-user.sh)
# and the integration tests run rlrun as that user; otherwise everything runs as the caller.
# Runs both test projects even if the first fails; exits non-zero if either failed; the last line
# is the sum of both: "N passed, N failed, N skipped".
#
# Usage: scripts/test.sh        (from anywhere; it works from the repository root)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DOTNET=${DOTNET:-dotnet}
TEST_USER=rltest

binary=$PWD/artifacts/rlrun
if [ ! -x "$binary" ]; then
    echo "test.sh: $binary is missing: run \`make build\` first (or \`make test\`)" >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    uid=$(scripts/ensure-user.sh "$TEST_USER")
    export RLRUN_TEST_USER=$TEST_USER
    echo "test.sh: integration tests run rlrun as $TEST_USER (uid $uid)"
else
    unset RLRUN_TEST_USER
    echo "test.sh: not root: integration tests run rlrun as $(id -un) (uid $(id -u))"
fi
export RLRUN_BINARY=$binary

results=$(mktemp -d "${TMPDIR:-/tmp}/rlrun-test-results.XXXXXX")
trap 'rm -rf "$results"' EXIT

total_passed=0 total_failed=0 total_skipped=0 status=0

# counter NAME FILE: the value of NAME="N" in the TRX file's <Counters> element (0 if absent).
counter() {
    local v
    v=$(grep -o "<Counters [^>]*" "$2" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]\+' || true)
    echo "${v:-0}"
}

run_project() {
    local project=$1 name
    name=$(basename "$project")
    echo "==> dotnet test $project"
    local rc=0
    "$DOTNET" test "$project" --nologo \
        --results-directory "$results/$name" --logger "trx;LogFileName=$name.trx" \
        --blame-hang-timeout 5m || rc=$?
    local trx=$results/$name/$name.trx
    if [ -f "$trx" ]; then
        local passed failed skipped
        passed=$(counter passed "$trx")
        failed=$(( $(counter failed "$trx") + $(counter error "$trx") + $(counter timeout "$trx") + $(counter aborted "$trx") ))
        # A skipped test counts in total but not in executed (its notExecuted stays 0).
        skipped=$(( $(counter total "$trx") - $(counter executed "$trx") ))
        echo "test.sh: $name: $passed passed, $failed failed, $skipped skipped (dotnet test exit $rc)"
        total_passed=$((total_passed + passed))
        total_failed=$((total_failed + failed))
        total_skipped=$((total_skipped + skipped))
    else
        echo "test.sh: $name: no test results (it did not build or its test host crashed; dotnet test exit $rc)" >&2
        [ "$rc" -ne 0 ] || rc=1
    fi
    [ "$rc" -eq 0 ] || status=1
}

# failures: the failed tests of every project, each with the first lines of its message, so that
# the tail of a CI log names them (a CI log keeps only its last lines).
failures() {
    local trx
    for trx in "$results"/*/*.trx; do
        [ -f "$trx" ] || continue
        perl -0777 -ne '
            my $lane = $ARGV; $lane =~ s{.*/}{}; $lane =~ s{\.trx$}{};
            # A result without output is one self-closing element: match it alone.
            while (/<UnitTestResult\b([^>]*?)\s*(?:\/>|>(.*?)<\/UnitTestResult>)/sg) {
                my ($attrs, $body) = ($1, $2 // "");
                next unless $attrs =~ /outcome="(Failed|Error|Timeout|Aborted)"/;
                my ($name) = $attrs =~ /testName="([^"]*)"/;
                my ($msg) = $body =~ /<Message>(.*?)<\/Message>/s;
                $msg //= "";
                for ($name, $msg) { s/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&apos;/\x27/g; s/&#xD;//g; s/&#xA;/\n/g; s/&amp;/&/g; }
                my @lines = grep { /\S/ } split /\n/, $msg;
                splice @lines, 6 if @lines > 6;
                print "FAILED $lane: $name\n";
                print "    $_\n" for @lines;
            }' "$trx"
    done
    grep -E '^FAIL ' "$results/vm-lane.log" 2>/dev/null | sed 's/^/FAILED VM lane: /' || true
}

# run_lane: the VM lane (tests/vm): resource limits on a pure cgroup v2 kernel under qemu. It needs
# root to install qemu and fetch Debian's kernel; RLRUN_VM_LANE=0 leaves it out.
run_lane() {
    if [ "${RLRUN_VM_LANE:-1}" = 0 ]; then echo "test.sh: VM lane left out (RLRUN_VM_LANE=0)"; return; fi
    if [ "$(id -u)" -ne 0 ] && ! command -v qemu-system-x86_64 >/dev/null; then
        echo "test.sh: VM lane skipped: not root and qemu-system-x86_64 is not installed"
        total_skipped=$((total_skipped + 1))
        return
    fi
    echo "==> tests/vm/run-lane.sh"
    local out=$results/vm-lane.log rc=0
    tests/vm/run-lane.sh "$binary" 2>&1 | tee "$out" || rc=$?
    local line passed failed
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1 || true)
    if [ -z "$line" ]; then
        echo "test.sh: VM lane: no summary line (exit $rc)" >&2
        status=1
        total_failed=$((total_failed + 1))
        return
    fi
    passed=${line%% passed*}
    failed=${line#*passed, }; failed=${failed%% failed*}
    echo "test.sh: VM lane: $passed passed, $failed failed (exit $rc)"
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    [ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] || status=1
}

run_project tests/Rlrun.UnitTests
run_project tests/Rlrun.IntegrationTests
# The systemd suite brings up a real `systemd --user` for the test user (scripts/user-manager.sh).
run_project tests/Rlrun.SystemdTests
run_project tests/Rlrun.ActorTests
# The fault lane (issue 18): escape probes, hostile daemon peers, concurrent clients; `make soak` runs longer.
run_project tests/Rlrun.FaultTests
# The CRI lane (issue 15): a private containerd's CRI plugin drives a pod through handler rlrun; root only.
run_project tests/Rlrun.CriTests
run_lane

failures
echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
exit "$status"
