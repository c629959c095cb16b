package org.odf2nna.method;

import java.nio.DoubleBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.odf2nna.Device;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.OnnxProduct;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.PinnedDoubles;
import org.odf2nna.onnx.RefitSumsGraph;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
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
    /** Multiply-adds of G·W past which ONNX Runtime's double MatMul makes it rather than EJML. */
    private static final double EJML_PRODUCT = 1 << 27;

    /** What messages call a network that was not read from a file. */
    static final Path IN_MEMORY = Path.of("the network in memory");

    private final DenseNetwork original;
    private final RowSource rows;
    private final long rowCount;
    private final Device device;
    private final Path source;
    /** Whether a layer with nothing dropped before it takes its sums from the original's Gram matrix. */
    private final boolean fromOriginal;
    /** Features from which a block's Gram products are made in float ({@link RefitSumsGraph#FLOAT_PRODUCT_WIDTH}). */
    private final int floatFrom;
    /** The output layer's targets on the fitting rows, from the scoring pass, or null (computed in each pass). */
    private final OutputTargets outputTargets;
    /** Gram matrices of the original's hidden layers the scoring pass took over the fitting rows, or null. */
    private final LayerGrams grams;
    /** The mean-folded network judged in the pass on the output targets, or null. */
    private final FoldedPwrFromRefit riding;

    /**
     * @param rows     the fitting rows, as chain input
     * @param rowCount how many they are
     * @param source   the model's file, for messages
     */
    OnnxRefitSums(DenseNetwork original, RowSource rows, long rowCount, Device device, Path source) {
        this(original, rows, rowCount, device, source, true);
    }

    /** @param fromOriginal false: every layer's sums from the pass over both chains (what tests compare against) */
    OnnxRefitSums(DenseNetwork original, RowSource rows, long rowCount, Device device, Path source,
            boolean fromOriginal) {
        this(original, rows, rowCount, device, source, fromOriginal, RefitSumsGraph.FLOAT_PRODUCT_WIDTH);
    }

    /** @param floatFrom features from which the Gram products are float per block (tests: 0 always, MAX_VALUE never) */
    OnnxRefitSums(DenseNetwork original, RowSource rows, long rowCount, Device device, Path source,
            boolean fromOriginal, int floatFrom) {
        this(original, rows, rowCount, device, source, fromOriginal, floatFrom, null, null, null);
    }

    private OnnxRefitSums(OnnxRefitSums sums, OutputTargets outputTargets, LayerGrams grams, FoldedPwrFromRefit riding) {
        this(sums.original, sums.rows, sums.rowCount, sums.device, sums.source, sums.fromOriginal, sums.floatFrom,
                outputTargets, grams, riding);
    }

    /** Every field as given: what the others (a fresh pass, the same sums with what a scoring pass took) call. */
    private OnnxRefitSums(DenseNetwork original, RowSource rows, long rowCount, Device device, Path source,
            boolean fromOriginal, int floatFrom, OutputTargets outputTargets, LayerGrams grams, FoldedPwrFromRefit riding) {
        this.original = original;
        this.rows = rows;
        this.rowCount = rowCount;
        this.device = device;
        this.source = source;
        this.fromOriginal = fromOriginal;
        this.floatFrom = floatFrom;
        this.outputTargets = outputTargets;
        this.grams = grams;
        this.riding = riding;
    }

    /**
     * The same sums, the last layer's refit taking its targets from {@code targets} (the scoring pass made them on
     * the same rows in the same order) instead of running the whole original beside the pruned chain.
     */
    OnnxRefitSums withOutputTargets(OutputTargets targets) {
        if (rowCount >= 0 && targets.rows() != rowCount) {
            throw new IllegalArgumentException(targets.rows() + " rows of targets for " + rowCount + " fitting rows");
        }
        return new OnnxRefitSums(this, targets, grams, riding);
    }

    /**
     * The same sums, a first refit taking the original's Gram matrix of its layer from {@code taken} (the scoring
     * pass took it over the same rows) where it holds that layer's, instead of a pass of its own.
     */
    OnnxRefitSums withLayerGrams(LayerGrams taken) {
        return new OnnxRefitSums(this, outputTargets, taken, riding);
    }

    /**
     * The same sums, the pass on the output targets also running {@code pwr}'s mean-folded network over the fitting
     * rows (which must be the rows it judges on, in the same order): its PWR without a pass of its own.
     */
    OnnxRefitSums riding(FoldedPwrFromRefit pwr) {
        return new OnnxRefitSums(this, outputTargets, grams, pwr);
    }

    /** Whether the last refit takes the scoring pass's targets, the pass a mean-folded network's PWR can ride on. */
    boolean onOutputTargets() {
        return outputTargets != null;
    }

    /** Whether a first refit at hidden layer {@code layer} takes the original's Gram matrix (else both chains). */
    boolean usesOriginalGram(int layer) {
        int units = original.layer(layer).units();
        return fromOriginal && !(rowCount >= 0 && rowCount < units) && !onOutputTargets(layer);
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
        boolean onTargets = onOutputTargets(layer);
        boolean inFloat = equations.features() >= floatFrom;
        RefitSumsGraph.Rider rider = onTargets && riding != null ? riding.rider(pruned) : null;
        java.util.function.Supplier<ModelProto> graph = () -> onTargets ? RefitSumsGraph.onTargets(original,
                firstKept, pruned, layer, equations.featureShift(), equations.targetShift(), inFloat, rider)
                : RefitSumsGraph.build(original, firstKept, pruned, layer, equations.featureShift(),
                equations.targetShift(), inFloat);
        long k = equations.features();
        long m = equations.targets();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put(RefitSumsGraph.HH, new long[] {k, k});
        shapes.put(RefitSumsGraph.H_SUM, new long[] {k});
        shapes.put(RefitSumsGraph.HZ, new long[] {k, m});
        shapes.put(RefitSumsGraph.Z_SUM, new long[] {m});
        shapes.put(RefitSumsGraph.ZZ, new long[] {m});
        forEachBlock(graph, onTargets ? layer : layer + 1, onTargets ? outputTargets : null, (sums, ridden, n) -> {
            equations.addSums(sums.get(RefitSumsGraph.HH), sums.get(RefitSumsGraph.H_SUM),
                    sums.get(RefitSumsGraph.HZ), sums.get(RefitSumsGraph.Z_SUM), sums.get(RefitSumsGraph.ZZ), n);
            if (ridden != null) {
                riding.add(ridden, n);
            }
        }, shapes, rider == null ? null : RefitSumsGraph.RIDER);
    }

    /** Whether hidden layer {@code layer}'s refit (of the output layer) takes the scoring pass's targets. */
    private boolean onOutputTargets(int layer) {
        return outputTargets != null && layer == original.hiddenLayerCount() - 1;
    }

    /**
     * The sums from the original alone ({@link RefitSumsGraph#originalGram}): one Gram matrix G of all the layer's
     * outputs, shifted by their means m, over the rows; then in double, with W and b the next layer's weights and the
     * targets' shift t = mW + b (so Z − t = (A − m)W): HᵀH = G[kept, kept], HᵀZ = (GW)[kept, ·], 1ᵀZ = (1ᵀA)W and
     * the column sums of Z² the diagonal of WᵀGW. One Gemm of the layer's width per row instead of the next
     * layer's forward pass, the pruned chain and two Gram products; Z is exact in double where the other pass rounds
     * it to float first.
     */
    @Override
    public void accumulateOriginal(int layer, int[] kept, double[] means, int[] firstKept, List<DenseLayer> pruned,
            NormalEquations equations) {
        int units = original.layer(layer).units();
        // G·W costs units² × the next layer's units whatever the rows: on fewer rows than units the other pass is less.
        // The output layer's targets at hand: the pruned chain alone costs less than the original's Gram matrix.
        if (!usesOriginalGram(layer)) {
            accumulate(layer, firstKept, pruned, equations);
            return;
        }
        LayerGrams.Gram taken = grams == null ? null : grams.of(layer);
        if (taken != null) {
            double[] unitSum = new double[units];
            double[] gram = taken.about(means, unitSum);
            fromGram(layer, kept, gram, unitSum, taken.rows(), equations);
            taken.used();
            return;
        }
        double[] gram = new double[units * units];
        double[] unitSum = new double[units];
        long[] counted = {0};
        forEachBlock(() -> RefitSumsGraph.originalGram(original, layer, means, units >= floatFrom), layer, null,
                (sums, ridden, n) -> {
            add(gram, sums.get(RefitSumsGraph.GRAM));
            add(unitSum, sums.get(RefitSumsGraph.UNIT_SUM));
            counted[0] += n;
        }, Map.of(RefitSumsGraph.GRAM, new long[] {units, units}, RefitSumsGraph.UNIT_SUM, new long[] {units}), null);
        fromGram(layer, kept, gram, unitSum, counted[0], equations);
    }

    /**
     * The refit's sums from the Gram matrix G of all hidden layer {@code layer}'s outputs about the features' shift,
     * and their column sums about it.
     */
    private void fromGram(int layer, int[] kept, double[] gram, double[] unitSum, long rowsSummed,
            NormalEquations equations) {
        int units = original.layer(layer).units();
        DenseLayer next = original.layer(layer + 1);
        int targets = next.units();
        // W widened to double as it is staged for the product, not held in double beside G·W (128 MB at 4,096 wide).
        float[] w = next.weights();
        double[] gw;
        try (DenseProduct product = (double) units * units * targets > EJML_PRODUCT ? OnnxProduct.open()
                : DenseProduct.EJML) {
            gw = product.multiplyWidened(gram, units, units, w, targets);
        }
        double[] zSum = new double[targets];
        double[] zz = new double[targets];
        for (int i = 0; i < units; i++) {
            for (int u = 0; u < targets; u++) {
                double wiu = w[i * targets + u];
                zSum[u] += unitSum[i] * wiu;
                zz[u] += wiu * gw[i * targets + u];
            }
        }
        // Gathered from G and GW where they lie: no copies of HᵀH and HᵀZ beside them.
        equations.addGathered(gram, units, kept, unitSum, gw, zSum, zz, rowsSummed);
    }

    /**
     * Receives one block's sums, by output name (where ONNX Runtime wrote them), the returned output's values (or
     * null), and its row count.
     */
    private interface BlockSums {
        void accept(PinnedDoubles sums, float[] returned, int rows);
    }

    /**
     * Runs the graph {@code graph} makes over the fitting rows in blocks as large as its activations allow.
     *
     * @param deepest the deepest layer of the original it runs (its widest activation bounds the block)
     * @param targets the targets fed beside the rows ({@link RefitSumsGraph#TARGETS}), or null
     * @param returned an output returned beside the pinned ones (with targets only), or null
     */
    private void forEachBlock(java.util.function.Supplier<ModelProto> graph, int deepest, OutputTargets targets,
            BlockSums consumer, Map<String, long[]> outputs, String returned) {
        int width = original.inputs();
        int widest = width;
        for (int l = 0; l <= deepest; l++) {
            widest = Math.max(widest, original.layer(l).units());
        }
        int block = Math.max(MIN_BLOCK, Math.min(MAX_BLOCK, BLOCK_VALUES / widest));
        OutputTargets.Cursor cursor = targets == null ? null : targets.cursor();
        double[] fed = targets == null ? null : new double[block * targets.width()];
        // The outputs written in place run after run: a 4096-wide HᵀH is 128 MB, which a returned output copied twice.
        // The graph made only to open the session: its weights (a few wide layers, 200 MB at 4,096 wide) are not held
        // on the heap through the pass beside ONNX Runtime's own copy.
        try (OnnxRunner runner = OnnxRunner.open(graph.get(), RefitSumsGraph.input(width), device, source);
             PinnedDoubles sums = PinnedDoubles.of(outputs)) {
            float[] buffer = new float[block * width];
            int[] filled = {0};
            Runnable run = () -> {
                float[] values = null;
                if (cursor == null) {
                    runner.runInto(buffer, filled[0], width, sums);
                } else {
                    cursor.take(filled[0], fed, 0);
                    values = runner.runInto(buffer, filled[0], width, RefitSumsGraph.TARGETS, fed, targets.width(),
                            sums, returned);
                }
                consumer.accept(sums, values, filled[0]);
                filled[0] = 0;
            };
            rows.forEachBatch((x, n) -> {
                int from = 0;
                while (from < n) {
                    int take = Math.min(n - from, block - filled[0]);
                    System.arraycopy(x, from * width, buffer, filled[0] * width, take * width);
                    filled[0] += take;
                    from += take;
                    if (filled[0] == block) {
                        run.run();
                    }
                }
            });
            if (filled[0] > 0) {
                run.run();
            }
            if (cursor != null && !cursor.done()) {
                throw new IllegalStateException("the fitting rows are fewer than the " + targets.rows()
                        + " rows the scoring pass made targets for");
            }
        }
    }

    private static void add(double[] into, DoubleBuffer values) {
        for (int i = 0; i < into.length; i++) {
            into[i] += values.get(i);
        }
    }
}
