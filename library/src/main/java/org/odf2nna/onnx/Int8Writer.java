package org.odf2nna.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.network.Int8Quantization;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * Writes the int8 form of each {@link Int8Sites.Site} into a graph in place of its node ({@link GraphQuantizer}
 * describes both forms); {@link #finish} puts the chains in, joins static QGemm chains, and removes what the old
 * weights left unread.
 */
final class Int8Writer {

    private final GraphProto.Builder graph;
    private final Set<String> names;
    private final Map<String, List<NodeProto>> chains = new HashMap<>();
    private final Set<String> replacedWeights = new HashSet<>();
    private int count;
    private boolean contrib;

    Int8Writer(GraphProto.Builder graph, Set<String> names) {
        this.graph = graph;
        this.names = names;
    }

    boolean usesContribOps() {
        return contrib;
    }

    private String name(String suffix) {
        return GraphIndex.uniqueName(names, "Q" + count + "_" + suffix);
    }

    /** {@code DynamicQuantizeLinear → MatMulInteger | ConvInteger → Cast → Mul(·, Mul(x_scale, s)) [→ Add(bias)]}. */
    void dynamic(Int8Sites.Site site) {
        count++;
        List<NodeProto> chain = new ArrayList<>();
        boolean conv = site.kind() == Int8Sites.Kind.CONV;
        Int8Quantization.Codes codes = codes(site, true);
        String q = name("w");
        graph.addInitializer(Int8Tensors.int8Tensor(q, codes.codes(), site.dims()));
        String s = Int8Tensors.scales(graph, names, name("s"), "Q" + count, codes.scales(), scaleDims(site), chain);
        String xq = name("xq");
        String xs = name("xs");
        String xz = name("xz");
        String acc = name("acc");
        String accf = name("accf");
        String m = name("m");
        String biasTensor = dynamicBias(site);
        String product = biasTensor == null ? site.output() : name("y");
        chain.add(Int8Tensors.node("DynamicQuantizeLinear", List.of(site.input()), List.of(xq, xs, xz)));
        NodeProto.Builder integer = Int8Tensors.node(conv ? "ConvInteger" : "MatMulInteger", List.of(xq, q, xz),
                List.of(acc)).toBuilder();
        if (conv) {
            convAttributes(site.node(), integer);
        }
        chain.add(integer.build());
        chain.add(Int8Tensors.castToFloat(acc, accf));
        chain.add(Int8Tensors.node("Mul", List.of(xs, s), List.of(m)));
        chain.add(Int8Tensors.node("Mul", List.of(accf, m), List.of(product)));
        if (biasTensor != null) {
            chain.add(Int8Tensors.node("Add", List.of(product, biasTensor), List.of(site.output())));
        }
        put(site, chain);
    }

    /** The bias tensor to add after the product: a Conv's as {@code [M, 1, ...]}, a Gemm's beta · C or its C. */
    private String dynamicBias(Int8Sites.Site site) {
        if (site.biasTensor() != null) {
            return site.biasTensor();
        }
        if (site.bias() == null) {
            return null;
        }
        String b = name("b");
        long[] dims = site.kind() == Int8Sites.Kind.CONV ? scaleDims(site) : site.biasDims();
        graph.addInitializer(Int8Tensors.floatTensor(b, site.bias(), dims));
        return b;
    }

    /**
     * The static form: a two-dimensional input into {@code QuantizeLinear → QGemm} (int32 bias, float output), any
     * other MatMul into QuantizeLinear/DequantizeLinear pairs around it, a Conv into pairs on its input and output.
     */
    void statically(Int8Sites.Site site, GraphQuantizer.Range in, GraphQuantizer.Range out) {
        count++;
        List<NodeProto> chain = new ArrayList<>();
        Int8Quantization.Codes codes = codes(site, false);
        float sx = in.scale();
        String xs = name("xs");
        String xz = name("xz");
        String xq = name("xq");
        graph.addInitializer(Int8Tensors.floatTensor(xs, new float[] {sx}, new long[0]));
        graph.addInitializer(Int8Tensors.uint8Scalar(xz, in.zeroPoint()));
        chain.add(Int8Tensors.node("QuantizeLinear", List.of(site.input(), xs, xz), List.of(xq)));
        if (site.kind() != Int8Sites.Kind.CONV && in.rank() == 2) {
            qgemm(site, codes, sx, List.of(xq, xs, xz), chain);
        } else {
            String xd = name("xd");
            chain.add(Int8Tensors.node("DequantizeLinear", List.of(xq, xs, xz), List.of(xd)));
            qdq(site, codes, sx, xd, out, chain);
        }
        put(site, chain);
    }

    private void qgemm(Int8Sites.Site site, Int8Quantization.Codes codes, float sx, List<String> x,
            List<NodeProto> chain) {
        contrib = true;
        int n = site.channels();
        String z = name("wz");
        graph.addInitializer(Int8Tensors.int8Tensor(z, new byte[n], new long[] {n}));
        List<String> inputs = new ArrayList<>(x);
        inputs.addAll(weightAndScales(site, codes));
        inputs.add(z);
        int[] bias = site.bias() == null ? null : integerBias(site.bias(), n, sx, codes.scales());
        String after = site.biasTensor();
        if (bias != null) {
            String c = name("b");
            graph.addInitializer(Int8Tensors.int32Tensor(c, bias, new long[] {n}));
            inputs.add(c);
        } else if (site.bias() != null) {
            after = name("bf");
            graph.addInitializer(Int8Tensors.floatTensor(after, site.bias(), site.biasDims()));
        }
        String product = after == null ? site.output() : name("y");
        chain.add(NodeProto.newBuilder().setOpType("QGemm").setDomain(GraphQuantizer.MS_DOMAIN).addAllInput(inputs)
                .addOutput(product).addAttribute(Int8Tensors.floatAttribute("alpha", 1f)).build());
        if (after != null) {
            chain.add(Int8Tensors.node("Add", List.of(product, after), List.of(site.output())));
        }
    }

    /** The int8 weight in the site's layout and its float scales, one per output channel, as new initializers. */
    private List<String> weightAndScales(Int8Sites.Site site, Int8Quantization.Codes codes) {
        String q = name("w");
        String s = name("s");
        graph.addInitializer(Int8Tensors.int8Tensor(q, codes.codes(), site.dims()));
        graph.addInitializer(Int8Tensors.floatTensor(s, codes.scales(), new long[] {site.channels()}));
        return List.of(q, s);
    }

    /**
     * A per-column bias as QGemm's int32 C, {@code rint(b_j / (sx · s_j))}; null when the bias is not one value per
     * column (it is then added in float) or a code would not fit in int32.
     */
    private static int[] integerBias(float[] bias, int n, float sx, float[] scales) {
        if (bias.length != n && bias.length != 1) {
            return null;
        }
        int[] c = new int[n];
        for (int j = 0; j < n; j++) {
            double v = Math.rint(bias[bias.length == 1 ? 0 : j] / (double) (sx * scales[j]));
            if (!(Math.abs(v) < Integer.MAX_VALUE)) {
                return null;
            }
            c[j] = (int) v;
        }
        return c;
    }

    /** DequantizeLinear of the weight (and a Conv's int32 bias) into the float op; a Conv's output through a pair. */
    private void qdq(Int8Sites.Site site, Int8Quantization.Codes codes, float sx, String xd, GraphQuantizer.Range out,
            List<NodeProto> chain) {
        boolean conv = site.kind() == Int8Sites.Kind.CONV;
        int n = site.channels();
        String wd = name("wd");
        chain.add(Int8Tensors.node("DequantizeLinear", weightAndScales(site, codes), List.of(wd),
                Int8Tensors.intAttribute("axis", conv ? 0 : 1)));
        if (!conv) {
            chain.add(Int8Tensors.node("MatMul", List.of(xd, wd), List.of(site.output())));
            return;
        }
        List<String> inputs = new ArrayList<>(List.of(xd, wd));
        int[] bias = site.bias() == null ? null : integerBias(site.bias(), n, sx, codes.scales());
        if (bias != null) {
            float[] bs = new float[n];
            for (int j = 0; j < n; j++) {
                bs[j] = sx * codes.scales()[j];
            }
            String b = name("b");
            String bsn = name("bs");
            String bd = name("bd");
            graph.addInitializer(Int8Tensors.int32Tensor(b, bias, new long[] {n}));
            graph.addInitializer(Int8Tensors.floatTensor(bsn, bs, new long[] {n}));
            chain.add(Int8Tensors.node("DequantizeLinear", List.of(b, bsn), List.of(bd),
                    Int8Tensors.intAttribute("axis", 0)));
            inputs.add(bd);
        } else if (site.bias() != null) {
            String bf = name("bf");
            graph.addInitializer(Int8Tensors.floatTensor(bf, site.bias(), site.biasDims()));
            inputs.add(bf);
        }
        String y = name("y");
        String ys = name("ys");
        String yz = name("yz");
        String yq = name("yq");
        NodeProto.Builder c = Int8Tensors.node("Conv", inputs, List.of(y)).toBuilder();
        convAttributes(site.node(), c);
        chain.add(c.build());
        graph.addInitializer(Int8Tensors.floatTensor(ys, new float[] {out.scale()}, new long[0]));
        graph.addInitializer(Int8Tensors.uint8Scalar(yz, out.zeroPoint()));
        chain.add(Int8Tensors.node("QuantizeLinear", List.of(y, ys, yz), List.of(yq)));
        chain.add(Int8Tensors.node("DequantizeLinear", List.of(yq, ys, yz), List.of(site.output())));
    }

    /**
     * The weight's int8 codes and a scale per output channel: MatMul and Gemm per column of {@code [K][N]}; Conv per
     * output channel (its first axis), the codes kept in the weight's own layout.
     */
    static Int8Quantization.Codes codes(Int8Sites.Site site, boolean half) {
        if (site.kind() != Int8Sites.Kind.CONV) {
            return Int8Quantization.columns(site.weight(), (int) site.dims()[0], (int) site.dims()[1], half);
        }
        int m = site.channels();
        int rest = site.weight().length / m;
        float[] t = new float[site.weight().length];
        for (int o = 0; o < m; o++) {
            for (int r = 0; r < rest; r++) {
                t[r * m + o] = site.weight()[o * rest + r];
            }
        }
        Int8Quantization.Codes c = Int8Quantization.columns(t, rest, m, half);
        byte[] codes = new byte[t.length];
        for (int o = 0; o < m; o++) {
            for (int r = 0; r < rest; r++) {
                codes[o * rest + r] = c.codes()[r * m + o];
            }
        }
        return new Int8Quantization.Codes(codes, c.scales());
    }

    /** Per-channel scales' shape: {@code [N]}, or {@code [M, 1, ...]} to broadcast over a Conv's output. */
    private static long[] scaleDims(Int8Sites.Site site) {
        if (site.kind() != Int8Sites.Kind.CONV) {
            return new long[] {site.channels()};
        }
        long[] d = new long[site.dims().length - 1];
        java.util.Arrays.fill(d, 1);
        d[0] = site.channels();
        return d;
    }

    private static void convAttributes(NodeProto conv, NodeProto.Builder into) {
        for (AttributeProto a : conv.getAttributeList()) {
            into.addAttribute(a);
        }
    }

    private void put(Int8Sites.Site site, List<NodeProto> chain) {
        chains.put(GraphIndex.key(site.node()), chain);
        replacedWeights.add(site.node().getInput(1));
        if (site.node().getInputCount() > 2) {
            replacedWeights.add(site.node().getInput(2));
        }
    }

    /** Puts the chains in place of their nodes, joins QGemm chains, and drops the constants nobody reads now. */
    void finish() {
        List<NodeProto> nodes = new ArrayList<>();
        for (NodeProto n : graph.getNodeList()) {
            List<NodeProto> chain = chains.get(GraphIndex.key(n));
            if (chain != null) {
                nodes.addAll(chain);
            } else {
                nodes.add(n);
            }
        }
        nodes = QGemmChains.join(nodes, graph);
        graph.clearNode().addAllNode(dropUnreadConstants(nodes));
        Int8Weights.dropUnused(graph, replacedWeights);
    }

    /** Removes Constant and DequantizeLinear nodes that wrote a replaced weight and that nothing reads now. */
    private List<NodeProto> dropUnreadConstants(List<NodeProto> nodes) {
        Set<String> read = new HashSet<>();
        nodes.forEach(n -> read.addAll(n.getInputList()));
        graph.getOutputList().forEach(o -> read.add(o.getName()));
        List<NodeProto> kept = new ArrayList<>();
        for (NodeProto n : nodes) {
            boolean constant = n.getOpType().equals("Constant") || n.getOpType().equals("DequantizeLinear");
            if (constant && n.getOutputCount() == 1 && replacedWeights.contains(n.getOutput(0))
                    && !read.contains(n.getOutput(0))) {
                replacedWeights.addAll(n.getInputList());
                continue;
            }
            kept.add(n);
        }
        return kept;
    }

    /** Whether a tensor holds the value 0 as a uint8 scalar initializer. */
    static boolean isZeroPoint(GraphProto.Builder graph, String name) {
        for (TensorProto t : graph.getInitializerList()) {
            if (t.getName().equals(name)) {
                return t.getDataType() == TensorProto.DataType.UINT8_VALUE && t.getRawData().size() == 1
                        && t.getRawData().byteAt(0) == 0;
            }
        }
        return false;
    }
}
