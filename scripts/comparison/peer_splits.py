#!/usr/bin/python3
"""The peers (independent ODF2NNA: MF = mean folding, LS = least-squares refit; Torch-Pruning L1 / Taylor /
Hessian), each pruned to the same list of widths and briefly retrained, judged the way a user would choose on
MANY random half-splits of each reference model's test file instead of the one seeded split of
<shared>/peers/HALVES.md.

Setup and run (Debian's interpreter: pyenv's python3 has no torch; 2 torch threads, set by odf2nna_ref.py):

    apt-get update && apt-get install -y python3-torch python3-onnx python3-numpy
    PYTHONPATH=../shared/peers/torch_pruning_e80127d TP_COMMIT=e80127d7c6935c319a7dd6719b8a72e3c1fcbff9 \\
      nice -n 10 /usr/bin/python3 scripts/comparison/peer_splits.py --seeds 0-39 --out docs/research/peer-splits.json

    options: --models NAME ... (default: the seven reference models), --seeds 0-19 or 0,3,5-9,
    --shared DIR (default ../shared beside the repository), --cache DIR (default $TMPDIR/peer-splits-cache, /tmp without TMPDIR)

About 20 minutes on a quiet 2-core host the first time (LeNet-300-100 alone about 9; 61 minutes, 31 of them CPU,
under a load average of 12-18 from other builds); then the per-row predictions are cached (one .json + .npz per
model, recomputed when a peer script, model, data file or TP_COMMIT changes) and any number of seeds is evaluated
in seconds.

What it measures:
1. Per model, <shared>/peers/odf2nna_ref.py (imported unchanged, with the settings odf2nna_halves.py uses: the
   full eps grid, LeNet at grid positions 0,1,4,5,6,7,9,12) runs every method x width ONCE. The networks do not
   depend on any split of the test file (they are pruned and retrained on the training split only). Its
   Task.test_metric is wrapped: the network handed to it is a recorder that keeps the outputs it computes, so the
   whole-test-file metric is the unchanged original (checked against RESULTS.json) and the per-row values
   (classification: predicted class, right or not; regression: squared error in target units) come with it.
   The original model's per-row values are taken as odf2nna_halves.judge_original judges the original: onnx_np
   (float64) on the ONNX file, over the test file as onnx_np.load_csv reads it.
2. Per seed s, the test file's N data rows (header excluded, blank lines skipped) are split with Python's
   random module: order = list(range(N)); random.Random(s).shuffle(order); cut = N // 2;
   validation = sorted(order[:cut]); test = sorted(order[cut:]). The row order of every prediction array is
   checked to be the file's row order.
3. Per seed and method, the honest choice as halves_table.py defines it: the largest reduction (1 - params /
   original params, dense weights and biases) whose validation-half PR (metric after retraining) is within
   tolerance of the original's validation-half metric (point estimate; accuracy >= original - 0.01 (+1e-12),
   MSE <= 1.10 x original); ties: the better validation metric. No width passes: reduction 0, "nothing" (the user
   keeps the original), holds = null. Otherwise holds = the test-half PR within tolerance of the original's
   test-half metric. "best" = method and width chosen together the same way (largest reduction; ties: better
   validation metric, then method order MF, LS, TP-L1, TP-Taylor, TP-Hessian), as column b of HALVES.md.
4. Per method: written = seeds with a choice, median reduction over all seeds (0 where nothing was written),
   break rate = broken / written.
"""
import argparse
import csv
import gzip
import hashlib
import json
import os
import random
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
METHODS = [('MF', 'meanfold_pr'), ('LS', 'lsq_pr'), ('TP-L1', 'tp_l1_after'), ('TP-Taylor', 'tp_taylor_after'),
           ('TP-Hessian', 'tp_hessian_after')]
PWR = {'MF': 'meanfold_pwr', 'LS': 'lsq_pwr', 'TP-L1': 'tp_l1_before', 'TP-Taylor': 'tp_taylor_before',
       'TP-Hessian': 'tp_hessian_before'}
CACHE_VERSION = 1


def parse_seeds(text):
    out = []
    for part in text.split(','):
        part = part.strip()
        if '-' in part:
            a, b = part.split('-')
            out += range(int(a), int(b) + 1)
        elif part:
            out.append(int(part))
    return sorted(set(out))


def sha1_file(path):
    h = hashlib.sha1()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def read_test_rows(path):
    """The test file's data rows in file order (header excluded, blank lines skipped), as float64."""
    op = gzip.open if path.endswith('.gz') else open
    with op(path, 'rt', newline='') as f:
        r = csv.reader(f)
        next(r)
        return np.array([[float(v) for v in row] for row in r if row and any(c.strip() for c in row)],
                        dtype=np.float64)


