#!/usr/bin/env bash
# Issue 72: a Parquet file of 1,000,000 rows read at the launcher's default heap, against its CSV. The rows are
# spambase's 921 test rows drawn with replacement (numpy seed 0), each value multiplied by 1 + U(-0.01, 0.01) and
# rounded to 4 decimals (so that no file holds 921 distinct rows a dictionary would compress away), labels kept: one
# CSV written by pandas, one Parquet file written by pandas' to_parquet (pyarrow, snappy, its default row groups).
# Times eval of the shared spambase model on each, twice, alternating, and prints wall time, CPU time and peak memory
# (GNU time; on a shared machine the CPU time says more than the wall time).
#
#     scripts/bench/parquet_vs_csv.sh            (from the repository root, after ./mvnw -q install -DskipTests)
set -euo pipefail
SHARED="${SHARED:-../shared}"
OUT="${OUT:-${CORPUS:-corpus}/rows/bench}"
PY="${PY:-${PYTHON:-python3}}"
ROWS="${ROWS:-1000000}"
MODEL="$SHARED/models/spambase_57-64-64-64-2_relu.onnx"
mkdir -p "$OUT"
if [[ ! -f "$OUT/rows.parquet" || ! -f "$OUT/rows.csv" ]]; then
  "$PY" - "$SHARED/data/splits/spambase-test.csv" "$OUT" "$ROWS" <<'PY'
import sys
import numpy as np
import pandas as pd
source, out, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
df = pd.read_csv(source)
rng = np.random.default_rng(0)
picked = df.iloc[rng.integers(0, len(df), rows)].reset_index(drop=True)
features = [c for c in df.columns if c != "label"]
jitter = 1 + rng.uniform(-0.01, 0.01, (rows, len(features)))
picked[features] = np.round(picked[features].to_numpy() * jitter, 4)
picked.to_csv(f"{out}/rows.csv", index=False)
picked.to_parquet(f"{out}/rows.parquet", index=False)
print(f"wrote {rows} rows: pandas {pd.__version__}")
PY
fi
ls -l "$OUT/rows.csv" "$OUT/rows.parquet" | awk '{print $5, $9}'
for run in 1 2; do
  for f in rows.csv rows.parquet; do
    echo "\$ bin/odf2nna-onnx eval $(basename "$MODEL") $f   (run $run)"
    /usr/bin/time -f "  wall %e s, CPU %U s user + %S s system, peak RSS %M KB" bin/odf2nna-onnx eval "$MODEL" "$OUT/$f" 2>&1 \
      | grep -E "^(Data|accuracy)|wall" | sed 's/^/  /'
  done
done
