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
        Operand<TFloat32> s = channelsFirst(tf, student, o);
        Operand<TFloat32> t = channelsFirst(tf, teacher, o);
        int scores = o.channels() - 4;
        Operand<TFloat32> boxS = channels(tf, s, 0, 4);
        Operand<TFloat32> boxT = channels(tf, t, 0, 4);
        Operand<TFloat32> scoreS = channels(tf, s, 4, scores);
        Operand<TFloat32> scoreT = channels(tf, t, 4, scores);
        // Per anchor: the boxes' mean squared error in box units, weighted by the original's best score there.
        Operand<TFloat32> d = tf.math.div(tf.math.sub(boxS, boxT), tf.constant(o.boxUnit()));
        Operand<TFloat32> boxError = tf.math.mean(tf.math.square(d), tf.constant(1));
        Operand<TFloat32> weight = tf.stopGradient(tf.max(scoreT, tf.constant(1)));
        Operand<TFloat32> box = tf.math.div(tf.reduceSum(tf.math.mul(weight, boxError), tf.constant(new int[] {0, 1})),
                tf.math.add(tf.reduceSum(weight, tf.constant(new int[] {0, 1})), tf.constant(EPS)));
        Operand<TFloat32> p = tf.clipByValue(scoreS, tf.constant(EPS), tf.constant(1 - EPS));
        Operand<TFloat32> bce = tf.math.neg(tf.math.add(tf.math.mul(scoreT, tf.math.log(p)),
                tf.math.mul(tf.math.sub(tf.constant(1f), scoreT), tf.math.log(tf.math.sub(tf.constant(1f), p)))));
        Operand<TFloat32> perAnchor = tf.reduceSum(bce, tf.constant(1));
        return tf.math.add(box, tf.math.mean(perAnchor, tf.constant(new int[] {0, 1})));
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

    /** What a training graph feeds and fetches. */
    private record Step(OnnxTfGraph graph, Placeholder<TFloat32> teacher, Operand<TFloat32> loss, AdamStep adam) { }

    /**
     * Retrains {@code pruned} towards {@code original}'s outputs on {@code fed}'s rows (their labels are not read).
     *
     * @param trainable names of the pruned model's float initializers to train
     * @throws org.odf2nna.tf.ops.UnsupportedOperatorException when a node has no translation
     * @throws GraphRetrainer.TranslationMismatch when the translation differs from ONNX Runtime
     */
    public static GraphRetrainer.Retrained retrain(ModelProto original, ModelProto pruned, Set<String> trainable,
            GraphRetrainer.Rows fed, GraphRetrainer.Settings settings, Output output,
            DenseTrainer.EpochListener listener) {
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
        int[][] parts = GraphRetrainer.split(rows, settings.validationShare(), settings.options().seed());
        TrainingOptions options = settings.options();
        try (OnnxTfGraph g = OnnxTfGraph.translate(pruned, trainable, fed.packing());
             Session session = TfSessions.open(g.graph, options.device())) {
            if (g.variables.isEmpty()) {
                throw new IllegalArgumentException("no initializer to train");
            }
            Placeholder<TFloat32> t = g.tf.withName("teacher").placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, output.width())));
            Operand<TFloat32> loss = loss(g.tf, g.outputs.get(0), t, output);
            AdamStep adam = new AdamStep(g.graph, g.tf, loss, g.variables, g.shapes, options.learningRate());
            DenseTrainer.initialise(session, g.initializers, adam);
            Step step = new Step(g, t, loss, adam);
            Batches data = new Batches(fed.inputs(), teacher, g.widths.get(0), output.width());
            return train(session, step, data, parts, pruned, check, settings, listener);
        }
    }

    /** The rows and the teacher's outputs, one row of each per image. */
    private record Batches(float[] inputs, float[] teacher, int width, int outputs) { }

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

    /** One Adam step on rows {@code idx} at learning rate {@code rate}; the batch's loss. */
    private static double stepOn(Session session, Step step, Batches data, int[] idx, float rate) {
        try (TFloat32 x = gather(data.inputs(), data.width(), idx);
             TFloat32 t = gather(data.teacher(), data.outputs(), idx);
             TFloat32 r = TFloat32.scalarOf(rate);
             Result out = session.runner().feed(step.graph().inputs.get(0), x).feed(step.teacher(), t)
                     .feed(step.adam().learningRate, r).addTarget(step.adam().step).fetch(step.loss()).run()) {
            return ((TFloat32) out.get(0)).getFloat();
        }
    }

    /** The loss over rows {@code idx}, in batches; the mean over rows. */
    static double meanLoss(Session session, Step step, Batches data, int[] idx, int batch) {
        double sum = 0;
        for (int from = 0; from < idx.length; from += batch) {
            int n = Math.min(batch, idx.length - from);
            int[] part = java.util.Arrays.copyOfRange(idx, from, from + n);
            try (TFloat32 x = gather(data.inputs(), data.width(), part);
                 TFloat32 t = gather(data.teacher(), data.outputs(), part);
                 Result out = session.runner().feed(step.graph().inputs.get(0), x).feed(step.teacher(), t)
                         .fetch(step.loss()).run()) {
                sum += ((TFloat32) out.get(0)).getFloat() * n;
            }
        }
        return sum / Math.max(1, idx.length);
    }

    private static TFloat32 gather(float[] values, int width, int[] idx) {
        float[] v = new float[idx.length * width];
        for (int i = 0; i < idx.length; i++) {
            System.arraycopy(values, idx[i] * width, v, i * width, width);
        }
        return TFloat32.tensorOf(Shape.of(idx.length, width), DataBuffers.of(v, true, false));
    }

    /** The original's raw outputs on every row, computed in TensorFlow. */
    private static float[] teacherOutputs(ModelProto original, GraphRetrainer.Rows fed,
            GraphRetrainer.Settings settings) {
        try (OnnxTfGraph g = OnnxTfGraph.translate(original, Set.of(), fed.packing());
             Session session = g.open(settings.options().device())) {
            return g.run(session, fed.inputs(), fed.count(), 64, false)[0];
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
            Step step = new Step(g, t, loss(g.tf, g.outputs.get(0), t, output), null);
            int[] all = new int[fed.count()];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            return meanLoss(session, step, new Batches(fed.inputs(), teacher, g.widths.get(0), output.width()), all,
                    64);
        }
    }
}
