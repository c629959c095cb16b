package org.odf2nna.tf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.op.core.StridedSlice;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.LeakyRelu;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TType;

/**
 * An ONNX graph rebuilt as a TensorFlow graph through TF Java's raw ops, for retraining the whole graph: every node
 * becomes TensorFlow ops; the initializers named as trainable become variables (flat names {@code v0}, {@code v1},
 * ...: TF Java's optimizers reject variables in sub-scopes), every other initializer a constant.
 *
 * <p>Floating tensors are float32 throughout. Integer tensors (shapes, indices, axes) are int32, whatever the ONNX
 * type: TensorFlow's gradients of gathers and slices want int32 indices, and no shape here needs 64 bits. Layouts are
 * ONNX's (NCHW); convolutions and pools transpose to NHWC around the TensorFlow op, which on the CPU knows only NHWC.
 * A node outside {@link #OPERATORS} (or an attribute combination not translated) is an
 * {@link UnsupportedOperatorException} naming the node and its operator.
 */
@SuppressWarnings({"unchecked", "rawtypes"})
public final class OnnxTfGraph implements AutoCloseable {

    /** The ONNX operators (default domain) the translation covers. */
    public static final Set<String> OPERATORS = Set.of("Abs", "Add", "AveragePool", "BatchNormalization", "Cast",
            "Clip", "Concat", "Constant", "ConstantOfShape", "Conv", "Div", "Dropout", "Equal", "Erf", "Exp", "Expand",
            "Flatten", "Gather", "Gelu", "Gemm", "GlobalAveragePool", "GlobalMaxPool", "Greater", "HardSigmoid",
            "HardSwish", "Identity", "LayerNormalization", "LeakyRelu", "Less", "Log", "LogSoftmax", "MatMul", "Max",
            "MaxPool", "Min", "Mul", "Neg", "Not", "Pow", "Reciprocal", "ReduceMax", "ReduceMean", "ReduceSum", "Relu",
            "Reshape", "Shape", "Sigmoid", "Slice", "Softmax", "Softplus", "Sqrt", "Squeeze", "Sub", "Sum", "Tanh",
            "Transpose", "Unsqueeze", "Where");

    final Graph graph;
    final Ops tf;
    final List<String> inputNames = new ArrayList<>();
    final List<Placeholder<TFloat32>> inputs = new ArrayList<>();
    final List<String> outputNames = new ArrayList<>();
    final List<Operand<TFloat32>> outputs = new ArrayList<>();
    /** Values per row of each input. */
    final List<Integer> widths = new ArrayList<>();
    /**
     * Each output before its head: the input of a final Softmax, LogSoftmax or Sigmoid, else the output itself.
     * The losses take these (as DenseTrainer takes a chain's values before its head).
     */
    final List<Operand<TFloat32>> logits = new ArrayList<>();
    /** For each output, the head that {@link #logits} leaves out: "Softmax", "LogSoftmax", "Sigmoid" or "". */
    final List<String> heads = new ArrayList<>();
    private final Map<String, NodeProto> producers = new HashMap<>();
    /** The trainable initializers' names, their variables and shapes, in the model's initializer order. */
    final List<String> variableNames = new ArrayList<>();
    final List<Variable<TFloat32>> variables = new ArrayList<>();
    final List<Shape> shapes = new ArrayList<>();
    /** Assignments of the initializers' values to the variables; run before anything reads them. */
    final List<Op> initializers = new ArrayList<>();

    private final Map<String, Operand<?>> values = new HashMap<>();
    /** Integer tensors whose values are known while building (Constant nodes, initializers): axes, perms, steps. */
    private final Map<String, long[]> knownInts = new HashMap<>();
    /** Float tensors known while building and not trained (exponents of Pow). */
    private final Map<String, float[]> knownFloats = new HashMap<>();
    private final int opset;

    private OnnxTfGraph(int opset) {
        this.opset = opset;
        graph = new Graph();
        tf = Ops.create(graph);
    }

