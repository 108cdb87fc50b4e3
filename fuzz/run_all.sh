#!/usr/bin/env bash
# Run every fuzz harness for SECONDS each, one after the other; exit non-zero on any finding.
#
#   fuzz/run_all.sh 15              # about 15 s per harness
#   fuzz/run_all.sh 600 sm2 keys    # only some harnesses (names without fuzz_ and .py)
#   FUZZ_SEED=1 FUZZ_RUNS=8000 fuzz/run_all.sh 40
#                                   # CI: the same 8000 inputs per harness on every run (libFuzzer's
#                                   # -seed and -runs; SECONDS stays the cap), so CI is reproducible
#
# The committed seeds in fuzz/corpus/<name>/ are only read; what the fuzzer learns goes to
# fuzz/.work/corpus/<name>/ and crash artifacts to fuzz/.work/artifacts/ (both git-ignored).
set -u
seconds=${1:?usage: fuzz/run_all.sh SECONDS [harness ...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-python}
if [ $# -gt 0 ]; then names=("$@"); else
  names=()
  for f in "$here"/fuzz_*.py; do n=$(basename "$f" .py); names+=("${n#fuzz_}"); done
fi
work="$here/.work"
mkdir -p "$work/artifacts"
failed=()
for name in "${names[@]}"; do
  mkdir -p "$work/corpus/$name"
  log="$work/$name.log"
  echo "== fuzz_$name for ${seconds}s"
  extra=()
  [ -n "${FUZZ_SEED:-}" ] && extra+=("-seed=$FUZZ_SEED")
  [ -n "${FUZZ_RUNS:-}" ] && extra+=("-runs=$FUZZ_RUNS")
  "$python" "$here/fuzz_$name.py" -max_total_time="$seconds" "${extra[@]}" -timeout=60 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/$name-" "$work/corpus/$name" "$here/corpus/$name" >"$log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$')
  echo "   exit $rc, ${runs:-?} inputs, ${rate:-?} inputs/s"
  if [ $rc -ne 0 ]; then
    failed+=("$name")
    grep -v '^INFO: Instrumenting' "$log" | grep -A40 -m1 -E 'Uncaught Python exception|ERROR: libFuzzer' | head -60
    grep 'Test unit written to' "$log"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "FINDINGS in: ${failed[*]} (logs in $work/, replay: python fuzz/fuzz_<name>.py ARTIFACT)"
  exit 1
fi
echo "no findings"
