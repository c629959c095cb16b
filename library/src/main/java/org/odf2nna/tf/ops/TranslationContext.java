package org.odf2nna.tf.ops;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.odf2nna.onnx.NodeAttributes;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * What the translators share while a graph is built: the TensorFlow ops, the values of the tensors built so far, the
 * integer and float tensors known while building (axes, perms, exponents), the opset, and the readers of a node's
 * inputs and attributes.
 *
 * <p>Floating tensors are float32 throughout; integer tensors int32 whatever the ONNX type (TensorFlow's gradients of
 * gathers and slices want int32 indices, and no shape here needs 64 bits).
 */
@SuppressWarnings({"unchecked", "rawtypes"})
public final class TranslationContext {

    private final Ops tf;
    private final int opset;
    private final Map<String, Operand<?>> values = new HashMap<>();
    /** Integer tensors whose values are known while building (Constant nodes, initializers): axes, perms, steps. */
    private final Map<String, long[]> knownInts = new HashMap<>();
    /** Float tensors known while building and not trained (exponents of Pow). */
    private final Map<String, float[]> knownFloats = new HashMap<>();

    /**
     * Channels-last (NHWC) forms of rank-4 float tensors that a convolution or pool made: TensorFlow's CPU kernels
     * know only NHWC, so the next convolution, and the elementwise nodes between (activations, residual Adds), read
     * these instead of transposing the ONNX (NCHW) value back. A value nothing reads in NCHW is never computed:
     * a session runs only what its fetches need.
     */
    private final Map<String, Operand<TFloat32>> channelsLast = new HashMap<>();
    /** Whether {@link #in} answers with the channels-last forms (while a layout-free node is built on them). */
    private boolean readingChannelsLast;
    /** Whether the graph's input was exported for batches of one ({@link #exportedForOneRow}). */
    private boolean oneRow;

    public TranslationContext(Ops tf, int opset) {
        this.tf = tf;
        this.opset = opset;
    }

    public Ops tf() {
        return tf;
    }

    /**
     * Marks the graph as exported for batches of one (its input's first dimension fixed at 1): its Reshape nodes
     * write the batch as 1, and the translation, which takes batches of any size, reads that 1 as the batch
     * ({@code ShapeOps}' Reshape).
     */
    public void exportedForOneRow() {
        oneRow = true;
    }

    /** Whether {@link #exportedForOneRow} was said. */
    public boolean oneRow() {
        return oneRow;
    }

    /** The default domain's opset of the model. */
    public int opset() {
        return opset;
    }

    // ---- values ------------------------------------------------------------------------------------------------

    /** Gives tensor {@code name} its value. */
    public void define(String name, Operand<?> value) {
        values.put(name, value);
    }

    /** The value of tensor {@code name}, or null when none is built. */
    public Operand<?> value(String name) {
        return values.get(name);
    }

    public boolean defined(String name) {
        return values.containsKey(name);
    }

    /** Records integer values known while building. */
    public void knowInts(String name, long[] v) {
        knownInts.put(name, v);
    }

    public void knowFloats(String name, float[] v) {
        knownFloats.put(name, v);
    }

    /** The integer values of {@code name} when known while building, else null. */
    public long[] knownInts(String name) {
        return knownInts.get(name);
    }

    public float[] knownFloats(String name) {
        return knownFloats.get(name);
    }

