package org.odf2nna.tf;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * A dense chain as a TensorFlow graph: {@code x → (x·W + b, activation)* → logits → head}. Weights
 * are variables (for training) or constants (for inference). Variable names are flat ({@code w0},
 * {@code b0}, ...) because TF Java's optimizers reject variables in sub-scopes.
 */
final class TfNetworkGraph implements AutoCloseable {

    final Graph graph;
    final Ops tf;
    final Placeholder<TFloat32> input;
    final List<Operand<TFloat32>> weights = new ArrayList<>();
    final List<Operand<TFloat32>> biases = new ArrayList<>();
    /** Assignments of the starting weights to the variables; run before anything reads them. */
    final List<Op> initializers = new ArrayList<>();
    /** The trainable variables (weights and biases, layer by layer) and their shapes; empty for inference. */
    final List<Variable<TFloat32>> variables = new ArrayList<>();
    final List<Shape> shapes = new ArrayList<>();
    /** The output layer's values before the head. */
    final Operand<TFloat32> logits;
    /** After the head: what the model outputs. */
    final Operand<TFloat32> outputs;

    TfNetworkGraph(DenseNetwork network, boolean trainable) {
        graph = new Graph();
        tf = Ops.create(graph);
        input = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, network.inputs())));
        Operand<TFloat32> h = input;
        for (int l = 0; l < network.layers().size(); l++) {
            DenseLayer layer = network.layer(l);
            Operand<TFloat32> w = tf.constant(Shape.of(layer.inputs(), layer.units()),
                    DataBuffers.of(layer.weights(), true, false));
            Operand<TFloat32> b = tf.constant(Shape.of(layer.units()), DataBuffers.of(layer.bias(), true, false));
            if (trainable) {
                // Variables without registered initialisers: the caller assigns them first, explicitly,
                // because initialisers registered with the graph run in one step in no fixed order.
                Variable<TFloat32> wv = tf.withName("w" + l).variable(Shape.of(layer.inputs(), layer.units()),
                        TFloat32.class);
                Variable<TFloat32> bv = tf.withName("b" + l).variable(Shape.of(layer.units()), TFloat32.class);
                initializers.add(tf.assign(wv, w));
                initializers.add(tf.assign(bv, b));
                variables.add(wv);
                shapes.add(Shape.of(layer.inputs(), layer.units()));
                variables.add(bv);
                shapes.add(Shape.of(layer.units()));
                w = wv;
                b = bv;
            }
            weights.add(w);
            biases.add(b);
            h = activation(tf, tf.nn.biasAdd(tf.linalg.matMul(h, w), b), layer.activation());
        }
        logits = h;
        outputs = head(tf, h, network);
    }

    static Operand<TFloat32> activation(Ops tf, Operand<TFloat32> x, Activation a) {
        Operand<TFloat32> zero = tf.constant(0f);
        switch (a.kind()) {
            case IDENTITY:
                return x;
            case RELU:
                return tf.nn.relu(x);
            case LEAKY_RELU:
                return tf.math.add(tf.nn.relu(x), tf.math.mul(tf.constant(a.alpha()), tf.math.minimum(x, zero)));
            case ELU:
                return elu(tf, x, a.alpha());
            case SELU:
                return tf.math.mul(tf.constant(a.beta()), elu(tf, x, a.alpha()));
            case SIGMOID:
                return tf.math.sigmoid(x);
            case TANH:
                return tf.math.tanh(x);
            case SOFTPLUS:
                return tf.math.softplus(x);
            case HARD_SIGMOID:
                return tf.math.maximum(zero, tf.math.minimum(tf.constant(1f),
                        tf.math.add(tf.math.mul(tf.constant(a.alpha()), x), tf.constant(a.beta()))));
            case CLIP:
                return tf.math.maximum(tf.constant(a.alpha()), tf.math.minimum(tf.constant(a.beta()), x));
            default:
                throw new IllegalArgumentException("unsupported activation " + a);
        }
    }

    /** relu(x) + alpha·(exp(min(x, 0)) − 1): no overflow, and a finite gradient everywhere. */
    private static Operand<TFloat32> elu(Ops tf, Operand<TFloat32> x, float alpha) {
        Operand<TFloat32> negative = tf.math.sub(tf.math.exp(tf.math.minimum(x, tf.constant(0f))), tf.constant(1f));
        return tf.math.add(tf.nn.relu(x), tf.math.mul(tf.constant(alpha), negative));
    }

    private static Operand<TFloat32> head(Ops tf, Operand<TFloat32> logits, DenseNetwork network) {
        switch (network.head()) {
            case NONE:
                return logits;
            case SOFTMAX:
                return tf.nn.softmax(logits);
            case LOG_SOFTMAX:
                return tf.nn.logSoftmax(logits);
            case SIGMOID:
                return tf.math.sigmoid(logits);
            default:
                throw new IllegalArgumentException("unsupported head " + network.head());
        }
    }

    @Override
    public void close() {
        graph.close();
    }
}
