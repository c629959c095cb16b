package org.odf2nna.method;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Memory;
import org.odf2nna.Progress;
import org.odf2nna.data.Batch;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.RowFile;
import org.odf2nna.data.RowReader;
import org.odf2nna.metrics.Evaluator;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.ScoringGraph;
import org.odf2nna.settings.Task;
import org.odf2nna.tf.TrainingData;

/**
 * Loads labelled rows as the dense chain sees them. When the model has a prefix (normalisation,
 * Flatten, a backbone), ONNX Runtime computes it, so training sees exactly what the model would; the
 * result is two primitive arrays, whatever the number of rows.
 */
public final class TrainingRows {

    private TrainingRows() {
    }

    /**
     * Rows as the CSV holds them, for training a model from scratch: features and raw target values (not checked as
     * class ids, but tallied: {@link Task.TargetTally}), with the column names; held in memory up to
     * {@link #heldValues()} values, past that on disk in the run's temporary folder, as {@link #loadStreamable} holds
     * them.
     */
    public static LabelledRows loadRaw(EvalData data, Progress progress) {
        Task.TargetTally tally = new Task.TargetTally();
        Held held = null;
        List<String> names;
        String target;
        try (RowReader reader = data.open(progress)) {
            if (!reader.hasTarget()) {
                throw new InputException(data.file(), "line 1", "has no target column to train on");
            }
            int width = reader.featureCount();
            held = new Held(width, heldValues());
            names = reader.featureNames();
            target = reader.targetName();
            Batch batch;
            while ((batch = reader.next(data.inferenceBatch())) != null) {
                float[] y = new float[batch.rows()];
                for (int r = 0; r < batch.rows(); r++) {
                    y[r] = (float) batch.targets()[r];
                }
                tally.add(y, batch.rows());
                held.add(java.util.Arrays.copyOf(batch.features(), batch.rows() * width), y);
                progress.update("loading", reader.bytesRead(), reader.totalBytes(), held.rows + " rows"
                        + (held.onDisk == null ? "" : " (on disk)"));
            }
            progress.done("loading");
        } catch (RuntimeException e) {
            if (held != null) {
                held.discard();
            }
            throw e;
        }
        if (held.rows == 0) {
            throw new InputException(data.file(), null, "has a header but no data rows");
        }
        return new LabelledRows(held.loaded(true), names, target, tally);
    }

    /** Training rows (in memory or on disk) with the names of their columns and their targets' tally. */
    public record LabelledRows(Loaded rows, List<String> featureNames, String targetName, Task.TargetTally targets) {
    }

    /**
     * Bytes of Java heap per value kept for training, at the peak: the chunks read, the joined arrays and
     * the training and validation copies.
     */
    static final long BYTES_PER_VALUE = 3 * 4;

    /**
     * The rows as the dense chain sees them, with their targets; when {@code data} allows a file without a target
     * column ({@link ColumnRequest.Target#OPTIONAL}) and this one has none, every target is NaN (see
     * {@link #labelled}).
     */
    public static TrainingData load(OnnxDenseModel model, EvalData data, Task task, Device device, Progress progress) {
        return load(model, data, task, device, progress, Memory.available());
    }

    /**
     * @param budget bytes of heap the training rows may take; more rows are refused with a message, before
     *               the JVM runs out of memory
     */
    static TrainingData load(OnnxDenseModel model, EvalData data, Task task, Device device, Progress progress,
            long budget) {
        return read(model, data, task, device, progress, budget, false).inMemory();
    }

    /**
     * The rows as {@link #load} reads them, held in memory up to {@link #heldValues()} values (inputs and targets);
     * past that, in a file of rows on disk in the run's temporary folder ({@link Loaded#onDisk}), so that the heap does
     * not grow with the rows.
     */
    static Loaded loadStreamable(OnnxDenseModel model, EvalData data, Task task, Device device, Progress progress) {
        return read(model, data, task, device, progress, Long.MAX_VALUE, true);
    }

    /**
     * Training rows as loaded: in memory, or on disk ({@code width + 1} values a row: the chain's inputs, then the
     * target, NaN for rows without one).
     */
    public record Loaded(TrainingData inMemory, RowFile onDisk, int width, boolean labelled) {

        public int rows() {
            return inMemory != null ? inMemory.rows() : (int) onDisk.rows();
        }
    }

    /**
     * Values (inputs and targets) training holds in memory at most before its rows go to disk: 2^24 (64 MB of floats,
     * about 580,000 rows of 28 inputs), fewer where the heap is small (the values' {@link #BYTES_PER_VALUE} bytes at
     * most an eighth of it, so that a small heap streams instead of running out), or the system property
     * {@code odf2nna.train.heldValues}.
     */
    static long heldValues() {
        long fitted = Math.min(1L << 24, Runtime.getRuntime().maxMemory() / 8 / BYTES_PER_VALUE);
        return Long.getLong("odf2nna.train.heldValues", Math.max(1L << 16, fitted));
    }

