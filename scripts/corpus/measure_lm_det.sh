#!/usr/bin/env bash
# Measures odf2nna-onnx as a user runs it on issue 83's GPT and issue 84's YOLOv8n (train_byte_gpt.py,
# train_yolov8n_shapes.py): inspect, eval and the default sweep at the default heap, each under /usr/bin/time -v
# and capped at 15 minutes. Build first (./mvnw -q -B package -DskipTests), then from the repository root:
#
#     scripts/corpus/measure_lm_det.sh gpt  [$CORPUS]
#     scripts/corpus/measure_lm_det.sh gpt-nolabels [$CORPUS]
#     scripts/corpus/measure_lm_det.sh gpt-heap8g [$CORPUS]
#     scripts/corpus/measure_lm_det.sh yolo [$CORPUS]
#
# Each run's output is OUT/tool/NAME.log (the tool's stdout and stderr, then time -v's report); a line per run
# (exit code, wall time, peak RSS) goes to OUT/tool/summary.txt.
set -u
which=${1:?gpt or yolo}
OUT=${2:-${CORPUS:-corpus}}
T=$OUT/tool
mkdir -p "$T"
run() {
  local name=$1; shift
  echo "== $name: bin/odf2nna-onnx $*" | tee "$T/$name.log"
  /usr/bin/time -v timeout 900 bin/odf2nna-onnx "$@" >>"$T/$name.log" 2>&1
  local rc=$?
  local wall rss
  wall=$(grep "Elapsed (wall clock)" "$T/$name.log" | awk '{print $NF}')
  rss=$(grep "Maximum resident set size" "$T/$name.log" | awk '{print $NF}')
  echo "$name exit=$rc wall=$wall peak_rss_kb=$rss" | tee -a "$T/summary.txt"
}
case $which in
gpt)
  G=$OUT/gpt
  run gpt-inspect inspect "$G/gpt.onnx"
  run gpt-eval-labels eval "$G/gpt.onnx" "$G/test-labels.npz"
  run gpt-eval-nolabels eval "$G/gpt.onnx" "$G/test.npz"
  # the two sweeps run side by side (each capped at 15 minutes)
  run gpt-sweep sweep "$G/gpt.onnx" --train "$G/train.npz" --validation "$G/validation.npz" \
      --eval "$G/test-labels.npz" -o "$T/gpt.swept.onnx" --report "$T/gpt-sweep.json" &
  run gpt-sweep-labels sweep "$G/gpt.onnx" --train "$G/train.npz" --validation "$G/validation-labels.npz" \
      --eval "$G/test-labels.npz" -o "$T/gpt.swept-labels.onnx" &
  wait
  ;;
gpt-nolabels)
  # the windows alone, as a causal LM's data is: no labels anywhere
  G=$OUT/gpt
  run gpt-sweep-nolabels sweep "$G/gpt.onnx" --train "$G/train.npz" --validation "$G/validation.npz" \
      --eval "$G/test.npz" -o "$T/gpt.swept-nolabels.onnx" --report "$T/gpt-sweep-nolabels.json"
  ;;
gpt-heap8g)
  # the same with the heap the default run's error asks for
  G=$OUT/gpt
  ODF2NNA_HEAP=8g run gpt-sweep-nolabels-heap8g sweep "$G/gpt.onnx" --train "$G/train.npz" \
      --validation "$G/validation.npz" --eval "$G/test.npz" -o "$T/gpt.swept-heap8g.onnx" \
      --report "$T/gpt-sweep-heap8g.json"
  ;;
yolo)
  Y=$OUT/yolo
  run yolo-inspect inspect "$Y/yolov8n_shapes.onnx"
  run yolo-eval-npz eval "$Y/yolov8n_shapes.onnx" "$Y/shapes-test/val-x.npz"
  run yolo-eval-yaml eval "$Y/yolov8n_shapes.onnx" "$Y/shapes-test/data.yaml"
  run yolo-sweep sweep "$Y/yolov8n_shapes.onnx" --train "$Y/shapes/train-x.npz" --validation "$Y/shapes/val-x.npz" \
      --eval "$Y/shapes-test/val-x.npz" -o "$T/yolo.swept.onnx" --report "$T/yolo-sweep.json"
  ;;
esac
