package org.odf2nna.onnx;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * Finds the layers {@link GraphQuantizer} quantizes: each MatMul, Gemm and Conv of the default domain whose weight is
 * a float constant, with the weight laid out for a scale per output channel; the others are kept float with the
 * reason why.
 */
final class Int8Sites {

    private Int8Sites() {
    }

    enum Kind {
        MATMUL, GEMM, CONV
    }

    /**
     * A layer to quantize.
     *
     * @param node       the node
     * @param name       its name for tables
     * @param kind       what it is
     * @param input      the activation it multiplies
     * @param output     the tensor it writes
     * @param weight     MatMul and Gemm: {@code [K][N]} (Gemm's transB and alpha applied); Conv: {@code [M][rest]}
     * @param dims       MatMul and Gemm: {@code [K, N]}; Conv: the weight's own shape
     * @param added      its bias, or null when it has none
     */
    record Site(NodeProto node, String name, Kind kind, String input, String output, float[] weight, long[] dims,
            Bias added) {

        /** The constant bias ({@code beta · C} for a Gemm, B for a Conv), or null. */
        float[] bias() {
            return added == null ? null : added.values();
        }

        long[] biasDims() {
            return added == null ? null : added.dims();
        }

        /** A Gemm's C computed at run time (beta 1), added as it is; null otherwise. */
        String biasTensor() {
            return added == null ? null : added.tensor();
        }

        long weightElements() {
            return weight.length;
        }

        /** Output channels: N, or a Conv's M. */
        int channels() {
            return (int) (kind == Kind.CONV ? dims[0] : dims[1]);
        }
    }

    /** A layer's bias: constant values of a shape, or a tensor computed at run time. */
    record Bias(float[] values, long[] dims, String tensor) {
    }

    private static final List<String> OPS = List.of("MatMul", "Gemm", "Conv");

    /** The layers to quantize and those kept float. */
    record Found(List<Site> sites, List<GraphQuantizer.Layer> kept) {
    }

    static Found find(GraphIndex g, Map<String, String> keepFloat) {
        List<Site> sites = new ArrayList<>();
        List<GraphQuantizer.Layer> kept = new ArrayList<>();
        for (NodeProto node : g.graph.getNodeList()) {
            if (!OPS.contains(node.getOpType()) || !(node.getDomain().isEmpty() || node.getDomain().equals("ai.onnx"))) {
                subgraphLayers(node, kept);
                continue;
            }
            String name = GraphIndex.displayName(node);
            String why = keepFloat == null ? null : keepFloat.get(GraphIndex.key(node));
            Object found = why != null ? why : site(g, node, name);
            if (found instanceof Site s) {
                sites.add(s);
            } else {
                long weights = node.getInputCount() > 1 && g.isConstant(node.getInput(1))
                        ? OnnxTensors.elementCount(g.constant(node.getInput(1), name)) : 0;
                kept.add(new GraphQuantizer.Layer(name, node.getOpType(), weights, (String) found));
            }
        }
        return new Found(sites, kept);
    }

    /** MatMul, Gemm and Conv nodes inside a subgraph (If, Loop, Scan): reported, left as they are. */
    private static void subgraphLayers(NodeProto node, List<GraphQuantizer.Layer> kept) {
        for (AttributeProto a : node.getAttributeList()) {
            List<GraphProto> graphs = new ArrayList<>(a.getGraphsList());
            if (a.hasG()) {
                graphs.add(a.getG());
            }
            for (GraphProto sub : graphs) {
                for (NodeProto n : sub.getNodeList()) {
                    if (OPS.contains(n.getOpType())) {
                        kept.add(new GraphQuantizer.Layer(GraphIndex.displayName(n), n.getOpType(), 0,
                                "inside a subgraph of " + node.getOpType()));
                    }
                    subgraphLayers(n, kept);
                }
            }
        }
    }

