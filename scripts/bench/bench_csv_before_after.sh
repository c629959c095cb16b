#!/usr/bin/env bash
# CSV ingest before and after a change of CsvReader: compiles CsvReader.java as it was at COMMIT into a
# folder put in front of the class path, then runs `bench csv` with the old and the current reader in
# turn, ROUNDS times. Build first: ./mvnw -q -B package -DskipTests
# Usage: scripts/bench/bench_csv_before_after.sh COMMIT [ROUNDS] [bench csv options...]
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
commit="$1"; rounds="${2:-3}"; shift $(( $# >= 2 ? 2 : 1 ))
old="$here/target/csv-before/$commit"
mkdir -p "$old/src/org/odf2nna/data" "$old/classes"
# The reader's place: library/ since the build has modules, src/ before.
git -C "$here" show "$commit:library/src/main/java/org/odf2nna/data/CsvReader.java" > "$old/src/org/odf2nna/data/CsvReader.java" 2>/dev/null \
  || git -C "$here" show "$commit:src/main/java/org/odf2nna/data/CsvReader.java" > "$old/src/org/odf2nna/data/CsvReader.java"
cp="$here/cli/target/odf2nna-onnx-cli.jar:$here/cli/target/lib/*"
javac -nowarn -d "$old/classes" -cp "$cp" "$old/src/org/odf2nna/data/CsvReader.java"
cd "$here"
for r in $(seq "$rounds"); do
  for which in before after; do
    prefix=""; [[ $which == before ]] && prefix="$old/classes:"
    echo "== $which ($([[ $which == before ]] && echo "CsvReader of $commit" || git rev-parse --short HEAD)), round $r, load $(cut -d' ' -f1-3 /proc/loadavg)"
    java -Djava.io.tmpdir="$here/target/tmp" -cp "$prefix$cp" org.odf2nna.cli.Main bench csv "$@" 2>/dev/null \
      | sed -n '/^   file/,/^$/p'
  done
done
