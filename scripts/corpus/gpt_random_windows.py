#!/usr/bin/env python3
"""More validation windows for the byte GPT of train_byte_gpt.py, from the same validation text.

train_byte_gpt.py cuts its text into 64 KiB chunks, every 20th but one the validation text, and writes every
non-overlapping 128-byte window of it: 1,536 windows, fewer than the 4,339 that the sweep's bound needs to certify a
5% rise in perplexity. This draws N windows independently, each at a uniform random start inside one validation
chunk (the chunk chosen with weight its number of starts), so the windows are independent draws from "a random window
of the validation text": the population the sweep's promise then speaks of. No window touches the training or the test
text.

Usage: /usr/bin/python3 scripts/corpus/gpt_random_windows.py TEXT OUT.npz [--windows 6000] [--seed 1]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_byte_gpt import CONTEXT, split  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("text")
    p.add_argument("out")
    p.add_argument("--windows", type=int, default=6000)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    data = np.frombuffer(open(a.text, "rb").read(), dtype=np.uint8).astype(np.int64)
    chunks = [c for c in split(data)["validation"] if len(c) >= CONTEXT]
    starts = np.array([len(c) - CONTEXT + 1 for c in chunks], dtype=np.float64)
    rng = np.random.default_rng(a.seed)
    which = rng.choice(len(chunks), size=a.windows, p=starts / starts.sum())
    ids = np.stack([chunks[k][s:s + CONTEXT] for k, s in
                    ((k, rng.integers(0, len(chunks[k]) - CONTEXT + 1)) for k in which)])
    np.savez(a.out, input_ids=ids.astype(np.int64))
    print(f"{a.out}: {len(ids)} windows of {CONTEXT} from {len(chunks)} validation chunks")


if __name__ == "__main__":
    main()
