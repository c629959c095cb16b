#!/usr/bin/env python3
"""Regenerates docs/research/COMPARISON.md: how often the model the default `sweep` writes breaks its promise on rows nobody
chose on, over many random half-splits, beside the peers on the same splits.

    ./mvnw -q -B package -DskipTests && python3 scripts/comparison/comparison.py [--shared ../shared] [--jobs 2]
        [--outside DIR]   # models made by scripts/corpus/make_outside_models.py, none of them designed on

The reference models were trained on every row of their training split, so the only rows they never saw are in the
test file. For each seed s the test file's rows are shuffled with Python's random.Random(s) and cut in two: the first
half is the validation half (`sweep --validation`: it only judges, at the end of the search), the second the test half
(`--eval`: it only reports). Retraining, least squares and the search's steering use the training split, as the
original's training did. `--original-epochs` passes the epochs in each model's JSON sidecar.

A written model breaks its promise when its accuracy on the test half is more than 1 point below the original's there
(regression: its MSE more than 10% above). The promise is that at most 5% of runs write a model that loses more than
that on a fresh set as large as the validation half, which is what the test half is, so at most 5% of written models
may break (more precisely: at most 5% of runs).

Every run's outcome is kept in a JSON-lines cache (`--cache`, default docs/research/comparison-runs.jsonl) keyed by model, seed
and variant: a rerun skips what is there (`--fresh` empties it) and `--render-only` redraws the tables from it.
Peers: docs/research/peer-splits.json (scripts/comparison/peer_splits.py: the peers run once, judged on the same splits).
Standard library only.
"""
import argparse
import concurrent.futures
import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = ["iris_4-10-3_relu", "cancer_9-10-2_relu", "diabetes_8-12-12-2_matmul_add", "spambase_57-64-64-64-2_relu",
          "pole_26-32-32-32-1_relu", "compactiv_21-32-32-32-1_relu_norm", "mnist_lenet300-100_relu"]
BEGIN = "<!-- comparison:begin -->"
END = "<!-- comparison:end -->"
LOCK = threading.Lock()
UNLABELLED_LOCK = threading.Lock()


def read_lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return [line for line in f.read().splitlines() if line.strip()]


def reference_files(shared, name):
    dataset = name.split("_")[0]
    if dataset == "mnist":
        return (os.path.join(shared, "data", "mnist-train.csv.gz"), os.path.join(shared, "data", "mnist-test.csv.gz"))
    return (os.path.join(shared, "data", "splits", dataset + "-train.csv"),
            os.path.join(shared, "data", "splits", dataset + "-test.csv"))


def halves(test, tmp, name, seed, unlabelled=False):
    """The test file split into seeded halves (validation, test); the validation half without labels if asked."""
    tag = "%s-s%d" % (name, seed)
    validation_file = os.path.join(tmp, tag + ("-validation-unlabelled.csv" if unlabelled else "-validation.csv"))
    test_file = os.path.join(tmp, tag + "-test.csv")
    if not os.path.exists(validation_file) or not os.path.exists(test_file):
        lines = read_lines(test)
        header, rows = lines[0], lines[1:]
        order = list(range(len(rows)))
        random.Random(seed).shuffle(order)
        cut = len(rows) // 2
        validation = [rows[i] for i in sorted(order[:cut])]
        if unlabelled:
            header_v = header.rsplit(",", 1)[0]
            validation = [r.rsplit(",", 1)[0] for r in validation]
        else:
            header_v = header
        with open(validation_file, "w") as f:
            f.write("\n".join([header_v] + validation) + "\n")
        with open(test_file, "w") as f:
            f.write("\n".join([header] + [rows[i] for i in sorted(order[cut:])]) + "\n")
    return validation_file, test_file


def unlabelled_train(train, tmp):
    path = os.path.join(tmp, "unlabelled-" + os.path.basename(train).replace(".gz", ""))
    # Two jobs may want it at once: one writes it, whole, before either reads it.
    with UNLABELLED_LOCK:
        if not os.path.exists(path):
            with open(path + ".partial", "w") as f:
                for line in read_lines(train):
                    f.write(line.rsplit(",", 1)[0] + "\n")
            os.replace(path + ".partial", path)
    return path


