package org.odf2nna.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.lang.reflect.Array;
import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Map;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.odf2nna.onnx.proto.OnnxProto.TypeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;
import org.odf2nna.prune.DenseProduct;

/** Matrix products by ONNX Runtime's MatMul and Gemm in double or float (small sessions, any sizes). */
public final class OnnxProduct implements DenseProduct {

    /** Double MatMul, double Gemm with transB, float MatMul, float Gemm with transB: each opened on first use. */
    private final OrtSession[] sessions = new OrtSession[4];

    private OnnxProduct() {
    }

    /**
     * A product whose sessions (on the CPU: the products are a few per layer and the sizes change each time) open on
     * first use: opening one costs nothing until a product is asked of it.
     */
    public static OnnxProduct open() {
        return new OnnxProduct();
    }

    private synchronized OrtSession session(int which) {
        if (sessions[which] == null) {
            NodeProto.Builder node = which % 2 == 0 ? NodeProto.newBuilder().setOpType("MatMul").setName("MatMul")
                    // Gemm with transB reads B's rows as they lie (A·Bᵀ), no transposed copy.
                    : NodeProto.newBuilder().setOpType("Gemm").setName("Gemm").addAttribute(AttributeProto
                            .newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT).setI(1));
            sessions[which] = session(node, which < 2 ? OnnxTensors.DOUBLE : OnnxTensors.FLOAT);
        }
        return sessions[which];
    }

    private static OrtSession session(NodeProto.Builder node, int type) {
        GraphProto.Builder graph = GraphProto.newBuilder().setName("odf2nna_product")
                .addInput(matrix("a", type)).addInput(matrix("b", type)).addOutput(matrix("c", type))
                .addNode(node.addInput("a").addInput("b").addOutput("c"));
        ModelProto model = ModelProto.newBuilder().setIrVersion(OnnxModelBuilder.IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OnnxModelBuilder.OPSET))
                .setGraph(graph).build();
        try (OrtSession.SessionOptions options = OnnxRunner.workOptions()) {
            return OnnxRunner.environment().createSession(model.toByteArray(), options);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot open a " + node.getOpType() + " session: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public double[] multiply(double[] a, int rows, int inner, double[] b, int cols) {
        return run(session(0), a, rows, inner, b, new long[] {inner, cols}, cols);
    }

    @Override
    public double[] multiplyTransposed(double[] a, int rows, int inner, double[] b, int cols) {
        return run(session(1), a, rows, inner, b, new long[] {cols, inner}, cols);
    }

    /** B's weights widened as they are staged (InputStaging.widened): no double copy of them on the heap. */
    @Override
    public double[] multiplyWidened(double[] a, int rows, int inner, float[] b, int cols) {
        try (OnnxTensor tb = InputStaging.widened(1, b, 0, inner * cols, new long[] {inner, cols})) {
            return run(session(0), a, rows, inner, tb, cols);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime's product failed: " + e.getMessage(), e);
        }
    }

    private static double[] run(OrtSession session, double[] a, int rows, int inner, double[] b, long[] bShape,
            int cols) {
        try (OnnxTensor tb = InputStaging.doubles(1, b, 0, inner * cols, bShape)) {
            return run(session, a, rows, inner, tb, cols);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime's product failed: " + e.getMessage(), e);
        }
    }

    private static double[] run(OrtSession session, double[] a, int rows, int inner, OnnxTensor tb, int cols)
            throws OrtException {
        try (OnnxTensor ta = InputStaging.doubles(0, a, 0, rows * inner, new long[] {rows, inner});
             OrtSession.Result result = session.run(Map.of("a", ta, "b", tb))) {
            DoubleBuffer c = ((OnnxTensor) result.get(0)).getDoubleBuffer();
            return isWhole(c, rows * cols) ? c.array() : copy(c, new double[rows * cols]);
        }
    }

    /**
     * A·B in float ({@code a}: rows × inner, {@code b}: inner × cols), for sums of centred samples that are added up in
     * double across batches: ONNX Runtime's float MatMul runs about twice as fast as its double one (twice the lanes
     * a vector), and a batch's few thousand terms lose less than the least-squares ridge (10⁻⁶ of the mean variance)
     * to float's rounding.
     */
    public float[] multiplyFloats(float[] a, int rows, int inner, float[] b, int cols) {
        return runFloats(session(2), a, rows, inner, b, new long[] {inner, cols}, cols);
    }

    /** A·Bᵀ in float ({@code b}: cols × inner), as {@link #multiplyFloats}: a Gram matrix XᵀX is xT·xTᵀ. */
    public float[] multiplyFloatsTransposed(float[] a, int rows, int inner, float[] b, int cols) {
        return runFloats(session(3), a, rows, inner, b, new long[] {cols, inner}, cols);
    }

    private static float[] runFloats(OrtSession session, float[] a, int rows, int inner, float[] b, long[] bShape,
            int cols) {
        try (OnnxTensor ta = InputStaging.floats(0, a, 0, rows * inner, new long[] {rows, inner});
             OnnxTensor tb = InputStaging.floats(1, b, 0, inner * cols, bShape);
             OrtSession.Result result = session.run(Map.of("a", ta, "b", tb))) {
            FloatBuffer c = ((OnnxTensor) result.get(0)).getFloatBuffer();
            return isWhole(c, rows * cols) ? c.array() : copy(c, new float[rows * cols]);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime's product failed: " + e.getMessage(), e);
        }
    }

    /**
     * Whether ONNX Runtime's copy of the output, {@code c}, is a heap buffer over an array of its own holding exactly
     * the {@code size} values: that array is then the result, not copied again (a 4,096-wide product's 128 MB). Serves
     * the double and the float products.
     */
    private static boolean isWhole(Buffer c, int size) {
        return c.hasArray() && c.arrayOffset() == 0 && Array.getLength(c.array()) == size;
    }

    private static double[] copy(DoubleBuffer c, double[] values) {
        c.get(values);
        return values;
    }

    private static float[] copy(FloatBuffer c, float[] values) {
        c.get(values);
        return values;
    }

    @Override
    public void close() {
        // The staged inputs of a wide product (each up to 128 MB at 4,096 wide) go with the sessions.
        InputStaging.releaseLarge();
        for (int i = 0; i < sessions.length; i++) {
            if (sessions[i] != null) {
                close(sessions[i]);
                sessions[i] = null;
            }
        }
    }

    private static void close(OrtSession session) {
        try {
            session.close();
        } catch (OrtException e) {
            // nothing left to release
        }
    }

    private static ValueInfoProto matrix(String name, int type) {
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type))).build();
    }
}
