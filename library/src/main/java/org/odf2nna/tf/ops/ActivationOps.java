package org.odf2nna.tf.ops;

import static org.odf2nna.tf.ops.TranslationContext.attr;
import static org.odf2nna.tf.ops.TranslationContext.attrFloat;
import static org.odf2nna.tf.ops.TranslationContext.attrInt;
import static org.odf2nna.tf.ops.TranslationContext.attrString;
import static org.odf2nna.tf.ops.TranslationContext.axis;
import static org.odf2nna.tf.ops.TranslationContext.has;

import java.util.List;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceProd;
import org.tensorflow.op.nn.LeakyRelu;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Activations with attributes or several ops: LeakyRelu, Elu, PRelu, Clip, HardSigmoid, HardSwish, Gelu, Softmax. */
final class ActivationOps {

    private ActivationOps() {
    }

    static void register(Translators.Registry r) {
        r.add("LeakyRelu", (ctx, node) -> ctx.tf().nn.leakyRelu(ctx.f(node, 0),
                LeakyRelu.alpha(attrFloat(node, "alpha", 0.01f))));
        r.add("Elu", ActivationOps::elu);
        r.add("PRelu", ActivationOps::prelu);
        r.add("Clip", ActivationOps::clip);
        r.add("HardSigmoid", (ctx, node) -> hardSigmoid(ctx.tf(), ctx.f(node, 0), attrFloat(node, "alpha", 0.2f),
                attrFloat(node, "beta", 0.5f)));
        r.add("HardSwish", 14, (ctx, node) -> {
            Operand<TFloat32> x = ctx.f(node, 0);
            return ctx.tf().math.mul(x, hardSigmoid(ctx.tf(), x, 1f / 6, 0.5f));
        });
        r.add("Gelu", 20, ActivationOps::gelu);
        r.add("Softmax", (ctx, node) -> softmax(ctx, node, false));
        r.add("LogSoftmax", (ctx, node) -> softmax(ctx, node, true));
    }

    private static Operand<TFloat32> elu(TranslationContext ctx, NodeProto node) {
        Ops tf = ctx.tf();
        Operand<TFloat32> x = ctx.f(node, 0);
        float alpha = attrFloat(node, "alpha", 1f);
        // x for x ≥ 0, alpha·(exp(x) − 1) below; TensorFlow's Elu has alpha 1 only.
        Operand<TFloat32> below = tf.math.mul(tf.constant(alpha), tf.math.expm1(tf.math.minimum(x, tf.constant(0f))));
        return tf.select(tf.math.greaterEqual(x, tf.constant(0f)), x, below);
    }

    private static Operand<TFloat32> prelu(TranslationContext ctx, NodeProto node) {
        Ops tf = ctx.tf();
        Operand<TFloat32> x = ctx.f(node, 0);
        Operand<TFloat32> slope = ctx.f(node, 1);
        // max(0, x) + slope·min(0, x): the slope broadcast as ONNX broadcasts it.
        return tf.math.add(tf.nn.relu(x), tf.math.mul(slope, tf.math.minimum(x, tf.constant(0f))));
    }

    private static Operand<TFloat32> clip(TranslationContext ctx, NodeProto node) {
        Ops tf = ctx.tf();
        Operand<TFloat32> x = ctx.f(node, 0);
        Operand<TFloat32> lo = null;
        Operand<TFloat32> hi = null;
        if (ctx.opset() < 11) {
            if (attr(node, "min") != null) {
                lo = tf.constant(attrFloat(node, "min", 0));
            }
            if (attr(node, "max") != null) {
                hi = tf.constant(attrFloat(node, "max", 0));
            }
        } else {
            lo = has(node, 1) ? ctx.f(node, 1) : null;
            hi = has(node, 2) ? ctx.f(node, 2) : null;
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

    static Operand<TFloat32> hardSigmoid(Ops tf, Operand<TFloat32> x, float alpha, float beta) {
        return tf.math.maximum(tf.constant(0f), tf.math.minimum(tf.constant(1f),
                tf.math.add(tf.math.mul(x, tf.constant(alpha)), tf.constant(beta))));
    }

    private static Operand<TFloat32> gelu(TranslationContext ctx, NodeProto node) {
        Ops tf = ctx.tf();
        Operand<TFloat32> x = ctx.f(node, 0);
        if (attrString(node, "approximate", "none").equals("tanh")) {
            Operand<TFloat32> inner = tf.math.mul(tf.constant((float) Math.sqrt(2 / Math.PI)),
                    tf.math.add(x, tf.math.mul(tf.constant(0.044715f), tf.math.mul(tf.math.square(x), x))));
            return tf.math.mul(tf.math.mul(x, tf.constant(0.5f)), tf.math.add(tf.constant(1f), tf.math.tanh(inner)));
        }
        Operand<TFloat32> erf = tf.math.erf(tf.math.div(x, tf.constant((float) Math.sqrt(2))));
        return tf.math.mul(tf.math.mul(x, tf.constant(0.5f)), tf.math.add(tf.constant(1f), erf));
    }

    private static Operand<TFloat32> softmax(TranslationContext ctx, NodeProto node, boolean log) {
        Ops tf = ctx.tf();
        Operand<TFloat32> x = ctx.f(node, 0);
        int r = ctx.rank(node, x);
        int axis = axis(attrInt(node, "axis", ctx.opset() < 13 ? 1 : -1), r);
        if (axis == r - 1) {
            return log ? tf.nn.logSoftmax(x) : tf.nn.softmax(x);
        }
        if (ctx.opset() < 13) {
            // Before opset 13 the axis splits the tensor into a matrix: the softmax runs over everything after it.
            Operand<TInt32> s = tf.shape(x);
            Operand<TFloat32> m = tf.reshape(x, tf.concat(List.of(tf.reduceProd(
                    tf.stridedSlice(s, tf.constant(new int[] {0}), tf.constant(new int[] {axis}),
                            tf.constant(new int[] {1})), tf.constant(0), ReduceProd.keepDims(true)),
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
}