    /** A tensor that is not trained (an initializer, a Constant node's value) as a TensorFlow constant. */
    public void constantTensor(String name, TensorProto t) {
        Shape shape = Shape.of(OnnxTensorValues.dims(t));
        if (OnnxTensorValues.isFloating(t.getDataType())) {
            float[] v = OnnxTensorValues.floats(t);
            if (v.length <= 16) {
                knownFloats.put(name, v);
            }
            values.put(name, tf.constant(shape, DataBuffers.of(v, true, false)));
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

    // ---- channels-last forms -----------------------------------------------------------------------------------

    /**
     * The ONNX (NCHW) value of {@code node}'s first output from its channels-last form {@code nhwc}, which later
     * readers that can take it ({@link #channelsLast}, {@link #onChannelsLast}) read instead.
     */
    public Operand<TFloat32> fromChannelsLast(NodeProto node, Operand<TFloat32> nhwc) {
        channelsLast.put(node.getOutput(0), nhwc);
        return tf.linalg.transpose(nhwc, tf.constant(new int[] {0, 3, 1, 2}));
    }

    /** Rank-4 input {@code i} channels-last: the form its maker left, else its value transposed. */
    public Operand<TFloat32> channelsLast(NodeProto node, int i) {
        Operand<TFloat32> twin = has(node, i) ? channelsLast.get(node.getInput(i)) : null;
        return twin != null ? twin : tf.linalg.transpose(f(node, i), tf.constant(new int[] {0, 2, 3, 1}));
    }

    /**
     * Whether a layout-free (elementwise) node can be built on its inputs' channels-last forms: one at least has
     * one, and every other input is a single value (whose broadcast is the same in either layout).
     */
    public boolean onChannelsLast(NodeProto node) {
        boolean any = false;
        for (int i = 0; i < node.getInputCount(); i++) {
            if (!has(node, i)) {
                continue;
            }
            if (channelsLast.containsKey(node.getInput(i))) {
                any = true;
                continue;
            }
            Operand<?> v = values.get(node.getInput(i));
            if (v == null || v.shape().hasUnknownDimension() || v.shape().size() != 1) {
                return false;
            }
        }
        return any;
    }

    /** Builds {@code build} with {@link #in} answering channels-last forms where inputs have them. */
    public Operand<?> readingChannelsLast(java.util.function.Supplier<Operand<?>> build) {
        readingChannelsLast = true;
        try {
            return build.get();
        } finally {
            readingChannelsLast = false;
        }
    }

    // ---- a node's inputs ---------------------------------------------------------------------------------------

    public static boolean has(NodeProto node, int i) {
        return node.getInputCount() > i && !node.getInput(i).isEmpty();
    }

    public Operand<?> in(NodeProto node, int i) {
        Operand<?> v = has(node, i) ? values.get(node.getInput(i)) : null;
        if (readingChannelsLast && v != null && channelsLast.containsKey(node.getInput(i))) {
            return channelsLast.get(node.getInput(i));
        }
        if (v == null) {
            throw unsupported(node, "input " + i + (has(node, i) ? " '" + node.getInput(i) + "'" : "")
                    + " is not produced before the node");
        }
        return v;
    }

    /** Input {@code i} as float32. */
    public Operand<TFloat32> f(NodeProto node, int i) {
        return asFloat(in(node, i));
    }

    /** Input {@code i} as int32. */
    public Operand<TInt32> n(NodeProto node, int i) {
        Operand<?> v = in(node, i);
        return v.type() == TInt32.class ? (Operand<TInt32>) v : tf.dtypes.cast(v, TInt32.class);
    }

    public Operand<TFloat32> asFloat(Operand<?> v) {
        return v.type() == TFloat32.class ? (Operand<TFloat32>) v : tf.dtypes.cast(v, TFloat32.class);
    }

    /** {@code v} in the type of {@code like}. */
    public Operand<?> same(Operand<?> v, Operand<?> like) {
        return v.type() == like.type() ? v : tf.dtypes.cast(v, like.type());
    }

    /** A constant integer input (axes, steps), or null when absent; an input not known while building is refused. */
    public long[] known(NodeProto node, int i, String what) {
        if (!has(node, i)) {
            return null;
        }
        long[] v = knownInts.get(node.getInput(i));
        if (v == null) {
            throw unsupported(node, what + " must be constant for the TensorFlow translation");
        }
        return v;
    }

    public int rank(NodeProto node, Operand<?> x) {
        int r = x.shape().numDimensions();
        if (r < 0) {
            throw unsupported(node, "the rank of its input is not known while building");
        }
        return r;
    }

    /** Concatenation along {@code axis}; one part is itself (TensorFlow's ConcatV2 wants at least two). */
    public <T extends org.tensorflow.types.family.TType> Operand<T> concat(List<? extends Operand<T>> parts,
            int axis) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        return tf.concat((List) parts, tf.constant(axis));
    }

    // ---- attributes --------------------------------------------------------------------------------------------

    // The translators' short names for onnx.NodeAttributes, the one reading of a node's attributes.

    public static AttributeProto attr(NodeProto node, String name) {
        return NodeAttributes.attribute(node, name);
    }

    public static float attrFloat(NodeProto node, String name, float otherwise) {
        return NodeAttributes.floatAttribute(node, name, otherwise);
    }

    public static long attrInt(NodeProto node, String name, long otherwise) {
        return NodeAttributes.intAttribute(node, name, otherwise);
    }

    public static long[] attrInts(NodeProto node, String name) {
        AttributeProto a = attr(node, name);
        return a == null ? null : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    public static String attrString(NodeProto node, String name, String otherwise) {
        AttributeProto a = attr(node, name);
        return a == null ? otherwise : a.getS().toStringUtf8();
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /** A negative axis counted from the end of a tensor of {@code rank}. */
    public static int axis(long axis, int rank) {
        return org.odf2nna.onnx.Axes.of(axis, rank);
    }

    /** int64 values clamped into int32 (ONNX writes INT64_MAX for "to the end"). */
    public static int[] toInt(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v[i]));
        }
        return out;
    }

    public static String nodeName(NodeProto node) {
        return !node.getName().isEmpty() ? node.getName() : node.getOutputCount() > 0 ? node.getOutput(0) : "?";
    }

    /** The one-line refusal naming the node and its operator. */
    public static UnsupportedOperatorException unsupported(NodeProto node, String why) {
        return new UnsupportedOperatorException(nodeName(node), node.getOpType(), why);
    }
}
