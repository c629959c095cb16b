package org.odf2nna.method;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.odf2nna.Device;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.OnnxProduct;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.RefitSumsGraph;
import org.odf2nna.prune.DenseProduct;
import org.odf2nna.prune.FittingRows;
import org.odf2nna.prune.NormalEquations;
import org.odf2nna.prune.RefitSums;
import org.odf2nna.prune.RowSource;

/**
 * A refit's sums made in ONNX Runtime ({@link RefitSumsGraph}): per hidden layer one pass over the fitting rows in
 * which the original and the pruned network run as ONNX Runtime runs them and the Gram matrices are ONNX Runtime's
 * double MatMul over a block of rows, rank-k updates at matrix-multiply speed; Java adds one k × k block per run.
 * Memory: the sums, one block of rows and ONNX Runtime's activations of that block.
 */
final class OnnxRefitSums implements RefitSums {

    /**
     * Values of the widest activation per run: the block of rows is as many rows as that allows (2^22: 16 MB of
     * float, 32 MB as double), at most {@link #MAX_BLOCK}. Blocks of a few thousand rows keep ONNX Runtime's double
     * copies of a block near the caches: 4,096 rows took 0.94 CPU s for HᵀH and HᵀZ of a 300-wide layer over
     * 100,000 rows where 16,384 took 1.61 s (ONNX Runtime 1.30 in Python, 2 threads).
     */
    private static final int BLOCK_VALUES = 1 << 22;
    private static final int MIN_BLOCK = 256;
    private static final int MAX_BLOCK = 4096;

    /** What messages call a network that was not read from a file. */
    static final Path IN_MEMORY = Path.of("the network in memory");

    private final DenseNetwork original;
    private final RowSource rows;
    private final long rowCount;
    private final Device device;
    private final Path source;

    /**
     * @param rows     the fitting rows, as chain input
     * @param rowCount how many they are
     * @param source   the model's file, for messages
     */
    OnnxRefitSums(DenseNetwork original, RowSource rows, long rowCount, Device device, Path source) {
        this.original = original;
        this.rows = rows;
        this.rowCount = rowCount;
        this.device = device;
        this.source = source;
    }

    /** Whether ONNX Runtime can make the sums for {@code network} (every layer a Gemm and an activation). */
    static boolean supports(DenseNetwork network) {
        return RefitSumsGraph.expressible(network);
    }

    /**
     * The sums every least-squares refit of the method layer uses (shrink, sweep, evolve, the in-memory API): made in
     * ONNX Runtime, except for a network with layers on simulated integer kernels, which quantize each row on its own
     * where ONNX Runtime's DynamicQuantizeLinear takes one range per batch: those are summed in plain Java.
     *
     * @param rowCount how many rows {@code rows} gives, or -1 when not counted
     * @param source   the model's file, or what the network is, for messages
     */
    static RefitSums of(DenseNetwork network, RowSource rows, long rowCount, Device device, Path source) {
        return supports(network) ? new OnnxRefitSums(network, rows, rowCount, device, source)
                : FittingRows.streamed(network, rows);
    }

    /** ONNX Runtime's double MatMul for the large products of a wide layer's solve. */
    @Override
    public DenseProduct products() {
        return OnnxProduct.open();
    }

    @Override
    public long rows() {
        return rowCount;
    }

    @Override
    public void accumulate(int layer, int[] firstKept, List<DenseLayer> pruned, NormalEquations equations) {
        int width = original.inputs();
        int widest = width;
        for (int l = 0; l <= layer + 1; l++) {
            widest = Math.max(widest, original.layer(l).units());
        }
        int block = Math.max(MIN_BLOCK, Math.min(MAX_BLOCK, BLOCK_VALUES / widest));
        try (OnnxRunner runner = OnnxRunner.open(RefitSumsGraph.build(original, firstKept, pruned, layer,
                equations.featureShift(), equations.targetShift()), RefitSumsGraph.input(width), device, source)) {
            float[] buffer = new float[block * width];
            int[] filled = {0};
            rows.forEachBatch((x, n) -> {
                int from = 0;
                while (from < n) {
                    int take = Math.min(n - from, block - filled[0]);
                    System.arraycopy(x, from * width, buffer, filled[0] * width, take * width);
                    filled[0] += take;
                    from += take;
                    if (filled[0] == block) {
                        add(runner, buffer, block, width, equations);
                        filled[0] = 0;
                    }
                }
            });
            if (filled[0] > 0) {
                add(runner, buffer, filled[0], width, equations);
            }
        }
    }

    private static void add(OnnxRunner runner, float[] buffer, int n, int width, NormalEquations equations) {
        Map<String, double[]> sums = runner.runDoubles(buffer, n, width, RefitSumsGraph.OUTPUTS);
        equations.addSums(sums.get(RefitSumsGraph.HH), sums.get(RefitSumsGraph.H_SUM), sums.get(RefitSumsGraph.HZ),
                sums.get(RefitSumsGraph.Z_SUM), sums.get(RefitSumsGraph.ZZ), n);
    }
}
