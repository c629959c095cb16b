#!/usr/bin/env bash
# Start-up times (docs/research/PERFORMANCE.md, "Start-up"): --help, inspect and eval on the repository's iris example, N runs
# each (default 10) after one warm-up run per launcher (a warm disk), as the median, min and max wall time and the
# median CPU time (user + system, the launcher's and Java's; a busy machine inflates it less than the wall time).
# With two or more launchers their runs alternate, so that they share the machine's load alike. Also what the JVM
# alone takes, and the load average before and after. From the repository's root, after a package build:
#   scripts/bench/startup-times.sh [N [LAUNCHER...]]        (default launcher: bin/odf2nna-onnx)
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-10}"
shift || true
launchers=("$@")
(( ${#launchers[@]} > 0 )) || launchers=(bin/odf2nna-onnx)
model=models/iris_4-16-16-3_relu.onnx
rows=examples/iris/iris-test.csv
TIMEFORMAT="%R %U %S"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# Prints the medians of the "wall user sys" lines in a file.
summary() {
  awk '{ w[NR] = $1; c[NR] = $2 + $3 }
       function med(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
                                     return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
       END { n = NR; m = med(w, n); lo = w[1]; hi = w[n]; printf "wall median %.2f s (min %.2f, max %.2f), CPU median %.2f s, %d runs", m, lo, hi, med(c, n), n }' "$1"
}

# Times N alternating runs of each launcher with the arguments given, after one warm-up run of each.
measure() {
  local label="$1"; shift
  local i k
  for k in "${!launchers[@]}"; do "${launchers[$k]}" "$@" >/dev/null 2>&1 || true; : > "$out/$k"; done
  for i in $(seq "$n"); do
    for k in "${!launchers[@]}"; do
      { time "${launchers[$k]}" "$@" >/dev/null 2>&1; } 2>> "$out/$k"
    done
  done
  for k in "${!launchers[@]}"; do
    printf '  %-26s %-28s %s\n' "$label" "${launchers[$k]}" "$(summary "$out/$k")"
  done
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $(java -version 2>&1 | head -1)"
: > "$out/jvm"
for i in $(seq "$n"); do { time java -version >/dev/null 2>&1; } 2>> "$out/jvm"; done
printf '  %-55s %s\n' "java -version (the JVM alone)" "$(summary "$out/jvm")"
measure "--help" --help
measure "inspect $model" inspect "$model"
measure "eval $model $rows" eval "$model" "$rows"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
