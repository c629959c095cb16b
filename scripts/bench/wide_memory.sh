#!/bin/bash
# shrink --eval on the wide network under GNU time with NativeMemoryTracking, and a sampler beside it: every 15 s the
# JVM's RSS; at each new high (100 MB above the last) its heap summary, class histogram (-all: no collection first, so
# garbage counts), NMT's committed memory and the main thread's stack (docs/research/PERFORMANCE.md, "Memory at the peak").
# Usage: scripts/bench/wide_memory.sh DIR HOME NAME
# where DIR holds mlp4096.onnx and rows4096-10000.csv (scripts/corpus/make_scale_mlp.py DIR 4096 10000) and HOME is an
# unpacked install (bin/, lib/); writes DIR/NAME.log (the run), DIR/NAME.samples and DIR/NAME.samples.peaks.
set -u
dir=$1 home=$2 name=$3
samples=$dir/$name.samples
rm -f "$samples" "$samples.peaks" "$samples.done"
(
    best=0
    while [[ ! -f $samples.done ]]; do
        pid=
        for p in $(pgrep -f "mlp4096.onnx"); do
            [[ $(readlink "/proc/$p/exe" 2>/dev/null) == *java* ]] && { pid=$p; break; }
        done
        rss=$([[ -n "$pid" ]] && awk '/VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null)
        if [[ -n "$rss" ]]; then
            echo "$(date +%T) rss_kb=$rss" >> "$samples"
            if (( rss > best + 100000 )); then
                best=$rss
                { echo "=== $(date +%T) rss_kb=$rss"; jcmd "$pid" GC.heap_info; jcmd "$pid" GC.class_histogram -all | head -25
                  jcmd "$pid" VM.native_memory summary | grep committed | head -30
                  jcmd "$pid" Thread.print | grep -A12 '"main"' | head -14; } >> "$samples.peaks" 2>&1
            fi
        fi
        sleep 15
    done
) &
sampler=$!
ODF2NNA_CDS=0 JAVA_OPTS="-XX:NativeMemoryTracking=summary" XDG_CACHE_HOME=$home/cache \
    /usr/bin/time -f "TIME $name: %e wall %U user %S sys %M KB" "$home/bin/odf2nna-onnx" shrink "$dir/mlp4096.onnx" \
    --eval "$dir/rows4096-10000.csv" -e 0.3 --accept-chance -o "$dir/out-$name.onnx" > "$dir/$name.log" 2>&1
touch "$samples.done"
wait "$sampler"
grep TIME "$dir/$name.log"
