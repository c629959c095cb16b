package org.odf2nna.tf.graphdef;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Graphs built here as Keras 3 writes them (a signature wrapper calling the layers' function, variables read through
 * ReadVariableOp of resource arguments), translated and run in ONNX Runtime against values worked out by hand.
 */
class FunctionTranslatorTest {

    private static final Path SOURCE = Path.of("built-in-test");

    @Test
    void denseLayerWithBatchNormalizationIsOneFoldedMatMulAndBias() {
        // x [batch, 2] · W [2, 2] + b, then BatchNormalization as Keras 3 writes it: x·c + (β − μ·c), c = γ/√(σ²+ε).
        FunctionDef inner = function("__inference_call_1", List.of("x", "w_resource", "b_resource", "gamma", "beta",
                        "mean", "variance"),
                node("w", "ReadVariableOp", "w_resource"),
                node("MatMul", "MatMul", "x", "w:value:0"),
                node("b", "ReadVariableOp", "b_resource"),
                node("BiasAdd", "BiasAdd", "MatMul:product:0", "b:value:0"),
                constant("eps", new float[] {0.001f}, new long[0]),
                node("add", "AddV2", "variance", "eps:output:0"),
                node("Rsqrt", "Rsqrt", "add:z:0"),
                node("mul", "Mul", "Rsqrt:y:0", "gamma"),
                node("mul_1", "Mul", "BiasAdd:output:0", "mul:z:0"),
                node("mul_2", "Mul", "mean", "mul:z:0"),
                node("sub", "Sub", "beta", "mul_2:z:0"),
                node("add_1", "AddV2", "mul_1:z:0", "sub:z:0"),
                node("Relu", "Relu", "add_1:z:0"),
                node("Identity", "Identity", "Relu:activations:0", "^NoOp"),
                node("NoOp", "NoOp"));
        FunctionDef wrapper = wrapper(inner, 7);
        float[] w = {1, 2, 3, 4};
        float[] b = {0.5f, -1};
        float[] gamma = {2, 1};
        float[] beta = {0, 1};
        float[] mean = {1, 0};
        float[] variance = {3.999f, 0.999f};
        ModelProto model = FunctionTranslator.translate(List.of(wrapper, inner), wrapper.getSignature().getName(), 0,
                "x", new long[] {-1, 2}, List.of(TfValue.floats(new long[] {2, 2}, w), vector(b), vector(gamma),
                        vector(beta), vector(mean), vector(variance)), "output", "test");
        List<String> ops = model.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
        assertEquals(List.of("MatMul", "Add", "Relu"), ops, "the normalisation folded into the layer");
        float[] x = {1, 1, -2, 0.5f};
        float[] expected = new float[4];
        for (int r = 0; r < 2; r++) {
            for (int u = 0; u < 2; u++) {
                double z = x[2 * r] * w[u] + x[2 * r + 1] * w[2 + u] + b[u];
                double c = gamma[u] / Math.sqrt(variance[u] + 0.001);
                expected[2 * r + u] = (float) Math.max(0, z * c + beta[u] - mean[u] * c);
            }
        }
        assertArrayEquals(expected, run(model, new long[] {-1, 2}, x, 2, 2), 1e-5f);
    }

