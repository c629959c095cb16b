package org.odf2nna.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.network.Int8Quantization;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * The static int8 form in standard operators only, laid out as ONNX Runtime's {@code quantize_static} writes its QDQ
 * format: each quantized activation tensor once through {@code QuantizeLinear → DequantizeLinear} (uint8, the scale
 * and zero point calibrated on training rows) right after the node that writes it, every reader taking the
 * dequantized tensor; each layer's weight as int8 codes with a scale per output channel through a per-axis
 * DequantizeLinear, its bias as int32 codes at the scale {@code s_x · s_w} through another. ONNX Runtime fuses
 * {@code DQ → Conv → Q} into QLinearConv, {@code DQ → Gemm [→ Q]} into QGemm, {@code DQ → MatMul → Q} into
 * QLinearMatMul, {@code DQ → Add → Q} into QLinearAdd (and so on for {@link #AROUND}) at load time; another runtime
 * runs the file as written, in float between the pairs.
 *
 * <p>Which tensors: the inputs and output of each layer, and of each operator of {@link #AROUND} whose inputs all come
 * out of quantized operators (so that runs of integer kernels are not broken by a float operator, and float regions,
 * a LayerNorm's arithmetic, stay float). A graph output stays float, unless a layer writes it: then it too is
 * quantized and dequantized (as {@code quantize_static} does; ONNX Runtime fuses {@code DQ → Gemm} into QGemm only
 * with the pair after it). A Relu, or a Clip whose lower bound is 0, that is
 * the only reader of a quantized operator's output is folded into it: the operator writes the activation's output,
 * whose calibrated range starts at 0, so its zero point is 0 and the quantization's clamp at zero is the ReLU's
 * (ONNX Runtime's quantizer removes them the same way).
 */
final class QdqWriter {

    /**
     * Operators quantized around (inputs and output) when all their data inputs come out of quantized operators:
     * ONNX Runtime has uint8 kernels for them or drops the pairs around them.
     */
    static final Set<String> AROUND = Set.of("Add", "Mul", "Sigmoid", "GlobalAveragePool", "AveragePool", "MaxPool",
            "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Concat");
    /** Of {@link #AROUND}, those whose every input is data (the others read only their first as data). */
    private static final Set<String> ALL_DATA = Set.of("Add", "Mul", "Concat");

    private QdqWriter() {
    }

    /**
     * What is quantized.
     *
     * @param tensors the activation tensors quantized (their names in the float model): what calibration measures
     * @param around  the operators quantized around besides the layers, by key
     * @param folded  per folded activation (by key), the output of the operator it was folded into
     */
    record Plan(List<String> tensors, Set<String> around, Map<String, String> folded) {
    }

    static Plan plan(GraphIndex g, List<Int8Sites.Site> sites) {
        Set<String> layers = new HashSet<>();
        sites.forEach(s -> layers.add(GraphIndex.key(s.node())));
        Set<String> outputs = new HashSet<>();
        g.graph.getOutputList().forEach(o -> outputs.add(o.getName()));
        Map<String, List<NodeProto>> readers = readers(g.graph);
        Set<String> quantizedOut = new HashSet<>();
        Set<String> around = new LinkedHashSet<>();
        Map<String, String> folded = new HashMap<>();
        Set<String> tensors = new LinkedHashSet<>();
        for (NodeProto n : g.graph.getNodeList()) {
            String key = GraphIndex.key(n);
            boolean layer = layers.contains(key);
            if (folded.containsKey(key)) {
                quantizedOut.add(n.getOutput(0));
                continue;
            }
            if (!layer && !(AROUND.contains(n.getOpType()) && n.getDomain().isEmpty() && n.getOutputCount() == 1
                    && dataInputs(n).stream().allMatch(quantizedOut::contains) && !dataInputs(n).isEmpty())) {
                continue;
            }
            if (!layer) {
                around.add(key);
            }
            tensors.addAll(layer ? List.of(n.getInput(0)) : dataInputs(n));
            String out = n.getOutput(0);
            NodeProto activation = foldable(g, n, readers, outputs);
            if (activation != null) {
                folded.put(GraphIndex.key(activation), out);
                out = activation.getOutput(0);
            }
            quantizedOut.add(out);
            if (layer || !outputs.contains(out)) {
                tensors.add(out);
            }
        }
        return new Plan(List.copyOf(tensors), around, folded);
    }

    /** The inputs of an {@link #AROUND} operator that are data: all of them, or the first. */
    private static List<String> dataInputs(NodeProto n) {
        List<String> in = ALL_DATA.contains(n.getOpType()) ? n.getInputList() : n.getInputList().subList(0,
                Math.min(1, n.getInputCount()));
        return in.stream().filter(t -> !t.isEmpty()).toList();
    }

    /** The Relu, or Clip at lower bound 0, that alone reads {@code n}'s output, or null. */
    private static NodeProto foldable(GraphIndex g, NodeProto n, Map<String, List<NodeProto>> readers,
            Set<String> outputs) {
        String out = n.getOutput(0);
        List<NodeProto> r = readers.getOrDefault(out, List.of());
        if (r.size() != 1 || outputs.contains(out)) {
            return null;
        }
        NodeProto a = r.get(0);
        if (!a.getDomain().isEmpty() || a.getOutputCount() != 1 || outputs.contains(a.getOutput(0))) {
            return null;
        }
        if (a.getOpType().equals("Relu")) {
            return a;
        }
        if (!a.getOpType().equals("Clip") || a.getInputCount() < 2 || a.getInput(1).isEmpty()
                || !g.isConstant(a.getInput(1))) {
            return null;
        }
        float[] lo = g.constantFloats(a.getInput(1), "Clip's min");
        boolean zero = lo != null && lo.length == 1 && lo[0] == 0f;
        boolean max = a.getInputCount() < 3 || a.getInput(2).isEmpty() || g.isConstant(a.getInput(2));
        return zero && max ? a : null;
    }

    private static Map<String, List<NodeProto>> readers(GraphProto graph) {
        Map<String, List<NodeProto>> readers = new HashMap<>();
        for (NodeProto n : graph.getNodeList()) {
            for (String in : n.getInputList()) {
                readers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
        }
        return readers;
    }

    /**
     * Writes the plan into {@code graph}: the layers' weights and biases as int8 and int32 codes, the pairs after
     * each quantized tensor, the folded activations removed.
     */
    static void write(GraphProto.Builder graph, Set<String> names, List<Int8Sites.Site> sites, Plan plan,
            Map<String, GraphQuantizer.Range> ranges) {
        Map<String, Int8Sites.Site> byKey = new HashMap<>();
        sites.forEach(s -> byKey.put(GraphIndex.key(s.node()), s));
        Set<String> outputs = new HashSet<>();
        graph.getOutputList().forEach(o -> outputs.add(o.getName()));
        Map<String, String> dequantized = new HashMap<>();
        Map<String, String> renamed = new HashMap<>();
        Set<String> replaced = new HashSet<>();
        for (String t : plan.tensors()) {
            if (outputs.contains(t)) {
                renamed.put(t, GraphIndex.uniqueName(names, t + "_f"));
            } else {
                dequantized.put(t, GraphIndex.uniqueName(names, t + "_dq"));
            }
        }
        for (Map.Entry<String, String> f : plan.folded().entrySet()) {
            NodeProto activation = node(graph, f.getKey());
            String out = activation.getOutput(0);
            renamed.put(f.getValue(), renamed.getOrDefault(out, out));
            activation.getInputList().stream().skip(1).forEach(replaced::add);
        }
        List<NodeProto> nodes = new ArrayList<>();
        Set<String> inputs = new HashSet<>();
        graph.getInputList().forEach(i -> inputs.add(i.getName()));
        for (String t : plan.tensors()) {
            if (inputs.contains(t)) {
                pair(graph, names, t, dequantized.get(t), range(ranges, t), nodes);
            }
        }
        int count = 0;
        for (NodeProto n : graph.getNodeList()) {
            String key = GraphIndex.key(n);
            if (plan.folded().containsKey(key)) {
                continue;
            }
            NodeProto.Builder b = n.toBuilder();
            for (int i = 0; i < b.getInputCount(); i++) {
                String d = dequantized.get(b.getInput(i));
                if (d != null) {
                    b.setInput(i, d);
                }
            }
            if (b.getOutputCount() > 0 && renamed.containsKey(b.getOutput(0))) {
                b.setOutput(0, renamed.get(b.getOutput(0)));
            }
            Int8Sites.Site site = byKey.get(key);
            if (site != null) {
                count++;
                layer(graph, names, "Q" + count, site, b, range(ranges, site.input()).scale(), nodes, replaced);
            } else {
                nodes.add(b.build());
            }
            for (String out : b.getOutputList()) {
                if (dequantized.containsKey(out)) {
                    pair(graph, names, out, dequantized.get(out), range(ranges, out), nodes);
                } else if (renamed.containsValue(out) && outputs.contains(original(renamed, out))) {
                    pair(graph, names, out, original(renamed, out), range(ranges, original(renamed, out)), nodes);
                }
            }
        }
        Set<String> read = new HashSet<>();
        nodes.forEach(n -> read.addAll(n.getInputList()));
        outputs.forEach(read::add);
        nodes.removeIf(n -> GraphIndex.isConstantNode(n) && n.getOutputCount() == 1
                && replaced.contains(n.getOutput(0)) && !read.contains(n.getOutput(0)));
        graph.clearNode().addAllNode(nodes);
        List<ValueInfoProto> info = new ArrayList<>(graph.getValueInfoList());
        info.removeIf(v -> renamed.containsKey(v.getName()));
        graph.clearValueInfo().addAllValueInfo(info);
        Int8Weights.dropUnused(graph, replaced);
    }

    private static NodeProto node(GraphProto.Builder graph, String key) {
        for (NodeProto n : graph.getNodeList()) {
            if (GraphIndex.key(n).equals(key)) {
                return n;
            }
        }
        throw new IllegalStateException("no node writes " + key);
    }

    /** The graph output a renamed tensor stands for. */
    private static String original(Map<String, String> renamed, String out) {
        return renamed.entrySet().stream().filter(e -> e.getValue().equals(out) && !renamed.containsValue(e.getKey()))
                .map(Map.Entry::getKey).findFirst().orElse(out);
    }

    private static GraphQuantizer.Range range(Map<String, GraphQuantizer.Range> ranges, String tensor) {
        GraphQuantizer.Range r = ranges == null ? null : ranges.get(tensor);
        if (r == null) {
            throw new IllegalArgumentException("no calibrated range for " + tensor);
        }
        return r;
    }

    /** {@code QuantizeLinear(t) → DequantizeLinear → d}, the scale and zero point as scalar initializers. */
    private static void pair(GraphProto.Builder graph, Set<String> names, String t, String d,
            GraphQuantizer.Range range, List<NodeProto> nodes) {
        String s = GraphIndex.uniqueName(names, t + "_s");
        String z = GraphIndex.uniqueName(names, t + "_z");
        String q = GraphIndex.uniqueName(names, t + "_q");
        graph.addInitializer(Int8Tensors.floatTensor(s, new float[] {range.scale()}, new long[0]));
        graph.addInitializer(Int8Tensors.uint8Scalar(z, range.zeroPoint()));
        nodes.add(Int8Tensors.node("QuantizeLinear", List.of(t, s, z), List.of(q)));
        nodes.add(Int8Tensors.node("DequantizeLinear", List.of(q, s, z), List.of(d)));
    }

    /**
     * The layer {@code b} (its inputs already renamed) with its weight and bias read through DequantizeLinear: a Conv
     * per output channel (axis 0), a Gemm as {@code transB=1} over {@code [N, K]} codes (axis 0, alpha and beta
     * folded), a MatMul over {@code [K, N]} codes (axis 1).
     */
    private static void layer(GraphProto.Builder graph, Set<String> names, String base, Int8Sites.Site site,
            NodeProto.Builder b, float sx, List<NodeProto> nodes, Set<String> replaced) {
        replaced.add(site.node().getInput(1));
        if (site.node().getInputCount() > 2) {
            replaced.add(site.node().getInput(2));
        }
        boolean conv = site.kind() == Int8Sites.Kind.CONV;
        boolean gemm = site.kind() == Int8Sites.Kind.GEMM;
        int n = site.channels();
        Int8Quantization.Codes codes = codes(site);
        String w = GraphIndex.uniqueName(names, base + "_w");
        String ws = GraphIndex.uniqueName(names, base + "_ws");
        String wd = GraphIndex.uniqueName(names, base + "_wd");
        long[] dims = gemm ? new long[] {site.dims()[1], site.dims()[0]} : site.dims();
        graph.addInitializer(Int8Tensors.int8Tensor(w, codes.codes(), dims));
        graph.addInitializer(Int8Tensors.floatTensor(ws, codes.scales(), new long[] {n}));
        List<String> dq = new ArrayList<>(List.of(w, ws));
        if (!conv) {
            // ONNX Runtime fuses DQ → Gemm into QGemm only when the weight's zero point is written (zeros: symmetric).
            String wz = GraphIndex.uniqueName(names, base + "_wz");
            graph.addInitializer(Int8Tensors.int8Tensor(wz, new byte[n], new long[] {n}));
            dq.add(wz);
        }
        nodes.add(Int8Tensors.node("DequantizeLinear", dq, List.of(wd),
                Int8Tensors.intAttribute("axis", site.kind() == Int8Sites.Kind.MATMUL ? 1 : 0)));
        b.setInput(1, wd);
        String bias = bias(graph, names, base, site, sx, codes.scales(), nodes);
        if (conv || gemm) {
            List<String> two = List.copyOf(b.getInputList().subList(0, 2));
            b.clearInput().addAllInput(two);
            if (bias != null) {
                b.addInput(bias);
            }
        }
        if (gemm) {
            List<AttributeProto> kept = new ArrayList<>(b.getAttributeList());
            kept.removeIf(a -> Set.of("alpha", "beta", "transB").contains(a.getName()));
            b.clearAttribute().addAllAttribute(kept).addAttribute(Int8Tensors.intAttribute("transB", 1));
        }
        nodes.add(b.build());
    }

    /**
     * The bias to read: a per-channel constant as int32 codes {@code rint(b / (s_x · s_w))} through DequantizeLinear,
     * another constant as float, a Gemm's computed C as it is; null when there is none.
     */
    private static String bias(GraphProto.Builder graph, Set<String> names, String base, Int8Sites.Site site,
            float sx, float[] scales, List<NodeProto> nodes) {
        if (site.biasTensor() != null) {
            return site.biasTensor();
        }
        if (site.bias() == null) {
            return null;
        }
        int n = site.channels();
        float[] b = site.bias();
        int[] codes = b.length == n || b.length == 1 ? new int[n] : null;
        float[] bs = new float[n];
        for (int j = 0; codes != null && j < n; j++) {
            bs[j] = sx * scales[j];
            double v = Math.rint(b[b.length == 1 ? 0 : j] / (double) bs[j]);
            if (!(Math.abs(v) < Integer.MAX_VALUE) || bs[j] == 0) {
                codes = null;
            } else {
                codes[j] = (int) v;
            }
        }
        if (codes == null) {
            String f = GraphIndex.uniqueName(names, base + "_b");
            graph.addInitializer(Int8Tensors.floatTensor(f, b, site.biasDims()));
            return f;
        }
        String q = GraphIndex.uniqueName(names, base + "_b");
        String s = GraphIndex.uniqueName(names, base + "_bs");
        String d = GraphIndex.uniqueName(names, base + "_bd");
        graph.addInitializer(Int8Tensors.int32Tensor(q, codes, new long[] {n}));
        graph.addInitializer(Int8Tensors.floatTensor(s, bs, new long[] {n}));
        nodes.add(Int8Tensors.node("DequantizeLinear", List.of(q, s), List.of(d), Int8Tensors.intAttribute("axis", 0)));
        return d;
    }

    /**
     * The weight's int8 codes and a scale per output channel ({@code max |w| / 127}, float): a Conv's in its own
     * layout, a Gemm's as {@code [N, K]}, a MatMul's as {@code [K, N]}.
     */
    private static Int8Quantization.Codes codes(Int8Sites.Site site) {
        Int8Quantization.Codes c = Int8Writer.codes(site, false);
        if (site.kind() != Int8Sites.Kind.GEMM) {
            return c;
        }
        int k = (int) site.dims()[0];
        int n = (int) site.dims()[1];
        byte[] t = new byte[k * n];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < n; j++) {
                t[j * k + i] = c.codes()[i * n + j];
            }
        }
        return new Int8Quantization.Codes(t, c.scales());
    }
}
