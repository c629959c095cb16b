package org.odf2nna.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.DoubleBuffer;
import java.util.Map;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.odf2nna.onnx.proto.OnnxProto.TypeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;
import org.odf2nna.prune.DenseProduct;

/** Double matrix products by ONNX Runtime's MatMul (one small session, any sizes): the wide solves' large products. */
public final class OnnxProduct implements DenseProduct {

    private final OrtSession session;
    private final OrtSession transposed;

    private OnnxProduct(OrtSession session, OrtSession transposed) {
        this.session = session;
        this.transposed = transposed;
    }

    /** Opens the sessions (on the CPU: the products are a few per layer and the sizes change each time). */
    public static OnnxProduct open() {
        OrtSession plain = session(NodeProto.newBuilder().setOpType("MatMul").setName("MatMul"));
        try {
            // Gemm with transB reads B's rows as they lie (A·Bᵀ), no transposed copy.
            return new OnnxProduct(plain, session(NodeProto.newBuilder().setOpType("Gemm").setName("Gemm")
                    .addAttribute(AttributeProto.newBuilder().setName("transB")
                            .setType(AttributeProto.AttributeType.INT).setI(1))));
        } catch (RuntimeException e) {
            close(plain);
            throw e;
        }
    }

    private static OrtSession session(NodeProto.Builder node) {
        GraphProto.Builder graph = GraphProto.newBuilder().setName("odf2nna_product")
                .addInput(doubleMatrix("a")).addInput(doubleMatrix("b")).addOutput(doubleMatrix("c"))
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
        return run(session, a, rows, inner, b, new long[] {inner, cols}, cols);
    }

    @Override
    public double[] multiplyTransposed(double[] a, int rows, int inner, double[] b, int cols) {
        return run(transposed, a, rows, inner, b, new long[] {cols, inner}, cols);
    }

    /** B's weights widened as they are staged (InputStaging.widened): no double copy of them on the heap. */
    @Override
    public double[] multiplyWidened(double[] a, int rows, int inner, float[] b, int cols) {
        try (OnnxTensor tb = InputStaging.widened(1, b, 0, inner * cols, new long[] {inner, cols})) {
            return run(session, a, rows, inner, tb, cols);
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
            // ONNX Runtime's copy of the output is a heap buffer over an array of its own: that array is the result,
            // not copied again (a 4,096-wide product's 128 MB).
            DoubleBuffer c = ((OnnxTensor) result.get(0)).getDoubleBuffer();
            if (c.hasArray() && c.arrayOffset() == 0 && c.array().length == rows * cols) {
                return c.array();
            }
            double[] values = new double[rows * cols];
            c.get(values);
            return values;
        }
    }

    @Override
    public void close() {
        // The staged inputs of a wide product (each up to 128 MB at 4,096 wide) go with the sessions.
        InputStaging.releaseLarge();
        close(session);
        close(transposed);
    }

    private static void close(OrtSession session) {
        try {
            session.close();
        } catch (OrtException e) {
            // nothing left to release
        }
    }

    private static ValueInfoProto doubleMatrix(String name) {
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(OnnxTensors.DOUBLE))).build();
    }
}
