#!/usr/bin/env python3
"""What `sweep --clip-inputs` does to the outside regressors, side by side with the default, on comparison.py's splits.

    python3 scripts/comparison/clip_compare.py [--outside $CORPUS/outside-models] [--seeds 20-24] [--tmp DIR] [--jobs 2]
                                    [--tool bin/odf2nna-onnx] [--models NAME,...]

For each regression model of the outside folder (scripts/corpus/make_outside_models.py makes them: NAME.onnx beside
NAME-train.csv and NAME-test.csv) and each seed, the test file is cut into the validation and test halves exactly as
scripts/comparison/comparison.py cuts it, and `sweep MODEL --train NAME-train.csv --validation VALIDATION-HALF --eval TEST-HALF`
runs twice, without and with --clip-inputs. Prints one Markdown row per model and variant: splits, models written,
median reduction, test halves whose MSE rose more than 10% over the original's (breaks), the median change of the
test-half MSE, and how many test-half rows lie outside the training rows' range. Each run's outcome is kept in
DIR/clip-runs.jsonl, so a second call only prints."""
import argparse
import concurrent.futures
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from comparison import halves, seeds_of  # noqa: E402  (the same splits)


def outside_rows(train, test):
    """Rows of the test file with a value outside the per-column range of the training file."""
    def read(path):
        with open(path) as f:
            next(f)
            return [[float(v) for v in line.rstrip("\n").split(",")[:-1]] for line in f if line.strip()]
    rows = read(train)
    low = [min(c) for c in zip(*rows)]
    high = [max(c) for c in zip(*rows)]
    return sum(1 for r in read(test) if any(v < lo or v > hi for v, lo, hi in zip(r, low, high)))


def run(tool, folder, name, seed, clip, tmp):
    validation, evaluation = halves(os.path.join(folder, name + "-test.csv"), tmp, name, seed)
    tag = "%s-s%d-%s" % (name, seed, "clip" if clip else "default")
    report, out = os.path.join(tmp, tag + ".json"), os.path.join(tmp, tag + ".onnx")
    command = [tool, "-q", "sweep", os.path.join(folder, name + ".onnx"), "--eval", evaluation, "--train",
               os.path.join(folder, name + "-train.csv"), "--validation", validation, "-o", out, "--report", report]
    if clip:
        command.append("--clip-inputs")
    for stale in (report, out):
        if os.path.exists(stale):
            os.remove(stale)
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode not in (0, 3):
        sys.exit("%s failed (exit %d): %s" % (" ".join(command), done.returncode, done.stderr.strip()))
    data = json.load(open(report))
    table = data["table"]
    original = table["originalMetrics"]["mse"]
    record = {"model": name, "seed": seed, "clip": clip, "written": data.get("chosen") is not None}
    if record["written"]:
        chosen = table["outcomes"][data["chosen"]]
        mse = (chosen["retrained"] or chosen["pruned"])["mse"]
        record.update({"reduction": chosen["reductionPercent"], "change": 100 * (mse / original - 1),
                       "architecture": chosen["network"]["architecture"]})
    else:
        record.update({"reduction": 0.0})
    return record


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outside", default=os.path.join(os.environ.get("CORPUS", "corpus"), "outside-models"))
    parser.add_argument("--seeds", default="20-24")
    parser.add_argument("--tmp", default="target/clip-compare")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--tool", default="bin/odf2nna-onnx")
    parser.add_argument("--models", default=None, help="comma-separated names (default: every *_reg_* model)")
    args = parser.parse_args()
    os.makedirs(args.tmp, exist_ok=True)
    names = args.models.split(",") if args.models else sorted(
        f[:-len(".onnx")] for f in os.listdir(args.outside) if f.endswith(".onnx") and "_reg_" in f)
    cache_path = os.path.join(args.tmp, "clip-runs.jsonl")
    done = {}
    if os.path.exists(cache_path):
        for line in open(cache_path):
            r = json.loads(line)
            done[(r["model"], r["seed"], r["clip"])] = r
    jobs = [(n, s, c) for n in names for s in seeds_of(args.seeds) for c in (False, True) if (n, s, c) not in done]
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool, open(cache_path, "a") as cache:
        for record in pool.map(lambda j: run(args.tool, args.outside, j[0], j[1], j[2], args.tmp), jobs):
            done[(record["model"], record["seed"], record["clip"])] = record
            cache.write(json.dumps(record) + "\n")
            cache.flush()
    print("| model | sweep | splits | written | median reduction | broke (test-half MSE > +10%) "
          "| test-half MSE change, median (range) | test-half rows outside the training range, median |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        outside = []
        for s in seeds_of(args.seeds):
            _, evaluation = halves(os.path.join(args.outside, name + "-test.csv"), args.tmp, name, s)
            outside.append(outside_rows(os.path.join(args.outside, name + "-train.csv"), evaluation))
        for clip in (False, True):
            rs = [done[(name, s, clip)] for s in seeds_of(args.seeds) if (name, s, clip) in done]
            written = [r for r in rs if r["written"]]
            changes = [r["change"] for r in written]
            print("| %s | %s | %d | %d | %.1f%% | %d | %s | %g |" % (
                name, "--clip-inputs" if clip else "default", len(rs), len(written),
                statistics.median(r["reduction"] for r in rs) if rs else 0, sum(1 for c in changes if c > 10),
                "%+.1f%% (%+.1f%% to %+.1f%%)" % (statistics.median(changes), min(changes), max(changes))
                if changes else "-", statistics.median(outside)))


if __name__ == "__main__":
    main()
