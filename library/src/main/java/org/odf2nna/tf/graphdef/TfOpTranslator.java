package org.odf2nna.tf.graphdef;

import java.util.List;

/** Translates one TensorFlow op: its outputs' values, constants folded where every input is one. */
@FunctionalInterface
interface TfOpTranslator {

    /** The node's outputs in order (as many as the graph reads), emitting ONNX nodes into {@code graph}. */
    List<TfValue> translate(TfNode node, OnnxGraph graph);
}
