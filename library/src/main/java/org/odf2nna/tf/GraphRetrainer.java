package org.odf2nna.tf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import org.odf2nna.Device;
import org.odf2nna.data.RowValues;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.LearningRateSchedule;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.TrainingOptions;
import org.odf2nna.tf.ops.OnnxTensorValues;
import org.odf2nna.tf.ops.UnsupportedOperatorException;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Retrains a pruned ONNX graph end to end with TensorFlow Java, distilling it from the original: the graph is
 * translated ({@link OnnxTfGraph}), the translation checked against ONNX Runtime ({@link TranslationCheck}), the
 * named initializers trained with Adam on batches towards the original's outputs (softened by the temperature, mixed
 * with the targets as the {@link Distillation} says, as {@link DenseTrainer} does for chains) with the best epoch on
 * held-out training rows kept and early stopping; and the trained values written back into those initializers. Every
 * other byte of the model is left as it was. Gradients are TensorFlow's own (graph gradients).
 *
 * <p>This is the step a graph sweep runs after each prune: {@link #retrain} takes the original and the pruned model
 * in memory and returns the retrained one.
 */
public final class GraphRetrainer {

    static final int TEACHER_BATCH = 1024;

    private GraphRetrainer() {
    }

    /**
     * How to retrain.
     *
     * @param loss            the loss on the values before the graph's head (a final Softmax/Sigmoid is left out)
     * @param options         epochs, batch size, learning rate, seed (shuffling and the held-out split), patience,
     *                        device
     * @param distillation    the teacher's share and temperature; without labels the teacher alone
     * @param validationShare share of the rows held out to choose the best epoch and stop early
     * @param checkRows       rows the translation is checked on against ONNX Runtime before training (0: unchecked)
     * @param tolerance       the largest difference the check accepts
     * @param schedule        how the learning rate moves over the steps (the options' rate is its peak)
     */
    public record Settings(Loss loss, TrainingOptions options, Distillation distillation, double validationShare,
            int checkRows, double tolerance, LearningRateSchedule schedule) {

        /** Settings with a constant learning rate. */
        public Settings(Loss loss, TrainingOptions options, Distillation distillation, double validationShare,
                int checkRows, double tolerance) {
            this(loss, options, distillation, validationShare, checkRows, tolerance, LearningRateSchedule.CONSTANT);
        }

        public Settings {
            Objects.requireNonNull(schedule, "schedule");
            Objects.requireNonNull(loss, "loss");
            Objects.requireNonNull(options, "options");
            Objects.requireNonNull(distillation, "distillation");
            if (!(validationShare > 0 && validationShare < 1)) {
                throw new IllegalArgumentException("validation share must be between 0 and 1, got " + validationShare);
            }
            if (checkRows < 0 || !(tolerance >= 0)) {
                throw new IllegalArgumentException("check rows and tolerance must be 0 or more");
            }
        }

        /** The same settings with another tolerance for the translation check. */
        public Settings withTolerance(double value) {
            return new Settings(loss, options, distillation, validationShare, checkRows, value, schedule);
        }

        /** The retraining settings chains use (epochs: {@code epochs}), for a graph trained with {@code loss}. */
        public static Settings of(RetrainSettings retrain, int epochs, Loss loss, Device device) {
            return new Settings(loss, new TrainingOptions(epochs, retrain.batchSize(), retrain.learningRate(),
                    retrain.seed(), retrain.patience(), device), retrain.distillation(), retrain.validationShare(),
                    1000, TranslationCheck.DEFAULT_TOLERANCE);
        }
    }

    /**
     * What retraining produced.
     *
     * @param model     the pruned model with the trained initializers written back (the pruned model itself when
     *                  the starting values stayed best)
     * @param check     the translation check run before training (null when none was asked for)
     * @param bestEpoch the epoch whose values were kept, 0 for the starting ones
     * @param epochsRun epochs run
     * @param history   one record per epoch from epoch 0; the validation metric is accuracy (or MSE) on the held-out
     *                  rows against the labels, or against the original's predictions when no labels were given
     */
    public record Retrained(ModelProto model, TranslationCheck check, int bestEpoch, int epochsRun,
            List<TrainingResult.Epoch> history) {

        public Retrained {
            history = List.copyOf(history);
        }
    }

    /** The translation disagrees with ONNX Runtime: retraining it would train another network. */
    public static final class TranslationMismatch extends IllegalArgumentException {

        private static final long serialVersionUID = 1L;
        private final transient TranslationCheck check;

        TranslationMismatch(TranslationCheck check, double tolerance) {
            super("the TensorFlow translation of the pruned graph differs from ONNX Runtime beyond " + tolerance + ": "
                    + check.describe() + "; not retrained");
            this.check = check;
        }

        public TranslationCheck check() {
            return check;
        }
    }

    /**
     * Retrains {@code pruned} towards {@code original}.
     *
     * @param trainable names of the pruned model's float initializers to train; all others stay as they are
     * @param inputs    row-major rows of the graph's input ({@code rows × values per row})
     * @param labels    one target per row (class id or value), or null to train on the original's outputs alone
     * @throws UnsupportedOperatorException when a node of either graph has no translation (the caller falls back)
     * @throws TranslationMismatch          when the translation's outputs differ from ONNX Runtime's
     */
    public static Retrained retrain(ModelProto original, ModelProto pruned, Set<String> trainable, float[] inputs,
            float[] labels, int rows, Settings settings, DenseTrainer.EpochListener listener) {
        return retrain(original, pruned, trainable, new Rows(inputs, labels, rows, null), settings, listener);
    }

    /**
     * The rows retraining runs on.
     *
     * @param values  row-major rows ({@link RowValues}): the graph's first input's values, or every input's packed as
     *                {@code packing} says; or a detector's uint8 images held as bytes, handed out as floats a batch at
     *                a time ({@link #gather})
     * @param labels  one target per row (class id or value), or one per position of a row when the output is
     *                {@code [N, T, V]} ({@link #perPosition}; below 0: not counted), or null to train on the
     *                original's outputs alone
     * @param count   rows
     * @param packing how several inputs (token ids, their mask, segment ids) lie in a row; null for one input
     * @param teacher the original's first output on these rows as ONNX Runtime computes it (row-major), or null to
     *                compute it here in TensorFlow
     */
    public record Rows(RowValues values, float[] labels, int count, InputPacking packing, float[] teacher) {

        /** Rows of {@code inputs}, or of a detector's {@code pixels} in their place (null then). */
        public Rows(float[] inputs, float[] labels, int count, InputPacking packing, float[] teacher,
                byte[] pixels) {
            this(pixels != null ? RowValues.pixels(pixels, pixels.length / Math.max(1, count))
                    : RowValues.floats(inputs, inputs.length / Math.max(1, count)), labels, count, packing, teacher);
        }

        public Rows(float[] inputs, float[] labels, int count, InputPacking packing, float[] teacher) {
            this(inputs, labels, count, packing, teacher, null);
        }

        public Rows(float[] inputs, float[] labels, int count, InputPacking packing) {
            this(inputs, labels, count, packing, null);
        }

        /** Every row's values: the array held, or for images held as bytes a new array of all of them. */
        public float[] inputs() {
            return values.all();
        }

        /** A detector's images as bytes, or null where the rows are held as floats. */
        public byte[] pixels() {
            return values.pixels();
        }

        /** Rows {@code start .. start+n}'s values, row-major, in a new array. */
        public float[] values(int start, int n) {
            return values.values(start, n);
        }

        /** Rows {@code idx}, in that order, in a new array. */
        public float[] gather(int[] idx) {
            return values.gather(idx);
        }

        /** Values per row. */
        public int width() {
            return values.width();
        }
    }

    /**
     * Retrains {@code pruned} towards {@code original} on {@code fed} rows, each graph input fed from them.
     *
     * @param trainable names of the pruned model's float initializers to train; all others stay as they are
     * @throws UnsupportedOperatorException when a node of either graph has no translation (the caller falls back)
     * @throws TranslationMismatch          when the translation's outputs differ from ONNX Runtime's
     */
    public static Retrained retrain(ModelProto original, ModelProto pruned, Set<String> trainable, Rows fed,
            Settings settings, DenseTrainer.EpochListener listener) {
        float[] inputs = fed.inputs();
        float[] labels = fed.labels();
        int rows = fed.count();
        InputPacking packing = fed.packing();
        if (rows < 2) {
            throw new IllegalArgumentException("retraining needs at least 2 rows, got " + rows);
        }
        TranslationCheck check = checked(pruned, fed, settings);
        if (settings.loss() == Loss.SOFTMAX_CROSS_ENTROPY && perPosition(pruned)) {
            return SequenceRetrainer.retrain(original, pruned, trainable, fed, settings, check, listener);
        }
        float[] teacher = fed.teacher() != null && fed.teacher().length % rows == 0 ? fed.teacher() : null;
        if (teacher == null) {
            try (OnnxTfGraph g = OnnxTfGraph.translate(original, Set.of(), packing);
                 Session session = g.open(settings.options().device())) {
                teacher = g.run(session, inputs, rows, TEACHER_BATCH, true)[0];
            }
        }
        int outputs = teacher.length / rows;
        Loss loss = settings.loss();
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY && outputs < 2 || loss != Loss.SOFTMAX_CROSS_ENTROPY && outputs != 1) {
            throw new IllegalArgumentException("the graph has " + outputs + " outputs per row, which " + loss
                    + " does not train");
        }
        Distillation distillation = settings.distillation();
        float[] targets = labels;
        if (targets == null) {
            // No labels: the original's answers stand in for them, and the loss is the teacher's alone.
            targets = teacherTargets(teacher, rows, outputs, loss);
            distillation = distillation.teacherOnly();
        }
        int width = inputs.length / rows;
        TrainingData all = new TrainingData(inputs, targets, rows, width);
        int[][] parts = split(rows, settings.validationShare(), settings.options().seed());
        TrainingData train = select(all, parts[0]);
        TrainingData held = select(all, parts[1]);
        float[] soft = distillation.usesTeacher() ? DenseTrainer.softTargets(selectRows(teacher, outputs, parts[0]),
                parts[0].length, outputs, loss, distillation.temperature()) : null;

        try (OnnxTfGraph g = OnnxTfGraph.translate(pruned, trainable, packing);
             Session session = TfSessions.open(g.graph, settings.options().device())) {
            if (g.variables.isEmpty()) {
                throw new IllegalArgumentException("no initializer to train");
            }
            DenseTrainer.Losses losses = DenseTrainer.Losses.build(g.tf, g.logits.get(0), outputs, loss, distillation);
            AdamStep adam = new AdamStep(g.graph, g.tf, losses.trainLoss(), g.variables, g.shapes,
                    settings.options().learningRate());
            DenseTrainer.initialise(session, g.initializers, adam);
            DenseTrainer.TrainingGraph training = new DenseTrainer.TrainingGraph(g.inputs.get(0), g.logits.get(0),
                    losses, adam.step, adam.learningRate, settings.schedule());
            Map<String, float[]> best = new HashMap<>();
            DenseTrainer.Loop run = DenseTrainer.loop(session, training, new DenseTrainer.Taught(train, soft).set(outputs), held,
                    loss, settings.options(), listener, () -> best.putAll(read(session, g)));
            ModelProto model = best.isEmpty() ? pruned : writeBack(pruned, best);
            return new Retrained(model, check, run.bestEpoch(), run.epochsRun(), run.history());
        }
    }

    /**
     * The translation of {@code pruned} checked against ONNX Runtime on the settings' first rows, or null when the
     * settings ask for no check.
     *
     * @throws TranslationMismatch when it differs beyond the settings' tolerance
     */
    static TranslationCheck checked(ModelProto pruned, Rows fed, Settings settings) {
        return checked(pruned, fed, settings, 0);
    }

    /**
     * {@link #checked(ModelProto, Rows, Settings)}, the tolerance relative to the larger of {@code scale} and the
     * value the largest difference occurs at ({@link TranslationCheck#withinRelative}) when {@code scale} is positive.
     */
    static TranslationCheck checked(ModelProto pruned, Rows fed, Settings settings, double scale) {
        if (settings.checkRows() == 0) {
            return null;
        }
        int n = Math.min(fed.count(), settings.checkRows());
        TranslationCheck check = TranslationCheck.compare(pruned, fed.pixels() == null ? fed.inputs()
                : fed.values(0, n), n, settings.options().device(), fed.packing());
        double allowed = scale > 0 ? check.allowed(settings.tolerance(), scale) : settings.tolerance();
        if (!check.within(allowed)) {
            throw new TranslationMismatch(check, allowed);
        }
        return check;
    }

    /**
     * Whether {@code model}'s first output holds classes per position, {@code [N, T, V]} (a language model's logits):
     * retrained by {@link SequenceRetrainer}, every position a row of the loss, its labels one per position.
     */
    public static boolean perPosition(ModelProto model) {
        return model.getGraph().getOutputCount() > 0
                && model.getGraph().getOutput(0).getType().getTensorType().getShape().getDimCount() == 3;
    }

    /** Class ids (or values) the original gives each row, in the loss's terms. */
    static float[] teacherTargets(float[] logits, int rows, int outputs, Loss loss) {
        float[] t = new float[rows];
        for (int r = 0; r < rows; r++) {
            if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
                int best = 0;
                for (int j = 1; j < outputs; j++) {
                    if (logits[r * outputs + j] > logits[r * outputs + best]) {
                        best = j;
                    }
                }
                t[r] = best;
            } else if (loss == Loss.SIGMOID_CROSS_ENTROPY) {
                t[r] = logits[r] > 0 ? 1 : 0;
            } else {
                t[r] = logits[r];
            }
        }
        return t;
    }

    /** {training, held out} row indices, in the rows' order, chosen by a seeded shuffle as TrainingData.split. */
    static int[][] split(int rows, double share, long seed) {
        int held = Math.max(1, (int) Math.round(rows * share));
        if (held >= rows) {
            throw new IllegalArgumentException("a validation share of " + share + " leaves no training rows");
        }
        int[] order = TrainingData.permutation(rows, new Random(seed));
        boolean[] isHeld = new boolean[rows];
        for (int i = 0; i < held; i++) {
            isHeld[order[i]] = true;
        }
        int[] a = new int[rows - held];
        int[] b = new int[held];
        int ia = 0;
        int ib = 0;
        for (int r = 0; r < rows; r++) {
            if (isHeld[r]) {
                b[ib++] = r;
            } else {
                a[ia++] = r;
            }
        }
        return new int[][] {a, b};
    }

    private static float[] selectRows(float[] values, int width, int[] rows) {
        float[] out = new float[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(values, rows[i] * width, out, i * width, width);
        }
        return out;
    }

    private static TrainingData select(TrainingData all, int[] rows) {
        float[] y = new float[rows.length];
        for (int i = 0; i < rows.length; i++) {
            y[i] = all.targets()[rows[i]];
        }
        return new TrainingData(selectRows(all.inputs(), all.width(), rows), y, rows.length, all.width());
    }

    static Map<String, float[]> read(Session session, OnnxTfGraph g) {
        Map<String, float[]> values = new HashMap<>();
        Session.Runner runner = session.runner();
        g.variables.forEach(runner::fetch);
        try (Result r = TfRuns.run(runner)) {
            for (int i = 0; i < g.variables.size(); i++) {
                float[] v = new float[(int) g.shapes.get(i).size()];
                ((TFloat32) r.get(i)).copyTo(DataBuffers.of(v, false, false));
                values.put(g.variableNames.get(i), v);
            }
        }
        return values;
    }

    /** The model with the named initializers' values replaced, in their own storage; nothing else changes. */
    static ModelProto writeBack(ModelProto model, Map<String, float[]> values) {
        GraphProto.Builder graph = model.getGraph().toBuilder();
        List<String> written = new ArrayList<>();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            TensorProto t = graph.getInitializer(i);
            float[] v = values.get(t.getName());
            if (v != null) {
                graph.setInitializer(i, OnnxTensorValues.withFloats(t, v));
                written.add(t.getName());
            }
        }
        if (written.size() != values.size()) {
            List<String> missing = new ArrayList<>(values.keySet());
            missing.removeAll(written);
            throw new IllegalArgumentException("no initializer named " + missing);
        }
        return model.toBuilder().setGraph(graph).build();
    }

}
