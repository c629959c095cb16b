package org.odf2nna.tf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.LearningRateSchedule;
import org.odf2nna.settings.TrainingOptions;
import org.odf2nna.tf.ops.UnsupportedOperatorException;
import org.odf2nna.tf.ops.OnnxTensorValues;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * End-to-end retraining of a graph whose first output holds classes per position, {@code [N, T, V]} (a language
 * model's logits): {@link GraphRetrainer}'s retraining with every window a row of the batch and every position a row
 * of the loss. The loss at a position is the cross-entropy of its target (for next-token prediction the window's token
 * at t + 1; the last position, and any target below 0 such as Hugging Face's -100, counts for nothing), mixed as the
 * {@link Distillation} says with the cross-entropy to the original's softmax at that position, softened by the
 * temperature (distillation per token); the means are over the positions counted. Without targets the original's
 * argmax at each position stands in, and the teacher alone is trained on. The teacher's logits are computed batch by
 * batch in TensorFlow from the original's translation: the original's outputs on every window (V values per position)
 * are never held. The held-out windows choose the epoch by their mean cross-entropy per target (the log of their
 * perplexity), lower better; the metric beside it is the share of targets that are the argmax.
 */
final class SequenceRetrainer {

    /** Positions one step reads at most: a batch holds at most this many windows' positions (64 windows of 128). */
    static final int STEP_POSITIONS = 8192;

    private SequenceRetrainer() {
    }

    /**
     * The positions and classes of {@code logits} when it is {@code [N, T, V]} with T and V known, else null. T unknown
     * to the translation is the token ids' positions where several inputs are packed and the ids are {@code [N, T]}:
     * a decoder fed its empty key/value cache computes its position ids from the cache's length, a size TensorFlow
     * does not know before it runs.
     */
    static int[] shape(Operand<TFloat32> logits, GraphRetrainer.Rows fed) {
        Shape s = logits.shape();
        if (s.numDimensions() != 3 || s.size(2) <= 1) {
            return null;
        }
        long positions = s.size(1);
        if (positions <= 0 && fed.packing() != null) {
            long[] ids = fed.packing().parts().get(0).rowShape();
            positions = ids.length == 1 && !OnnxTensorValues.isFloating(fed.packing().parts().get(0).elementType())
                    ? ids[0] : -1;
        }
        return positions > 0 ? new int[] {(int) positions, (int) s.size(2)} : null;
    }

    /**
     * The first output's positions or classes unknown to the translation (a Reshape to {@code [N, -1, K]}, as
     * torchvision's detection heads write): refused as a node without translation is, so the round keeps its refit.
     */
    private static UnsupportedOperatorException unknownPositions(ModelProto pruned, Shape shape) {
        String output = pruned.getGraph().getOutput(0).getName();
        NodeProto last = pruned.getGraph().getNodeList().stream().filter(n -> n.getOutputList().contains(output))
                .findFirst().orElse(NodeProto.getDefaultInstance());
        return new UnsupportedOperatorException(last.getName(), last.getOpType(), "its output '" + output
                + "' has shape " + shape + " in the translation, and retraining per position needs its positions "
                + "and classes known");
    }

    /**
     * Positions TensorFlow runs at once: a step's batch is fed in parts of at most this many windows' positions, its
     * gradients summed ({@link AdamStep#accumulating}). A step of 8,192 positions of a 4-layer GPT (d_model 256,
     * 1,024 MLP units) held about 1.3 GB of activations for the backward pass; a part of 2,048 holds a quarter.
     */
    static final int PART_POSITIONS = 2048;

    /** Windows per part of a step of {@code windows} windows of {@code positions} ({@link #PART_POSITIONS}). */
    static int windowsPerPart(int windows, int positions) {
        return Math.max(1, Math.min(windows, PART_POSITIONS / positions));
    }

    /** Windows per step: the settings' batch size, cut so that a step reads at most {@link #STEP_POSITIONS}. */
    static int windowsPerStep(int batchSize, int positions) {
        return Math.max(1, Math.min(batchSize, STEP_POSITIONS / positions));
    }

    /**
     * The losses over positions.
     *
     * @param labels  one-hot targets {@code [windows × positions, V]}, a row of zeros where a position counts for
     *                nothing
     * @param teacher the original's softmax at the temperature per position, or null without a teacher
     * @param hard    the mean cross-entropy of the targets counted
     * @param train   what the steps minimise
     * @param flat    the logits as {@code [windows × positions, V]}
     */
    record Losses(Placeholder<TFloat32> labels, Placeholder<TFloat32> teacher, Operand<TFloat32> hard,
            Operand<TFloat32> train, Operand<TFloat32> flat, int classes) {

        static Losses build(Ops tf, Operand<TFloat32> logits, int classes, Distillation distillation) {
            Operand<TFloat32> flat = tf.reshape(logits, tf.constant(new int[] {-1, classes}));
            Placeholder<TFloat32> labels = tf.withName("labels").placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, classes)));
            Operand<TFloat32> hard = meanCrossEntropy(tf, labels, tf.nn.logSoftmax(flat));
            if (!distillation.usesTeacher()) {
                return new Losses(labels, null, hard, hard, flat, classes);
            }
            float t = (float) distillation.temperature();
            Placeholder<TFloat32> teacher = tf.withName("teacher").placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, classes)));
            Operand<TFloat32> soft = tf.math.mul(meanCrossEntropy(tf, teacher,
                    tf.nn.logSoftmax(tf.math.div(flat, tf.constant(t)))), tf.constant(t * t));
            float w = (float) distillation.hardWeight();
            Operand<TFloat32> train = w == 0 ? soft : tf.math.add(tf.math.mul(hard, tf.constant(w)),
                    tf.math.mul(soft, tf.constant(1 - w)));
            return new Losses(labels, teacher, hard, train, flat, classes);
        }

        /** {@code −Σ p · log q} over the rows, divided by the rows counted (each counted row of p sums to 1). */
        private static Operand<TFloat32> meanCrossEntropy(Ops tf, Operand<TFloat32> p, Operand<TFloat32> logQ) {
            Operand<org.tensorflow.types.TInt32> all = tf.constant(new int[] {0, 1});
            return tf.math.div(tf.math.neg(tf.reduceSum(tf.math.mul(p, logQ), all)),
                    tf.math.maximum(tf.reduceSum(p, all), tf.constant(1f)));
        }
    }

    /** What a step or an evaluation feeds besides the windows: targets per position and the teacher's softmax. */
    private record Fed(float[] targets, float[] soft) {
    }

    /**
     * Retrains {@code pruned} towards {@code original} on windows: {@link GraphRetrainer#retrain}'s contract, the
     * translation already checked.
     *
     * @param fed the windows and their targets per position ({@code count × T}; below 0: not counted), or no
     *            targets
     */
    static GraphRetrainer.Retrained retrain(ModelProto original, ModelProto pruned, Set<String> trainable,
            GraphRetrainer.Rows fed, GraphRetrainer.Settings settings, TranslationCheck check,
            DenseTrainer.EpochListener listener) {
        TrainingOptions options = settings.options();
        Distillation distillation = fed.labels() == null ? settings.distillation().teacherOnly()
                : settings.distillation();
        int[][] parts = GraphRetrainer.split(fed.count(), settings.validationShare(), options.seed());
        try (OnnxTfGraph teacherGraph = OnnxTfGraph.translate(original, Set.of(), fed.packing());
             Session teacherSession = teacherGraph.open(options.device());
             OnnxTfGraph g = OnnxTfGraph.translate(pruned, trainable, fed.packing());
             Session session = TfSessions.open(g.graph, options.device())) {
            int[] shape = shape(g.logits.get(0), fed);
            if (shape == null) {
                throw unknownPositions(pruned, g.logits.get(0).shape());
            }
            if (g.variables.isEmpty()) {
                throw new IllegalArgumentException("no initializer to train");
            }
            Teacher teacher = new Teacher(teacherGraph, teacherSession, fed, shape[0], shape[1]);
            Losses losses = Losses.build(g.tf, g.logits.get(0), shape[1], distillation);
            AdamStep adam = AdamStep.accumulating(g.graph, g.tf, losses.train(), g.variables, g.shapes,
                    options.learningRate());
            DenseTrainer.initialise(session, g.initializers, adam);
            Steps steps = new Steps(session, g, losses, adam, teacher, distillation);
            int batch = windowsPerStep(options.batchSize(), shape[0]);
            List<TrainingResult.Epoch> history = new ArrayList<>();
            TrainingResult.Epoch best = steps.evaluate(0, Double.NaN, parts[1], batch);
            history.add(best);
            listener.epochDone(best, options.epochs());
            Map<String, float[]> kept = new HashMap<>();
            Random random = new Random(options.seed());
            long perEpoch = (parts[0].length + batch - 1) / batch;
            int sinceBest = 0;
            int run = 0;
            for (int epoch = 1; epoch <= options.epochs(); epoch++) {
                double loss = steps.epoch(parts[0], batch, random, settings.schedule(), (epoch - 1) * perEpoch,
                        options.epochs() * perEpoch, options.learningRate());
                run = epoch;
                TrainingResult.Epoch e = steps.evaluate(epoch, loss, parts[1], batch);
                history.add(e);
                listener.epochDone(e, options.epochs());
                if (e.validationLoss() < best.validationLoss()) {
                    best = e;
                    kept.putAll(GraphRetrainer.read(session, g));
                    sinceBest = 0;
                } else if (options.patience() > 0 && ++sinceBest >= options.patience()) {
                    break;
                }
            }
            ModelProto model = kept.isEmpty() ? pruned : GraphRetrainer.writeBack(pruned, kept);
            return new GraphRetrainer.Retrained(model, check, best.epoch(), run, history);
        }
    }

    /**
     * The loss's gradients with respect to {@code names}, summed over batches of {@code pass.batchSize()} windows
     * drawn by the pass's seed (each batch's loss a mean over its targets): {@link LossGradients#summed} for a graph
     * whose output is {@code [N, T, V]}, the targets' loss alone as there.
     */
    static Map<String, float[]> gradients(ModelProto original, OnnxTfGraph g, Session session,
            GraphRetrainer.Rows fed, LossGradients.Pass pass) {
        int[] shape = shape(g.logits.get(0), fed);
        int n = Math.min(fed.count(), pass.batches() * pass.batchSize());
        int[] order = Arrays.copyOf(TrainingData.permutation(fed.count(), new Random(pass.seed())), n);
        Distillation distillation = fed.labels() == null ? pass.distillation().teacherOnly() : pass.distillation();
        try (OnnxTfGraph teacherGraph = OnnxTfGraph.translate(original, Set.of(), fed.packing());
             Session teacherSession = teacherGraph.open(pass.device())) {
            Teacher teacher = new Teacher(teacherGraph, teacherSession, fed, shape[0], shape[1]);
            Losses losses = Losses.build(g.tf, g.logits.get(0), shape[1], distillation);
            Output<?>[] x = new Output<?>[g.variables.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = g.variables.get(i).asOutput();
            }
            Output<?>[] gradients = g.graph.addGradients(losses.train().asOutput(), x);
            double[][] sums = new double[x.length][];
            int batch = windowsPerStep(pass.batchSize(), shape[0]);
            for (int from = 0; from < n; from += batch) {
                int to = Math.min(n, from + batch);
                int part = windowsPerPart(to - from, shape[0]);
                for (int at = from; at < to; at += part) {
                    addGradients(Arrays.copyOfRange(order, at, Math.min(to, at + part)), to - from,
                            new GradientPass(session, g, teacher, losses, distillation, gradients), sums);
                }
            }
            return LossGradients.byVariable(g, sums);
        }
    }

    /** What a pass of loss gradients runs: the graph, its session, the teacher, the losses and the gradients' outputs. */
    private record GradientPass(Session session, OnnxTfGraph g, Teacher teacher, Losses losses,
            Distillation distillation, Output<?>[] gradients) {
    }

    /**
     * Adds the loss gradients of the windows {@code rows}, a part of a batch of {@code batch} windows whose mean loss
     * is differentiated, times the part's share of it, to {@code sums}.
     */
    private static void addGradients(int[] rows, int batch, GradientPass pass, double[][] sums) {
        Teacher teacher = pass.teacher();
        Losses losses = pass.losses();
        Output<?>[] gradients = pass.gradients();
        int[] shape = {teacher.positions(), teacher.classes()};
        double share = (double) rows.length / batch;
        float[] inputs = teacher.inputs(rows);
        Fed f = teacher.fed(inputs, rows, pass.distillation());
        try (TFloat32 xs = teacher.tensor(inputs, rows.length);
             TFloat32 y = matrix(f.targets(), shape[1]);
             TFloat32 s = f.soft() == null ? null : matrix(f.soft(), shape[1])) {
            Session.Runner runner = pass.session().runner().feed(pass.g().inputs.get(0), xs)
                    .feed(losses.labels(), y);
            if (s != null) {
                runner.feed(losses.teacher(), s);
            }
            List.of(gradients).forEach(runner::fetch);
            try (Result r = TfRuns.run(runner)) {
                for (int i = 0; i < gradients.length; i++) {
                    TFloat32 t = (TFloat32) r.get(i);
                    float[] v = new float[(int) t.shape().size()];
                    t.copyTo(DataBuffers.of(v, false, false));
                    if (sums[i] == null) {
                        sums[i] = new double[v.length];
                    }
                    for (int k = 0; k < v.length; k++) {
                        sums[i][k] += share * v[k];
                    }
                }
            }
        }
    }

    /** One-hot rows of {@code classes} for every target ({@code < 0}: a row of zeros), or soft rows as they are. */
    private static TFloat32 matrix(float[] values, int classes) {
        return TFloat32.tensorOf(Shape.of(values.length / classes, classes), DataBuffers.of(values, true, false));
    }

    /**
     * The windows, their targets, and the original's logits per batch, run in the original's translation: what each
     * step and evaluation feeds.
     */
    private record Teacher(OnnxTfGraph graph, Session session, GraphRetrainer.Rows fed, int positions, int classes) {

        /** The chosen windows' packed inputs, in the order given. */
        float[] inputs(int[] rows) {
            int width = fed.inputs().length / fed.count();
            float[] x = new float[rows.length * width];
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(fed.inputs(), rows[i] * width, x, i * width, width);
            }
            return x;
        }

        TFloat32 tensor(float[] inputs, int n) {
            return TFloat32.tensorOf(Shape.of(n, inputs.length / n), DataBuffers.of(inputs, true, false));
        }

        /**
         * The one-hot targets per position of the windows {@code rows} (given, or the original's argmax), and the
         * original's softmax at the temperature when {@code distillation} uses the teacher.
         */
        Fed fed(float[] inputs, int[] rows, Distillation distillation) {
            boolean soft = distillation.usesTeacher();
            float[] logits = fed.labels() == null || soft ? graph.run(session, inputs, rows.length, rows.length,
                    true)[0] : null;
            float[] targets = new float[rows.length * positions * classes];
            for (int i = 0; i < rows.length; i++) {
                for (int p = 0; p < positions; p++) {
                    int at = i * positions + p;
                    int target = fed.labels() != null ? (int) fed.labels()[rows[i] * positions + p]
                            : argmax(logits, at * classes, classes);
                    if (target >= 0 && target < classes) {
                        targets[at * classes + target] = 1f;
                    }
                }
            }
            float[] probabilities = soft ? DenseTrainer.softTargets(logits, rows.length * positions, classes,
                    Loss.SOFTMAX_CROSS_ENTROPY, distillation.temperature()) : null;
            return new Fed(targets, probabilities);
        }

        private static int argmax(float[] v, int from, int n) {
            int best = 0;
            for (int j = 1; j < n; j++) {
                if (v[from + j] > v[from + best]) {
                    best = j;
                }
            }
            return best;
        }
    }

    /** The steps and evaluations of one retraining. */
    private record Steps(Session session, OnnxTfGraph g, Losses losses, AdamStep adam, Teacher teacher,
            Distillation distillation) {

        /** One pass over {@code rows} in an order drawn from {@code random}; the mean of the steps' losses. */
        double epoch(int[] rows, int batch, Random random, LearningRateSchedule schedule, long firstStep,
                long totalSteps, float peak) {
            int[] order = TrainingData.permutation(rows.length, random);
            boolean scheduled = schedule != null && schedule != LearningRateSchedule.CONSTANT;
            double sum = 0;
            long step = firstStep;
            for (int from = 0; from < rows.length; from += batch) {
                int n = Math.min(batch, rows.length - from);
                int[] chosen = new int[n];
                for (int i = 0; i < n; i++) {
                    chosen[i] = rows[order[from + i]];
                }
                int part = windowsPerPart(n, teacher.positions());
                for (int at = 0; at < n; at += part) {
                    sum += accumulate(Arrays.copyOfRange(chosen, at, Math.min(n, at + part)), n);
                }
                try (TFloat32 rate = scheduled ? TFloat32.scalarOf(schedule.rate(peak, step, totalSteps)) : null) {
                    Session.Runner runner = session.runner().addTarget(adam.step);
                    if (rate != null) {
                        runner.feed(adam.learningRate, rate);
                    }
                    TfRuns.run(runner);
                }
                step++;
            }
            return sum / Math.max(1, rows.length);
        }

        /**
         * Adds the gradients of the windows {@code part}, a share of a step's {@code batch} windows, to the step's sum
         * ({@link AdamStep#accumulate}); the part's loss times its windows.
         */
        private double accumulate(int[] part, int batch) {
            float[] inputs = teacher.inputs(part);
            Fed f = teacher.fed(inputs, part, distillation);
            try (TFloat32 x = teacher.tensor(inputs, part.length);
                 TFloat32 y = matrix(f.targets(), losses.classes());
                 TFloat32 s = f.soft() == null ? null : matrix(f.soft(), losses.classes());
                 TFloat32 share = TFloat32.scalarOf((float) part.length / batch)) {
                Session.Runner runner = session.runner().feed(g.inputs.get(0), x).feed(losses.labels(), y)
                        .feed(adam.share, share);
                if (s != null) {
                    runner.feed(losses.teacher(), s);
                }
                try (Result r = TfRuns.run(runner.addTarget(adam.accumulate).fetch(losses.train()))) {
                    return ((TFloat32) r.get(0)).getFloat() * part.length;
                }
            }
        }

        /**
         * The held-out windows' mean cross-entropy per target counted and the share of those targets that are the
         * argmax, as epoch {@code epoch}'s record.
         */
        TrainingResult.Epoch evaluate(int epoch, double trainLoss, int[] rows, int batch) {
            Distillation hardOnly = Distillation.NONE;
            double nll = 0;
            double right = 0;
            double counted = 0;
            for (int from = 0; from < rows.length; from += batch) {
                int[] chosen = Arrays.copyOfRange(rows, from, Math.min(rows.length, from + batch));
                float[] inputs = teacher.inputs(chosen);
                Fed f = teacher.fed(inputs, chosen, hardOnly);
                try (TFloat32 x = teacher.tensor(inputs, chosen.length);
                     TFloat32 y = matrix(f.targets(), losses.classes());
                     Result r = TfRuns.run(session.runner().feed(g.inputs.get(0), x).feed(losses.labels(), y)
                             .fetch(losses.hard()).fetch(losses.flat()))) {
                    float[] logits = new float[f.targets().length];
                    ((TFloat32) r.get(1)).copyTo(DataBuffers.of(logits, false, false));
                    int classes = losses.classes();
                    double n = 0;
                    for (int at = 0; at < logits.length / classes; at++) {
                        int best = Teacher.argmax(logits, at * classes, classes);
                        boolean counts = false;
                        for (int j = 0; j < classes && !counts; j++) {
                            counts = f.targets()[at * classes + j] > 0;
                        }
                        n += counts ? 1 : 0;
                        right += counts && f.targets()[at * classes + best] > 0 ? 1 : 0;
                    }
                    nll += ((TFloat32) r.get(0)).getFloat() * n;
                    counted += n;
                }
            }
            return new TrainingResult.Epoch(epoch, trainLoss, counted == 0 ? Double.NaN : nll / counted,
                    counted == 0 ? Double.NaN : right / counted);
        }
    }
}