    @Test
    void convolutionPoolingAndKerasFlattenRunAsTensorFlowComputesThem() {
        // [1, 3, 3, 1] image, a 2×2 kernel of ones (VALID): window sums [[12, 16], [24, 28]]; plus bias 1 through
        // Keras 3's Reshape/Squeeze of the bias; MaxPool 2×2 SAME of that: 29; Flatten as Shape → StridedSlice → Pack.
        FunctionDef inner = function("__inference_call_2", List.of("x", "k_resource", "bias_resource"),
                node("k", "ReadVariableOp", "k_resource"),
                attr(attr(node("conv", "Conv2D", "x", "k:value:0"), "strides", ints(1, 1, 1, 1)), "padding",
                        string("VALID")),
                node("bias", "ReadVariableOp", "bias_resource"),
                intConstant("bias_shape", new long[] {1, 1, 1, 1}),
                node("bias_4d", "Reshape", "bias:value:0", "bias_shape:output:0"),
                attr(node("bias_1d", "Squeeze", "bias_4d:output:0"), "squeeze_dims", ints(0, 1, 2)),
                node("BiasAdd", "BiasAdd", "conv:output:0", "bias_1d:output:0"),
                attr(attr(attr(node("pool", "MaxPool", "BiasAdd:output:0"), "ksize", ints(1, 2, 2, 1)),
                        "strides", ints(1, 2, 2, 1)), "padding", string("SAME")),
                node("Shape", "Shape", "pool:output:0"),
                intConstant("begin", new long[] {0}),
                intConstant("end", new long[] {1}),
                intConstant("stride", new long[] {1}),
                attr(node("slice", "StridedSlice", "Shape:output:0", "begin:output:0", "end:output:0",
                        "stride:output:0"), "shrink_axis_mask", AttrValue.newBuilder().setI(1).build()),
                intConstant("width", new long[] {1}, new long[0]),
                node("pack", "Pack", "slice:output:0", "width:output:0"),
                node("flat", "Reshape", "pool:output:0", "pack:output:0"),
                node("Identity", "Identity", "flat:output:0"));
        FunctionDef wrapper = wrapper(inner, 3);
        ModelProto model = FunctionTranslator.translate(List.of(wrapper, inner), wrapper.getSignature().getName(), 0,
                "image", new long[] {-1, 3, 3, 1}, List.of(TfValue.floats(new long[] {2, 2, 1, 1},
                        new float[] {1, 1, 1, 1}), vector(new float[] {1})), "output", "test");
        List<String> ops = model.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
        assertFalse(ops.contains("Add"), "the bias went into the Conv: " + ops);
        float[] image = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        assertArrayEquals(new float[] {29}, run(model, new long[] {-1, 3, 3, 1}, image, 1, 9), 1e-5f);
    }

    @Test
    void batchNormalizationAfterAConvolutionIsFoldedIntoItsKernel() {
        // A 1×1 kernel of 2, then FusedBatchNormV3 (γ 3, β 1, μ 0.5, σ² + ε = 4): (2x − 0.5)·1.5 + 1 = 3x + 0.25.
        FunctionDef inner = function("__inference_call_4", List.of("x", "k", "gamma", "beta", "mean", "variance"),
                attr(attr(node("conv", "Conv2D", "x", "k"), "strides", ints(1, 1, 1, 1)), "padding",
                        string("VALID")),
                attr(attr(node("bn", "FusedBatchNormV3", "conv:output:0", "gamma", "beta", "mean", "variance"),
                        "is_training", AttrValue.newBuilder().setB(false).build()), "epsilon",
                        AttrValue.newBuilder().setF(0.001f).build()),
                node("Relu", "Relu", "bn:y:0"),
                node("Identity", "Identity", "Relu:activations:0"));
        FunctionDef wrapper = wrapper(inner, 6);
        ModelProto model = FunctionTranslator.translate(List.of(wrapper, inner), wrapper.getSignature().getName(), 0,
                "image", new long[] {-1, 2, 2, 1}, List.of(TfValue.floats(new long[] {1, 1, 1, 1}, new float[] {2}),
                        vector(new float[] {3}), vector(new float[] {1}), vector(new float[] {0.5f}),
                        vector(new float[] {3.999f})), "output", "test");
        List<String> ops = model.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
        assertEquals(List.of("Transpose", "Conv", "Relu", "Transpose"), ops);
        assertArrayEquals(new float[] {3.25f, 0, 6.25f, 0.25f}, run(model, new long[] {-1, 2, 2, 1},
                new float[] {1, -1, 2, 0}, 1, 4), 1e-5f);
    }