def base_variant(variant):
    """"default" or "label-free", without the " at D" that a run with another --max-drop carries."""
    return variant.split(" at ")[0]


def max_drop_of(variant):
    """The --max-drop a run was given (None: the tool's default, 1 point or 10% of MSE)."""
    return float(variant.split(" at ")[1]) if " at " in variant else None


def run(model, train, test, epochs, seed, variant, tmp, tool):
    """One default sweep on one split; returns the outcome record."""
    name = os.path.basename(model)[:-len(".onnx")]
    label_free = base_variant(variant) == "label-free"
    max_drop = max_drop_of(variant)
    validation, evaluation = halves(test, tmp, name, seed, unlabelled=label_free)
    if label_free:
        train = unlabelled_train(train, tmp)
    report = os.path.join(tmp, "%s-s%d-%s.json" % (name, seed, variant.replace(" ", "-")))
    out = os.path.join(tmp, "%s-s%d-%s.onnx" % (name, seed, variant.replace(" ", "-")))
    command = [tool, "-q", "sweep", model, "--eval", evaluation, "--train",
               train, "--validation", validation, "-o", out, "--report", report]
    if epochs:
        command += ["--original-epochs", str(epochs)]
    if max_drop is not None:
        command += ["--max-drop", "%g" % max_drop]
    for stale in (report, out):
        if os.path.exists(stale):
            os.remove(stale)
    start = time.time()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.time() - start
    record = {"model": name, "seed": seed, "variant": variant, "exit": done.returncode, "seconds": round(seconds, 1)}
    if done.returncode not in (0, 3):
        sys.exit("%s failed (exit %d): %s" % (" ".join(command), done.returncode, done.stderr.strip()))
    if not os.path.exists(report):
        # Refused before any round (too few validation rows to certify): one line on standard error.
        record.update({"written": False, "reduction": 0.0, "why": done.stderr.strip().split(": error: ")[-1]})
        return record
    data = json.load(open(report))
    table = data["table"]
    regression = table["task"] == "regression"
    key = "mse" if regression else "accuracy"
    original = table["originalMetrics"][key]
    record.update({"regression": regression, "original": original, "rounds": len(table["outcomes"]),
                   "parameters": table["original"]["parameters"]})
    if data.get("chosen") is None:
        record.update({"written": False, "reduction": 0.0, "why": data.get("choice", "")})
        return record
    chosen = table["outcomes"][data["chosen"]]
    metric = chosen["retrained"] if chosen["retrained"] is not None else chosen["pruned"]
    value = metric[key]
    holds = within(value, original, regression, max_drop)
    record.update({"written": True, "reduction": chosen["reductionPercent"],
                   "architecture": chosen["network"]["architecture"], "test": value, "holds": holds,
                   "certified": chosen["bound"]["certified"], "estimate": chosen["bound"]["estimate"]})
    return record


def load_cache(path):
    done = {}
    if os.path.exists(path):
        for line in open(path):
            if line.strip():
                r = json.loads(line)
                done[(r["model"], r["seed"], r["variant"])] = r
    return done


