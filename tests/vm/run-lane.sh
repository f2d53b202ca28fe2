#!/usr/bin/env bash
# tests/vm/run-lane.sh - run rlrun's VM cases (tests/vm/cases/*.sh) in ONE boot
# of the VM lane (tests/vm/lane.sh) and summarize them. Builds nothing.
#
# Usage: tests/vm/run-lane.sh [--runtime rlrun|runc]... [--case NAME]... [RLRUN_BINARY]
#   RLRUN_BINARY   default artifacts/rlrun (relative to the repository root)
#   --runtime R    run the cases with R; repeatable; default rlrun. "runc"
#                  (installed here with apt-get when missing, as root) checks
#                  the cases themselves against a runtime that enforces limits.
#   --case NAME    only this case (file name without .sh); repeatable
# Environment: RLRUN_VM_CASE_TIMEOUT=90 (seconds per case), and those of
# lane.sh (RLRUN_VM_CACHE, RLRUN_VM_TIMEOUT, ...).
#
# Prints the guest's output as it comes, then one line per case
#   PASS|FAIL|SKIP RUNTIME/CASE (SECONDS s): REASON
# and last exactly "N passed, N failed". Exit status 0 when nothing failed; a
# case without a result (VM timeout, panic, set-up failure) counts as failed.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

runtimes=() only=() binary=
while (($#)); do
  case $1 in
    --runtime) runtimes+=("${2:?--runtime needs a name}"); shift 2 ;;
    --runtime=*) runtimes+=("${1#*=}"); shift ;;
    --case) only+=("${2:?--case needs a name}"); shift 2 ;;
    --case=*) only+=("${1#*=}"); shift ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run-lane: unknown option $1" >&2; exit 2 ;;
    *) binary=$1; shift ;;
  esac
done
((${#runtimes[@]})) || runtimes=(rlrun)
for r in "${runtimes[@]}"; do
  case $r in rlrun|runc) ;; *) echo "run-lane: unknown runtime $r (rlrun or runc)" >&2; exit 2 ;; esac
done

cases=()
for c in "$HERE"/cases/*.sh; do
  n=$(basename "$c" .sh)
  if ((${#only[@]})) && [[ " ${only[*]} " != *" $n "* ]]; then continue; fi
  cases+=("$n")
done
((${#cases[@]})) || { echo "run-lane: no case selected in $HERE/cases" >&2; exit 2; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/rlrun-vm-lane.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/cases"
for n in "${cases[@]}"; do cp "$HERE/cases/$n.sh" "$stage/cases/"; done
cp "$HERE/case-lib.sh" "$stage/"
extras=("$stage/cases" "$stage/case-lib.sh" "$stage/lane.env")

bins=${RLRUN_VM_BINS-jq}
for r in "${runtimes[@]}"; do
  case $r in
    rlrun)
      binary=${binary:-$ROOT/artifacts/rlrun}
      if [[ ! -x $binary ]]; then
        echo "run-lane: $binary is missing: run \`make build\` first" >&2
        for n in "${cases[@]}"; do echo "FAIL rlrun/$n: no rlrun binary"; done
        echo "0 passed, ${#cases[@]} failed"; exit 1
      fi
      # by the name the cases use, whatever it is called here; ldd of the
      # copy gives lane.sh its shared libraries (libc, libm, libseccomp)
      cp "$binary" "$stage/rlrun"; extras+=("$stage/rlrun") ;;
    runc) [[ " $bins " == *" runc "* ]] || bins="$bins runc" ;;
  esac
done
export RLRUN_VM_BINS=$bins
cat > "$stage/lane.env" <<EOF
LANE_RUNTIMES="${runtimes[*]}"
LANE_CASE_TIMEOUT=${RLRUN_VM_CASE_TIMEOUT:-90}
EOF
# a whole-VM deadline above the sum of the case timeouts, plus boot
export RLRUN_VM_TIMEOUT=${RLRUN_VM_TIMEOUT:-$(( 120 + ${#runtimes[@]} * ${#cases[@]} * ${RLRUN_VM_CASE_TIMEOUT:-90} ))}

echo "run-lane: cases ${cases[*]} with ${runtimes[*]}${binary:+ ($binary)}"
t0=$EPOCHREALTIME
set +e
"$HERE/lane.sh" "$HERE/run-cases.sh" "${extras[@]}" | tee "$stage/output"
lrc=${PIPESTATUS[0]}
set -e
t1=$EPOCHREALTIME

case $lrc in
  0|1) why="" ;;
  124) why="the VM timed out (lane exit 124)" ;;
  125) why="the VM stopped without a result (lane exit 125; see the cache's last-run.log)" ;;
  126) why="lane set-up failed (lane exit 126)" ;;
  *) why="lane exit $lrc" ;;
esac

passed=0 failed=0 skipped=0
echo
echo "== VM lane summary ($(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b - a}')s)"
for r in "${runtimes[@]}"; do
  for n in "${cases[@]}"; do
    line=$(grep -E "^== RESULT (PASS|FAIL|SKIP) $r/$n " "$stage/output" | tail -n1 || true)
    if [[ -z $line ]]; then
      res=FAIL; text="$r/$n: no result${why:+: $why}"
    else
      text=${line#== RESULT }; res=${text%% *}; text=${text#* }
    fi
    echo "$res $text"
    case $res in PASS) passed=$((passed + 1)) ;; SKIP) skipped=$((skipped + 1)) ;; *) failed=$((failed + 1)) ;; esac
  done
done
if ((skipped)); then echo "($skipped skipped)"; fi
echo "$passed passed, $failed failed"
((failed == 0))
