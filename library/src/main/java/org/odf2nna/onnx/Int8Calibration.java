package org.odf2nna.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.odf2nna.InputException;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.TypeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * The ranges a static int8 form quantizes with: the float model run in ONNX Runtime on calibration rows (training
 * rows, never the rows that judge), each tensor's smallest and largest value over all of them, and its rank.
 */
public final class Int8Calibration {

    /** Rows per run. */
    static final int BATCH = 256;

    private Int8Calibration() {
    }

    /**
     * @param rows row-major values of {@code rows.length / input.valuesPerRow()} rows for the model's data input
     */
    public static Map<String, GraphQuantizer.Range> ranges(ModelProto model, Path file, InputSignature input,
            float[] rows, List<String> tensors) {
        int width = input.valuesPerRow();
        int count = rows.length / width;
        if (count == 0) {
            throw new IllegalArgumentException("no calibration rows");
        }
        float[] min = new float[tensors.size()];
        float[] max = new float[tensors.size()];
        int[] rank = new int[tensors.size()];
        java.util.Arrays.fill(min, Float.POSITIVE_INFINITY);
        java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
        ModelProto exposed = exposing(model, tensors, input.name());
        try (OrtSession.SessionOptions options = OnnxRunner.workOptions();
                OrtSession session = OnnxRunner.environment().createSession(exposed.toByteArray(), options)) {
            for (int start = 0; start < count; start += BATCH) {
                int n = Math.min(BATCH, count - start);
                try (OnnxTensor x = tensor(input, rows, start, n, width);
                        OrtSession.Result result = session.run(Map.of(input.name(), x),
                                new LinkedHashSet<>(tensors))) {
                    for (int t = 0; t < tensors.size(); t++) {
                        Optional<OnnxValue> v = result.get(tensors.get(t));
                        OnnxTensor out = (OnnxTensor) v.orElseThrow();
                        rank[t] = out.getInfo().getShape().length;
                        FloatBuffer b = out.getFloatBuffer();
                        while (b.hasRemaining()) {
                            float f = b.get();
                            min[t] = Math.min(min[t], f);
                            max[t] = Math.max(max[t], f);
                        }
                    }
                }
            }
        } catch (OrtException e) {
            throw new InputException(file, null, "ONNX Runtime could not run the model on the calibration rows: "
                    + OnnxRunner.firstLine(e.getMessage()), e);
        }
        Map<String, GraphQuantizer.Range> ranges = new LinkedHashMap<>();
        for (int t = 0; t < tensors.size(); t++) {
            ranges.put(tensors.get(t), new GraphQuantizer.Range(min[t], max[t], rank[t]));
        }
        return ranges;
    }

    private static OnnxTensor tensor(InputSignature input, float[] rows, int start, int n, int width)
            throws OrtException {
        long[] shape = input.batchShape(n, width);
        if (input.elementType() == OnnxTensors.DOUBLE) {
            return InputStaging.widened(0, rows, start * width, n * width, shape);
        }
        return InputStaging.floats(0, rows, start * width, n * width, shape);
    }

    /** A copy with {@code tensors} as float outputs, the data input's batch symbolic, and no value_info. */
    static ModelProto exposing(ModelProto model, List<String> tensors, String dataInput) {
        ModelProto.Builder copy = model.toBuilder();
        GraphProto.Builder graph = copy.getGraphBuilder();
        graph.clearValueInfo();
        java.util.Set<String> outputs = new java.util.HashSet<>();
        graph.getOutputList().forEach(o -> outputs.add(o.getName()));
        for (String t : tensors) {
            if (outputs.add(t)) {
                graph.addOutput(ValueInfoProto.newBuilder().setName(t).setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(OnnxTensors.FLOAT))));
            }
        }
        for (int i = 0; i < graph.getInputCount(); i++) {
            ValueInfoProto in = graph.getInput(i);
            TypeProto.Tensor t = in.getType().getTensorType();
            if (in.getName().equals(dataInput) && t.hasShape() && t.getShape().getDimCount() > 0) {
                TensorShapeProto shape = t.getShape().toBuilder().setDim(0, TensorShapeProto.Dimension.newBuilder()
                        .setDimParam("N")).build();
                graph.setInput(i, in.toBuilder().setType(in.getType().toBuilder().setTensorType(t.toBuilder()
                        .setShape(shape))).build());
            }
        }
        for (int o = 0; o < graph.getOutputCount(); o++) {
            ValueInfoProto out = graph.getOutput(o);
            TypeProto.Tensor t = out.getType().getTensorType();
            if (t.hasShape() && t.getShape().getDimCount() > 0 && t.getShape().getDim(0).hasDimValue()) {
                graph.setOutput(o, out.toBuilder().setType(out.getType().toBuilder().setTensorType(t.toBuilder()
                        .setShape(t.getShape().toBuilder().setDim(0, TensorShapeProto.Dimension.newBuilder()
                                .setDimParam("N"))))).build());
            }
        }
        return copy.build();
    }
}
