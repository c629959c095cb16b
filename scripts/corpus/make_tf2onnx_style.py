#!/usr/bin/env python3
"""Writes a small Keras-like CNN the way tf2onnx writes a Keras model, for the translation corpus.

    /usr/bin/python3 scripts/corpus/make_tf2onnx_style.py $CORPUS

tf2onnx itself is not installable here (not on Debian, not on npm, and PyPI is out of reach), so this script writes
the patterns it is known for with the onnx package: an NHWC input ("input_1", [N, 28, 28, 1]) turned to NCHW by a
Transpose before each Conv and back after it, Keras Dense layers as MatMul of a [in, out] kernel then Add of the
bias, weights named after the TensorFlow variables ("sequential/dense/MatMul/ReadVariableOp:0"), one weight read
through an Identity node, the flattening Reshape's shape as an int64 initializer ("const_fold_opt__N"), a Softmax
head, opset 13, producer "tf2onnx". Weights are random (seeded): the corpus checks the translation, not accuracy.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build():
    rng = np.random.default_rng(11)

    def init(name, shape, scale=0.2, dtype=np.float32):
        return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(dtype), name)

    inits = [
        init("sequential/conv2d/Conv2D/ReadVariableOp:0", (8, 1, 3, 3), 0.5),
        init("sequential/conv2d/BiasAdd/ReadVariableOp:0", (8,), 0.1),
        init("sequential/dense/MatMul/ReadVariableOp:0", (13 * 13 * 8, 64), 0.05),
        init("sequential/dense/BiasAdd/ReadVariableOp:0", (64,), 0.1),
        init("sequential/dense_1/MatMul/ReadVariableOp:0", (64, 10), 0.2),
        init("sequential/dense_1/BiasAdd/ReadVariableOp:0", (10,), 0.1),
        numpy_helper.from_array(np.array([-1, 13 * 13 * 8], dtype=np.int64), "const_fold_opt__12"),
    ]
    nodes = [
        helper.make_node("Transpose", ["input_1"], ["sequential/conv2d/Conv2D__6:0"], perm=[0, 3, 1, 2],
                         name="sequential/conv2d/Conv2D__6"),
        helper.make_node("Conv", ["sequential/conv2d/Conv2D__6:0", "sequential/conv2d/Conv2D/ReadVariableOp:0",
                                  "sequential/conv2d/BiasAdd/ReadVariableOp:0"], ["sequential/conv2d/BiasAdd:0"],
                         kernel_shape=[3, 3], strides=[1, 1], dilations=[1, 1], pads=[0, 0, 0, 0],
                         name="sequential/conv2d/BiasAdd"),
        helper.make_node("Relu", ["sequential/conv2d/BiasAdd:0"], ["sequential/conv2d/Relu:0"],
                         name="sequential/conv2d/Relu"),
        helper.make_node("MaxPool", ["sequential/conv2d/Relu:0"], ["sequential/max_pooling2d/MaxPool:0"],
                         kernel_shape=[2, 2], strides=[2, 2], name="sequential/max_pooling2d/MaxPool"),
        helper.make_node("Transpose", ["sequential/max_pooling2d/MaxPool:0"],
                         ["sequential/max_pooling2d/MaxPool__16:0"], perm=[0, 2, 3, 1],
                         name="sequential/max_pooling2d/MaxPool__16"),
        helper.make_node("Reshape", ["sequential/max_pooling2d/MaxPool__16:0", "const_fold_opt__12"],
                         ["sequential/flatten/Reshape:0"], name="sequential/flatten/Reshape"),
        helper.make_node("Identity", ["sequential/dense/MatMul/ReadVariableOp:0"],
                         ["sequential/dense/MatMul/ReadVariableOp/Identity:0"],
                         name="sequential/dense/MatMul/ReadVariableOp/Identity"),
        helper.make_node("MatMul", ["sequential/flatten/Reshape:0",
                                    "sequential/dense/MatMul/ReadVariableOp/Identity:0"],
                         ["sequential/dense/MatMul:0"], name="sequential/dense/MatMul"),
        helper.make_node("Add", ["sequential/dense/MatMul:0", "sequential/dense/BiasAdd/ReadVariableOp:0"],
                         ["sequential/dense/BiasAdd:0"], name="sequential/dense/BiasAdd"),
        helper.make_node("Relu", ["sequential/dense/BiasAdd:0"], ["sequential/dense/Relu:0"],
                         name="sequential/dense/Relu"),
        helper.make_node("MatMul", ["sequential/dense/Relu:0", "sequential/dense_1/MatMul/ReadVariableOp:0"],
                         ["sequential/dense_1/MatMul:0"], name="sequential/dense_1/MatMul"),
        helper.make_node("Add", ["sequential/dense_1/MatMul:0", "sequential/dense_1/BiasAdd/ReadVariableOp:0"],
                         ["sequential/dense_1/BiasAdd:0"], name="sequential/dense_1/BiasAdd"),
        helper.make_node("Softmax", ["sequential/dense_1/BiasAdd:0"], ["dense_1"], axis=-1,
                         name="sequential/dense_1/Softmax"),
    ]
    graph = helper.make_graph(
        nodes, "tf2onnx",
        [helper.make_tensor_value_info("input_1", TensorProto.FLOAT, ["unk__20", 28, 28, 1])],
        [helper.make_tensor_value_info("dense_1", TensorProto.FLOAT, ["unk__21", 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="tf2onnx",
                              producer_version="1.9.3")
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CORPUS", "corpus")
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "keras_cnn_tf2onnx_style_op13.onnx")
    onnx.save(build(), path)
    print("wrote", path)


if __name__ == "__main__":
    main()
