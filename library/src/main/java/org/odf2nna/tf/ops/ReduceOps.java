package org.odf2nna.tf.ops;

import static org.odf2nna.tf.ops.TranslationContext.attrInt;
import static org.odf2nna.tf.ops.TranslationContext.attrInts;
import static org.odf2nna.tf.ops.TranslationContext.axis;
import static org.odf2nna.tf.ops.TranslationContext.has;

import java.util.Map;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Max;
import org.tensorflow.op.core.Min;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TInt32;

/**
 * Reductions over axes: ReduceMean, ReduceSum, ReduceMax, ReduceMin. The axes are an attribute before the input form
 * (ReduceSum from opset 13, the others from 18); both are read, whichever the node carries.
 */
@SuppressWarnings({"unchecked", "rawtypes"})
final class ReduceOps {

    private ReduceOps() {
    }

    /** A reduction over the given axes, keeping them (as size 1) or not. */
    private interface Reduction {
        Operand apply(Ops tf, Operand x, Operand<TInt32> axes, boolean keep);
    }

    private static final Map<String, Reduction> REDUCTIONS = Map.of(
            "ReduceMean", (tf, x, ax, keep) -> tf.math.mean(x, ax, Mean.keepDims(keep)),
            "ReduceSum", (tf, x, ax, keep) -> tf.reduceSum(x, ax, ReduceSum.keepDims(keep)),
            "ReduceMax", (tf, x, ax, keep) -> tf.max(x, ax, Max.keepDims(keep)),
            "ReduceMin", (tf, x, ax, keep) -> tf.min(x, ax, Min.keepDims(keep)));

    static void register(Translators.Registry r) {
        REDUCTIONS.forEach((op, fn) -> r.add(op, (ctx, node) -> reduce(ctx, node, fn)));
    }

    private static Operand<?> reduce(TranslationContext ctx, NodeProto node, Reduction fn) {
        Operand x = ctx.in(node, 0);
        int r = ctx.rank(node, x);
        long[] axes = has(node, 1) ? ctx.known(node, 1, "axes") : attrInts(node, "axes");
        int[] ax;
        if (axes == null || axes.length == 0) {
            if (attrInt(node, "noop_with_empty_axes", 0) != 0) {
                return x;
            }
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
        return fn.apply(ctx.tf(), x, ctx.tf().constant(ax), keep);
    }
}
