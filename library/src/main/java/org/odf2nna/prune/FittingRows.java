package org.odf2nna.prune;

import java.util.List;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.RowMajor;

/**
 * A refit's sums in plain Java, for networks ONNX Runtime cannot stand for in a refit's graph: layers on simulated
 * integer kernels quantize each row on its own, where ONNX Runtime's dynamic quantization takes one range per batch.
 * Every other refit makes its sums in ONNX Runtime (the method layer's {@code OnnxRefitSums}). Each pass streams the
 * chain input and runs the original network and the pruned one on it, row block by row block; nothing is held.
 */
public final class FittingRows implements RefitSums {

    private final DenseNetwork original;
    private final RowSource chainRows;

    private FittingRows(DenseNetwork original, RowSource chainRows) {
        this.original = original;
        this.chainRows = chainRows;
    }

    /** Rows of chain input that are streamed on every pass. */
    public static FittingRows streamed(DenseNetwork original, RowSource chainRows) {
        return new FittingRows(original, chainRows);
    }

    /** Not counted: -1. */
    @Override
    public long rows() {
        return -1;
    }

    /** The original and the pruned network run to {@code layer} in plain Java on every batch, the sums in double. */
    @Override
    public void accumulate(int layer, int[] firstKept, List<DenseLayer> pruned, NormalEquations equations) {
        int firstUnits = original.layer(0).units();
        chainRows.forEachBatch((x, n) -> {
            float[] h = original.layer(0).forward(x, n);
            // The pruned first layer is the original's restricted to its kept units: pick its outputs.
            float[] p = RowMajor.keepColumns(h, n, firstUnits, firstKept);
            for (int i = 1; i <= layer; i++) {
                h = original.layer(i).forward(h, n);
                p = pruned.get(i).forward(p, n);
            }
            equations.add(p, original.layer(layer + 1).preActivations(h, n), n);
        });
    }
}
