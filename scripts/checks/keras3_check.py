#!/usr/bin/env python3
"""Checks a .keras file the tool wrote from a Keras 3 model with Keras 3 itself (issue 55), in a $PYTHON with
Keras 3, TensorFlow and onnxruntime:

    $PYTHON scripts/checks/keras3_check.py ORIGINAL.keras WRITTEN.keras TEST.csv [--accuracy A]

- WRITTEN loads with keras.models.load_model, compiles and trains one epoch on the test rows (on a copy);
- every layer of ORIGINAL that the tool did not prune (the backbone: every layer before the first Dense whose
  width changed, and every layer that is not a Dense or BatchNormalization) is in WRITTEN with the same class, the
  same config and the same weights, bit for bit;
- Keras's predict of the TEST rows (the 64 pixel columns as [8, 8, 1] when the model reads images) agrees with the
  tool's own reading of WRITTEN (`bin/odf2nna-onnx convert WRITTEN -o tmp.onnx`, run in ONNX Runtime) to 1e-5, and
  its accuracy is printed (with --accuracy, the accuracy the tool printed, in %, must agree within 0.1 point);
- tf.lite.TFLiteConverter.from_keras_model converts it, and the TFLite interpreter predicts the same classes.
Prints one line per check; exits 1 when one fails. Run `./mvnw -q -B -o package -DskipTests` first.
"""
import argparse
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402
import onnxruntime as ort  # noqa: E402
import tensorflow as tf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failed = []


def check(ok, line):
    print(("ok    " if ok else "FAIL  ") + line)
    if not ok:
        failed.append(line)


def rows(path, model):
    a = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32)
    x, y = a[:, :-1], a[:, -1].astype(np.int64)
    shape = [d if d is not None else -1 for d in model.inputs[0].shape]
    return x.reshape([-1] + shape[1:]), y


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("original")
    parser.add_argument("written")
    parser.add_argument("test")
    parser.add_argument("--accuracy", type=float, help="the accuracy (%%) the tool printed for WRITTEN")
    args = parser.parse_args()
    original = keras.models.load_model(args.original, compile=False)
    model = keras.models.load_model(args.written)
    check(True, f"{args.written} loads in Keras {keras.__version__}: "
          + ", ".join(f"{l.name} ({type(l).__name__})" for l in model.layers))
    before = {l.name: l for l in original.layers}
    pruned = set()
    for layer in model.layers:
        old = before.get(layer.name)
        if old is None:
            check(False, f"layer {layer.name} is not in {args.original}")
            continue
        shapes = [w.shape for w in layer.get_weights()] != [w.shape for w in old.get_weights()]
        if shapes or type(layer).__name__ in ("Dense", "BatchNormalization") and pruned:
            pruned.add(layer.name)
            continue
        same_config = layer.get_config() == old.get_config()
        same_weights = all(np.array_equal(a, b) for a, b in zip(layer.get_weights(), old.get_weights()))
        if type(layer).__name__ == "Dense" and not same_weights:
            pruned.add(layer.name)
            continue
        check(same_config and same_weights, f"layer {layer.name} ({type(layer).__name__}) kept: config "
              + ("same" if same_config else "changed") + ", weights " + ("same" if same_weights else "changed"))
    print(f"      pruned or refitted: {', '.join(sorted(pruned)) or 'none'}")
    x, y = rows(args.test, model)
    predicted = model.predict(x, verbose=0)
    accuracy = float((predicted.argmax(1) == y).mean() * 100)
    with tempfile.TemporaryDirectory() as tmp:
        onnx_path = os.path.join(tmp, "written.onnx")
        subprocess.run([os.path.join(ROOT, "bin", "odf2nna-onnx"), "convert", args.written, "-o", onnx_path],
                       check=True, capture_output=True)
        session = ort.InferenceSession(onnx_path)
        tool = session.run(None, {session.get_inputs()[0].name: x})[0]
    difference = float(np.abs(tool - predicted).max())
    check(difference <= 1e-5, f"Keras predict against the tool's reading in ONNX Runtime on {len(x)} rows: "
          f"max difference {difference:.3g}")
    check(args.accuracy is None or abs(accuracy - args.accuracy) <= 0.1, f"Keras accuracy {accuracy:.2f}%"
          + ("" if args.accuracy is None else f" (the tool printed {args.accuracy:.2f}%)"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=1, batch_size=64, verbose=0)
    check(np.isfinite(history.history["loss"][0]), f"compiles and trains one epoch: loss {history.history['loss'][0]:.4f}")
    model = keras.models.load_model(args.written)
    try:
        flat = tf.lite.TFLiteConverter.from_keras_model(model).convert()
        interpreter = tf.lite.Interpreter(model_content=flat)
        interpreter.resize_tensor_input(interpreter.get_input_details()[0]["index"], x.shape)
        interpreter.allocate_tensors()
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
        interpreter.invoke()
        lite = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
        agree = float((lite.argmax(1) == predicted.argmax(1)).mean() * 100)
        check(agree == 100, f"TFLite converts it ({len(flat)} bytes); its classes agree with Keras on {agree:.1f}% of "
              "the rows")
    except Exception as e:  # noqa: BLE001 - the failure is the finding
        check(False, f"TFLite conversion: {type(e).__name__}: {str(e).splitlines()[0]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
