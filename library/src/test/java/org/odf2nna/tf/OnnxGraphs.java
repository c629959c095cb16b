package org.odf2nna.tf;

import java.util.Random;
import org.odf2nna.onnx.TestModels;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/** ONNX graphs built in code for the translation tests: nodes, initializers, one float input of [batch, width]. */
final class OnnxGraphs {

    static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    static final int INT64 = TensorProto.DataType.INT64_VALUE;

    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("g");
    private final long opset;
    private final Random random = new Random(11);

    OnnxGraphs(long opset, String input, long... dims) {
        this(opset, FLOAT, input, dims);
    }

    /** A graph whose input has element type {@code type} (INT64 for token ids). */
    OnnxGraphs(long opset, int type, String input, long... dims) {
        this.opset = opset;
        long[] shape = new long[dims.length + 1];
        shape[0] = -1;
        System.arraycopy(dims, 0, shape, 1, dims.length);
        graph.addInput(TestModels.valueInfo(input, type, shape));
    }

    /** A node of several outputs. */
    OnnxGraphs node(String op, String[] inputs, String[] outputs, AttributeProto... attrs) {
        node(op, inputs, outputs[0], attrs);
        NodeProto.Builder n = graph.getNodeBuilder(graph.getNodeCount() - 1);
        for (int i = 1; i < outputs.length; i++) {
            n.addOutput(outputs[i]);
        }
        return this;
    }

    OnnxGraphs node(String op, String[] inputs, String output, AttributeProto... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(op + "_" + graph.getNodeCount())
                .addOutput(output);
        for (String in : inputs) {
            n.addInput(in);
        }
        for (AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return this;
    }

    /** A float initializer of random values (scale {@code scale}, shifted by {@code shift}). */
    OnnxGraphs weights(String name, float scale, float shift, long... dims) {
        int n = 1;
        for (long d : dims) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = shift + scale * (float) random.nextGaussian();
        }
        graph.addInitializer(TestModels.floatTensor(name, v, dims));
        return this;
    }

    OnnxGraphs ints(String name, long... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(INT64).addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        graph.addInitializer(t);
        return this;
    }

    OnnxGraphs output(String name) {
        graph.addOutput(TestModels.valueInfo(name, FLOAT, new long[0]).toBuilder().clearType()
                .setType(org.odf2nna.onnx.proto.OnnxProto.TypeProto.newBuilder().setTensorType(
                        org.odf2nna.onnx.proto.OnnxProto.TypeProto.Tensor.newBuilder().setElemType(FLOAT))).build());
        return this;
    }

    ModelProto model() {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).setGraph(graph)
                .build();
    }

    static AttributeProto i(String name, long v) {
        return TestModels.attr(name, v);
    }

    static AttributeProto f(String name, float v) {
        return TestModels.floatAttr(name, v);
    }

    static AttributeProto list(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    static AttributeProto s(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(v)).build();
    }

    /** A tensor attribute (Constant's and ConstantOfShape's value). */
    static AttributeProto t(String name, TensorProto value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR).setT(value)
                .build();
    }

    static String[] in(String... names) {
        return names;
    }
}
