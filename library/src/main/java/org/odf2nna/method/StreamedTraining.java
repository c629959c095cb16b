package org.odf2nna.method;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.odf2nna.Device;
import org.odf2nna.Memory;
import org.odf2nna.Setting;
import org.odf2nna.data.RowFile;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputRange;
import org.odf2nna.network.OutputHead;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.tf.Conditioning;
import org.odf2nna.tf.DenseTrainer;
import org.odf2nna.tf.Loss;
import org.odf2nna.tf.StreamedRows;
import org.odf2nna.tf.TrainingData;

/**
 * Retraining prepared on training rows too many to hold (issue 57): the rows {@link TrainingRows#loadStreamable} put on
 * disk are read twice, a block at a time, and never held whole.
 *
 * <ol>
 *   <li>The first pass holds out the validation rows (unless a file gives them): exactly as many as the seeded split of
 *   rows in memory would, chosen by selection sampling (Knuth's Algorithm S, seeded with the retraining seed), so the
 *   rows differ from that split's but not their number; labels rows without targets by the teacher; and takes the
 *   training rows' moments (the standardisation, {@link Conditioning.Moments}), their per-column range and their
 *   targets' range.</li>
 *   <li>The second pass replays the same selection and writes the training rows, in training coordinates, with the
 *   teacher's soft targets when distilling, to a new file ({@link StreamedRows}) that every epoch streams in
 *   block-shuffled order; the file of loaded rows is deleted.</li>
 * </ol>
 *
 * The validation rows are held in memory (a share of the rows, or a file of them).
 */
final class StreamedTraining {

    /** Rows read from disk at a time. */
    private static final int BLOCK = 4096;

    private StreamedTraining() {
    }

    /**
     * What the retraining is, decided before any row is read.
     *
     * @param original           the original network: it labels rows without targets, and is the teacher when the
     *                           settings' distillation uses one
     * @param validationLabelled whether the validation rows have targets of their own
     */
    record Plan(RetrainSettings settings, RetrainSettings.Epochs epochs, RowsOrigin origin, Loss loss,
            DenseNetwork original, boolean validationLabelled, Device device) {

        /** The original when retraining distils from it, else null. */
        DenseNetwork teacher() {
            return settings.distillation().usesTeacher() ? original : null;
        }

        OutputHead head() {
            return original.head();
        }
    }

    /**
     * Prepares retraining on {@code loaded} (the model's chain inputs and targets on disk), with {@code validationFile}'s
     * rows to validate on, or (null) rows held out of {@code loaded}. Deletes {@code loaded}.
     *
     * @param trainLabelled whether the rows on disk have targets (else the original labels them)
     */
    static Retrainer prepare(RowFile loaded, boolean trainLabelled, TrainingData validationFile, Plan plan) {
        try {
            int width = loaded.width() - 1;
            long rows = loaded.rows();
            int held = validationFile != null ? 0 : heldOut(rows, plan.settings().validationShare());
            checkValidationFits(plan.origin(), held, rows, width, plan.settings().validationShare(), Memory::fits);
            Selection selection = new Selection(rows, held, plan.settings().seed());
            FirstPass first = new FirstPass(width);
            read(loaded, selection, (x, y, n) -> first.add(label(x, y, n, trainLabelled, plan), y, n),
                    first::validation);
            TrainingData validation = validationFile != null ? validationFile
                    : TeacherOutputs.labelByTeacher(first.validationRows(), plan.original(), plan.loss());
            Conditioning conditioning = RetrainingSetup.RAW_COORDINATES ? Conditioning.identity(width)
                    : first.moments.conditioning(plan.loss(), plan.head());
            StreamedRows train = write(loaded, new Selection(rows, held, plan.settings().seed()), trainLabelled,
                    conditioning, plan);
            InputRange range = new InputRange(first.min, first.max, (int) first.rows);
            return RetrainingSetup.streamed(train, validation, conditioning, plan, range,
                    new float[] {first.targetLo, first.targetHi});
        } finally {
            loaded.close();
        }
    }

