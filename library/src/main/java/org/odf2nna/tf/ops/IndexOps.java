package org.odf2nna.tf.ops;

import static org.odf2nna.tf.ops.TranslationContext.attrInt;
import static org.odf2nna.tf.ops.TranslationContext.attrInts;
import static org.odf2nna.tf.ops.TranslationContext.axis;
import static org.odf2nna.tf.ops.TranslationContext.has;
import static org.odf2nna.tf.ops.TranslationContext.toInt;
import static org.odf2nna.tf.ops.TranslationContext.unsupported;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.StridedSlice;
import org.tensorflow.types.TInt32;

/** Picking and joining parts of tensors: Concat, Slice, Gather, Split. */
@SuppressWarnings({"unchecked", "rawtypes"})
final class IndexOps {

    private IndexOps() {
    }

    static void register(Translators.Registry r) {
        r.add("Concat", IndexOps::concat);
        r.add("Slice", IndexOps::slice);
        r.add("Gather", IndexOps::gather);
        r.add("Split", 2, IndexOps::split);
    }

    private static Operand<?> concat(TranslationContext ctx, NodeProto node) {
        Operand<?> first = ctx.in(node, 0);
        List<Operand> parts = new ArrayList<>();
        for (int i = 0; i < node.getInputCount(); i++) {
            if (has(node, i)) {
                parts.add(ctx.same(ctx.in(node, i), first));
            }
        }
        return ctx.concat((List) parts, axis(attrInt(node, "axis", 0), ctx.rank(node, first)));
    }

    private static Operand<?> gather(TranslationContext ctx, NodeProto node) {
        Ops tf = ctx.tf();
        Operand data = ctx.in(node, 0);
        int r = ctx.rank(node, data);
        int axis = axis(attrInt(node, "axis", 0), r);
        Operand<TInt32> indices = ctx.n(node, 1);
        long[] k = ctx.knownInts(node.getInput(1));
        boolean nonNegative = k != null && Arrays.stream(k).allMatch(v -> v >= 0);
        if (!nonNegative) {
            // ONNX counts negative indices from the end; TensorFlow's gather rejects them.
            Operand<TInt32> dim = tf.gather(tf.shape(data), tf.constant(axis), tf.constant(0));
            indices = tf.math.floorMod(indices, dim);
        }
        return tf.gather(data, indices, tf.constant(axis));
    }

    /** The sliced axes, starts and ends of either form: attributes before opset 10, inputs from it. */
    private record SliceSpec(long[] axes, long[] steps, Operand<TInt32> starts, Operand<TInt32> ends) { }

    private static SliceSpec sliceSpec(TranslationContext ctx, NodeProto node) {
        if (ctx.opset() < 10) {
            long[] s = attrInts(node, "starts");
            long[] axes = attrInts(node, "axes");
            return new SliceSpec(axes != null ? axes : range(s.length), null, ctx.tf().constant(toInt(s)),
                    ctx.tf().constant(toInt(attrInts(node, "ends"))));
        }
        Operand<TInt32> starts = ctx.n(node, 1);
        long[] axes = ctx.known(node, 3, "axes");
        if (axes == null) {
            long count = starts.shape().get(0);
            if (count < 0) {
                throw unsupported(node, "the number of sliced axes is not known while building");
            }
            axes = range((int) count);
        }
        return new SliceSpec(axes, ctx.known(node, 4, "steps"), starts, ctx.n(node, 2));
    }

    private static long[] range(int n) {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = i;
        }
        return v;
    }

    private static Operand<?> slice(TranslationContext ctx, NodeProto node) {
        Ops tf = ctx.tf();
        Operand x = ctx.in(node, 0);
        int r = ctx.rank(node, x);
        SliceSpec spec = sliceSpec(ctx, node);
        // Full-rank begin/end/strides for StridedSlice; the axes not sliced are masked.
        List<Operand<TInt32>> begin = new ArrayList<>();
        List<Operand<TInt32>> end = new ArrayList<>();
        int[] strides = new int[r];
        long mask = 0;
        for (int d = 0; d < r; d++) {
            int k = -1;
            for (int i = 0; i < spec.axes().length; i++) {
                if (axis(spec.axes()[i], r) == d) {
                    k = i;
                }
            }
            if (k < 0) {
                mask |= 1L << d;
                begin.add(tf.constant(new int[] {0}));
                end.add(tf.constant(new int[] {0}));
                strides[d] = 1;
            } else {
                begin.add(element(tf, spec.starts(), k));
                end.add(element(tf, spec.ends(), k));
                strides[d] = spec.steps() == null ? 1 : (int) spec.steps()[k];
            }
        }
        return tf.stridedSlice(x, ctx.concat(begin, 0), ctx.concat(end, 0), tf.constant(strides),
                StridedSlice.beginMask(mask), StridedSlice.endMask(mask));
    }

    private static Operand<TInt32> element(Ops tf, Operand<TInt32> v, int k) {
        return tf.stridedSlice(v, tf.constant(new int[] {k}), tf.constant(new int[] {k + 1}),
                tf.constant(new int[] {1}));
    }

    /**
     * Split into the node's outputs along {@code axis}: by the sizes given (an attribute before opset 13, an input
     * from it), else into {@code num_outputs} parts (opset 18; the last one smaller when the size does not divide),
     * else into equal parts, one per output.
     */
    private static Operand<?> split(TranslationContext ctx, NodeProto node) {
        Ops tf = ctx.tf();
        Operand x = ctx.in(node, 0);
        int r = ctx.rank(node, x);
        int axis = axis(attrInt(node, "axis", 0), r);
        int parts = node.getOutputCount();
        long[] sizes = ctx.opset() < 13 ? attrInts(node, "split") : ctx.known(node, 1, "split sizes");
        long numOutputs = attrInt(node, "num_outputs", 0);
        if (sizes == null && numOutputs > 0) {
            long dim = x.shape().get(axis);
            if (dim < 0) {
                throw unsupported(node, "num_outputs needs the split axis's size known while building");
            }
            long each = (dim + numOutputs - 1) / numOutputs;
            sizes = new long[(int) numOutputs];
            for (int i = 0; i < sizes.length; i++) {
                sizes[i] = Math.max(0, Math.min(each, dim - i * each));
            }
        }
        List<Operand> outs;
        if (sizes == null) {
            outs = (List) tf.split(tf.constant(axis), x, (long) parts).output();
        } else {
            outs = (List) tf.splitV(x, tf.constant(toInt(sizes)), tf.constant(axis), (long) sizes.length).output();
        }
        for (int i = 1; i < Math.min(parts, outs.size()); i++) {
            if (!node.getOutput(i).isEmpty()) {
                ctx.define(node.getOutput(i), outs.get(i));
            }
        }
        return outs.get(0);
    }
}
