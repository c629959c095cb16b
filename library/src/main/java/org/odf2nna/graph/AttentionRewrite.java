package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.Device;
import org.odf2nna.graph.AttentionForm.Attention;
import org.odf2nna.graph.AttentionForm.Projection;
import org.odf2nna.graph.AttentionTrace.Operand;
import org.odf2nna.graph.AttentionTrace.Traced;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.OnnxValues;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * Brings each multi-head attention an exporter wrote ({@link AttentionTrace}) to the canonical form
 * ({@link AttentionForm}), where its heads are units. The exporters compute head counts and slice bounds at run time
 * from shapes, so which projection columns make which head is measured rather than read: one ONNX Runtime run in which
 * each projection's output is replaced by its column numbers and each context by its (head, channel) numbers shows,
 * after the exporter's own Reshapes, Transposes and Slices, which columns each head's Q, K and V read and which input
 * rows of the output projection each head's channels reach. The canonical attention is written under the same input and
 * output tensors, the exporter's nodes left unread are removed, and the rewritten graph must compute what the original
 * did on the rows given (else that attention is left as it was).
 */
public final class AttentionRewrite {

    /** The most an output may move when an attention is rewritten: the same function, summed in another order. */
    static final double TOLERANCE = 1e-4;

    private AttentionRewrite() {
    }

    /**
     * The model with its attentions rewritten.
     *
     * @param model      the rewritten model (the model itself when nothing was rewritten)
     * @param found      attentions traced
     * @param rewritten  attentions rewritten
     * @param notes      why a traced attention was left as it was
     */
    public record Result(ModelProto model, int found, int rewritten, List<String> notes) {
    }

    /** Rewrites the attentions of {@code model}, run on the first rows of {@code rows} (two are enough). */
    public static Result rewrite(ModelProto model, Path file, GraphFeed feed, GraphRows rows, Device device) {
        GraphView g = new GraphView(model, file);
        Set<String> canonical = new HashSet<>();
        AttentionFinder.find(g, 1).forEach(b -> canonical.add(b.place().hidden()));
        AttentionTrace.Found found = AttentionTrace.find(g);
        List<Traced> traced = new ArrayList<>();
        for (Traced t : found.traced()) {
            if (!canonical.contains(t.out().input())) {
                traced.add(t);
            }
        }
        List<String> notes = new ArrayList<>(found.notes());
        if (traced.isEmpty()) {
            return new Result(model, 0, 0, notes);
        }
        int tracedCount = traced.size();
        GraphRows one = rows.first(1);
        List<String> probed = new ArrayList<>(tensors(traced));
        probed.addAll(maskProbes(traced).keySet());
        traced.forEach(t -> t.runScales().forEach(r -> probed.add(r.tensor())));
        Map<String, OnnxRunner.Out> shapes = run(probing(model, traced), file, feed, one, device, probed);
        traced = resolved(g, traced, shapes, notes);
        if (traced.isEmpty()) {
            return new Result(model, tracedCount, 0, notes);
        }
        Map<String, OnnxRunner.Out> index = run(indexed(model, traced, shapes), file, feed, one, device,
                tensors(traced));
        ModelProto current = model;
        int rewritten = 0;
        GraphRows check = rows.first(Math.min(2, rows.count()));
        float[] expected = firstOutput(model, file, feed, check, device);
        for (int i = 0; i < traced.size(); i++) {
            Traced t = traced.get(i);
            String where = "attention at Softmax '" + GraphView.nodeName(g.nodes.get(t.softmax())) + "'";
            MaskFit mask = fitted(t, shapes, g);
            Attention a = mask.refusal() == null ? measured(t, shapes, index, mask.mask()) : null;
            if (a == null) {
                notes.add(where + (mask.refusal() != null ? mask.refusal()
                        : ": its heads could not be told apart from the column numbers; left as it is"));
                continue;
            }
            ModelProto next = replaced(current, a, "attention" + (i + 1) + "/");
            double moved = maxMove(expected, firstOutput(next, file, feed, check, device));
            if (moved > TOLERANCE) {
                notes.add(where + ": the canonical form moved an output by " + moved + "; left as it is");
                continue;
            }
            current = next;
            rewritten++;
        }
        return new Result(current, tracedCount, rewritten, notes);
    }

