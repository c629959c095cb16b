#!/usr/bin/env python3
"""How far the default search's own rounds go on each reference model when hindsight may choose: an upper limit on
what any choice rule applied to that search could hand back, written into docs/COMPARISON.md.

    ./mvnw -q -B package -DskipTests && python3 scripts/hindsight.py [--shared ../shared] [--models a,b]

Each model runs the default `sweep` on the same seeded halves as scripts/comparison.py (validation half judging,
test half reporting), with a tolerance so loose (--max-drop 50 points, or 300% of MSE) that the search goes on to
small networks instead of stopping where the default stops. Every round is then read at the real tolerance (1
accuracy point, 10% of MSE): whether the validation half would have let it through (the 95% bound; on a set too small
to certify one point, no changed prediction and at most 1% of the training rows changing class), and whether it keeps
the promise on the test half. The largest round that keeps it on the test half is what a rule that could see the test
half would choose: the test half chooses it, so it is never a figure this tool could claim, only a limit.
Standard library only.
"""
import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import comparison  # noqa: E402

BEGIN = "<!-- hindsight:begin -->"
END = "<!-- hindsight:end -->"
LOOSE = {"classification": "50", "regression": "300"}
Z = 1.6448536269514722  # one-sided 95% normal quantile, as in LossBound


def rounds(report):
    table = report["table"]
    regression = table["task"] == "regression"
    key = "mse" if regression else "accuracy"
    original = table["originalMetrics"][key]
    out = []
    for o in table["outcomes"]:
        b = o["bound"]
        value = (o["retrained"] or o["pruned"])[key]
        small = False
        change = 0.0
        if regression:
            validation = b["upper"] <= 0.10 + 1e-12
            test_change = value / original - 1
            holds = test_change <= 0.10 + 1e-12
        else:
            change = o["training"]["changeFromOriginal"] if o.get("training") else 0.0
            # Whether the rows could certify one point is a matter of the real tolerance, not the loose one.
            small = b["rows"] == 0 or Z / b["rows"] > 0.01
            validation = (b["changed"] == 0 and change <= 0.01 + 1e-12) if small else b["upper"] <= 0.01 + 1e-12
            test_change = value - original
            holds = test_change >= -0.01 - 1e-12
        out.append({"architecture": o["network"]["architecture"], "reduction": o["reductionPercent"],
                    "estimate": b["estimate"], "upper": b["upper"], "changed": b["changed"], "rows": b["rows"],
                    "small": not regression and small, "validation": validation, "test": test_change, "training": change, "holds": holds,
                    "regression": regression})
    return out


def words(r):
    if r["regression"]:
        return "MSE %+.1f%%, bound %+.1f%%" % (100 * r["estimate"], 100 * r["upper"])
    if r["small"]:
        return "%d of %d predictions changed (training rows: %.1f%%)" % (r["changed"], r["rows"], 100 * r["training"])
    return "%+.2f points, bound %+.2f" % (100 * r["estimate"], 100 * r["upper"])


def test_words(r):
    return ("%+.1f%% MSE" % (100 * r["test"])) if r["regression"] else ("%+.2f points" % (100 * r["test"]))


def render(results, command):
    out = [BEGIN, "", "Regenerate with `%s`. Each row is one round of the default search let run on (a loose "
           "tolerance); \"validation\" is what the validation half said at the real tolerance, \"test half\" what the "
           "round does there; the test half chooses nothing here, it only shows where the search's own models stop "
           "keeping the promise." % command, ""]
    out.append("| model | peers | default's choice | largest round that holds on the test half (hindsight) | "
               "rounds | first round that fails on the test half |")
    out.append("|---|---|---|---|---|---|")
    for name, peer, chosen, rs in results:
        best = max((r for r in rs if r["holds"]), key=lambda r: r["reduction"], default=None)
        best_text = "none" if best is None else "%.1f%% (%s, %s)%s" % (
            best["reduction"], best["architecture"], test_words(best), " ≥ peers" if best["reduction"] >= peer else "")
        failing = [r for r in rs if not r["holds"]]
        first = "none" if not failing else "%.1f%% (%s): %s; the validation half said %s %s" % (
            failing[0]["reduction"], failing[0]["architecture"], test_words(failing[0]), words(failing[0]),
            "✓" if failing[0]["validation"] else "✗")
        out.append("| %s | %.1f%% | %s | %s | %d | %s |" % (
            name, peer, chosen, best_text, len(rs), first))
    out += ["", "Every round:", ""]
    for name, peer, chosen, rs in results:
        out.append("- **%s** (peers %.1f%%): " % (name, peer) + "; ".join(
            "%.1f%% %s: validation %s %s, test half %s %s" % (
                r["reduction"], r["architecture"], words(r), "✓" if r["validation"] else "✗", test_words(r),
                "✓" if r["holds"] else "✗") for r in rs) + ".")
    out += ["", END]
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", default=os.path.join(comparison.ROOT, "..", "shared"))
    parser.add_argument("--models", default=None, help="comma-separated subset of the model names")
    parser.add_argument("--write", default=os.path.join(comparison.ROOT, "docs", "COMPARISON.md"),
                        help="Markdown file whose generated section is replaced ('-': print only)")
    parser.add_argument("--keep", default=None, help="keep the reports in this folder")
    args = parser.parse_args()
    shared = os.path.abspath(args.shared)
    models = comparison.MODELS if args.models is None else [
        m for m in comparison.MODELS if m[0] in args.models.split(",")]
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep or scratch
        os.makedirs(tmp, exist_ok=True)
        for name, peer in models:
            default, _ = comparison.sweep(shared, name, tmp, "default", [])
            chosen = comparison.cell(comparison.result(default, 0))[0]
            task = default["table"]["task"]
            loose, seconds = comparison.sweep(shared, name, tmp, "loose", ["--max-drop", LOOSE[task]])
            results.append((name, peer, chosen, rounds(loose)))
            print(name, "%.0f s" % seconds, flush=True)
    text = render(results, "python3 scripts/hindsight.py")
    if args.write == "-":
        print(text)
        return
    doc = open(args.write).read()
    if BEGIN not in doc:
        sys.exit("%s has no %s ... %s section" % (args.write, BEGIN, END))
    start, end = doc.index(BEGIN), doc.index(END) + len(END)
    open(args.write, "w").write(doc[:start] + text + doc[end:])
    print("wrote", args.write)


if __name__ == "__main__":
    main()
