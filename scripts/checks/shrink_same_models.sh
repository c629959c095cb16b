#!/bin/bash
# shrink --eval with two installs of the tool (each an unpacked archive layout: bin/, lib/) on every dense ONNX model of
# ../shared/models with its training split (MNIST: its test rows), at ε = 0.05 and 0.2; says whether the printed
# figures are the same and how far apart the written models' initializers are (docs/research/PERFORMANCE.md, "Fourth pass").
# Usage: scripts/checks/shrink_same_models.sh BEFORE_HOME AFTER_HOME [SHARED] (run in an empty folder: it writes there)
set -u
before=$1 after=$2 shared=${3:-$(dirname "$0")/../../../shared}
python=${PYTHON:-python3}
for m in "$shared"/models/*.onnx; do
    name=$(basename "$m" .onnx); data=${name%%_*}
    csv=$shared/data/splits/$data-train.csv
    [[ -f $csv ]] || csv=$shared/data/$data-test.csv.gz
    [[ -f $csv ]] || continue
    for e in 0.05 0.2; do
        for v in before after; do
            home=$after; [[ $v == before ]] && home=$before
            XDG_CACHE_HOME=$home/cache "$home/bin/odf2nna-onnx" shrink "$m" --eval "$csv" -e $e --accept-chance \
                -o "$v-$name-$e.onnx" > "$v-$name-$e.log" 2>&1 || echo "$v $name $e: exit $?"
        done
        if diff <(grep -v "%\|(.*s)\|^wrote" "before-$name-$e.log" | sed 's/before-/X-/g') \
                <(grep -v "%\|(.*s)\|^wrote" "after-$name-$e.log" | sed 's/after-/X-/g') > /dev/null; then
            echo "$name ε=$e: the same figures"
        else
            echo "$name ε=$e: the figures differ"
        fi
        [[ -f before-$name-$e.onnx && -f after-$name-$e.onnx ]] && "$python" - "before-$name-$e.onnx" \
            "after-$name-$e.onnx" <<'PY'
import sys, onnx, numpy as np
from onnx import numpy_helper
a = {i.name: numpy_helper.to_array(i) for i in onnx.load(sys.argv[1]).graph.initializer}
b = {i.name: numpy_helper.to_array(i) for i in onnx.load(sys.argv[2]).graph.initializer}
for k in a:
    if a[k].dtype.kind == 'f' and a[k].size > 1:
        d = float(abs(a[k].astype(np.float64) - b[k]).max())
        if d > 0:
            print('  %s: largest %.4g, differs by %.3g (%.2g of it)' % (k, abs(a[k]).max(), d, d / abs(a[k]).max()))
PY
    done
done