    /**
     * The attentions with their run-time scales (computed from shapes: torch 2's √(1/√dh) on Q and Kᵀ) measured on
     * one row and folded into their factors; an attention where one is not a single value is left as it is, with a
     * note.
     */
    private static List<Traced> resolved(GraphView g, List<Traced> traced, Map<String, OnnxRunner.Out> shapes,
            List<String> notes) {
        List<Traced> out = new ArrayList<>();
        for (Traced t : traced) {
            Map<String, float[]> values = new HashMap<>();
            t.runScales().forEach(r -> values.put(r.tensor(), shapes.get(r.tensor()).values()));
            Traced r = t.resolved(values);
            if (r == null) {
                notes.add("attention at Softmax '" + GraphView.nodeName(g.nodes.get(t.softmax())) + "': a scale it "
                        + "computes from shapes at run time (" + String.join(", ", t.runScales().stream()
                                .map(AttentionTrace.RunScale::tensor).toList())
                        + ") is not one finite, non-zero value; left as it is");
                continue;
            }
            out.add(r);
        }
        return out;
    }

    /**
     * The probes that measure the masks: for each mask tensor (an Add's mask, a Where's fill and condition), the name
     * of a float copy of it, keyed to the tensor (a mask may be an initializer or a bool tensor, which the runs cannot
     * read as they are).
     */
    private static Map<String, String> maskProbes(List<Traced> traced) {
        Map<String, String> probes = new java.util.LinkedHashMap<>();
        for (Traced t : traced) {
            if (t.scores().mask() != null) {
                t.scores().mask().tensors().forEach(m -> probes.put(probe(m), m));
            }
            if (t.scores().windowMask() != null) {
                probes.put(probe(t.scores().windowMask()), t.scores().windowMask());
            }
        }
        return probes;
    }

    private static String probe(String tensor) {
        return tensor + "__mask_probe";
    }

    /** {@code model} with a Cast to float after each mask tensor, as {@link #maskProbes} names them. */
    private static ModelProto probing(ModelProto model, List<Traced> traced) {
        ModelProto.Builder copy = model.toBuilder();
        maskProbes(traced).forEach((probe, tensor) -> copy.getGraphBuilder().addNode(NodeProto.newBuilder()
                .setOpType("Cast").setName(probe + "_cast").addInput(tensor).addOutput(probe).addAttribute(
                        org.odf2nna.onnx.proto.OnnxProto.AttributeProto.newBuilder().setName("to").setType(
                                org.odf2nna.onnx.proto.OnnxProto.AttributeProto.AttributeType.INT)
                                .setI(OnnxValues.FLOAT))));
        return copy.build();
    }

    /** A mask as the canonical form applies it, or why it cannot stay as it is when heads go. */
    record MaskFit(AttentionForm.Mask mask, String refusal) {
    }

    /**
     * {@code t}'s mask as the canonical form applies it. A mask tensor whose axis that lines up with the scores' head
     * axis (of [batch, heads, tokens, tokens], or torch's [batch·heads, tokens, tokens]; one row run, so batch 1) has
     * size 1 broadcasts over the heads as it is. In torch's layout, a [batch·heads, ., .] tensor whose heads' slices
     * are equal (torch expands key_padding_mask so) is taken as head 0's slice. A constant added to [batch, heads,
     * tokens, tokens] scores with one slice per head (swin's relative-position bias, which the exporter folds into an
     * initializer [1, heads, tokens, tokens]) stays as it is: the head block slices it as heads go
     * ({@link AttentionFinder}). Any other mask that holds one mask per head would need its slices: refused.
     */
    static MaskFit fitted(Traced t, Map<String, OnnxRunner.Out> shapes, GraphView g) {
        AttentionForm.Mask m = t.scores().mask();
        String window = t.scores().windowMask();
        if (window != null) {
            long[] dims = shapes.get(probe(window)).shape();
            if (dims.length != 5 || dims[2] != 1) {
                return new MaskFit(null, ": its window mask '" + window + "' is not [., windows, 1, T, T] (shape "
                        + java.util.Arrays.toString(dims) + "); left as it is");
            }
        }
        if (m == null) {
            return new MaskFit(null, null);
        }
        long[] scores = shapes.get(t.scores().tensor()).shape();
        if (scores.length < 3 || scores.length > 4) {
            return new MaskFit(null, ": its scores have " + scores.length + " axes, not 3 or 4; left as it is");
        }
        long heads = scores[scores.length - 3];
        Map<String, Integer> perHead = new HashMap<>();
        for (String tensor : m.tensors()) {
            OnnxRunner.Out v = shapes.get(probe(tensor));
            long[] dims = v.shape();
            if (dims.length > scores.length) {
                return new MaskFit(null, ": its mask '" + tensor + "' has more axes than the scores; left as it is");
            }
            if (dims.length < 3 || dims[dims.length - 3] == 1 || heads == 1) {
                continue;
            }
            if (scores.length == 3 && dims.length == 3 && dims[0] == heads && sameForEachHead(v.values(), heads)) {
                perHead.put(tensor, (int) heads);
                continue;
            }
            if (scores.length == 4 && m.condition() == null && dims[dims.length - 3] == heads
                    && g.isInitializer(tensor)) {
                continue;
            }
            return new MaskFit(null, ": its mask '" + tensor + "' holds one mask per head (size "
                    + dims[dims.length - 3] + " on the scores' head axis); dropping heads would need its slices, so "
                    + "it is left as it is");
        }
        return new MaskFit(m.withPerHead(perHead), null);
    }

