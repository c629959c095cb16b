package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;
import org.odf2nna.Device;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * The sequential refit: blocks in graph order, each block's second layer refitted by least squares so that the pruned
 * network's tensor after the block matches the original's. Its inputs are the pruned network's own hidden units (blocks
 * before it already refitted); its target is the original's tensor after the block's residual Add where there is one
 * (the original's block output plus the original's residual minus the pruned network's), the original's block output
 * otherwise. Each (row, position) is a sample, at most {@code cap} per block at an even stride.
 */
final class SequentialRefit {

    private static final int BATCH = 256;

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
            current = refitBlock(original, before.get(b), current, now.get(b), file, input, rows, device, cap);
        }
        return current;
    }

    private static ModelProto refitBlock(ModelProto original, DenseBlock was, ModelProto current, DenseBlock block,
            Path file, GraphFeed input, GraphRows rows, Device device, long cap) {
        boolean residual = was.residual() != null && block.residual() != null;
        List<String> originalOut = residual ? List.of(was.output(), was.residual()) : List.of(was.output());
        List<String> currentOut = residual ? List.of(block.hidden(), block.residual()) : List.of(block.hidden());
        int k = block.width();
        int outputs = block.outputs();
        DMatrixRMaj xx = new DMatrixRMaj(k, k);
        DMatrixRMaj xt = new DMatrixRMaj(k, outputs);
        double[] sx = new double[k];
        double[] st = new double[outputs];
        long n = 0;
        int stride = 0;
        String data = input.data().name();
        try (GraphFeed.Session a = input.open(BlockStatistics.exposing(original, originalOut, data), device, file);
                GraphFeed.Session c = input.open(BlockStatistics.exposing(current, currentOut, data), device, file)) {
            for (int start = 0; start < rows.count(); start += BATCH) {
                int count = Math.min(BATCH, rows.count() - start);
                Map<String, float[]> o = a.run(rows, start, count, new ArrayList<>(originalOut));
                Map<String, float[]> p = c.run(rows, start, count, new ArrayList<>(currentOut));
                float[] h = p.get(block.hidden());
                float[] y = o.get(was.output());
                int positions = h.length / count / k;
                if (y.length != (long) count * positions * outputs) {
                    return current;
                }
                float[] rOriginal = residual ? o.get(was.residual()) : null;
                float[] rCurrent = residual ? p.get(block.residual()) : null;
                if (residual && (rOriginal.length != y.length || rCurrent.length != y.length)) {
                    rOriginal = null;
                    rCurrent = null;
                }
                if (stride == 0) {
                    stride = (int) Math.max(1, ((long) rows.count() * positions + cap - 1) / cap);
                }
                List<Integer> taken = new ArrayList<>();
                long first = (long) start * positions;
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
                        double v = h[index(block.kind(), s, u, k, positions)];
                        x.set(i, u, v);
                        sx[u] += v;
                    }
                    for (int u = 0; u < outputs; u++) {
                        int at = index(block.kind(), s, u, outputs, positions);
                        double v = y[at] + (rOriginal == null ? 0 : rOriginal[at] - rCurrent[at]);
                        t.set(i, u, v);
                        st[u] += v;
                    }
                }
                org.ejml.dense.row.CommonOps_DDRM.multAddTransA(x, x, xx);
                org.ejml.dense.row.CommonOps_DDRM.multAddTransA(x, t, xt);
                n += taken.size();
            }
        }
        if (n <= k) {
            return current;
        }
        double trace = 0;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                xx.set(i, j, xx.get(i, j) / n - (sx[i] / n) * (sx[j] / n));
            }
            trace += xx.get(i, i);
            for (int o = 0; o < outputs; o++) {
                xt.set(i, o, xt.get(i, o) / n - (sx[i] / n) * (st[o] / n));
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
            bias[o] = st[o] / n;
        }
        for (int i = 0; i < k; i++) {
            for (int o = 0; o < outputs; o++) {
                double v = w.get(i, o);
                if (!Double.isFinite(v)) {
                    return current;
                }
                weights[i][o] = v;
                bias[o] -= v * sx[i] / n;
            }
        }
        return BlockPruner.withSecondLayer(current, file, block, weights, bias);
    }

    private static int index(DenseBlock.Kind kind, int sample, int unit, int width, int positions) {
        return kind == DenseBlock.Kind.MATMUL ? sample * width + unit
                : (sample / positions) * width * positions + unit * positions + (sample % positions);
    }
}
