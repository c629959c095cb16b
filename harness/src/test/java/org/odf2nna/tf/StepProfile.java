package org.odf2nna.tf;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.odf2nna.harness.bench.RetrainFiles;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Where a training step of {@link DenseTrainer} spends its time (not a test: a tool for
 * docs/research/PERFORMANCE.md). Builds the same graph as DenseTrainer (softmax cross-entropy problems) on a problem
 * written by {@code bench retrain} and times, per step and after warm-up: making the two batch tensors
 * alone, a session run that only fetches a variable, the forward pass with the loss, and the whole Adam
 * step as DenseTrainer runs it; plus the very first step (graph optimisation and kernel set-up).
 *
 * <p>{@code java -cp "harness/target/test-classes:harness/target/classes:cli/target/lib/*" org.odf2nna.tf.StepProfile DIR [ROUNDS]}
 */
public final class StepProfile {

    private StepProfile() {
    }

    public static void main(String[] args) {
        RetrainFiles.Problem p = RetrainFiles.read(Path.of(args[0]));
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        if (!p.problem().loss().equals(Loss.SOFTMAX_CROSS_ENTROPY.name())) {
            throw new IllegalArgumentException("StepProfile takes softmax cross-entropy problems");
        }
        org.odf2nna.api.Rows rows = p.problem().training();
        TrainingData train = new TrainingData(rows.features(), rows.targets(), rows.count(), rows.width());
        int batch = p.options().batchSize();
        int classes = p.problem().network().outputs();
        try (TfNetworkGraph net = new TfNetworkGraph(p.problem().network(), true);
             Session session = TfSessions.open(net.graph, org.odf2nna.Device.CPU)) {
            Ops tf = net.tf;
            Placeholder<TFloat32> labels = tf.withName("labels").placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, classes)));
            Operand<TFloat32> loss = tf.math.mean(tf.math.neg(tf.reduceSum(tf.math.mul(labels,
                    tf.nn.logSoftmax(net.logits)), tf.constant(1))), tf.constant(0));
            AdamStep adam = new AdamStep(net.graph, tf, loss, net.variables, net.shapes, p.options().learningRate());
            Session.Runner weights = session.runner();
            net.initializers.forEach(weights::addTarget);
            weights.run().close();
            Session.Runner state = session.runner();
            adam.initializers.forEach(state::addTarget);
            state.run().close();
            int[] order = TrainingData.permutation(train.rows(), new Random(0));
            int steps = train.rows() / batch;
            Step graph = new Step(session, net, labels, loss, adam);

            long first = System.nanoTime();
            graph.run(train, order, 0, batch, classes);
            double firstMs = (System.nanoTime() - first) / 1e6;

            double[][] perStep = new double[4][rounds];
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                for (int s = 0; s < steps; s++) {
                    try (TFloat32 x = rows(train, order, s * batch, batch);
                         TFloat32 y = oneHot(train, order, s * batch, batch, classes)) {
                        x.shape();
                    }
                }
                long t1 = System.nanoTime();
                for (int s = 0; s < steps; s++) {
                    try (Result out = session.runner().fetch(net.biases.get(0)).run()) {
                        out.size();
                    }
                }
                long t2 = System.nanoTime();
                for (int s = 0; s < steps; s++) {
                    try (TFloat32 x = rows(train, order, s * batch, batch);
                         TFloat32 y = oneHot(train, order, s * batch, batch, classes);
                         Result out = session.runner().feed(net.input, x).feed(labels, y).fetch(loss).run()) {
                        ((TFloat32) out.get(0)).getFloat();
                    }
                }
                long t3 = System.nanoTime();
                for (int s = 0; s < steps; s++) {
                    graph.run(train, order, s * batch, batch, classes);
                }
                long t4 = System.nanoTime();
                perStep[0][r] = (t1 - t0) / 1e3 / steps;
                perStep[1][r] = (t2 - t1) / 1e3 / steps;
                perStep[2][r] = (t3 - t2) / 1e3 / steps;
                perStep[3][r] = (t4 - t3) / 1e3 / steps;
            }
            String[] names = {"two batch tensors (copy + TFloat32.tensorOf)", "session run fetching one variable",
                "forward pass + loss (feed x, y; fetch loss)", "whole Adam step as DenseTrainer runs it"};
            System.out.printf(Locale.ROOT, "%s: %d rows of %d, batch %d, %d steps per pass, %d passes per figure "
                    + "(the second half, after warm-up)%n", args[0], train.rows(), train.width(), batch, steps, rounds);
            System.out.printf(Locale.ROOT, "  first step (graph optimisation, kernel set-up): %.1f ms%n", firstMs);
            for (int k = 0; k < 4; k++) {
                double[] later = Arrays.copyOfRange(perStep[k], rounds / 2, rounds);
                Arrays.sort(later);
                System.out.printf(Locale.ROOT, "  %-46s median %6.1f µs, min %6.1f µs per step%n", names[k],
                        later[later.length / 2], later[0]);
            }
        }
    }

    /** One Adam step as DenseTrainer runs it: the session, the network's graph, the labels, the loss, the step. */
    private record Step(Session session, TfNetworkGraph net, Placeholder<TFloat32> labels, Operand<TFloat32> loss,
            AdamStep adam) {

        void run(TrainingData train, int[] order, int from, int batch, int classes) {
            try (TFloat32 x = rows(train, order, from, batch);
                 TFloat32 y = oneHot(train, order, from, batch, classes);
                 Result out = session.runner().feed(net.input, x).feed(labels, y).addTarget(adam.step).fetch(loss)
                         .run()) {
                ((TFloat32) out.get(0)).getFloat();
            }
        }
    }

    private static TFloat32 rows(TrainingData data, int[] order, int from, int n) {
        int width = data.width();
        float[] x = new float[n * width];
        for (int i = 0; i < n; i++) {
            System.arraycopy(data.inputs(), order[from + i] * width, x, i * width, width);
        }
        return TFloat32.tensorOf(Shape.of(n, width), DataBuffers.of(x, true, false));
    }

    private static TFloat32 oneHot(TrainingData data, int[] order, int from, int n, int classes) {
        float[] y = new float[n * classes];
        for (int i = 0; i < n; i++) {
            y[i * classes + (int) data.targets()[order[from + i]]] = 1f;
        }
        return TFloat32.tensorOf(Shape.of(n, classes), DataBuffers.of(y, true, false));
    }
}
