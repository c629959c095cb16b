#!/usr/bin/env bash
# A graph sweep before and after a change of the sequential refit: compiles SequentialRefit.java as it was at COMMIT
# into a folder put in front of the class path, then runs the same sweep with the old and the current refit in turn,
# ROUNDS times, printing each run's wall and CPU seconds (and the load average, these machines being shared) and the
# sweep's table. Build first: ./mvnw -q -B package -DskipTests
# Usage: [WHICH="after before"] scripts/bench/bench_graph_sweep_before_after.sh COMMIT ROUNDS SWEEP-ARGS...
# (without -o: each run writes to a temporary folder; WHICH chooses the runs and their order, "before after" by default)
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
commit="$1"; rounds="$2"; shift 2
old="$here/target/refit-before/$commit"
mkdir -p "$old/src/org/odf2nna/graph" "$old/classes"
git -C "$here" show "$commit:library/src/main/java/org/odf2nna/graph/SequentialRefit.java" \
  > "$old/src/org/odf2nna/graph/SequentialRefit.java"
cp="$here/cli/target/odf2nna-onnx-cli.jar:$here/cli/target/lib/*"
javac -nowarn -d "$old/classes" -cp "$cp" "$old/src/org/odf2nna/graph/SequentialRefit.java"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
mkdir -p "$here/target/tmp"
for r in $(seq "$rounds"); do
  for which in ${WHICH:-before after}; do
    prefix=""; [[ $which == before ]] && prefix="$old/classes:"
    echo "== $which ($([[ $which == before ]] && echo "SequentialRefit of $commit" || git -C "$here" rev-parse --short HEAD)), round $r, load $(cut -d' ' -f1-3 /proc/loadavg)"
    /usr/bin/time -f "wall %e s, cpu %U s user + %S s system" \
      java -Djava.io.tmpdir="$here/target/tmp" -cp "$prefix$cp" org.odf2nna.cli.Main sweep "$@" -o "$out/$which.onnx" \
      2>&1 | tr '\r' '\n' | grep -Ev '^[a-z ]+: +[0-9]+% |^\s*$' | sed -n '/^  round/,/^(x:/p;/^Choice/p;/^wall/p' \
      || true  # a sweep where no round holds exits 3
  done
done
