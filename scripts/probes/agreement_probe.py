#!/usr/bin/env python3
"""How closely can a network with 95% fewer parameters than LeNet-300-100 agree with it?

    /usr/bin/python3 scripts/probes/agreement_probe.py [INPUTS,H1,H2,EPOCHS ...] [--shared DIR]

Each argument names a student INPUTS-H1-H2-10 (the INPUTS columns of highest variance on the training rows, a
stand-in for the inputs a pruning chain keeps), trained from random weights by distillation alone (the original's
probabilities at temperature 2) on the 60,000 MNIST training rows for EPOCHS epochs, and prints its test accuracy and
how many of the 10,000 test rows' predicted classes differ from the original's, every 10 epochs. Nothing is chosen
with the test rows: this measures what the label-free certificate needs (docs/research/COMPARISON.md, "Reading it"): on 5,000
unlabelled validation rows it can certify 1 point only for a network that changes at most 38 of them (0.76%),
and fewer at a round's part of the 5%. Needs Debian's python3-torch and python3-onnx.
"""
import gzip
import sys
import time

import numpy as np
import onnx
import torch
from onnx import numpy_helper

torch.manual_seed(0)
np.random.seed(0)
torch.set_num_threads(2)


def load(path):
    a = np.loadtxt(gzip.open(path, 'rt'), delimiter=',', skiprows=1, dtype=np.float32)
    return a[:, :-1], a[:, -1].astype(np.int64)


args = sys.argv[1:]
shared = '../shared'
if '--shared' in args:
    k = args.index('--shared')
    shared = args[k + 1]
    del args[k:k + 2]
xtr, ytr = load(shared + '/data/mnist-train.csv.gz')
xte, yte = load(shared + '/data/mnist-test.csv.gz')
m = onnx.load(shared + '/models/mnist_lenet300-100_relu.onnx')
# Each Gemm weight is stored (outputs, inputs), as torch's Linear keeps it; the teacher's printed accuracy checks it.
W = [numpy_helper.to_array(i) for i in m.graph.initializer]


def mlp(inputs, h1, h2):
    return torch.nn.Sequential(torch.nn.Linear(inputs, h1), torch.nn.ReLU(), torch.nn.Linear(h1, h2),
                               torch.nn.ReLU(), torch.nn.Linear(h2, 10))


teacher = mlp(784, 300, 100)
with torch.no_grad():
    for k, i in enumerate([0, 2, 4]):
        teacher[i].weight.copy_(torch.tensor(W[2 * k]))
        teacher[i].bias.copy_(torch.tensor(W[2 * k + 1]))
Xtr = torch.tensor(xtr)
Xte = torch.tensor(xte)
with torch.no_grad():
    ttr = teacher(Xtr)
    tte = teacher(Xte)
pte = tte.argmax(1).numpy()
print('teacher test acc', (pte == yte).mean())
mu = Xtr.mean(0)
sd = Xtr.std(0) + 1e-3


def run(h1, h2, inputs, epochs, T=2.0):
    # The `inputs` columns of highest variance: a stand-in for the inputs a pruning chain keeps.
    keep = torch.argsort(Xtr.var(0), descending=True)[:inputs]
    s = mlp(inputs, h1, h2)
    params = sum(p.numel() for p in s.parameters())
    opt = torch.optim.Adam(s.parameters(), lr=2e-3)
    A = ((Xtr - mu) / sd)[:, keep]
    B = ((Xte - mu) / sd)[:, keep]
    soft = torch.softmax(ttr / T, 1)
    n = A.shape[0]
    t0 = time.time()
    for ep in range(epochs):
        perm = torch.randperm(n)
        for b in range(0, n, 128):
            idx = perm[b:b + 128]
            out = s(A[idx])
            loss = torch.nn.functional.kl_div(torch.log_softmax(out / T, 1), soft[idx],
                                              reduction='batchmean') * T * T
            opt.zero_grad()
            loss.backward()
            opt.step()
        for g in opt.param_groups:
            g['lr'] *= 0.93
        if ep % 10 == 9 or ep == epochs - 1:
            with torch.no_grad():
                p = s(B).argmax(1).numpy()
            changed = (p != pte).sum()
            print('%d-%d-%d-10 params %d (%.1f%% fewer) epoch %d: test acc %.4f, '
                  'changed vs teacher %d of 10000 (%.2f%%)  %.0fs'
                  % (inputs, h1, h2, params, 100 * (1 - params / 266610), ep + 1, (p == yte).mean(), changed,
                     changed / 100, time.time() - t0), flush=True)


for spec in args or ['784,16,16,40', '300,38,24,40', '200,56,20,40']:
    i, h1, h2, e = map(int, spec.split(','))
    run(h1, h2, i, e)
