package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;
import org.odf2nna.Device;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * The sequential refit: blocks in graph order, each block's second layer refitted by least squares so that the pruned
 * network's tensor after the block matches the original's. Its inputs are the pruned network's own hidden units (blocks
 * before it already refitted); its target is the original's tensor after the block's residual Add where there is one
 * (the original's block output plus the original's residual minus the pruned network's), the original's block output
 * otherwise. Each (row, position) is a sample, at most {@code cap} per block at an even stride over the rows the block
 * reads ({@link #rowsFor}); both networks run cut to what the block's tensors take ({@link #prefix}). Blocks whose
 * second layer is a Conv with a kernel larger than 1×1 are skipped (means folded only).
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

    private SequentialRefit() {
    }

    /**
     * @param original the unpruned model
     * @param pruned   the pruned model (means folded), whose blocks match the original's in number and order
     */
    static ModelProto refit(ModelProto original, ModelProto pruned, Path file, GraphFeed input, GraphRows rows,
            Device device, long cap) {
        List<DenseBlock> before = BlockFinder.find(original, file);
        ModelProto current = pruned;
        for (int b = 0; b < before.size(); b++) {
            List<DenseBlock> now = BlockFinder.find(current, file);
            if (now.size() != before.size()) {
                return current;
            }
            DenseBlock block = now.get(b);
            // A second Conv of several taps mixes neighbouring positions: a (hidden, output) pair at one position is
            // not its sample, so such a block keeps its folded means and is left to the end-to-end retraining.
            if (BlockPruner.taps(new GraphView(current, file).dims(block.secondWeight().tensor())) > 1) {
                continue;
            }
            current = refitBlock(original, before.get(b), current, block, file, input, rows, device, cap);
        }
        return current;
    }

    /** The least-squares sums of one block over the samples taken: XᵀX, XᵀT and the sums of X and T. */
    private static final class Sums {
        final DMatrixRMaj xx;
        final DMatrixRMaj xt;
        final double[] sx;
        final double[] st;
        long n;

        Sums(int k, int outputs) {
            xx = new DMatrixRMaj(k, k);
            xt = new DMatrixRMaj(k, outputs);
            sx = new double[k];
            st = new double[outputs];
        }
    }

    private static ModelProto refitBlock(ModelProto original, DenseBlock was, ModelProto current, DenseBlock block,
            Path file, GraphFeed input, GraphRows rows, Device device, long cap) {
        Sums sums = gather(original, was, current, block, file, input, rows, device, cap);
        if (sums == null || sums.n <= block.width()) {
            return current;
        }
        return solve(sums, current, block, file);
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
     * reads, and sums the samples; null when the tensors do not line up.
     */
    private static Sums gather(ModelProto original, DenseBlock was, ModelProto current, DenseBlock block, Path file,
            GraphFeed input, GraphRows rows, Device device, long cap) {
        boolean residual = was.residual() != null && block.residual() != null;
        List<String> originalOut = residual ? List.of(was.output(), was.residual()) : List.of(was.output());
        List<String> currentOut = residual ? List.of(block.hidden(), block.residual()) : List.of(block.hidden());
        int k = block.width();
        int outputs = block.outputs();
        Sums sums = new Sums(k, outputs);
        String data = input.data().name();
        try (GraphFeed.Session a = input.open(prefix(original, originalOut, data), device, file);
                GraphFeed.Session c = input.open(prefix(current, currentOut, data), device, file)) {
            int limit = rows.count();
            int stride = 0;
            for (int start = 0; start < limit; start += BATCH) {
                int count = Math.min(BATCH, limit - start);
                Map<String, float[]> o = a.run(rows, start, count, new ArrayList<>(originalOut));
                Map<String, float[]> p = c.run(rows, start, count, new ArrayList<>(currentOut));
                float[] h = p.get(block.hidden());
                float[] y = o.get(was.output());
                int positions = h.length / count / k;
                if (y.length != (long) count * positions * outputs) {
                    return null;
                }
                float[] rOriginal = residual ? o.get(was.residual()) : null;
                float[] rCurrent = residual ? p.get(block.residual()) : null;
                if (residual && (rOriginal.length != y.length || rCurrent.length != y.length)) {
                    rOriginal = null;
                    rCurrent = null;
                }
                if (stride == 0) {
                    limit = rowsFor(rows.count(), positions, cap);
                    stride = (int) Math.max(1, ((long) limit * positions + cap - 1) / cap);
                }
                add(sums, block.kind(), h, y, rOriginal, rCurrent, count, positions, (long) start * positions, stride);
            }
        }
        return sums;
    }

    /** Adds the samples of one batch taken at {@code stride}: the pruned network's hidden units and the targets. */
    private static void add(Sums sums, DenseBlock.Kind kind, float[] h, float[] y, float[] rOriginal, float[] rCurrent,
            int count, int positions, long first, int stride) {
        int k = sums.sx.length;
        int outputs = sums.st.length;
        List<Integer> taken = new ArrayList<>();
        for (int s = 0; s < count * positions; s++) {
            if ((first + s) % stride == 0) {
                taken.add(s);
            }
        }
        DMatrixRMaj x = new DMatrixRMaj(taken.size(), k);
        DMatrixRMaj t = new DMatrixRMaj(taken.size(), outputs);
        for (int i = 0; i < taken.size(); i++) {
            int s = taken.get(i);
            for (int u = 0; u < k; u++) {
                double v = h[index(kind, s, u, k, positions)];
                x.set(i, u, v);
                sums.sx[u] += v;
            }
            for (int u = 0; u < outputs; u++) {
                int at = index(kind, s, u, outputs, positions);
                double v = y[at] + (rOriginal == null ? 0 : rOriginal[at] - rCurrent[at]);
                t.set(i, u, v);
                sums.st[u] += v;
            }
        }
        CommonOps_DDRM.multAddTransA(x, x, sums.xx);
        CommonOps_DDRM.multAddTransA(x, t, sums.xt);
        sums.n += taken.size();
    }

    /** The second layer that least squares fits to the sums (ridge-stabilised); the model unchanged if none is finite. */
    private static ModelProto solve(Sums sums, ModelProto current, DenseBlock block, Path file) {
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
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.symmPosDef(k);
        if (!solver.setA(xx)) {
            solver = LinearSolverFactory_DDRM.pseudoInverse(true);
            solver.setA(xx);
        }
        solver.solve(xt, w);
        double[][] weights = new double[k][outputs];
        double[] bias = new double[outputs];
        for (int o = 0; o < outputs; o++) {
            bias[o] = sums.st[o] / n;
        }
        for (int i = 0; i < k; i++) {
            for (int o = 0; o < outputs; o++) {
                double v = w.get(i, o);
                if (!Double.isFinite(v)) {
                    return current;
                }
                weights[i][o] = v;
                bias[o] -= v * sums.sx[i] / n;
            }
        }
        return BlockPruner.withSecondLayer(current, file, block, weights, bias);
    }

    /**
     * {@code model} cut to what computing {@code tensors} takes, which become its outputs: the nodes after them (the
     * rest of the network) are not run. Every graph input stays declared, so the feed is the same. A graph with
     * subgraphs (If, Loop), whose nodes may read outer tensors unnamed, is exposed whole.
     */
    static ModelProto prefix(ModelProto model, List<String> tensors, String dataInput) {
        ModelProto exposed = BlockStatistics.exposing(model, tensors, dataInput);
        GraphProto g = exposed.getGraph();
        Map<String, NodeProto> producers = new HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            if (n.getAttributeList().stream().anyMatch(a -> a.hasG() || a.getGraphsCount() > 0)) {
                return exposed;
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
        GraphProto.Builder cut = g.toBuilder().clearNode();
        g.getNodeList().stream().filter(needed::contains).forEach(cut::addNode);
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
