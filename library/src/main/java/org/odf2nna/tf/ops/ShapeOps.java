package org.odf2nna.tf.ops;

import static org.odf2nna.tf.ops.TranslationContext.attr;
import static org.odf2nna.tf.ops.TranslationContext.attrInt;
import static org.odf2nna.tf.ops.TranslationContext.attrInts;
import static org.odf2nna.tf.ops.TranslationContext.axis;
import static org.odf2nna.tf.ops.TranslationContext.toInt;
import static org.odf2nna.tf.ops.TranslationContext.unsupported;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.tf.ops.OnnxTensorValues;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TType;

/**
 * Shapes and types: Reshape, Flatten, Shape, Transpose, Squeeze, Unsqueeze, Expand, Cast, Constant, ConstantOfShape,
 * Range, Pad, Tile.
 */
@SuppressWarnings({"unchecked", "rawtypes"})
final class ShapeOps {

    private ShapeOps() {
    }

    static void register(Translators.Registry r) {
        r.add("Reshape", ShapeOps::reshape);
        r.add("Flatten", ShapeOps::flatten);
        r.add("Shape", ShapeOps::shape);
        r.add("Transpose", ShapeOps::transpose);
        r.add("Squeeze", ShapeOps::squeeze);
        r.add("Unsqueeze", ShapeOps::unsqueeze);
        r.add("Expand", 8, ShapeOps::expand);
        r.add("Cast", ShapeOps::cast);
        r.add("Constant", ShapeOps::constant);
        r.add("ConstantOfShape", 9, ShapeOps::constantOfShape);
        r.add("Pad", 2, ShapeOps::pad);
        // Tile: the exporters' way of turning one grey channel into three; repeats per axis, as TensorFlow's.
        r.add("Tile", 6, (ctx, node) -> ctx.tf().tile(ctx.in(node, 0), ctx.n(node, 1)));
        r.add("Range", 11, (ctx, node) -> {
            Operand start = ctx.in(node, 0);
            Operand limit = ctx.same(ctx.in(node, 1), start);
            Operand delta = ctx.same(ctx.in(node, 2), start);
            return ctx.tf().range(start, limit, delta);
        });
    }

    private static Operand<?> reshape(TranslationContext ctx, NodeProto node) {
        Ops tf = ctx.tf();
        Operand x = ctx.in(node, 0);
        long[] target = ctx.knownInts(node.getInput(1));
        if (target == null) {
            // A shape computed at run time (PyTorch's Shape/Gather/Concat chains) holds real sizes, never 0.
            return tf.reshape(x, ctx.n(node, 1));
        }
        if (ctx.oneRow() && target.length > 0 && target[0] == 1 && x.shape().numDimensions() > 0
                && x.shape().get(0) < 0 && attrInt(node, "allowzero", 0) == 0) {
            // A batch-1 export writes its batch as 1 (YOLOv8's [1, 4, 16, anchors]); the rows come in batches here.
            target = target.clone();
            target[0] = 0;
        }
        boolean zero = Arrays.stream(target).anyMatch(d -> d == 0);
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
        return tf.reshape(x, ctx.concat(parts, 0));
    }

