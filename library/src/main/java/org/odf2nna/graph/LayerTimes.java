package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.Device;
import org.odf2nna.onnx.Int8LayerTiming;
import org.odf2nna.onnx.SingleLayerModel;
import org.odf2nna.onnx.MultiplyAdds;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.settings.LatencyCheck;

/**
 * What each block layer of a graph costs in time on this machine, per multiply-add: what the latency budget
 * ({@link org.odf2nna.settings.Budget#LATENCY}) counts. Each Conv, ConvTranspose, Gemm and MatMul of a block (every
 * node {@link MultiplyAdds} counts) is run alone in ONNX Runtime ({@link SingleLayerModel}: its constant weights with it,
 * fed what reaches it in the graph on a few training rows), at batch 1 and at the larger batch the sweep times the
 * written model at, beside a model that only passes its input on (what a run costs before it computes, taken off) and,
 * for a Conv of group 1, a Gemm or a MatMul, the same layer with half its output units ({@link SingleLayerModel#narrowed}):
 * what the half took off, doubled, is the time that goes with the layer's width, without the fixed cost that a layer
 * of any width pays (a squeeze-excite's 1×1 convolution of a few channels is nearly all fixed cost, and its units save
 * almost nothing). A layer's time per row is the geometric mean of the two batches' (batch 1, and the batch's time
 * over its rows), as {@link Int8LayerTiming} weighs them; over its multiply-adds per row it is the layer's rate. The
 * layers are timed once, on the sweep's start; each round counts a layer as its multiply-adds then times that rate,
 * so a layer whose input a round narrowed costs less with it.
 *
 * <p>Why per layer and rate rather than the whole graph timed each round: the graph's time does not say which unit
 * saved it, and the rates are what multiply-adds miss: a depthwise convolution does few multiply-adds per byte it
 * moves, a 1×1 map's convolution is all weights. A layer that cannot be run
 * alone (its weights computed from the data, a batch axis not first) takes the timed layers' rate on balance (their
 * time over their multiply-adds).
 *
 * @param nanosPerMultiplyAdd per timed layer, by its node's name ({@link GraphView#nodeName}), ns per multiply-add per
 *                            row
 * @param fallback            the rate of the layers not timed: the timed ones' time over their multiply-adds (1 when
 *                            none was)
 * @param untimed             the layers that could not be timed alone, by name
 * @param distinct            the layers run: layers alike (the same operator, attributes, input shape and weight
 *                            shapes, as a transformer's repeated layers are) were run once
 * @param seconds             how long the timing took
 */