def split_python(n, seed):
    order = list(range(n))
    random.Random(seed).shuffle(order)
    cut = n // 2
    return np.array(sorted(order[:cut]), dtype=np.int64), np.array(sorted(order[cut:]), dtype=np.int64)


def split_numpy(n, seed):  # HALVES.md's split (bench/check_choice.py): for the seed-11 check only
    idx = np.random.RandomState(seed).permutation(n)
    half = n // 2
    return np.sort(idx[:half]), np.sort(idx[half:])


# ------------------------------------------------------------------------------------- the peers, once per model
class PerRow(float):
    """The whole-test-file metric odf2nna_ref.Task.test_metric returns, with the per-row values attached."""
    def __new__(cls, whole, rows):
        o = float.__new__(cls, whole)
        o.rows = rows
        return o


class Recorder:
    """Stands in for the network inside Task.test_metric: same calls, the outputs kept."""
    def __init__(self, net):
        self.net, self.outs = net, []

    def eval(self):
        self.net.eval()
        return self

    def __call__(self, x):
        o = self.net(x)
        self.outs.append(o)
        return o


def install_recorder(R, torch):
    orig_metric = R.Task.test_metric

    def test_metric_per_row(self, net):
        rec = Recorder(net)
        whole = orig_metric(self, rec)  # the unchanged metric
        with torch.no_grad():
            out = torch.cat(rec.outs)
            if self.cls:
                pred = out.argmax(1)
                hit = (pred == self.yte_raw).double()
                assert float(hit.mean()) == whole
                rows = dict(pred=pred.numpy().astype(np.int64), correct=hit.numpy().astype(bool))
            else:
                p = out.double() * self.out_s + self.out_m
                se = (p - self.yte_raw) ** 2
                assert float(se.mean()) == whole
                rows = dict(pred=p[:, 0].numpy().copy(), se=se[:, 0].numpy().copy())
        return PerRow(whole, rows)

    R.Task.test_metric = test_metric_per_row


def fingerprint(R, name, peers_dir):
    sc = json.load(open(os.path.join(R.SHARED, 'models', name + '.json')))
    _, _, _, _, (tr, te) = R.load_data(sc)
    parts = [os.path.join(peers_dir, 'odf2nna_ref.py'), os.path.join(peers_dir, 'odf2nna_halves.py'),
             os.path.join(peers_dir, 'onnx_np.py'), os.path.join(R.SHARED, 'models', name + '.onnx'),
             os.path.join(R.SHARED, 'models', name + '.json'), tr, te]
    return dict(cache_version=CACHE_VERSION, files={os.path.relpath(p, R.SHARED): sha1_file(p) for p in parts},
                tp_commit=os.environ.get('TP_COMMIT', '?'), torch_pruning=R.TP_VERSION), te


