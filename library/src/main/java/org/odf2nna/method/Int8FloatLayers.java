package org.odf2nna.method;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.odf2nna.onnx.GraphQuantizer;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.Int8Operators;

/**
 * Which layers of a graph stay float in its int8 form: the one rule {@code convert} with int8 and
 * {@code sweep} with int8 (each round) both follow, so that the same model and rows give the same float layers.
 * Besides the layers no int8 form covers ({@link GraphQuantizer#plan}: a MatMul of two computed tensors, a computed
 * bias ...), in the dynamic form every convolution stays float: ONNX Runtime runs its ConvInteger slower than the float
 * Conv (on the shared MBConv CNN 2.4–30× per layer, and the whole file 14× at batch 1; docs/int8.md), while the static
 * form, calibrated on training rows, quantizes every layer as ONNX Runtime's {@code quantize_static} does, since its
 * fused integer kernels gain as a chain what a layer timed alone does not show. {@code everywhere} quantizes every
 * layer the form covers.
 */
final class Int8FloatLayers {

    /** Why a convolution stays float in the dynamic form. */
    static final String SLOW_CONV_INTEGER = "the dynamic form's ConvInteger runs slower in ONNX Runtime than the float "
            + "Conv; the static form ({{TRAIN}} rows to calibrate on) quantizes it";

    /**
     * Why {@code int8} writes the static form when there are training rows, in convert and sweep alike: ONNX
     * Runtime's own quantizer's choice, and one that no timing of this machine can make the two disagree on.
     */
    static final String STATIC_WITH_ROWS = "training rows to calibrate on, as ONNX Runtime's quantize_static";

    private Int8FloatLayers() {
    }

    /** The layers (by first output) to keep float in {@code form}, with the reason. */
    static Map<String, String> keepFloat(ModelProto model, Path file, GraphQuantizer.Form form, boolean everywhere) {
        Map<String, String> keep = new LinkedHashMap<>();
        if (everywhere || form != GraphQuantizer.Form.DYNAMIC) {
            return keep;
        }
        GraphQuantizer.quantizable(model, file).forEach((key, op) -> {
            if (op.equals("Conv")) {
                keep.put(key, SLOW_CONV_INTEGER);
            }
        });
        return keep;
    }

    /** The operators of the onnx package's writer for a setting. */
    static GraphQuantizer.Operators operators(Int8Operators ops) {
        return ops == Int8Operators.CONTRIB ? GraphQuantizer.Operators.CONTRIB : GraphQuantizer.Operators.STANDARD;
    }
}
