package org.odf2nna.graph;

import static org.odf2nna.graph.UnitDrops.dropped;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.odf2nna.graph.BlockPruner.Compensation;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.BlockLimits;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.Ranking;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.TrainingOptions;
import org.odf2nna.tf.DenseTrainer;
import org.odf2nna.tf.GraphRetrainer;
import org.odf2nna.tf.InputPacking;
import org.odf2nna.tf.Loss;
import org.odf2nna.tf.TrainingResult;
import org.odf2nna.tf.TranslationCheck;
import org.odf2nna.tf.ops.UnsupportedOperatorException;

/**
 * The rounds of a graph sweep, before any is judged: each measures every block's hidden units on the training rows
 * (one ONNX Runtime pass), ranks all units of all blocks in one order with the scores normalised per block, drops the
 * lowest until the round's share of the original's block parameters is gone, compensates in the second layers, and
 * retrains end to end when that is on. {@link GraphSweep} judges the rounds and writes one.
 */
final class GraphRounds {

    private GraphRounds() {
    }

    /**
     * A round's blocks with their statistics on the training rows, and the most units (heads for an attention) the
     * round may take from each ({@link #most}).
     */
    record Measured(List<DenseBlock> blocks, List<BlockStatistics.Moments> moments, int[] most,
            Map<String, float[]> gradients, List<double[]> headLoss, UnitCosts costs) {

        /** The blocks' units costed by their parameters. */
        Measured(List<DenseBlock> blocks, List<BlockStatistics.Moments> moments, int[] most) {
            this(blocks, moments, most, null, null, UnitCosts.parameters(blocks));
        }

        /** The same with the Taylor ranking's loss gradients ({@link TaylorImportance#gradients}). */
        Measured withGradients(Map<String, float[]> values) {
            return new Measured(blocks, moments, most, values, headLoss, costs);
        }

        /** The same with the heads' loss increases per block ({@link HeadLoss#increases}). */
        Measured withHeadLoss(List<double[]> increases) {
            return new Measured(blocks, moments, most, gradients, increases, costs);
        }

        /** The same with each unit costed as the round's budget counts ({@link UnitCosts}). */
        Measured withCosts(UnitCosts value) {
            return new Measured(blocks, moments, most, gradients, headLoss, value);
        }
    }

    /**
     * Per block of {@code now}, the most units a round may take ({@link BlockLimits}): none from a kept block, else at
     * most the limits' share of its current units, never below its floor, set by its units in {@code originals} (the
     * same blocks in the same order, before any round). A depthwise convolution of one channel would no longer be
     * one, nor would a stream of one channel be worth its producers: those keep two units whatever the floor.
     */
    static int[] most(List<DenseBlock> originals, List<DenseBlock> now, BlockLimits limits, Set<Integer> kept) {
        int[] most = new int[now.size()];
        for (int b = 0; b < now.size(); b++) {
            DenseBlock block = now.get(b);
            if (kept.contains(b)) {
                continue;
            }
            int floor = limits.floor(originals.get(b).units(), block.heads());
            if (block.tied() || !block.rewrites().groupNodes().isEmpty() && block.sizes().unitSize() == 1) {
                floor = Math.max(floor, Math.min(2, originals.get(b).units()));
            }
            most[b] = limits.most(block.units(), floor);
        }
        return most;
    }

    static BlockPruner.Pruned step(ModelProto original, ModelProto model, Path file, Measured measured,
            SequentialRefit.Input input, long target, GraphRun settings) {
        // The default ranking without Taylor's gradients (see RoundRetraining.gradients) is the cost.
        Ranking set = settings.ranking(measured.blocks());
        Ranking ranking = set.usesGradients() && measured.gradients() == null && settings.rankingByDefault()
                ? Ranking.COST : set;
        List<boolean[]> drop = dropped(new GraphView(model, file), measured, target, ranking, settings.roundTo());
        return applied(original, model, file, measured, input, drop, settings);
    }

