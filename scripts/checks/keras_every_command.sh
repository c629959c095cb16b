#!/usr/bin/env bash
# Every command on every form of the Keras edge corpus (issue 70: "read by every command"): for each model file given,
# inspect, eval, shrink (one round, to ONNX), convert (to ONNX), a short evolve (40 masks) and a short sweep (both
# sequential refit, to ONNX; the sweep with --max-drop 50, so that its write path runs; --accept-chance, so that an
# untrained model is swept too), each on the corpus' 200-row
# tiny files; prints one line per model and command with the exit code and the wall seconds, and the first error line
# where one failed. Outputs go to OUT.
#
#   KERAS=$CORPUS/keras   # made by scripts/corpus/keras_edge.py
#   bash scripts/checks/keras_every_command.sh "$KERAS" OUT mnv3s.keras mnv3s.h5 mnv3s_export ...
#   (a MODEL that is a path of its own is taken as it is; the rows are the corpus folder's)
#
# Exit 0 when every command exited 0.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
tool="$root/bin/odf2nna-onnx"
keras=${1:?the corpus folder}
out=${2:?an output folder}
shift 2
mkdir -p "$out"
train="$keras/tiny-train.npz"
validation="$keras/tiny-validation.npz"
failed=0
run() {
  local model=$1 name=$2
  shift 2
  local log="$out/$base.$name.log" start end rc
  start=$(date +%s)
  "$tool" "$@" > "$log" 2>&1
  rc=$?
  end=$(date +%s)
  printf '%-22s %-8s exit %d  %4d s' "$(basename "$model")" "$name" "$rc" $((end - start))
  if [[ $rc -ne 0 ]]; then
    failed=1
    printf '  %s' "$(grep -m1 -i 'error' "$log" | cut -c1-160)"
  fi
  printf '\n'
}
for model in "$@"; do
  path="$keras/$model"
  [[ -e "$model" ]] && path=$model   # a path of its own, rows still from the corpus folder
  base=$(basename "${model%.*}")
  [[ "$model" == *_export ]] && base=$(basename "$model")
  run "$model" inspect inspect "$path"
  run "$model" eval eval "$path" "$validation"
  run "$model" shrink shrink "$path" --eval "$validation" -o "$out/$base.once.onnx"
  run "$model" convert convert "$path" -o "$out/$base.onnx"
  run "$model" evolve evolve "$path" --train "$train" --validation "$validation" --graph-retrain sequential \
    --population 10 --evaluations 40 --accept-chance -o "$out/$base.evolved.onnx"
  run "$model" sweep sweep "$path" --train "$train" --validation "$validation" --graph-retrain sequential \
    --max-drop 50 --accept-chance -o "$out/$base.swept.onnx"
done
exit $failed
