package org.odf2nna.tf.ops;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Scaled dot-product attention over heads, as ONNX Runtime's fused attention operators compute it: Q [B, S, H],
 * K [B, L, H] and V [B, L, Hv] are split into {@code heads} heads of adjacent channels, each head's scores are
 * softmax(Q·Kᵀ · scale) over the L keys, and the heads' outputs are put side by side again: [B, S, Hv]. Batch and
 * sequence sizes are read at run time (the graphs' batches are symbolic).
 */
final class HeadAttention {

    private HeadAttention() {
    }

    /** The first two sizes of {@code x} ([batch, sequence]) at run time. */
    static Operand<TInt32> lead(Ops tf, Operand<?> x) {
        return tf.stridedSlice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {2}),
                tf.constant(new int[] {1}));
    }

    /**
     * The heads' outputs side by side, [B, S, Hv].
     *
     * @param vHidden Hv when known while building (the output's static last size), else -1
     * @param scale   the scalar the scores are multiplied by before the softmax
     */
    static Operand<TFloat32> attend(Ops tf, Operand<TFloat32> q, Operand<TFloat32> k, Operand<TFloat32> v, int heads,
            int vHidden, Operand<TFloat32> scale) {
        Operand<TFloat32> qh = tf.linalg.transpose(split(tf, q, heads), tf.constant(new int[] {0, 2, 1, 3}));
        // K straight to [B, heads, dh, L], so that Q·Kᵀ is one batched product without an adjoint.
        Operand<TFloat32> kt = tf.linalg.transpose(split(tf, k, heads), tf.constant(new int[] {0, 2, 3, 1}));
        Operand<TFloat32> vh = tf.linalg.transpose(split(tf, v, heads), tf.constant(new int[] {0, 2, 1, 3}));
        Operand<TFloat32> scores = tf.math.mul(tf.train.batchMatMul(qh, kt, TFloat32.class), scale);
        Operand<TFloat32> context = tf.train.batchMatMul(tf.nn.softmax(scores), vh, TFloat32.class);
        Operand<TFloat32> merged = tf.linalg.transpose(context, tf.constant(new int[] {0, 2, 1, 3}));
        return tf.reshape(merged, tf.concat(List.of(lead(tf, q), tf.constant(new int[] {vHidden})),
                tf.constant(0)));
    }

    /**
     * 1/√dh, dh = H / heads: a constant when H is known while building, else computed from Q's shape at run time.
     */
    static Operand<TFloat32> defaultScale(Ops tf, Operand<TFloat32> q, int heads) {
        long hidden = q.shape().numDimensions() == 3 ? q.shape().get(2) : -1;
        if (hidden > 0) {
            return tf.constant((float) (1 / Math.sqrt((double) hidden / heads)));
        }
        Operand<TInt32> h = tf.stridedSlice(tf.shape(q), tf.constant(new int[] {2}), tf.constant(new int[] {3}),
                tf.constant(new int[] {1}));
        Operand<TFloat32> dh = tf.math.div(tf.dtypes.cast(tf.reshape(h, tf.constant(new int[0])), TFloat32.class),
                tf.constant((float) heads));
        return tf.math.rsqrt(dh);
    }

    /** [B, S, H] as [B, S, heads, H / heads]: head h holds channels h·dh … h·dh + dh − 1. */
    private static Operand<TFloat32> split(Ops tf, Operand<TFloat32> x, int heads) {
        return tf.reshape(x, tf.concat(List.of(lead(tf, x), tf.constant(new int[] {heads, -1})), tf.constant(0)));
    }
}
