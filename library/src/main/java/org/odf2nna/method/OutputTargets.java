package org.odf2nna.method;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.network.DenseLayer;

/**
 * The original's pre-activations of its output layer on every fitting row, in the order the rows come, made in the
 * scoring pass from the last hidden layer's outputs it exposes (in double: Z = A·W + b): the targets of the last
 * layer's refit, so that its pass runs the pruned chain alone instead of the whole original beside it. Held only
 * where the output layer is narrow (a few values per row).
 *
 * @param batches the targets, one array per batch of rows as the scoring pass read them
 * @param width   values per row (the output layer's units)
 * @param rows    how many rows they cover
 */
record OutputTargets(List<double[]> batches, int width, long rows) {

    /** Most multiply-adds per row the scoring pass spends on them in Java (a 4096-wide layer with 16 outputs). */
    static final long MULTIPLY_ADDS_PER_ROW = 1 << 16;

    OutputTargets {
        batches = List.copyOf(batches);
    }

    /** Whether the scoring pass makes them for a network whose output layer is {@code layer}. */
    static boolean worthMaking(DenseLayer layer) {
        return !layer.quantizedInputs() && (long) layer.inputs() * layer.units() <= MULTIPLY_ADDS_PER_ROW;
    }

    /** Collects them batch by batch. */
    static final class Builder {
        private final DenseLayer layer;
        private final long limit;
        private List<double[]> batches = new ArrayList<>();
        private long rows;

        /** @param limit most values (doubles) held: past it nothing is kept */
        Builder(DenseLayer layer, long limit) {
            this.layer = layer;
            this.limit = limit;
        }

        /** Adds the targets of {@code rows} rows whose last hidden layer gave {@code hidden} (row-major). */
        void add(float[] hidden, int n) {
            if (batches == null) {
                return;
            }
            if ((rows + n) * layer.units() > limit) {
                batches = null;
                return;
            }
            batches.add(preActivations(layer, hidden, n));
            rows += n;
        }

        /** The targets, or null when they were too many to hold. */
        OutputTargets build() {
            return batches == null ? null : new OutputTargets(batches, layer.units(), rows);
        }
    }

    /**
     * x·W + b in double, row by row: each unit's sum over the inputs in four running parts (every fourth input), so
     * that the sums do not wait on one another (one chain of additions per unit made this a fifth of a plain pass).
     */
    static double[] preActivations(DenseLayer layer, float[] x, int rows) {
        int inputs = layer.inputs();
        int units = layer.units();
        double[] columns = columns(layer);
        float[] b = layer.bias();
        double[] z = new double[rows * units];
        int quads = inputs & ~3;
        for (int r = 0; r < rows; r++) {
            int in = r * inputs;
            for (int u = 0; u < units; u++) {
                int w = u * inputs;
                double s0 = 0;
                double s1 = 0;
                double s2 = 0;
                double s3 = 0;
                for (int i = 0; i < quads; i += 4) {
                    s0 += x[in + i] * columns[w + i];
                    s1 += x[in + i + 1] * columns[w + i + 1];
                    s2 += x[in + i + 2] * columns[w + i + 2];
                    s3 += x[in + i + 3] * columns[w + i + 3];
                }
                for (int i = quads; i < inputs; i++) {
                    s0 += x[in + i] * columns[w + i];
                }
                z[r * units + u] = b[u] + ((s0 + s1) + (s2 + s3));
            }
        }
        return z;
    }

    /** The layer's weights as double, one unit's inputs after another (W transposed). */
    private static double[] columns(DenseLayer layer) {
        int inputs = layer.inputs();
        int units = layer.units();
        float[] w = layer.weights();
        double[] columns = new double[inputs * units];
        for (int i = 0; i < inputs; i++) {
            for (int u = 0; u < units; u++) {
                columns[u * inputs + i] = w[i * units + u];
            }
        }
        return columns;
    }

    /** Hands the targets out in row order, as many rows at a time as asked. */
    Cursor cursor() {
        return new Cursor();
    }

    /** A position in the targets. */
    final class Cursor {
        private int batch;
        private int row;
        private long taken;

        /** Copies the next {@code n} rows' targets into {@code into} from row {@code at}. */
        void take(int n, double[] into, int at) {
            int left = n;
            int to = at * width;
            while (left > 0) {
                if (batch >= batches.size()) {
                    throw new IllegalStateException("the fitting rows outnumber the " + rows
                            + " rows the scoring pass made targets for");
                }
                double[] values = batches.get(batch);
                int available = values.length / width - row;
                int copy = Math.min(left, available);
                System.arraycopy(values, row * width, into, to, copy * width);
                to += copy * width;
                left -= copy;
                row += copy;
                if (row * width == values.length) {
                    batch++;
                    row = 0;
                }
            }
            taken += n;
        }

        /** Whether every row's targets were taken. */
        boolean done() {
            return taken == rows;
        }
    }
}
