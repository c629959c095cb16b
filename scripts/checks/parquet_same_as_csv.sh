#!/usr/bin/env bash
# Issue 72: a Parquet file of a shared data set, written by pyarrow (pandas' to_parquet) from its CSV, gives the same
# eval accuracy and the same shrink --eval model (byte for byte) as the CSV. Writes under $OUT (default
# ${CORPUS:-corpus}/rows/same), prints each command's result and cmp's verdict; exits non-zero when they differ.
#
#     scripts/checks/parquet_same_as_csv.sh            (from the repository root, after ./mvnw -q install -DskipTests)
set -euo pipefail
SHARED="${SHARED:-../shared}"
OUT="${OUT:-${CORPUS:-corpus}/rows/same}"
PY="${PY:-${PYTHON:-python3}}"
mkdir -p "$OUT"
status=0
check() {  # model csv epsilon
  local model="$1" csv="$2" eps="$3" name kind
  name="$(basename "$csv")"
  name="${name%%.*}"
  "$PY" -c "import pandas as pd, sys; pd.read_csv(sys.argv[1]).to_parquet(sys.argv[2], index=False)" "$csv" "$OUT/$name.parquet"
  cp "$csv" "$OUT/$(basename "$csv")"
  for data in "$OUT/$(basename "$csv")" "$OUT/$name.parquet"; do
    kind=csv; [[ "$data" == *.parquet ]] && kind=parquet
    echo "\$ bin/odf2nna-onnx eval $(basename "$model") $(basename "$data")"
    bin/odf2nna-onnx eval "$model" "$data" 2>/dev/null | grep -E "^(Data|accuracy|OR)"
    rm -f "$OUT/$name-$kind.onnx"
    bin/odf2nna-onnx shrink "$model" --eval "$data" --epsilon "$eps" -o "$OUT/$name-$kind.onnx" >/dev/null 2>&1
  done
  if cmp "$OUT/$name-csv.onnx" "$OUT/$name-parquet.onnx"; then
    echo "shrink --eval --epsilon $eps: the written models are the same bytes ($(stat -c %s "$OUT/$name-csv.onnx") bytes)"
  else
    echo "shrink --eval --epsilon $eps: the written models DIFFER"; status=1
  fi
}
check "$SHARED/models/spambase_57-64-64-64-2_relu.onnx" "$SHARED/data/splits/spambase-test.csv" 0.2
check "$SHARED/models/mnist_lenet300-100_relu.onnx" "$SHARED/data/mnist-test.csv.gz" 0.2
"$PY" -c "import pyarrow, pandas; print(f'pyarrow {pyarrow.__version__}, pandas {pandas.__version__}')"
exit $status
