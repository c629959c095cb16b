#!/usr/bin/env python3
"""Whether Keras 3 takes a file the tool wrote: it loads, compiles, fits one epoch and converts to TFLite.

    $PYTHON scripts/checks/keras_load_fit_tflite.py WRITTEN.keras|WRITTEN.h5 ROWS.npz

ROWS.npz holds `x` (the model's input, as the tool read it: uint8 or float images, or feature rows) and `y` (class
ids). Prints one line per check and exits 1 when one fails. Used by scripts/bench/quality.py.
"""
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402


def main(written, rows):
    data = np.load(rows)
    x, y = data["x"], data["y"].astype("int64")
    model = keras.models.load_model(written, compile=False)
    print("loads: %s, %d parameters, input %s" % (written, model.count_params(), model.input_shape))
    x = x.astype("float32").reshape((len(x),) + tuple(model.input_shape[1:]))[:512]
    y = y[:512]
    probabilities = model.predict(x, verbose=0)
    print("predicts: accuracy %.2f%% on %d rows" % (100 * np.mean(probabilities.argmax(-1) == y), len(y)))
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(
        from_logits=not np.allclose(probabilities.sum(-1), 1, atol=1e-3)))
    history = model.fit(x, y, epochs=1, batch_size=64, verbose=0)
    print("fits one epoch: loss %.4f" % history.history["loss"][-1])
    tflite = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    with tempfile.NamedTemporaryFile(suffix=".tflite") as f:
        f.write(tflite)
        f.flush()
        interpreter = tf.lite.Interpreter(model_path=f.name)
        interpreter.allocate_tensors()
    print("converts to TFLite: %d bytes" % len(tflite))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    try:
        sys.exit(main(sys.argv[1], sys.argv[2]))
    except Exception as e:  # one line, the check failed
        print("FAILED: %s: %s" % (type(e).__name__, e))
        sys.exit(1)