    /** The first {@code n} rows of {@code file} (the model's chain inputs and targets), in memory. */
    static TrainingData head(RowFile file, int n) {
        int rows = (int) Math.min(n, file.rows());
        int width = file.width() - 1;
        float[] x = new float[rows * width];
        float[] y = new float[rows];
        int[] at = {0};
        read(file, new Selection(rows, 0, 0), (bx, by, k) -> {
            int take = Math.min(k, rows - at[0]);
            System.arraycopy(bx, 0, x, at[0] * width, take * width);
            System.arraycopy(by, 0, y, at[0], take);
            at[0] += take;
        }, (bx, by, k) -> { }, rows);
        return new TrainingData(x, y, rows, width);
    }

    /**
     * Refuses, before the first pass, validation rows held out of streamed rows that the heap cannot hold
     * ({@link TrainingRows#BYTES_PER_VALUE} a value: the rows read, joined, and labelled by the teacher): they stay
     * in memory (docs/research/PERFORMANCE.md, "Validation rows stay in memory"), so a heap that fits the streamed training
     * rows may still run out on them, and the message names the settings that hold fewer.
     *
     * @param fits whether the heap can give so many bytes ({@link Memory#fits})
     */
    static void checkValidationFits(RowsOrigin origin, long held, long rows, int width, double share,
            java.util.function.LongPredicate fits) {
        long needed = TrainingRows.BYTES_PER_VALUE * held * (width + 1);
        if (fits.test(needed)) {
            return;
        }
        throw origin.inTraining(null, String.format(Locale.ROOT, "holds out %d validation rows (a share of %s of "
                + "its %d rows), which retraining keeps in memory: about %s, more than the %s Java has free; hold "
                + "out fewer with %s, give fewer rows to validate on with %s, or give Java more memory "
                + "(ODF2NNA_HEAP=%dg)", held, ReportFormat.number(share), rows, Memory.megabytes(needed),
                Memory.megabytes(Memory.available()), Setting.VALIDATION_SHARE.ref(), Setting.VALIDATION.ref(),
                Memory.suggestedHeapGigabytes(needed)));
    }

    /** The validation rows the seeded split of {@code rows} rows holds out ({@link TrainingData#split}'s count). */
    static int heldOut(long rows, double fraction) {
        long validation = Math.round(rows * fraction);
        if (fraction > 0 && validation == 0 && rows > 1) {
            validation = 1;
        }
        if (validation >= rows) {
            throw new IllegalArgumentException("a validation fraction of " + fraction + " leaves no training rows");
        }
        return (int) validation;
    }

    /** Exactly {@code chosen} of {@code rows} rows, in one pass in order (Algorithm S, seeded). */
    static final class Selection {
        private final long rows;
        private final long wanted;
        private final Random random;
        private long seen;
        private long chosen;

        Selection(long rows, long wanted, long seed) {
            this.rows = rows;
            this.wanted = wanted;
            this.random = new Random(seed);
        }

        /** Whether the next row is chosen. */
        boolean next() {
            boolean take = chosen < wanted && (rows - seen) * random.nextDouble() < wanted - chosen;
            seen++;
            if (take) {
                chosen++;
            }
            return take;
        }
    }

    /** Receives {@code n} rows: inputs (row-major) and targets. */
    private interface Block {
        void accept(float[] x, float[] y, int n);
    }

    /** Reads {@code file} block by block, handing the rows {@code selection} passes over to {@code train}, the others
     *  to {@code heldOut}. */
    private static void read(RowFile file, Selection selection, Block train, Block heldOut) {
        read(file, selection, train, heldOut, file.rows());
    }

    /** {@link #read(RowFile, Selection, Block, Block)} over the first {@code max} rows. */
    private static void read(RowFile file, Selection selection, Block train, Block heldOut, long max) {
        int record = file.width();
        int width = record - 1;
        float[] part = new float[BLOCK * record];
        long end = Math.min(max, file.rows());
        for (long from = 0; from < end; from += BLOCK) {
            int n = (int) Math.min(BLOCK, end - from);
            file.read(from, n, part);
            float[] tx = new float[n * width];
            float[] ty = new float[n];
            float[] vx = new float[n * width];
            float[] vy = new float[n];
            int t = 0;
            int v = 0;
            for (int r = 0; r < n; r++) {
                boolean held = selection.next();
                System.arraycopy(part, r * record, held ? vx : tx, (held ? v : t) * width, width);
                if (held) {
                    vy[v++] = part[r * record + width];
                } else {
                    ty[t++] = part[r * record + width];
                }
            }
            if (t > 0) {
                train.accept(tx, ty, t);
            }
            if (v > 0) {
                heldOut.accept(Arrays.copyOf(vx, v * width), Arrays.copyOf(vy, v), v);
            }
        }
    }

