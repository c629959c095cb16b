package org.odf2nna.tf;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import org.odf2nna.Device;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.Distillation;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * The gradients of a graph's training loss with respect to named initializers, summed over batches of rows, with no
 * optimizer step: what a first-order Taylor ranking reads (a unit's importance is {@code Σ |w ⊙ ∂L/∂w|} over its
 * weights, as Torch-Pruning's TaylorImportance, whose gradients accumulate over its batches' backward passes). The
 * graph is translated as {@link GraphRetrainer} translates it, the named initializers as variables, and the loss is
 * the one retraining steps on ({@link DenseTrainer.Losses}: the targets' loss mixed with the original's softened
 * outputs as the {@link Distillation} says). The model's weights are read, never written.
 */
public final class LossGradients {

    private LossGradients() {
    }

    /**
     * How the gradients are gathered.
     *
     * @param loss         the loss on the values before the graph's head
     * @param distillation the teacher's share and temperature (without labels, the teacher alone)
     * @param batches      the most batches summed
     * @param batchSize    rows per batch
     * @param seed         draws the rows: a seeded shuffle, its first {@code batches × batchSize} rows
     * @param device       where TensorFlow runs
     */
    public record Pass(Loss loss, Distillation distillation, int batches, int batchSize, long seed, Device device) {

        public Pass {
            Objects.requireNonNull(loss, "loss");
            Objects.requireNonNull(distillation, "distillation");
            Objects.requireNonNull(device, "device");
            if (batches < 1 || batchSize < 1) {
                throw new IllegalArgumentException("batches and batch size must be 1 or more");
            }
        }
    }

    /**
     * Per name of {@code names}, the loss's gradient with respect to that initializer of {@code model}, summed over the
     * pass's batches (each batch's loss a mean over its rows), in the initializer's row-major layout.
     *
     * @param original what the distillation's soft targets come from
     * @param rows     the rows, as retraining takes them (labels or null: the original's answers stand in)
     * @throws org.odf2nna.tf.ops.UnsupportedOperatorException when a node has no translation
     */
    public static Map<String, float[]> summed(ModelProto original, ModelProto model, Set<String> names,
            GraphRetrainer.Rows rows, Pass pass) {
        if (pass.loss() == Loss.SOFTMAX_CROSS_ENTROPY && GraphRetrainer.perPosition(model)) {
            try (OnnxTfGraph g = OnnxTfGraph.translate(model, names, rows.packing());
                 Session session = g.open(pass.device())) {
                return SequenceRetrainer.gradients(original, g, session, rows, pass);
            }
        }
        int n = Math.min(rows.count(), pass.batches() * pass.batchSize());
        int width = rows.inputs().length / rows.count();
        int[] order = TrainingData.permutation(rows.count(), new Random(pass.seed()));
        float[] inputs = new float[n * width];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows.inputs(), order[i] * width, inputs, i * width, width);
        }
        float[] teacher;
        try (OnnxTfGraph g = OnnxTfGraph.translate(original, Set.of(), rows.packing());
             Session session = g.open(pass.device())) {
            teacher = g.run(session, inputs, n, GraphRetrainer.TEACHER_BATCH, true)[0];
        }
        int outputs = teacher.length / n;
        Distillation distillation = pass.distillation();
        float[] targets = new float[n];
        if (rows.labels() == null) {
            targets = GraphRetrainer.teacherTargets(teacher, n, outputs, pass.loss());
            distillation = distillation.teacherOnly();
        } else {
            for (int i = 0; i < n; i++) {
                targets[i] = rows.labels()[order[i]];
            }
        }
        float[] soft = distillation.usesTeacher() ? DenseTrainer.softTargets(teacher, n, outputs, pass.loss(),
                distillation.temperature()) : null;
        try (OnnxTfGraph g = OnnxTfGraph.translate(model, names, rows.packing());
             Session session = g.open(pass.device())) {
            DenseTrainer.Losses losses = DenseTrainer.Losses.build(g.tf, g.logits.get(0), outputs, pass.loss(),
                    distillation);
            Output<?>[] x = new Output<?>[g.variables.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = g.variables.get(i).asOutput();
            }
            Output<?>[] gradients = g.graph.addGradients(losses.trainLoss().asOutput(), x);
            double[][] sums = new double[x.length][];
            for (int from = 0; from < n; from += pass.batchSize()) {
                int m = Math.min(pass.batchSize(), n - from);
                add(sums, batch(session, g, losses, gradients, new Batch(Arrays.copyOfRange(inputs, from * width,
                        (from + m) * width), Arrays.copyOfRange(targets, from, from + m), soft == null ? null
                        : Arrays.copyOfRange(soft, from * outputs, (from + m) * outputs), m, width)));
            }
            return byVariable(g, sums);
        }
    }

    /** One batch's rows: inputs, targets and the teacher's soft targets (or null). */
    private record Batch(float[] inputs, float[] targets, float[] soft, int rows, int width) {
    }

    /** One batch's gradients, in the variables' order. */
    private static float[][] batch(Session session, OnnxTfGraph g, DenseTrainer.Losses l, Output<?>[] gradients,
            Batch b) {
        try (TFloat32 x = TFloat32.tensorOf(Shape.of(b.rows(), b.width()), DataBuffers.of(b.inputs(), true, false));
             TFloat32 y = DenseTrainer.targets(b.targets(), b.rows(), l.labelWidth());
             TFloat32 s = b.soft() == null ? null : TFloat32.tensorOf(Shape.of(b.rows(), l.outputs()),
                     DataBuffers.of(b.soft(), true, false))) {
            Session.Runner runner = session.runner().feed(g.inputs.get(0), x).feed(l.labels(), y);
            if (s != null) {
                runner.feed(l.teacherTargets(), s);
            }
            List.of(gradients).forEach(runner::fetch);
            try (Result r = TfRuns.run(runner)) {
                float[][] out = new float[gradients.length][];
                for (int i = 0; i < gradients.length; i++) {
                    TFloat32 t = (TFloat32) r.get(i);
                    out[i] = new float[(int) t.shape().size()];
                    t.copyTo(DataBuffers.of(out[i], false, false));
                }
                return out;
            }
        }
    }

    /** The summed gradients in float, by the name of the variable each belongs to (in the graph's order). */
    static Map<String, float[]> byVariable(OnnxTfGraph g, double[][] sums) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (int i = 0; i < sums.length; i++) {
            float[] v = new float[sums[i].length];
            for (int k = 0; k < v.length; k++) {
                v[k] = (float) sums[i][k];
            }
            out.put(g.variableNames.get(i), v);
        }
        return out;
    }

    private static void add(double[][] sums, float[][] batch) {
        for (int i = 0; i < sums.length; i++) {
            if (sums[i] == null) {
                sums[i] = new double[batch[i].length];
            }
            for (int k = 0; k < batch[i].length; k++) {
                sums[i][k] += batch[i][k];
            }
        }
    }
}