    /** The site, or the reason (a String) the node stays float. */
    private static Object site(GraphIndex g, NodeProto node, String name) {
        if (node.getInputCount() < 2) {
            return "fewer than two inputs";
        }
        String x = node.getInput(0);
        String w = node.getInput(1);
        if (!g.isConstant(w)) {
            return g.isConstant(x) ? "its constant is the first operand (weight times input)"
                    : "no constant weight (it multiplies two computed tensors)";
        }
        if (g.isConstant(x)) {
            return "both operands are constants";
        }
        TensorProto t = g.constant(w, name);
        if (t.getDataType() != OnnxTensors.FLOAT && t.getDataType() != OnnxTensors.DOUBLE) {
            return "its weight is " + OnnxTensors.typeName(t.getDataType()) + ", not float";
        }
        float[] values = OnnxTensors.floats(t, g.file, "weight '" + w + "' of " + GraphIndex.describe(node));
        long[] dims = OnnxTensors.dims(t);
        return switch (node.getOpType()) {
            case "MatMul" -> dims.length != 2 ? "its weight has rank " + dims.length + " (only matrices are quantized)"
                    : new Site(node, name, Kind.MATMUL, x, node.getOutput(0), values, dims, null);
            case "Gemm" -> gemm(g, node, name, values, dims);
            default -> conv(g, node, name, values, dims);
        };
    }

    private static Object gemm(GraphIndex g, NodeProto node, String name, float[] b, long[] dims) {
        if (NodeAttributes.intAttribute(node, "transA", 0) != 0) {
            return "transA=1 (its input is transposed)";
        }
        boolean transB = NodeAttributes.intAttribute(node, "transB", 0) != 0;
        float alpha = NodeAttributes.floatAttribute(node, "alpha", 1f);
        int k = (int) (transB ? dims[1] : dims[0]);
        int n = (int) (transB ? dims[0] : dims[1]);
        float[] w = new float[k * n];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < n; j++) {
                w[i * n + j] = alpha * (transB ? b[j * k + i] : b[i * n + j]);
            }
        }
        String c = node.getInputCount() > 2 ? node.getInput(2) : "";
        float beta = NodeAttributes.floatAttribute(node, "beta", 1f);
        if (c.isEmpty()) {
            return new Site(node, name, Kind.GEMM, node.getInput(0), node.getOutput(0), w, new long[] {k, n}, null);
        }
        if (!g.isConstant(c)) {
            return beta != 1f ? "its C is computed at run time and scaled by beta" : new Site(node, name, Kind.GEMM,
                    node.getInput(0), node.getOutput(0), w, new long[] {k, n}, new Bias(null, null, c));
        }
        TensorProto ct = g.constant(c, name);
        float[] bias = OnnxTensors.floats(ct, g.file, "C '" + c + "' of " + GraphIndex.describe(node));
        for (int i = 0; i < bias.length; i++) {
            bias[i] *= beta;
        }
        return new Site(node, name, Kind.GEMM, node.getInput(0), node.getOutput(0), w, new long[] {k, n},
                new Bias(bias, OnnxTensors.dims(ct), null));
    }

    private static Object conv(GraphIndex g, NodeProto node, String name, float[] w, long[] dims) {
        if (dims.length < 3) {
            return "its weight has rank " + dims.length;
        }
        if (node.getInputCount() < 3 || node.getInput(2).isEmpty()) {
            return new Site(node, name, Kind.CONV, node.getInput(0), node.getOutput(0), w, dims, null);
        }
        String b = node.getInput(2);
        if (!g.isConstant(b)) {
            return "its bias is computed at run time";
        }
        TensorProto bt = g.constant(b, name);
        float[] bias = OnnxTensors.floats(bt, g.file, "bias '" + b + "' of " + GraphIndex.describe(node));
        return new Site(node, name, Kind.CONV, node.getInput(0), node.getOutput(0), w, dims,
                new Bias(bias, OnnxTensors.dims(bt), null));
    }
}