    /** {@code x} after the targets of rows without them are set to the original's prediction (in place in {@code y}). */
    private static float[] label(float[] x, float[] y, int n, boolean labelled, Plan plan) {
        if (!labelled) {
            TrainingData rows = new TrainingData(x, y, n, x.length / Math.max(1, n));
            TrainingData byTeacher = TeacherOutputs.labelByTeacher(rows, plan.original(), plan.loss());
            System.arraycopy(byTeacher.targets(), 0, y, 0, n);
        }
        return x;
    }

    /** The first pass's sums over the training rows, and the validation rows it held out. */
    private static final class FirstPass {
        final Conditioning.Moments moments;
        final float[] min;
        final float[] max;
        float targetLo = Float.POSITIVE_INFINITY;
        float targetHi = Float.NEGATIVE_INFINITY;
        long rows;
        private final int width;
        private final List<float[]> heldX = new ArrayList<>();
        private final List<float[]> heldY = new ArrayList<>();
        private int heldRows;

        FirstPass(int width) {
            this.width = width;
            this.moments = new Conditioning.Moments(width);
            this.min = new float[width];
            this.max = new float[width];
            Arrays.fill(min, Float.POSITIVE_INFINITY);
            Arrays.fill(max, Float.NEGATIVE_INFINITY);
        }

        void add(float[] x, float[] y, int n) {
            moments.add(x, y, n);
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < width; c++) {
                    float v = x[r * width + c];
                    min[c] = Math.min(min[c], v);
                    max[c] = Math.max(max[c], v);
                }
                targetLo = Math.min(targetLo, y[r]);
                targetHi = Math.max(targetHi, y[r]);
            }
            rows += n;
        }

        void validation(float[] x, float[] y, int n) {
            heldX.add(x);
            heldY.add(y);
            heldRows += n;
        }

        TrainingData validationRows() {
            float[] x = new float[heldRows * width];
            float[] y = new float[heldRows];
            int at = 0;
            for (int c = 0; c < heldY.size(); c++) {
                int n = heldY.get(c).length;
                System.arraycopy(heldX.get(c), 0, x, at * width, n * width);
                System.arraycopy(heldY.get(c), 0, y, at, n);
                at += n;
            }
            return new TrainingData(x, y, heldRows, width);
        }
    }

    /** The second pass: the training rows in training coordinates, with the teacher's soft targets, on disk. */
    private static StreamedRows write(RowFile loaded, Selection selection, boolean labelled, Conditioning conditioning,
            Plan plan) {
        int width = loaded.width() - 1;
        DenseNetwork teacher = plan.teacher();
        int outputs = teacher == null ? 0 : teacher.outputs();
        DenseNetwork logits = null;
        if (teacher != null) {
            DenseNetwork conditioned = conditioning.toTraining(teacher);
            logits = new DenseNetwork(conditioned.prefix(), conditioned.layers(), OutputHead.NONE);
        }
        DenseNetwork teacherLogits = logits;
        StreamedRows.Writer writer = StreamedRows.writer(width, outputs);
        try {
            read(loaded, selection, (x, y, n) -> {
                TrainingData rows = conditioning.apply(new TrainingData(label(x, y, n, labelled, plan), y, n, width));
                float[] soft = teacherLogits == null ? null : DenseTrainer.softTargets(
                        teacherLogits.forward(rows.inputs(), n), n, outputs, plan.loss(),
                        plan.settings().distillation().temperature());
                writer.append(rows.inputs(), rows.targets(), soft, n);
            }, (x, y, n) -> { });
            return writer.finish();
        } catch (RuntimeException e) {
            writer.abandon();
            throw e;
        }
    }
}
