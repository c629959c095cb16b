#!/usr/bin/python3
"""Ultralytics' own val of an exported detector, its mAPs written as JSON: the reference `odf2nna-onnx eval --task
detect` is compared with (same ONNX, same images).

    python3 scripts/corpus/yolo_val.py MODEL.onnx data.yaml 160 OUT.json

Runs with Ultralytics' defaults for val (conf 0.001, iou 0.7, max_det 300), batch 1 (an ONNX export's), on the CPU.
"""
import json
import sys

from ultralytics import YOLO


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    model, data, size, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    metrics = YOLO(model, task="detect").val(data=data, imgsz=size, batch=1, device="cpu", plots=False,
                                             workers=0, verbose=True)
    result = {"model": model, "data": data, "imgsz": size, "map50": float(metrics.box.map50),
              "map50_95": float(metrics.box.map), "per_class_map50_95": [float(v) for v in metrics.box.maps]}
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
