#!/usr/bin/env python3
"""Trains a YOLOv8n from yolov8n.yaml (no pretrained weights) with Ultralytics 8.1.33 on the shapes dataset that
make_shapes_yolo.py writes, exports it to ONNX and validates the ONNX file with Ultralytics' own `val` (issue 84's
model). Run on CPU:

    # Ultralytics 8.1.33 (commit ec1d1106, "ultralytics 8.1.33 fix HUB model checks"), outside the repository:
    #   git --git-dir=<a snapshot of ultralytics' history> archive ec1d1106 | tar -x -C $ULTRALYTICS_SRC
    apt-get install -y python3-torch python3-torchvision python3-onnx python3-opencv python3-yaml python3-matplotlib \
        python3-pandas python3-tqdm python3-psutil python3-cpuinfo python3-seaborn python3-requests python3-pil \
        python3-scipy python3-venv
    /usr/bin/python3 -m venv --system-site-packages $VENV
    $VENV/bin/pip install --no-deps $ULTRALYTICS_SRC onnxruntime flatbuffers
    /usr/bin/python3 scripts/corpus/make_shapes_yolo.py --out $CORPUS/yolo/shapes
    $VENV/bin/python scripts/corpus/train_yolov8n_shapes.py --data $CORPUS/yolo/shapes/data.yaml \
        --out $CORPUS/yolo --epochs 60 --hours 0.75 --stop-map50 0.97

Measured on 2026-11-28 on the shared 2-core machine at a load average of 12-24 from other jobs: one epoch (38 batches)
took 30 minutes (12-64 s a batch, ~5 CPU-s of work each), so training was stopped after epoch 1 (val mAP50 0.000) and
the export and both vals were run with --skip-train; Ultralytics' export and its val of the ONNX file (ONNX Runtime
1.30, pip) work offline as written here, with nothing downloaded.

A second run the same day (load 13-20): --batch 8 --nbs 8 --mosaic 0 --warmup-epochs 1 --hours 0.6 (a step each
batch of 8, no mosaics) ran 13-36 s a batch and stopped 40 batches (of 75) into epoch 2; Ultralytics' val of its
ONNX export: mAP50 0.128, mAP50-95 0.059. --start trains on from such weights.

On a GPU (one H200, torch 2.11, 2026-11-28): make_shapes_yolo.py --train 3000 --val 150 --seed 8484, then
--batch 64 --workers 8 --threads 8 --hours 0.03 --device 0 --train-only: 23 epochs in 112 s, val mAP50 0.995,
mAP50-95 0.898; best.pt exported and validated here with --skip-train (torch 1.13): the model of
docs/tasks/detector.md (its ONNX file: Ultralytics' val mAP50 0.995, mAP50-95 0.8895 on the seed-84 val images).

Training: imgsz 160, batch 16, device cpu, amp=False and plots=False (nothing may be downloaded: no Arial.ttf, no
yolov8n.pt for the AMP check), Ultralytics' defaults otherwise (SGD/AdamW chosen by 'auto', mosaic, flips, HSV).
Writes OUT/train/weights/{best,last}.pt, OUT/yolov8n_shapes.onnx (model.export(format="onnx", opset=12, imgsz=160):
input `images` [1,3,160,160], output `output0` [1,7,525]) and OUT/yolov8n_shapes.json with Ultralytics' val of the
.pt and of the .onnx on the validation images (mAP50, mAP50-95, precision, recall), parameters and times.
"""
import argparse
import json
import os
import shutil
import time

import numpy as np
import torch

if not hasattr(np, "trapz"):  # NumPy 2.4 removed it; Ultralytics 8.1's AP integration calls it
    np.trapz = np.trapezoid
from ultralytics import YOLO, __version__  # noqa: E402


def box_metrics(metrics):
    return {"mAP50": float(metrics.box.map50), "mAP50-95": float(metrics.box.map),
            "precision": float(metrics.box.mp), "recall": float(metrics.box.mr)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--patience", type=int, default=100)
    ap.add_argument("--nbs", type=int, default=64,
                    help="Ultralytics' nominal batch size (gradients are accumulated up to it; 16 = a step each batch)")
    ap.add_argument("--mosaic", type=float, default=1.0, help="Ultralytics' mosaic= (0 turns mosaics off)")
    ap.add_argument("--warmup-epochs", type=float, default=3.0)
    ap.add_argument("--hours", type=float, default=0.0,
                    help="Ultralytics' time= (hours): the epochs are refitted to it after each epoch")
    ap.add_argument("--stop-map50", type=float, default=0.0,
                    help="stop after the epoch whose val mAP50 reaches this (0: never)")
    ap.add_argument("--start", default="",
                    help="train on from these weights (a best.pt or last.pt) instead of yolov8n.yaml")
    ap.add_argument("--skip-train", action="store_true", help="export and validate OUT/train/weights/best.pt only")
    ap.add_argument("--train-only", action="store_true",
                    help="train and stop: no export, no val (e.g. on a GPU machine whose torch exports otherwise)")
    ap.add_argument("--device", default="cpu", help="Ultralytics' device= (cpu, 0, ...)")
    ap.add_argument("--workers", type=int, default=0, help="data loader workers")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    out = os.path.abspath(a.out)
    t0 = time.time()
    if not a.skip_train:
        model = YOLO(a.start or "yolov8n.yaml")

        def stop_when_good(trainer):
            m50 = trainer.metrics.get("metrics/mAP50(B)", 0.0)
            print(f"epoch {trainer.epoch + 1}: val mAP50 {m50:.4f} after {time.time() - t0:.0f} s", flush=True)
            if a.stop_map50 and m50 >= a.stop_map50:
                trainer.stop = True

        model.add_callback("on_fit_epoch_end", stop_when_good)
        model.train(data=a.data, imgsz=160, epochs=a.epochs, batch=a.batch, device=a.device, workers=a.workers, amp=False, cache=True,
                    plots=False, pretrained=False, project=out, name="train", exist_ok=True, seed=0,
                    patience=a.patience, nbs=a.nbs, mosaic=a.mosaic,
                    warmup_epochs=a.warmup_epochs, verbose=True, **({"time": a.hours} if a.hours else {}))
    train_s = time.time() - t0
    if a.train_only:
        print(f"trained in {train_s:.0f} s")
        return
    best = os.path.join(out, "train", "weights", "best.pt")
    model = YOLO(best)
    params = sum(p.numel() for p in model.model.parameters())
    pt_val = model.val(data=a.data, imgsz=160, batch=16, device="cpu", plots=False, project=out, name="val-pt",
                       exist_ok=True)
    exported = model.export(format="onnx", imgsz=160, opset=12)
    onnx_path = os.path.join(out, "yolov8n_shapes.onnx")
    shutil.copyfile(exported, onnx_path)
    onnx_model = YOLO(onnx_path, task="detect")
    onnx_val = onnx_model.val(data=a.data, imgsz=160, batch=1, device="cpu", plots=False, project=out,
                              name="val-onnx", exist_ok=True)
    result = {
        "ultralytics": __version__, "torch": torch.__version__, "data": os.path.abspath(a.data),
        "epochs": a.epochs, "batch": a.batch, "imgsz": 160, "parameters": int(params),
        "train_seconds": round(train_s, 1), "onnx": onnx_path, "opset": 12,
        "val_pt": box_metrics(pt_val), "val_onnx": box_metrics(onnx_val),
        "val_onnx_command": f"YOLO('{onnx_path}', task='detect').val(data='{a.data}', imgsz=160, batch=1, device='cpu')",
    }
    json.dump(result, open(os.path.join(out, "yolov8n_shapes.json"), "w"), indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
