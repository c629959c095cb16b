package org.odf2nna.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * The structure of one multi-head attention as an exporter wrote it, found from its Softmax by meaning, not by node
 * names: the Softmax reads {@code Q·Kᵀ} (a MatMul, scaled by scalar constants), is read by one MatMul by V, and Q, K and
 * V each come, through ops that only move values (Transpose, Reshape, Slice, Split, Squeeze, Unsqueeze, a Gather
 * by constant indices) and scalar scales (constants, or scalars computed from shapes alone, whose value the rewrite
 * measures), from a projection (a MatMul or Gemm with a constant weight and an optional bias) of one input; Q, K and V
 * may all come from one packed projection (torch's in_proj), whose columns the rewrite then tells apart; the scores may
 * be masked on the way (an Add of a tensor, or a Where choosing them or a fill, as torch writes masked_fill) by a mask
 * computed from no value of Q, K or V (the canonical form reads it as it is; shapes it reads are served by stand-ins);
 * the context reaches, through ops that move values, an output projection with a constant weight. Which projection
 * columns make which head, and which output rows read them, is left to {@link AttentionRewrite} to measure.
 */
final class AttentionTrace {

    private static final Set<String> MOVES = Set.of("Transpose", "Reshape", "Squeeze", "Unsqueeze", "Slice", "Split",
            "Identity", "Flatten");

    /** Marks of {@link #shapeReads}'s walk: a tensor whose values the mask reads, or only its shape. */
    private static final String VALUE = "v";
    private static final String SHAPE = "s";

    private AttentionTrace() {
    }

    /**
     * A scale the graph computes at run time from shapes and constants alone (torch 2's scaled_dot_product_attention
     * multiplies Q and Kᵀ by √(1/√dh), dh read from Q's shape): its value is measured on one row by the rewrite.
     *
     * @param tensor  the scalar tensor
     * @param divides whether the graph divides by it (a Div's divisor) rather than multiplies
     */
    record RunScale(String tensor, boolean divides) {
    }

    /**
     * An operand of the attention's MatMuls, traced to its projection, with the scalar it was scaled by: the constant
     * factor, times the run-time scales (none once {@link #resolved} has measured them).
     */
    record Operand(String tensor, TracedProjection source, float factor, List<RunScale> runScales) {

        Operand {
            runScales = List.copyOf(runScales);
        }
    }

    /**
     * The scores as the Softmax reads them.
     *
     * @param tensor the Softmax's input
     * @param scale  the scalars between the scores MatMul and the Softmax, multiplied
     * @param mask   the mask applied on the way, or null
     * @param windowMask a mask added to the scores viewed per window ({@link #windowed}), or null
     */
    record Scores(String tensor, float scale, AttentionForm.Mask mask, List<RunScale> runScales, String windowMask) {

        Scores {
            runScales = List.copyOf(runScales);
        }
    }

    /**
     * One exporter's attention.
     *
     * @param softmax    the Softmax node's index
     * @param scores     what the Softmax reads: the scales and mask between it and Q·Kᵀ
     * @param q          the scores MatMul's first operand
     * @param k          its second operand
     * @param v          the context MatMul's second operand
     * @param context    the context MatMul's output
     * @param out        the output projection (its input is the hidden tensor; its output after any bias)
     * @param outputs    the tensors after the output projection that may be the block's output: its own, then those
     *                   of the ops that only move values after it
     */
    record Traced(int softmax, Scores scores, Operand q, Operand k, Operand v, String context, TracedProjection out,
            List<String> outputs) {

        /** Every scale of this attention computed at run time, to be measured. */
        List<RunScale> runScales() {
            List<RunScale> all = new ArrayList<>(scores.runScales());
            all.addAll(q.runScales());
            all.addAll(k.runScales());
            all.addAll(v.runScales());
            return all;
        }

        /**
         * This attention with its run-time scales multiplied into the constant factors, from {@code values} (each
         * scale's measured values), or null when one of them is not a single finite, non-zero value.
         */
        Traced resolved(Map<String, float[]> values) {
            float[] f = new float[4];
            List<List<RunScale>> lists = List.of(scores.runScales(), q.runScales(), k.runScales(), v.runScales());
            for (int i = 0; i < 4; i++) {
                f[i] = 1;
                for (RunScale r : lists.get(i)) {
                    float[] x = values.get(r.tensor());
                    if (x == null || x.length != 1 || !Float.isFinite(x[0]) || x[0] == 0) {
                        return null;
                    }
                    f[i] *= r.divides() ? 1 / x[0] : x[0];
                }
            }
            return new Traced(softmax, new Scores(scores.tensor(), scores.scale() * f[0], scores.mask(), List.of(),
                    scores.windowMask()),
                    new Operand(q.tensor(), q.source(), q.factor() * f[1], List.of()),
                    new Operand(k.tensor(), k.source(), k.factor() * f[2], List.of()),
                    new Operand(v.tensor(), v.source(), v.factor() * f[3], List.of()), context, out, outputs);
        }
    }

    /**
     * The attentions of {@code g} that its Softmax nodes make, where the structure holds, and why each Softmax that
     * reads a MatMul and is read by one (an attention by its look) is not one.
     */
    record Found(List<Traced> traced, List<String> notes) {
    }

    /** The attentions of {@code g}, and notes on the Softmax nodes that look like attention and are not. */
    static Found find(GraphView g) {
        List<Traced> found = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (int i = 0; i < g.nodes.size(); i++) {
            if (g.nodes.get(i).getOpType().equals("Softmax")) {
                Traced t = trace(g, i, notes);
                if (t != null) {
                    found.add(t);
                }
            }
        }
        return new Found(found, notes);
    }

    /** The attention at Softmax {@code softmax}, or null (with a note where it reads and feeds MatMuls). */
    private static Traced trace(GraphView g, int softmax, List<String> notes) {
        NodeProto sm = g.nodes.get(softmax);
        String where = "attention at Softmax '" + GraphView.nodeName(sm) + "'";
        List<Integer> readers = g.consumers(sm.getOutput(0));
        NodeProto context = readers.size() == 1 && !g.isGraphOutput(sm.getOutput(0)) ? g.nodes.get(readers.get(0))
                : null;
        Walk w = scores(g, sm.getInput(0));
        if (context == null || !context.getOpType().equals("MatMul") || !context.getInput(0).equals(sm.getOutput(0))
                || w == null) {
            if (context != null && context.getOpType().equals("MatMul") && nearMatMul(g, sm.getInput(0), 4)) {
                notes.add(where + ": between its Q·Kᵀ MatMul and the Softmax are ops other than scales by scalar "
                        + "constants and one mask (an Add, or a Where with a fill); not a block");
            }
            return null;
        }
        List<String> stops = new ArrayList<>();
        Operand q = operand(g, w.matmul().getInput(0), "Q", stops);
        Operand k = operand(g, w.matmul().getInput(1), "K", stops);
        Operand v = operand(g, context.getInput(1), "V", stops);
        if (q == null || k == null || v == null || !q.source().input().equals(k.source().input())
                || !q.source().input().equals(v.source().input())) {
            notes.add(where + ": its Q, K and V do not each come from a projection (a MatMul or Gemm by a constant) "
                    + "of one shared input" + (stops.isEmpty() ? "" : " (" + String.join("; ", stops) + ")")
                    + "; not a block");
            return null;
        }
        Operand[] qkv = {q, k, v};
        AttentionForm.Mask mask = w.mask();
        if (mask != null) {
            Map<String, Integer> shapes = shapeReads(g, mask, qkv);
            if (shapes == null) {
                notes.add(where + ": its mask is computed from the values of the attention's own Q, K or V; left as "
                        + "it is");
                return null;
            }
            mask = new AttentionForm.Mask(mask.tensor(), mask.condition(), mask.scoresFirst(), mask.after(), shapes,
                    Map.of());
        }
        Map<String, Integer> windowReads = w.windowMask() == null ? Map.of() : shapeReads(g,
                new AttentionForm.Mask(w.windowMask(), null, true, 1, Map.of(), Map.of()), qkv);
        if (windowReads == null || !windowReads.isEmpty()) {
            notes.add(where + ": its window mask is computed from the attention's own Q, K or V; left as it is");
            return null;
        }
        Traced t = forward(g, softmax, new Scores(sm.getInput(0), w.scale(), mask, w.runScales(), w.windowMask()),
                qkv, context.getOutput(0));
        if (t == null) {
            notes.add(where + ": its context does not reach an output projection (a MatMul or Gemm by a constant) "
                    + "through ops that only move values; not a block");
        }
        return t;
    }

    /** The Q·Kᵀ MatMul the Softmax reads, the scalars on the way multiplied, and the mask if one is applied. */
    private record Walk(NodeProto matmul, float scale, AttentionForm.Mask mask, List<RunScale> runScales,
            String windowMask) {
    }

    /**
     * swin's shifted-window mask, as {@code torch.onnx.export} writes {@code attn.view(B, nW, heads, N, N) + mask;
     * attn.view(-1, heads, N, N)}: the Softmax's input a Reshape of an Add of a mask to a Reshape of the scores to
     * five axes. Returns {scores before the pair, the mask}, or null where {@code input} is not so made.
     */
    static String[] windowed(GraphView g, String input) {
        NodeProto back = g.producer(input, "Reshape");
        NodeProto add = back == null ? null : g.producer(back.getInput(0), "Add");
        if (add == null || add.getInputCount() != 2 || g.consumers(back.getInput(0)).size() != 1) {
            return null;
        }
        for (int k = 0; k < 2; k++) {
            NodeProto fwd = g.producer(add.getInput(k), "Reshape");
            if (fwd != null && g.consumers(add.getInput(k)).size() == 1 && fiveAxes(g, fwd.getInput(1))
                    && nearMatMul(g, fwd.getInput(0), 4)) {
                return new String[] {fwd.getInput(0), add.getInput(1 - k)};
            }
        }
        return null;
    }

    /** Whether a Reshape's shape tensor has five values: a Concat of five parts, or a constant of five. */
    private static boolean fiveAxes(GraphView g, String shape) {
        if (g.constant(shape) != null) {
            long[] d = g.dims(shape);
            return d.length == 1 && d[0] == 5;
        }
        NodeProto c = g.producer(shape, "Concat");
        return c != null && c.getInputCount() == 5;
    }

    /**
     * From the Softmax's input back to the Q·Kᵀ MatMul through scalar scales and at most one mask: an Add of a tensor,
     * or a Where choosing between the scores and a fill. The scales met before the mask (after it in the graph) scale
     * the mask too, so the canonical form, which scales before masking, multiplies the mask by them.
     */
    private static Walk scores(GraphView g, String input) {
        float scale = 1;
        float after = 1;
        AttentionForm.Mask mask = null;
        List<RunScale> runScales = new ArrayList<>();
        String[] window = windowed(g, input);
        String t = window == null ? input : window[0];
        for (int step = 0; step < 6; step++) {
            int p = g.producer(t);
            if (p < 0) {
                return null;
            }
            NodeProto n = g.nodes.get(p);
            if (n.getOpType().equals("MatMul")) {
                return new Walk(n, scale, mask == null ? null
                        : new AttentionForm.Mask(mask.tensor(), mask.condition(), mask.scoresFirst(), after, Map.of(),
                                Map.of()), runScales, window == null ? null : window[1]);
            }
            float c = scalarOperand(g, n);
            RunScale r = Float.isNaN(c) ? runScale(g, n) : null;
            boolean add = n.getOpType().equals("Add") && n.getInputCount() == 2;
            boolean where = n.getOpType().equals("Where");
            if (!Float.isNaN(c)) {
                scale *= c;
                after *= mask == null ? c : 1;
                t = other(g, n);
            } else if (r != null && mask == null) {
                // Taken only where no mask follows: one after the mask would have to scale it too, one before it
                // would not; neither is told apart here (a mask met further on refuses these scales).
                runScales.add(r);
                t = otherThan(n, r.tensor());
            } else if (mask == null && runScales.isEmpty() && (add || where)) {
                int s = scoresSide(g, n, add ? 0 : 1);
                if (s < 0) {
                    return null;
                }
                // The operand that is not the scores: the Add's mask, the Where's fill (its inputs 1 and 2).
                int m = add ? 1 - s : 3 - s;
                mask = new AttentionForm.Mask(n.getInput(m), where ? n.getInput(0) : null, s <= 1, 1, Map.of(),
                        Map.of());
                t = n.getInput(s);
            } else {
                return null;
            }
        }
        return null;
    }

    /** Which of inputs {@code first} and {@code first + 1} of {@code n} are the scores (reach a MatMul), or -1. */
    private static int scoresSide(GraphView g, NodeProto n, int first) {
        boolean a = reachesMatMul(g, n.getInput(first), 3);
        boolean b = reachesMatMul(g, n.getInput(first + 1), 3);
        return a == b ? -1 : a ? first : first + 1;
    }

    /** Whether {@code t} is a MatMul's output, through at most {@code steps} scalar scales. */
    private static boolean reachesMatMul(GraphView g, String t, int steps) {
        int p = g.producer(t);
        if (p < 0 || steps <= 0) {
            return false;
        }
        NodeProto n = g.nodes.get(p);
        if (n.getOpType().equals("MatMul")) {
            return true;
        }
        if (Float.isNaN(scalarOperand(g, n))) {
            RunScale r = runScale(g, n);
            return r != null && reachesMatMul(g, otherThan(n, r.tensor()), steps - 1);
        }
        return reachesMatMul(g, other(g, n), steps - 1);
    }

    /** Whether {@code t} is computed from a MatMul's output within {@code steps} ops of any kind. */
    private static boolean nearMatMul(GraphView g, String t, int steps) {
        int p = g.producer(t);
        if (p < 0 || steps <= 0) {
            return false;
        }
        NodeProto n = g.nodes.get(p);
        return n.getOpType().equals("MatMul") || n.getInputList().stream().anyMatch(i -> nearMatMul(g, i, steps - 1));
    }

    /**
     * The projections whose outputs the mask reads only through their shape (torch's key_padding_mask takes its length
     * from K's), or null when it reads the values of a projection's output (before or after the bias): the canonical
     * form would keep the exporter's projections alive to compute it. A shape read is served by a stand-in of zeros.
     */
    private static Map<String, Integer> shapeReads(GraphView g, AttentionForm.Mask mask, Operand[] qkv) {
        Map<String, Integer> sources = new HashMap<>();
        Set<String> raw = new HashSet<>();
        for (Operand o : qkv) {
            sources.put(o.source().output(), o.source().outputs());
            int p = g.producer(o.source().output());
            if (p >= 0) {
                raw.addAll(g.nodes.get(p).getInputList());
            }
        }
        raw.remove(qkv[0].source().input());
        raw.removeAll(sources.keySet());
        Map<String, Integer> read = new HashMap<>();
        Deque<String> todo = new ArrayDeque<>();
        todo.add(VALUE + mask.tensor());
        if (mask.condition() != null) {
            todo.add(VALUE + mask.condition());
        }
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            String entry = todo.pop();
            boolean value = entry.startsWith(VALUE);
            String t = entry.substring(1);
            if (!seen.add(entry)) {
                continue;
            }
            if (raw.contains(t) || value && sources.containsKey(t)) {
                return null;
            }
            int p = g.producer(t);
            if (sources.containsKey(t)) {
                read.put(t, sources.get(t));
            } else if (p >= 0) {
                // What Shape reads counts by its shape alone.
                boolean shape = g.nodes.get(p).getOpType().equals("Shape");
                g.nodes.get(p).getInputList().forEach(in -> todo.add((value && !shape ? VALUE : SHAPE) + in));
            }
        }
        return read;
    }

    /** From the context through the ops that move values to the output projection, and the outputs after it. */
    private static Traced forward(GraphView g, int softmax, Scores scores, Operand[] qkv, String context) {
        String t = context;
        for (int step = 0; step < 8; step++) {
            // Shape nodes only read the size (a BERT export's view(size()[:-2] + (D,)) reads it to merge the heads).
            List<Integer> readers = g.consumers(t).stream()
                    .filter(c -> !g.nodes.get(c).getOpType().equals("Shape")).toList();
            if (readers.size() != 1 || g.isGraphOutput(t)) {
                return null;
            }
            NodeProto n = g.nodes.get(readers.get(0));
            if (!n.getInput(0).equals(t)) {
                return null;
            }
            if (MOVES.contains(n.getOpType()) && !n.getOpType().equals("Slice") && !n.getOpType().equals("Split")) {
                t = n.getOutput(0);
                continue;
            }
            TracedProjection out = TracedProjection.of(g, n);
            if (out == null) {
                return null;
            }
            List<String> outputs = new ArrayList<>();
            String y = out.output();
            outputs.add(y);
            for (int more = 0; more < 3; more++) {
                // Shape nodes only read the size (torch reads it to reshape back): the value goes on to one reader.
                List<Integer> next = g.consumers(y).stream()
                        .filter(c -> !g.nodes.get(c).getOpType().equals("Shape")).toList();
                if (next.size() != 1 || g.isGraphOutput(y)) {
                    break;
                }
                NodeProto m = g.nodes.get(next.get(0));
                if (!Set.of("Transpose", "Reshape", "Identity").contains(m.getOpType()) || !m.getInput(0).equals(y)) {
                    break;
                }
                y = m.getOutput(0);
                outputs.add(y);
            }
            return new Traced(softmax, scores, qkv[0], qkv[1], qkv[2], context, out, outputs);
        }
        return null;
    }

    /**
     * From an operand back through ops that move values and scalar scales to its projection, or null with a phrase in
     * {@code stops} naming where the walk from operand {@code name} stopped.
     */
    private static Operand operand(GraphView g, String tensor, String name, List<String> stops) {
        float factor = 1;
        List<RunScale> runScales = new ArrayList<>();
        String t = tensor;
        for (int step = 0; step < 16; step++) {
            int p = g.producer(t);
            if (p < 0) {
                stops.add(name + " reaches '" + t + "', which no node computes");
                return null;
            }
            NodeProto n = g.nodes.get(p);
            if (MOVES.contains(n.getOpType()) || constantGather(g, n)) {
                t = n.getInput(0);
                continue;
            }
            float c = scalarOperand(g, n);
            if (!Float.isNaN(c)) {
                factor *= c;
                t = other(g, n);
                continue;
            }
            RunScale r = runScale(g, n);
            if (r != null) {
                runScales.add(r);
                t = otherThan(n, r.tensor());
                continue;
            }
            TracedProjection s = n.getOpType().equals("Add") ? TracedProjection.biased(g, n)
                    : TracedProjection.of(g, n);
            if (s == null) {
                stops.add(name + " reaches " + n.getOpType() + " '" + GraphView.nodeName(n) + "', which neither "
                        + "only moves values, scales by a scalar, nor projects by a constant");
                return null;
            }
            return new Operand(tensor, s, factor, runScales);
        }
        stops.add(name + " is more than 16 ops from a projection");
        return null;
    }

    /** A Gather by constant indices: it only picks values (torch's {@code proj[0]} of the packed Q, K and V). */
    private static boolean constantGather(GraphView g, NodeProto n) {
        return n.getOpType().equals("Gather") && n.getInputCount() == 2 && g.constant(n.getInput(1)) != null;
    }

    /**
     * A Mul (either side) or a Div (its divisor) by a tensor computed from shapes and constants alone, as a
     * {@link RunScale}, else null. Whether it is one value is known only when it is measured.
     */
    private static RunScale runScale(GraphView g, NodeProto n) {
        if (n.getInputCount() != 2 || !n.getOpType().equals("Mul") && !n.getOpType().equals("Div")) {
            return null;
        }
        boolean a = computedFromShapes(g, n.getInput(0));
        boolean b = computedFromShapes(g, n.getInput(1));
        if (n.getOpType().equals("Div")) {
            return b && !a ? new RunScale(n.getInput(1), true) : null;
        }
        return a == b ? null : new RunScale(n.getInput(b ? 1 : 0), false);
    }

    /** Whether {@code t} is computed by a node (it is no constant) from constants and Shape nodes alone. */
    private static boolean computedFromShapes(GraphView g, String t) {
        return g.constant(t) == null && g.producer(t) >= 0 && fromShapes(g, t, new int[] {32});
    }

    /**
     * Whether {@code t} is computed from constants and Shape nodes alone (no value of any graph input reaches it),
     * within {@code budget[0]} nodes.
     */
    private static boolean fromShapes(GraphView g, String t, int[] budget) {
        if (t.isEmpty() || g.constant(t) != null) {
            return true;
        }
        int p = g.producer(t);
        if (p < 0 || budget[0]-- <= 0) {
            return false;
        }
        NodeProto n = g.nodes.get(p);
        if (n.getOpType().equals("Shape") || n.getOpType().equals("Constant")) {
            return true;
        }
        for (String in : n.getInputList()) {
            if (!fromShapes(g, in, budget)) {
                return false;
            }
        }
        return true;
    }

    /** The input of a two-input node that is not {@code tensor}. */
    private static String otherThan(NodeProto n, String tensor) {
        return n.getInput(0).equals(tensor) ? n.getInput(1) : n.getInput(0);
    }

    /** A Mul by a scalar constant (either side) or a Div by one: the factor it applies, else NaN. */
    private static float scalarOperand(GraphView g, NodeProto n) {
        if (n.getInputCount() != 2) {
            return Float.NaN;
        }
        float a = g.scalar(n.getInput(0));
        float b = g.scalar(n.getInput(1));
        if (n.getOpType().equals("Mul")) {
            return !Float.isNaN(b) ? b : a;
        }
        return n.getOpType().equals("Div") && !Float.isNaN(b) && b != 0 ? 1 / b : Float.NaN;
    }

    /** The input of a scalar Mul or Div that is not the scalar. */
    private static String other(GraphView g, NodeProto n) {
        return Float.isNaN(g.scalar(n.getInput(1))) ? n.getInput(1) : n.getInput(0);
    }
}
