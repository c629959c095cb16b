#!/usr/bin/env bash
# Behaviour unchanged? Runs the shrink, sweep, evolve and convert examples of README and docs/ that work from a fresh clone
# (inputs under models/ and examples/ only, never ../shared) with two launchers, and compares the model files each
# wrote, byte for byte (sha256).
#
#   scripts/checks/same-outputs.sh OLD_LAUNCHER NEW_LAUNCHER
#
# A launcher is a bin/odf2nna-onnx of a built checkout or of an unpacked release archive. To compare against the
# build of an older commit, build it and keep a copy of what the launcher needs, for example (a checkout whose
# launcher reads target/odf2nna-onnx.jar and target/lib):
#
#   git worktree add $RUNS/old REV && (cd $RUNS/old && ./mvnw -q -B package -Dmaven.test.skip=true)
#   scripts/checks/same-outputs.sh $RUNS/old/bin/odf2nna-onnx bin/odf2nna-onnx
#
# Both launchers run every example in the same folder (one after the other; what the first wrote is moved away
# before the second runs), so that paths written into outputs are equal too. Compared: the set of files written,
# the exit status, and the sha256 of every model file (.onnx, .keras, .h5, the files of a SavedModel folder).
# Not compared: reports (JSON) and charts, which carry timings. Every model this tool writes carries its version as
# producer_version (ONNX) and no timestamp (.keras entries are dated 1980-01-01), so two builds of the same version
# must write the same bytes. Prints one line per example and exits 1 when any differs.
#
# Outputs are deterministic run to run with one launcher (same seeds, one thread for TensorFlow): run it with the
# same launcher twice to see that on a given machine. TMP_KEEP=1 keeps the work folder.
set -uo pipefail

source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/launchers.sh" same-outputs "$@"

# name | arguments (one line, word-split; no spaces in the paths of the repository's files).
# From README.md and docs/, with the repository's files: quick start; shrink (digits); shrink --train (iris); the sweep on
# the digits model (exit 3, nothing written: compared are the status and that nothing was written); and the
# build + sweep of "From a CSV to a small ONNX model" (build writes the general model both sweeps then read).
# The evolve and convert examples read ../shared; their usage lines are run here on the repository's iris
# model instead.
examples=(
  "shrink-iris|shrink $M/iris_4-16-16-3_relu.onnx --eval $E/iris/iris-test.csv --epsilon 0.05,0.2,0.5"
  "shrink-digits|shrink $M/digits_8x8-128-64-10_relu.onnx --eval $E/digits/digits-test.csv.gz --epsilon 0,0.3 -o digits.small.onnx --report digits-report.json"
  "shrink-train-iris|shrink $M/iris_4-16-16-3_relu.onnx --eval $E/iris/iris-test.csv --train $E/iris/iris-train.csv --original-epochs 300 --epsilon 0.5,1"
  "sweep-digits|sweep $M/digits_8x8-128-64-10_relu.onnx --train $E/digits/digits-train.csv.gz --eval $E/digits/digits-test.csv.gz"
  "build-sweep-digits|build $E/digits/digits-train.csv.gz -o digits.general.onnx && sweep digits.general.onnx --eval $E/digits/digits-test.csv.gz --train $E/digits/digits-train.csv.gz -o digits.small.onnx --max-drop 3 --chart digits-sweep"
  "evolve-iris|evolve $M/iris_4-16-16-3_relu.onnx --eval $E/iris/iris-test.csv --train $E/iris/iris-train.csv --original-epochs 300"
  "convert-keras|convert $M/iris_4-16-16-3_relu.onnx -o iris.keras"
  "convert-savedmodel|convert $M/iris_4-16-16-3_relu.onnx -o iris_savedmodel --format savedmodel"
  "convert-int8|convert $M/diabetes_10-32-32-1_tanh_norm.onnx -o diabetes.int8.onnx --quantize int8"
)

# Runs one example's commands (joined by &&) with launcher $1 in folder $2; prints the status of the first that fails.
run_example() {
  local launcher="$1" dir="$2" cmds="$3" part status=0
  mkdir -p "$dir"
  while [[ -n "$cmds" ]]; do
    part="${cmds%% && *}"
    if [[ "$part" == "$cmds" ]]; then cmds=""; else cmds="${cmds#* && }"; fi
    # shellcheck disable=SC2086 # the arguments are words on purpose
    (cd "$dir" && "$launcher" -q $part >>"$dir/.stdout" 2>>"$dir/.stderr")
    status=$?
    (( status == 0 )) || break
  done
  echo "$status"
}

# sha256 of every model file under $1, one "HASH  PATH" line each, sorted by path; and the list of all files.
model_hashes() {
  (cd "$1" && find . -type f ! -name '.stdout' ! -name '.stderr' \
      \( -name '*.onnx' -o -name '*.keras' -o -name '*.h5' -o -path '*savedmodel*' \) -print0 \
      | sort -z | xargs -0 -r sha256sum)
}
all_files() {
  (cd "$1" && find . -type f ! -name '.stdout' ! -name '.stderr' | sort)
}

failed=0
for ex in "${examples[@]}"; do
  name="${ex%%|*}"
  cmds="${ex#*|}"
  run="$work/run/$name"
  s_old="$(run_example "$old" "$run" "$cmds")"
  mkdir -p "$work/old" && mv "$run" "$work/old/$name"
  s_new="$(run_example "$new" "$run" "$cmds")"
  mkdir -p "$work/new" && mv "$run" "$work/new/$name"
  a="$work/old/$name" b="$work/new/$name"
  models="$(model_hashes "$a" | wc -l)"
  why=()
  [[ "$s_old" == "$s_new" ]] || why+=("exit $s_old vs $s_new")
  [[ "$(all_files "$a")" == "$(all_files "$b")" ]] || why+=("files written: $(diff <(all_files "$a") <(all_files "$b") | grep '^[<>]' | tr '\n' ' ')")
  if [[ "$(model_hashes "$a")" != "$(model_hashes "$b")" ]]; then
    why+=("models differ: $(diff <(model_hashes "$a") <(model_hashes "$b") | grep '^>' | awk '{print $3}' | tr '\n' ' ')")
  fi
  if (( ${#why[@]} == 0 )); then
    printf 'same       %-20s exit %s, %s model file(s)\n' "$name" "$s_old" "$models"
  else
    failed=1
    printf 'different  %-20s %s\n' "$name" "${why[*]}"
    for side in old new; do
      [[ -s "$work/$side/$name/.stderr" ]] && sed "s/^/    $side stderr: /" "$work/$side/$name/.stderr" | tail -n 3
    done
  fi
done
exit "$failed"
