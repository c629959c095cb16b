#!/usr/bin/env python3
"""Torch-Pruning's YOLOv8 pruning example (VainF/Torch-Pruning, examples/yolov8/yolov8_pruning.py), run on a
trained YOLOv8 with a stated schedule, for the side-by-side on docs/tasks/detector.md. Role: research.

The method is the example's, kept as written: C2f blocks rewritten as C2f_v2 (the split made two convs so that each
half can lose channels), the whole Detect module in ignored_layers, each step a fresh tp.pruner.GroupNormPruner with
GroupMagnitudeImportance (L2 norm of each dependency group), one-shot to the step's channel ratio
1 - (1 - target)^(1/steps), then Ultralytics fine-tuning (model.train on the data.yaml, the trainer's default
hyper-parameters) with the trainer kept from saving in half precision; it stops early when mAP50-95 on the data.yaml's
val split has fallen more than --max-map-drop, and exports ONNX.

Changed from the example, only to run on ultralytics 8.1.33 (the example imports the pre-8.1 module layout) and to
be parametrised: imports from ultralytics.engine / ultralytics.utils; the trainer class comes from model.task_map
instead of TASK_MAP; the loss object pickled in a checkpoint trained on a GPU is dropped before fine-tuning
(its tensors sit on CUDA, and the trainer reuses it); data, epochs per step, image size, batch, workers and the run folder are arguments (the example
hard-codes coco128 and 10 epochs); no matplotlib graph (the figures go to --json instead); the export is ONNX at
--imgsz with opset 12 (as the original export); the final model is the last step's best.pt. The regularisation of
GroupNormPruner is not used in the example either (its lines are commented out), so this is plain L2 magnitude pruning.

Usage (CPU, one core):
  PYTHONPATH=../shared/peers/torch_pruning_e80127d nice -n 10 taskset -c 1 python scripts/comparison/torch_pruning_yolov8.py \
      --model best.pt --data shapes/data.yaml --imgsz 160 --batch 16 --target-prune-rate 0.25 \
      --iterative-steps 4 --epochs-per-step 4 --project runs/torch-pruning-yolov8 --json out.json
  (docs/tasks/detector.md's rows: 4 x 4 and 4 x 10 epochs; a 25% channel target removes about 37-39% of the
  parameters of the shapes YOLOv8n, as --probe 0.25 shows, like the sweep's 37.3%.)
  --probe 0.1,0.2,0.3 prunes at those channel ratios (one shot) and prints parameters, without training.
Then the side-by-side of ONNX files (the first is the baseline): Ultralytics val of each on the test data.yaml
(imgsz --imgsz, batch 1), parameters (initializer elements), Conv multiply-adds per image, and ONNX Runtime latency at
batch 1 timed interleaved in one process by scripts/bench/ort_side_by_side.py's timed() (one intra-op thread,
median of --repeats after 20 warm-up runs, fed the test images in turn):
  nice -n 10 taskset -c 1 python scripts/comparison/torch_pruning_yolov8.py --evaluate ORIGINAL.onnx OURS.onnx TP.onnx \
      --test-data shapes-test500/data.yaml --imgsz 160 --json eval.json
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse, json, math, resource, time
from copy import deepcopy
from datetime import datetime
from pathlib import Path
from typing import Union

import torch
import torch.nn as nn
from ultralytics import YOLO, __version__
from ultralytics.nn.modules import Detect, C2f, Conv, Bottleneck
from ultralytics.nn.tasks import attempt_load_one_weight
from ultralytics.engine.trainer import BaseTrainer
from ultralytics.utils import yaml_load, LOGGER, RANK, DEFAULT_CFG_DICT, DEFAULT_CFG_KEYS
from ultralytics.utils.checks import check_yaml
from ultralytics.utils.torch_utils import initialize_weights, de_parallel

import torch_pruning as tp


def infer_shortcut(bottleneck):
    c1 = bottleneck.cv1.conv.in_channels
    c2 = bottleneck.cv2.conv.out_channels
    return c1 == c2 and hasattr(bottleneck, 'add') and bottleneck.add


class C2f_v2(nn.Module):
    # CSP Bottleneck with 2 convolutions (the example's: cv1 split in two convs cv0, cv1)
    def __init__(self, c1, c2, n=1, shortcut=False, g=1, e=0.5):
        super().__init__()
        self.c = int(c2 * e)
        self.cv0 = Conv(c1, self.c, 1, 1)
        self.cv1 = Conv(c1, self.c, 1, 1)
        self.cv2 = Conv((2 + n) * self.c, c2, 1)
        self.m = nn.ModuleList(Bottleneck(self.c, self.c, shortcut, g, k=((3, 3), (3, 3)), e=1.0) for _ in range(n))

    def forward(self, x):
        y = [self.cv0(x), self.cv1(x)]
        y.extend(m(y[-1]) for m in self.m)
        return self.cv2(torch.cat(y, 1))


def transfer_weights(c2f, c2f_v2):
    c2f_v2.cv2 = c2f.cv2
    c2f_v2.m = c2f.m
    state_dict = c2f.state_dict()
    state_dict_v2 = c2f_v2.state_dict()
    old_weight = state_dict['cv1.conv.weight']
    half_channels = old_weight.shape[0] // 2
    state_dict_v2['cv0.conv.weight'] = old_weight[:half_channels]
    state_dict_v2['cv1.conv.weight'] = old_weight[half_channels:]
    for bn_key in ['weight', 'bias', 'running_mean', 'running_var']:
        old_bn = state_dict[f'cv1.bn.{bn_key}']
        state_dict_v2[f'cv0.bn.{bn_key}'] = old_bn[:half_channels]
        state_dict_v2[f'cv1.bn.{bn_key}'] = old_bn[half_channels:]
    for key in state_dict:
        if not key.startswith('cv1.'):
            state_dict_v2[key] = state_dict[key]
    for attr_name in dir(c2f):
        attr_value = getattr(c2f, attr_name)
        if not callable(attr_value) and '_' not in attr_name:
            setattr(c2f_v2, attr_name, attr_value)
    c2f_v2.load_state_dict(state_dict_v2)


def replace_c2f_with_c2f_v2(module):
    for name, child_module in module.named_children():
        if isinstance(child_module, C2f):
            shortcut = infer_shortcut(child_module.m[0])
            c2f_v2 = C2f_v2(child_module.cv1.conv.in_channels, child_module.cv2.conv.out_channels,
                            n=len(child_module.m), shortcut=shortcut,
                            g=child_module.m[0].cv2.conv.groups,
                            e=child_module.c / child_module.cv2.conv.out_channels)
            transfer_weights(child_module, c2f_v2)
            setattr(module, name, c2f_v2)
        else:
            replace_c2f_with_c2f_v2(child_module)


def save_model_v2(self: BaseTrainer):
    """The example's: the trainer's save_model without half precision."""
    ckpt = {
        'epoch': self.epoch,
        'best_fitness': self.best_fitness,
        'model': deepcopy(de_parallel(self.model)),
        'ema': deepcopy(self.ema.ema),
        'updates': self.ema.updates,
        'optimizer': self.optimizer.state_dict(),
        'train_args': vars(self.args),
        'date': datetime.now().isoformat(),
        'version': __version__}
    torch.save(ckpt, self.last)
    if self.best_fitness == self.fitness:
        torch.save(ckpt, self.best)
    del ckpt


def final_eval_v2(self: BaseTrainer):
    """The example's: the trainer's final_eval with strip_optimizer_v2."""
    for f in self.last, self.best:
        if f.exists():
            strip_optimizer_v2(f)
            if f is self.best:
                LOGGER.info(f'\nValidating {f}...')
                self.metrics = self.validator(model=f)
                self.metrics.pop('fitness', None)
                self.run_callbacks('on_fit_epoch_end')


def strip_optimizer_v2(f: Union[str, Path] = 'best.pt', s: str = '') -> None:
    """The example's: strip_optimizer without half precision."""
    x = torch.load(f, map_location=torch.device('cpu'))
    args = {**DEFAULT_CFG_DICT, **x['train_args']}
    if x.get('ema'):
        x['model'] = x['ema']
    for k in 'optimizer', 'ema', 'updates':
        x[k] = None
    for p in x['model'].parameters():
        p.requires_grad = False
    x['train_args'] = {k: v for k, v in args.items() if k in DEFAULT_CFG_KEYS}
    torch.save(x, s or f)