def seeds_of(text):
    out = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            out += list(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return out


def within(value, original, regression, max_drop=None):
    """Whether the test half keeps the promise: accuracy at most 1 point below the original's, or an MSE at most 10%
    above it (or max_drop points or percent). The MSE's margin is relative (as in scripts/comparison/peer_splits.py): an MSE of
    order 1e-8 (ailerons) must not pass on an absolute one."""
    if regression:
        return value <= original * (1 + (10 if max_drop is None else max_drop) / 100) * (1 + 1e-12)
    return value >= original - (1 if max_drop is None else max_drop) / 100 - 1e-12


def summary(records):
    written = [r for r in records if r["written"]]
    # Judged here, from the cached figures, so that every cached run is judged by the same criterion.
    broken = [r for r in written
              if not within(r["test"], r["original"], r.get("regression", False), max_drop_of(r["variant"]))]
    reductions = [r["reduction"] for r in records]
    return {"splits": len(records), "written": len(written), "broken": len(broken),
            "median": statistics.median(reductions) if reductions else 0.0,
            "median_written": statistics.median([r["reduction"] for r in written]) if written else None,
            "seconds": statistics.median([r["seconds"] for r in records]) if records else 0}


PEER_METHODS = ["MF", "LS", "TP-L1", "TP-Taylor", "TP-Hessian", "best"]


def peer_row(peers, name, seeds):
    """Per peer method (and the best-of-methods choice) on these seeds: median reduction and break rate; and the best
    one whose choices broke on at most 5% of the splits it wrote on (None when no method holds)."""
    model = peers.get(name) if peers else None
    if model is None:
        return None
    by_seed = {entry["seed"]: entry for entry in model["per_seed"]}
    if any(s not in by_seed for s in seeds):
        return None
    everyone = {}
    best = None
    for method in PEER_METHODS:
        chosen = [by_seed[s][method] for s in seeds]
        written = [c for c in chosen if c.get("holds") is not None]
        broken = [c for c in written if not c["holds"]]
        rate = len(broken) / len(written) if written else 0.0
        median = statistics.median([100.0 * (c.get("reduction") or 0.0) for c in chosen])
        label = "best of methods" if method == "best" else method
        entry = {"method": label, "median": median, "rate": rate, "written": len(written), "broken": len(broken)}
        everyone[label] = entry
        if written and rate <= 0.05 and (best is None or median > best["median"]):
            best = entry
    return best, everyone


def before_cell(before, name, variant, seeds):
    """The same model, variant and seeds under the chain rule before ChainCertificate (each round's level carried
    from the round before it when that one held): median reduction and breaks, from the earlier cache."""
    if not before:
        return "-"
    records = [before[(name, s, variant)] for s in seeds if (name, s, variant) in before]
    if len(records) < len(seeds):
        return "-"
    s = summary(records)
    return "%.1f%%, broke %d of %d" % (s["median"], s["broken"], s["written"])


def render(cache, peers, reference, outside, command, variants=("default", "label-free"), before=None):
    out = [BEGIN, "", "Regenerate with `%s` (2 cores; the cache of runs is docs/research/comparison-runs.jsonl; the column "
           "\"before\" reads docs/research/comparison-runs-carry.jsonl, the same protocol run with the rule that carried each "
           "round's level along the chain, commit 25e5381, on the same seeds)." % command, ""]
    out.append("| model | splits | written | median reduction (all splits; 0 when nothing written) | broke on the test "
               "half | before: median, broke | median time | best peer that holds (break rate ≤ 5%): median | "
               "default ≥ that peer |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    total_written = 0
    total_broken = 0
    reached = 0
    compared = 0
    lines = []
    for name, variant in reference:
        records = sorted([r for (m, s, v), r in cache.items() if m == name and v == variant], key=lambda r: r["seed"])
        if not records:
            continue
        s = summary(records)
        total_written += s["written"]
        total_broken += s["broken"]
        seeds = [r["seed"] for r in records]
        peer = peer_row(peers, name, seeds) if variant == "default" else None
        peer_cell = "-"
        beat = "-"
        if peer is not None:
            best, everyone = peer
            compared += 1
            if best is None:
                rates = ", ".join("%s %.0f%%" % (m, 100 * e["rate"]) for m, e in everyone.items())
                peer_cell = "none holds (break rates: %s)" % rates
                beat = "yes (no peer holds)"
                reached += 1
            else:
                peer_cell = "%s: %.1f%% (broke %d of %d)" % (best["method"], best["median"], best["broken"],
                                                           best["written"])
                ok = s["median"] >= best["median"] - 1e-9
                beat = "yes" if ok else "no"
                reached += ok
        label = name if variant == "default" else "%s (%s)" % (name, variant)
        rate = "%d of %d (%.0f%%)" % (s["broken"], s["written"], 100.0 * s["broken"] / s["written"]) \
            if s["written"] else "-"
        why = ""
        if s["written"] == 0:
            reasons = {r.get("why", "") for r in records}
            if any("cannot certify" in w for w in reasons):
                why = " (validation half too small to certify)"
        lines.append("| %s | %d | %d%s | %.1f%% | %s | %s | %.0f s | %s | %s |" % (
            label, s["splits"], s["written"], why, s["median"], rate, before_cell(before, name, variant, seeds),
            s["seconds"], peer_cell, beat))
    out += lines
    out += ["", "Reference models: written %d times, broke %d (%.1f%%); the default's median reduction reaches the best "
            "peer that holds on %d of %d models." % (total_written, total_broken,
                                                    100.0 * total_broken / total_written if total_written else 0,
                                                    reached, compared)]
    if outside:
        out += ["", "Models made outside the design (scripts/corpus/make_outside_models.py; nobody tuned anything on them):", "",
                "| model | splits | written | median reduction | broke on the test half | before: median, broke | "
                "median time |",
                "|---|---|---|---|---|---|---|"]
        ow = 0
        ob = 0
        for name, variant in [(n, v) for n in outside for v in variants]:
            records = [r for (m, s, v), r in cache.items() if m == name and v == variant]
            if not records:
                continue
            s = summary(records)
            ow += s["written"]
            ob += s["broken"]
            rate = "%d of %d (%.0f%%)" % (s["broken"], s["written"], 100.0 * s["broken"] / s["written"]) \
                if s["written"] else "-"
            label = name if variant == "default" else "%s (%s)" % (name, variant)
            seeds = sorted(r["seed"] for r in records)
            out.append("| %s | %d | %d | %.1f%% | %s | %s | %.0f s |" % (
                label, s["splits"], s["written"], s["median"], rate, before_cell(before, name, variant, seeds),
                s["seconds"]))
        out += ["", "Outside models: written %d times, broke %d (%.1f%%)." % (ow, ob, 100.0 * ob / ow if ow else 0)]
        total_written += ow
        total_broken += ob
    out += ["", "All runs: written %d times, broke %d (%.1f%%)." % (
        total_written, total_broken, 100.0 * total_broken / total_written if total_written else 0), "", END]
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    parser.add_argument("--models", default=None, help="comma-separated subset of the reference model names")
    parser.add_argument("--seeds", default="20-39", help="split seeds (LeNet-300-100 takes the first --lenet-seeds)")
    parser.add_argument("--lenet-seeds", type=int, default=5)
    parser.add_argument("--label-free-seeds", type=int, default=5, help="splits for LeNet-300-100 label-free")
    parser.add_argument("--outside", default=None, help="folder of scripts/corpus/make_outside_models.py's models")
    parser.add_argument("--outside-seeds", default="20-39")
    parser.add_argument("--outside-large-seeds", type=int, default=1, help="splits for an MNIST-sized outside model")
    parser.add_argument("--max-drop", type=float, default=None,
                        help="pass this --max-drop to every sweep and judge the test halves by it (default: the "
                             "tool's, 1 point or 10%% of MSE)")
    parser.add_argument("--variants", default="default,label-free",
                        help="which runs: default, label-free (LeNet-300-100 and the outside classifiers, without "
                             "labels) or both (comma-separated)")
    parser.add_argument("--jobs", type=int, default=1, help="sweeps run at once")
    parser.add_argument("--cache", default=os.path.join(ROOT, "docs", "research", "comparison-runs.jsonl"))
    parser.add_argument("--fresh", action="store_true", help="empty the cache first")
    parser.add_argument("--before", default=os.path.join(ROOT, "docs", "research", "comparison-runs-carry.jsonl"),
                        help="cache of the same protocol under the earlier chain rule, shown side by side")
    parser.add_argument("--render-only", action="store_true")
    parser.add_argument("--peers", default=os.path.join(ROOT, "docs", "research", "peer-splits.json"))
    parser.add_argument("--write", default=os.path.join(ROOT, "docs", "research", "COMPARISON.md"))
    parser.add_argument("--keep", default=None, help="keep reports and models in this folder")
    parser.add_argument("--tool", default=os.path.join(ROOT, "bin", "odf2nna-onnx"),
                        help="the launcher to run (a copy of bin/ and cli/target/ elsewhere lets the checkout rebuild)")
    args = parser.parse_args()
    shared = os.path.abspath(args.shared)
    names = MODELS if args.models is None else [m for m in MODELS if m in args.models.split(",")]
    seeds = seeds_of(args.seeds)
    if args.fresh and os.path.exists(args.cache):
        os.remove(args.cache)
    cache = load_cache(args.cache)
    outside = []
    if args.outside:
        outside = sorted(f[:-5] for f in os.listdir(args.outside) if f.endswith(".onnx"))
    jobs = []
    # Another tolerance is another variant ("default at 2"), cached beside the default's runs.
    suffix = "" if args.max_drop is None else " at %g" % args.max_drop
    wanted = set(args.variants.split(","))
    for name in names:
        train, test = reference_files(shared, name)
        sidecar = json.load(open(os.path.join(shared, "models", name + ".json")))
        epochs = sidecar["training"]["epochs"]
        model = os.path.join(shared, "models", name + ".onnx")
        model_seeds = seeds[:args.lenet_seeds] if name.startswith("mnist") else seeds
        variants = ["default"] + (["label-free"] if name.startswith("mnist") else [])
        for variant in [v + suffix for v in variants if v in wanted]:
            for s in (model_seeds[:args.label_free_seeds] if base_variant(variant) == "label-free" else model_seeds):
                jobs.append((name, s, variant, model, train, test, epochs))
    for name in outside:
        sidecar = json.load(open(os.path.join(args.outside, name + ".json")))
        model = os.path.join(args.outside, name + ".onnx")
        train = os.path.join(args.outside, name + "-train.csv")
        test = os.path.join(args.outside, name + "-test.csv")
        outside_seeds = seeds_of(args.outside_seeds)
        # MNIST-sized models take minutes a run: as few splits as LeNet-300-100.
        model_seeds = outside_seeds[:args.outside_large_seeds] if name.startswith("mnist") else outside_seeds
        # A classifier's validation half also runs without labels (and its training rows without them too), as
        # LeNet-300-100's does: every changed prediction then counts as lost.
        classifier = sidecar.get("task", "classification") == "classification"
        variants = ["default"] + (["label-free"] if classifier else [])
        for variant in [v + suffix for v in variants if v in wanted]:
            for s in model_seeds:
                jobs.append((name, s, variant, model, train, test, sidecar["training"]["epochs"]))
    if not args.render_only:
        # Seed by seed, so that an interrupted run has every model at some splits.
        todo = sorted([j for j in jobs if (j[0], j[1], j[2]) not in cache],
                      key=lambda j: (j[1], j[0].startswith("mnist"), j[2]))
        print("%d runs, %d cached" % (len(jobs), len(jobs) - len(todo)), flush=True)
        with tempfile.TemporaryDirectory() as scratch:
            tmp = args.keep or scratch
            os.makedirs(tmp, exist_ok=True)

            def one(job):
                name, s, variant, model, train, test, epochs = job
                record = run(model, train, test, epochs, s, variant, tmp, args.tool)
                with LOCK:
                    with open(args.cache, "a") as f:
                        f.write(json.dumps(record, sort_keys=True) + "\n")
                    cache[(name, s, variant)] = record
                    print(json.dumps(record), flush=True)

            with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
                for f in [pool.submit(one, j) for j in todo]:
                    f.result()
    peers = None
    if os.path.exists(args.peers):
        peers = {m: v for m, v in json.load(open(args.peers)).get("models", {}).items()}
    reference = [(n, "default" + suffix) for n in names] + [(n, "label-free" + suffix) for n in names
                                                           if n.startswith("mnist")]
    command = "python3 scripts/comparison/comparison.py --jobs %d%s" % (args.jobs, " --outside DIR" if outside else "")
    before = load_cache(args.before) if args.before and os.path.exists(args.before) else None
    text = render(cache, peers, reference, outside, command, ("default" + suffix, "label-free" + suffix), before)
    if args.write == "-":
        print(text)
        return
    doc = open(args.write).read() if os.path.exists(args.write) else BEGIN + "\n" + END + "\n"
    start, end = doc.index(BEGIN), doc.index(END) + len(END)
    open(args.write, "w").write(doc[:start] + text + doc[end:])
    print("wrote", args.write)


if __name__ == "__main__":
    main()