    private static Loaded read(OnnxDenseModel model, EvalData data, Task task, Device device, Progress progress,
            long budget, boolean streamable) {
        DenseNetwork network = model.network();
        boolean prefixed = !model.chainInputName().equals(model.input().name());
        int width = network.inputs();
        int classes = task == Task.CLASSIFICATION ? Task.classCount(network.outputs()) : 0;
        Held held = new Held(width, streamable ? heldValues() : Long.MAX_VALUE);
        OnnxRunner runner = prefixed ? OnnxRunner.open(ScoringGraph.exposing(model, List.of(model.chainInputName())),
                model.input(), device, model.source()) : null;
        boolean labelled;
        try (RowReader reader = data.open(progress)) {
            // Rows without targets are kept only when the caller can do without them (distillation): targets NaN.
            labelled = reader.hasTarget();
            if (!labelled && data.columns().target() == ColumnRequest.Target.REQUIRED) {
                throw new InputException(data.file(), "line 1", "has no target column to train on");
            }
            Batch batch;
            while ((batch = reader.next(data.inferenceBatch())) != null) {
                float[] x = batch.features();
                if (prefixed) {
                    Map<String, float[]> out = runner.run(batch.features(), batch.rows(), batch.width(),
                            List.of(model.chainInputName()));
                    x = out.get(model.chainInputName());
                }
                float[] y = new float[batch.rows()];
                for (int r = 0; r < batch.rows() && !labelled; r++) {
                    y[r] = Float.NaN;
                }
                for (int r = 0; r < batch.rows() && labelled; r++) {
                    double t = batch.targets()[r];
                    y[r] = classes > 0
                            ? Evaluator.classId(t, classes, data.file(), reader.targetName(), batch.lines()[r])
                            : (float) t;
                }
                held.add(java.util.Arrays.copyOf(x, batch.rows() * width), y);
                long line = batch.lines()[batch.rows() - 1];
                if (held.onDisk == null) {
                    checkHeld(data, reader, held.rows, width, line, budget);
                }
                progress.update("loading", reader.bytesRead(), reader.totalBytes(), held.rows + " training rows"
                        + (held.onDisk == null ? "" : " (on disk)"));
            }
            progress.done("loading");
            if (held.rows == 0) {
                throw reader.noDataRows();
            }
        } catch (RuntimeException e) {
            held.discard();
            throw e;
        } finally {
            if (runner != null) {
                runner.close();
            }
        }
        return held.loaded(labelled);
    }

    /** Refuses rows that do not fit in memory, with a message naming the row reached and the heap the file needs. */
    private static void checkHeld(EvalData data, RowReader reader, long rows, int width, long line, long budget) {
        if (rows * width > Integer.MAX_VALUE - 8) {
            throw new InputException(data.file(), RowReader.place(data.file(), line),
                    "holds more than 2^31 values for the dense chain; train on a sample of the rows");
        }
        long needed = BYTES_PER_VALUE * rows * (width + 1);
        if (needed > budget) {
            // What the whole file would need, from the share of it read so far.
            double share = Math.max(1e-9, (double) reader.bytesRead() / Math.max(1, reader.totalBytes()));
            long heap = Runtime.getRuntime().maxMemory() - budget + (long) (needed / Math.min(1.0, share));
            throw new InputException(data.file(), RowReader.place(data.file(), line), "has more training rows than "
                    + "fit in memory: this training keeps every row in memory, and the " + rows + " rows read so far "
                    + "already need about " + Memory.megabytes(needed) + " of the " + Memory.megabytes(budget)
                    + " available; give Java more (about JAVA_OPTS=-Xmx" + Math.max(1, (heap >> 30) + 1)
                    + "g for the whole file) or train on a sample of the rows");
        }
    }

    /** Rows read so far: chunks in memory until they pass {@code limit} values, then a file of rows on disk. */
    private static final class Held {
        private final int width;
        private final long limit;
        private final List<float[]> inputChunks = new ArrayList<>();
        private final List<float[]> targetChunks = new ArrayList<>();
        private RowFile onDisk;
        private long rows;

        Held(int width, long limit) {
            this.width = width;
            this.limit = limit;
        }

        void add(float[] x, float[] y) {
            rows += y.length;
            if (onDisk == null) {
                inputChunks.add(x);
                targetChunks.add(y);
                if (rows * (width + 1) > limit) {
                    onDisk = RowFile.create(width + 1);
                    for (int c = 0; c < inputChunks.size(); c++) {
                        write(inputChunks.get(c), targetChunks.get(c));
                    }
                    inputChunks.clear();
                    targetChunks.clear();
                }
            } else {
                write(x, y);
            }
        }

        private void write(float[] x, float[] y) {
            float[] rowsWithTargets = new float[y.length * (width + 1)];
            for (int r = 0; r < y.length; r++) {
                System.arraycopy(x, r * width, rowsWithTargets, r * (width + 1), width);
                rowsWithTargets[r * (width + 1) + width] = y[r];
            }
            onDisk.append(rowsWithTargets, 0, y.length);
        }

        void discard() {
            if (onDisk != null) {
                onDisk.close();
            }
        }

        Loaded loaded(boolean labelled) {
            if (onDisk != null) {
                onDisk.flush();
                return new Loaded(null, onDisk, width, labelled);
            }
            return new Loaded(join(inputChunks, targetChunks, (int) rows, width), null, width, labelled);
        }
    }

    /** Whether the rows have targets (rows read from a file without a target column have NaN). */
    public static boolean labelled(TrainingData data) {
        return data.rows() == 0 || !Float.isNaN(data.targets()[0]);
    }

    private static TrainingData join(List<float[]> inputChunks, List<float[]> targetChunks, int rows, int width) {
        float[] inputs = new float[rows * width];
        float[] targets = new float[rows];
        int at = 0;
        for (int c = 0; c < inputChunks.size(); c++) {
            float[] y = targetChunks.get(c);
            System.arraycopy(inputChunks.get(c), 0, inputs, at * width, y.length * width);
            System.arraycopy(y, 0, targets, at, y.length);
            at += y.length;
        }
        return new TrainingData(inputs, targets, rows, width);
    }
}
