"""A 28-W-W-W-2 ReLU network (He-initialised, seed 1) and N HIGGS-like rows (28 N(0,1) features, seed 2; the label is
the network's class with a fifth flipped, seed 3), for timing shrink at scale by hand (docs/research/PERFORMANCE.md, "Shrink at
scale"). Writes OUT/mlpW.onnx and OUT/rowsW-N.csv.

    $PYTHON scripts/corpus/make_scale_mlp.py OUT W N
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

out, width, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(1)
widths = [28, width, width, width, 2]
nodes, inits, x = [], [], 'x'
for l in range(4):
    w = (rng.standard_normal((widths[l], widths[l + 1])) * np.sqrt(2 / widths[l])).astype(np.float32)
    b = (0.1 * rng.standard_normal(widths[l + 1])).astype(np.float32)
    inits += [numpy_helper.from_array(w, f'w{l}'), numpy_helper.from_array(b, f'b{l}')]
    nodes.append(helper.make_node('Gemm', [x, f'w{l}', f'b{l}'], [f'g{l}']))
    x = f'g{l}'
    if l < 3:
        nodes.append(helper.make_node('Relu', [x], [f'r{l}']))
        x = f'r{l}'
nodes.append(helper.make_node('Softmax', [x], ['y'], axis=1))
graph = helper.make_graph(nodes, 'mlp', [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['N', 28])],
                          [helper.make_tensor_value_info('y', TensorProto.FLOAT, ['N', 2])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
model.ir_version = 8
path = os.path.join(out, f'mlp{width}.onnx')
onnx.save(model, path)
session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
rows = np.random.default_rng(2).standard_normal((n, 28)).astype(np.float32)
labels = np.concatenate([session.run(None, {'x': rows[i:i + 1024]})[0] for i in range(0, n, 1024)]).argmax(1)
flip = np.random.default_rng(3).random(n) < 0.2
labels = np.where(flip, 1 - labels, labels)
with open(os.path.join(out, f'rows{width}-{n}.csv'), 'w') as f:
    f.write(','.join([f'f{j + 1}' for j in range(28)] + ['label']) + '\n')
    np.savetxt(f, np.column_stack([rows, labels]), fmt=['%.7g'] * 28 + ['%d'], delimiter=',')
