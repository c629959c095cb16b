package org.odf2nna.tf;

import org.odf2nna.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.LearningRateSchedule;
import org.odf2nna.settings.TrainingOptions;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Trains a dense chain with TensorFlow Java, starting from its current weights.
 *
 * <p>Adam ({@link AdamStep}) on mini-batches in a seeded order; after every epoch the validation rows are scored, and the
 * weights with the best validation figure (accuracy, or MSE for regression; validation loss breaks ties)
 * are kept. The starting weights compete too (epoch 0), so training never returns a network that does
 * worse on the validation rows than the one it was given. Training stops early after {@code patience}
 * epochs without improvement.
 */
public final class DenseTrainer {

    /** Receives one record per finished epoch, for progress bars. */
    @FunctionalInterface
    public interface EpochListener {
        void epochDone(TrainingResult.Epoch epoch, int epochs);
    }

    private static final int EVALUATION_BATCH = 8192;

    private DenseTrainer() {
    }

    public static TrainingResult train(DenseNetwork start, TrainingData train, TrainingData validation, Loss loss,
            TrainingOptions options, EpochListener listener) {
        return train(start, train, null, validation, loss, options, Distillation.NONE, listener);
    }

    /**
     * Training with a teacher: {@code soft} holds, for every training row, what the teacher says (see
     * {@link #softTargets}); the loss mixes it with the targets as {@code distillation} says.
     *
     * @param soft the teacher's soft targets, {@code train.rows() × start.outputs()}; null when
     *             {@code distillation} does not use the teacher
     */
    public static TrainingResult train(DenseNetwork start, TrainingData train, float[] soft, TrainingData validation,
            Loss loss, TrainingOptions options, Distillation distillation, EpochListener listener) {
        if (distillation.usesTeacher() && (soft == null || soft.length < (long) train.rows() * start.outputs())) {
            throw new IllegalArgumentException("distillation needs the teacher's outputs for every training row");
        }
        return train(start, TrainingSet.inMemory(train, soft, start.outputs()), validation, loss, options,
                distillation, listener);
    }

    /**
     * Training on rows in memory or streamed from disk ({@link TrainingSet}), with the teacher's soft targets in the
     * set when {@code distillation} uses them.
     */
    public static TrainingResult train(DenseNetwork start, TrainingSet train, TrainingData validation, Loss loss,
            TrainingOptions options, Distillation distillation, EpochListener listener) {
        checkInputs(start, train, validation, distillation);
        try (TfNetworkGraph net = new TfNetworkGraph(start, true);
             Session session = TfSessions.open(net.graph, options.device())) {
            Losses losses = Losses.build(net.tf, net.logits, start.outputs(), loss, distillation);
            AdamStep adam = new AdamStep(net.graph, net.tf, losses.trainLoss(), net.variables, net.shapes,
                    options.learningRate());
            initialise(session, net.initializers, adam);
            TrainingGraph graph = new TrainingGraph(net.input, net.logits, losses, adam.step);
            DenseNetwork[] best = {start};
            Loop run = loop(session, graph, train, validation, loss, options, listener,
                    () -> best[0] = readWeights(session, net, start));
            return new TrainingResult(best[0], run.bestEpoch(), run.epochsRun(), run.history());
        }
    }

    /**
     * The rows a loop steps on, with the teacher's outputs for each of them when distilling.
     *
     * @param rows the training rows
     * @param soft the teacher's outputs, row after row, or null without a teacher
     */
    record Taught(TrainingData rows, float[] soft) {

        /** The rows as a loop reads them, {@code outputs} soft targets per row. */
        TrainingSet set(int outputs) {
            return TrainingSet.inMemory(rows, soft, outputs);
        }
    }

    /** What {@link #loop} did: the epoch whose weights were kept, the epochs run, one record per epoch. */
    record Loop(int bestEpoch, int epochsRun, List<TrainingResult.Epoch> history) {
    }

