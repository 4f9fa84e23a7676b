#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME each (go test -fuzz takes one target per invocation)
# and prints one summary line per target plus a total. A failing target leaves its crasher in
# <package>/testdata/fuzz/<target>/: commit it, it then runs as a regression test forever.
# Usage: reliability/fuzz.sh <fuzztime>   e.g. 3s (make test) or 2m (make fuzz)
set -uo pipefail
fuzztime=${1:?fuzz time, e.g. 3s}
targets=(
  "./handler/auth FuzzBearerToken"
  "./handler/auth FuzzVerifyRaw"
  "./handler/auth FuzzVerifySigned"
  "./handler/api/apifuzz FuzzCreateBody"
  "./handler/api/apifuzz FuzzPatchBody"
  "./handler/api/apifuzz FuzzTaskID"
  "./handler/tablestore FuzzListCursor"
  "./handler/tablestore FuzzListForgedCursor"
)
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

# seconds converts a Go duration of one unit (3s, 2m, 1h) to seconds.
seconds() {
  local n=${1%[smh]}
  case $1 in *h) echo $((n * 3600)) ;; *m) echo $((n * 60)) ;; *) echo "$n" ;; esac
}
# Each run is bounded: Go's fuzz coordinator can wait forever for a worker that died while
# starting (seen on a loaded machine: "gathering baseline coverage: 0/43" for minutes, the
# worker gone and its Azurite orphaned). The bound covers the fuzz time plus the targets'
# set-up (Azurite's start) with room to spare.
limit=$(($(seconds "$fuzztime") + 120))

# run_target runs one target into $2 and returns go test's status (124 when it was cut off).
run_target() {
  local pkg=$1 target=$2 out=$3
  # -parallel 1: one worker, so targets backed by Azurite start one emulator, not one per core.
  timeout --kill-after=10 "$limit" ${GO:-go} test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -parallel 1 "$pkg" >"$out" 2>&1
}
total=0 failures=0
printf '%-24s %-21s %12s %-28s %s\n' package target execs coverage result
for entry in "${targets[@]}"; do
  read -r pkg target <<<"$entry"
  out="$log/$target.txt"
  note=""
  run_target "$pkg" "$target" "$out"
  status=$?
  # A finding always leaves its input ("Failing input written to testdata/fuzz/..."). A run that
  # failed without one failed in the fuzzing engine (a worker that died or hung, a deadline
  # while the machine was busy): that says nothing about our code, so it is run once more, and
  # the summary says so.
  if [[ $status -ne 0 ]] && ! grep -q 'Failing input written to' "$out"; then
    reason=$(grep -m1 -o -E 'context deadline exceeded|fuzzing process hung or terminated unexpectedly[^:]*|signal: killed' "$out" || true)
    [[ $status -eq 124 || $status -eq 137 ]] && reason="no answer within ${limit}s"
    note=" (engine failure, retried: ${reason:-exit $status})"
    run_target "$pkg" "$target" "$out"
    status=$?
  fi
  if [[ $status -eq 0 ]]; then
    result="ok$note"
  else
    result="FAIL$note"
    failures=$((failures + 1))
  fi
  execs=$(grep -o 'execs: [0-9]*' "$out" | tail -1 | grep -o '[0-9]*' || true)
  if [[ -z $execs ]]; then
    # The budget ended while the seed corpus was still being run for baseline coverage:
    # the seeds ran (and passed), but no new inputs were generated.
    seeds=$(grep -o 'baseline coverage: [0-9]*/[0-9]*' "$out" | tail -1 | grep -o '[0-9]*/[0-9]*' || true)
    result="$result (seeds ${seeds:-all} only; raise the fuzz time to explore)"
    execs=0
  fi
  total=$((total + execs))
  # Coverage growth: the corpus entries that reached new code, from the seeds' baseline to the end.
  interesting=$(grep -o 'new interesting: [0-9]* (total: [0-9]*)' "$out" | tail -1 | grep -o '[0-9]*' | tr '\n' ' ' || true)
  read -r found corpus <<<"${interesting:-0 0}"
  printf '%-24s %-21s %12s %-28s %s\n' "${pkg#./}" "$target" "$execs" "new-coverage=${found} corpus=${corpus}" "$result"
  if [[ $result == FAIL* ]]; then
    sed 's/^/    /' "$out" | tail -40
  fi
done
echo "SUMMARY fuzz: targets=${#targets[@]} operations=$total faults=$total (generated inputs) failures=$failures (each target ${fuzztime})"
exit $((failures > 0))
