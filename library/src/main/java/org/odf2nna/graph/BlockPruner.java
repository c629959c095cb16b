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
import org.odf2nna.graph.DenseBlock.BiasSite;
import org.odf2nna.graph.DenseBlock.UnitSlot;
import org.odf2nna.onnx.OnnxValues;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * Removes hidden units from dense blocks: each dropped unit's slice goes from the first layer, from every per-unit
 * constant between the layers and from the second layer; its mean is folded into the second layer's bias (a bias is
 * added where there is none), and with least squares the kept units' weights in the second layer are refitted to make up
 * for the dropped ones (the block's output over the measured samples, exactly as the covariance says). Initializers are
 * rewritten in place under their names; a depthwise convolution's {@code group} follows the width; every other node is
 * left as it is.
 */
public final class BlockPruner {

    /** How the second layer makes up for the dropped units. */
    public enum Compensation {
        /** Only the dropped units' means folded into the bias. */
        MEAN,
        /** The means folded, and the kept units' weights refitted by least squares. */
        LEAST_SQUARES,
        /**
         * Means folded, then blocks in graph order refitted by least squares towards the original's tensor after each
         * block, on the pruned network's own inputs ({@link SequentialRefit}).
         */
        SEQUENTIAL
    }

    /**
     * A pruned model and what was removed.
     *
     * @param model        the rewritten model
     * @param removedUnits per block, the units removed (indices into the block's units before this prune)
     * @param parameters   the parameters removed (weights, biases and per-unit constants)
     */
    public record Pruned(ModelProto model, List<int[]> removedUnits, long parameters) {
    }

    /** Relative ridge on the kept units' covariance: keeps the refit solvable when units are dead or collinear. */
    static final double RIDGE = 1e-6;

    private BlockPruner() {
    }

    /**
     * Drops units from blocks.
     *
     * @param blocks  the model's blocks (from {@link BlockFinder})
     * @param moments their hidden units' statistics on this model (from {@link BlockStatistics})
     * @param drop    per block, whether each unit goes; at least one unit must stay in each block
     */
    public static Pruned prune(ModelProto model, Path file, List<DenseBlock> blocks,
            List<BlockStatistics.Moments> moments, List<boolean[]> drop, Compensation compensation) {
        return prune(model, file, blocks, moments, drop,
                java.util.Collections.nCopies(blocks.size(), compensation));
    }

    /**
     * Drops units from blocks, each block's second layer compensating as {@code compensations} says. The blocks of
     * one residual stream ({@link TiedChannels}) share one mask: the first slices the producers, each its consumer.
     */
    static Pruned prune(ModelProto model, Path file, List<DenseBlock> blocks, List<BlockStatistics.Moments> moments,
            List<boolean[]> drop, List<Compensation> compensations) {
        GraphView g = new GraphView(model, file);
        Map<String, float[]> values = new HashMap<>();
        Map<String, long[]> dims = new HashMap<>();
        List<NodeProto> nodes = new ArrayList<>(model.getGraph().getNodeList());
        List<TensorProto> added = new ArrayList<>();
        Map<String, Long> groups = new HashMap<>();
        Map<String, Long> heads = new HashMap<>();
        List<int[]> removed = new ArrayList<>();
        long parameters = 0;
        for (int b = 0; b < blocks.size(); b++) {
            DenseBlock block = blocks.get(b);
            boolean[] d = drop.get(b);
            int[] dropped = indices(d, true);
            int[] kept = indices(d, false);
            removed.add(dropped);
            if (dropped.length == 0) {
                continue;
            }
            if (kept.length == 0) {
                throw new IllegalArgumentException("block " + block.index() + ": every unit dropped");
            }
            long before = 0;
            for (UnitSlot s : block.rewrites().slots()) {
                before += current(g, values, dims, s.tensor()).length;
            }
            double[] biasDelta = compensate(g, values, dims, block, moments.get(b), kept, dropped,
                    compensations.get(b));
            for (UnitSlot s : block.rewrites().slots()) {
                slice(g, values, dims, s, d);
            }
            long after = 0;
            for (UnitSlot s : block.rewrites().slots()) {
                after += values.get(s.tensor()).length;
            }
            parameters += before - after;
            parameters -= addBias(g, values, dims, nodes, added, block, biasDelta);
            for (String dw : block.rewrites().groupNodes()) {
                groups.put(dw, (long) kept.length);
                heads.put(dw, (long) kept.length / block.sizes().unitSize());
            }
        }
        ModelProto.Builder copy = model.toBuilder();
        GraphProto.Builder graph = withInitializers(copy, values, dims, added);
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            Long group = groups.get(GraphView.nodeName(n));
            if (group != null) {
                NodeProto.Builder nb = n.toBuilder().clearAttribute();
                for (AttributeProto a : n.getAttributeList()) {
                    // A depthwise Conv's group follows the channels, a fused attention's num_heads the heads.
                    nb.addAttribute(a.getName().equals("group") ? a.toBuilder().setI(group).build()
                            : a.getName().equals("num_heads") ? a.toBuilder().setI(heads.get(GraphView.nodeName(n)))
                            .build() : a);
                }
                n = nb.build();
            }
            nodes.set(i, n);
        }
        graph.clearNode().addAllNode(nodes);
        // Shapes recorded for the blocks' inner tensors no longer hold; value_info is optional, so it goes.
        graph.clearValueInfo();
        return new Pruned(copy.build(), removed, parameters);
    }

    /**
     * The model with one block's second layer replaced: {@code weights[unit][output]} ({@code weights[unit · taps +
     * tap][output]} for a Conv of several taps) and {@code bias[output]} (a bias is added where the layer has none).
     * Everything else stays.
     */
    static ModelProto withSecondLayer(ModelProto model, Path file, DenseBlock block, double[][] weights,
            double[] bias) {
        GraphView g = new GraphView(model, file);
        Map<String, float[]> values = new HashMap<>();
        Map<String, long[]> dims = new HashMap<>();
        UnitSlot ws = block.rewrites().secondWeight();
        float[] w = current(g, values, dims, ws.tensor());
        long[] d = dims.get(ws.tensor());
        int taps = taps(d);
        for (int j = 0; j < weights.length; j++) {
            for (int o = 0; o < weights[j].length; o++) {
                w[at(d, ws.axis(), j / taps, o, j % taps)] = (float) weights[j][o];
            }
        }
        List<NodeProto> nodes = new ArrayList<>(model.getGraph().getNodeList());
        List<TensorProto> added = new ArrayList<>();
        if (block.rewrites().secondBias() != null) {
            float[] b = current(g, values, dims, block.rewrites().secondBias());
            for (int o = 0; o < b.length; o++) {
                b[o] = (float) bias[o];
            }
        } else {
            addBias(g, values, dims, nodes, added, block, bias);
        }
        ModelProto.Builder copy = model.toBuilder();
        GraphProto.Builder graph = withInitializers(copy, values, dims, added);
        graph.clearNode().addAllNode(nodes);
        return copy.build();
    }

    /** {@code copy}'s graph with the initializers in {@code values} replaced (new values and dims) and {@code added}. */
    private static GraphProto.Builder withInitializers(ModelProto.Builder copy, Map<String, float[]> values,
            Map<String, long[]> dims, List<TensorProto> added) {
        GraphProto.Builder graph = copy.getGraphBuilder();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            TensorProto t = graph.getInitializer(i);
            if (values.containsKey(t.getName())) {
                graph.setInitializer(i, OnnxValues.withValues(t, values.get(t.getName()), dims.get(t.getName())));
            }
        }
        graph.addAllInitializer(added);
        return graph;
    }

    /**
     * Solves {@code a x = b} for a symmetric {@code a} (ridge added): Cholesky, or the pseudo-inverse when {@code a}
     * is not positive definite after all.
     */
    static void solveSymmetric(DMatrixRMaj a, DMatrixRMaj b, DMatrixRMaj x) {
        if (a.getNumRows() > org.odf2nna.prune.WideSolve.MIN_WIDTH) {
            // A ViT-B's FFN of 3,072 units: EJML's one thread took about 20 s a block, blocks and ONNX Runtime 1-2 s.
            try (org.odf2nna.onnx.OnnxProduct product = org.odf2nna.onnx.OnnxProduct.open()) {
                double[] solved = org.odf2nna.prune.WideSolve.solve(a.data, a.getNumRows(), b.data, b.getNumCols(),
                        product);
                if (solved != null) {
                    System.arraycopy(solved, 0, x.data, 0, solved.length);
                    return;
                }
            }
        }
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.symmPosDef(a.getNumRows());
        if (!solver.setA(a)) {
            solver = LinearSolverFactory_DDRM.pseudoInverse(true);
            solver.setA(a);
        }
        solver.solve(b, x);
    }

    private static int[] indices(boolean[] drop, boolean which) {
        int n = 0;
        for (boolean x : drop) {
            n += x == which ? 1 : 0;
        }
        int[] out = new int[n];
        int k = 0;
        for (int i = 0; i < drop.length; i++) {
            if (drop[i] == which) {
                out[k++] = i;
            }
        }
        return out;
    }

    private static float[] current(GraphView g, Map<String, float[]> values, Map<String, long[]> dims, String t) {
        if (!values.containsKey(t)) {
            values.put(t, g.values(t).clone());
            dims.put(t, g.dims(t));
        }
        return values.get(t);
    }

    /**
     * Taps per (unit, output) pair of a second layer's weight of dims {@code d}: the kernel's size for a Conv
     * ([outputs, units, kh, kw]), 1 for MatMul and Gemm.
     */
    static int taps(long[] d) {
        long t = 1;
        for (int k = 2; k < d.length; k++) {
            t *= d[k];
        }
        return (int) t;
    }

    /**
     * Value index of (unit j, output o, tap t) in a second layer's weight: [in, out] or [out, in] for MatMul and Gemm
     * (no taps), [outputs, units, kh, kw] for a Conv, taps in row-major order.
     */
    static int at(long[] d, int axis, int j, int o, int tap) {
        if (d.length == 2) {
            return axis == 0 ? (int) (j * d[1] + o) : (int) (o * d[1] + j);
        }
        return (int) ((o * d[1] + j) * taps(d) + tap);
    }

    /**
     * Refits the kept units' weights in the second layer and returns the change of its bias. A dropped unit's mean
     * reaches output o through every tap of its kernel: b[o] += m_j · Σ_taps W[o, j, tap] (exact where the kernel lies
     * inside the input; a zero-padded tap reads 0, not the mean). Least squares refits each (output, tap) column on
     * its own, the kept units standing in for the dropped ones at the same position.
     */
    private static double[] compensate(GraphView g, Map<String, float[]> values, Map<String, long[]> dims,
            DenseBlock block, BlockStatistics.Moments m, int[] kept, int[] dropped, Compensation compensation) {
        UnitSlot ws = block.rewrites().secondWeight();
        float[] w = current(g, values, dims, ws.tensor());
        long[] d = dims.get(ws.tensor());
        int units = (int) d[ws.axis()];
        int taps = taps(d);
        int outputs = (int) (w.length / units / taps);
        int columns = outputs * taps;
        int width = m.width();
        double[] delta = new double[outputs];
        for (int j : dropped) {
            for (int c = 0; c < columns; c++) {
                delta[c / taps] += m.mean()[j] * w[at(d, ws.axis(), j, c / taps, c % taps)];
            }
        }
        if (compensation == Compensation.LEAST_SQUARES) {
            int k = kept.length;
            DMatrixRMaj skk = new DMatrixRMaj(k, k);
            DMatrixRMaj rhs = new DMatrixRMaj(k, columns);
            double trace = 0;
            for (int a = 0; a < k; a++) {
                trace += m.covariance()[kept[a] * width + kept[a]];
            }
            double ridge = RIDGE * Math.max(trace / k, 1e-12);
            for (int a = 0; a < k; a++) {
                for (int c = 0; c < k; c++) {
                    skk.set(a, c, m.covariance()[kept[a] * width + kept[c]]);
                }
                skk.add(a, a, ridge);
                for (int c = 0; c < columns; c++) {
                    double s = 0;
                    for (int j : dropped) {
                        s += m.covariance()[kept[a] * width + j] * w[at(d, ws.axis(), j, c / taps, c % taps)];
                    }
                    rhs.set(a, c, s);
                }
            }
            DMatrixRMaj change = new DMatrixRMaj(k, columns);
            solveSymmetric(skk, rhs, change);
            for (int a = 0; a < k; a++) {
                for (int c = 0; c < columns; c++) {
                    double v = change.get(a, c);
                    if (Double.isFinite(v)) {
                        w[at(d, ws.axis(), kept[a], c / taps, c % taps)] += (float) v;
                        delta[c / taps] -= v * m.mean()[kept[a]];
                    }
                }
            }
            CommonOps_DDRM.fill(rhs, 0);
        }
        return delta;
    }

    /** One entry per group of {@code size} adjacent channels: whether the group is dropped (all of it must be). */
    private static boolean[] perGroup(boolean[] channels, int size) {
        boolean[] out = new boolean[channels.length / size];
        for (int u = 0; u < out.length; u++) {
            out[u] = channels[u * size];
            for (int c = 1; c < size; c++) {
                if (channels[u * size + c] != out[u]) {
                    throw new IllegalArgumentException("channels " + u * size + ".." + (u * size + size - 1)
                            + " are one slice of a per-head constant: dropped together or not at all");
                }
            }
        }
        return out;
    }

    /** Removes the dropped units' slices of one constant along its unit axis. */
    private static void slice(GraphView g, Map<String, float[]> values, Map<String, long[]> dims, UnitSlot s,
            boolean[] all) {
        boolean[] drop = s.part(all);
        float[] v = current(g, values, dims, s.tensor());
        long[] d = dims.get(s.tensor()).clone();
        int axis = s.axis();
        long inner = 1;
        for (int k = axis + 1; k < d.length; k++) {
            inner *= d[k];
        }
        long outer = 1;
        for (int k = 0; k < axis; k++) {
            outer *= d[k];
        }
        int units = (int) d[axis];
        // A packed constant (a fused attention's Q|K|V weight or bias) holds several segments of one slice per unit;
        // a per-head constant (swin's relative-position bias) one slice per head, each head's channels dropped alike.
        if (units < drop.length && drop.length % units == 0) {
            drop = perGroup(drop, drop.length / units);
        }
        int width = drop.length;
        if (units % width != 0) {
            throw new IllegalArgumentException("'" + s.tensor() + "' has " + units + " values along axis " + axis
                    + ", not segments of " + width + " units");
        }
        int keptUnits = 0;
        for (int u = 0; u < units; u++) {
            keptUnits += drop[u % width] ? 0 : 1;
        }
        float[] out = new float[(int) (outer * keptUnits * inner)];
        int at = 0;
        for (long o = 0; o < outer; o++) {
            for (int u = 0; u < units; u++) {
                if (drop[u % width]) {
                    continue;
                }
                long from = (o * units + u) * inner;
                System.arraycopy(v, (int) from, out, at, (int) inner);
                at += (int) inner;
            }
        }
        d[axis] = keptUnits;
        values.put(s.tensor(), out);
        dims.put(s.tensor(), d);
    }

    /**
     * Adds {@code delta} to the second layer's bias, creating the bias where there is none; returns the parameters
     * added.
     */
    private static long addBias(GraphView g, Map<String, float[]> values, Map<String, long[]> dims,
            List<NodeProto> nodes, List<TensorProto> added, DenseBlock block, double[] delta) {
        if (block.rewrites().secondBias() != null) {
            float[] bias = current(g, values, dims, block.rewrites().secondBias());
            for (int o = 0; o < bias.length; o++) {
                bias[o] += (float) delta[o];
            }
            return 0;
        }
        boolean zero = true;
        for (double x : delta) {
            zero &= x == 0;
        }
        if (zero) {
            return 0;
        }
        Set<String> names = new HashSet<>();
        g.model.getGraph().getInitializerList().forEach(t -> names.add(t.getName()));
        for (NodeProto n : nodes) {
            names.addAll(n.getOutputList());
            names.add(n.getName());
        }
        added.forEach(t -> names.add(t.getName()));
        int second = -1;
        for (int i = 0; i < nodes.size(); i++) {
            if (GraphView.nodeName(nodes.get(i)).equals(block.place().secondNode())) {
                second = i;
            }
        }
        NodeProto n = nodes.get(second);
        String name = unique(names, block.place().secondNode().replaceAll("[^A-Za-z0-9_.]", "_") + "_folded_bias");
        float[] bias = new float[delta.length];
        for (int o = 0; o < bias.length; o++) {
            bias[o] = (float) delta[o];
        }
        int type = g.constant(block.rewrites().secondWeight().tensor()).getDataType();
        if (block.rewrites().biasSite() == BiasSite.ADD) {
            // A MatMul without bias: an Add after it, under the MatMul's output name, so that readers are unchanged.
            long[] shape = {bias.length};
            added.add(OnnxValues.newTensor(name, type, bias, shape));
            String out = n.getOutput(0);
            String inner = unique(names, out + "_unbiased");
            nodes.set(second, n.toBuilder().setOutput(0, inner).build());
            nodes.add(second + 1, NodeProto.newBuilder().setOpType("Add").setName(unique(names, name + "_add"))
                    .addInput(inner).addInput(name).addOutput(out).build());
        } else {
            added.add(OnnxValues.newTensor(name, type, bias, new long[] {bias.length}));
            NodeProto.Builder nb = n.toBuilder();
            while (nb.getInputCount() < 2) {
                nb.addInput("");
            }
            if (nb.getInputCount() == 2) {
                nb.addInput(name);
            } else {
                nb.setInput(2, name);
            }
            nodes.set(second, nb.build());
        }
        return bias.length;
    }

    private static String unique(Set<String> used, String base) {
        String name = base;
        for (int k = 1; used.contains(name); k++) {
            name = base + "_" + k;
        }
        used.add(name);
        return name;
    }
}
