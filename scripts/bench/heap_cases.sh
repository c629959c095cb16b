#!/usr/bin/env bash
# Issue 82's memory cases at the launcher's default heap: peak RSS, wall time and exit code of each run, from
# /usr/bin/time -v (docs/PERFORMANCE.md, "The default heap"). Set JAVA_OPTS or ODF2NNA_HEAP to measure another rule.
#
#   the MobileNetV2 on uint8 images: DIR made by scripts/corpus/keras_mnv2_uint8.py --out DIR
#   the ViT on MNIST: ../shared/models/graphs/vit_mnist_d48x3_gelu.onnx, mnist-train, mnist-test halved
#
# Usage: scripts/bench/heap_cases.sh DIR OUT [mnv2|vit]...   (OUT outside the repository; about 5-25 minutes a case)
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="$(readlink -f "$1")"; out="$(readlink -f "$2")"; shift 2
cases=("$@"); (( ${#cases[@]} )) || cases=(mnv2 vit)
shared="$here/../shared"
mkdir -p "$out"
for c in "${cases[@]}"; do
  case "$c" in
    mnv2)
      args=(sweep "$dir/mnv2.keras" --train "$dir/train.npz" --validation "$dir/validation.npz" --eval "$dir/report.npz"
        -o "$out/mnv2.small.keras" --report "$out/mnv2.json") ;;
    vit)
      if [[ ! -f "$out/vit-test.csv" ]]; then
        zcat "$shared/data/mnist-test.csv.gz" | head -n 5001 > "$out/vit-validation.csv"
        { zcat "$shared/data/mnist-test.csv.gz" | head -n 1; zcat "$shared/data/mnist-test.csv.gz" | tail -n +5002; } > "$out/vit-test.csv"
      fi
      args=(sweep "$shared/models/graphs/vit_mnist_d48x3_gelu.onnx" --train "$shared/data/mnist-train.csv.gz"
        --validation "$out/vit-validation.csv" --eval "$out/vit-test.csv" --share 0.3 --graph-epochs 1 --graph-rows 20000
        -o "$out/vit.small.onnx" --report "$out/vit.json") ;;
    *) echo "unknown case: $c" >&2; exit 2 ;;
  esac
  /usr/bin/time -v -o "$out/$c.time" "$here/bin/odf2nna-onnx" "${args[@]}" > "$out/$c.log" 2>&1
  code=$?
  rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$out/$c.time")
  wall=$(awk -F'): ' '/Elapsed/ {print $2}' "$out/$c.time")
  echo "$c: exit $code, wall $wall, peak RSS $rss kB"
done
