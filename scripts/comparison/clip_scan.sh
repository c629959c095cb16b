#!/usr/bin/env bash
# What clipping each input to the training rows' range would do to the written models of a comparison run.
#
#   scripts/comparison/clip_scan.sh KEEP_DIR [KEEP_DIR ...]  [--shared DIR] [--outside DIR]
#
# KEEP_DIR is a folder that scripts/comparison/comparison.py filled with --keep (each split's written model, validation and test
# halves). For every written model there, scripts/comparison/outside_range.py compares it with its original on that split's
# test half, as the rows are and with inputs clipped to the range of the model's training rows, and this prints one
# line per model: how many test-half rows lie outside that range, the change against the original (MSE % or accuracy
# points), and the same with clipped inputs. The models are judged as written: a tool that clipped would also judge
# its rounds on clipped inputs, so its choices could differ. Needs python3-onnx and numpy (/usr/bin/python3).
set -uo pipefail
shared=../shared
outside="${CORPUS:-corpus}/outside-models"
folders=()
while (( $# )); do
  case "$1" in
    --shared) shared="$2"; shift 2;;
    --outside) outside="$2"; shift 2;;
    *) folders+=("$1"); shift;;
  esac
done
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
for folder in "${folders[@]}"; do
  for written in "$folder"/*-default.onnx; do
    base=$(basename "$written" -default.onnx)
    name=${base%-s*}
    seed=${base##*-s}
    test="$folder/$base-test.csv"
    [[ -f "$test" ]] || continue
    if [[ -f "$shared/models/$name.onnx" ]]; then
      original="$shared/models/$name.onnx"
      dataset=${name%%_*}
      train="$shared/data/splits/$dataset-train.csv"
    else
      original="$outside/$name.onnx"
      train="$outside/$name-train.csv"
    fi
    [[ -f "$train" ]] || { echo "$name $seed: no training rows found ($train)"; continue; }
    out=$(/usr/bin/python3 "$here/outside_range.py" "$original" "$written" "$train" "$test" 2>&1)
    rows=$(echo "$out" | head -1 | awk '{print $1}')
    all=$(echo "$out" | grep "^all test rows" | grep -o '([^)]*)' | tail -1)
    clipped=$(echo "$out" | grep "clipped" | grep -o '([^)]*)' | tail -1)
    if [[ -z "$all" ]]; then
      echo "$name $seed: $(echo "$out" | tail -1)"
    else
      echo "$name $seed outside-range rows: $rows; as written: $all; inputs clipped: $clipped"
    fi
  done
done