def compute_model(R, H, onnx, onnx_np, name, te_path):
    """Run the peers once and return (meta, arrays): per-row values of every method x width and of the original."""
    a = argparse.Namespace(eps_idx=H.MNIST_EPS_IDX if 'mnist' in name else '', mnist_eps=12)  # as odf2nna_halves.run_one
    t0 = time.time()
    res = R.run_model(name, a, None)
    wall = time.time() - t0
    cls = res['task'] == 'accuracy'
    key = 'correct' if cls else 'se'
    arrays = {}
    # the original, as judge_original: onnx_np on the ONNX file, float64, the test file as onnx_np.load_csv reads it
    _, Xt, yt = onnx_np.load_csv(te_path)
    m = onnx.load(os.path.join(R.SHARED, 'models', name + '.onnx'))
    out = onnx_np.run(m, Xt, m.graph.output[0].name)
    task = 'classification' if cls else 'regression'
    if cls:
        assert out.ndim == 2 and out.shape[1] > 1  # onnx_np.metric's argmax branch, which is per row
        per = np.array([onnx_np.metric(task, out[i:i + 1], yt[i:i + 1]) for i in range(len(yt))])
        arrays['orig_pred'] = out.argmax(axis=1).astype(np.int64)
        arrays['orig_correct'] = per.astype(bool)
        assert abs(float(np.mean(per)) - onnx_np.metric(task, out, yt)) < 1e-12
    else:
        per = np.array([onnx_np.metric(task, out[i:i + 1], yt[i:i + 1]) for i in range(len(yt))])
        arrays['orig_pred'] = out.reshape(-1).astype(np.float64)
        arrays['orig_se'] = per
        assert abs(float(np.mean(per)) - onnx_np.metric(task, out, yt)) <= 1e-9 * onnx_np.metric(task, out, yt)
    arrays['labels'] = yt
    # the rows the torch Task predicted on: the same file, the same order
    task_rows = R.read_csv(te_path)[1]
    assert task_rows.shape[0] == len(yt) and np.array_equal(task_rows[:, -1], yt) and np.array_equal(task_rows[:, :-1], Xt)
    arrays['torch_orig_' + key] = res['original_metric'].rows[key]
    arrays['unpruned_retrained_' + key] = res['unpruned_retrained_metric'].rows[key]
    rows = []
    for i, r in enumerate(res['rows']):
        rows.append(dict(eps=r['eps'], widths=r['widths'], params=r['params'], reduction=1.0 - r['params'] / res['params'],
                         same_as_previous_eps=bool(r.get('same_as_previous_eps')),
                         whole={m: float(r[k]) for m, k in METHODS}, whole_pwr={m: float(r[PWR[m]]) for m, _ in METHODS}))
        if r.get('same_as_previous_eps'):
            continue
        for m, k in METHODS:
            arrays['r%d_%s_pr_%s' % (i, m, key)] = r[k].rows[key]
            arrays['r%d_%s_pr_pred' % (i, m)] = r[k].rows['pred']
            arrays['r%d_%s_pwr_%s' % (i, m, key)] = r[PWR[m]].rows[key]
    meta = dict(model=name, task=res['task'], params=res['params'], widths=res['widths'], peers=res['peers'],
                retrain_epochs=res['retrain_epochs'], n=len(yt), wall_s=wall, rows=rows,
                original_torch_whole=float(res['original_metric']),
                unpruned_retrained_whole=float(res['unpruned_retrained_metric']))
    return meta, arrays


def check_vs_results(meta, peers_dir):
    """Whole-test-file metrics of this run against RESULTS.json (the same seeded runs): max difference."""
    prev = json.load(open(os.path.join(peers_dir, 'RESULTS.json')))
    ref = {round(x['eps'], 12): x for r in prev['results'] if r['model'] == meta['model'] for x in r['rows']}
    cls = meta['task'] == 'accuracy'
    d, n = 0.0, 0
    for r in meta['rows']:
        x = ref.get(round(r['eps'], 12))
        if x is None:
            continue
        n += 1
        for m, k in METHODS:
            for got, want in ((r['whole'][m], x[k]), (r['whole_pwr'][m], x[PWR[m]])):
                d = max(d, abs(got - want) / (1.0 if cls else abs(want)))
    return dict(rows_compared=n, max_diff=d, unit='accuracy fraction' if cls else 'relative MSE')


def load_or_compute(name, args, mods):
    R, H, onnx, onnx_np = mods
    fp, te = fingerprint(R, name, args.peers)
    base = os.path.join(args.cache, name)
    if os.path.exists(base + '.json') and os.path.exists(base + '.npz'):
        meta = json.load(open(base + '.json'))
        if meta.get('fingerprint') == fp:
            with np.load(base + '.npz') as z:
                return meta, {k: z[k] for k in z.files}, te
        print('%s: cache is stale, recomputing' % name, flush=True)
    meta, arrays = compute_model(R, H, onnx, onnx_np, name, te)
    meta['fingerprint'] = fp
    meta['check_vs_RESULTS_json'] = check_vs_results(meta, args.peers)
    os.makedirs(args.cache, exist_ok=True)
    np.savez_compressed(base + '.npz', **arrays)
    json.dump(meta, open(base + '.json', 'w'), indent=1)
    print('%s: peers run in %.0f s, cached in %s; whole-test-file vs RESULTS.json: %s'
          % (name, meta['wall_s'], base, meta['check_vs_RESULTS_json']), flush=True)
    return meta, arrays, te


# ------------------------------------------------------------------------------------- choices on the splits
def within(cls, orig, got):  # halves_table.within: the halves protocol
    return got >= orig - 0.01 + 1e-12 if cls else got <= orig * 1.10


def within_inclusive(cls, orig, got):  # halves_table.within_inclusive, only to count boundary cases
    return got >= orig - 0.01 - 1e-12 if cls else got <= orig * 1.10


