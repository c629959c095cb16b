#!/usr/bin/env python3
"""Checks a .keras file the tool wrote from a pruned graph (issue 70) in Keras 3 itself:

  1. keras.saving.load_model loads it; its widths (Conv2D filters, Dense units), parameters and multiply-adds per
     image (Conv2D, DepthwiseConv2D and Dense at their output sizes) are printed beside the original's;
  2. its predict() on ROWS agrees with the pruned graph the tool wrote as ONNX (ONNX Runtime), when --onnx is given,
     and its accuracy on ROWS is printed beside the original's;
  3. it compiles and fits one epoch on the first 256 rows (the loss printed before and after);
  4. the TensorFlow Lite converter converts it, in float and in full-integer int8 (a representative dataset of 64
     rows, int8 inputs and outputs), and the float .tflite's outputs agree with Keras' on 32 rows.

Usage: ${PYTHON:-python3} scripts/checks/keras_graph_check.py ORIGINAL.keras WRITTEN.keras ROWS.npz [--onnx X.onnx]
ORIGINAL and WRITTEN may be legacy .h5 files too; ROWS may be a CSV (the input's values in order, the label last, one
header line), reshaped to the model's input.
Exit 0 when every check passes; the first failure is printed and exits 1.
"""
import argparse
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402


def widths(model):
    out = []
    for layer in model.layers:
        c = layer.get_config()
        if "filters" in c:
            out.append(c["filters"])
        elif "units" in c:
            out.append(c["units"])
    return out


def macs(model):
    """Multiply-adds of one image: each Conv2D, DepthwiseConv2D and Dense at its output size."""
    total = 0
    for layer in model.layers:
        if not layer.weights or not hasattr(layer, "output"):
            continue
        shape = layer.output.shape
        positions = int(np.prod([d for d in shape[1:-1]])) if len(shape) > 2 else 1
        if isinstance(layer, keras.layers.DepthwiseConv2D):
            k = layer.kernel.shape
            total += positions * k[0] * k[1] * k[2] * k[3]
        elif isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
            total += positions * int(np.prod(layer.kernel.shape))
    return total


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def tflite(model, x, int8):
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if int8:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: ([x[i:i + 1]] for i in range(min(64, len(x))))
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return converter.convert()


def run_tflite(blob, x):
    interpreter = tf.lite.Interpreter(model_content=blob)
    interpreter.resize_tensor_input(interpreter.get_input_details()[0]["index"], x.shape)
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])


def rows(path, model, limit):
    """The rows of an .npz (x, and y when present) or of a CSV (label last), as the model's input."""
    if path.endswith(".npz"):
        data = np.load(path)
        return data["x"][:limit].astype("float32"), data["y"][:limit] if "y" in data else None
    values = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32, max_rows=limit)
    shape = [-1 if d is None else d for d in model.inputs[0].shape[1:]]
    return values[:, :-1].reshape([-1] + shape), values[:, -1].astype(np.int64)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("original")
    ap.add_argument("written")
    ap.add_argument("rows")
    ap.add_argument("--onnx")
    ap.add_argument("--rows-max", type=int, default=2000)
    a = ap.parse_args()
    original = keras.saving.load_model(a.original)
    x, y = rows(a.rows, original, a.rows_max)
    model = keras.saving.load_model(a.written)
    print("loaded: %s %d parameters -> %s %d parameters (%.1f%% fewer)" % (
        a.original, original.count_params(), a.written, model.count_params(),
        100 * (1 - model.count_params() / original.count_params())))
    print("widths: %s\n     -> %s" % (widths(original), widths(model)))
    print("multiply-adds per image: %d -> %d (%.1f%% fewer)" % (macs(original), macs(model),
                                                               100 * (1 - macs(model) / macs(original))))
    p0 = original.predict(x, batch_size=256, verbose=0)
    p = model.predict(x, batch_size=256, verbose=0)
    if y is not None:
        print("accuracy on %d rows of %s: original %.2f%%, written %.2f%%" % (
            len(x), a.rows, 100 * (p0.argmax(1) == y).mean(), 100 * (p.argmax(1) == y).mean()))
    if a.onnx:
        import onnxruntime as ort
        session = ort.InferenceSession(a.onnx, providers=["CPUExecutionProvider"])
        q = session.run(None, {session.get_inputs()[0].name: x[:256]})[0]
        diff = float(np.max(np.abs(q - p[:256]) / np.maximum(1, np.abs(q))))
        print("predict vs the pruned ONNX (ONNX Runtime), 256 rows: max relative difference %.2e" % diff)
        if diff > 1e-3:
            fail("Keras and the pruned ONNX disagree")
    labels = y[:256] if y is not None else p[:256].argmax(1)
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    before = model.evaluate(x[:256], labels, verbose=0)[0]
    model.fit(x[:256], labels, batch_size=32, epochs=1, verbose=0)
    after = model.evaluate(x[:256], labels, verbose=0)[0]
    print("fit: one epoch on 256 rows, loss %.4f -> %.4f" % (before, after))
    reloaded = keras.saving.load_model(a.written)
    blob = tflite(reloaded, x, False)
    t = run_tflite(blob, x[:32])
    pk = reloaded.predict(x[:32], verbose=0)
    diff = float(np.max(np.abs(t - pk)))
    print("tflite float: %d bytes, outputs within %.2e of Keras on 32 rows" % (len(blob), diff))
    if diff > 1e-3:
        fail("the float .tflite disagrees with Keras")
    blob8 = tflite(reloaded, x, True)
    scale, zero = tf.lite.Interpreter(model_content=blob8).get_input_details()[0]["quantization"]
    q8 = run_tflite(blob8, np.clip(np.round(x[:256] / scale + zero), -128, 127).astype("int8"))
    agree = float((q8.argmax(1) == reloaded.predict(x[:256], verbose=0).argmax(1)).mean())
    print("tflite int8 (full integer): %d bytes, classes agree with Keras on %.1f%% of 256 rows" % (
        len(blob8), 100 * agree))
    with tempfile.TemporaryDirectory() as d:
        for name, b in (("float.tflite", blob), ("int8.tflite", blob8)):
            with open(os.path.join(d, name), "wb") as f:
                f.write(b)
    print("ok")


if __name__ == "__main__":
    main()
