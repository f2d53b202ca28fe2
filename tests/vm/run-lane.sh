#!/usr/bin/env bash
# tests/vm/run-lane.sh - run rlrun's VM cases in the VM lane (tests/vm/lane.sh)
# and summarize them. Builds nothing. Two boots, one after the other, each
# running all of its cases:
#   plain    busybox init, a cgroup delegated to the user: tests/vm/cases/*.sh
#   systemd  systemd as PID 1 and a user manager for the user (lane.sh with
#            RLRUN_VM_INIT=systemd): tests/vm/systemd-cases/*.sh as the user,
#            then tests/vm/root-cases/*.sh as root (lane.sh's
#            RLRUN_VM_ROOT_TEST; the CRI case: containerd, its shim, ctr,
#            curl and protoc are copied in, and the CRI images built here)
#
# Usage: tests/vm/run-lane.sh [--runtime rlrun|runc]... [--case NAME]...
#                             [--plain] [--systemd] [RLRUN_BINARY]
#   RLRUN_BINARY   default artifacts/rlrun (relative to the repository root)
#   --runtime R    run the cases with R; repeatable; default rlrun. "runc"
#                  (installed here with apt-get when missing, as root) checks
#                  the cases themselves against a runtime that enforces limits.
#   --case NAME    only this case (file name without .sh, of either folder);
#                  repeatable; a boot left with no case does not happen
#   --plain, --systemd   only that boot (default: both)
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

runtimes=() only=() binary= boots=()
while (($#)); do
  case $1 in
    --runtime) runtimes+=("${2:?--runtime needs a name}"); shift 2 ;;
    --runtime=*) runtimes+=("${1#*=}"); shift ;;
    --case) only+=("${2:?--case needs a name}"); shift 2 ;;
    --case=*) only+=("${1#*=}"); shift ;;
    --plain) boots+=(plain); shift ;;
    --systemd) boots+=(systemd); shift ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run-lane: unknown option $1" >&2; exit 2 ;;
    *) binary=$1; shift ;;
  esac
