package org.odf2nna.tf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.odf2nna.onnx.ConstantFolding;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;
import org.odf2nna.tf.ops.OnnxTensorValues;
import org.odf2nna.tf.ops.OperatorTranslator;
import org.odf2nna.tf.ops.TranslationContext;
import org.odf2nna.tf.ops.Translators;
import org.odf2nna.tf.ops.UnsupportedOperatorException;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * An ONNX graph rebuilt as a TensorFlow graph through TF Java's raw ops, for retraining the whole graph: every node
 * becomes TensorFlow ops through the translator of its domain and operator ({@link Translators}, package
 * {@code org.odf2nna.tf.ops}; ONNX Runtime's {@code com.microsoft} attention operators included);
 * the initializers named as trainable become variables (flat names {@code v0}, {@code v1}, ...: TF Java's optimizers
 * reject variables in sub-scopes), every other initializer a constant.
 *
 * <p>Floating tensors are float32 throughout. Integer tensors (shapes, indices, axes) are int32, whatever the ONNX
 * type: TensorFlow's gradients of gathers and slices want int32 indices, and no shape here needs 64 bits. An integer
 * graph input (token ids) is fed as float rows, as every input is, and cast to int32. Layouts are ONNX's (NCHW).
 * A node whose operator has no translator at the model's opset (or an attribute combination not translated) is an
 * {@link UnsupportedOperatorException} naming the node and its operator.
 */
@SuppressWarnings("unchecked")
public final class OnnxTfGraph implements AutoCloseable {

    /** The ONNX operators of the default domain the translation covers: the registry's names (other domains: {@link
     * Translators#names(String)}). */
    public static final Set<String> OPERATORS = Translators.names();

    final Graph graph;
    final Ops tf;
    final List<String> inputNames = new ArrayList<>();
    final List<Placeholder<TFloat32>> inputs = new ArrayList<>();
    /** The final operators whose input, not output, the losses and the teacher read: an output's head. */
    public static final Set<String> HEADS = Set.of("Softmax", "LogSoftmax", "Sigmoid");

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

    /** The values built so far and what is known of them while building, shared with the translators. */
    private final TranslationContext ctx;
    private final int opset;
    /** The opset the model imports for each other domain ({@code com.microsoft}: ONNX Runtime's operators). */
    private final Map<String, Integer> domainVersions = new HashMap<>();

    /** How several inputs come as one row, or null. */
    private InputPacking packing;

    private OnnxTfGraph(int opset) {
        this.opset = opset;
        graph = new Graph();
        tf = Ops.create(graph);
        ctx = new TranslationContext(tf, opset);
    }

    /**
     * Translates {@code model}'s graph.
     *
     * @param trainable initializer names that become variables; each must be a float initializer of the graph
     * @throws UnsupportedOperatorException at the first node that cannot be translated
     */
    public static OnnxTfGraph translate(ModelProto model, Set<String> trainable) {
        return translate(model, trainable, null);
    }

    /**
     * Translates {@code model}'s graph fed as {@code packing} says: one placeholder of packed rows, each graph input
     * sliced out of it ({@link InputPacking}); null: one placeholder per input, the first fed.
     */
    public static OnnxTfGraph translate(ModelProto model, Set<String> trainable, InputPacking packing) {
        OnnxTfGraph g = new OnnxTfGraph(opset(model));
        g.packing = packing;
        for (OperatorSetIdProto id : model.getOpsetImportList()) {
            g.domainVersions.put(Translators.domain(id.getDomain()), (int) id.getVersion());
        }
        try {
            g.build(model.getGraph(), trainable, ConstantFolding.fold(model, trainable));
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

    private void build(GraphProto g, Set<String> trainable, ConstantFolding.Folded folded) {
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
        Placeholder<TFloat32> packed = packing == null ? null : tf.withName("input0").placeholder(TFloat32.class,
                Placeholder.shape(Shape.of(-1, packing.width())));
        if (packed != null) {
            inputNames.add(packing.parts().get(0).name());
            inputs.add(packed);
            widths.add(packing.width());
        }
        for (ValueInfoProto in : g.getInputList()) {
            if (!ctx.defined(in.getName())) {
                if (packed == null) {
                    addInput(in);
                } else {
                    addPacked(in, packed);
                }
            }
        }
        folded.values().forEach(ctx::constantTensor);
        for (NodeProto node : g.getNodeList()) {
            for (String out : node.getOutputList()) {
                producers.put(out, node);
            }
            if (folded.folds(node)) {
                continue;
            }
            try {
                translate(node);
            } catch (UnsupportedOperatorException e) {
                throw e;
            } catch (RuntimeException e) {
                // TensorFlow's shape inference refusing a node is as much a missing translation as a missing op.
                throw TranslationContext.unsupported(node, "translation failed: " + firstLine(e.getMessage()));
            }
        }
        for (ValueInfoProto out : g.getOutputList()) {
            addOutput(out);
        }
    }

    /** A placeholder of rows [rows, values] for graph input {@code in}, reshaped to the graph's own input shape. */
    private void addInput(ValueInfoProto in) {
        int elem = in.getType().getTensorType().getElemType();
        boolean integer = OnnxTensorValues.isInteger(elem);
        if (!OnnxTensorValues.isFloating(elem) && !integer) {
            throw new IllegalArgumentException("graph input '" + in.getName() + "' is neither a float nor an "
                    + "integer tensor");
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
        if (dims.length > 1 && dims[0] == 1 && inputs.isEmpty()) {
            ctx.exportedForOneRow();
        }
        Placeholder<TFloat32> p = tf.withName("input" + inputs.size()).placeholder(TFloat32.class,
                Placeholder.shape(Shape.of(-1, width)));
        Operand<?> x = p;
        if (dims.length > 2) {
            int[] target = new int[dims.length];
            target[0] = -1;
            for (int i = 1; i < dims.length; i++) {
                target[i] = (int) dims[i];
            }
            x = tf.reshape(p, tf.constant(target));
        }
        if (integer) {
            // Token ids come as float rows; float32 holds every integer below 2^24 exactly.
            x = tf.dtypes.cast(tf.math.round((Operand<TFloat32>) x), TInt32.class);
        }
        inputNames.add(in.getName());
        inputs.add(p);
        widths.add((int) width);
        ctx.define(in.getName(), x);
    }

    /** Graph input {@code in} sliced out of the packed rows, in its own shape; integers cast to int32. */
    private void addPacked(ValueInfoProto in, Placeholder<TFloat32> packed) {
        InputPacking.Part part = packing.part(in.getName());
        if (part == null) {
            throw new IllegalArgumentException("graph input '" + in.getName() + "' is not among the packed inputs");
        }
        int at = packing.parts().indexOf(part);
        long[] rowShape = part.rowShape();
        int[] target = new int[rowShape.length + 1];
        target[0] = -1;
        for (int i = 0; i < rowShape.length; i++) {
            target[i + 1] = (int) rowShape[i];
        }
        Operand<?> x;
        if (part.width() == 0) {
            // An empty key/value cache: no values in the row (a reshape could not infer its batch), zeros of its shape.
            Operand<org.tensorflow.types.TInt32> batch = tf.slice(tf.shape(packed), tf.constant(new int[] {0}),
                    tf.constant(new int[] {1}));
            int[] rest = java.util.Arrays.copyOfRange(target, 1, target.length);
            x = tf.fill(tf.concat(List.of(batch, tf.constant(rest)), tf.constant(0)), tf.constant(0f));
        } else {
            Operand<TFloat32> slice = tf.slice(packed, tf.constant(new int[] {0, packing.offset(at)}),
                    tf.constant(new int[] {-1, part.width()}));
            x = tf.reshape(slice, tf.constant(target));
        }
        if (OnnxTensorValues.isInteger(part.elementType())) {
            x = tf.dtypes.cast(tf.math.round((Operand<TFloat32>) x), TInt32.class);
        } else if (!OnnxTensorValues.isFloating(part.elementType())) {
            throw new IllegalArgumentException("graph input '" + in.getName() + "' is neither a float nor an integer "
                    + "tensor");
        }
        ctx.define(in.getName(), x);
    }

    private void addOutput(ValueInfoProto out) {
        Operand<?> o = ctx.value(out.getName());
        if (o == null) {
            throw new IllegalArgumentException("graph output '" + out.getName() + "' is not produced by any node");
        }
        if (inputs.contains(o)) {
            // An input passed straight through: TensorFlow will not fetch what it is fed.
            o = tf.identity((Operand<TFloat32>) o);
        }
        outputNames.add(out.getName());
        outputs.add(ctx.asFloat(o));
        NodeProto last = producers.get(out.getName());
        String head = last == null ? "" : last.getOpType();
        if (HEADS.contains(head) && (head.equals("Sigmoid") || ctx.rank(last, o) == 2)) {
            logits.add(ctx.f(last, 0));
            heads.add(head);
        } else {
            logits.add(ctx.asFloat(o));
            heads.add("");
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
        if (!trainable) {
            ctx.constantTensor(name, t);
            return;
        }
        Shape shape = Shape.of(OnnxTensorValues.dims(t));
        Operand<TFloat32> c = tf.constant(shape, DataBuffers.of(OnnxTensorValues.floats(t), true, false));
        Variable<TFloat32> var = tf.withName("v" + variables.size()).variable(shape, TFloat32.class);
        initializers.add(tf.assign(var, c));
        variableNames.add(name);
        variables.add(var);
        shapes.add(shape);
        ctx.define(name, var);
    }

    /**
     * Elementwise operators built on their inputs' channels-last forms when a convolution or pool made them, so that
     * TensorFlow runs no transposes between one convolution and the next ({@link TranslationContext#onChannelsLast}).
     */
    private static final Set<String> LAYOUT_FREE = Set.of("Relu", "LeakyRelu", "Elu", "PRelu", "Clip",
            "HardSigmoid", "HardSwish", "Sigmoid", "Tanh", "Gelu", "Erf", "Softplus", "Add", "Sub", "Mul", "Div", "Sum",
            "Max", "Min", "Identity", "Dropout", "Neg", "Abs");

    /**
     * Builds {@code node} through the translator of its domain and operator, at the opset the model imports for that
     * domain; its first output takes what the translator returns.
     */
    private void translate(NodeProto node) {
        String domain = Translators.domain(node.getDomain());
        int version = domain.isEmpty() ? opset : domainVersions.getOrDefault(domain, 1);
        OperatorTranslator t = Translators.find(domain, node.getOpType(), version).orElseThrow(() ->
                UnsupportedOperatorException.notTranslated(TranslationContext.nodeName(node), node.getOpType(),
                        domain, version, Translators.names(domain)));
        Operand<?> out;
        if (domain.isEmpty() && LAYOUT_FREE.contains(node.getOpType()) && node.getOutputCount() > 0
                && ctx.onChannelsLast(node)) {
            Operand<?> nhwc = ctx.readingChannelsLast(() -> t.translate(ctx, node));
            out = ctx.fromChannelsLast(node, (Operand<TFloat32>) nhwc);
        } else {
            out = t.translate(ctx, node);
        }
        if (out != null && node.getOutputCount() > 0) {
            ctx.define(node.getOutput(0), out);
        }
    }

    /**
     * Every output (or, with {@code beforeHead}, every output's {@link #logits}) on {@code n} rows of the first input,
     * in batches of {@code batch}: one row-major array per output.
     */
    float[][] run(Session session, float[] rows, int n, int batch, boolean beforeHead) {
        int width = widths.get(0);
        return run(session, (from, m) -> Arrays.copyOfRange(rows, from * width, (from + m) * width), n, batch,
                beforeHead);
    }

    /** Rows {@code from .. from+m}'s values, row-major, in a new array. */
    interface RowSlices {
        float[] rows(int from, int m);
    }

    /** {@link #run(Session, float[], int, int, boolean)} on rows handed out a batch at a time. */
    float[][] run(Session session, RowSlices rows, int n, int batch, boolean beforeHead) {
        int width = widths.get(0);
        List<Operand<TFloat32>> fetched = beforeHead ? logits : outputs;
        float[][] out = new float[fetched.size()][];
        for (int from = 0; from < n; from += batch) {
            int m = Math.min(batch, n - from);
            try (TFloat32 x = TFloat32.tensorOf(Shape.of(m, width), DataBuffers.of(rows.rows(from, m), true, false))) {
                Session.Runner runner = session.runner().feed(inputs.get(0), x);
                fetched.forEach(runner::fetch);
                try (Result r = TfRuns.run(runner)) {
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
            TfRuns.run(assign).close();
        }
        return session;
    }

    @Override
    public void close() {
        graph.close();
        org.odf2nna.NativeMemory.trim();
    }
}
