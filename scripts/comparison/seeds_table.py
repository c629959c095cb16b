#!/usr/bin/python3
"""COMPARISON.md's seeds table (issue 58): on the shared ViT's chain (split 20), each choice at the sweep's widths
pruned, refitted and retrained by our pipeline (GivenRounds.java) with several retraining seeds, judged by
vit_control.py over all the test rows of its caches (both halves of split 20; no row here chooses anything). Per round
and choice: each seed's points against the original, their mean and standard deviation; then, paired by seed (the
same seed draws the same held-out fifth and batch order for both choices), each of our choices minus Torch-Pruning's
Taylor choice:
each seed's difference, its mean, the standard error of that mean (standard deviation of the differences over the
square root of the number of seeds) and a 95% interval from Student's t with one degree of freedom fewer than seeds.

  python3 scripts/comparison/seeds_table.py docs/research/comparison-vit-seeds.jsonl docs/research/comparison-vit-greedy.jsonl \\
      docs/research/comparison-vit-control.jsonl docs/research/comparison-vit-control-seed1.jsonl

  python3 scripts/comparison/seeds_table.py --merge docs/research/comparison-vit-seeds.jsonl $RUNS/vitseeds/caches/*.jsonl

(--merge: the runs' own caches, one per GivenRounds run as vit_control.py keys a cache by variant and round, into
one file: the original once, then every given record, each (variant, round, seed) once, sorted.)

A record of an earlier file wins over one of a later file for the same (round, choice, seed). Which choice a record
is: ours-tf (the sweep's own round: ours with seed 0) and ours-given-tf (ours through GivenRounds with its seed);
tp-taylor-tf (Torch-Pruning's Taylor choice, scored on the seed's batches); greedy-given-tf; taylor-given-tf (our
Ranking.TAYLOR through GivenRounds); oursheads-given-tf and tpheads-given-tf (mix_choice.py's mixed choices: one's
heads, the other's FFN units; paired with Torch-Pruning's and with ours); headloss-given-tf (Ranking.HEAD_LOSS, paired
with both too); X-refit and ours-refit: refitted, not retrained (column "refitted", no seed).
"""
import math, sys

from vit_caches import gained, lines, pruned

WHO = {"ours-tf": "ours", "ours-given-tf": "ours", "tp-taylor-tf": "tp", "greedy-given-tf": "greedy",
       "taylor-given-tf": "taylor", "ours-refit": "ours", "tp-taylor-refit": "tp", "greedy-refit": "greedy",
       "taylor-refit": "taylor", "oursheads-given-tf": "oursheads", "tpheads-given-tf": "tpheads",
       "headloss-given-tf": "headloss"}
NAMES = {"ours": "ours (cost)", "tp": "TP-Taylor", "greedy": "greedy-cost", "taylor": "ours-taylor",
         "oursheads": "ours' heads + TP's units", "tpheads": "TP's heads + ours' units", "headloss": "head-loss"}
# The mixed choices (mix_choice.py) are paired with each pure choice: which part carries the gap.
MIXED = ("oursheads", "tpheads")
# Student's t, two-sided 95%, by degrees of freedom.
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365}


def read(paths):
    """{(round, who, seed or 'refit'): rows right minus the original's}, the widths by round, the number of rows."""
    cells, widths, n = {}, {}, None
    for p in pruned(paths):
        who = WHO.get(p.record["variant"])
        if who is None:
            continue
        n = p.test_rows
        widths[p.round] = p.record["widths"]
        key = (p.round, who, "refit" if p.record["variant"].endswith("-refit") else p.record.get("seed") or 0)
        cells.setdefault(key, gained(p))
    return cells, widths, n


def spread(values):
    """Mean and sample standard deviation (None for one value)."""
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, None
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def main(paths):
    cells, widths, n = read(paths)
    points = lambda rows: 100.0 * rows / n
    seeds = sorted({k[2] for k in cells if k[2] != "refit"})
    whos = [w for w in NAMES if any(k[1] == w for k in cells)]
    head = ["round", "widths", "choice", "refitted"] + ["seed %d" % s for s in seeds] + ["mean (seeds)", "SD"]
    print("| " + " | ".join(head) + " |")
    print("|---" * len(head) + "|")
    for rnd in sorted(widths):
        for who in whos:
            row = [str(rnd), widths[rnd], NAMES[who]]
            v = cells.get((rnd, who, "refit"))
            row.append("" if v is None else "%+.2f" % points(v))
            vs = []
            for s in seeds:
                v = cells.get((rnd, who, s))
                row.append("" if v is None else "%+.2f" % points(v))
                if v is not None:
                    vs.append(points(v))
            if not vs:
                continue
            mean, sd = spread(vs)
            row += ["%+.2f (%d)" % (mean, len(vs)), "" if sd is None else "%.2f" % sd]
            print("| " + " | ".join(row) + " |")
    print()
    for who in [w for w in whos if w != "tp"]:
        paired(cells, widths, seeds, points, who, "tp")
        print()
    for who in [w for w in whos if w in MIXED or w == "headloss"]:
        paired(cells, widths, seeds, points, who, "ours")
        print()


def paired(cells, widths, seeds, points, a, b):
    """a minus b by seed, where both were run with that seed."""
    head = ["round", "seeds", "%s − %s by seed (points)" % (NAMES[a], NAMES[b]), "mean difference (rows of %d)" % 10000,
            "SE of the mean", "95% interval", "distinguishable from 0"]
    print("| " + " | ".join(head) + " |")
    print("|---" * len(head) + "|")
    for rnd in sorted(widths):
        both = [s for s in seeds if (rnd, a, s) in cells and (rnd, b, s) in cells]
        if not both:
            continue
        d = [points(cells[(rnd, a, s)] - cells[(rnd, b, s)]) for s in both]
        mean, sd = spread(d)
        by_seed = ", ".join("%d: %+.2f" % (s, v) for s, v in zip(both, d))
        if sd is None:
            row = [str(rnd), str(len(both)), by_seed, "%+.2f (%+.0f)" % (mean, mean * 100), "", "", "one seed"]
        else:
            se = sd / math.sqrt(len(d))
            half = T95[len(d) - 1] * se
            row = [str(rnd), str(len(both)), by_seed, "%+.2f (%+.1f)" % (mean, mean * 100), "%.2f" % se,
                   "%+.3f to %+.3f" % (mean - half, mean + half), "yes" if abs(mean) > half else "no"]
        print("| " + " | ".join(row) + " |")


def merge(out, paths):
    seen, records = set(), []
    for r, line in lines(paths):
        key = (r["variant"], r["round"], r.get("seed"))
        if key in seen or (r["variant"] != "original" and r["variant"] not in WHO) or r["variant"] == "ours-tf":
            continue
        seen.add(key)
        records.append((r["variant"] != "original", r["round"], r["variant"], r.get("seed") or 0, line.strip()))
    with open(out, "w") as f:
        f.write("".join(t[-1] + "\n" for t in sorted(records)))
    print("%d records written to %s" % (len(records), out))


if __name__ == "__main__":
    if sys.argv[1] == "--merge":
        merge(sys.argv[2], sys.argv[3:])
    else:
        main(sys.argv[1:])
