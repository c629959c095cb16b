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
        return work(model, blocks, count, null);
    }

    /**
     * Multiply-adds per row, or with {@code times} the time per row they take (each layer's multiply-adds times its
     * rate, in ps), from {@code count} of the graph the blocks were found in.
     */
    static UnitCosts work(ModelProto model, List<DenseBlock> blocks, MultiplyAdds.Count count, LayerTimes times) {
        Map<String, Double> byNode = byNode(model, count, times);
        Map<DenseBlock, Double> costs = new IdentityHashMap<>();
        for (DenseBlock b : blocks) {
            Set<String> nodes = new LinkedHashSet<>(b.place().nodes());
            for (DenseBlock x : blocks) {
                if (b.tied() && b.stream().equals(x.stream())) {
                    nodes.addAll(x.place().nodes());
                }
            }
            double work = nodes.stream().mapToDouble(n -> byNode.getOrDefault(n, 0.0)).sum();
            costs.put(b, work / b.units());
        }
        // Against the dense units' average; a graph of streams and heads alone against all its units'.
        double mean = blocks.stream().filter(b -> !b.heads() && !b.tied()).mapToDouble(costs::get).average()
                .orElse(blocks.stream().mapToDouble(costs::get).average().orElse(Double.NaN));
        return new UnitCosts(times == null ? Budget.MACS : Budget.LATENCY, costs, mean);
    }

    /**
     * Each counted node's multiply-adds under the name blocks give it ({@link GraphView#nodeName}); with {@code times},
     * the ps per row they take at the node's rate.
     */
    private static Map<String, Double> byNode(ModelProto model, MultiplyAdds.Count count, LayerTimes times) {
        Map<String, Long> byName = new HashMap<>();
        count.nodes().forEach(n -> byName.merge(n.name(), n.multiplyAdds(), Long::sum));
        Map<String, Double> out = new HashMap<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            Long macs = byName.get(MultiplyAdds.name(n));
            if (macs != null) {
                String name = GraphView.nodeName(n);
                out.put(name, times == null ? macs : macs * times.rate(name) * 1000);
            }
        }
        return out;
    }

    /** The blocks' work per row (multiply-adds, or ps with {@code times}): every node of every block, counted once. */
    static long blockWork(ModelProto model, List<DenseBlock> blocks, MultiplyAdds.Count count, LayerTimes times) {
        Map<String, Double> byNode = byNode(model, count, times);
        Set<String> nodes = new LinkedHashSet<>();
        blocks.forEach(b -> nodes.addAll(b.place().nodes()));
        return Math.round(nodes.stream().mapToDouble(n -> byNode.getOrDefault(n, 0.0)).sum());
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

    /**
     * Counts the blocks of a round's graph as {@code budget} says.
     *
     * @param row   the row a graph's multiply-adds are counted on
     * @param times under {@link Budget#LATENCY}, each block layer's rate; null otherwise
     */
    record Counter(Budget budget, GraphFeed feed, GraphRows row, Path file, LayerTimes times) {

        /**
         * The counter of a sweep or round that starts from {@code model}: under {@link Budget#LATENCY} its block
         * layers timed on {@code stats} ({@link LayerTimes}) as the written model will be timed.
         */
        static Counter of(GraphRun settings, GraphFeed feed, GraphRows stats, Path file, ModelProto model,
                List<DenseBlock> blocks) {
            Counter counted = new Counter(settings.budget(), feed, stats.first(1), file, null);
            if (settings.budget() != Budget.LATENCY) {
                return counted;
            }
            return new Counter(Budget.LATENCY, feed, stats.first(1), file, LayerTimes.measure(model, file, feed,
                    stats, blocks, counted.count(model), settings.settings().latency(),
                    org.odf2nna.onnx.Int8LayerTiming.SIDE_BY_SIDE));
        }

        /** The blocks' total cost in {@code model}: parameters (each constant once), multiply-adds or ps per row. */
        long total(ModelProto model, List<DenseBlock> blocks) {
            return budget == Budget.PARAMS ? GraphSweep.blockParameters(blocks)
                    : blockWork(model, blocks, count(model), times);
        }

        /** Each unit's cost in {@code model}. */
        UnitCosts units(ModelProto model, List<DenseBlock> blocks) {
            return budget == Budget.PARAMS ? parameters(blocks) : work(model, blocks, count(model), times);
        }

        /** The model's multiply-adds per row, node by node. */
        MultiplyAdds.Count count(ModelProto model) {
            return MultiplyAdds.count(model, file, feed.oneRow(row, 0));
        }
    }
}
