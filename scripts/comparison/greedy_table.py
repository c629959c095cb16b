#!/usr/bin/python3
"""COMPARISON.md's greedy table (issue 58): the sweep's choice (cost), the greedy choice (greedy-cost) and Torch-Pruning's
Taylor choice at the sweep's widths, from the same start, refitted by our pipeline (no retraining, no seed) and
retrained by it with seeds 0 and 1; points against the original over all the test rows of the caches (vit_control.py's
records; both halves of split 20, nothing chosen on them).

  python3 scripts/comparison/greedy_table.py docs/research/comparison-vit-greedy.jsonl docs/research/comparison-vit-control.jsonl \\
      docs/research/comparison-vit-control-seed1.jsonl

The control's caches hold the earlier runs of the same chain (rounds 5-7 as today; its round 8 is today's 9): a record
of a later file does not replace one of an earlier file. Which column a record fills: ours refitted (ours-refit, or a
given/torch record's before_retraining for ours), retrained seed S (ours-tf is ours with seed 0; ours-given-tf with
another seed); greedy-refit / greedy-given-tf; tp-taylor-refit / tp-taylor-tf.
"""
import sys

from vit_caches import gained, pruned


def main(paths):
    cells, widths = {}, {}
    for p in pruned(paths):
        r, rnd, n = p.record, p.round, p.test_rows
        widths[rnd] = r["widths"]
        seed = r.get("seed") or 0
        v = r["variant"]
        who = "ours" if v.startswith("ours") else "greedy" if v.startswith("greedy") else "tp" \
            if v.startswith("tp-taylor") and (v.endswith("-tf") or v.endswith("-refit")) else None
        if who is None or v == "ours-torch" or v == "ours-norefit":
            continue
        key = (rnd, who, "refit" if v.endswith("-refit") else seed)
        cells.setdefault(key, gained(p) * 100 / n)
        if "before_retraining" in r and r["before_retraining"] is not None and v.endswith("-tf"):
            cells.setdefault((rnd, who, "refit"), (r["before_retraining"] - (1 - p.original_wrong / n)) * 100)
    cols = [("refit", "refitted"), (0, "seed 0"), (1, "seed 1")]
    head = ["round", "widths"] + ["%s %s" % (w, c) for _, c in cols for w in ("ours", "greedy", "TP-Taylor")] \
        + ["mean of seeds: ours / greedy / TP"]
    print("| " + " | ".join(head) + " |")
    print("|---" * len(head) + "|")
    for rnd in sorted(widths):
        row = [str(rnd), widths[rnd]]
        for c, _ in cols:
            for who in ("ours", "greedy", "tp"):
                v = cells.get((rnd, who, c))
                row.append("" if v is None else "%+.2f" % v)
        means = []
        for who in ("ours", "greedy", "tp"):
            vs = [cells[(rnd, who, s)] for s in (0, 1) if (rnd, who, s) in cells]
            means.append("%+.2f (%d)" % (sum(vs) / len(vs), len(vs)) if vs else "")
        row.append(" / ".join(means))
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
