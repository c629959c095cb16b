"""vit_control.py's caches as greedy_table.py and seeds_table.py read them: JSON lines, an "original" record (the test
rows and which of them the original gets wrong) followed by one record a pruned variant, round and seed.
"""
import json
from collections import namedtuple

# The control's round 8 (1h-20-1h-20-1h-20) is the chain's round 9 since the half step; its rounds 5-7 are the same.
RENAMED = {"1h-20-1h-20-1h-20": 9}

# A pruned record with its round (renamed as above) and the last original record before it: its test rows and how many
# of them it got wrong.
Pruned = namedtuple("Pruned", "record round test_rows original_wrong")


def lines(paths):
    """Every record of the files, in order, with its line as written."""
    for path in paths:
        with open(path) as f:
            for line in f:
                yield json.loads(line), line


def pruned(paths):
    """Every pruned record of the files, in order (the original records are read for the ones after them)."""
    test_rows, original_wrong = None, None
    for r, _ in lines(paths):
        if r["variant"] == "original":
            test_rows, original_wrong = r["test_rows"], len(r["wrong"])
            continue
        yield Pruned(r, RENAMED.get(r["widths"], r["round"]), test_rows, original_wrong)


def gained(p):
    """The rows the pruned record gets right minus the original's (negative: it lost rows)."""
    return p.original_wrong - len(p.record["wrong"])
