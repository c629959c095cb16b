package org.odf2nna.tf.ops;

import static org.odf2nna.tf.ops.TranslationContext.attrString;
import static org.odf2nna.tf.ops.TranslationContext.has;
import static org.odf2nna.tf.ops.TranslationContext.unsupported;

import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Nearest-neighbour resizing of rank-4 (NCHW) tensors: Resize (opset 10, its scales an input; from opset 11 with roi,
 * scales and sizes, either of the last two given) and Upsample (opset 7 to 9), as YOLOv5 and YOLOv8 exports write
 * them. Every source index of an output position is computed while building from ONNX's own formulas (the
 * coordinate transformation mode, then the nearest mode, clamped to the input), and the values gathered along the
 * two spatial axes of the channels-last form: any scale, up or down, whatever the modes. The spatial sizes and the
 * scales or sizes must be known while building; linear and cubic modes are refused.
 */
final class ResizeOps {

    private ResizeOps() {
    }

    static void register(Translators.Registry r) {
        r.add("Resize", 10, ResizeOps::resize);
        r.add("Upsample", 7, ResizeOps::upsample);
    }

    /** How an output index maps back to an input index along one axis. */
    record Modes(String coordinates, String nearest) { }

    private static Operand<TFloat32> resize(TranslationContext ctx, NodeProto node) {
        if (ctx.opset() < 11) {
            // Opset 10's Resize is Upsample's: asymmetric coordinates, floored.
            return nearest(ctx, node, scales(ctx, node, 1), null, new Modes("asymmetric", "floor"));
        }
        long[] sizes = has(node, 3) ? ctx.known(node, 3, "sizes") : null;
        float[] scales = sizes != null && sizes.length > 0 ? null : scales(ctx, node, 2);
        Modes modes = new Modes(attrString(node, "coordinate_transformation_mode", "half_pixel"),
                attrString(node, "nearest_mode", "round_prefer_floor"));
        return nearest(ctx, node, scales, sizes, modes);
    }

    private static Operand<TFloat32> upsample(TranslationContext ctx, NodeProto node) {
        float[] scales;
        if (ctx.opset() < 9) {
            AttributeProto a = TranslationContext.attr(node, "scales");
            if (a == null) {
                throw unsupported(node, "no scales");
            }
            scales = new float[a.getFloatsCount()];
            for (int i = 0; i < scales.length; i++) {
                scales[i] = a.getFloats(i);
            }
        } else {
            scales = scales(ctx, node, 1);
        }
        return nearest(ctx, node, scales, null, new Modes("asymmetric", "floor"));
    }

    /** The scales input {@code i}, which must be known while building. */
    private static float[] scales(TranslationContext ctx, NodeProto node, int i) {
        float[] s = has(node, i) ? ctx.knownFloats(node.getInput(i)) : null;
        if (s == null) {
            throw unsupported(node, "its scales or sizes must be constant for the TensorFlow translation");
        }
        return s;
    }

    private static Operand<TFloat32> nearest(TranslationContext ctx, NodeProto node, float[] scales, long[] sizes,
            Modes modes) {
        String mode = attrString(node, "mode", "nearest");
        if (!mode.equals("nearest")) {
            throw unsupported(node, "mode '" + mode + "' is not translated (nearest only)");
        }
        Operand<TFloat32> x = ctx.f(node, 0);
        if (ctx.rank(node, x) != 4) {
            throw unsupported(node, "only rank-4 (NCHW) tensors are resized");
        }
        int given = scales != null ? scales.length : sizes.length;
        if (given != 4 || scales != null && (scales[0] != 1 || scales[1] != 1)) {
            throw unsupported(node, "only the two spatial axes may be resized");
        }
        Ops tf = ctx.tf();
        Operand<TFloat32> y = ctx.channelsLast(node, 0);
        for (int axis = 2; axis < 4; axis++) {
            long in = x.shape().get(axis);
            if (in < 0) {
                throw unsupported(node, "its spatial sizes must be known while building");
            }
            long out = sizes != null ? sizes[axis] : (long) Math.floor(in * (double) scales[axis]);
            double scale = sizes != null ? out / (double) in : scales[axis];
            int[] index = indices(node, modes, (int) in, (int) out, scale);
            if (!identity(index, (int) in)) {
                y = tf.gather(y, tf.constant(index), tf.constant(axis - 1));
            }
        }
        return ctx.fromChannelsLast(node, y);
    }

    private static boolean identity(int[] index, int in) {
        if (index.length != in) {
            return false;
        }
        for (int i = 0; i < index.length; i++) {
            if (index[i] != i) {
                return false;
            }
        }
        return true;
    }

    /** The input index each of {@code out} positions reads, as ONNX's Resize defines it for nearest mode. */
    static int[] indices(NodeProto node, Modes modes, int in, int out, double scale) {
        int[] index = new int[out];
        for (int i = 0; i < out; i++) {
            double x = switch (modes.coordinates()) {
                case "half_pixel" -> (i + 0.5) / scale - 0.5;
                case "pytorch_half_pixel" -> out > 1 ? (i + 0.5) / scale - 0.5 : 0;
                case "align_corners" -> out == 1 ? 0 : i * (in - 1) / (double) (out - 1);
                case "asymmetric" -> i / scale;
                case "tf_half_pixel_for_nn" -> (i + 0.5) / scale;
                default -> throw unsupported(node, "coordinate_transformation_mode '" + modes.coordinates()
                        + "' is not translated");
            };
            long k = switch (modes.nearest()) {
                case "round_prefer_floor" -> x == Math.floor(x) + 0.5 ? (long) Math.floor(x) : Math.round(x);
                case "round_prefer_ceil" -> x == Math.floor(x) + 0.5 ? (long) Math.ceil(x) : Math.round(x);
                case "floor" -> (long) Math.floor(x);
                case "ceil" -> (long) Math.ceil(x);
                default -> throw unsupported(node, "nearest_mode '" + modes.nearest() + "' is not translated");
            };
            index[i] = (int) Math.max(0, Math.min(in - 1, k));
        }
        return index;
    }
}