def evaluate(meta, arrays, te_path, seeds, splitter):
    cls = meta['task'] == 'accuracy'
    key = 'correct' if cls else 'se'
    file_rows = read_test_rows(te_path)
    n = len(file_rows)
    assert n == meta['n'] and np.array_equal(file_rows[:, -1], arrays['labels']), 'row order differs from the file'
    orig = arrays['orig_' + key].astype(np.float64)
    names = [m for m, _ in METHODS]
    cands = []  # (method index, row, per-row PR)
    for i, r in enumerate(meta['rows']):
        if r['same_as_previous_eps']:
            continue
        for mi, m in enumerate(names):
            cands.append((mi, r, arrays['r%d_%s_pr_%s' % (i, m, key)].astype(np.float64)))
    M = np.stack([c[2] for c in cands])
    red = np.array([c[1]['reduction'] for c in cands])
    sign = 1.0 if cls else -1.0
    per_seed, boundary = [], 0

    def cell(c, vv, tv, ok_t):
        r = c[1]
        return dict(reduction=r['reduction'], width='-'.join(map(str, r['widths'][1:-1])),
                    architecture='-'.join(map(str, r['widths'])), params=r['params'], eps=r['eps'],
                    val=float(vv), test=float(tv), holds=bool(ok_t))

    for s in seeds:
        vi, ti = splitter(n, s)
        ov, ot = float(orig[vi].mean()), float(orig[ti].mean())
        val, tst = M[:, vi].mean(1), M[:, ti].mean(1)
        ok_v = np.array([within(cls, ov, v) for v in val])
        ok_t = np.array([within(cls, ot, v) for v in tst])
        boundary += sum(within(cls, ov, v) != within_inclusive(cls, ov, v) for v in val)
        boundary += sum(within(cls, ot, v) != within_inclusive(cls, ot, v) for v in tst)
        entry = dict(seed=int(s), original=dict(val=ov, test=ot))
        best = None
        for mi, m in enumerate(names):
            js = [j for j in range(len(cands)) if cands[j][0] == mi and ok_v[j]]
            if not js:
                entry[m] = dict(reduction=0.0, width=None, architecture=None, holds=None)
                continue
            j = max(js, key=lambda j: (red[j], sign * val[j]))
            entry[m] = cell(cands[j], val[j], tst[j], ok_t[j])
        js = [j for j in range(len(cands)) if ok_v[j]]
        if js:
            best = max(js, key=lambda j: (red[j], sign * val[j], -cands[j][0]))
            entry['best'] = dict(method=names[cands[best][0]], **cell(cands[best], val[best], tst[best], ok_t[best]))
        else:
            entry['best'] = dict(method=None, reduction=0.0, width=None, architecture=None, holds=None)
        per_seed.append(entry)

    summary = {}
    for m in names + ['best']:
        cs = [e[m] for e in per_seed]
        written = [c for c in cs if c['holds'] is not None]
        broken = sum(1 for c in written if not c['holds'])
        summary[m] = dict(written=len(written), broken=broken,
                          median_reduction=float(np.median([c['reduction'] for c in cs])) if cs else None,
                          break_rate=broken / len(written) if written else None)
    summary['best']['methods_chosen'] = {k: sum(1 for e in per_seed if e['best']['method'] == k)
                                         for k in names if any(e['best']['method'] == k for e in per_seed)}
    return dict(n=n, n_val=n // 2, n_test=n - n // 2, per_seed=per_seed, summary=summary,
                tolerance_boundary_cases=int(boundary))


