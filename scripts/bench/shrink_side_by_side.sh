#!/bin/bash
# shrink --eval beside a plain ONNX Runtime pass (Python, rows in memory, batches of 1,024, no CSV read), CPU and wall
# seconds and peak RSS under GNU time, for two installs of the tool (each an unpacked archive layout: bin/, lib/).
# Usage: scripts/bench/shrink_side_by_side.sh DIR WIDTH "100000 1000000" BEFORE_HOME AFTER_HOME
# where DIR holds what scripts/corpus/make_scale_mlp.py wrote (docs/research/PERFORMANCE.md, "Shrink at scale"); EXT=npz reads
# DIR/rowsWIDTH-N.npz instead of the CSV (arrays x and y, the same rows). Each run's whole output goes to
# DIR/log-{before,after}-N.EXT.txt, so that the printed figures can be compared.
set -u
dir=$1 width=$2 sizes=$3 before=$4 after=$5 ext=${EXT:-csv}
python=${PYTHON:-python3}
plain() {
    "$python" - "$dir/mlp$width.onnx" "$1" <<'PY'
import os, sys, time
import numpy as np, onnxruntime as ort
s = ort.InferenceSession(sys.argv[1], providers=['CPUExecutionProvider'])
n = int(sys.argv[2])
x = np.random.default_rng(2).standard_normal((n, 28)).astype(np.float32)
s.run(None, {'x': x[:1024]})
t = os.times(); c = t.user + t.system; w = time.time()
for i in range(0, n, 1024):
    s.run(None, {'x': x[i:i + 1024]})
t = os.times()
print('PLAIN %d rows: %.2f CPU s, %.2f wall s' % (n, t.user + t.system - c, time.time() - w))
PY
}
uptime
for n in $sizes; do
    plain "$n"
    for v in after before; do
        home=$after; [[ $v == before ]] && home=$before
        # Each install its own cache folder (native libraries, the class archive): the two share a version number.
        XDG_CACHE_HOME=$home/cache /usr/bin/time -f "TIME $v $n $ext: %e wall %U user %S sys %M KB" "$home/bin/odf2nna-onnx" shrink \
            "$dir/mlp$width.onnx" --eval "$dir/rows$width-$n.$ext" -e 0.3 -o "$dir/out-$v-$n-$ext.onnx" 2>&1 \
            | tee "$dir/log-$v-$n.$ext.txt" | grep "TIME\|^wrote"
    done
    plain "$n"
    uptime
done