def train_v2(self: YOLO, pruning=False, **kwargs):
    """The example's: model.train that keeps the pruned model instead of building a new one from its yaml.
    Changed for 8.1.33: the trainer class from self.task_map (TASK_MAP is gone)."""
    self._check_is_pytorch_model()
    overrides = self.overrides.copy()
    overrides.update(kwargs)
    overrides['mode'] = 'train'
    self.task = overrides.get('task') or self.task
    self.trainer = self.task_map[self.task]['trainer'](overrides=overrides, _callbacks=self.callbacks)
    if not pruning:
        self.trainer.model = self.trainer.get_model(weights=self.model if self.ckpt else None, cfg=self.model.yaml)
        self.model = self.trainer.model
    else:
        self.trainer.pruning = True
        if hasattr(self.model, 'criterion'):  # not in the example: a loss pickled on the GPU it was trained on
            del self.model.criterion
        self.trainer.model = self.model
        self.trainer.save_model = save_model_v2.__get__(self.trainer)
        self.trainer.final_eval = final_eval_v2.__get__(self.trainer)
    self.trainer.hub_session = self.session
    self.trainer.train()
    if RANK in (-1, 0):
        self.model, _ = attempt_load_one_weight(str(self.trainer.best))
        self.overrides = self.model.args
        self.metrics = getattr(self.trainer.validator, 'metrics', None)


