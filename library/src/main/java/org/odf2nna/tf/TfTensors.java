package org.odf2nna.tf;

import java.nio.file.Path;
import org.odf2nna.InputException;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/** Float arrays in and out of TensorFlow tensors, and running a session on rows in batches. */
final class TfTensors {

    /** Rows per session run: bounds the native memory a big evaluation set takes at once. */
    static final int BATCH_ROWS = 4096;

    private TfTensors() {
    }

    static TFloat32 matrix(float[] values, int offset, int rows, int cols) {
        float[] slice = values;
        if (offset != 0 || values.length != rows * cols) {
            slice = new float[rows * cols];
            System.arraycopy(values, offset, slice, 0, slice.length);
        }
        return TFloat32.tensorOf(Shape.of(rows, cols), DataBuffers.of(slice, true, false));
    }

    static TFloat32 of(Shape shape, float[] values) {
        return TFloat32.tensorOf(shape, DataBuffers.of(values, true, false));
    }

    /** The values of a float32 tensor, row-major. */
    static float[] floats(TFloat32 tensor) {
        long size = tensor.shape().size();
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor too large: " + tensor.shape());
        }
        float[] values = new float[(int) size];
        tensor.copyTo(DataBuffers.of(values, false, false));
        return values;
    }

    /**
     * Runs {@code rows} rows of {@code features} values through a session: feeds {@code input}, fetches
     * {@code output}, in batches of {@link #BATCH_ROWS}. Returns the outputs row-major.
     */
    static float[] run(Path source, Session session, String input, String output, float[] x, int rows, int features) {
        return run(source, session, input, output, x, rows, new long[] {features});
    }

    /**
     * {@link #run(Path, Session, String, String, float[], int, int)} for an input whose rows have the shape
     * {@code rowShape} (an image's [8, 8, 1]), fed as {@code [batch, rowShape...]}.
     */
    static float[] run(Path source, Session session, String input, String output, float[] x, int rows,
                       long[] rowShape) {
        int features = (int) java.util.Arrays.stream(rowShape).reduce(1, (a, b) -> a * b);
        if (rows < 0 || features <= 0 || x.length < (long) rows * features) {
            throw new IllegalArgumentException("input holds " + x.length + " values, need " + rows + "x" + features);
        }
        float[] out = null;
        int width = -1;
        for (int start = 0; start < rows; start += BATCH_ROWS) {
            int n = Math.min(BATCH_ROWS, rows - start);
            long[] batchShape = new long[rowShape.length + 1];
            batchShape[0] = n;
            System.arraycopy(rowShape, 0, batchShape, 1, rowShape.length);
            try (TFloat32 in = TFloat32.tensorOf(Shape.of(batchShape), DataBuffers.of(
                    java.util.Arrays.copyOfRange(x, start * features, (start + n) * features), true, false));
                 Result result = TfRuns.run(session.runner().feed(input, in).fetch(output))) {
                Tensor t = result.get(0);
                if (!(t instanceof TFloat32 f)) {
                    throw new InputException(source, "tensor " + output, "is " + SavedModelFiles.typeName(t.dataType())
                            + ", expected float32");
                }
                Shape shape = f.shape();
                if (shape.numDimensions() != 2 || shape.get(0) != n) {
                    throw new InputException(source, "tensor " + output, "has shape " + shape + " for " + n
                            + " rows; expected [rows, outputs]");
                }
                float[] batch = floats(f);
                if (out == null) {
                    width = (int) shape.get(1);
                    out = new float[Math.multiplyExact(rows, width)];
                }
                System.arraycopy(batch, 0, out, start * width, batch.length);
            } catch (TensorFlowException e) {
                throw new InputException(source, null, "TensorFlow cannot run the model on the input ("
                        + SavedModelFiles.firstLine(e.getMessage()) + ")", e);
            }
        }
        return out == null ? new float[0] : out;
    }

    /** Largest |a - b| / (1 + |b|) over the two arrays, for comparing TensorFlow with the Java forward pass. */
    static double maxRelativeDifference(float[] a, float[] b) {
        if (a.length != b.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]) / (1 + Math.abs((double) b[i]));
            if (Double.isNaN(d)) {
                return Double.POSITIVE_INFINITY;
            }
            worst = Math.max(worst, d);
        }
        return worst;
    }

    /** Deterministic rows for checks: standard normal values times 2, from a fixed seed. */
    static float[] checkRows(int rows, int features, long seed) {
        java.util.Random random = new java.util.Random(seed);
        float[] x = new float[rows * features];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (2 * random.nextGaussian());
        }
        return x;
    }
}