    private static boolean sameForEachHead(float[] v, long heads) {
        int per = (int) (v.length / heads);
        for (int i = per; i < v.length; i++) {
            if (Float.compare(v[i], v[i % per]) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Every tensor the measuring reads: inputs, projections, operands, contexts, hidden tensors, outputs. */
    private static List<String> tensors(List<Traced> traced) {
        Set<String> names = new LinkedHashSet<>();
        for (Traced t : traced) {
            names.add(t.q().source().input());
            for (Operand o : List.of(t.q(), t.k(), t.v())) {
                names.add(o.tensor());
                names.add(o.source().output());
            }
            names.add(t.context());
            names.add(t.scores().tensor());
            names.add(t.out().input());
            names.addAll(t.outputs());
        }
        return new ArrayList<>(names);
    }

    private static Map<String, OnnxRunner.Out> run(ModelProto model, Path file, GraphFeed feed, GraphRows rows,
            Device device, List<String> tensors) {
        ModelProto exposed = BlockStatistics.exposing(model, tensors, feed.data().name());
        try (GraphFeed.Session s = feed.open(exposed, device, file)) {
            return s.runShaped(rows, 0, rows.count(), tensors);
        }
    }

    private static float[] firstOutput(ModelProto model, Path file, GraphFeed feed, GraphRows rows, Device device) {
        String out = model.getGraph().getOutput(0).getName();
        ModelProto runnable = BlockStatistics.relaxed(model.toBuilder(), feed.data().name()).build();
        try (GraphFeed.Session s = feed.open(runnable, device, file)) {
            return s.run(rows, 0, rows.count(), List.of(out)).get(out);
        }
    }

    private static double maxMove(float[] a, float[] b) {
        if (a.length != b.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i]));
            worst = Math.max(worst, Double.isNaN(d) ? Double.POSITIVE_INFINITY : d);
        }
        return worst;
    }

    /**
     * The model with each projection's output replaced by its column numbers (column c holds c + 1 everywhere) and
     * each context by its (lead, channel) numbers (lead l, channel d holds l·dh + d + 1), as the first run shaped them.
     */
    private static ModelProto indexed(ModelProto model, List<Traced> traced, Map<String, OnnxRunner.Out> shapes) {
        Map<String, float[]> replace = new HashMap<>();
        for (Traced t : traced) {
            for (Operand o : List.of(t.q(), t.k(), t.v())) {
                long[] shape = shapes.get(o.source().output()).shape();
                float[] v = new float[count(shape)];
                int c = (int) shape[shape.length - 1];
                for (int i = 0; i < v.length; i++) {
                    v[i] = i % c + 1;
                }
                replace.put(o.source().output(), v);
            }
            long[] shape = shapes.get(t.context()).shape();
            float[] v = new float[count(shape)];
            int dh = (int) shape[shape.length - 1];
            int tokens = (int) shape[shape.length - 2];
            for (int i = 0; i < v.length; i++) {
                v[i] = (i / (dh * tokens)) * dh + i % dh + 1;
            }
            replace.put(t.context(), v);
        }
        ModelProto.Builder copy = model.toBuilder();
        GraphProto.Builder graph = copy.getGraphBuilder();
        List<NodeProto> nodes = new ArrayList<>();
        for (NodeProto n : graph.getNodeList()) {
            NodeProto.Builder b = n.toBuilder();
            List<NodeProto> after = new ArrayList<>();
            for (int k = 0; k < n.getOutputCount(); k++) {
                String out = n.getOutput(k);
                if (replace.containsKey(out)) {
                    b.setOutput(k, out + "__measured");
                    long[] shape = shapes.get(out).shape();
                    graph.addInitializer(OnnxValues.newTensor(out + "__index", OnnxValues.FLOAT, replace.get(out),
                            shape));
                    after.add(NodeProto.newBuilder().setOpType("Identity").setName(out + "__index_node")
                            .addInput(out + "__index").addOutput(out).build());
                }
            }
            nodes.add(b.build());
            nodes.addAll(after);
        }
        graph.clearNode().addAllNode(nodes);
        return copy.build();
    }