record LayerTimes(Map<String, Double> nanosPerMultiplyAdd, double fallback, List<String> untimed, int distinct,
        double seconds) {

    /** Rows of the training data run to find what reaches each layer (repeated to fill a batch). */
    static final int ROWS = 16;
    /** A share of a layer's own time below which what is left after the passing model's time is not taken as it is. */
    static final double LEAST_SHARE = 0.1;

    LayerTimes {
        nanosPerMultiplyAdd = Map.copyOf(nanosPerMultiplyAdd);
        untimed = List.copyOf(untimed);
    }

    /** A layer's rate: its own, or the fallback. */
    double rate(String node) {
        return nanosPerMultiplyAdd.getOrDefault(node, fallback);
    }

    /**
     * Times the block layers of {@code model} (the nodes of {@code blocks} that {@code count} counts).
     *
     * @param rows  training rows; the first {@link #ROWS} are run
     * @param check the batch and threads the written model is timed at (batch 0: {@link LatencyCheck#DEFAULT_BATCH})
     * @param timer how a layer and its passing model are timed ({@link Int8LayerTiming#SIDE_BY_SIDE}; a test's own)
     */
    static LayerTimes measure(ModelProto model, Path file, GraphFeed feed, GraphRows rows, List<DenseBlock> blocks,
            MultiplyAdds.Count count, LatencyCheck check, Int8LayerTiming.Timer timer) {
        long started = System.nanoTime();
        Map<String, Long> macs = new HashMap<>();
        count.nodes().forEach(n -> macs.merge(n.name(), n.multiplyAdds(), Long::sum));
        Set<String> blockNodes = new LinkedHashSet<>();
        blocks.forEach(b -> blockNodes.addAll(b.place().nodes()));
        List<NodeProto> layers = new ArrayList<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            if (blockNodes.contains(GraphView.nodeName(n)) && macs.getOrDefault(MultiplyAdds.name(n), 0L) > 0) {
                layers.add(n);
            }
        }
        GraphRows few = rows.first(Math.min(ROWS, rows.count()));
        Map<String, org.odf2nna.onnx.OnnxRunner.Out> reached = reached(model, file, feed, few, layers);
        int batch = check.on() ? check.batch() : LatencyCheck.DEFAULT_BATCH;
        Map<String, Double> rates = new HashMap<>();
        List<String> untimed = new ArrayList<>();
        Timing timing = new Timing(batch, check.threads(), timer, new HashMap<>());
        double nanos = 0;
        long counted = 0;
        for (NodeProto n : layers) {
            String name = GraphView.nodeName(n);
            long perRow = macs.get(MultiplyAdds.name(n));
            double micros = timed(model, file, n, reached.get(n.getInput(0)), few.count(), timing);
            if (!(micros > 0)) {
                untimed.add(name);
                continue;
            }
            rates.put(name, micros * 1000 / perRow);
            nanos += micros * 1000;
            counted += perRow;
        }
        double fallback = counted > 0 ? nanos / counted : 1;
        return new LayerTimes(rates, fallback, untimed, timing.alike().size(),
                (System.nanoTime() - started) / 1e9);
    }

    /** How the layers are timed, and the times of those run so far by what makes layers alike ({@link #like}). */
    private record Timing(int batch, int threads, Int8LayerTiming.Timer timer, Map<String, Double> alike) {
    }

    /**
     * One layer's time per row in µs, what runs it costs before it computes taken off (at least
     * {@link #LEAST_SHARE} of its own); NaN when it cannot be run alone.
     */
    private static double timed(ModelProto model, Path file, NodeProto layer, org.odf2nna.onnx.OnnxRunner.Out in,
            int rows, Timing timing) {
        if (in == null || in.shape().length < 2 || in.shape()[0] != rows) {
            return Double.NaN;
        }
        long[] shape = in.shape();
        ModelProto alone = SingleLayerModel.of(model, layer.getInput(0), layer.getOutput(0), shape);
        if (alone == null) {
            return Double.NaN;
        }
        String like = like(alone, shape);
        Double known = timing.alike().get(like);
        if (known != null) {
            return known;
        }
        SingleLayerModel.Narrowed half = SingleLayerModel.narrowed(alone, file);
        List<ModelProto> models = new ArrayList<>(List.of(alone, SingleLayerModel.passing(model, layer.getInput(0),
                shape)));
        if (half != null) {
            models.add(half.model());
        }
        double[][] t;
        try {
            t = timing.timer().micros(models, file, SingleLayerModel.signature(layer.getInput(0), shape), in.values(),
                    timing.batch(), timing.threads());
        } catch (RuntimeException e) {
            // A layer ONNX Runtime will not run alone (an input it needs that is not constant): its rate is the others'.
            return Double.NaN;
        }
        double one = widthTime(t, 0, half);
        double many = widthTime(t, 1, half) / timing.batch();
        double micros = Math.sqrt(one * many);
        timing.alike().put(like, micros);
        return micros;
    }

    /** What makes two layers alone run alike: their nodes' operators and attributes, the input's and weights' shapes. */
    private static String like(ModelProto alone, long[] shape) {
        StringBuilder s = new StringBuilder(Arrays.toString(shape));
        for (NodeProto n : alone.getGraph().getNodeList()) {
            s.append('|').append(n.getDomain()).append(':').append(n.getOpType()).append(n.getAttributeList());
        }
        alone.getGraph().getInitializerList().forEach(t -> s.append('|').append(t.getDimsList()));
        return s.toString();
    }

    /**
     * At batch {@code b} (0: 1 row, 1: the batch), what of the layer's time goes with its width: its time less the
     * passing model's, and with a narrowed layer timed beside it only the part that the narrowing took, scaled to the
     * whole width (what a unit costs; the layer's own fixed cost, which every width pays, left out); between
     * {@link #LEAST_SHARE} of the layer's own time and all of it.
     */
    private static double widthTime(double[][] t, int b, SingleLayerModel.Narrowed half) {
        double own = Math.max(t[0][b] - t[1][b], LEAST_SHARE * t[0][b]);
        if (half == null) {
            return own;
        }
        double slope = (t[0][b] - t[2][b]) / (1 - half.kept());
        return Math.min(own, Math.max(slope, LEAST_SHARE * own));
    }

    /** The tensors the layers read first, on {@code rows}: the graph's data input as the rows hold it, others run. */
    private static Map<String, org.odf2nna.onnx.OnnxRunner.Out> reached(ModelProto model, Path file, GraphFeed feed,
            GraphRows rows, List<NodeProto> layers) {
        String data = feed.data().name();
        List<String> tensors = new ArrayList<>(new LinkedHashSet<>(layers.stream().map(n -> n.getInput(0))
                .filter(t -> !t.equals(data)).toList()));
        Map<String, org.odf2nna.onnx.OnnxRunner.Out> reached = new HashMap<>();
        if (!tensors.isEmpty()) {
            try (GraphFeed.Session session = feed.open(BlockStatistics.exposing(model, tensors, data), Device.CPU,
                    file)) {
                reached.putAll(session.runShaped(rows, 0, rows.count(), tensors));
            }
        }
        int width = feed.data().valuesPerRow();
        reached.put(data, new org.odf2nna.onnx.OnnxRunner.Out(rows.values(0, rows.count()),
                feed.data().batchShape(rows.count(), width)));
        return reached;
    }
}