def make_pruner(model, example_inputs, pruning_ratio):
    ignored_layers = [m for m in model.modules() if isinstance(m, (Detect,))]
    return tp.pruner.GroupNormPruner(
        model, example_inputs,
        importance=tp.importance.GroupMagnitudeImportance(),  # L2 norm pruning
        iterative_steps=1, pruning_ratio=pruning_ratio,
        ignored_layers=ignored_layers, unwrapped_parameters=[])


def conv_macs(model, example_inputs):
    """Multiply-adds of Conv2d layers only (the convention of the ONNX figures on detector.md)."""
    total = [0]

    def hook(m, inp, out):
        total[0] += out.numel() // out.shape[0] * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
    hooks = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        model(example_inputs)
    for h in hooks:
        h.remove()
    return total[0]


def sizes(model, example_inputs):
    macs, params = tp.utils.count_ops_and_params(model, example_inputs)
    return {"parameters": int(params), "tp_macs": int(macs), "conv_macs": int(conv_macs(model, example_inputs))}


def probe(args, cfg):
    model = YOLO(args.model)
    model.model.train()
    replace_c2f_with_c2f_v2(model.model)
    x = torch.randn(1, 3, args.imgsz, args.imgsz)
    base = sizes(model.model, x)
    print("original", base)
    for r in map(float, args.probe.split(",")):
        m = deepcopy(model.model)
        for p in m.parameters():
            p.requires_grad = True
        make_pruner(m, x, r).step()
        s = sizes(m, x)
        print(f"channel ratio {r}: {s}, parameters -{1 - s['parameters'] / base['parameters']:.3f}, "
              f"conv MACs -{1 - s['conv_macs'] / base['conv_macs']:.3f}")


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def prune(args, cfg):
    start_wall, start_cpu = time.time(), cpu_seconds()
    model = YOLO(args.model)
    model.__setattr__("train_v2", train_v2.__get__(model))
    batch_size = cfg['batch']
    model.model.train()
    replace_c2f_with_c2f_v2(model.model)
    initialize_weights(model.model)  # set BN.eps, momentum, ReLU.inplace
    for name, param in model.model.named_parameters():
        param.requires_grad = True
    example_inputs = torch.randn(1, 3, cfg["imgsz"], cfg["imgsz"])
    base = sizes(model.model, example_inputs)
    report = {"args": vars(args), "torch_threads": torch.get_num_threads(), "original": base, "steps": []}

    cfg['name'] = "baseline_val"
    cfg['batch'] = 1
    validation_model = deepcopy(model)
    metric = validation_model.val(**cfg)
    init_map = metric.box.map
    report["original"]["val_map50_95"] = float(init_map)
    print(f"Before Pruning: {base}, mAP={init_map:.5f}")

    pruning_ratio = 1 - math.pow((1 - args.target_prune_rate), 1 / args.iterative_steps)
    report["step_channel_ratio"] = pruning_ratio
    for i in range(args.iterative_steps):
        model.model.train()
        for name, param in model.model.named_parameters():
            param.requires_grad = True
        pruner = make_pruner(model.model, example_inputs, pruning_ratio)
        pruner.step()

        cfg['name'] = f"step_{i}_pre_val"
        cfg['batch'] = 1
        validation_model.model = deepcopy(model.model)
        pruned_map = validation_model.val(**cfg).box.map
        step = {"step": i + 1, **sizes(pruner.model, example_inputs), "val_map50_95_pruned": float(pruned_map)}
        print(f"After pruning iter {i + 1}: {step}")

        for name, param in model.model.named_parameters():
            param.requires_grad = True
        cfg['name'] = f"step_{i}_finetune"
        cfg['batch'] = batch_size
        t = time.time()
        model.train_v2(pruning=True, **cfg)
        step["finetune_wall_s"] = round(time.time() - t, 1)

        cfg['name'] = f"step_{i}_post_val"
        cfg['batch'] = 1
        validation_model = YOLO(model.trainer.best)
        current_map = validation_model.val(**cfg).box.map
        step["val_map50_95_finetuned"] = float(current_map)
        step["elapsed_wall_s"], step["elapsed_cpu_s"] = round(time.time() - start_wall, 1), round(cpu_seconds() - start_cpu, 1)
        print(f"After fine tuning: {step}")
        report["steps"].append(step)
        del pruner
        if init_map - current_map > args.max_map_drop:
            print("Pruning early stop")
            break

    report["prune_finetune_wall_s"] = round(time.time() - start_wall, 1)
    report["prune_finetune_cpu_s"] = round(cpu_seconds() - start_cpu, 1)
    report["best_pt"] = str(model.trainer.best)
    onnx_path = model.export(format='onnx', imgsz=cfg["imgsz"], opset=12)
    report["onnx"] = str(onnx_path)
    print(json.dumps(report, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))


