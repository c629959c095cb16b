"""Where a JFR recording's samples fell: by top frame, by the innermost org.odf2nna frames (with DEPTH callers) and
inclusively by org.odf2nna method, each as a share of the samples (docs/research/PERFORMANCE.md, "sweep at widths 1,024 and
4,096"). Execution samples are Java code running; native samples (ONNX Runtime, TensorFlow) are threads in native
code at each tick, busy or waiting.

Usage: python3 scripts/bench/jfr_top.py FILE.jfr [DEPTH [EVENT[,EVENT...]]]   (needs the JDK's jfr on the PATH)
"""
import collections
import json
import subprocess
import sys


def frames(event):
    stack = event["values"]["stackTrace"]
    for frame in stack["frames"] if stack else []:
        cls = frame["method"]["type"]["name"].replace("/", ".")
        yield cls, cls.split(".")[-1].split("$$")[0] + "." + frame["method"]["name"]


def main():
    path = sys.argv[1]
    depth = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    kinds = sys.argv[3].split(",") if len(sys.argv) > 3 else ["jdk.ExecutionSample", "jdk.NativeMethodSample"]
    for kind in kinds:
        text = subprocess.run(["jfr", "print", "--json", "--stack-depth", "40", "--events", kind, path],
                              capture_output=True, text=True, check=True).stdout
        events = json.loads(text)["recording"]["events"]
        top, ours, inclusive = collections.Counter(), collections.Counter(), collections.Counter()
        for event in events:
            stack = list(frames(event))
            if stack:
                top[stack[0][1]] += 1
            mine = [name for cls, name in stack if cls.startswith("org.odf2nna")]
            if mine:
                ours[" < ".join(mine[:depth])] += 1
            for name in set(mine):
                inclusive[name] += 1
        n = max(1, len(events))
        print(f"== {kind}: {len(events)} samples")
        for title, counts, k in (("top frames", top, 8), ("innermost org.odf2nna frames", ours, 12),
                                 ("inclusive org.odf2nna", inclusive, 25)):
            print("-- " + title)
            for key, count in counts.most_common(k):
                print(f"{count / n:6.1%} {key}")


if __name__ == "__main__":
    main()
