package org.odf2nna.tf.ops;

import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/** Elementwise operators: the unary and binary tables, comparisons, logic, Where, Pow, Identity. */
@SuppressWarnings({"unchecked", "rawtypes"})
final class ElementwiseOps {

    private ElementwiseOps() {
    }

    /** Unary operators on float32 values. */
    private static final Map<String, BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>>> FLOAT_UNARY = Map.ofEntries(
            Map.entry("Sqrt", (tf, x) -> tf.math.sqrt(x)),
            Map.entry("Exp", (tf, x) -> tf.math.exp(x)),
            Map.entry("Log", (tf, x) -> tf.math.log(x)),
            Map.entry("Reciprocal", (tf, x) -> tf.math.reciprocal(x)),
            Map.entry("Erf", (tf, x) -> tf.math.erf(x)),
            Map.entry("Tanh", (tf, x) -> tf.math.tanh(x)),
            Map.entry("Sigmoid", (tf, x) -> tf.math.sigmoid(x)),
            Map.entry("Softplus", (tf, x) -> tf.math.softplus(x)),
            Map.entry("Relu", (tf, x) -> tf.nn.relu(x)),
            Map.entry("Floor", (tf, x) -> tf.math.floor(x)),
            Map.entry("Ceil", (tf, x) -> tf.math.ceil(x)));

    /** Unary operators that keep their input's type (integers stay integers). */
    private static final Map<String, BiFunction<Ops, Operand, Operand>> TYPED_UNARY = Map.of(
            "Neg", (tf, x) -> tf.math.neg(x),
            "Abs", (tf, x) -> tf.math.abs(x));

    /** Binary operators, the second operand cast to the first's type (ONNX gives both one type). */
    private static final Map<String, BiFunction<Ops, Operand[], Operand>> BINARY = Map.ofEntries(
            Map.entry("Add", (tf, ab) -> tf.math.add(ab[0], ab[1])),
            Map.entry("Sub", (tf, ab) -> tf.math.sub(ab[0], ab[1])),
            Map.entry("Mul", (tf, ab) -> tf.math.mul(ab[0], ab[1])),
            // Integer division truncates in ONNX (as C does), where TensorFlow's Div would floor.
            Map.entry("Div", (tf, ab) -> ab[0].type() == TFloat32.class ? tf.math.div(ab[0], ab[1])
                    : tf.math.truncateDiv(ab[0], ab[1])),
            Map.entry("Equal", (tf, ab) -> tf.math.equal(ab[0], ab[1])),
            Map.entry("Less", (tf, ab) -> tf.math.less(ab[0], ab[1])),
            Map.entry("LessOrEqual", (tf, ab) -> tf.math.lessEqual(ab[0], ab[1])),
            Map.entry("Greater", (tf, ab) -> tf.math.greater(ab[0], ab[1])),
            Map.entry("GreaterOrEqual", (tf, ab) -> tf.math.greaterEqual(ab[0], ab[1])),
            Map.entry("And", (tf, ab) -> tf.math.logicalAnd(ab[0], ab[1])),
            Map.entry("Or", (tf, ab) -> tf.math.logicalOr(ab[0], ab[1])));

    /** Variadic operators: the inputs folded left to right. */
    private static final Map<String, BiFunction<Ops, Operand[], Operand>> VARIADIC = Map.of(
            "Sum", (tf, ab) -> tf.math.add(ab[0], ab[1]),
            "Max", (tf, ab) -> tf.math.maximum(ab[0], ab[1]),
            "Min", (tf, ab) -> tf.math.minimum(ab[0], ab[1]));

    static void register(Translators.Registry r) {
        FLOAT_UNARY.forEach((op, fn) -> r.add(op, (ctx, node) -> fn.apply(ctx.tf(), ctx.f(node, 0))));
        TYPED_UNARY.forEach((op, fn) -> r.add(op, (ctx, node) -> fn.apply(ctx.tf(), ctx.in(node, 0))));
        BINARY.forEach((op, fn) -> r.add(op, (ctx, node) -> fold(ctx, node, fn, 2)));
        VARIADIC.forEach((op, fn) -> r.add(op, (ctx, node) -> fold(ctx, node, fn, node.getInputCount())));
        r.add("Not", (ctx, node) -> ctx.tf().math.logicalNot((Operand<TBool>) ctx.in(node, 0)));
        // Hugging Face's GPT-2 guards its attention scores with IsNaN (a fully masked row); float inputs only.
        r.add("IsNaN", 9, (ctx, node) -> ctx.tf().math.isNan(ctx.f(node, 0)));
        r.add("Where", ElementwiseOps::where);
        r.add("Pow", ElementwiseOps::pow);
        r.add("Mod", 10, ElementwiseOps::mod);
        r.add("Identity", (ctx, node) -> ctx.in(node, 0));
        // Inference form: Dropout passes its input through.
        r.add("Dropout", (ctx, node) -> ctx.in(node, 0));
    }

    private static Operand<?> fold(TranslationContext ctx, NodeProto node, BiFunction<Ops, Operand[], Operand> fn,
            int count) {
        Operand out = ctx.in(node, 0);
        for (int i = 1; i < count; i++) {
            out = fn.apply(ctx.tf(), new Operand[] {out, ctx.same(ctx.in(node, i), out)});
        }
        return out;
    }

    private static Operand<?> where(TranslationContext ctx, NodeProto node) {
        Operand x = ctx.in(node, 1);
        return ctx.tf().select((Operand<TBool>) ctx.in(node, 0), x, ctx.same(ctx.in(node, 2), x));
    }

    /**
     * ONNX's Mod: with {@code fmod} 0 (integers only) the remainder takes the divisor's sign, as TensorFlow's FloorMod
     * does; with {@code fmod} 1 the dividend's, as C's fmod and TensorFlow's TruncateMod do. PyTorch 2's exporter
     * writes it on shapes (an attention's head count).
     */
    private static Operand<?> mod(TranslationContext ctx, NodeProto node) {
        Operand a = ctx.in(node, 0);
        Operand b = ctx.same(ctx.in(node, 1), a);
        return TranslationContext.attrInt(node, "fmod", 0) == 1 ? ctx.tf().math.truncateMod(a, b)
                : ctx.tf().math.floorMod(a, b);
    }

    private static Operand<TFloat32> pow(TranslationContext ctx, NodeProto node) {
        Ops tf = ctx.tf();
        Operand<TFloat32> x = ctx.f(node, 0);
        float[] e = ctx.knownFloats(node.getInput(1));
        long[] ei = ctx.knownInts(node.getInput(1));
        if (e == null && ei != null && ei.length == 1) {
            e = new float[] {ei[0]};
        }
        // A constant exponent as the op it stands for: Pow's gradient takes log(x), NaN for negative x.
        if (e != null && e.length == 1) {
            Map<Float, Function<Operand<TFloat32>, Operand<TFloat32>>> exact = Map.of(
                    2f, v -> tf.math.square(v),
                    1f, v -> v,
                    0.5f, v -> tf.math.sqrt(v),
                    3f, v -> tf.math.mul(tf.math.square(v), v));
            Function<Operand<TFloat32>, Operand<TFloat32>> op = exact.get(e[0]);
            if (op != null) {
                return op.apply(x);
            }
        }
        return tf.math.pow(x, ctx.f(node, 1));
    }
}