    /**
     * {@code model} with the channels {@code drop} marks (per block of {@code measured}) removed and compensated as
     * {@code settings} say: what {@link #step} does with its own choice, and {@link GivenUnitsRound} with a given one.
     */
    static BlockPruner.Pruned applied(ModelProto original, ModelProto model, Path file, Measured measured,
            SequentialRefit.Input input, List<boolean[]> drop, GraphRun settings) {
        List<DenseBlock> blocks = measured.blocks();
        List<Compensation> compensations = new ArrayList<>();
        Set<String> tied = TiedChannels.nodes(blocks);
        for (DenseBlock b : blocks) {
            // A stream's consumers, and blocks whose output a stream cuts, cannot be refitted towards the original's
            // tensors channel by channel: least squares on their own samples instead.
            boolean own = b.tied() || tied.contains(b.place().secondNode());
            compensations.add(settings.compensation() == Compensation.SEQUENTIAL
                    ? own ? Compensation.LEAST_SQUARES : Compensation.MEAN : settings.compensation());
        }
        BlockPruner.Pruned folded = BlockPruner.prune(model, file, blocks, measured.moments(), drop, compensations);
        if (settings.compensation() != Compensation.SEQUENTIAL) {
            return folded;
        }
        ModelProto refitted = SequentialRefit.refit(original, folded.model(), file, new SequentialRefit.Input(
                input.rows().first(REFIT_ROWS), input.feed(), input.blocksDone(), input.refitFrom()), settings.device(),
                settings.samples());
        return new BlockPruner.Pruned(refitted, folded.removedUnits(), folded.parameters());
    }

    /** Rows the translation is checked on against ONNX Runtime before each round's retraining. */
    static final int CHECK_ROWS = 500;

    /**
     * Ops that read an initializer as a weight (the data a layer multiplies, adds or scales by), with the input positions
     * that are weights; a float initializer read anywhere else (a shape, a Pow's exponent, a Clip's bound, a
     * BatchNormalization's running statistics) is left constant.
     */
    private static final java.util.Map<String, java.util.Set<Integer>> WEIGHT_INPUTS = java.util.Map.ofEntries(
            java.util.Map.entry("MatMul", java.util.Set.of(0, 1)), java.util.Map.entry("Gemm", java.util.Set.of(0, 1, 2)),
            java.util.Map.entry("Conv", java.util.Set.of(1, 2)), java.util.Map.entry("Add", java.util.Set.of(0, 1)),
            java.util.Map.entry("Sub", java.util.Set.of(0, 1)), java.util.Map.entry("Mul", java.util.Set.of(0, 1)),
            java.util.Map.entry("Div", java.util.Set.of(0, 1)), java.util.Map.entry("Concat", java.util.Set.of()),
            java.util.Map.entry("LayerNormalization", java.util.Set.of(1, 2)),
            java.util.Map.entry("BatchNormalization", java.util.Set.of(1, 2)),
            java.util.Map.entry("PRelu", java.util.Set.of(1)),
            // An embedding table: the rows the ids pick are trained (TensorFlow's gradient of a gather).
            java.util.Map.entry("Gather", java.util.Set.of(0)));

    /**
     * Every float weight of the graph: initializers of two or more values read only as weights ({@link
     * #WEIGHT_INPUTS}; a Concat's inputs, such as a class token, count too).
     */
    static java.util.Set<String> weights(ModelProto model) {
        var graph = model.getGraph();
        java.util.Set<String> floats = new java.util.LinkedHashSet<>();
        for (var t : graph.getInitializerList()) {
            long n = 1;
            for (long d : t.getDimsList()) {
                n *= d;
            }
            if (t.getDataType() == org.odf2nna.onnx.proto.OnnxProto.TensorProto.DataType.FLOAT_VALUE && n >= 2) {
                floats.add(t.getName());
            }
        }
        java.util.Set<String> notWeights = new java.util.HashSet<>();
        for (var node : graph.getNodeList()) {
            java.util.Set<Integer> positions = WEIGHT_INPUTS.get(node.getOpType());
            for (int i = 0; i < node.getInputCount(); i++) {
                boolean weight = positions != null && (positions.contains(i) || node.getOpType().equals("Concat"));
                if (!weight) {
                    notWeights.add(node.getInput(i));
                }
            }
        }
        floats.removeAll(notWeights);
        return floats;
    }

