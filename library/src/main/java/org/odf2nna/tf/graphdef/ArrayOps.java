package org.odf2nna.tf.graphdef;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.odf2nna.onnx.Axes;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;

/**
 * Constants, pass-throughs and shapes: {@code Const}, {@code Identity} and its kin, {@code Cast}, {@code Reshape},
 * {@code Squeeze}, {@code ExpandDims}, {@code ConcatV2}, {@code Pad}, {@code Transpose}, and the shape arithmetic Keras
 * 3's Flatten writes ({@code Shape → StridedSlice → Pack → Reshape}), folded with the static shapes: the batch size
 * stays -1, which a Reshape takes as "the rest".
 */
final class ArrayOps {

    private ArrayOps() {
    }

    static void register(TfTranslators.Registry r) {
        r.add("Const", (n, g) -> List.of(constant(n, n.def().getAttrOrThrow("value").getTensor())));
        for (String op : List.of("Identity", "StopGradient", "Snapshot", "ReadVariableOp", "PreventGradient",
                "EnsureShape", "CheckNumerics")) {
            r.add(op, (n, g) -> List.of(n.input(0)));
        }
        r.add("IdentityN", (n, g) -> n.inputs());
        r.add("Cast", ArrayOps::cast);
        r.add("Reshape", ArrayOps::reshape);
        r.add("Squeeze", ArrayOps::squeeze);
        r.add("ExpandDims", ArrayOps::expandDims);
        r.add("Shape", (n, g) -> {
            long[] s = n.input(0).shape();
            return List.of(TfValue.ints(new long[] {s.length}, s));
        });
        r.add("StridedSlice", ArrayOps::stridedSlice);
        r.add("Pack", ArrayOps::pack);
        r.add("ConcatV2", ArrayOps::concat);
        r.add("Prod", ArrayOps::prod);
        r.add("Pad", ArrayOps::pad);
        r.add("PadV2", ArrayOps::pad);
        r.add("Transpose", ArrayOps::transpose);
    }

    static TfValue constant(TfNode n, TensorProto t) {
        long[] shape = t.getTensorShape().getDimList().stream().mapToLong(d -> d.getSize()).toArray();
        int size = (int) TfValue.sizeOf(shape);
        ByteBuffer content = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        switch (t.getDtype()) {
            case DT_FLOAT: {
                float[] v = new float[size];
                if (content.hasRemaining()) {
                    content.asFloatBuffer().get(v);
                } else {
                    for (int i = 0; i < size; i++) {
                        v[i] = t.getFloatValCount() == 0 ? 0 : t.getFloatVal(Math.min(i, t.getFloatValCount() - 1));
                    }
                }
                return TfValue.floats(shape, v);
            }
            case DT_DOUBLE: {
                float[] v = new float[size];
                for (int i = 0; i < size; i++) {
                    v[i] = (float) (content.hasRemaining() ? content.getDouble(8 * i)
                            : t.getDoubleValCount() == 0 ? 0 : t.getDoubleVal(Math.min(i, t.getDoubleValCount() - 1)));
                }
                return TfValue.floats(shape, v);
            }
            case DT_INT32:
            case DT_INT64: {
                boolean wide = t.getDtype() == DataType.DT_INT64;
                long[] v = new long[size];
                int held = wide ? t.getInt64ValCount() : t.getIntValCount();
                for (int i = 0; i < size; i++) {
                    if (content.hasRemaining()) {
                        v[i] = wide ? content.getLong(8 * i) : content.getInt(4 * i);
                    } else if (held > 0) {
                        v[i] = wide ? t.getInt64Val(Math.min(i, held - 1)) : t.getIntVal(Math.min(i, held - 1));
                    }
                }
                return TfValue.ints(shape, v);
            }
            default:
                throw n.refuse("a constant of type " + t.getDtype() + " is not translated");
        }
    }

    private static List<TfValue> cast(TfNode n, OnnxGraph g) {
        TfValue x = n.input(0);
        DataType to = n.type("DstT");
        boolean toFloat = to == DataType.DT_FLOAT || to == DataType.DT_DOUBLE || to == DataType.DT_HALF;
        boolean toInt = to == DataType.DT_INT32 || to == DataType.DT_INT64;
        if (x.isConstant()) {
            if (toFloat) {
                return List.of(x.isFloat() ? x : MathOps.fold(x, v -> v));
            }
            if (toInt) {
                return List.of(x.isFloat() ? TfValue.ints(x.shape(), Arrays.stream(x.doubles())
                        .mapToLong(v -> (long) v).toArray()) : x);
            }
        } else if (toFloat) {
            // The data is float32 throughout; a cast to float changes nothing.
            return List.of(x);
        }
        throw n.refuse("a cast of " + (x.isConstant() ? "a constant" : "the data") + " to " + to
                + " is not translated");
    }

