"""The thread counts of the PyTorch sides of `bench retrain` (bench_retrain_torch.py, bench_retrain_graph_torch.py).

Imported before numpy and torch, it sets OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS to the command
line's --threads: the BLAS and OpenMP pools size themselves when those are imported (Debian's torch calls OpenBLAS,
whose pool torch.set_num_threads does not size). command_line() then reads the problem's folder and --threads and
sizes torch's own pools.
"""
import argparse
import os
import sys


def _threads_from_argv():
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return "1"


for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _threads_from_argv()


def command_line():
    """The arguments (the problem's folder, --threads), with torch's intra-op pool at --threads and its inter-op
    pool at 1."""
    import torch
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set once work has run in this process
        pass
    return args
