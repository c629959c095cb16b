package org.odf2nna.onnx.cleaning;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.TypeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * Element types known for sure: declared (graph inputs and outputs, value_info, initializers, Constant nodes), or
 * following from an operator whose output has its first input's type (activations, arithmetic, MatMul, Gemm, Conv,
 * shape moves), from Cast's {@code to}, or from an operator with a fixed output type (Shape: INT64). Anything else is
 * unknown (0), so that a pass which needs a type does nothing there.
 */
final class TensorTypes {

    /** Operators whose first output has the element type of their first input. */
    private static final Set<String> SAME_AS_FIRST_INPUT = Set.of("Identity", "Dropout", "Relu", "LeakyRelu", "Elu",
            "Selu", "Sigmoid", "Tanh", "Softplus", "Softsign", "HardSigmoid", "HardSwish", "Gelu", "Erf", "Exp", "Log",
            "Sqrt", "Abs", "Neg", "Reciprocal", "Floor", "Ceil", "Round", "Clip", "PRelu", "Softmax", "LogSoftmax",
            "Add", "Sub", "Mul", "Div", "Pow", "MatMul", "Gemm", "Conv", "ConvTranspose", "BatchNormalization",
            "LayerNormalization", "InstanceNormalization", "MaxPool", "AveragePool", "GlobalAveragePool",
            "GlobalMaxPool", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Concat", "Slice", "Gather",
            "Pad", "Max", "Min", "Sum", "Mean", "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "Expand", "Tile",
            "Split", "Resize", "DepthToSpace", "SpaceToDepth");
    private static final int INT64 = TensorProto.DataType.INT64_VALUE;
    private static final int BOOL = TensorProto.DataType.BOOL_VALUE;

    private final Map<String, Integer> declared = new HashMap<>();
    private final Map<String, long[]> shapes = new HashMap<>();
    private final Map<String, NodeProto> producers;
    private final Map<String, Integer> inferred = new HashMap<>();

    TensorTypes(GraphProto graph, Collection<ValueInfoProto> valueInfo, Map<String, TensorProto> initializers,
            Map<String, NodeProto> producers) {
        this.producers = producers;
        graph.getInputList().forEach(this::declare);
        graph.getOutputList().forEach(this::declare);
        valueInfo.forEach(this::declare);
        initializers.values().forEach(t -> declared.put(t.getName(), t.getDataType()));
    }

    int of(String tensor) {
        Integer known = declared.get(tensor);
        if (known != null) {
            return known;
        }
        Integer cached = inferred.get(tensor);
        if (cached != null) {
            return cached;
        }
        inferred.put(tensor, 0); // a cycle (not a valid graph) reads as unknown
        int type = infer(tensor);
        inferred.put(tensor, type);
        return type;
    }

    long[] shape(String tensor) {
        long[] s = shapes.get(tensor);
        return s == null ? null : s.clone();
    }

    private int infer(String tensor) {
        NodeProto p = producers.get(tensor);
        if (p == null || !EditableGraph.defaultDomain(p)) {
            return 0;
        }
        String op = p.getOpType();
        switch (op) {
            case "Cast":
                for (AttributeProto a : p.getAttributeList()) {
                    if (a.getName().equals("to")) {
                        return (int) a.getI();
                    }
                }
                return 0;
            case "CastLike":
                return p.getInputCount() > 1 ? of(p.getInput(1)) : 0;
            case "Constant":
                for (AttributeProto a : p.getAttributeList()) {
                    if (a.getName().equals("value") && a.hasT()) {
                        return a.getT().getDataType();
                    }
                }
                return 0;
            case "Shape", "Size", "ArgMax", "ArgMin", "NonZero":
                return INT64;
            case "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN":
                return BOOL;
            default:
                break;
        }
        boolean firstOutput = p.getOutputCount() > 0 && p.getOutput(0).equals(tensor);
        if (SAME_AS_FIRST_INPUT.contains(op) && p.getInputCount() > 0 && (firstOutput || op.equals("Split"))) {
            return of(p.getInput(0));
        }
        return 0;
    }

    private void declare(ValueInfoProto v) {
        if (!v.hasType() || !v.getType().hasTensorType()) {
            return;
        }
        TypeProto.Tensor t = v.getType().getTensorType();
        if (t.getElemType() != 0) {
            declared.put(v.getName(), t.getElemType());
        }
        if (t.hasShape()) {
            long[] dims = new long[t.getShape().getDimCount()];
            for (int k = 0; k < dims.length; k++) {
                TensorShapeProto.Dimension d = t.getShape().getDim(k);
                dims[k] = d.hasDimValue() ? d.getDimValue() : -1;
            }
            shapes.put(v.getName(), dims);
        }
    }
}