    /**
     * The training loop every trainer of the package runs: the starting weights scored first (epoch 0), then epochs of
     * Adam steps on batches in a seeded order, each scored on the validation rows; {@code keepBest} runs whenever an
     * epoch beats the best so far (the caller reads its weights then), and training stops after {@code patience}
     * epochs without one.
     */
    static Loop loop(Session session, TrainingGraph graph, TrainingSet train, TrainingData validation, Loss loss,
            TrainingOptions options, EpochListener listener, Runnable keepBest) {
        List<TrainingResult.Epoch> history = new ArrayList<>();
        double[] figures = evaluate(session, graph, validation, loss);
        TrainingResult.Epoch first = new TrainingResult.Epoch(0, Double.NaN, figures[0], figures[1]);
        history.add(first);
        listener.epochDone(first, options.epochs());
        TrainingResult.Epoch bestEpoch = first;
        int sinceBest = 0;
        Random random = new Random(options.seed());
        int epochsRun = 0;
        long stepsPerEpoch = (train.rows() + options.batchSize() - 1) / options.batchSize();
        for (int epoch = 1; epoch <= options.epochs(); epoch++) {
            double lossSum = trainEpoch(session, graph, train, random, options.batchSize(),
                    (epoch - 1) * stepsPerEpoch, options.epochs() * stepsPerEpoch, options.learningRate());
            epochsRun = epoch;
            figures = evaluate(session, graph, validation, loss);
            TrainingResult.Epoch record = new TrainingResult.Epoch(epoch, lossSum / train.rows(), figures[0],
                    figures[1]);
            history.add(record);
            listener.epochDone(record, options.epochs());
            if (record.beats(bestEpoch, loss)) {
                bestEpoch = record;
                keepBest.run();
                sinceBest = 0;
            } else if (options.patience() > 0 && ++sinceBest >= options.patience()) {
                break;
            }
        }
        return new Loop(bestEpoch.epoch(), epochsRun, history);
    }

