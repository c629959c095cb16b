#!/usr/bin/python3
"""A mixed choice for GivenRounds.java (issue 58, COMPARISON.md's "Heads or units at round 7"): the head lines of one
choice file and the unit lines of another, in the first file's block order. A choice file has one line a block, its
node name then the units it keeps; a head block is one whose node is an attention's Q projection (attentionK/q_matmul,
as GivenRounds --blocks names them), every other line is an FFN's units.

  python3 scripts/comparison/mix_choice.py HEADS.txt UNITS.txt OUT.txt

e.g. ours' heads with Torch-Pruning's units: mix_choice.py G/ours-7-seed2.txt G/tp-7-seed2.txt G/oursheads-7-seed2.txt
"""
import sys


def read(path):
    with open(path) as f:
        return [line.split() for line in f if line.strip()]


def is_head(fields):
    return fields[0].endswith("/q_matmul")


def mix(heads_path, units_path):
    """The lines of heads_path's head blocks and units_path's other blocks, in heads_path's order."""
    heads, units = read(heads_path), {f[0]: f for f in read(units_path)}
    names = [f[0] for f in heads]
    if sorted(names) != sorted(units):
        sys.exit("%s and %s name other blocks: %s against %s" % (heads_path, units_path, names, sorted(units)))
    return [f if is_head(f) else units[f[0]] for f in heads]


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    lines = mix(sys.argv[1], sys.argv[2])
    with open(sys.argv[3], "w") as out:
        out.write("".join(" ".join(f) + "\n" for f in lines))
