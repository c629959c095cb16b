#!/usr/bin/python3
"""How much the latency budget's layer rates move between timings, with medians or fastest runs (graph.LayerTimes).

Exports torchvision's mobilenet_v2 and resnet18 (3 classes, random weights: timing does not depend on them) at
3 x 160 x 160 with torch.onnx.export, then times their block layers with scripts/probes/LayerTimesProbe.java, four
timings per model and summary, alternating, on the machine as it is ("idle") and, with --load, beside a made-up
other job ("load": one process busy all the time, one busy and idle in turns of 0.1-0.5 s). Prints per model and
summary the median and largest coefficient of variation of a layer's rate over the timings, and with both conditions
how far the rates moved from idle to load (the spread of log ratios, the overall shift taken out).

Run from the repository's root after `./mvnw -q -B package -DskipTests`, with Debian's python3-torch and
python3-torchvision (about 10 minutes a condition on 2 cores):
  /usr/bin/python3 scripts/probes/layer_times_spread.py OUT_DIR [--load]
"""
import argparse, collections, math, os, random, statistics as st, subprocess, sys, time


def export(out):
    import torch, torchvision
    torch.manual_seed(0)
    for name, make in (("mnv2", torchvision.models.mobilenet_v2), ("r18", torchvision.models.resnet18)):
        path = os.path.join(out, name + ".onnx")
        if not os.path.exists(path):
            torch.onnx.export(make(num_classes=3).eval(), torch.rand(1, 3, 160, 160), path, opset_version=13,
                              input_names=["images"], output_names=["out"],
                              dynamic_axes={"images": {0: "n"}, "out": {0: "n"}})


def load():
    """A made-up other job: one process busy, one busy and idle in turns."""
    if os.fork() == 0:
        while True:
            pass
    r = random.Random(1)
    while True:
        end = time.time() + r.uniform(0.1, 0.5)
        while time.time() < end:
            pass
        time.sleep(r.uniform(0.1, 0.5))


def timings(out, condition):
    probe = os.path.join(out, "probe")
    subprocess.run(["javac", "-cp", "cli/target/lib/*", "-d", probe, "scripts/probes/LayerTimesProbe.java"], check=True)
    lines = []
    for _ in range(2):
        for model in ("mnv2", "r18"):
            for summary in ("median", "fastest"):
                p = subprocess.run(["java", "-Dodf2nna.native.cache=" + os.path.join(out, "native"), "-cp",
                                    probe + ":cli/target/lib/*", "org.odf2nna.graph.LayerTimesProbe",
                                    os.path.join(out, model + ".onnx"), "2", summary],
                                   check=True, capture_output=True, text=True)
                lines += [(condition, model, *l.split("\t")) for l in p.stdout.splitlines()]
    return lines


def table(lines):
    rates = collections.defaultdict(lambda: collections.defaultdict(list))
    for condition, model, summary, k, layer, value, *_ in lines:
        if not layer.startswith("#"):
            rates[(model, summary)][(condition, layer)].append(float(value))
    for (model, summary), d in sorted(rates.items()):
        conditions = sorted({c for c, _ in d})
        layers = sorted({l for _, l in d})
        cells = [model, summary]
        for c in conditions:
            cv = [st.pstdev(d[(c, l)]) / st.mean(d[(c, l)]) for l in layers]
            cells.append("%s: %d layers, CV median %.3f, largest %.3f" % (c, len(layers), st.median(cv), max(cv)))
        if len(conditions) == 2:
            logs = [math.log(st.mean(d[("load", l)]) / st.mean(d[("idle", l)])) for l in layers]
            cells.append("load/idle x%.2f, spread %.3f" % (math.exp(st.mean(logs)), st.pstdev(logs)))
        print(" | ".join(cells))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--load", action="store_true", help="time beside a made-up other job too")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    export(a.out)
    lines = timings(a.out, "idle")
    if a.load:
        job = os.fork()
        if job == 0:
            os.setsid()
            load()
        try:
            lines += timings(a.out, "load")
        finally:
            os.killpg(job, 9)
    table(lines)


if __name__ == "__main__":
    sys.exit(main())
