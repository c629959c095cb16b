package org.odf2nna.prune;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;

/**
 * The rows least squares fits on, seen through the original network: for every batch, the original's first hidden
 * layer outputs and the pre-activations of every later layer. That is all a refit needs (the pruned network's first
 * layer is the original's restricted to its kept units, so its outputs are columns of the first; every target is an
 * original pre-activation), and none of it depends on the selection, so it is computed once for all ε.
 *
 * <p>When the rows times those widths fit in the given number of values they are held in memory, computed in one
 * pass; otherwise every pass streams the chain input again and runs the original network on it.
 */
public final class FittingRows implements RefitSums {

    /** One batch: the original's outputs of layer 0 and pre-activations of layers 1 .. L-1, {@code rows} rows. */
    @FunctionalInterface
    public interface LayerBatchConsumer {
        void accept(float[] firstOutputs, List<float[]> preActivations, int rows);
    }

    private final DenseNetwork original;
    private final RowSource chainRows;
    private final List<float[]> firstOutputs;
    private final List<List<float[]>> preActivations;
    private final List<Integer> rows;
    private final long rowCount;

    private FittingRows(DenseNetwork original, RowSource chainRows, List<float[]> firstOutputs,
            List<List<float[]>> preActivations, List<Integer> rows, long rowCount) {
        this.original = original;
        this.chainRows = chainRows;
        this.firstOutputs = firstOutputs;
        this.preActivations = preActivations;
        this.rows = rows;
        this.rowCount = rowCount;
    }

    /**
     * The rows of {@code chainRows} for {@code original}, held in memory when they take at most {@code maxValues}
     * floats (one pass over the rows is made now either way, to count them or to keep them).
     */
    public static FittingRows of(DenseNetwork original, RowSource chainRows, long maxValues) {
        long perRow = 0;
        for (int l = 0; l < original.layers().size(); l++) {
            perRow += original.layer(l).units();
        }
        long limit = maxValues / perRow;
        List<float[]> first = new ArrayList<>();
        List<List<float[]>> pre = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        long[] count = new long[1];
        boolean[] overflow = new boolean[1];
        chainRows.forEachBatch((x, n) -> {
            count[0] += n;
            if (overflow[0] || count[0] > limit) {
                if (!overflow[0]) {
                    overflow[0] = true;
                    first.clear();
                    pre.clear();
                    sizes.clear();
                }
                return;
            }
            float[][] computed = compute(original, x, n);
            first.add(computed[0]);
            List<float[]> rest = new ArrayList<>();
            for (int l = 1; l < computed.length; l++) {
                rest.add(computed[l]);
            }
            pre.add(rest);
            sizes.add(n);
        });
        if (overflow[0]) {
            return new FittingRows(original, chainRows, null, null, null, count[0]);
        }
        return new FittingRows(original, null, first, pre, sizes, count[0]);
    }

    /** Rows of chain input that are streamed on every pass (nothing is held). */
    public static FittingRows streamed(DenseNetwork original, RowSource chainRows) {
        return new FittingRows(original, chainRows, null, null, null, -1);
    }

    public DenseNetwork original() {
        return original;
    }

    /** Whether the original's activations are held in memory. */
    public boolean cached() {
        return firstOutputs != null;
    }

    /** Rows, or -1 when not counted yet (streamed without a first pass). */
    @Override
    public long rows() {
        return rowCount;
    }

    /** Hands every batch to {@code consumer}, in a fixed order; the arrays must not be changed. */
    public void forEachBatch(LayerBatchConsumer consumer) {
        if (firstOutputs != null) {
            for (int b = 0; b < firstOutputs.size(); b++) {
                consumer.accept(firstOutputs.get(b), preActivations.get(b), rows.get(b));
            }
            return;
        }
        chainRows.forEachBatch((x, n) -> {
            float[][] computed = compute(original, x, n);
            List<float[]> rest = new ArrayList<>();
            for (int l = 1; l < computed.length; l++) {
                rest.add(computed[l]);
            }
            consumer.accept(computed[0], rest, n);
        });
    }

    /** The pruned network run to {@code layer} in plain Java on every batch, the sums in double. */
    @Override
    public void accumulate(int layer, int[] firstKept, List<DenseLayer> pruned, NormalEquations equations) {
        int firstUnits = original.layer(0).units();
        forEachBatch((first, pre, n) -> {
            // The pruned first layer is the original's restricted to its kept units: pick its outputs.
            float[] p = org.odf2nna.network.RowMajor.keepColumns(first, n, firstUnits, firstKept);
            for (int i = 1; i <= layer; i++) {
                p = pruned.get(i).forward(p, n);
            }
            equations.add(p, pre.get(layer), n);
        });
    }

    /** Layer 0's outputs, then the pre-activations of layers 1 .. L-1. */
    private static float[][] compute(DenseNetwork original, float[] x, int n) {
        int layers = original.layers().size();
        float[][] out = new float[layers][];
        float[] h = original.layer(0).forward(x, n);
        out[0] = h;
        for (int l = 1; l < layers; l++) {
            DenseLayer layer = original.layer(l);
            float[] z = layer.preActivations(h, n);
            out[l] = z;
            if (l + 1 < layers) {
                h = activate(layer, z);
            }
        }
        return out;
    }

    static float[] activate(DenseLayer layer, float[] pre) {
        float[] h = pre.clone();
        for (int k = 0; k < h.length; k++) {
            h[k] = layer.activation().apply(h[k]);
        }
        return h;
    }
}
