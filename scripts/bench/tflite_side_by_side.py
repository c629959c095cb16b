#!/usr/bin/env python3
"""Times two Keras models as TFLite float models side by side, one interpreter thread, batch 1 (issue 70).

Converts ORIGINAL.keras and WRITTEN.keras with tf.lite.TFLiteConverter (float, no optimisations), then runs both
interpreters in interleaved repetitions (original, written, original, ...) so that load on the machine falls on
both alike; each figure is the median over --repeats invocations after --warmup, the ratio written / original.
With --rows (an .npz of x, y) it also prints each TFLite model's accuracy on those rows.

Usage (needs tensorflow and keras 3):
  $PYTHON scripts/bench/tflite_side_by_side.py ORIGINAL.keras WRITTEN.keras [--rows report.npz] [--repeats 300]
"""
import argparse, statistics, time
import numpy as np
import keras
import tensorflow as tf


def tflite(path):
    model = keras.saving.load_model(path, compile=False)
    blob = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    interpreter = tf.lite.Interpreter(model_content=blob, num_threads=1)
    interpreter.allocate_tensors()
    return model, blob, interpreter


def run(interpreter, x):
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])


def timed(interpreter, x, n):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        run(interpreter, x)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("original")
    p.add_argument("written")
    p.add_argument("--rows")
    p.add_argument("--repeats", type=int, default=300)
    p.add_argument("--warmup", type=int, default=30)
    p.add_argument("--rounds", type=int, default=5)
    a = p.parse_args()
    models = [tflite(a.original), tflite(a.written)]
    shape = [1] + list(models[0][2].get_input_details()[0]["shape"][1:])
    x = np.random.default_rng(0).random(shape, dtype=np.float32) * 255
    for _, _, i in models:
        timed(i, x, a.warmup)
    medians = [[], []]
    for _ in range(a.rounds):
        for k, (_, _, i) in enumerate(models):
            medians[k].append(timed(i, x, a.repeats))
    print(f"tensorflow {tf.__version__}, keras {keras.__version__}, TFLite float, 1 interpreter thread, batch 1, "
          f"median of {a.rounds} interleaved rounds of {a.repeats} runs after {a.warmup}")
    base = statistics.median(medians[0])
    for path, (model, blob, interpreter), m in zip((a.original, a.written), models, medians):
        line = (f"{path}: {model.count_params()} parameters, {len(blob)} bytes, batch 1 "
                f"{1e6 * statistics.median(m):.1f} us, ratio {statistics.median(m) / base:.3f}")
        if a.rows:
            data = np.load(a.rows)
            xs, ys = data["x"], data["y"]
            hits = sum(int(run(interpreter, xs[r:r + 1]).argmax() == ys[r]) for r in range(len(xs)))
            line += f", accuracy {100.0 * hits / len(xs):.2f}% on {len(xs)} rows of {a.rows}"
        print(line)


if __name__ == "__main__":
    main()
