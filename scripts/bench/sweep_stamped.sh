#!/bin/bash
# The bench scale sweep's command line run directly, stopped by SIGTERM after SECONDS (GNU time still reports what it
# used up to the stop), each progress line stamped with the UTC time, and a sampler beside it: every 10 s the JVM's CPU
# seconds (utime + stime) and VmRSS/VmHWM, so that each phase's CPU seconds can be read off the stamps (docs/
# PERFORMANCE.md, "sweep at widths 1,024 and 4,096"). A JFR recording runs from the start (settings=profile); a stop
# by SIGTERM halts without writing it, so dump it before with: jcmd PID JFR.dump name=1 filename=FILE.jfr
# Usage: scripts/bench/sweep_stamped.sh HOME MODEL ROWS SECONDS OUT [SWEEP_OPTION...]
# where HOME is an unpacked install (bin/, lib/), MODEL and ROWS the bench's generated files (the bench deletes its
# rows after each cell: copy them while its first command runs); writes OUT.log, OUT.time, OUT.samples, OUT.jfr.
# Options after OUT go to sweep as they are (--accept-chance for rows made by scripts/corpus/make_scale_mlp.py).
set -u
home=$1 model=$2 rows=$3 seconds=$4 out=$5
shift 5
rm -f "$out.samples" "$out.done"
(
    while [[ ! -f $out.done ]]; do
        pid=$(pgrep -f -n "java.*$(basename "$model") --eval")
        if [[ -n "$pid" && -r /proc/$pid/stat ]]; then
            echo "$(date -u +%H:%M:%S) pid $pid cpu $(awk '{print ($14 + $15) / 100}' "/proc/$pid/stat") \
$(awk '/VmRSS|VmHWM/{printf "%s %s ", $1, $2}' "/proc/$pid/status") $(cut -d' ' -f1 /proc/loadavg)" >> "$out.samples"
        fi
        sleep 10
    done
) &
cd "$home" || exit 2
JAVA_OPTS="-XX:StartFlightRecording=filename=$out.jfr,settings=profile" \
    /usr/bin/time -o "$out.time" -f "ODF2NNA_TIME %e %U %S %M" timeout -s TERM "$seconds" \
    bin/odf2nna-onnx sweep "$model" --eval "$rows" --train "$rows" --retrain-epochs 1 -o "$out.onnx" "$@" 2>&1 \
    | perl -ne 'BEGIN { $| = 1 } for my $l (split /\r/) { next if $l =~ /^\s*$/; chomp $l;
        my @t = gmtime(); printf "%02d:%02d:%02d %s\n", $t[2], $t[1], $t[0], $l; }' > "$out.log"
touch "$out.done"
wait
cat "$out.time"