    @Test
    void anOpWithoutTranslatorIsNamedWithItsFunctionAndNode() {
        FunctionDef inner = function("__inference_call_3", List.of("x"),
                node("odd", "Cumsum", "x"),
                node("Identity", "Identity", "odd:out:0"));
        FunctionDef wrapper = wrapper(inner, 1);
        TfTranslationException e = assertThrows(TfTranslationException.class, () -> FunctionTranslator.translate(
                List.of(wrapper, inner), wrapper.getSignature().getName(), 0, "x", new long[] {-1, 2}, List.of(),
                "output", "test"));
        assertTrue(e.getMessage().startsWith("function '__inference_call_3', node 'odd' (Cumsum): op Cumsum is not "
                + "translated; supported: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void everyOpTheBriefNamesHasATranslator() {
        for (String op : List.of("MatMul", "BiasAdd", "AddV2", "Add", "Sub", "Mul", "RealDiv", "Maximum", "Minimum",
                "Relu", "Relu6", "Elu", "Selu", "Sigmoid", "Tanh", "Softplus", "Softmax", "LogSoftmax", "LeakyRelu",
                "Erf", "Identity", "IdentityN", "Cast", "Reshape", "Squeeze", "ExpandDims", "Conv2D",
                "DepthwiseConv2dNative", "MaxPool", "AvgPool", "Mean", "Max", "ConcatV2", "Pad", "Rsqrt", "Sqrt",
                "Square", "FusedBatchNormV3", "Const", "Shape", "StridedSlice", "Pack")) {
            assertTrue(TfTranslators.supported().contains(op), op);
        }
    }

    @Test
    void erfMatchesKnownValues() {
        assertEquals(0.8427007929497149, MathOps.erf(1), 1e-12);
        assertEquals(-0.9953222650189527, MathOps.erf(-2), 1e-12);
        assertEquals(0.9999999845827421, MathOps.erf(4), 1e-12);
    }

    private static float[] run(ModelProto model, long[] shape, float[] x, int rows, int perRow) {
        try (OnnxRunner runner = OnnxRunner.open(model, new InputSignature(model.getGraph().getInput(0).getName(),
                1, shape), Device.CPU, SOURCE)) {
            return runner.run(x, rows, perRow, List.of("output")).get("output");
        }
    }

    private static TfValue vector(float[] v) {
        return TfValue.floats(new long[] {v.length}, v);
    }

    /** A signature wrapper: a StatefulPartitionedCall of {@code inner} with all its arguments, then Identity. */
    private static FunctionDef wrapper(FunctionDef inner, int arguments) {
        List<String> args = new java.util.ArrayList<>();
        args.add("input");
        for (int i = 1; i < arguments; i++) {
            args.add("unknown_" + i);
        }
        NodeDef call = NodeDef.newBuilder().setName("StatefulPartitionedCall").setOp("StatefulPartitionedCall")
                .addAllInput(args).putAttr("f", AttrValue.newBuilder().setFunc(NameAttrList.newBuilder()
                        .setName(inner.getSignature().getName())).build()).build();
        return function("__inference_signature_wrapper_9", args, call,
                node("Identity", "Identity", "StatefulPartitionedCall:output:0"));
    }

    private static FunctionDef function(String name, List<String> inputs, NodeDef... nodes) {
        OpDef.Builder signature = OpDef.newBuilder().setName(name);
        inputs.forEach(i -> signature.addInputArg(OpDef.ArgDef.newBuilder().setName(i)));
        signature.addOutputArg(OpDef.ArgDef.newBuilder().setName("identity"));
        return FunctionDef.newBuilder().setSignature(signature).addAllNodeDef(List.of(nodes))
                .putRet("identity", "Identity:output:0").build();
    }

    private static NodeDef node(String name, String op, String... inputs) {
        return NodeDef.newBuilder().setName(name).setOp(op).addAllInput(List.of(inputs)).build();
    }

    private static NodeDef attr(NodeDef node, String name, AttrValue value) {
        return node.toBuilder().putAttr(name, value).build();
    }

    private static AttrValue ints(long... values) {
        AttrValue.ListValue.Builder list = AttrValue.ListValue.newBuilder();
        for (long v : values) {
            list.addI(v);
        }
        return AttrValue.newBuilder().setList(list).build();
    }

    private static AttrValue string(String s) {
        return AttrValue.newBuilder().setS(ByteString.copyFromUtf8(s)).build();
    }

    private static NodeDef constant(String name, float[] values, long[] shape) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buffer.putFloat(v);
        }
        buffer.flip();
        return NodeDef.newBuilder().setName(name).setOp("Const").putAttr("value", AttrValue.newBuilder().setTensor(
                TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape(shape))
                        .setTensorContent(ByteString.copyFrom(buffer))).build()).build();
    }

    private static NodeDef intConstant(String name, long[] values) {
        return intConstant(name, values, new long[] {values.length});
    }

    private static NodeDef intConstant(String name, long[] values, long[] shape) {
        TensorProto.Builder t = TensorProto.newBuilder().setDtype(DataType.DT_INT32).setTensorShape(shape(shape));
        for (long v : values) {
            t.addIntVal((int) v);
        }
        return NodeDef.newBuilder().setName(name).setOp("Const").putAttr("value", AttrValue.newBuilder().setTensor(t)
                .build()).build();
    }

    private static TensorShapeProto shape(long[] dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) {
            s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        return s.build();
    }
}
