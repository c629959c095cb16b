#!/usr/bin/env bash
# convert --quantize int8 on the reference models: file bytes before and after, the weight elements, bytes per
# weight element, and the primary metric of the original and the int8 file on each model's test file; then, for the
# models over 0.35 × 4 bytes per weight element, where their bytes go (scripts/int8/Int8Bytes.java).
# Usage: scripts/int8/int8-convert-table.sh [MODELS_DIR] [DATA_DIR] [OUT_DIR] [FORM]   (FORM: int8, the default, or
# int8-weights; the byte breakdown is for int8-weights files)
set -euo pipefail
models=${1:-../shared/models}
data=${2:-../shared/data}
out=${3:-$(mktemp -d)}
form=${4:-int8}
here=$(cd "$(dirname "$0")/../.." && pwd)
metric() { "$here/bin/odf2nna-onnx" eval -q "$1" "$2" | tail -1 | sed 's/,.*//'; }
echo "| model | weights | bytes before | bytes after | after / (4 × weights) | original | $form |"
echo "|---|---:|---:|---:|---:|---|---|"
for m in "$models"/*.onnx; do
  n=$(basename "$m" .onnx)
  set_name=${n%%_*}
  if [ "$set_name" = mnist ]; then test="$data/mnist-test.csv.gz"; else test="$data/splits/$set_name-test.csv"; fi
  q="$out/$n.$form.onnx"
  "$here/bin/odf2nna-onnx" convert "$m" -o "$q" --quantize "$form" > /dev/null
  weights=$("$here/bin/odf2nna-onnx" inspect "$m" | awk '$1 ~ /^[0-9]+$/ && NF >= 6 {w += $3 * $4} END {print w}')
  before=$(stat -c %s "$m")
  after=$(stat -c %s "$q")
  ratio=$(awk -v a="$after" -v w="$weights" 'BEGIN {printf "%.3f", a / (4 * w)}')
  echo "| $n | $weights | $before | $after | $ratio | $(metric "$m" "$test") | $(metric "$q" "$test") |"
done
pairs=()
[ "$form" = int8-weights ] || exit 0
for m in "$models"/*.onnx; do pairs+=("$m" "$out/$(basename "$m" .onnx).$form.onnx"); done
echo
java -cp "$here/cli/target/odf2nna-onnx-cli.jar:$here/cli/target/lib/*" "$here/scripts/int8/Int8Bytes.java" "${pairs[@]}"