    private static List<TfValue> reshape(TfNode n, OnnxGraph g) {
        TfValue x = n.input(0);
        long[] target = n.constant(1, "shape").ints();
        long[] shape = resolve(n, x.shape(), target);
        if (x.isConstant()) {
            return List.of(x.withShape(shape));
        }
        return List.of(g.node("Reshape", List.of(x.name(), g.ints("shape", target)), shape));
    }

    /** A reshape's target with its -1 worked out where the sizes are known. */
    private static long[] resolve(TfNode n, long[] from, long[] target) {
        long[] shape = target.clone();
        int free = -1;
        long known = 1;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] < 0) {
                if (free >= 0) {
                    throw n.refuse("the target shape " + Arrays.toString(target) + " leaves two sizes open (one "
                            + "of them the batch size, which the translation does not know)");
                }
                free = d;
            } else {
                known *= shape[d];
            }
        }
        long total = TfValue.sizeOf(from);
        if (free >= 0 && total >= 0 && known > 0) {
            shape[free] = total / known;
        }
        return shape;
    }

    private static List<TfValue> squeeze(TfNode n, OnnxGraph g) {
        TfValue x = n.input(0);
        long[] axes = n.ints("squeeze_dims");
        long[] s = x.shape();
        List<Long> out = new ArrayList<>();
        List<Long> removed = new ArrayList<>();
        for (int d = 0; d < s.length; d++) {
            final int dim = d;
            boolean named = axes.length == 0 ? s[d] == 1
                    : Arrays.stream(axes).anyMatch(a -> Axes.of(a, s.length) == dim);
            if (named) {
                removed.add((long) d);
            } else {
                out.add(s[d]);
            }
        }
        long[] shape = out.stream().mapToLong(Long::longValue).toArray();
        if (x.isConstant()) {
            return List.of(x.withShape(shape));
        }
        return List.of(g.node("Squeeze", List.of(x.name(), g.ints("axes",
                removed.stream().mapToLong(Long::longValue).toArray())), shape));
    }

    private static List<TfValue> expandDims(TfNode n, OnnxGraph g) {
        TfValue x = n.input(0);
        long axis = n.constant(1, "axis").ints()[0];
        long[] s = x.shape();
        int at = Axes.of(axis, s.length + 1);
        long[] shape = new long[s.length + 1];
        for (int d = 0, from = 0; d < shape.length; d++) {
            shape[d] = d == at ? 1 : s[from++];
        }
        if (x.isConstant()) {
            return List.of(x.withShape(shape));
        }
        return List.of(g.node("Unsqueeze", List.of(x.name(), g.ints("axes", at)), shape));
    }

    /** StridedSlice of a constant vector (a shape): begin, end and stride masks, shrinking to a scalar. */
    private static List<TfValue> stridedSlice(TfNode n, OnnxGraph g) {
        TfValue x = n.input(0);
        if (!x.isConstant() || x.rank() != 1 || x.isFloat()) {
            throw n.refuse("only a slice of a shape (a constant integer vector) is translated");
        }
        if (n.integer("ellipsis_mask", 0) != 0 || n.integer("new_axis_mask", 0) != 0) {
            throw n.refuse("ellipsis and new-axis masks are not translated");
        }
        long length = x.dim(0);
        long begin = n.constant(1, "begin").ints()[0];
        long end = n.constant(2, "end").ints()[0];
        long stride = n.constant(3, "strides").ints()[0];
        if (stride <= 0) {
            throw n.refuse("a stride of " + stride + " is not translated");
        }
        begin = (n.integer("begin_mask", 0) & 1) != 0 ? 0 : begin < 0 ? begin + length : begin;
        end = (n.integer("end_mask", 0) & 1) != 0 ? length : end < 0 ? end + length : Math.min(end, length);
        boolean shrink = (n.integer("shrink_axis_mask", 0) & 1) != 0;
        if (shrink) {
            return List.of(TfValue.ints(new long[0], new long[] {x.ints()[(int) begin]}));
        }
        List<Long> out = new ArrayList<>();
        for (long i = begin; i < end; i += stride) {
            out.add(x.ints()[(int) i]);
        }
        return List.of(TfValue.ints(new long[] {out.size()}, out.stream().mapToLong(Long::longValue).toArray()));
    }

    private static List<TfValue> pack(TfNode n, OnnxGraph g) {
        List<Long> values = new ArrayList<>();
        for (int i = 0; i < n.inputs().size(); i++) {
            TfValue v = n.constant(i, "value");
            if (v.isFloat() || v.rank() != 0) {
                throw n.refuse("only packing integer scalars (a shape) is translated");
            }
            values.add(v.ints()[0]);
        }
        return List.of(TfValue.ints(new long[] {values.size()}, values.stream().mapToLong(Long::longValue)
                .toArray()));
    }

    private static List<TfValue> prod(TfNode n, OnnxGraph g) {
        TfValue x = n.constant(0, "input");
        if (x.isFloat() || x.rank() != 1 || Arrays.stream(x.ints()).anyMatch(v -> v < 0)) {
            throw n.refuse("only the product of a known shape is translated (this one holds the batch size)");
        }
        long p = Arrays.stream(x.ints()).reduce(1, (a, b) -> a * b);
        boolean keep = n.bool("keep_dims", false);
        return List.of(TfValue.ints(keep ? new long[] {1} : new long[0], new long[] {p}));
    }

    private static List<TfValue> concat(TfNode n, OnnxGraph g) {
        int count = n.inputs().size() - 1;
        long axis = n.constant(count, "axis").ints()[0];
        List<TfValue> parts = n.inputs().subList(0, count);
        int rank = parts.get(0).rank();
        int at = Axes.of(axis, rank);
        long[] shape = parts.get(0).shape();
        for (int i = 1; i < count; i++) {
            long size = parts.get(i).dim(at);
            shape[at] = shape[at] < 0 || size < 0 ? -1 : shape[at] + size;
        }
        if (parts.stream().allMatch(p -> p.isConstant() && !p.isFloat()) && rank == 1) {
            long[] all = parts.stream().flatMapToLong(p -> Arrays.stream(p.ints())).toArray();
            return List.of(TfValue.ints(new long[] {all.length}, all));
        }
        List<String> inputs = parts.stream().map(g::tensor).toList();
        return List.of(g.node("Concat", inputs, shape, OnnxGraph.attribute("axis", (long) at)));
    }

    private static List<TfValue> pad(TfNode n, OnnxGraph g) {
        TfValue x = n.input(0);
        long[] paddings = n.constant(1, "paddings").ints();
        int rank = x.rank();
        long[] pads = new long[2 * rank];
        long[] shape = x.shape();
        for (int d = 0; d < rank; d++) {
            pads[d] = paddings[2 * d];
            pads[rank + d] = paddings[2 * d + 1];
            shape[d] = shape[d] < 0 ? -1 : shape[d] + pads[d] + pads[rank + d];
        }
        List<String> inputs = new ArrayList<>(List.of(g.tensor(x), g.ints("pads", pads)));
        if (n.inputs().size() > 2) {
            inputs.add(g.tensor(n.constant(2, "constant_values")));
        }
        return List.of(g.node("Pad", inputs, shape));
    }

    private static List<TfValue> transpose(TfNode n, OnnxGraph g) {
        TfValue x = n.input(0);
        long[] perm = n.constant(1, "perm").ints();
        long[] shape = new long[perm.length];
        for (int d = 0; d < perm.length; d++) {
            shape[d] = x.dim((int) perm[d]);
        }
        if (x.isConstant()) {
            if (x.rank() != 2 || perm[0] != 1) {
                throw n.refuse("only a transpose of a constant matrix or of the data is translated");
            }
            return List.of(transposed(x));
        }
        return List.of(g.node("Transpose", List.of(x.name()), shape, OnnxGraph.attribute("perm", perm)));
    }

    /** A constant matrix transposed. */
    static TfValue transposed(TfValue m) {
        int rows = (int) m.dim(0);
        int cols = (int) m.dim(1);
        float[] v = m.floats();
        float[] t = new float[v.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = v[i * cols + j];
            }
        }
        return TfValue.floats(new long[] {cols, rows}, t);
    }
}