    /** The float initializers of the pruned graph's blocks: what end-to-end retraining trains by default. */
    static java.util.Set<String> trainable(ModelProto pruned, Path file) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        for (DenseBlock b : BlockFinder.find(new GraphView(pruned, file))) {
            for (DenseBlock.UnitSlot slot : b.rewrites().slots()) {
                names.add(slot.tensor());
            }
            names.add(b.rewrites().secondWeight().tensor());
            if (b.rewrites().secondBias() != null) {
                names.add(b.rewrites().secondBias());
            }
        }
        java.util.Set<String> floats = new java.util.HashSet<>();
        for (var t : pruned.getGraph().getInitializerList()) {
            if (t.getDataType() == org.odf2nna.onnx.proto.OnnxProto.TensorProto.DataType.FLOAT_VALUE) {
                floats.add(t.getName());
            }
        }
        names.retainAll(floats);
        return names;
    }

    /** Rows the sequential refit runs both networks on (rows × positions are its samples). */
    static final int REFIT_ROWS = 1500;

    /** Each unit's score, normalised within its block as {@code ranking} says: lower goes first. */
    static double[] scores(GraphView g, DenseBlock block, BlockStatistics.Moments m, Ranking ranking) {
        int w = block.sizes().width();
        double[] std = new double[w];
        for (int j = 0; j < w; j++) {
            std[j] = m.std(j);
        }
        if (ranking == Ranking.STD) {
            // As on a chain: the squared std over the block's sum of them, so blocks of other scales compare.
            double sum = 0;
            for (double v : std) {
                sum += v * v;
            }
            double[] s = new double[w];
            for (int j = 0; j < w; j++) {
                s[j] = std[j] * std[j] / Math.max(sum, 1e-30);
            }
            return s;
        }
        DenseBlock.UnitSlot ws = block.rewrites().secondWeight();
        float[] v = g.values(ws.tensor());
        long[] d = g.dims(ws.tensor());
        // A Conv's (output, tap) pairs are columns: each tap reads the unit at its own position.
        int taps = BlockPruner.taps(d);
        int outputs = (int) (v.length / w);
        DMatrixRMaj weights = new DMatrixRMaj(w, outputs);
        for (int j = 0; j < w; j++) {
            for (int c = 0; c < outputs; c++) {
                weights.set(j, c, v[BlockPruner.at(d, ws.axis(), j, c / taps, c % taps)]);
            }
        }
        DMatrixRMaj cov = new DMatrixRMaj(w, w, true, m.covariance());
        // The block output's variance: trace(Wᵀ Σ W).
        DMatrixRMaj sw = new DMatrixRMaj(w, outputs);
        if ((double) w * w * outputs >= RefitSums.ONNX_PRODUCT_MACS) {
            // A 3×3 Conv's 256 units by 2,304 (output, tap) columns: EJML's one thread took 18 s of a ResNet-18 sweep.
            try (org.odf2nna.onnx.OnnxProduct product = org.odf2nna.onnx.OnnxProduct.open()) {
                sw.data = product.multiply(cov.data, w, w, weights.data, outputs);
            }
        } else {
            CommonOps_DDRM.mult(cov, weights, sw);
        }
        double outputVariance = 0;
        for (int j = 0; j < w; j++) {
            for (int o = 0; o < outputs; o++) {
                outputVariance += weights.get(j, o) * sw.get(j, o);
            }
        }
        outputVariance = Math.max(outputVariance, 1e-30);
        double[] s = new double[w];
        if (ranking == Ranking.IMPACT) {
            for (int j = 0; j < w; j++) {
                double norm = 0;
                for (int o = 0; o < outputs; o++) {
                    norm += weights.get(j, o) * weights.get(j, o);
                }
                s[j] = std[j] * Math.sqrt(norm) / Math.sqrt(outputVariance);
            }
            return s;
        }
        DMatrixRMaj inverse = cov.copy();
        double trace = 0;
        for (int j = 0; j < w; j++) {
            trace += cov.get(j, j);
        }
        for (int j = 0; j < w; j++) {
            inverse.add(j, j, BlockPruner.RIDGE * Math.max(trace / w, 1e-12));
        }
        double[] diagonal = inverseDiagonal(inverse);
        for (int j = 0; j < w; j++) {
            double norm = 0;
            for (int o = 0; o < outputs; o++) {
                norm += weights.get(j, o) * weights.get(j, o);
            }
            s[j] = norm / Math.max(diagonal[j], 1e-30) / outputVariance;
        }
        return s;
    }

    /**
     * The diagonal of {@code ridged}'s inverse: by blocks in ONNX Runtime past
     * {@link org.odf2nna.prune.WideSolve#MIN_WIDTH} units (a ViT-B's 12 FFNs of 3,072 took EJML's one thread about a minute each to invert, every round), else
     * EJML's inverse, or its pseudo-inverse when it has none.
     */
    private static double[] inverseDiagonal(DMatrixRMaj ridged) {
        int w = ridged.getNumRows();
        if (w > org.odf2nna.prune.WideSolve.MIN_WIDTH) {
            try (org.odf2nna.onnx.OnnxProduct product = org.odf2nna.onnx.OnnxProduct.open()) {
                double[] d = org.odf2nna.prune.WideSolve.inverseDiagonal(ridged.data, w, product);
                if (d != null) {
                    return d;
                }
            }
        }
        DMatrixRMaj inverse = ridged.copy();
        if (!CommonOps_DDRM.invert(inverse)) {
            CommonOps_DDRM.pinv(ridged, inverse);
        }
        double[] d = new double[w];
        for (int j = 0; j < w; j++) {
            d[j] = inverse.get(j, j);
        }
        return d;
    }
}
