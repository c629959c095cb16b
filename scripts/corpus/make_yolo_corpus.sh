#!/bin/bash
# Builds the YOLOv8n corpus of docs/tasks/detector.md and the quality suite's yolo cases, on CPU, in one command:
#
#     bash scripts/corpus/make_yolo_corpus.sh ULTRALYTICS_HISTORY [OUT]
#
# ULTRALYTICS_HISTORY: a git directory holding Ultralytics 8.1.33 (commit ec1d1106), e.g. a clone of
# ultralytics/ultralytics or of THU-MIG/yolov10, whose history carries it. OUT defaults to the quality suite's
# corpus folder (~/.cache/odf2nna-quality/corpus/yolo). Needs Debian's python3-torch, -torchvision, -onnx, -opencv
# and the others train_yolov8n_shapes.py names; makes its own venv under OUT/venv.
#
# Writes OUT/yolov8n_shapes.onnx (trained 23 epochs at batch 64 from yolov8n.yaml, as the GPU run that made the docs'
# model; about 16 minutes on 2 idle cores), OUT/yolov8n_shapes.json (Ultralytics' val of it), and the arrays:
# train3000-u8.npz (its 3,000 training images, seed 8484), val2000.npz (seed 88), test500.npz (seed 87; with
# shapes-test500/data.yaml for Ultralytics' val), val600.npz (seed 86) and train-u8.npz (600 images, seed 84).
# The images are the same, byte for byte, on every machine; the trained weights are not.
set -euo pipefail
history=${1:?usage: make_yolo_corpus.sh ULTRALYTICS_HISTORY [OUT]}
out=${2:-$HOME/.cache/odf2nna-quality/corpus/yolo}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
src=$out/ultralytics-8.1.33
if [ ! -f "$src/pyproject.toml" ]; then
  rm -rf "$src" && mkdir -p "$src"
  git --git-dir="$history" archive ec1d1106 | tar -x -C "$src"
fi
if [ ! -x "$out/venv/bin/python" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$out/venv"
  "$out/venv/bin/pip" install -q --no-deps "$src" onnxruntime flatbuffers
fi
py=$out/venv/bin/python

shapes() { # NAME TRAIN VAL SEED
  [ -f "$out/$1/data.yaml" ] || /usr/bin/python3 "$here/make_shapes_yolo.py" --out "$out/$1" --train "$2" --val "$3" --seed "$4"
}
shapes shapes 3000 150 8484
shapes shapes-val2000 0 2000 88
shapes shapes-test500 0 500 87
shapes shapes-val600 0 600 86
shapes shapes-train600 600 0 84

arrays() { # DATA SPLIT NAME
  [ -f "$out/$3" ] || "$py" "$here/yolo_npz.py" "$out/$1/data.yaml" "$2" 160 "$out/$3"
}
arrays shapes train train3000-u8.npz
arrays shapes-val2000 val val2000.npz
arrays shapes-test500 val test500.npz
arrays shapes-val600 val val600.npz
arrays shapes-train600 train train-u8.npz

if [ ! -f "$out/yolov8n_shapes.onnx" ]; then
  "$py" "$here/train_yolov8n_shapes.py" --data "$out/shapes/data.yaml" --out "$out" --epochs 23 --batch 64 \
    --workers 2 --threads "$(nproc)"
fi
echo "corpus in $out"
