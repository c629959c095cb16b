package org.odf2nna.tf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;
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
 * A pruned detector retrained end to end by distillation from its original's raw outputs, per anchor: the boxes as
 * the export gives them (centre and size in input pixels) and the scores (already through their sigmoid). The loss is
 * the boxes' squared error in units of a twentieth of the input's side, each anchor weighted by the original's
 * highest score there (so that the boxes it would keep count and the background's do not), plus the scores' binary
 * cross-entropy against the original's, summed over the classes and averaged over the anchors. Adam on batches of the
 * training rows, the epoch with the lowest loss on the held-out training rows kept (epoch 0, the pruned values,
 * competes), early stopping after the settings' patience; the kept values are written back into the initializers as
 * {@link GraphRetrainer} writes them. The translation is checked against ONNX Runtime first, its tolerance times the
 * input's side (box values of a few hundred pixels differ by float32's rounding, 9e-5 on YOLOv8n at 160).
 *
 * <p>Where the training images carry labelled boxes (a YOLOv8 output), the labelled loss is added: each box assigned
 * to anchors as Ultralytics' trainer assigns them ({@link DetectorLabels}), one minus the IoU of the model's box with
 * the label at each assigned anchor (weighted by the anchor's target score), plus the scores' binary cross-entropy
 * against the labels' targets per anchor, in the same units as the distillation's terms.
 */
public final class DetectorDistillation {

    /** The box error's unit: this share of the input's larger side. */
    static final double BOX_UNIT = 1 / 20.0;
    /** Probabilities are clipped to [EPS, 1 − EPS] before their logarithm. */
    private static final float EPS = 1e-6f;

    private DetectorDistillation() {
    }

    /**
     * A detector's output as the loss reads it.
     *
     * @param anchorsFirst YOLOv5's {@code [1, anchors, 5 + classes]} (objectness then classes); otherwise YOLOv8's
     *                     {@code [1, 4 + classes, anchors]}
     * @param channels     box values and scores per anchor
     * @param anchors      anchors per image
     * @param boxUnit      pixels per unit of box error
     */
    public record Output(boolean anchorsFirst, int channels, int anchors, float boxUnit) {

        int width() {
            return channels * anchors;
        }
    }

    /**
     * The detector output of {@code model}, or null when it is none: one image input {@code [1 or N, C, H, W]} and a
     * first output {@code [1, 4 + classes, anchors]} (more anchors than channels) or {@code [1, anchors, 5 + classes]}.
     */
    public static Output recognise(ModelProto model) {
        if (model.getGraph().getInputCount() == 0 || model.getGraph().getOutputCount() == 0) {
            return null;
        }
        long[] in = dims(model.getGraph().getInput(0));
        long[] out = dims(model.getGraph().getOutput(0));
        if (in.length != 4 || in[2] <= 0 || in[3] <= 0 || out.length != 3 || out[0] > 1) {
            return null;
        }
        float unit = (float) (Math.max(in[2], in[3]) * BOX_UNIT);
        if (out[1] > 4 && out[2] > out[1]) {
            return new Output(false, (int) out[1], (int) out[2], unit);
        }
        if (out[2] > 5 && out[1] > out[2]) {
            return new Output(true, (int) out[2], (int) out[1], unit);
        }
        return null;
    }

    private static long[] dims(ValueInfoProto v) {
        TensorShapeProto s = v.getType().getTensorType().getShape();
        long[] d = new long[s.getDimCount()];
        for (int i = 0; i < d.length; i++) {
            d[i] = s.getDim(i).hasDimValue() ? s.getDim(i).getDimValue() : -1;
        }
        return d;
    }

    /** The distillation loss of {@code student} (a batch of raw outputs) against {@code teacher}'s, row-major. */
    static Operand<TFloat32> loss(Ops tf, Operand<TFloat32> student, Operand<TFloat32> teacher, Output o) {
        return Terms.of(tf, student, teacher, null, o).loss();
    }

    /**
     * A batch's loss and the totals it divides by: the box weights' sums (the original's best score per anchor, the
     * labels' target score) and the anchors counted over the rows. Each total defaults to the rows fed; a batch run in
     * parts feeds every part the whole batch's ({@code *Fed}), so that the parts' losses and gradients add up to the
     * batch's while TensorFlow holds one part's activations at a time.
     *
     * @param loss          the distillation loss, plus the labelled loss where labels are fed
     * @param teacherWeight the sum of the distillation's box weights over the rows fed (reads the teacher alone)
     * @param labelWeight   the sum of the labelled loss's box weights over the rows fed, or null without labels
     */
    record Terms(Operand<TFloat32> loss, Operand<TFloat32> teacherWeight, Operand<TFloat32> teacherWeightFed,
            Operand<TFloat32> labelWeight, Operand<TFloat32> labelWeightFed, Operand<TFloat32> anchorsFed) {

        static Terms of(Ops tf, Operand<TFloat32> student, Operand<TFloat32> teacher, Operand<TFloat32> labels,
                Output o) {
            Operand<TFloat32> s = channelsFirst(tf, student, o);
            Operand<TFloat32> t = channelsFirst(tf, teacher, o);
            Operand<TFloat32> scoreS = scores(tf, s, o);
            // Per anchor: the boxes' mean squared error in box units, weighted by the original's best score there.
            Operand<TFloat32> weight = tf.stopGradient(tf.max(scores(tf, t, o), tf.constant(1)));
            Operand<TFloat32> weightSum = tf.reduceSum(weight, tf.constant(new int[] {0, 1}));
            Operand<TFloat32> weightFed = tf.withName("teacher_weight").placeholderWithDefault(weightSum,
                    Shape.scalar());
            Operand<TFloat32> anchorsFed = tf.withName("anchor_rows").placeholderWithDefault(
                    tf.dtypes.cast(tf.size(weight), TFloat32.class), Shape.scalar());
            Operand<TFloat32> d = tf.math.div(tf.math.sub(channels(tf, s, 0, 4), channels(tf, t, 0, 4)),
                    tf.constant(o.boxUnit()));
            Operand<TFloat32> boxError = tf.math.mean(tf.math.square(d), tf.constant(1));
            Operand<TFloat32> loss = tf.math.add(weighted(tf, weight, boxError, weightFed),
                    bce(tf, scoreS, scores(tf, t, o), anchorsFed));
            if (labels == null) {
                return new Terms(loss, weightSum, weightFed, null, null, anchorsFed);
            }
            // The labelled loss: one minus the IoU at the assigned anchors, weighted by their target scores.
            Operand<TFloat32> l = channelsFirst(tf, labels, o);
            Operand<TFloat32> labelScores = scores(tf, l, o);
            Operand<TFloat32> labelWeight = tf.max(labelScores, tf.constant(1));
            Operand<TFloat32> labelSum = tf.reduceSum(labelWeight, tf.constant(new int[] {0, 1}));
            Operand<TFloat32> labelFed = tf.withName("label_weight").placeholderWithDefault(labelSum, Shape.scalar());
            Operand<TFloat32> miss = tf.math.sub(tf.constant(1f), iou(tf, s, l));
            loss = tf.math.add(loss, tf.math.add(weighted(tf, labelWeight, miss, labelFed),
                    bce(tf, scoreS, labelScores, anchorsFed)));
            return new Terms(loss, weightSum, weightFed, labelSum, labelFed, anchorsFed);
        }
    }

    /** The scores of rows laid out {@code [n, channels, anchors]}: every channel after the box's four. */
    private static Operand<TFloat32> scores(Ops tf, Operand<TFloat32> v, Output o) {
        return channels(tf, v, 4, o.channels() - 4);
    }

    /** {@code error} per anchor weighted by {@code weight}, summed, over {@code total} (the weights' sum). */
    private static Operand<TFloat32> weighted(Ops tf, Operand<TFloat32> weight, Operand<TFloat32> error,
            Operand<TFloat32> total) {
        return tf.math.div(tf.reduceSum(tf.math.mul(weight, error), tf.constant(new int[] {0, 1})),
                tf.math.add(total, tf.constant(EPS)));
    }

    /** Rows of raw outputs as {@code [n, channels, anchors]}. */
    private static Operand<TFloat32> channelsFirst(Ops tf, Operand<TFloat32> v, Output o) {
        if (!o.anchorsFirst()) {
            return tf.reshape(v, tf.constant(new int[] {-1, o.channels(), o.anchors()}));
        }
        Operand<TFloat32> a = tf.reshape(v, tf.constant(new int[] {-1, o.anchors(), o.channels()}));
        return tf.linalg.transpose(a, tf.constant(new int[] {0, 2, 1}));
    }

    private static Operand<TFloat32> channels(Ops tf, Operand<TFloat32> v, int from, int count) {
        return tf.slice(v, tf.constant(new int[] {0, from, 0}), tf.constant(new int[] {-1, count, -1}));
    }

    /**
     * Binary cross-entropy of {@code p} against {@code q}, summed over the classes (axis 1) and the rest, over
     * {@code anchors} (the rows times their anchors: the mean per anchor).
     */
    private static Operand<TFloat32> bce(Ops tf, Operand<TFloat32> scores, Operand<TFloat32> targets,
            Operand<TFloat32> anchors) {
        Operand<TFloat32> p = tf.clipByValue(scores, tf.constant(EPS), tf.constant(1 - EPS));
        Operand<TFloat32> bce = tf.math.neg(tf.math.add(tf.math.mul(targets, tf.math.log(p)),
                tf.math.mul(tf.math.sub(tf.constant(1f), targets), tf.math.log(tf.math.sub(tf.constant(1f), p)))));
        return tf.math.div(tf.reduceSum(bce, tf.constant(new int[] {0, 1, 2})), anchors);
    }

    /** Per anchor, the IoU of the boxes (centre and size, channels 0 to 3) of {@code a} and {@code b}. */
    private static Operand<TFloat32> iou(Ops tf, Operand<TFloat32> a, Operand<TFloat32> b) {
        Operand<TFloat32>[] ca = corners(tf, a);
        Operand<TFloat32>[] cb = corners(tf, b);
        Operand<TFloat32> zero = tf.constant(0f);
        Operand<TFloat32> iw = tf.math.maximum(zero, tf.math.sub(tf.math.minimum(ca[2], cb[2]),
                tf.math.maximum(ca[0], cb[0])));
        Operand<TFloat32> ih = tf.math.maximum(zero, tf.math.sub(tf.math.minimum(ca[3], cb[3]),
                tf.math.maximum(ca[1], cb[1])));
        Operand<TFloat32> inter = tf.math.mul(iw, ih);
        Operand<TFloat32> union = tf.math.sub(tf.math.add(area(tf, ca), area(tf, cb)), inter);
        return tf.math.div(inter, tf.math.add(union, tf.constant(EPS)));
    }

    @SuppressWarnings("unchecked")
    private static Operand<TFloat32>[] corners(Ops tf, Operand<TFloat32> v) {
        Operand<TFloat32> half = tf.constant(0.5f);
        Operand<TFloat32> cx = tf.squeeze(channels(tf, v, 0, 1), org.tensorflow.op.core.Squeeze.axis(List.of(1L)));
        Operand<TFloat32> cy = tf.squeeze(channels(tf, v, 1, 1), org.tensorflow.op.core.Squeeze.axis(List.of(1L)));
        Operand<TFloat32> w = tf.math.maximum(tf.squeeze(channels(tf, v, 2, 1),
                org.tensorflow.op.core.Squeeze.axis(List.of(1L))), tf.constant(0f));
        Operand<TFloat32> h = tf.math.maximum(tf.squeeze(channels(tf, v, 3, 1),
                org.tensorflow.op.core.Squeeze.axis(List.of(1L))), tf.constant(0f));
        Operand<TFloat32> hw = tf.math.mul(w, half);
        Operand<TFloat32> hh = tf.math.mul(h, half);
        return new Operand[] {tf.math.sub(cx, hw), tf.math.sub(cy, hh), tf.math.add(cx, hw), tf.math.add(cy, hh)};
    }

    private static Operand<TFloat32> area(Ops tf, Operand<TFloat32>[] c) {
        return tf.math.mul(tf.math.sub(c[2], c[0]), tf.math.sub(c[3], c[1]));
    }

    /**
     * A detector's labelled boxes for the training images: per image {@code perImage} rows of class, cx, cy, w, h
     * normalised to the input, rows of -1 pad ({@code values} row-major, the same images in the same order).
     */
    public record Boxes(float[] values, int perImage) { }

    /** What a training graph feeds and fetches; {@code labels} null without labelled boxes. */
    private record Step(OnnxTfGraph graph, Placeholder<TFloat32> teacher, Placeholder<TFloat32> labels, Terms terms,
            AdamStep adam) {

        Operand<TFloat32> loss() {
            return terms.loss();
        }
    }

    /**
     * Input values a part of a batch holds at most (8 MB of floats: 27 images of 3 x 160 x 160, one of 3 x 640 x 640).
     * TensorFlow keeps a part's activations for its backward pass, several times its input per layer: a YOLOv8n's
     * sweep on 600 images of 160 peaked at 3.17 GB resident with its batches of 128 run whole, 1.77 GB in parts.
     */
    static final int PART_VALUES = 1 << 21;

    /**
     * Retrains {@code pruned} towards {@code original}'s outputs on {@code fed}'s rows (their labels are not read),
     * with the labelled loss added where {@code boxes} (or null) holds the images' boxes.
     *
     * @param trainable names of the pruned model's float initializers to train
     * @throws org.odf2nna.tf.ops.UnsupportedOperatorException when a node has no translation
     * @throws GraphRetrainer.TranslationMismatch when the translation differs from ONNX Runtime
     */
    public static GraphRetrainer.Retrained retrain(ModelProto original, ModelProto pruned, Set<String> trainable,
            GraphRetrainer.Rows fed, Boxes boxes, GraphRetrainer.Settings settings, Output output,
            DenseTrainer.EpochListener listener) {
        return retrain(original, pruned, trainable, fed, boxes, settings, output, listener, PART_VALUES);
    }

    /** {@link #retrain} with each batch run in parts of at most {@code partValues} input values. */
    static GraphRetrainer.Retrained retrain(ModelProto original, ModelProto pruned, Set<String> trainable,
            GraphRetrainer.Rows fed, Boxes boxes, GraphRetrainer.Settings settings, Output output,
            DenseTrainer.EpochListener listener, int partValues) {
        int rows = fed.count();
        if (rows < 2) {
            throw new IllegalArgumentException("retraining needs at least 2 rows, got " + rows);
        }
        // Boxes are in input pixels (the input's side, or more for a box that runs off the picture), and the DFL head
        // multiplies its distances by strides up to 32: the check's tolerance is relative to the input's side or the
        // value itself, whichever is larger (a pruned YOLOv8n: 0.037 apart at 593 pixels, 6e-5 of it).
        TranslationCheck check = GraphRetrainer.checked(pruned, fed, settings,
                Math.max(1, output.boxUnit() / BOX_UNIT));
        float[] teacher = fed.teacher() != null && fed.teacher().length == (long) rows * output.width()
                ? fed.teacher() : teacherOutputs(original, fed, settings);
        float[] labelTargets = labelTargets(pruned, boxes, rows, teacher, output);
        int[][] parts = GraphRetrainer.split(rows, settings.validationShare(), settings.options().seed());
        TrainingOptions options = settings.options();
        try (OnnxTfGraph g = OnnxTfGraph.translate(pruned, trainable, fed.packing());
             Session session = TfSessions.open(g.graph, options.device())) {
            if (g.variables.isEmpty()) {
                throw new IllegalArgumentException("no initializer to train");
            }
            Placeholder<TFloat32> t = g.tf.withName("teacher").placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, output.width())));
            Placeholder<TFloat32> l = labelTargets == null ? null : g.tf.withName("label_targets").placeholder(
                    TFloat32.class, Placeholder.shape(Shape.of(-1, output.width())));
            Terms terms = Terms.of(g.tf, g.outputs.get(0), t, l, output);
            AdamStep adam = AdamStep.accumulating(g.graph, g.tf, terms.loss(), g.variables, g.shapes,
                    options.learningRate());
            DenseTrainer.initialise(session, g.initializers, adam);
            Step step = new Step(g, t, l, terms, adam);
            Batches data = new Batches(fed, teacher, labelTargets, g.widths.get(0), output.width(),
                    output.anchors(), Math.max(1, partValues / g.widths.get(0)));
            return train(session, step, data, parts, pruned, check, settings, listener);
        }
    }

    /**
     * The per-anchor targets of {@code boxes} for the first {@code rows} images, or null without boxes or where the
     * output is not YOLOv8's on its usual grids.
     */
    private static float[] labelTargets(ModelProto model, Boxes boxes, int rows, float[] teacher, Output output) {
        if (boxes == null || output.anchorsFirst()) {
            return null;
        }
        long[] in = dims(model.getGraph().getInput(0));
        float[][] centres = DetectorLabels.anchorCentres(output.anchors(), (int) in[2], (int) in[3]);
        return centres == null ? null
                : DetectorLabels.targets(boxes.values(), boxes.perImage(), rows, teacher, output, centres, (int) in[2],
                        (int) in[3]);
    }

    /** Whether {@code boxes} would be read by retraining on {@code model}: a YOLOv8 output on its usual grids. */
    public static boolean readsBoxes(ModelProto model, Output output) {
        long[] in = dims(model.getGraph().getInput(0));
        return !output.anchorsFirst() && DetectorLabels.anchorCentres(output.anchors(), (int) in[2], (int) in[3]) != null;
    }

    /** The rows, the teacher's outputs and the label targets (or null), one row of each per image. */
    private record Batches(GraphRetrainer.Rows inputs, float[] teacher, float[] labels, int width, int outputs,
            int anchors, int perPart) { }

    private static GraphRetrainer.Retrained train(Session session, Step step, Batches data, int[][] parts,
            ModelProto pruned, TranslationCheck check, GraphRetrainer.Settings settings,
            DenseTrainer.EpochListener listener) {
        TrainingOptions options = settings.options();
        List<TrainingResult.Epoch> history = new ArrayList<>();
        double held = meanLoss(session, step, data, parts[1], options.batchSize());
        TrainingResult.Epoch best = new TrainingResult.Epoch(0, Double.NaN, held, held);
        history.add(best);
        listener.epochDone(best, options.epochs());
        Map<String, float[]> kept = new HashMap<>();
        Random random = new Random(options.seed());
        long perEpoch = (parts[0].length + options.batchSize() - 1) / options.batchSize();
        int sinceBest = 0;
        int run = 0;
        for (int epoch = 1; epoch <= options.epochs(); epoch++) {
            int[] order = parts[0].clone();
            shuffle(order, random);
            double sum = 0;
            for (int from = 0, k = 0; from < order.length; from += options.batchSize(), k++) {
                int n = Math.min(options.batchSize(), order.length - from);
                float rate = settings.schedule().rate(options.learningRate(), (epoch - 1) * perEpoch + k,
                        options.epochs() * perEpoch);
                sum += stepOn(session, step, data, java.util.Arrays.copyOfRange(order, from, from + n), rate) * n;
            }
            run = epoch;
            held = meanLoss(session, step, data, parts[1], options.batchSize());
            TrainingResult.Epoch record = new TrainingResult.Epoch(epoch, sum / order.length, held, held);
            history.add(record);
            listener.epochDone(record, options.epochs());
            if (record.beats(best, Loss.MEAN_SQUARED_ERROR)) {
                best = record;
                kept.putAll(GraphRetrainer.read(session, step.graph()));
                sinceBest = 0;
            } else if (options.patience() > 0 && ++sinceBest >= options.patience()) {
                break;
            }
        }
        ModelProto model = kept.isEmpty() ? pruned : GraphRetrainer.writeBack(pruned, kept);
        return new GraphRetrainer.Retrained(model, check, best.epoch(), run, history);
    }

    private static void shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int x = a[i];
            a[i] = a[j];
            a[j] = x;
        }
    }

    /** One Adam step on rows {@code idx} at learning rate {@code rate}, fed in parts; the batch's loss. */
    private static double stepOn(Session session, Step step, Batches data, int[] idx, float rate) {
        double loss = batchLoss(session, step, data, idx, step.adam().accumulate);
        try (TFloat32 r = TFloat32.scalarOf(rate)) {
            TfRuns.run(session.runner().feed(step.adam().learningRate, r).addTarget(step.adam().step));
        }
        return loss;
    }

    /** The loss over rows {@code idx}, in batches; the mean over rows. */
    static double meanLoss(Session session, Step step, Batches data, int[] idx, int batch) {
        double sum = 0;
        for (int from = 0; from < idx.length; from += batch) {
            int n = Math.min(batch, idx.length - from);
            sum += batchLoss(session, step, data, java.util.Arrays.copyOfRange(idx, from, from + n), null) * n;
        }
        return sum / Math.max(1, idx.length);
    }

    /**
     * The loss of the batch {@code idx}, run in parts of at most {@link #PART_VALUES} input values, each fed the batch's
     * totals ({@link Terms}); {@code target} (the gradients' accumulation, or null) run with each part.
     */
    private static double batchLoss(Session session, Step step, Batches data, int[] idx, Op target) {
        int per = data.perPart();
        try (TFloat32 t = gather(data.teacher(), data.outputs(), idx);
             TFloat32 l = data.labels() == null ? null : gather(data.labels(), data.outputs(), idx);
             Result totals = TfRuns.run(totalsOf(session.runner().feed(step.teacher(), t), step, l));
             TFloat32 anchors = TFloat32.scalarOf((float) idx.length * data.anchors())) {
            double loss = 0;
            for (int from = 0; from < idx.length; from += per) {
                int[] part = java.util.Arrays.copyOfRange(idx, from, Math.min(idx.length, from + per));
                try (TFloat32 x = tensor(data.inputs().gather(part), part.length, data.width());
                     TFloat32 pt = gather(data.teacher(), data.outputs(), part);
                     TFloat32 pl = l == null ? null : gather(data.labels(), data.outputs(), part)) {
                    Session.Runner runner = fed(session.runner(), step, x, pt, pl)
                            .feed(step.terms().teacherWeightFed(), totals.get(0))
                            .feed(step.terms().anchorsFed(), anchors);
                    if (pl != null) {
                        runner.feed(step.terms().labelWeightFed(), totals.get(1));
                    }
                    if (target != null) {
                        runner.addTarget(target);
                    }
                    try (Result out = TfRuns.run(runner.fetch(step.loss()))) {
                        loss += ((TFloat32) out.get(0)).getFloat();
                    }
                }
            }
            return loss;
        }
    }

    /** {@code runner} (the batch's teacher fed) fetching the batch's box weight totals, the labels' fed too. */
    private static Session.Runner totalsOf(Session.Runner runner, Step step, TFloat32 labels) {
        runner.fetch(step.terms().teacherWeight());
        return labels == null ? runner : runner.feed(step.labels(), labels).fetch(step.terms().labelWeight());
    }

    private static Session.Runner fed(Session.Runner runner, Step step, TFloat32 x, TFloat32 teacher,
            TFloat32 labels) {
        runner.feed(step.graph().inputs.get(0), x).feed(step.teacher(), teacher);
        return labels == null ? runner : runner.feed(step.labels(), labels);
    }

    private static TFloat32 gather(float[] values, int width, int[] idx) {
        float[] v = new float[idx.length * width];
        for (int i = 0; i < idx.length; i++) {
            System.arraycopy(values, idx[i] * width, v, i * width, width);
        }
        return tensor(v, idx.length, width);
    }

    private static TFloat32 tensor(float[] v, int rows, int width) {
        return TFloat32.tensorOf(Shape.of(rows, width), DataBuffers.of(v, true, false));
    }

    /** The original's raw outputs on every row, computed in TensorFlow. */
    private static float[] teacherOutputs(ModelProto original, GraphRetrainer.Rows fed,
            GraphRetrainer.Settings settings) {
        try (OnnxTfGraph g = OnnxTfGraph.translate(original, Set.of(), fed.packing());
             Session session = g.open(settings.options().device())) {
            return g.run(session, fed::values, fed.count(), 64, false)[0];
        }
    }

    /** The distillation loss of {@code model} against {@code original} on the rows, as training measures it. */
    public static double loss(ModelProto original, ModelProto model, GraphRetrainer.Rows fed,
            GraphRetrainer.Settings settings, Output output) {
        float[] teacher = teacherOutputs(original, fed, settings);
        try (OnnxTfGraph g = OnnxTfGraph.translate(model, Set.of(), fed.packing());
             Session session = g.open(settings.options().device())) {
            Placeholder<TFloat32> t = g.tf.withName("teacher").placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, output.width())));
            Step step = new Step(g, t, null, Terms.of(g.tf, g.outputs.get(0), t, null, output), null);
            int[] all = new int[fed.count()];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            return meanLoss(session, step, new Batches(fed, teacher, null, g.widths.get(0), output.width(),
                    output.anchors(), Math.max(1, PART_VALUES / g.widths.get(0))), all, 64);
        }
    }
}