def main():
    ap = argparse.ArgumentParser(description='Peers (ODF2NNA MF/LS, Torch-Pruning L1/Taylor/Hessian): the honest '
                                             'validation-half choice and whether it holds, over many random half-splits.')
    ap.add_argument('--seeds', default='0-39', help='e.g. 0-39 or 0,3,5-9 (comparison.py reports on 20-39)')
    ap.add_argument('--models', nargs='*', default=None)
    ap.add_argument('--shared', default=os.path.join(REPO, '..', 'shared'))
    ap.add_argument('--out', default=os.path.join(REPO, 'docs', 'research', 'peer-splits.json'))
    ap.add_argument('--cache', default=os.path.join(tempfile.gettempdir(), 'peer-splits-cache'))
    ap.add_argument('--numpy-split', action='store_true', help=argparse.SUPPRESS)  # HALVES.md's split, seed-11 check
    args = ap.parse_args()
    args.shared = os.path.abspath(args.shared)
    args.peers = os.path.join(args.shared, 'peers')
    sys.path.insert(0, args.peers)
    import onnx
    import torch
    import odf2nna_ref as R
    import odf2nna_halves as H  # its MNIST eps selection; it wraps Task.test_metric, replaced just below
    import onnx_np
    assert os.path.abspath(R.SHARED) == args.shared, (R.SHARED, args.shared)
    if not R.HAVE_TP:
        sys.exit('Torch-Pruning is not importable (%s): set PYTHONPATH to %s/torch_pruning_e80127d'
                 % (R.TP_VERSION, args.peers))
    install_recorder(R, torch)
    seeds = parse_seeds(args.seeds)
    models = args.models or R.DEFAULT_MODELS
    splitter = split_numpy if args.numpy_split else split_python
    t0 = time.time()
    out = dict(meta=dict(
        cmd='PYTHONPATH=<shared>/peers/torch_pruning_e80127d TP_COMMIT=%s nice -n 10 /usr/bin/python3 scripts/comparison/peer_splits.py %s'
            % (os.environ.get('TP_COMMIT', '?'), ' '.join(a for a in sys.argv[1:])),
        split=('idx = np.random.RandomState(seed).permutation(N); half = N // 2; validation = idx[:half], test = idx[half:]'
               if args.numpy_split else
               'order = list(range(N)); random.Random(seed).shuffle(order); cut = N // 2; validation = sorted(order[:cut]); '
               'test = sorted(order[cut:])  (Python random; N = data rows of the test file)'),
        choice='per method: the largest reduction whose validation-half PR is within tolerance of the original\'s '
               'validation-half metric (ties: better validation metric); none: reduction 0, holds null. holds: test-half '
               'PR within tolerance of the original\'s test-half metric. best: method and width chosen together '
               '(ties: better validation metric, then method order). As halves_table.py (columns a and b of HALVES.md).',
        tolerance='accuracy >= original - 0.01 (+1e-12), MSE <= 1.10 x original; the original judged by onnx_np on the '
                  'ONNX file (float64), as odf2nna_halves.judge_original',
        reduction='1 - params / original params, dense weights and biases (as RESULTS.json / HALVES.md)',
        summary='written = seeds with a choice; median_reduction = numpy median over all seeds (0 where nothing was '
                'written; the mean of the middle two for an even count); '
                'break_rate = broken / written',
        python=sys.version.split()[0], torch=torch.__version__, torch_pruning=R.TP_VERSION,
        tp_commit=os.environ.get('TP_COMMIT', '?'), threads=torch.get_num_threads(), lenet_eps_idx=H.MNIST_EPS_IDX,
        seeds=seeds,
        check_note='check_vs_RESULTS_json: the whole-test-file metrics of these runs vs <shared>/peers/RESULTS.json (the '
                   'same seeded runs). A non-zero difference comes from the host: float32 results differ in the last '
                   'bits between CPUs/BLAS kernels and the retraining amplifies it (the unchanged odf2nna_halves.py gives '
                   'the same values as this script on the same host).',
        host=dict(cpu=next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), '?'),
                  cores=os.cpu_count(), loadavg_start=open('/proc/loadavg').read().split()[:3])), models={})
    for name in models:
        meta, arrays, te = load_or_compute(name, args, (R, H, onnx, onnx_np))
        ev = evaluate(meta, arrays, te, seeds, splitter)
        out['models'][name] = dict(
            task=meta['task'], params=meta['params'], widths=meta['widths'],
            test_file=os.path.relpath(te, args.shared), n=ev['n'], n_val=ev['n_val'], n_test=ev['n_test'],
            retrain_epochs=meta['retrain_epochs'], peers_run_wall_s=meta['wall_s'],
            check_vs_RESULTS_json=meta['check_vs_RESULTS_json'],
            candidates=[dict(eps=r['eps'], width='-'.join(map(str, r['widths'][1:-1])), params=r['params'],
                             reduction=r['reduction']) for r in meta['rows'] if not r['same_as_previous_eps']],
            seeds=seeds, summary=ev['summary'], tolerance_boundary_cases=ev['tolerance_boundary_cases'],
            per_seed=ev['per_seed'])
        s = ev['summary']
        print('%-36s %s' % (name, '  '.join('%s %d/%.1f%%/%s' % (m, v['written'], 100 * v['median_reduction'],
                                                                 '-' if v['break_rate'] is None else '%.2f' % v['break_rate'])
                                            for m, v in s.items())), flush=True)
    out['meta']['wall_s_this_invocation'] = time.time() - t0
    out['meta']['peers_run_wall_s_sum'] = sum(m['peers_run_wall_s'] for m in out['models'].values())
    out['meta']['host']['loadavg_end'] = open('/proc/loadavg').read().split()[:3]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    json.dump(out, open(args.out, 'w'), indent=1)
    print('wrote %s (%.0f s)' % (args.out, out['meta']['wall_s_this_invocation']))


if __name__ == '__main__':
    main()