    /**
     * The losses on a graph's values before its head: {@code lossOp} on the targets (what validation reports), and
     * {@code trainLoss}, what the steps minimise (mixed with the teacher's as the distillation says).
     */
    record Losses(Placeholder<TFloat32> labels, Placeholder<TFloat32> teacherTargets, Operand<TFloat32> lossOp,
            Operand<TFloat32> trainLoss, int labelWidth, int outputs) {

        static Losses build(Ops tf, Operand<TFloat32> logits, int outputs, Loss loss, Distillation distillation) {
            // Class targets go in one-hot: TF's C++ gradient registry lacks the sparse cross-entropy op.
            int labelWidth = loss == Loss.SOFTMAX_CROSS_ENTROPY ? outputs : 1;
            Placeholder<TFloat32> labels = tf.withName("labels").placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, labelWidth)));
            Operand<TFloat32> lossOp = DenseTrainer.lossOp(tf, logits, labels, loss);
            Placeholder<TFloat32> teacherTargets = null;
            Operand<TFloat32> trainLoss = lossOp;
            if (distillation.usesTeacher()) {
                teacherTargets = tf.withName("teacher").placeholder(TFloat32.class,
                        Placeholder.shape(Shape.of(-1, outputs)));
                trainLoss = distilledLoss(tf, logits, lossOp, teacherTargets, loss, distillation);
            }
            return new Losses(labels, teacherTargets, lossOp, trainLoss, labelWidth, outputs);
        }
    }

    private static void checkInputs(DenseNetwork start, TrainingSet train, TrainingData validation,
            Distillation distillation) {
        if (distillation.usesTeacher() && train.softWidth() < start.outputs()) {
            throw new IllegalArgumentException("distillation needs the teacher's outputs for every training row");
        }
        if (train.width() != start.inputs() || validation.width() != start.inputs()) {
            throw new IllegalArgumentException("training rows have " + train.width() + " values, the network takes "
                    + start.inputs());
        }
        if (train.rows() == 0) {
            throw new IllegalArgumentException("no training rows");
        }
    }

    /**
     * The loss trained on with a teacher: the loss on the teacher's targets, softened by the temperature (and
     * scaled by its square, so that its gradients keep their size), mixed with the loss on the targets.
     */
    private static Operand<TFloat32> distilledLoss(Ops tf, Operand<TFloat32> logits, Operand<TFloat32> lossOp,
            Placeholder<TFloat32> teacherTargets, Loss loss, Distillation distillation) {
        float t = (float) distillation.temperature();
        Operand<TFloat32> softened = loss == Loss.MEAN_SQUARED_ERROR ? logits : tf.math.div(logits, tf.constant(t));
        Operand<TFloat32> softLoss = tf.math.mul(lossOp(tf, softened, teacherTargets, loss),
                tf.constant(loss == Loss.MEAN_SQUARED_ERROR ? 1f : t * t));
        float hard = (float) distillation.hardWeight();
        return hard == 0 ? softLoss : tf.math.add(tf.math.mul(lossOp, tf.constant(hard)),
                tf.math.mul(softLoss, tf.constant(1 - hard)));
    }

    /** Weights first, then the optimizer's state: explicit steps, in this order. */
    static void initialise(Session session, List<Op> weightInitializers, AdamStep adam) {
        Session.Runner assignWeights = session.runner();
        weightInitializers.forEach(assignWeights::addTarget);
        TfRuns.run(assignWeights).close();
        Session.Runner assignState = session.runner();
        adam.initializers.forEach(assignState::addTarget);
        TfRuns.run(assignState).close();
    }

    /**
     * What one training step feeds and runs: the graph's input, its values before the head, the losses, the step, and
     * the step's learning rate with its schedule (null: the constant the step was built with).
     */
    record TrainingGraph(Placeholder<TFloat32> input, Operand<TFloat32> logits, Losses losses, Op minimize,
            Operand<TFloat32> learningRate, LearningRateSchedule schedule) {

        TrainingGraph(Placeholder<TFloat32> input, Operand<TFloat32> logits, Losses losses, Op minimize) {
            this(input, logits, losses, minimize, null, null);
        }
    }

    /**
     * One pass over the training rows in an order drawn from {@code random}, a step per batch; returns the sum of the
     * rows' losses.
     */
    private static double trainEpoch(Session session, TrainingGraph g, TrainingSet train, Random random, int batchSize,
            long firstStep, long totalSteps, float peak) {
        Losses l = g.losses();
        boolean teacher = l.teacherTargets() != null;
        boolean scheduled = g.schedule() != null && g.schedule() != LearningRateSchedule.CONSTANT;
        double[] lossSum = {0};
        long[] step = {firstStep};
        int width = train.width();
        train.epoch(random, batchSize, (inputs, targets, soft, n) -> {
            try (TFloat32 x = TFloat32.tensorOf(Shape.of(n, width), DataBuffers.of(inputs, true, false));
                 TFloat32 y = targets(targets, n, l.labelWidth());
                 TFloat32 s = teacher ? TFloat32.tensorOf(Shape.of(n, l.outputs()), DataBuffers.of(
                         java.util.Arrays.copyOf(soft, n * l.outputs()), true, false)) : null;
                 TFloat32 rate = scheduled ? TFloat32.scalarOf(g.schedule().rate(peak, step[0], totalSteps)) : null) {
                Session.Runner runner = session.runner().feed(g.input(), x).feed(l.labels(), y);
                if (teacher) {
                    runner.feed(l.teacherTargets(), s);
                }
                if (scheduled) {
                    runner.feed(g.learningRate(), rate);
                }
                try (Result r = TfRuns.run(runner.addTarget(g.minimize()).fetch(l.trainLoss()))) {
                    lossSum[0] += ((TFloat32) r.get(0)).getFloat() * n;
                }
            }
            step[0]++;
        });
        return lossSum[0];
    }

    /** Network outputs (after the head) computed by TensorFlow, for checking the other runtimes. */
    public static float[] predict(DenseNetwork network, float[] inputs, int rows) {
        try (TfNetworkGraph net = new TfNetworkGraph(network, false);
             Session session = TfSessions.open(net.graph, Device.CPU);
             TFloat32 x = TFloat32.tensorOf(Shape.of(rows, network.inputs()),
                     DataBuffers.of(java.util.Arrays.copyOf(inputs, rows * network.inputs()), true, false));
             Result r = TfRuns.run(session.runner().feed(net.input, x).fetch(net.outputs))) {
            float[] out = new float[rows * network.outputs()];
            ((TFloat32) r.get(0)).copyTo(DataBuffers.of(out, false, false));
            return out;
        }
    }

    private static Operand<TFloat32> lossOp(Ops tf, Operand<TFloat32> logits, Operand<TFloat32> labels, Loss loss) {
        switch (loss) {
            case SOFTMAX_CROSS_ENTROPY: {
                Operand<TFloat32> perRow = tf.math.neg(tf.reduceSum(tf.math.mul(labels, tf.nn.logSoftmax(logits)),
                        tf.constant(1)));
                return tf.math.mean(perRow, tf.constant(0));
            }
            case SIGMOID_CROSS_ENTROPY: {
                Operand<TFloat32> y = labels;
                // max(z, 0) − z·y + log(1 + exp(−|z|)): the stable form of the logistic loss.
                Operand<TFloat32> perRow = tf.math.add(tf.math.sub(tf.nn.relu(logits), tf.math.mul(logits, y)),
                        tf.math.log1p(tf.math.exp(tf.math.neg(tf.math.abs(logits)))));
                return tf.math.mean(perRow, tf.constant(new int[] {0, 1}));
            }
            case MEAN_SQUARED_ERROR: {
                Operand<TFloat32> diff = tf.math.sub(logits, labels);
                return tf.math.mean(tf.math.mul(diff, diff), tf.constant(new int[] {0, 1}));
            }
            default:
                throw new IllegalArgumentException("unknown loss " + loss);
        }
    }

    private static TFloat32 rows(TrainingData data, int[] order, int from, int n) {
        int width = data.width();
        float[] x = new float[n * width];
        float[] all = data.inputs();
        for (int i = 0; i < n; i++) {
            System.arraycopy(all, order[from + i] * width, x, i * width, width);
        }
        return TFloat32.tensorOf(Shape.of(n, width), DataBuffers.of(x, true, false));
    }

    /**
     * What the teacher says about each row, as the soft loss reads it: for softmax classifiers its probabilities at
     * temperature T, for sigmoid outputs the probability of each output at T, for regression its outputs themselves.
     *
     * @param logits the teacher's outputs before its head (in the trainer's coordinates), {@code rows × width}
     */
    public static float[] softTargets(float[] logits, int rows, int width, Loss loss, double temperature) {
        float[] soft = new float[rows * width];
        for (int r = 0; r < rows; r++) {
            int at = r * width;
            switch (loss) {
                case SOFTMAX_CROSS_ENTROPY: {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < width; j++) {
                        max = Math.max(max, logits[at + j] / temperature);
                    }
                    double sum = 0;
                    for (int j = 0; j < width; j++) {
                        sum += Math.exp(logits[at + j] / temperature - max);
                    }
                    for (int j = 0; j < width; j++) {
                        soft[at + j] = (float) (Math.exp(logits[at + j] / temperature - max) / sum);
                    }
                    break;
                }
                case SIGMOID_CROSS_ENTROPY:
                    for (int j = 0; j < width; j++) {
                        soft[at + j] = (float) (1 / (1 + Math.exp(-logits[at + j] / temperature)));
                    }
                    break;
                default:
                    System.arraycopy(logits, at, soft, at, width);
            }
        }
        return soft;
    }

    /** Targets of the chosen rows: one-hot rows when {@code width} > 1, else the values. */
    private static TFloat32 targets(TrainingData data, int[] order, int from, int n, int width) {
        float[] all = data.targets();
        float[] chosen = new float[n];
        for (int i = 0; i < n; i++) {
            chosen[i] = all[order[from + i]];
        }
        return targets(chosen, n, width);
    }

    /** The first {@code n} targets: one-hot rows when {@code width} > 1, else the values. */
    static TFloat32 targets(float[] values, int n, int width) {
        float[] y = new float[n * width];
        for (int i = 0; i < n; i++) {
            float t = values[i];
            if (width > 1) {
                y[i * width + (int) t] = 1f;
            } else {
                y[i] = t;
            }
        }
        return TFloat32.tensorOf(Shape.of(n, width), DataBuffers.of(y, true, false));
    }

    /** Mean loss and metric (accuracy, or MSE) on all rows. */
    private static double[] evaluate(Session session, TrainingGraph g, TrainingData data, Loss loss) {
        Placeholder<TFloat32> labels = g.losses().labels();
        if (data.rows() == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        int[] identity = new int[data.rows()];
        for (int i = 0; i < identity.length; i++) {
            identity[i] = i;
        }
        int outputs = g.losses().outputs();
        double lossSum = 0;
        double metricSum = 0;
        for (int from = 0; from < data.rows(); from += EVALUATION_BATCH) {
            int n = Math.min(EVALUATION_BATCH, data.rows() - from);
            try (TFloat32 x = rows(data, identity, from, n);
                 TFloat32 y = targets(data, identity, from, n, (int) labels.shape().get(1));
                 Result r = TfRuns.run(session.runner().feed(g.input(), x).feed(labels, y)
                         .fetch(g.losses().lossOp()).fetch(g.logits()))) {
                lossSum += ((TFloat32) r.get(0)).getFloat() * n;
                float[] logits = new float[n * outputs];
                ((TFloat32) r.get(1)).copyTo(DataBuffers.of(logits, false, false));
                for (int i = 0; i < n; i++) {
                    float target = data.targets()[from + i];
                    switch (loss) {
                        case SOFTMAX_CROSS_ENTROPY: {
                            int best = 0;
                            for (int j = 1; j < outputs; j++) {
                                if (logits[i * outputs + j] > logits[i * outputs + best]) {
                                    best = j;
                                }
                            }
                            metricSum += best == (int) target ? 1 : 0;
                            break;
                        }
                        case SIGMOID_CROSS_ENTROPY:
                            metricSum += (logits[i] > 0 ? 1 : 0) == (int) target ? 1 : 0;
                            break;
                        default: {
                            double d = logits[i] - target;
                            metricSum += d * d;
                        }
                    }
                }
            }
        }
        return new double[] {lossSum / data.rows(), metricSum / data.rows()};
    }


    private static DenseNetwork readWeights(Session session, TfNetworkGraph net, DenseNetwork shape) {
        List<DenseLayer> layers = new ArrayList<>();
        for (int l = 0; l < shape.layers().size(); l++) {
            DenseLayer old = shape.layer(l);
            float[] w = new float[old.inputs() * old.units()];
            float[] b = new float[old.units()];
            try (Result r = TfRuns.run(session.runner().fetch(net.weights.get(l)).fetch(net.biases.get(l)))) {
                ((TFloat32) r.get(0)).copyTo(DataBuffers.of(w, false, false));
                ((TFloat32) r.get(1)).copyTo(DataBuffers.of(b, false, false));
            }
            layers.add(old.withWeights(w, b));
        }
        return shape.withLayers(layers);
    }
}
