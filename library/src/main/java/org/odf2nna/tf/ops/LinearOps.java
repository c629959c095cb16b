package org.odf2nna.tf.ops;

import static org.odf2nna.tf.ops.TranslationContext.attrFloat;
import static org.odf2nna.tf.ops.TranslationContext.attrInt;
import static org.odf2nna.tf.ops.TranslationContext.axis;
import static org.odf2nna.tf.ops.TranslationContext.has;

import java.util.List;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Matrix products and layer normalisation: MatMul, Gemm, LayerNormalization. */
final class LinearOps {

    private LinearOps() {
    }

    static void register(Translators.Registry r) {
        r.add("MatMul", (ctx, node) -> matMul(ctx, node, ctx.f(node, 0), ctx.f(node, 1)));
        r.add("Gemm", LinearOps::gemm);
        r.add("LayerNormalization", LinearOps::layerNorm);
    }

    private static Operand<TFloat32> matMul(TranslationContext ctx, NodeProto node, Operand<TFloat32> a,
            Operand<TFloat32> b) {
        Ops tf = ctx.tf();
        int ra = ctx.rank(node, a);
        int rb = ctx.rank(node, b);
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
            return tf.squeeze(matMul(ctx, node, a, tf.expandDims(b, tf.constant(-1))), Squeeze.axis(-1L));
        }
        return tf.squeeze(matMul(ctx, node, tf.expandDims(a, tf.constant(0)), b), Squeeze.axis(-2L));
    }

    private static Operand<TFloat32> gemm(TranslationContext ctx, NodeProto node) {
        Ops tf = ctx.tf();
        Operand<TFloat32> y = tf.linalg.matMul(ctx.f(node, 0), ctx.f(node, 1),
                MatMul.transposeA(attrInt(node, "transA", 0) != 0), MatMul.transposeB(attrInt(node, "transB", 0) != 0));
        float alpha = attrFloat(node, "alpha", 1f);
        if (alpha != 1f) {
            y = tf.math.mul(y, tf.constant(alpha));
        }
        if (has(node, 2)) {
            Operand<TFloat32> c = ctx.f(node, 2);
            float beta = attrFloat(node, "beta", 1f);
            y = tf.math.add(y, beta == 1f ? c : tf.math.mul(c, tf.constant(beta)));
        }
        return y;
    }

    /** y = (x − mean)/std · scale + bias over the axes from {@code axis}; the optional mean and 1/std outputs too. */
    private static Operand<TFloat32> layerNorm(TranslationContext ctx, NodeProto node) {
        Ops tf = ctx.tf();
        Operand<TFloat32> x = ctx.f(node, 0);
        int r = ctx.rank(node, x);
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
        Operand<TFloat32> y = tf.math.mul(tf.math.div(d, std), ctx.f(node, 1));
        if (has(node, 2)) {
            y = tf.math.add(y, ctx.f(node, 2));
        }
        if (node.getOutputCount() > 1 && !node.getOutput(1).isEmpty()) {
            ctx.define(node.getOutput(1), mean);
        }
        if (node.getOutputCount() > 2 && !node.getOutput(2).isEmpty()) {
            ctx.define(node.getOutput(2), tf.math.reciprocal(std));
        }
        return y;
    }
}