done
((${#runtimes[@]})) || runtimes=(rlrun)
((${#boots[@]})) || boots=(plain systemd)
for r in "${runtimes[@]}"; do
  case $r in rlrun|runc) ;; *) echo "run-lane: unknown runtime $r (rlrun or runc)" >&2; exit 2 ;; esac
done

# each boot: its folder of cases and lane.sh's init
declare -A dir=([plain]=cases [systemd]="systemd-cases root-cases") init=([plain]=busybox [systemd]=systemd)
declare -A case_dir=()
declare -A boot_cases=()
modes=() names=() ncases=0
for m in plain systemd; do
  [[ " ${boots[*]} " == *" $m "* ]] || continue
  list=()
  for d in ${dir[$m]}; do
    for c in "$HERE/$d"/*.sh; do
      [[ -f $c ]] || continue
      n=$(basename "$c" .sh)
      if ((${#only[@]})) && [[ " ${only[*]} " != *" $n "* ]]; then continue; fi
      list+=("$n"); case_dir[$n]=$d
    done
  done
  ((${#list[@]})) || continue
  modes+=("$m"); boot_cases[$m]="${list[*]}"; names+=("${list[@]}"); ncases=$((ncases + ${#list[@]}))
done
for n in "${only[@]}"; do
  [[ " ${names[*]} " == *" $n "* ]] || { echo "run-lane: no case $n for the boots ${boots[*]}" >&2; exit 2; }
done
((ncases)) || { echo "run-lane: no case selected for the boots ${boots[*]}" >&2; exit 2; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/rlrun-vm-lane.XXXXXX")
trap 'rm -rf "$stage"' EXIT
cp "$HERE/case-lib.sh" "$stage/"

bins=${RLRUN_VM_BINS-jq}
for r in "${runtimes[@]}"; do
  case $r in
    rlrun)
      binary=${binary:-$ROOT/artifacts/rlrun}
      if [[ ! -x $binary ]]; then
        echo "run-lane: $binary is missing: run \`make build\` first" >&2
        for m in "${modes[@]}"; do for n in ${boot_cases[$m]}; do echo "FAIL rlrun/$n: no rlrun binary"; done; done
        echo "0 passed, $((ncases * ${#runtimes[@]})) failed"; exit 1
      fi
      # by the name the cases use, whatever it is called here; ldd of the
      # copy gives lane.sh its shared libraries (libc, libm, libseccomp)
      cp "$binary" "$stage/rlrun" ;;
    runc) [[ " $bins " == *" runc "* ]] || bins="$bins runc" ;;
  esac
done
export RLRUN_VM_BINS=$bins
cat > "$stage/lane.env" <<EOF
LANE_RUNTIMES="${runtimes[*]}"
LANE_CASE_TIMEOUT=${RLRUN_VM_CASE_TIMEOUT:-90}
EOF

declare -A why=()
t0=$EPOCHREALTIME
for m in "${modes[@]}"; do
  read -r -a list <<< "${boot_cases[$m]}"
  # this boot's cases, as $LANE_EXTRA/cases for run-cases.sh
  rm -rf "$stage/cases" "$stage/root-cases"; mkdir -p "$stage/cases"
  root_test= boot_bins=$bins
  for n in "${list[@]}"; do
    if [[ ${case_dir[$n]} == root-cases ]]; then mkdir -p "$stage/root-cases"; cp "$HERE/root-cases/$n.sh" "$stage/root-cases/"
    else cp "$HERE/${case_dir[$n]}/$n.sh" "$stage/cases/"; fi
  done
  extras=("$stage/cases" "$stage/case-lib.sh" "$stage/lane.env")
  if [[ -f $stage/rlrun ]]; then extras+=("$stage/rlrun"); fi
  if [[ -d $stage/root-cases ]]; then
    # the CRI case: its client (curl + protoc with the CRI's api.proto), containerd, the images
    root_test=$HERE/run-cases.sh boot_bins="$bins containerd containerd-shim-runc-v2 ctr curl protoc"
    command -v protoc >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends protobuf-compiler >&2 \
      || echo "run-lane: cannot install protobuf-compiler (protoc)" >&2
    mkdir -p "$stage/cri-proto"; cp "$ROOT/tests/Rlrun.CriTests/Proto/api.proto" "$stage/cri-proto/"
    [[ -f $stage/cri-images.tar ]] || "$HERE/cri-images.sh" "$stage/cri-images.tar"
    cp "$HERE/cri-lib.sh" "$stage/"
    extras+=("$stage/root-cases" "$stage/cri-lib.sh" "$stage/cri-proto" "$stage/cri-images.tar")
  fi
  # a whole-VM deadline above the sum of the case timeouts, plus boot
  slack=120; if [[ $m == systemd ]]; then slack=180; fi
  # each case's own "# lane-timeout: N", else RLRUN_VM_CASE_TIMEOUT
  case_sum=0
  for n in "${list[@]}"; do
    t=$(sed -n 's/^# lane-timeout: *\([0-9][0-9]*\)$/\1/p' "$HERE/${case_dir[$n]}/$n.sh" | head -n1)
    case_sum=$((case_sum + ${t:-${RLRUN_VM_CASE_TIMEOUT:-90}}))
  done
  vm_timeout=${RLRUN_VM_TIMEOUT:-$(( slack + ${#runtimes[@]} * case_sum ))}

  echo "run-lane: $m boot: cases ${list[*]} with ${runtimes[*]}${binary:+ ($binary)}"
  set +e
  RLRUN_VM_INIT=${init[$m]} RLRUN_VM_TIMEOUT=$vm_timeout RLRUN_VM_BINS=$boot_bins RLRUN_VM_ROOT_TEST=$root_test "$HERE/lane.sh" "$HERE/run-cases.sh" "${extras[@]}" |
    tee "$stage/output-$m"
  lrc=${PIPESTATUS[0]}
  set -e
  case $lrc in
    0|1) why[$m]="" ;;
    124) why[$m]="the VM timed out (lane exit 124)" ;;
    125) why[$m]="the VM stopped without a result (lane exit 125; see the cache's last-run*.log)" ;;
    126) why[$m]="lane set-up failed (lane exit 126)" ;;
    *) why[$m]="lane exit $lrc" ;;
  esac
done
t1=$EPOCHREALTIME

passed=0 failed=0 skipped=0
echo
echo "== VM lane summary ($(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b - a}')s; boots: ${modes[*]})"
for m in "${modes[@]}"; do
  for r in "${runtimes[@]}"; do
    for n in ${boot_cases[$m]}; do
      line=$(grep -E "^== RESULT (PASS|FAIL|SKIP) $r/$n " "$stage/output-$m" | tail -n1 || true)
      if [[ -z $line ]]; then
        res=FAIL; text="$r/$n: no result${why[$m]:+: ${why[$m]}}"
      else
        text=${line#== RESULT }; res=${text%% *}; text=${text#* }
      fi
      echo "$res $text"
      case $res in PASS) passed=$((passed + 1)) ;; SKIP) skipped=$((skipped + 1)) ;; *) failed=$((failed + 1)) ;; esac
    done
  done
done
if ((skipped)); then echo "($skipped skipped)"; fi
echo "$passed passed, $failed failed"
((failed == 0))
