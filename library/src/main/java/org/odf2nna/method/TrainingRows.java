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
     * Rows as the CSV holds them, for training a model from scratch: features and raw target values
     * (not checked as class ids), with the column names.
     */
    public static LabelledRows loadRaw(EvalData data, Progress progress) {
        List<float[]> inputChunks = new ArrayList<>();
        List<float[]> targetChunks = new ArrayList<>();
        long rows = 0;
        int width;
        List<String> names;
        String target;
        try (RowReader reader = data.open(progress)) {
            if (!reader.hasTarget()) {
                throw new InputException(data.file(), "line 1", "has no target column to train on");
            }
            width = reader.featureCount();
            names = reader.featureNames();
            target = reader.targetName();
            Batch batch;
            while ((batch = reader.next(data.inferenceBatch())) != null) {
                inputChunks.add(java.util.Arrays.copyOf(batch.features(), batch.rows() * width));
                float[] y = new float[batch.rows()];
                for (int r = 0; r < batch.rows(); r++) {
                    y[r] = (float) batch.targets()[r];
                }
                targetChunks.add(y);
                rows += batch.rows();
                if (rows * width > Integer.MAX_VALUE - 8) {
                    throw new InputException(data.file(), RowReader.place(data.file(), batch.lines()[batch.rows() - 1]),
                            "holds more than 2^31 values; train on a sample of the rows");
                }
                progress.update("loading", reader.bytesRead(), reader.totalBytes(), rows + " rows");
            }
            progress.done("loading");
        }
        if (rows == 0) {
            throw new InputException(data.file(), null, "has a header but no data rows");
        }
        return new LabelledRows(join(inputChunks, targetChunks, (int) rows, width), names, target);
    }

    /** Training rows with the names of their columns. */
    public record LabelledRows(TrainingData data, List<String> featureNames, String targetName) {
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
        DenseNetwork network = model.network();
        boolean prefixed = !model.chainInputName().equals(model.input().name());
        int width = network.inputs();
        int classes = task == Task.CLASSIFICATION ? Task.classCount(network.outputs()) : 0;
        List<float[]> inputChunks = new ArrayList<>();
        List<float[]> targetChunks = new ArrayList<>();
        long rows = 0;
        OnnxRunner runner = prefixed ? OnnxRunner.open(ScoringGraph.exposing(model, List.of(model.chainInputName())),
                model.input(), device, model.source()) : null;
        try (RowReader reader = data.open(progress)) {
            // Rows without targets are kept only when the caller can do without them (distillation): targets NaN.
            boolean labelled = reader.hasTarget();
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
                float[] chunk = java.util.Arrays.copyOf(x, batch.rows() * width);
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
                inputChunks.add(chunk);
                targetChunks.add(y);
                rows += batch.rows();
                long line = batch.lines()[batch.rows() - 1];
                if (rows * width > Integer.MAX_VALUE - 8) {
                    throw new InputException(data.file(), RowReader.place(data.file(), line),
                            "holds more than 2^31 values for the dense chain; train on a sample of the rows");
                }
                long needed = BYTES_PER_VALUE * rows * (width + 1);
                if (needed > budget) {
                    // What the whole file would need, from the share of it read so far.
                    double share = Math.max(1e-9, (double) reader.bytesRead() / Math.max(1, reader.totalBytes()));
                    long heap = Runtime.getRuntime().maxMemory() - budget + (long) (needed / Math.min(1.0, share));
                    throw new InputException(data.file(), RowReader.place(data.file(), line), "has more training rows than fit in "
                            + "memory: training keeps every row in memory, and the " + rows + " rows read so far "
                            + "already need about " + Memory.megabytes(needed) + " of the "
                            + Memory.megabytes(budget) + " available; give Java more (about JAVA_OPTS=-Xmx" + Math.max(1, (heap >> 30) + 1)
                            + "g for the whole file) or train on a sample of the rows");
                }
                progress.update("loading", reader.bytesRead(), reader.totalBytes(), rows + " training rows");
            }
            progress.done("loading");
            if (rows == 0) {
                throw reader.noDataRows();
            }
        } finally {
            if (runner != null) {
                runner.close();
            }
        }
        return join(inputChunks, targetChunks, (int) rows, width);
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
