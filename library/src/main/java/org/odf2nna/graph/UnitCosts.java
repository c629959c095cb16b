package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.onnx.MultiplyAdds;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.settings.Budget;

/**
 * What one unit of each block costs under a round's {@link Budget}: the parameters it carries, or the multiply-adds
 * per row its removal saves. A unit's multiply-adds are the block's nodes' (first layer, per-unit operations such as a
 * depthwise convolution, second layer; an attention's projections and products) over its units: each of those nodes
 * computes in proportion to the block's width (the first layer's output channels, the second's input channels). A
 * residual stream's channel costs its producers' and consumers' share, counted once for the stream.
 *
 * <p>The rankings that weigh units of different blocks by their cost ({@link #relative}) read it: the heads' costs
 * against the dense units' ({@link HeadUnits#scores}, {@link GreedyCost}), Taylor's importances
 * ({@link TaylorImportance}), and under multiply-adds every unit's score ({@link GraphRounds}).
 */
final class UnitCosts {

    /** No costs: every unit's score as it is ({@link #relative} 1). */
    static final UnitCosts NONE = new UnitCosts(Budget.PARAMS, new IdentityHashMap<>(), Double.NaN);

    private final Budget budget;
    private final Map<DenseBlock, Double> perUnit;
    private final double denseMean;

    private UnitCosts(Budget budget, Map<DenseBlock, Double> perUnit, double denseMean) {
        this.budget = budget;
        this.perUnit = perUnit;
        this.denseMean = denseMean;
    }

    /** Parameters: a stream's channel carries the parameters of all its blocks. */
    static UnitCosts parameters(List<DenseBlock> blocks) {
        Map<DenseBlock, Double> costs = new IdentityHashMap<>();
        for (DenseBlock b : blocks) {
            costs.put(b, (double) (b.tied() ? blocks.stream().filter(x -> b.stream().equals(x.stream()))
                    .mapToLong(DenseBlock::parametersPerUnit).sum() : b.parametersPerUnit()));
        }
        return new UnitCosts(Budget.PARAMS, costs, HeadUnits.denseUnitParameters(blocks));
    }

    /** Multiply-adds per row, from {@code count} of the graph the blocks were found in. */
    static UnitCosts multiplyAdds(ModelProto model, List<DenseBlock> blocks, MultiplyAdds.Count count) {
        Map<String, Long> byNode = byNode(model, count);
        Map<DenseBlock, Double> costs = new IdentityHashMap<>();
        for (DenseBlock b : blocks) {
            Set<String> nodes = new LinkedHashSet<>(b.place().nodes());
            for (DenseBlock x : blocks) {
                if (b.tied() && b.stream().equals(x.stream())) {
                    nodes.addAll(x.place().nodes());
                }
            }
            long macs = nodes.stream().mapToLong(n -> byNode.getOrDefault(n, 0L)).sum();
            costs.put(b, (double) macs / b.units());
        }
        // Against the dense units' average; a graph of streams and heads alone against all its units'.
        double mean = blocks.stream().filter(b -> !b.heads() && !b.tied()).mapToDouble(costs::get).average()
                .orElse(blocks.stream().mapToDouble(costs::get).average().orElse(Double.NaN));
        return new UnitCosts(Budget.MACS, costs, mean);
    }

    /** Each counted node's multiply-adds under the name blocks give it ({@link GraphView#nodeName}). */
    private static Map<String, Long> byNode(ModelProto model, MultiplyAdds.Count count) {
        Map<String, Long> byName = new HashMap<>();
        count.nodes().forEach(n -> byName.merge(n.name(), n.multiplyAdds(), Long::sum));
        Map<String, Long> out = new HashMap<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            Long macs = byName.get(MultiplyAdds.name(n));
            if (macs != null) {
                out.put(GraphView.nodeName(n), macs);
            }
        }
        return out;
    }

    /** The blocks' multiply-adds per row: every node of every block, each counted once. */
    static long blockMultiplyAdds(ModelProto model, List<DenseBlock> blocks, MultiplyAdds.Count count) {
        Map<String, Long> byNode = byNode(model, count);
        Set<String> nodes = new LinkedHashSet<>();
        blocks.forEach(b -> nodes.addAll(b.place().nodes()));
        return nodes.stream().mapToLong(n -> byNode.getOrDefault(n, 0L)).sum();
    }

    /** What is counted. */
    Budget budget() {
        return budget;
    }

    /** One unit's cost: a head's, a dense unit's, a stream channel's (the whole stream's). */
    double of(DenseBlock block) {
        Double c = perUnit.get(block);
        return c != null ? c : block.parametersPerUnit();
    }

    /**
     * What a unit's score is multiplied by to be per cost against the dense units: their average cost over this
     * unit's ({@code block.parametersPerUnit()} itself under parameters, as the rankings always divided); 1 where there
     * is no dense block or no cost.
     */
    double relative(DenseBlock block) {
        double cost = budget == Budget.PARAMS ? block.parametersPerUnit() : of(block);
        return Double.isNaN(denseMean) || !(cost > 0) ? 1 : denseMean / cost;
    }

    /** Counts the blocks of a round's graph as {@code budget} says. */
    record Counter(Budget budget, GraphFeed feed, GraphRows row, Path file) {

        /** The blocks' total cost in {@code model}: parameters (each constant once) or multiply-adds per row. */
        long total(ModelProto model, List<DenseBlock> blocks) {
            return budget == Budget.PARAMS ? GraphSweep.blockParameters(blocks)
                    : blockMultiplyAdds(model, blocks, count(model));
        }

        /** Each unit's cost in {@code model}. */
        UnitCosts units(ModelProto model, List<DenseBlock> blocks) {
            return budget == Budget.PARAMS ? parameters(blocks) : multiplyAdds(model, blocks, count(model));
        }

        /** The model's multiply-adds per row, node by node. */
        MultiplyAdds.Count count(ModelProto model) {
            return MultiplyAdds.count(model, file, feed.oneRow(row, 0));
        }
    }
}
