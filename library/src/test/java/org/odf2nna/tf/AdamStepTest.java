package org.odf2nna.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * A step fed in parts ({@link AdamStep#accumulating}) is the step on the whole batch: a linear model's mean squared
 * error over 6 rows, stepped three times on all 6 at once and three times on parts of 4 and 2 (shares 4/6 and 2/6),
 * ends at the same weights; a step whose parts were not weighted by their shares does not.
 */
class AdamStepTest {

    private static final float[] X = {1, 2, 0.5f, -1, 3, 1, 0, 1, -2, 2, 1, 1};
    private static final float[] Y = {1, -1, 2, 0.5f, 3, -2};

    @Test
    void aStepFedInPartsIsTheStepOnTheWholeBatch() {
        float[] whole = train(false, new int[] {6}, true);
        float[] parts = train(true, new int[] {4, 2}, true);
        assertArrayEquals(whole, parts, 1e-6f);
        float[] unweighted = train(true, new int[] {4, 2}, false);
        assertFalse(Math.abs(unweighted[0] - whole[0]) < 1e-4 && Math.abs(unweighted[1] - whole[1]) < 1e-4,
                "parts summed without their shares must step elsewhere");
    }

    /** The weights after three steps, each on the 6 rows fed in parts of {@code sizes}. */
    private static float[] train(boolean accumulated, int[] sizes, boolean weighted) {
        try (Graph graph = new Graph(); Session session = TfSessions.open(graph, Device.CPU)) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 2)));
            Placeholder<TFloat32> y = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
            Variable<TFloat32> w = tf.variable(Shape.of(2, 1), TFloat32.class);
            Op init = tf.assign(w, tf.constant(new float[][] {{0.3f}, {-0.2f}}));
            Operand<TFloat32> error = tf.math.sub(tf.reshape(tf.linalg.matMul(x, w), tf.constant(new int[] {-1})), y);
            Operand<TFloat32> loss = tf.math.mean(tf.math.square(error), tf.constant(0));
            AdamStep adam = accumulated ? AdamStep.accumulating(graph, tf, loss, List.of(w), List.of(Shape.of(2, 1)),
                    0.1f) : new AdamStep(graph, tf, loss, List.of(w), List.of(Shape.of(2, 1)), 0.1f);
            DenseTrainer.initialise(session, List.of(init), adam);
            for (int step = 0; step < 3; step++) {
                int at = 0;
                for (int n : sizes) {
                    feed(session, adam, x, y, at, n, weighted ? (float) n / 6 : 1f, accumulated);
                    at += n;
                }
                if (accumulated) {
                    session.runner().addTarget(adam.step).run().close();
                }
            }
            try (Result r = session.runner().fetch(w).run()) {
                float[] out = new float[2];
                ((TFloat32) r.get(0)).copyTo(DataBuffers.of(out, false, false));
                return out;
            }
        }
    }

    private static void feed(Session session, AdamStep adam, Placeholder<TFloat32> x, Placeholder<TFloat32> y, int at,
            int n, float share, boolean accumulated) {
        float[] xs = java.util.Arrays.copyOfRange(X, 2 * at, 2 * (at + n));
        float[] ys = java.util.Arrays.copyOfRange(Y, at, at + n);
        try (TFloat32 xt = TFloat32.tensorOf(Shape.of(n, 2), DataBuffers.of(xs, true, false));
             TFloat32 yt = TFloat32.tensorOf(Shape.of(n), DataBuffers.of(ys, true, false));
             TFloat32 s = TFloat32.scalarOf(share)) {
            Session.Runner runner = session.runner().feed(x, xt).feed(y, yt);
            if (accumulated) {
                runner.feed(adam.share, s).addTarget(adam.accumulate);
            } else {
                runner.addTarget(adam.step);
            }
            runner.run().close();
        }
    }
}
