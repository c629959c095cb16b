package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ejml.data.DMatrixRMaj;
import org.odf2nna.Device;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * The sequential refit: blocks in graph order, each block's second layer refitted by least squares so that the pruned
 * network's tensor after the block matches the original's. Its inputs are the pruned network's own hidden units (blocks
 * before it already refitted); its target is the original's tensor after the block's residual Add where there is one
 * (the original's block output plus the original's residual minus the pruned network's), the original's block output
 * otherwise. Each (row, position) is a sample, at most {@code cap} per block at an even stride over the rows the block
 * reads ({@link #rowsFor}); both networks run cut to what the block's tensors take ({@link #prefix}). A second layer
 * that is a Conv of several taps (3×3, say) is fitted on (patch, output position) samples: each kept channel at each
 * tap of the kernel is an unknown, zero where the tap lies on the padding, as the Conv reads it ({@link ConvPatches});
 * one whose padding is not written out ({@code auto_pad}) is skipped (means folded only).
 */
final class SequentialRefit {

    private static final int BATCH = 256;
    /** The fewest rows a block's refit reads, however many positions each row holds. */
    static final int MIN_ROWS = 256;
    /**
     * Rows enough for this many times the sample cap, samples taken at a stride across them: the shared MNIST graphs
     * (at most 196 positions per row) still read all 1,500 rows.
     */
    static final int OVERSAMPLE = 8;
    /**
     * The most (channel, tap) unknowns a patch refit solves for: 256 channels of a 3×3. Its sums cost samples × n²
     * (40,000 × 2,304² ≈ 2·10¹¹ multiply-adds a block); wider second convolutions keep their folded means.
     */
    static final int MAX_PATCH_UNKNOWNS = 2304;

    private SequentialRefit() {
    }

    /**
     * @param original the unpruned model
     * @param pruned   the pruned model (means folded), whose blocks match the original's in number and order
     */
    static ModelProto refit(ModelProto original, ModelProto pruned, Path file, GraphFeed input, GraphRows rows,
            Device device, long cap) {
        return refit(original, pruned, file, new Input(rows, input, (done, of) -> { }), device, cap);
    }

    /** Told the blocks refitted so far, out of all, as the refit goes (a deep graph's refit takes minutes). */
    @FunctionalInterface
    interface BlocksDone {
        void done(int blocks, int of);
    }

    /**
     * What a refit reads: the rows, how they are fed, and who is told of its progress.
     *
     * @param rows       the rows both networks run on
     * @param feed       how the rows are fed to the graphs
     * @param blocksDone told before each block how many are done
     * @param refitFrom  the model the round prunes as a refit on these rows wrote it (before any retraining), or the
     *                   original itself: its blocks that nothing changes are left as they are ({@link #unchanged});
     *                   null when unknown (every block refitted)
     */
    record Input(GraphRows rows, GraphFeed feed, BlocksDone blocksDone, ModelProto refitFrom) {

        Input(GraphRows rows, GraphFeed feed, BlocksDone blocksDone) {
            this(rows, feed, blocksDone, null);
        }

        /** The same input, no one told. */
        static Input quiet(GraphRows rows, GraphFeed feed) {
            return new Input(rows, feed, (done, of) -> { });
        }
    }

    /** {@link #refit}, its rows and progress in {@code in}. */
    static ModelProto refit(ModelProto original, ModelProto pruned, Path file, Input in, Device device, long cap) {
        return refit(original, in.refitFrom(), pruned, file, in, device, cap);
    }

    /**
     * {@link #refit}, leaving as they are the blocks whose refit would read and write what it did in
     * {@code unpruned} (the model the round pruned as a refit on the same rows wrote it, before any retraining, or the
     * original): a block is left when no unit of it or of any layer up to its output was removed or refitted
     * differently, so the same rows would give it the same samples and the same solution. On the torchvision
     * ResNet-18 of docs/research/PERFORMANCE.md the early rounds prune the last layers only, and the blocks before them were
     * refitted again for nothing. A retrained model is not one: its weights are no refit's, and a block is refitted
     * again after it. {@code unpruned} null: every block is refitted.
     */
    static ModelProto refit(ModelProto original, ModelProto unpruned, ModelProto pruned, Path file, Input in,
            Device device, long cap) {
        GraphFeed input = in.feed();
        GraphRows rows = in.rows();
        List<DenseBlock> before = BlockFinder.find(original, file);
        ModelProto current = pruned;
        for (int b = 0; b < before.size(); b++) {
            in.blocksDone().done(b, before.size());
            List<DenseBlock> now = BlockFinder.find(current, file);
            if (now.size() != before.size()) {
                return current;
            }
            DenseBlock block = now.get(b);
            GraphView view = new GraphView(current, file);
            boolean taps = BlockPruner.taps(view.dims(block.rewrites().secondWeight().tensor())) > 1;
            ConvKernel kernel = taps ? ConvKernel.of(view, block) : null;
            // A second Conv of several taps whose padding is not written out (auto_pad), or of more unknowns than
            // the cap, keeps its folded means and is left to the end-to-end retraining.
            if (taps && (kernel == null || (long) block.sizes().width() * kernel.taps() > MAX_PATCH_UNKNOWNS)
                    || unpruned != null && unchanged(unpruned, current, block)) {
                continue;
            }
            current = refitBlock(new Pair(original, before.get(b), current, block, kernel), file, input, rows, device,
                    cap);
        }
        return current;
    }

    private record Pair(ModelProto original, DenseBlock was, ModelProto current, DenseBlock block, ConvKernel kernel) {
    }

    /**
     * The samples of one batch: the pruned hidden tensor, the original's targets and residual branch at the samples
     * taken ([sample, output]; the residual null where it does not count), and the pruned network's residual branch.
     */
    private record Batch(ConvPatches patches, float[] h, float[] y, float[] rOriginal, float[] rCurrent, int count,
            int positions) {
    }

    private static ModelProto refitBlock(Pair pair, Path file, GraphFeed input, GraphRows rows, Device device,
            long cap) {
        RefitSums sums = gather(pair, file, input, rows, device, cap);
        if (sums == null || sums.n <= sums.sx.length) {
            return pair.current();
        }
        return solve(sums, pair, file);
    }

    /**
     * The rows a block's refit reads: enough for {@link #OVERSAMPLE} times the sample cap at the block's positions per
     * row, at least {@link #MIN_ROWS}, at most all. A block of few positions (tokens) reads every row; one whose rows
     * hold thousands of positions (a feature map) reaches the cap on a few hundred rows.
     */
    static int rowsFor(int available, int positions, long cap) {
        long wanted = Math.max(MIN_ROWS, (OVERSAMPLE * cap + positions - 1) / Math.max(1, positions));
        return (int) Math.min(available, wanted);
    }

    /**
     * Runs the original and the current network, each cut to what the block's tensors need, over the rows the block
     * reads, and sums the samples; null when the tensors do not line up. The original's side at the samples is read
     * from {@link OriginalSamples} when an earlier round kept it, and kept for the next rounds otherwise.
     */
    private static RefitSums gather(Pair pair, Path file, GraphFeed input, GraphRows rows, Device device, long cap) {
        boolean residual = pair.was().place().residual() != null && pair.block().place().residual() != null;
        String key = OriginalSamples.key(pair.was(), residual, rows, cap);
        OriginalSamples.Block kept = OriginalSamples.find(pair.original(), key);
        if (kept != null) {
            RefitSums sums = gather(pair, file, input, rows, device, cap, kept);
            if (sums != null) {
                return sums;
            }
            OriginalSamples.forget(pair.original(), key);
        }
        return gather(pair, file, input, rows, device, cap, null);
    }

    /** {@link #gather} reading the original's samples from {@code kept}, or running the original when it is null. */
    private static RefitSums gather(Pair pair, Path file, GraphFeed input, GraphRows rows, Device device, long cap,
            OriginalSamples.Block kept) {
        DenseBlock was = pair.was();
        DenseBlock block = pair.block();
        boolean residual = was.place().residual() != null && block.place().residual() != null;
        List<String> originalOut = residual ? List.of(was.place().output(), was.place().residual())
                : List.of(was.place().output());
        List<String> currentOut = residual ? List.of(block.place().hidden(), block.place().residual())
                : List.of(block.place().hidden());
        RefitSums sums = new RefitSums(pair.kernel() == null ? block.sizes().width()
                : block.sizes().width() * pair.kernel().taps(),
                block.sizes().outputs());
        String data = input.data().name();
        // The sums' ONNX Runtime products close with the sessions; the sums stay.
        try (sums; GraphFeed.Session a = kept != null ? null
                : input.open(prefix(pair.original(), originalOut, data), device, file);
                GraphFeed.Session c = input.open(prefix(pair.current(), currentOut, data), device, file)) {
            OriginalSamples.Block keeping = null;
            int limit = rows.count();
            int stride = 0;
            int batchIndex = 0;
            // The first call is one row; the rows after it go in batches the heap holds (batchRows), sized from the
            // original's shapes alone, so the batches line up with what OriginalSamples kept in an earlier round.
            int batch = 1;
            for (int start = 0, count; start < limit; start += count, batchIndex++) {
                count = Math.min(batch, limit - start);
                Map<String, OnnxRunner.Out> shaped = c.runShaped(rows, start, count, new ArrayList<>(currentOut));
                Map<String, OnnxRunner.Out> shapedOriginal = a == null ? null : a.runShaped(rows, start, count,
                        new ArrayList<>(originalOut));
                long[] outShape = a == null ? kept.outputShape : shapedOriginal.get(was.place().output()).shape();
                float[] h = shaped.get(block.place().hidden()).values();
                ConvPatches patches = pair.kernel() == null ? null : ConvPatches.of(pair.kernel(),
                        shaped.get(block.place().hidden()).shape(), outShape);
                if (pair.kernel() != null && patches == null) {
                    return null;
                }
                // Samples are output positions: the patch a Conv of several taps reads, else the position itself.
                int positions = patches != null ? patches.outputs() : h.length / count / block.sizes().width();
                if (stride == 0) {
                    limit = rowsFor(rows.count(), positions, cap);
                    stride = (int) Math.max(1, ((long) limit * positions + cap - 1) / cap);
                    batch = batchRows(was, residual, h.length / count / block.sizes().width(), outShape);
                }
                List<Integer> taken = taken((long) start * positions, stride, count * positions);
                float[] rCurrent = residual ? shaped.get(block.place().residual()).values() : null;
                float[][] targets;
                if (a == null) {
                    if (batchIndex >= kept.batches() || kept.samples(batchIndex) != taken.size()
                            || kept.outputs() != block.sizes().outputs()) {
                        return null;
                    }
                    targets = kept.batch(batchIndex);
                } else {
                    targets = sampled(shapedOriginal, was, residual, block, count, positions, taken);
                    if (targets == null) {
                        return null;
                    }
                    keeping = keeping == null ? new OriginalSamples.Block(outShape, block.sizes().outputs()) : keeping;
                    keeping.add(targets[0], targets[1]);
                }
                if (targets[1] != null && rCurrent.length != (long) count * positions * block.sizes().outputs()) {
                    targets[1] = null; // the residual branches do not line up: the block's output alone is the target
                }
                add(sums, block.kind(), new Batch(patches, h, targets[0], targets[1], rCurrent, count, positions),
                        taken);
            }
            if (keeping != null) {
                OriginalSamples.keep(pair.original(), OriginalSamples.key(was, residual, rows, cap), keeping);
            }
        }
        return sums;
    }

    /**
     * Rows per call after the first: what a sixteenth of the heap holds of the original's hidden tensor and block
     * output (and residual), twice over for the pruned network's and the runtime's copies, at most {@value #BATCH}. A
     * 299×299 Inception's first block holds 32 channels at 147×147 a row: 200 rows at once were killed for memory.
     */
    private static int batchRows(DenseBlock was, boolean residual, int hiddenPositions, long[] outShape) {
        long out = 1;
        for (int i = 1; i < outShape.length; i++) {
            out *= Math.max(1, outShape[i]);
        }
        long floats = (long) was.sizes().width() * hiddenPositions + out * (residual ? 2 : 1);
        return org.odf2nna.Memory.rowsPerBatch(2 * floats * Float.BYTES, BATCH);
    }

    /** The samples of a batch of {@code samples} (rows × positions) whose index from the first row is {@code first}. */
    private static List<Integer> taken(long first, int stride, int samples) {
        List<Integer> taken = new ArrayList<>();
        for (int s = 0; s < samples; s++) {
            if ((first + s) % stride == 0) {
                taken.add(s);
            }
        }
        return taken;
    }

    /**
     * The original's block output at the {@code taken} samples, [sample, output], and its residual branch there (null
     * without one, or where it does not line up with the output); null when the output does not line up.
     */
    private static float[][] sampled(Map<String, OnnxRunner.Out> shapedOriginal, DenseBlock was, boolean residual,
            DenseBlock block, int count, int positions, List<Integer> taken) {
        int outputs = block.sizes().outputs();
        float[] y = shapedOriginal.get(was.place().output()).values();
        if (y.length != (long) count * positions * outputs) {
            return null;
        }
        float[] rOriginal = residual ? shapedOriginal.get(was.place().residual()).values() : null;
        if (rOriginal != null && rOriginal.length != y.length) {
            rOriginal = null;
        }
        float[] ys = new float[taken.size() * outputs];
        float[] rs = rOriginal == null ? null : new float[ys.length];
        for (int i = 0; i < taken.size(); i++) {
            for (int u = 0; u < outputs; u++) {
                int at = index(block.kind(), taken.get(i), u, outputs, positions);
                ys[i * outputs + u] = y[at];
                if (rs != null) {
                    rs[i * outputs + u] = rOriginal[at];
                }
            }
        }
        return new float[][] {ys, rs};
    }

    /**
     * Adds the {@code taken} samples of one batch: the pruned network's hidden units, and as targets the original's
     * block output plus, where there is one, the original's residual branch minus the pruned network's.
     */
    private static void add(RefitSums sums, DenseBlock.Kind kind, Batch batch, List<Integer> taken) {
        ConvPatches patches = batch.patches();
        float[] h = batch.h();
        int positions = batch.positions();
        int k = sums.sx.length;
        int outputs = sums.st.length;
        int m = taken.size();
        // The samples as columns (Xᵀ, k × m) and the targets as rows (T, m × outputs): XᵀX = Xᵀ·(Xᵀ)ᵀ and XᵀT.
        double[] xT = new double[k * m];
        double[] t = new double[m * outputs];
        int[] samples = taken.stream().mapToInt(Integer::intValue).toArray();
        if (patches != null) {
            patches.fill(h, samples, xT);
        } else {
            for (int u = 0; u < k; u++) {
                for (int i = 0; i < m; i++) {
                    xT[u * m + i] = h[index(kind, samples[i], u, k, positions)];
                }
            }
        }
        for (int i = 0; i < m; i++) {
            int s = samples[i];
            for (int u = 0; u < outputs; u++) {
                float y = batch.y()[i * outputs + u];
                t[i * outputs + u] = y + (batch.rOriginal() == null ? 0
                        : batch.rOriginal()[i * outputs + u] - batch.rCurrent()[index(kind, s, u, outputs, positions)]);
            }
        }
        if (sums.shiftX == null) {
            sums.shiftX = rowMeans(xT, k, m);
            sums.shiftT = columnMeans(t, m, outputs);
        }
        for (int u = 0; u < k; u++) {
            for (int i = 0; i < m; i++) {
                xT[u * m + i] -= sums.shiftX[u];
                sums.sx[u] += xT[u * m + i];
            }
        }
        for (int i = 0; i < m; i++) {
            for (int u = 0; u < outputs; u++) {
                t[i * outputs + u] -= sums.shiftT[u];
                sums.st[u] += t[i * outputs + u];
            }
        }
        sums.addProducts(xT, m, t, (double) k * k * m >= RefitSums.ONNX_PRODUCT_MACS);
        sums.n += m;
    }

    private static double[] rowMeans(double[] values, int rows, int cols) {
        double[] means = new double[rows];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                means[r] += values[r * cols + c];
            }
            means[r] /= Math.max(1, cols);
        }
        return means;
    }

    private static double[] columnMeans(double[] values, int rows, int cols) {
        double[] means = new double[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                means[c] += values[r * cols + c];
            }
        }
        for (int c = 0; c < cols; c++) {
            means[c] /= Math.max(1, rows);
        }
        return means;
    }


    /** The second layer that least squares fits to the sums (ridge-stabilised); the model unchanged if none is finite. */
    private static ModelProto solve(RefitSums sums, Pair pair, Path file) {
        ModelProto current = pair.current();
        DenseBlock block = pair.block();
        int k = sums.sx.length;
        int outputs = sums.st.length;
        long n = sums.n;
        DMatrixRMaj xx = sums.xx;
        DMatrixRMaj xt = sums.xt;
        double trace = 0;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                xx.set(i, j, xx.get(i, j) / n - (sums.sx[i] / n) * (sums.sx[j] / n));
            }
            trace += xx.get(i, i);
            for (int o = 0; o < outputs; o++) {
                xt.set(i, o, xt.get(i, o) / n - (sums.sx[i] / n) * (sums.st[o] / n));
            }
        }
        double ridge = BlockPruner.RIDGE * Math.max(trace / k, 1e-12);
        for (int i = 0; i < k; i++) {
            xx.add(i, i, ridge);
        }
        DMatrixRMaj w = new DMatrixRMaj(k, outputs);
        BlockPruner.solveSymmetric(xx, xt, w);
        double[][] weights = new double[k][outputs];
        double[] bias = new double[outputs];
        for (int o = 0; o < outputs; o++) {
            bias[o] = sums.shiftT[o] + sums.st[o] / n;
        }
        for (int i = 0; i < k; i++) {
            for (int o = 0; o < outputs; o++) {
                double v = w.get(i, o);
                if (!Double.isFinite(v)) {
                    return current;
                }
                weights[i][o] = v;
                bias[o] -= v * (sums.shiftX[i] + sums.sx[i] / n);
            }
        }
        if (block.rewrites().biasSite() == DenseBlock.BiasSite.SKIP_LAYER_NORM) {
            // The targets are the MatMul's output, before the SkipLayerNormalization adds the original's bias.
            float[] original = new GraphView(pair.original(), file).values(pair.was().rewrites().secondBias());
            for (int o = 0; o < outputs; o++) {
                bias[o] += original[o];
            }
        }
        return BlockPruner.withSecondLayer(current, file, block, weights, bias);
    }

    /**
     * Whether everything {@code block}'s output is computed from in {@code current} (its nodes, and the initializers
     * they read) is as it is in {@code before}: then a refit of it would solve the same sums as the one that made
     * {@code before}'s.
     */
    static boolean unchanged(ModelProto before, ModelProto current, DenseBlock block) {
        List<String> tensors = new ArrayList<>();
        for (String t : new String[] {block.place().hidden(), block.place().output(), block.place().residual()}) {
            if (t != null) {
                tensors.add(t);
            }
        }
        List<NodeProto> now = needed(current.getGraph(), tensors);
        List<NodeProto> then = needed(before.getGraph(), tensors);
        if (now == null || !now.equals(then)) {
            return false;
        }
        Map<String, TensorProto> was = initializers(before.getGraph());
        Map<String, TensorProto> is = initializers(current.getGraph());
        for (NodeProto n : now) {
            for (String in : n.getInputList()) {
                if (!java.util.Objects.equals(was.get(in), is.get(in))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static Map<String, TensorProto> initializers(GraphProto g) {
        Map<String, TensorProto> byName = new HashMap<>();
        g.getInitializerList().forEach(t -> byName.put(t.getName(), t));
        return byName;
    }

    /**
     * The nodes of {@code g} that computing {@code tensors} takes, in graph order; null when a node holds a subgraph
     * (If, Loop), whose nodes may read outer tensors unnamed.
     */
    private static List<NodeProto> needed(GraphProto g, List<String> tensors) {
        Map<String, NodeProto> producers = new HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            if (n.getAttributeList().stream().anyMatch(a -> a.hasG() || a.getGraphsCount() > 0)) {
                return null;
            }
            n.getOutputList().forEach(out -> producers.put(out, n));
        }
        Set<NodeProto> needed = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        java.util.Deque<String> todo = new java.util.ArrayDeque<>(tensors);
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            String t = todo.pop();
            NodeProto p = seen.add(t) ? producers.get(t) : null;
            if (p != null && needed.add(p)) {
                p.getInputList().stream().filter(in -> !in.isEmpty()).forEach(todo::push);
            }
        }
        return g.getNodeList().stream().filter(needed::contains).toList();
    }

    /**
     * {@code model} cut to what computing {@code tensors} takes, which become its outputs: the nodes after them (the
     * rest of the network) are not run. Every graph input stays declared, so the feed is the same. A graph with
     * subgraphs (If, Loop), whose nodes may read outer tensors unnamed, is exposed whole.
     */
    static ModelProto prefix(ModelProto model, List<String> tensors, String dataInput) {
        ModelProto exposed = BlockStatistics.exposing(model, tensors, dataInput);
        GraphProto g = exposed.getGraph();
        List<NodeProto> needed = needed(g, tensors);
        if (needed == null) {
            return exposed;
        }
        GraphProto.Builder cut = g.toBuilder().clearNode();
        needed.forEach(cut::addNode);
        cut.clearOutput();
        for (var out : g.getOutputList()) {
            if (tensors.contains(out.getName())) {
                cut.addOutput(out);
            }
        }
        return exposed.toBuilder().setGraph(cut).build();
    }

    private static int index(DenseBlock.Kind kind, int sample, int unit, int width, int positions) {
        return kind == DenseBlock.Kind.MATMUL ? sample * width + unit
                : (sample / positions) * width * positions + unit * positions + (sample % positions);
    }
}
