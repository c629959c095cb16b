#!/usr/bin/env bash
# JSON reports unchanged? Runs the commands that write a JSON report (inspect --json on an ONNX and a Keras file, sweep
# on the ε grid and progressive, evolve on a chain and on the Mixer, and the graph sweep of the Mixer) with two launchers on the repository's
# models and examples, and compares the reports byte for byte, but for the lines of timings: "seconds" (wall times),
# a round's "retrainingSeconds", the latency's "originalMicros", "micros" and "ratio", its "verdict" that quotes the
# ratios, and the retraining note's "N s in all".
#
#   scripts/checks/same-reports.sh OLD_LAUNCHER NEW_LAUNCHER
#
# A launcher as in scripts/checks/same-outputs.sh (copy an older build's bin/ and cli/target/ elsewhere first). Both
# run in the same folder, one after the other, so that the paths written into the reports are equal. The progressive
# sweep reads a general model that `build` writes first (with the old launcher). Prints one line per report and
# exits 1 when any differs. About 6 minutes on 2 busy cores. TMP_KEEP=1 keeps the work folder.
set -uo pipefail

source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/launchers.sh" same-reports "$@"

# report file | arguments (word-split; no spaces in the repository's paths)
runs=(
  "inspect.json|inspect $M/digits_8x8-128-64-10_relu.onnx --json"
  "inspect-keras.json|inspect $E/keras/iris_4-16-16-3_relu.keras --json"
  "sweep-grid.json|sweep $M/iris_4-16-16-3_relu.onnx --train $E/iris/iris-train.csv --eval $E/iris/iris-test.csv --paper -o grid.onnx --report sweep-grid.json"
  "sweep-progressive.json|sweep $work/general.onnx --eval $E/digits/digits-test.csv.gz --train $E/digits/digits-train.csv.gz --max-drop 3 -o progressive.onnx --report sweep-progressive.json"
  "evolve.json|evolve $M/iris_4-16-16-3_relu.onnx --eval $E/iris/iris-test.csv --train $E/iris/iris-train.csv --original-epochs 300 -o evolve.onnx --report evolve.json"
  "graph-evolve.json|evolve $M/digits_mixer_8x8_gelu.onnx --train $E/digits/digits-mixer-train.csv.gz --validation $E/digits/digits-holdout.csv.gz --eval $E/digits/digits-test.csv.gz --population 4 --evaluations 8 --graph-retrain sequential --seed 5 -o evolved-mixer.onnx --report graph-evolve.json"
  "graph-sweep.json|sweep $M/digits_mixer_8x8_gelu.onnx --train $E/digits/digits-mixer-train.csv.gz --validation $E/digits/digits-holdout.csv.gz --eval $E/digits/digits-test.csv.gz --max-drop 3 -o mixer.onnx --report graph-sweep.json"
)

"$old" -q build "$E/digits/digits-train.csv.gz" -o "$work/general.onnx" >/dev/null 2>&1 \
  || { echo "$0: build with $old failed" >&2; exit 2; }
for side in old new; do
  launcher="$old"; [[ $side == new ]] && launcher="$new"
  mkdir -p "$work/run"
  for run in "${runs[@]}"; do
    file="${run%%|*}"
    # shellcheck disable=SC2086 # the arguments are words on purpose
    if [[ $file == inspect* ]]; then
      (cd "$work/run" && "$launcher" -q ${run#*|} > "$file" 2>/dev/null)
    else
      (cd "$work/run" && "$launcher" -q ${run#*|} > /dev/null 2>&1)
    fi
  done
  mv "$work/run" "$work/$side"
done

failed=0
# The report less its timed lines.
untimed() {
  grep -Ev '"(seconds|retrainingSeconds|originalMicros|micros|ratio|verdict)": | s in all' "$1"
}

for run in "${runs[@]}"; do
  file="${run%%|*}"
  a="$work/old/$file" b="$work/new/$file"
  if [[ ! -s "$a" || ! -s "$b" ]]; then
    failed=1
    printf 'missing    %-24s old %s, new %s\n' "$file" "$( [[ -s $a ]] && echo written || echo none)" \
      "$( [[ -s $b ]] && echo written || echo none)"
  elif diff -q <(untimed "$a") <(untimed "$b") > /dev/null; then
    printf 'same       %-24s %s bytes%s\n' "$file" "$(wc -c < "$b")" "$(cmp -s "$a" "$b" && echo ", byte for byte" \
      || echo ", but for the timings")"
  else
    failed=1
    printf 'different  %-24s %s\n' "$file" "$(diff <(untimed "$a") <(untimed "$b") \
      | grep '^[<>]' | head -4 | tr '\n' ' ')"
  fi
done
exit "$failed"