def onnx_sizes(path, imgsz):
    """Initializer elements, and Conv multiply-adds per image from ONNX shape inference at batch 1."""
    import numpy as np, onnx
    from onnx import shape_inference
    model = onnx.load(path)
    inits = {t.name: tuple(t.dims) for t in model.graph.initializer}
    inferred = shape_inference.infer_shapes(model)
    shapes = {v.name: tuple(d.dim_value for d in v.type.tensor_type.shape.dim)
              for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
    macs = 0
    for n in model.graph.node:
        if n.op_type == "Conv":
            macs += int(np.prod(shapes[n.output[0]])) * int(np.prod(inits[n.input[1]][1:]))
    return int(sum(int(np.prod(d)) for d in inits.values())), macs


def test_images(data_yaml, imgsz, count=64):
    import cv2, numpy as np
    from ultralytics.data.utils import check_det_dataset
    folder = Path(check_det_dataset(data_yaml)["val"])
    files = sorted(folder.glob("*.*"))[:count]
    images = [cv2.resize(cv2.imread(str(f)), (imgsz, imgsz))[:, :, ::-1].transpose(2, 0, 1) for f in files]
    return np.ascontiguousarray(np.stack(images).astype(np.float32) / 255)


def evaluate(args):
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    import onnxruntime as ort
    from ort_side_by_side import session, timed
    result = []
    for path in args.evaluate:
        params, macs = onnx_sizes(path, args.imgsz)
        metrics = YOLO(path, task="detect").val(data=args.test_data, imgsz=args.imgsz, batch=1, device="cpu",
                                                 workers=0, plots=False, project=args.project, name="test_val",
                                                 exist_ok=True)
        result.append({"model": path, "parameters": params, "conv_macs": macs,
                       "test_map50": float(metrics.box.map50), "test_map50_95": float(metrics.box.map)})
    sessions = [session(m, 1) for m in args.evaluate]
    ms = timed(sessions, 1, None, 20, args.repeats, rows=(test_images(args.test_data, args.imgsz),))
    for r, t in zip(result, ms):
        r["ms_batch1"], r["ratio_batch1"] = round(t, 4), round(t / ms[0], 3)
    report = {"onnxruntime": ort.__version__, "threads": 1, "repeats": args.repeats, "models": result}
    print(json.dumps(report, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg', default='default.yaml', help="Ultralytics config; the example's --cfg")
    parser.add_argument('--imgsz', type=int, default=160)
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--workers', type=int, default=0)
    parser.add_argument('--epochs-per-step', type=int, default=10)
    parser.add_argument('--project', default='runs/torch-pruning-yolov8')
    parser.add_argument('--iterative-steps', default=16, type=int, help='Total pruning iteration step')
    parser.add_argument('--target-prune-rate', default=0.5, type=float, help='Target channel pruning ratio')
    parser.add_argument('--max-map-drop', default=0.2, type=float, help='Allowed maximum map drop after fine-tuning')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--probe', help='comma-separated channel ratios: prune one shot, print sizes, no training')
    parser.add_argument('--json')
    parser.add_argument('--evaluate', nargs='+', help='ONNX files to score on --test-data and time (first: baseline)')
    parser.add_argument('--test-data', help='data.yaml whose val split is the test images')
    parser.add_argument('--repeats', type=int, default=200)
    parser.add_argument('--model', help='trained YOLOv8 .pt to prune')
    parser.add_argument('--data', help='Ultralytics data.yaml for fine-tuning and in-training val')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.evaluate:
        return evaluate(args)
    cfg = yaml_load(check_yaml(args.cfg))
    cfg.update(data=args.data, imgsz=args.imgsz, batch=args.batch, workers=args.workers, epochs=args.epochs_per_step,
               device='cpu', project=args.project, exist_ok=True, plots=False, amp=False)
    cfg.pop('model', None)
    if args.probe:
        probe(args, cfg)
    else:
        prune(args, cfg)


if __name__ == "__main__":
    main()