    /**
     * Translates {@code model}'s graph.
     *
     * @param trainable initializer names that become variables; each must be a float initializer of the graph
     * @throws UnsupportedOperatorException at the first node that cannot be translated
     */
    public static OnnxTfGraph translate(ModelProto model, Set<String> trainable) {
        OnnxTfGraph g = new OnnxTfGraph(opset(model));
        try {
            g.build(model.getGraph(), trainable);
            return g;
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
    }

    static int opset(ModelProto model) {
        for (OperatorSetIdProto id : model.getOpsetImportList()) {
            if (id.getDomain().isEmpty() || id.getDomain().equals("ai.onnx")) {
                return (int) id.getVersion();
            }
        }
        return 13;
    }

    private void build(GraphProto g, Set<String> trainable) {
        Set<String> missing = new TreeSet<>(trainable);
        for (TensorProto t : g.getInitializerList()) {
            missing.remove(t.getName());
            boolean train = trainable.contains(t.getName());
            if (train && t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
                throw new IllegalArgumentException("initializer '" + t.getName() + "' is not float32 and cannot be "
                        + "trained");
            }
            addTensor(t.getName(), t, train);
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("no initializer named " + missing + " in the graph");
        }
        for (ValueInfoProto in : g.getInputList()) {
            if (values.containsKey(in.getName())) {
                continue;
            }
            int elem = in.getType().getTensorType().getElemType();
            if (!OnnxTensorValues.isFloating(elem)) {
                throw new IllegalArgumentException("graph input '" + in.getName() + "' is not a float tensor");
            }
            TensorShapeProto shape = in.getType().getTensorType().getShape();
            long[] dims = new long[shape.getDimCount()];
            long width = 1;
            for (int i = 0; i < dims.length; i++) {
                dims[i] = shape.getDim(i).hasDimValue() ? shape.getDim(i).getDimValue() : -1;
                if (i > 0) {
                    width = dims[i] < 0 || width < 0 ? -1 : width * dims[i];
                }
            }
            if (dims.length < 2 || width < 0) {
                throw new IllegalArgumentException("graph input '" + in.getName() + "' has shape "
                        + Arrays.toString(dims) + ": the translation needs a batch axis and known sizes after it");
            }
            // Rows come in as [rows, values]; the graph sees them in its own input shape.
            Placeholder<TFloat32> p = tf.withName("input" + inputs.size()).placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, width)));
            Operand<TFloat32> x = p;
            if (dims.length > 2) {
                int[] target = new int[dims.length];
                target[0] = -1;
                for (int i = 1; i < dims.length; i++) {
                    target[i] = (int) dims[i];
                }
                x = tf.reshape(p, tf.constant(target));
            }
            inputNames.add(in.getName());
            inputs.add(p);
            widths.add((int) width);
            values.put(in.getName(), x);
        }
        for (NodeProto node : g.getNodeList()) {
            for (String out : node.getOutputList()) {
                producers.put(out, node);
            }
            try {
                translate(node);
            } catch (UnsupportedOperatorException e) {
                throw e;
            } catch (RuntimeException e) {
                // TensorFlow's shape inference refusing a node is as much a missing translation as a missing op.
                throw unsupported(node, "translation failed: " + firstLine(e.getMessage()));
            }
        }
        for (ValueInfoProto out : g.getOutputList()) {
            Operand<?> o = values.get(out.getName());
            if (o == null) {
                throw new IllegalArgumentException("graph output '" + out.getName() + "' is not produced by any node");
            }
            outputNames.add(out.getName());
            outputs.add(asFloat(o));
            NodeProto last = producers.get(out.getName());
            String head = last == null ? "" : last.getOpType();
            if ((head.equals("Softmax") || head.equals("LogSoftmax") || head.equals("Sigmoid"))
                    && (head.equals("Sigmoid") || rank(last, o) == 2)) {
                logits.add(f(last, 0));
                heads.add(head);
            } else {
                logits.add(asFloat(o));
                heads.add("");
            }
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no message";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private void addTensor(String name, TensorProto t, boolean trainable) {
        long[] dims = OnnxTensorValues.dims(t);
        Shape shape = Shape.of(dims);
        if (OnnxTensorValues.isFloating(t.getDataType())) {
            float[] v = OnnxTensorValues.floats(t);
            Operand<TFloat32> c = tf.constant(shape, DataBuffers.of(v, true, false));
            if (trainable) {
                Variable<TFloat32> var = tf.withName("v" + variables.size()).variable(shape, TFloat32.class);
                initializers.add(tf.assign(var, c));
                variableNames.add(name);
                variables.add(var);
                shapes.add(shape);
                values.put(name, var);
            } else {
                if (v.length <= 16) {
                    knownFloats.put(name, v);
                }
                values.put(name, c);
            }
        } else if (OnnxTensorValues.isInteger(t.getDataType())) {
            long[] v = OnnxTensorValues.longs(t);
            knownInts.put(name, v);
            values.put(name, tf.constant(shape, DataBuffers.of(toInt(v), true, false)));
        } else if (t.getDataType() == TensorProto.DataType.BOOL_VALUE) {
            long[] v = OnnxTensorValues.longs(t.toBuilder().setDataType(TensorProto.DataType.UINT8_VALUE).build());
            boolean[] b = new boolean[v.length];
            for (int i = 0; i < b.length; i++) {
                b[i] = v[i] != 0;
            }
            values.put(name, tf.constant(shape, DataBuffers.of(b, true, false)));
        } else {
            throw new IllegalArgumentException("tensor '" + name + "' has a data type the translation does not read ("
                    + TensorProto.DataType.forNumber(t.getDataType()) + ")");
        }
    }

    /** int64 values clamped into int32 (ONNX writes INT64_MAX for "to the end"). */
    private static int[] toInt(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v[i]));
        }
        return out;
    }

    // ---- nodes ------------------------------------------------------------------------------------------------

    private static String nodeName(NodeProto node) {
        return !node.getName().isEmpty() ? node.getName() : node.getOutputCount() > 0 ? node.getOutput(0) : "?";
    }

    private static UnsupportedOperatorException unsupported(NodeProto node, String why) {
        return new UnsupportedOperatorException(nodeName(node), node.getOpType(), why);
    }

    private void translate(NodeProto node) {
        String op = node.getOpType();
        if (!node.getDomain().isEmpty() && !node.getDomain().equals("ai.onnx")) {
            throw unsupported(node, "operators of domain '" + node.getDomain() + "' have no TensorFlow translation");
        }
        if (!OPERATORS.contains(op)) {
            throw unsupported(node, "operator not covered by the TensorFlow translation");
        }
        Operand<?> out;
        switch (op) {
            case "Add": case "Sub": case "Mul": case "Div": case "Max": case "Min":
                out = binary(op, in(node, 0), in(node, 1));
                break;
            case "Sum": {
                out = in(node, 0);
                for (int i = 1; i < node.getInputCount(); i++) {
                    out = binary("Add", out, in(node, i));
                }
                break;
            }
            case "Pow":
                out = pow(node);
                break;
            case "Sqrt":
                out = tf.math.sqrt(f(node, 0));
                break;
            case "Exp":
                out = tf.math.exp(f(node, 0));
                break;
            case "Log":
                out = tf.math.log(f(node, 0));
                break;
            case "Neg":
                out = tf.math.neg((Operand) in(node, 0));
                break;
            case "Abs":
                out = tf.math.abs((Operand) in(node, 0));
                break;
            case "Reciprocal":
                out = tf.math.reciprocal(f(node, 0));
                break;
            case "Erf":
                out = tf.math.erf(f(node, 0));
                break;
            case "Tanh":
                out = tf.math.tanh(f(node, 0));
                break;
            case "Sigmoid":
                out = tf.math.sigmoid(f(node, 0));
                break;
            case "Softplus":
                out = tf.math.softplus(f(node, 0));
                break;
            case "Relu":
                out = tf.nn.relu(f(node, 0));
                break;
            case "LeakyRelu":
                out = tf.nn.leakyRelu(f(node, 0), LeakyRelu.alpha(attrFloat(node, "alpha", 0.01f)));
                break;
            case "Clip":
                out = clip(node);
                break;
            case "HardSigmoid":
                out = hardSigmoid(f(node, 0), attrFloat(node, "alpha", 0.2f), attrFloat(node, "beta", 0.5f));
                break;
            case "HardSwish": {
                Operand<TFloat32> x = f(node, 0);
                out = tf.math.mul(x, hardSigmoid(x, 1f / 6, 0.5f));
                break;
            }
            case "Gelu":
                out = gelu(node);
                break;
            case "Softmax": case "LogSoftmax":
                out = softmax(node, op.equals("LogSoftmax"));
                break;
            case "ReduceMean": case "ReduceSum": case "ReduceMax":
                out = reduce(node, op);
                break;
            case "LayerNormalization":
                layerNorm(node);
                return;
            case "MatMul":
                out = matMul(node, f(node, 0), f(node, 1));
                break;
            case "Gemm":
                out = gemm(node);
                break;
            case "Transpose":
                out = transpose(node);
                break;
            case "Reshape":
                out = reshape(node);
                break;
            case "Flatten":
                out = flatten(node);
                break;
            case "Shape":
                out = shape(node);
                break;
            case "Gather":
                out = gather(node);
                break;
            case "Slice":
                out = slice(node);
                break;
            case "Concat":
                out = concat(node);
                break;
            case "Unsqueeze":
                out = unsqueeze(node);
                break;
            case "Squeeze":
                out = squeeze(node);
                break;
            case "Cast":
                out = cast(node);
                break;
            case "Constant":
                constant(node);
                return;
            case "ConstantOfShape":
                out = constantOfShape(node);
                break;
            case "Identity": case "Dropout":
                out = in(node, 0);
                break;
            case "Expand": {
                Operand x = in(node, 0);
                Operand ones = tf.fill(n(node, 1), tf.dtypes.cast(tf.constant(1), x.type()));
                out = tf.math.mul(x, ones);
                break;
            }
            case "Equal":
                out = tf.math.equal((Operand) in(node, 0), (Operand) same(in(node, 1), in(node, 0)));
                break;
            case "Less":
                out = tf.math.less((Operand) in(node, 0), (Operand) same(in(node, 1), in(node, 0)));
                break;
            case "Greater":
                out = tf.math.greater((Operand) in(node, 0), (Operand) same(in(node, 1), in(node, 0)));
                break;
            case "Not":
                out = tf.math.logicalNot((Operand<TBool>) in(node, 0));
                break;
            case "Where": {
                Operand x = in(node, 1);
                out = tf.select((Operand<TBool>) in(node, 0), x, same(in(node, 2), x));
                break;
            }
            case "Conv":
                out = conv(node);
                break;
            case "MaxPool": case "AveragePool":
                out = pool(node, op.equals("MaxPool"));
                break;
            case "GlobalAveragePool": case "GlobalMaxPool": {
                Operand<TFloat32> x = f(node, 0);
                int r = rank(node, x);
                int[] axes = new int[r - 2];
                for (int i = 2; i < r; i++) {
                    axes[i - 2] = i;
                }
                out = op.equals("GlobalAveragePool") ? tf.math.mean(x, tf.constant(axes), Mean.keepDims(true))
                        : tf.max(x, tf.constant(axes), org.tensorflow.op.core.Max.keepDims(true));
                break;
            }
            case "BatchNormalization":
                out = batchNorm(node);
                break;
            default:
                throw unsupported(node, "operator not covered by the TensorFlow translation");
        }
        values.put(node.getOutput(0), out);
    }

    // ---- inputs and attributes ---------------------------------------------------------------------------------

    private boolean has(NodeProto node, int i) {
        return node.getInputCount() > i && !node.getInput(i).isEmpty();
    }

    private Operand<?> in(NodeProto node, int i) {
        Operand<?> v = has(node, i) ? values.get(node.getInput(i)) : null;
        if (v == null) {
            throw unsupported(node, "input " + i + (has(node, i) ? " '" + node.getInput(i) + "'" : "")
                    + " is not produced before the node");
        }
        return v;
    }

    private Operand<TFloat32> f(NodeProto node, int i) {
        return asFloat(in(node, i));
    }

    private Operand<TInt32> n(NodeProto node, int i) {
        Operand<?> v = in(node, i);
        return v.type() == TInt32.class ? (Operand<TInt32>) v : tf.dtypes.cast(v, TInt32.class);
    }

    private Operand<TFloat32> asFloat(Operand<?> v) {
        return v.type() == TFloat32.class ? (Operand<TFloat32>) v : tf.dtypes.cast(v, TFloat32.class);
    }

    private Operand<?> same(Operand<?> v, Operand<?> like) {
        return v.type() == like.type() ? v : tf.dtypes.cast(v, like.type());
    }

    /** A constant integer input (axes, steps), or null when absent. */
    private long[] known(NodeProto node, int i, String what) {
        if (!has(node, i)) {
            return null;
        }
        long[] v = knownInts.get(node.getInput(i));
        if (v == null) {
            throw unsupported(node, what + " must be constant for the TensorFlow translation");
        }
        return v;
    }

    private static AttributeProto attr(NodeProto node, String name) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    private static float attrFloat(NodeProto node, String name, float otherwise) {
        AttributeProto a = attr(node, name);
        return a == null ? otherwise : a.getF();
    }

    private static long attrInt(NodeProto node, String name, long otherwise) {
        AttributeProto a = attr(node, name);
        return a == null ? otherwise : a.getI();
    }

    private static long[] attrInts(NodeProto node, String name) {
        AttributeProto a = attr(node, name);
        return a == null ? null : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    private static String attrString(NodeProto node, String name, String otherwise) {
        AttributeProto a = attr(node, name);
        return a == null ? otherwise : a.getS().toStringUtf8();
    }

    private int rank(NodeProto node, Operand<?> x) {
        int r = x.shape().numDimensions();
        if (r < 0) {
            throw unsupported(node, "the rank of its input is not known while building");
        }
        return r;
    }

    private static int axis(long axis, int rank) {
        return (int) (axis < 0 ? axis + rank : axis);
    }

    // ---- operators ---------------------------------------------------------------------------------------------

    private Operand<?> binary(String op, Operand<?> a0, Operand<?> b0) {
        Operand a = a0;
        Operand b = same(b0, a0);
        boolean integer = a.type() != TFloat32.class;
        switch (op) {
            case "Add": return tf.math.add(a, b);
            case "Sub": return tf.math.sub(a, b);
            case "Mul": return tf.math.mul(a, b);
            case "Div": return integer ? tf.math.truncateDiv(a, b) : tf.math.div(a, b);
            case "Max": return tf.math.maximum(a, b);
            default: return tf.math.minimum(a, b);
        }
    }

    private Operand<TFloat32> pow(NodeProto node) {
        Operand<TFloat32> x = f(node, 0);
        float[] e = knownFloats.get(node.getInput(1));
        if (e == null && knownInts.containsKey(node.getInput(1)) && knownInts.get(node.getInput(1)).length == 1) {
            e = new float[] {knownInts.get(node.getInput(1))[0]};
        }
        // A constant exponent as the op it stands for: Pow's gradient takes log(x), NaN for negative x.
        if (e != null && e.length == 1) {
            if (e[0] == 2f) {
                return tf.math.square(x);
            }
            if (e[0] == 1f) {
                return x;
            }
            if (e[0] == 0.5f) {
                return tf.math.sqrt(x);
            }
            if (e[0] == 3f) {
                return tf.math.mul(tf.math.square(x), x);
            }
        }
        return tf.math.pow(x, f(node, 1));
    }

    private Operand<TFloat32> clip(NodeProto node) {
        Operand<TFloat32> x = f(node, 0);
        Operand<TFloat32> lo = null;
        Operand<TFloat32> hi = null;
        if (opset < 11) {
            if (attr(node, "min") != null) {
                lo = tf.constant(attrFloat(node, "min", 0));
            }
            if (attr(node, "max") != null) {
                hi = tf.constant(attrFloat(node, "max", 0));
            }
        } else {
            lo = has(node, 1) ? f(node, 1) : null;
            hi = has(node, 2) ? f(node, 2) : null;
        }
        // min(max(x, lo), hi): with lo > hi every value becomes hi, as the operator's definition says.
        Operand<TFloat32> y = x;
        if (lo != null) {
            y = tf.math.maximum(y, lo);
        }
        if (hi != null) {
            y = tf.math.minimum(y, hi);
        }
        return y;
    }

    private Operand<TFloat32> hardSigmoid(Operand<TFloat32> x, float alpha, float beta) {
        return tf.math.maximum(tf.constant(0f), tf.math.minimum(tf.constant(1f),
                tf.math.add(tf.math.mul(x, tf.constant(alpha)), tf.constant(beta))));
    }

    private Operand<TFloat32> gelu(NodeProto node) {
        Operand<TFloat32> x = f(node, 0);
        if (attrString(node, "approximate", "none").equals("tanh")) {
            Operand<TFloat32> inner = tf.math.mul(tf.constant((float) Math.sqrt(2 / Math.PI)),
                    tf.math.add(x, tf.math.mul(tf.constant(0.044715f), tf.math.mul(tf.math.square(x), x))));
            return tf.math.mul(tf.math.mul(x, tf.constant(0.5f)), tf.math.add(tf.constant(1f), tf.math.tanh(inner)));
        }
        Operand<TFloat32> erf = tf.math.erf(tf.math.div(x, tf.constant((float) Math.sqrt(2))));
        return tf.math.mul(tf.math.mul(x, tf.constant(0.5f)), tf.math.add(tf.constant(1f), erf));
    }

    private Operand<TFloat32> softmax(NodeProto node, boolean log) {
        Operand<TFloat32> x = f(node, 0);
        int r = rank(node, x);
        int axis = axis(attrInt(node, "axis", opset < 13 ? 1 : -1), r);
        if (axis == r - 1) {
            return log ? tf.nn.logSoftmax(x) : tf.nn.softmax(x);
        }
        if (opset < 13) {
            // Before opset 13 the axis splits the tensor into a matrix: the softmax runs over everything after it.
            Operand<TInt32> s = tf.shape(x);
            Operand<TFloat32> m = tf.reshape(x, tf.concat(List.of(tf.reduceProd(
                    tf.stridedSlice(s, tf.constant(new int[] {0}), tf.constant(new int[] {axis}),
                            tf.constant(new int[] {1})), tf.constant(0), org.tensorflow.op.core.ReduceProd.keepDims(true)),
                    tf.constant(new int[] {-1})), tf.constant(0)));
            return tf.reshape(log ? tf.nn.logSoftmax(m) : tf.nn.softmax(m), s);
        }
        int[] perm = new int[r];
        for (int i = 0; i < r; i++) {
            perm[i] = i;
        }
        perm[axis] = r - 1;
        perm[r - 1] = axis;
        Operand<TFloat32> t = tf.linalg.transpose(x, tf.constant(perm));
        return tf.linalg.transpose(log ? tf.nn.logSoftmax(t) : tf.nn.softmax(t), tf.constant(perm));
    }

    private Operand<?> reduce(NodeProto node, String op) {
        Operand x = in(node, 0);
        int r = rank(node, x);
        long[] axes = has(node, 1) ? known(node, 1, "axes") : attrInts(node, "axes");
        int[] ax;
        if (axes == null || axes.length == 0) {
            ax = new int[r];
            for (int i = 0; i < r; i++) {
                ax[i] = i;
            }
        } else {
            ax = new int[axes.length];
            for (int i = 0; i < ax.length; i++) {
                ax[i] = axis(axes[i], r);
            }
        }
        boolean keep = attrInt(node, "keepdims", 1) != 0;
        switch (op) {
            case "ReduceMean": return tf.math.mean(x, tf.constant(ax), Mean.keepDims(keep));
            case "ReduceSum": return tf.reduceSum(x, tf.constant(ax), org.tensorflow.op.core.ReduceSum.keepDims(keep));
            default: return tf.max(x, tf.constant(ax), org.tensorflow.op.core.Max.keepDims(keep));
        }
    }

    private void layerNorm(NodeProto node) {
        Operand<TFloat32> x = f(node, 0);
        int r = rank(node, x);
        int axis = axis(attrInt(node, "axis", -1), r);
        int[] ax = new int[r - axis];
        for (int i = axis; i < r; i++) {
            ax[i - axis] = i;
        }
        Operand<TInt32> axes = tf.constant(ax);
        Operand<TFloat32> mean = tf.math.mean(x, axes, Mean.keepDims(true));
        Operand<TFloat32> d = tf.math.sub(x, mean);
        Operand<TFloat32> var = tf.math.mean(tf.math.square(d), axes, Mean.keepDims(true));
        Operand<TFloat32> std = tf.math.sqrt(tf.math.add(var, tf.constant(attrFloat(node, "epsilon", 1e-5f))));
        Operand<TFloat32> y = tf.math.mul(tf.math.div(d, std), f(node, 1));
        if (has(node, 2)) {
            y = tf.math.add(y, f(node, 2));
        }
        values.put(node.getOutput(0), y);
        if (node.getOutputCount() > 1 && !node.getOutput(1).isEmpty()) {
            values.put(node.getOutput(1), mean);
        }
        if (node.getOutputCount() > 2 && !node.getOutput(2).isEmpty()) {
            values.put(node.getOutput(2), tf.math.reciprocal(std));
        }
    }

    private Operand<TFloat32> matMul(NodeProto node, Operand<TFloat32> a, Operand<TFloat32> b) {
        int ra = rank(node, a);
        int rb = rank(node, b);
        if (ra == 2 && rb == 2) {
            return tf.linalg.matMul(a, b);
        }
        if (rb == 2 && ra > 2) {
            // [..., K] × [K, N] as one matrix product over the flattened leading axes.
            long k = b.shape().get(0);
            Operand<TInt32> outer = tf.stridedSlice(tf.shape(a), tf.constant(new int[] {0}),
                    tf.constant(new int[] {-1}), tf.constant(new int[] {1}));
            Operand<TFloat32> flat = tf.reshape(a, tf.constant(new int[] {-1, (int) k}));
            Operand<TFloat32> y = tf.linalg.matMul(flat, b);
            Operand<TInt32> n = tf.stridedSlice(tf.shape(b), tf.constant(new int[] {1}), tf.constant(new int[] {2}),
                    tf.constant(new int[] {1}));
            return tf.reshape(y, tf.concat(List.of(outer, n), tf.constant(0)));
        }
        if (ra >= 2 && rb >= 2) {
            return tf.train.batchMatMul(a, b, TFloat32.class);
        }
        if (rb == 1) {
            return tf.squeeze(matMul(node, a, tf.expandDims(b, tf.constant(-1))), Squeeze.axis(-1L));
        }
        return tf.squeeze(matMul(node, tf.expandDims(a, tf.constant(0)), b), Squeeze.axis(-2L));
    }

    private Operand<TFloat32> gemm(NodeProto node) {
        Operand<TFloat32> y = tf.linalg.matMul(f(node, 0), f(node, 1),
                MatMul.transposeA(attrInt(node, "transA", 0) != 0), MatMul.transposeB(attrInt(node, "transB", 0) != 0));
        float alpha = attrFloat(node, "alpha", 1f);
        if (alpha != 1f) {
            y = tf.math.mul(y, tf.constant(alpha));
        }
        if (has(node, 2)) {
            Operand<TFloat32> c = f(node, 2);
            float beta = attrFloat(node, "beta", 1f);
            y = tf.math.add(y, beta == 1f ? c : tf.math.mul(c, tf.constant(beta)));
        }
        return y;
    }

    private Operand<?> transpose(NodeProto node) {
        Operand x = in(node, 0);
        long[] perm = attrInts(node, "perm");
        int r = rank(node, x);
        int[] p = new int[r];
        for (int i = 0; i < r; i++) {
            p[i] = perm == null ? r - 1 - i : (int) perm[i];
        }
        return tf.linalg.transpose(x, tf.constant(p));
    }

    private Operand<?> reshape(NodeProto node) {
        Operand x = in(node, 0);
        long[] target = knownInts.get(node.getInput(1));
        if (target != null) {
            boolean zero = false;
            for (long d : target) {
                zero |= d == 0;
            }
            if (!zero || attrInt(node, "allowzero", 0) != 0) {
                return tf.reshape(x, tf.constant(toInt(target)));
            }
            // 0 copies the input's dimension there: build the shape from the input's.
            Operand<TInt32> s = tf.shape(x);
            List<Operand<TInt32>> parts = new ArrayList<>();
            for (int i = 0; i < target.length; i++) {
                parts.add(target[i] == 0 ? tf.stridedSlice(s, tf.constant(new int[] {i}), tf.constant(new int[] {i + 1}),
                        tf.constant(new int[] {1})) : tf.constant(new int[] {(int) target[i]}));
            }
            return tf.reshape(x, tf.concat(parts, tf.constant(0)));
        }
        // A shape computed at run time (PyTorch's Shape/Gather/Concat chains) holds real sizes, never 0.
        return tf.reshape(x, n(node, 1));
    }

    private Operand<?> flatten(NodeProto node) {
        Operand x = in(node, 0);
        int r = rank(node, x);
        int axis = axis(attrInt(node, "axis", 1), r);
        Shape s = x.shape();
        long inner = 1;
        long outer = 1;
        boolean innerKnown = true;
        boolean outerKnown = true;
        for (int i = 0; i < r; i++) {
            long d = s.get(i);
            if (i < axis) {
                outerKnown &= d >= 0;
                outer *= Math.max(d, 0);
            } else {
                innerKnown &= d >= 0;
                inner *= Math.max(d, 0);
            }
        }
        if (axis == 0) {
            return tf.reshape(x, tf.constant(new int[] {1, -1}));
        }
        if (innerKnown) {
            return tf.reshape(x, tf.constant(new int[] {-1, (int) inner}));
        }
        if (outerKnown) {
            return tf.reshape(x, tf.constant(new int[] {(int) outer, -1}));
        }
        throw unsupported(node, "both sides of the flattening axis have sizes unknown while building");
    }

    private Operand<TInt32> shape(NodeProto node) {
        Operand<?> x = in(node, 0);
        Operand<TInt32> s = tf.shape(x);
        AttributeProto start = attr(node, "start");
        AttributeProto end = attr(node, "end");
        if (start == null && end == null) {
            return s;
        }
        int r = rank(node, x);
        int from = start == null ? 0 : Math.max(0, Math.min(r, axis(start.getI(), r)));
        int to = end == null ? r : Math.max(0, Math.min(r, axis(end.getI(), r)));
        return tf.stridedSlice(s, tf.constant(new int[] {from}), tf.constant(new int[] {Math.max(from, to)}),
                tf.constant(new int[] {1}));
    }

    private Operand<?> gather(NodeProto node) {
        Operand data = in(node, 0);
        int r = rank(node, data);
        int axis = axis(attrInt(node, "axis", 0), r);
        Operand<TInt32> indices = n(node, 1);
        long[] k = knownInts.get(node.getInput(1));
        boolean nonNegative = k != null && Arrays.stream(k).allMatch(v -> v >= 0);
        if (!nonNegative) {
            // ONNX counts negative indices from the end; TensorFlow's gather rejects them.
            Operand<TInt32> dim = tf.gather(tf.shape(data), tf.constant(axis), tf.constant(0));
            indices = tf.math.floorMod(indices, dim);
        }
        return tf.gather(data, indices, tf.constant(axis));
    }

    private Operand<?> slice(NodeProto node) {
        Operand x = in(node, 0);
        int r = rank(node, x);
        long[] axes;
        long[] steps;
        Operand<TInt32> starts;
        Operand<TInt32> ends;
        if (opset < 10) {
            long[] s = attrInts(node, "starts");
            long[] e = attrInts(node, "ends");
            axes = attrInts(node, "axes");
            steps = null;
            starts = tf.constant(toInt(s));
            ends = tf.constant(toInt(e));
            if (axes == null) {
                axes = new long[s.length];
                for (int i = 0; i < s.length; i++) {
                    axes[i] = i;
                }
            }
        } else {
            starts = n(node, 1);
            ends = n(node, 2);
            axes = known(node, 3, "axes");
            steps = known(node, 4, "steps");
            if (axes == null) {
                long count = starts.shape().get(0);
                if (count < 0) {
                    throw unsupported(node, "the number of sliced axes is not known while building");
                }
                axes = new long[(int) count];
                for (int i = 0; i < count; i++) {
                    axes[i] = i;
                }
            }
        }
        // Full-rank begin/end/strides for StridedSlice; the axes not sliced are masked.
        List<Operand<TInt32>> begin = new ArrayList<>();
        List<Operand<TInt32>> end = new ArrayList<>();
        int[] strides = new int[r];
        long mask = 0;
        for (int d = 0; d < r; d++) {
            int k = -1;
            for (int i = 0; i < axes.length; i++) {
                if (axis(axes[i], r) == d) {
                    k = i;
                }
            }
            if (k < 0) {
                mask |= 1L << d;
                begin.add(tf.constant(new int[] {0}));
                end.add(tf.constant(new int[] {0}));
                strides[d] = 1;
            } else {
                begin.add(element(starts, k));
                end.add(element(ends, k));
                strides[d] = steps == null ? 1 : (int) steps[k];
            }
        }
        return tf.stridedSlice(x, tf.concat(begin, tf.constant(0)), tf.concat(end, tf.constant(0)),
                tf.constant(strides), StridedSlice.beginMask(mask), StridedSlice.endMask(mask));
    }

    private Operand<TInt32> element(Operand<TInt32> v, int k) {
        return tf.stridedSlice(v, tf.constant(new int[] {k}), tf.constant(new int[] {k + 1}),
                tf.constant(new int[] {1}));
    }

    private Operand<?> concat(NodeProto node) {
        Operand<?> first = in(node, 0);
        List<Operand> parts = new ArrayList<>();
        for (int i = 0; i < node.getInputCount(); i++) {
            if (has(node, i)) {
                parts.add(same(in(node, i), first));
            }
        }
        int r = rank(node, first);
        return tf.concat((List) parts, tf.constant(axis(attrInt(node, "axis", 0), r)));
    }

    private Operand<?> unsqueeze(NodeProto node) {
        Operand x = in(node, 0);
        long[] axes = opset < 13 ? attrInts(node, "axes") : known(node, 1, "axes");
        if (axes == null) {
            throw unsupported(node, "no axes");
        }
        int r = rank(node, x) + axes.length;
        int[] ax = new int[axes.length];
        for (int i = 0; i < ax.length; i++) {
            ax[i] = axis(axes[i], r);
        }
        Arrays.sort(ax);
        Operand y = x;
        for (int a : ax) {
            y = tf.expandDims(y, tf.constant(a));
        }
        return y;
    }

    private Operand<?> squeeze(NodeProto node) {
        Operand x = in(node, 0);
        long[] axes = opset < 13 ? attrInts(node, "axes") : known(node, 1, "axes");
        if (axes == null) {
            return tf.squeeze(x);
        }
        int r = rank(node, x);
        List<Long> ax = new ArrayList<>();
        for (long a : axes) {
            ax.add((long) axis(a, r));
        }
        return tf.squeeze(x, Squeeze.axis(ax));
    }

    private Operand<?> cast(NodeProto node) {
        Operand<?> x = in(node, 0);
        int to = (int) attrInt(node, "to", TensorProto.DataType.FLOAT_VALUE);
        Class<? extends TType> type;
        if (OnnxTensorValues.isFloating(to)) {
            type = TFloat32.class;
        } else if (OnnxTensorValues.isInteger(to)) {
            type = TInt32.class;
            long[] k = knownInts.get(node.getInput(0));
            if (k != null) {
                knownInts.put(node.getOutput(0), k);
            }
        } else if (to == TensorProto.DataType.BOOL_VALUE) {
            type = TBool.class;
        } else {
            throw unsupported(node, "cast to " + TensorProto.DataType.forNumber(to) + " is not translated");
        }
        return x.type() == type ? x : tf.dtypes.cast(x, type);
    }

    private void constant(NodeProto node) {
        String out = node.getOutput(0);
        AttributeProto a = node.getAttributeCount() == 0 ? null : node.getAttribute(0);
        if (a == null) {
            throw unsupported(node, "no value");
        }
        switch (a.getName()) {
            case "value":
                addTensor(out, a.getT(), false);
                break;
            case "value_float":
                knownFloats.put(out, new float[] {a.getF()});
                values.put(out, tf.constant(a.getF()));
                break;
            case "value_floats": {
                float[] v = new float[a.getFloatsCount()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = a.getFloats(i);
                }
                knownFloats.put(out, v);
                values.put(out, tf.constant(v));
                break;
            }
            case "value_int":
                knownInts.put(out, new long[] {a.getI()});
                values.put(out, tf.constant((int) a.getI()));
                break;
            case "value_ints": {
                long[] v = a.getIntsList().stream().mapToLong(Long::longValue).toArray();
                knownInts.put(out, v);
                values.put(out, tf.constant(toInt(v)));
                break;
            }
            default:
                throw unsupported(node, "constant given as '" + a.getName() + "' is not translated");
        }
    }

    private Operand<?> constantOfShape(NodeProto node) {
        AttributeProto a = attr(node, "value");
        Operand<TInt32> shape = n(node, 0);
        if (a == null) {
            return tf.fill(shape, tf.constant(0f));
        }
        TensorProto t = a.getT();
        if (OnnxTensorValues.isFloating(t.getDataType())) {
            return tf.fill(shape, tf.constant(OnnxTensorValues.floats(t)[0]));
        }
        return tf.fill(shape, tf.constant((int) OnnxTensorValues.longs(t)[0]));
    }

    /** NCHW → NHWC, the spatial padding applied as a Pad (so that the op runs VALID), and the padding's values. */
    private int[] pads(NodeProto node, Operand<TFloat32> x, long[] kernel, long[] strides, long[] dilations) {
        int spatial = kernel.length;
        long[] pads = attrInts(node, "pads");
        String auto = attrString(node, "auto_pad", "NOTSET");
        int[] p = new int[2 * spatial];
        if (pads != null) {
            for (int i = 0; i < p.length; i++) {
                p[i] = (int) pads[i];
            }
        }
        if (auto.startsWith("SAME")) {
            for (int i = 0; i < spatial; i++) {
                long size = x.shape().get(2 + i);
                if (size < 0) {
                    throw unsupported(node, "auto_pad " + auto + " needs spatial sizes known while building");
                }
                long out = (size + strides[i] - 1) / strides[i];
                long total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size);
                long small = total / 2;
                p[i] = (int) (auto.equals("SAME_UPPER") ? small : total - small);
                p[i + spatial] = (int) (total - p[i]);
            }
        } else if (auto.equals("VALID")) {
            Arrays.fill(p, 0);
        }
        return p;
    }

    private Operand<TFloat32> nhwc(Operand<TFloat32> x) {
        return tf.linalg.transpose(x, tf.constant(new int[] {0, 2, 3, 1}));
    }

    private Operand<TFloat32> nchw(Operand<TFloat32> x) {
        return tf.linalg.transpose(x, tf.constant(new int[] {0, 3, 1, 2}));
    }

    private Operand<TFloat32> padNhwc(Operand<TFloat32> x, int[] p, float value) {
        boolean any = false;
        for (int v : p) {
            any |= v != 0;
        }
        if (!any) {
            return x;
        }
        int[][] paddings = {{0, 0}, {p[0], p[2]}, {p[1], p[3]}, {0, 0}};
        return tf.pad(x, tf.constant(paddings), tf.constant(value));
    }

    private Operand<TFloat32> conv(NodeProto node) {
        Operand<TFloat32> x = f(node, 0);
        Operand<TFloat32> w = f(node, 1);
        int rank = rank(node, x);
        boolean oneD = rank == 3;
        if (rank != 4 && !oneD) {
            throw unsupported(node, rank - 2 + "-D convolutions are not translated");
        }
        if (oneD) {
            x = tf.expandDims(x, tf.constant(2));
            w = tf.expandDims(w, tf.constant(2));
        }
        long[] kernel = {w.shape().get(2), w.shape().get(3)};
        long[] strides = attrInts(node, "strides");
        long[] dilations = attrInts(node, "dilations");
        long[] pads0 = attrInts(node, "pads");
        if (oneD) {
            strides = strides == null ? null : new long[] {1, strides[0]};
            dilations = dilations == null ? null : new long[] {1, dilations[0]};
            if (pads0 != null) {
                node = node.toBuilder().removeAttribute(indexOf(node, "pads")).addAttribute(AttributeProto.newBuilder()
                        .setName("pads").setType(AttributeProto.AttributeType.INTS)
                        .addInts(0).addInts(pads0[0]).addInts(0).addInts(pads0[1])).build();
            }
        }
        strides = strides == null ? new long[] {1, 1} : strides;
        dilations = dilations == null ? new long[] {1, 1} : dilations;
        int[] p = pads(node, x, kernel, strides, dilations);
        Operand<TFloat32> xh = padNhwc(nhwc(x), p, 0f);
        long groups = attrInt(node, "group", 1);
        long channels = x.shape().get(1);
        long filters = w.shape().get(0);
        List<Long> stride = List.of(1L, strides[0], strides[1], 1L);
        List<Long> dilation = List.of(1L, dilations[0], dilations[1], 1L);
        // ONNX filters are [M, C/g, kH, kW]; TensorFlow's [kH, kW, C/g, M].
        Operand<TFloat32> wh = tf.linalg.transpose(w, tf.constant(new int[] {2, 3, 1, 0}));
        Operand<TFloat32> y;
        if (groups == 1) {
            y = tf.nn.conv2d(xh, wh, stride, "VALID", Conv2d.dilations(dilation));
        } else if (channels > 0 && groups == channels && filters % channels == 0) {
            // Depthwise: output channel c·mult + k of ONNX's group c is TensorFlow's too.
            Operand<TFloat32> wd = tf.reshape(wh, tf.constant(new int[] {(int) kernel[0], (int) kernel[1],
                (int) channels, (int) (filters / channels)}));
            y = tf.nn.depthwiseConv2dNative(xh, wd, stride, "VALID",
                    org.tensorflow.op.nn.DepthwiseConv2dNative.dilations(dilation));
        } else {
            if (channels < 0) {
                throw unsupported(node, "grouped convolution needs its channel count known while building");
            }
            int cg = (int) (channels / groups);
            int mg = (int) (filters / groups);
            List<Operand<TFloat32>> parts = new ArrayList<>();
            for (int gi = 0; gi < groups; gi++) {
                Operand<TFloat32> xg = tf.stridedSlice(xh, tf.constant(new int[] {0, 0, 0, gi * cg}),
                        tf.constant(new int[] {0, 0, 0, (gi + 1) * cg}), tf.constant(new int[] {1, 1, 1, 1}),
                        StridedSlice.beginMask(7L), StridedSlice.endMask(7L));
                Operand<TFloat32> wg = tf.stridedSlice(wh, tf.constant(new int[] {0, 0, 0, gi * mg}),
                        tf.constant(new int[] {0, 0, 0, (gi + 1) * mg}), tf.constant(new int[] {1, 1, 1, 1}),
                        StridedSlice.beginMask(7L), StridedSlice.endMask(7L));
                parts.add(tf.nn.conv2d(xg, wg, stride, "VALID", Conv2d.dilations(dilation)));
            }
            y = tf.concat(parts, tf.constant(3));
        }
        if (has(node, 2)) {
            y = tf.math.add(y, f(node, 2));
        }
        Operand<TFloat32> out = nchw(y);
        return oneD ? tf.squeeze(out, Squeeze.axis(2L)) : out;
    }

    private static int indexOf(NodeProto node, String name) {
        for (int i = 0; i < node.getAttributeCount(); i++) {
            if (node.getAttribute(i).getName().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private Operand<TFloat32> pool(NodeProto node, boolean max) {
        Operand<TFloat32> x = f(node, 0);
        if (rank(node, x) != 4) {
            throw unsupported(node, "only 2-D pooling is translated");
        }
        if (attrInt(node, "ceil_mode", 0) != 0) {
            throw unsupported(node, "ceil_mode=1 is not translated");
        }
        long[] dil = attrInts(node, "dilations");
        if (dil != null && Arrays.stream(dil).anyMatch(d -> d != 1)) {
            throw unsupported(node, "dilated pooling is not translated");
        }
        long[] kernel = attrInts(node, "kernel_shape");
        long[] strides = attrInts(node, "strides");
        strides = strides == null ? new long[] {1, 1} : strides;
        int[] p = pads(node, x, kernel, strides, new long[] {1, 1});
        List<Long> k = List.of(1L, kernel[0], kernel[1], 1L);
        List<Long> s = List.of(1L, strides[0], strides[1], 1L);
        Operand<TFloat32> xh = nhwc(x);
        if (max) {
            Operand<TFloat32> padded = padNhwc(xh, p, -Float.MAX_VALUE);
            return nchw(tf.nn.maxPool(padded, tf.constant(new int[] {1, (int) kernel[0], (int) kernel[1], 1}),
                    tf.constant(new int[] {1, (int) strides[0], (int) strides[1], 1}), "VALID"));
        }
        Operand<TFloat32> sum = tf.nn.avgPool(padNhwc(xh, p, 0f), k, s, "VALID");
        boolean padded = Arrays.stream(p).anyMatch(v -> v != 0);
        if (!padded || attrInt(node, "count_include_pad", 0) != 0) {
            return nchw(sum);
        }
        // Padding left out of the count: divide by the share of each window that lies inside the input.
        Operand<TFloat32> inside = tf.nn.avgPool(padNhwc(tf.onesLike(xh), p, 0f), k, s, "VALID");
        return nchw(tf.math.div(sum, inside));
    }

    private Operand<TFloat32> batchNorm(NodeProto node) {
        if (attrInt(node, "training_mode", 0) != 0) {
            throw unsupported(node, "training_mode=1 is not translated (inference form only)");
        }
        Operand<TFloat32> x = f(node, 0);
        int r = rank(node, x);
        int[] shape = new int[r - 1];
        Arrays.fill(shape, 1);
        shape[0] = -1;
        Operand<TInt32> s = tf.constant(shape);
        Operand<TFloat32> scale = tf.reshape(f(node, 1), s);
        Operand<TFloat32> bias = tf.reshape(f(node, 2), s);
        Operand<TFloat32> mean = tf.reshape(f(node, 3), s);
        Operand<TFloat32> var = tf.reshape(f(node, 4), s);
        Operand<TFloat32> std = tf.math.sqrt(tf.math.add(var, tf.constant(attrFloat(node, "epsilon", 1e-5f))));
        return tf.math.add(tf.math.mul(tf.math.div(tf.math.sub(x, mean), std), scale), bias);
    }

    /**
     * Every output (or, with {@code beforeHead}, every output's {@link #logits}) on {@code n} rows of the first input,
     * in batches of {@code batch}: one row-major array per output.
     */
    float[][] run(Session session, float[] rows, int n, int batch, boolean beforeHead) {
        int width = widths.get(0);
        List<Operand<TFloat32>> fetched = beforeHead ? logits : outputs;
        float[][] out = new float[fetched.size()][];
        for (int from = 0; from < n; from += batch) {
            int m = Math.min(batch, n - from);
            try (TFloat32 x = TFloat32.tensorOf(Shape.of(m, width),
                    DataBuffers.of(Arrays.copyOfRange(rows, from * width, (from + m) * width), true, false))) {
                Session.Runner runner = session.runner().feed(inputs.get(0), x);
                fetched.forEach(runner::fetch);
                try (Result r = runner.run()) {
                    for (int o = 0; o < out.length; o++) {
                        TFloat32 t = (TFloat32) r.get(o);
                        int per = (int) (t.shape().size() / m);
                        if (out[o] == null) {
                            out[o] = new float[n * per];
                        }
                        t.copyTo(DataBuffers.of(out[o], false, false).offset((long) from * per));
                    }
                }
            }
        }
        return out;
    }

    /** A session over the graph with the variables (if any) assigned their initializers' values. */
    Session open(org.odf2nna.Device device) {
        Session session = TfSessions.open(graph, device);
        if (!initializers.isEmpty()) {
            Session.Runner assign = session.runner();
            initializers.forEach(assign::addTarget);
            assign.run().close();
        }
        return session;
    }

    @Override
    public void close() {
        graph.close();
    }
}