    private static Operand<?> flatten(TranslationContext ctx, NodeProto node) {
        Ops tf = ctx.tf();
        Operand x = ctx.in(node, 0);
        int r = ctx.rank(node, x);
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

    private static Operand<TInt32> shape(TranslationContext ctx, NodeProto node) {
        Ops tf = ctx.tf();
        Operand<?> x = ctx.in(node, 0);
        Operand<TInt32> s = tf.shape(x);
        AttributeProto start = attr(node, "start");
        AttributeProto end = attr(node, "end");
        if (start == null && end == null) {
            return s;
        }
        int r = ctx.rank(node, x);
        int from = start == null ? 0 : Math.max(0, Math.min(r, axis(start.getI(), r)));
        int to = end == null ? r : Math.max(0, Math.min(r, axis(end.getI(), r)));
        return tf.stridedSlice(s, tf.constant(new int[] {from}), tf.constant(new int[] {Math.max(from, to)}),
                tf.constant(new int[] {1}));
    }

    private static Operand<?> transpose(TranslationContext ctx, NodeProto node) {
        Operand x = ctx.in(node, 0);
        long[] perm = attrInts(node, "perm");
        int r = ctx.rank(node, x);
        int[] p = new int[r];
        for (int i = 0; i < r; i++) {
            p[i] = perm == null ? r - 1 - i : (int) perm[i];
        }
        return ctx.tf().linalg.transpose(x, ctx.tf().constant(p));
    }

    private static Operand<?> unsqueeze(TranslationContext ctx, NodeProto node) {
        Operand x = ctx.in(node, 0);
        long[] axes = ctx.opset() < 13 ? attrInts(node, "axes") : ctx.known(node, 1, "axes");
        if (axes == null) {
            throw unsupported(node, "no axes");
        }
        int r = ctx.rank(node, x) + axes.length;
        int[] ax = new int[axes.length];
        for (int i = 0; i < ax.length; i++) {
            ax[i] = axis(axes[i], r);
        }
        Arrays.sort(ax);
        Operand y = x;
        for (int a : ax) {
            y = ctx.tf().expandDims(y, ctx.tf().constant(a));
        }
        return y;
    }

    private static Operand<?> squeeze(TranslationContext ctx, NodeProto node) {
        Operand x = ctx.in(node, 0);
        long[] axes = ctx.opset() < 13 ? attrInts(node, "axes") : ctx.known(node, 1, "axes");
        if (axes == null) {
            return ctx.tf().squeeze(x);
        }
        int r = ctx.rank(node, x);
        List<Long> ax = new ArrayList<>();
        for (long a : axes) {
            ax.add((long) axis(a, r));
        }
        return ctx.tf().squeeze(x, Squeeze.axis(ax));
    }

    private static Operand<?> expand(TranslationContext ctx, NodeProto node) {
        Ops tf = ctx.tf();
        Operand x = ctx.in(node, 0);
        // x times ones of the shape: ONNX's two-way broadcast, which TensorFlow's BroadcastTo does not do.
        Operand ones = tf.fill(ctx.n(node, 1), tf.dtypes.cast(tf.constant(1), x.type()));
        if (x.type() == TBool.class) {
            return tf.math.logicalAnd(x, tf.dtypes.cast(ones, TBool.class));
        }
        return tf.math.mul(x, ones);
    }

    /**
     * Pad (Keras' ZeroPadding2D, PyTorch's padding modules): constant mode with its value; reflect as TensorFlow's
     * MirrorPad REFLECT; edge as MirrorPad SYMMETRIC where no side pads more than one value (the one repeated value is
     * the edge's). The pads (an attribute before opset 11, an input from it; the axes input of opset 18) must be
     * known while building; negative pads (cropping) are refused.
     */
    private static Operand<?> pad(TranslationContext ctx, NodeProto node) {
        Ops tf = ctx.tf();
        Operand x = ctx.in(node, 0);
        int r = ctx.rank(node, x);
        long[] pads = ctx.opset() < 11 ? attrInts(node, "pads") : ctx.known(node, 1, "pads");
        if (pads == null) {
            throw unsupported(node, "no pads");
        }
        long[] axes = ctx.opset() >= 18 ? ctx.known(node, 3, "axes") : null;
        int[] axisOf = new int[axes == null ? r : axes.length];
        for (int i = 0; i < axisOf.length; i++) {
            axisOf[i] = axes == null ? i : axis(axes[i], r);
        }
        if (pads.length != 2 * axisOf.length) {
            throw unsupported(node, pads.length + " pads for " + axisOf.length + " axes");
        }
        int[][] paddings = new int[r][2];
        long widest = 0;
        for (int i = 0; i < axisOf.length; i++) {
            long before = pads[i];
            long after = pads[i + axisOf.length];
            if (before < 0 || after < 0) {
                throw unsupported(node, "negative pads (cropping)");
            }
            paddings[axisOf[i]][0] = (int) before;
            paddings[axisOf[i]][1] = (int) after;
            widest = Math.max(widest, Math.max(before, after));
        }
        Operand<TInt32> p = tf.constant(paddings);
        String mode = attr(node, "mode") == null ? "constant" : attr(node, "mode").getS().toStringUtf8();
        switch (mode) {
            case "constant" -> {
                float value = ctx.opset() < 11 ? TranslationContext.attrFloat(node, "value", 0f) : 0f;
                Operand c = ctx.opset() >= 11 && TranslationContext.has(node, 2) ? ctx.same(ctx.tf().reshape(
                        ctx.in(node, 2), tf.constant(new int[0])), x) : ctx.same(tf.constant(value), x);
                return tf.pad(x, p, c);
            }
            case "reflect" -> {
                return tf.mirrorPad(x, p, "REFLECT");
            }
            case "edge" -> {
                if (widest > 1) {
                    throw unsupported(node, "edge mode wider than one value");
                }
                return tf.mirrorPad(x, p, "SYMMETRIC");
            }
            default -> throw unsupported(node, "mode '" + mode + "'");
        }
    }

    private static Operand<?> cast(TranslationContext ctx, NodeProto node) {
        Operand<?> x = ctx.in(node, 0);
        int to = (int) attrInt(node, "to", TensorProto.DataType.FLOAT_VALUE);
        Class<? extends TType> type;
        if (OnnxTensorValues.isFloating(to)) {
            type = TFloat32.class;
        } else if (OnnxTensorValues.isInteger(to)) {
            type = TInt32.class;
            long[] k = ctx.knownInts(node.getInput(0));
            if (k != null) {
                ctx.knowInts(node.getOutput(0), k);
            }
        } else if (to == TensorProto.DataType.BOOL_VALUE) {
            type = TBool.class;
        } else {
            throw unsupported(node, "cast to " + TensorProto.DataType.forNumber(to) + " is not translated");
        }
        return x.type() == type ? x : ctx.tf().dtypes.cast(x, type);
    }

    private static Operand<?> constant(TranslationContext ctx, NodeProto node) {
        Ops tf = ctx.tf();
        String out = node.getOutput(0);
        AttributeProto a = node.getAttributeCount() == 0 ? null : node.getAttribute(0);
        if (a == null) {
            throw unsupported(node, "no value");
        }
        switch (a.getName()) {
            case "value" -> ctx.constantTensor(out, a.getT());
            case "value_float" -> {
                ctx.knowFloats(out, new float[] {a.getF()});
                ctx.define(out, tf.constant(a.getF()));
            }
            case "value_floats" -> {
                float[] v = new float[a.getFloatsCount()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = a.getFloats(i);
                }
                ctx.knowFloats(out, v);
                ctx.define(out, tf.constant(v));
            }
            case "value_int" -> {
                ctx.knowInts(out, new long[] {a.getI()});
                ctx.define(out, tf.constant((int) a.getI()));
            }
            case "value_ints" -> {
                long[] v = a.getIntsList().stream().mapToLong(Long::longValue).toArray();
                ctx.knowInts(out, v);
                ctx.define(out, tf.constant(toInt(v)));
            }
            default -> throw unsupported(node, "constant given as '" + a.getName() + "' is not translated");
        }
        return ctx.value(out);
    }

    private static Operand<?> constantOfShape(TranslationContext ctx, NodeProto node) {
        Ops tf = ctx.tf();
        AttributeProto a = attr(node, "value");
        Operand<TInt32> shape = ctx.n(node, 0);
        if (a == null) {
            return tf.fill(shape, tf.constant(0f));
        }
        TensorProto t = a.getT();
        if (OnnxTensorValues.isFloating(t.getDataType())) {
            return tf.fill(shape, tf.constant(OnnxTensorValues.floats(t)[0]));
        }
        if (t.getDataType() == TensorProto.DataType.BOOL_VALUE) {
            // transformers' attention masks And a filled true with a comparison: LogicalAnd takes booleans only.
            TensorProto bytes = t.toBuilder().setDataType(TensorProto.DataType.UINT8_VALUE).build();
            return tf.fill(shape, tf.constant(OnnxTensorValues.longs(bytes)[0] != 0));
        }
        return tf.fill(shape, tf.constant((int) OnnxTensorValues.longs(t)[0]));
    }
}