    private static int count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return (int) n;
    }

    /** The canonical attention as the column numbers place its heads, or null when they do not make heads. */
    static Attention measured(Traced t, Map<String, OnnxRunner.Out> shapes, Map<String, OnnxRunner.Out> index,
            AttentionForm.Mask mask) {
        long[] qs = index.get(t.q().tensor()).shape();
        long[] ks = index.get(t.k().tensor()).shape();
        long[] vs = index.get(t.v().tensor()).shape();
        long[] xs = shapes.get(t.q().source().input()).shape();
        if (qs.length < 3 || ks.length != qs.length || vs.length != qs.length || xs.length != 3) {
            return null;
        }
        int dh = (int) qs[qs.length - 1];
        // [batch, heads, tokens, dh] (batch 1 row; windowed attention's windows stand in the batch axis, swin's), or
        // torch's [batch·heads, tokens, dh] of the one row.
        int heads = qs.length == 4 ? (int) qs[1] : count(qs) / (int) (qs[qs.length - 2] * dh);
        int lead = count(qs) / (int) (heads * qs[qs.length - 2] * dh);
        if (ks[ks.length - 2] != dh || vs[vs.length - 1] != dh
                || count(ks) / (int) (dh * ks[ks.length - 1]) != heads * lead
                || count(vs) / (int) (dh * vs[vs.length - 2]) != heads * lead) {
            return null;
        }
        int[][] cols = new int[3][heads * dh];
        float[] q = index.get(t.q().tensor()).values();
        float[] k = index.get(t.k().tensor()).values();
        float[] v = index.get(t.v().tensor()).values();
        int tq = (int) qs[qs.length - 2];
        int tk = (int) ks[ks.length - 1];
        int tv = (int) vs[vs.length - 2];
        for (int h = 0; h < heads; h++) {
            for (int d = 0; d < dh; d++) {
                cols[0][h * dh + d] = column(q[(h * tq) * dh + d], t.q());
                cols[1][h * dh + d] = column(k[(h * dh + d) * tk], t.k());
                cols[2][h * dh + d] = column(v[(h * tv) * dh + d], t.v());
            }
        }
        int[] rows = outputRows(t, index, heads, dh);
        if (rows == null || !valid(cols, t)) {
            return null;
        }
        int seq = xs[0] == 1 && xs[1] != 1 ? 1 : xs[1] == 1 && xs[0] != 1 ? 0 : 1;
        String output = null;
        for (String y : t.outputs()) {
            long[] ys = shapes.get(y).shape();
            if (output == null && ys.length == 3 && ys[0] == xs[0] && ys[1] == xs[1] && ys[2] == t.out().outputs()) {
                output = y;
            }
        }
        if (output == null) {
            return null;
        }
        float scale = t.scores().scale() * t.q().factor() * t.k().factor();
        return new Attention(t.q().source().input(), output, seq, dh, new AttentionForm.Scoring(scale, mask,
                t.scores().windowMask()), new AttentionForm.Qkv(
                columns(t.q().source(), cols[0], 1), columns(t.k().source(), cols[1], 1),
                columns(t.v().source(), cols[2], t.v().factor())), rowsOf(t.out(), rows));
    }

    /** A projection column number read back from its (scaled) index value, or -1. */
    private static int column(float value, Operand o) {
        double c = value / o.factor() - 1;
        long r = Math.round(c);
        return Math.abs(c - r) < 1e-3 ? (int) r : -1;
    }

    private static boolean valid(int[][] cols, Traced t) {
        Operand[] ops = {t.q(), t.k(), t.v()};
        for (int k = 0; k < 3; k++) {
            for (int c : cols[k]) {
                if (c < 0 || c >= ops[k].source().outputs()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** For each head channel h·dh + d, the output projection's input row it reaches, or null. */
    private static int[] outputRows(Traced t, Map<String, OnnxRunner.Out> index, int heads, int dh) {
        float[] z = index.get(t.out().input()).values();
        int width = t.out().inputs();
        if (width != heads * dh || z.length < width) {
            return null;
        }
        int[] rows = new int[width];
        java.util.Arrays.fill(rows, -1);
        for (int e = 0; e < width; e++) {
            long code = Math.round(z[e]) - 1;
            if (Math.abs(z[e] - 1 - code) > 1e-3 || code < 0 || code >= width || rows[(int) code] >= 0) {
                return null;
            }
            rows[(int) code] = e;
        }
        return rows;
    }

    /** The projection's columns {@code cols} in order, scaled by {@code factor}. */
    private static Projection columns(TracedProjection s, int[] cols, float factor) {
        float[] w = new float[s.inputs() * cols.length];
        for (int i = 0; i < s.inputs(); i++) {
            for (int j = 0; j < cols.length; j++) {
                w[i * cols.length + j] = factor * s.weight()[i * s.outputs() + cols[j]];
            }
        }
        float[] b = null;
        if (s.bias() != null) {
            b = new float[cols.length];
            for (int j = 0; j < cols.length; j++) {
                b[j] = factor * s.bias()[cols[j]];
            }
        }
        return new Projection(s.inputs(), cols.length, w, b);
    }

    /** The output projection's input rows {@code rows} in order. */
    private static Projection rowsOf(TracedProjection s, int[] rows) {
        float[] w = new float[rows.length * s.outputs()];
        for (int j = 0; j < rows.length; j++) {
            System.arraycopy(s.weight(), rows[j] * s.outputs(), w, j * s.outputs(), s.outputs());
        }
        return new Projection(rows.length, s.outputs(), w, s.bias() == null ? null : s.bias().clone());
    }

    /**
     * The model with {@code a} written in the canonical form: its nodes placed where the old output was computed, that
     * output's old producer renamed, and every node and initializer no longer read removed.
     */
    static ModelProto replaced(ModelProto model, Attention a, String base) {
        Set<String> used = new HashSet<>();
        GraphProto graph = model.getGraph();
        graph.getNodeList().forEach(n -> {
            used.add(n.getName());
            used.addAll(n.getOutputList());
        });
        graph.getInitializerList().forEach(t -> used.add(t.getName()));
        String prefix = base;
        for (int k = 1; prefixUsed(used, prefix); k++) {
            prefix = base.substring(0, base.length() - 1) + "_" + k + "/";
        }
        AttentionForm.Emitted e = AttentionForm.emit(a, prefix);
        Map<String, Integer> shapeReads = a.mask() == null ? Map.of() : a.mask().shapeReads();
        List<TensorProto> inits = new ArrayList<>(e.initializers());
        List<NodeProto> nodes = new ArrayList<>();
        for (NodeProto n : graph.getNodeList()) {
            String read = n.getOutputList().stream().filter(shapeReads::containsKey).findFirst().orElse(null);
            if (read != null) {
                // The mask reads this projection's shape alone: zeros of that shape, and its weight goes.
                nodes.addAll(AttentionForm.standIn(a.input(), shapeReads.get(read), read,
                        prefix + "stand_in_" + nodes.size(), inits));
                continue;
            }
            int k = n.getOutputList().indexOf(a.output());
            if (k < 0) {
                nodes.add(n);
                continue;
            }
            nodes.add(n.toBuilder().setOutput(k, prefix + "replaced").build());
            nodes.addAll(e.nodes());
        }
        ModelProto.Builder copy = model.toBuilder();
        copy.getGraphBuilder().clearNode().addAllNode(nodes).addAllInitializer(inits).clearValueInfo();
        return withoutUnread(copy.build());
    }

    private static boolean prefixUsed(Set<String> used, String prefix) {
        return used.stream().anyMatch(s -> s.startsWith(prefix));
    }

    /** The model without the nodes whose outputs nothing reads and the initializers no node reads. */
    static ModelProto withoutUnread(ModelProto model) {
        GraphProto graph = model.getGraph();
        Set<String> needed = new HashSet<>();
        graph.getOutputList().forEach(o -> needed.add(o.getName()));
        List<NodeProto> nodes = graph.getNodeList();
        boolean[] keep = new boolean[nodes.size()];
        for (int i = nodes.size() - 1; i >= 0; i--) {
            NodeProto n = nodes.get(i);
            keep[i] = n.getOutputList().stream().anyMatch(needed::contains);
            if (keep[i]) {
                needed.addAll(n.getInputList());
            }
        }
        Set<String> inputs = new HashSet<>();
        for (ValueInfoProto in : graph.getInputList()) {
            inputs.add(in.getName());
        }
        List<NodeProto> kept = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (keep[i]) {
                kept.add(nodes.get(i));
            }
        }
        List<TensorProto> inits = new ArrayList<>();
        for (TensorProto t : graph.getInitializerList()) {
            if (needed.contains(t.getName()) || inputs.contains(t.getName())) {
                inits.add(t);
            }
        }
        ModelProto.Builder copy = model.toBuilder();
        copy.getGraphBuilder().clearNode().addAllNode(kept).clearInitializer().addAllInitializer(inits);
        return copy.build();
    }
}
