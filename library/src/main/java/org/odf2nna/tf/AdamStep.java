package org.odf2nna.tf;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * One Adam step (Kingma & Ba) as graph ops, written so that a step computes the same thing every time.
 *
 * <p>The weights are reference variables, which an op reads when it runs. Two orderings therefore
 * matter and are made explicit with control dependencies: every update waits until every gradient has
 * been computed (otherwise the update of a later layer's weights can land before the backward pass has
 * read them for an earlier layer's gradient), and the bias-correction powers β1^t and β2^t advance only
 * after every update has read them. tensorflow-framework's Adam orders neither (its {@code finish}
 * appends the power updates without dependencies), which made the same seed give different weights.
 * All state (moments, powers) is assigned explicitly by {@link #initializers}, not by registered
 * initialisers, which TensorFlow runs in one step in no fixed order.
 */
final class AdamStep {

    static final float BETA1 = 0.9f;
    static final float BETA2 = 0.999f;
    static final float EPSILON = 1e-7f;

    /** Assignments of the optimizer's starting state; run once, after the weights are assigned. */
    final List<Op> initializers = new ArrayList<>();
    /** The target that performs one step. */
    final Op step;
    /** The step's learning rate: the constant given unless a value is fed (a schedule feeds one per step). */
    final Operand<TFloat32> learningRate;

    /**
     * Adds this part's gradients, times {@link #share}, to the accumulators, for a {@link #step} that applies their sum
     * ({@link #accumulating}); null for a step that computes its own gradients.
     */
    final Op accumulate;
    /** The share of the step's batch the part fed to {@link #accumulate} is (its targets counted over the batch's). */
    final Operand<TFloat32> share;

    AdamStep(Graph graph, Ops tf, Operand<TFloat32> loss, List<Variable<TFloat32>> variables, List<Shape> shapes,
            float learningRate) {
        this(graph, tf, loss, variables, shapes, learningRate, false);
    }

    /**
     * A step whose batch is fed in parts: {@link #accumulate} once per part, then {@link #step} applies the sum and
     * clears it. The gradient of the batch's mean loss is the parts' gradients weighted by their shares, so the step is
     * the one-batch step's (up to the order of float sums) while TensorFlow holds one part's activations at a time.
     */
    static AdamStep accumulating(Graph graph, Ops tf, Operand<TFloat32> loss, List<Variable<TFloat32>> variables,
            List<Shape> shapes, float learningRate) {
        return new AdamStep(graph, tf, loss, variables, shapes, learningRate, true);
    }

    private AdamStep(Graph graph, Ops tf, Operand<TFloat32> loss, List<Variable<TFloat32>> variables,
            List<Shape> shapes, float learningRate, boolean accumulated) {
        Output<?>[] x = new Output<?>[variables.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = variables.get(i).asOutput();
        }
        Output<?>[] computed = graph.addGradients(loss.asOutput(), x);
        List<Op> gradientsDone = new ArrayList<>();
        Operand<?>[] gradients = new Operand<?>[computed.length];
        List<Variable<TFloat32>> accumulators = new ArrayList<>();
        if (accumulated) {
            this.share = tf.withName("adam_share").placeholderWithDefault(tf.constant(1f), Shape.scalar());
            List<Op> adds = new ArrayList<>();
            for (int i = 0; i < computed.length; i++) {
                Shape shape = shapes.get(i);
                Variable<TFloat32> sum = tf.withName("adam_sum" + i).variable(shape, TFloat32.class);
                initializers.add(tf.assign(sum, tf.zeros(tf.constant(shape.asArray()), TFloat32.class)));
                @SuppressWarnings("unchecked")
                Operand<TFloat32> g = (Operand<TFloat32>) computed[i];
                adds.add(tf.assignAdd(sum, tf.math.mul(g, share)));
                gradients[i] = sum;
                accumulators.add(sum);
            }
            this.accumulate = tf.withControlDependencies(adds).withName("adam_accumulate").noOp();
        } else {
            this.share = null;
            this.accumulate = null;
            for (int i = 0; i < computed.length; i++) {
                gradientsDone.add(tf.identity(computed[i]));
                gradients[i] = computed[i];
            }
        }
        Variable<TFloat32> beta1Power = tf.withName("adam_beta1_power").variable(Shape.scalar(), TFloat32.class);
        Variable<TFloat32> beta2Power = tf.withName("adam_beta2_power").variable(Shape.scalar(), TFloat32.class);
        initializers.add(tf.assign(beta1Power, tf.constant(BETA1)));
        initializers.add(tf.assign(beta2Power, tf.constant(BETA2)));
        this.learningRate = tf.withName("adam_learning_rate").placeholderWithDefault(tf.constant(learningRate),
                Shape.scalar());
        Ops afterGradients = tf.withControlDependencies(gradientsDone);
        List<Op> updates = new ArrayList<>();
        for (int i = 0; i < variables.size(); i++) {
            Shape shape = shapes.get(i);
            Variable<TFloat32> m = tf.withName("adam_m" + i).variable(shape, TFloat32.class);
            Variable<TFloat32> v = tf.withName("adam_v" + i).variable(shape, TFloat32.class);
            initializers.add(tf.assign(m, tf.zeros(tf.constant(shape.asArray()), TFloat32.class)));
            initializers.add(tf.assign(v, tf.zeros(tf.constant(shape.asArray()), TFloat32.class)));
            @SuppressWarnings("unchecked")
            Operand<TFloat32> gradient = (Operand<TFloat32>) gradients[i];
            updates.add(afterGradients.train.applyAdam(variables.get(i), m, v, beta1Power, beta2Power,
                    this.learningRate, tf.constant(BETA1), tf.constant(BETA2), tf.constant(EPSILON),
                    gradient));
        }
        Ops afterUpdates = tf.withControlDependencies(updates);
        List<Op> all = new ArrayList<>(updates);
        all.add(afterUpdates.assign(beta1Power, tf.math.mul(beta1Power, tf.constant(BETA1))));
        all.add(afterUpdates.assign(beta2Power, tf.math.mul(beta2Power, tf.constant(BETA2))));
        for (int i = 0; i < accumulators.size(); i++) {
            // Cleared after every update has read it: the next step's parts add to zero.
            Variable<TFloat32> sum = accumulators.get(i);
            all.add(afterUpdates.assign(sum, tf.zeros(tf.constant(shapes.get(i).asArray()), TFloat32.class)));
        }
        step = tf.withControlDependencies(all).withName("adam_step").noOp();
    }
}
