package org.odf2nna.onnx;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * Which int8 form a graph is written in, and how a static form is calibrated: on the first
 * {@link #CALIBRATION_ROWS} training rows, in the operators asked for.
 *
 * @param form the form chosen
 * @param why  the choice in words
 * @param ops  the operators a static form is written in
 */
public record Int8Choice(GraphQuantizer.Form form, String why, GraphQuantizer.Operators ops) {

    /** Calibration rows a static form's ranges are measured on. */
    public static final int CALIBRATION_ROWS = 1000;

    /** A form fixed by the caller. */
    public static Int8Choice fixed(GraphQuantizer.Form form, String why, GraphQuantizer.Operators ops) {
        return new Int8Choice(form, why, ops);
    }

    /** {@code model} in this choice's form, a static form calibrated on {@code rows}. */
    public GraphQuantizer.Result apply(ModelProto model, Path file, InputSignature input, float[] rows) {
        return quantize(model, file, form, input, rows, Map.of(), ops);
    }

    /**
     * {@link #apply(ModelProto, Path, InputSignature, float[])} with the layers of {@code keepFloat} (by first output,
     * with the reason) kept float.
     */
    public GraphQuantizer.Result apply(ModelProto model, Path file, InputSignature input, float[] rows,
            Map<String, String> keepFloat) {
        return quantize(model, file, form, input, rows, keepFloat, ops);
    }

    /** {@code model} quantized in {@code form}, a static form calibrated on the first {@code rows}. */
    public static GraphQuantizer.Result quantize(ModelProto model, Path file, GraphQuantizer.Form form,
            InputSignature input, float[] rows, GraphQuantizer.Operators ops) {
        return quantize(model, file, form, input, rows, Map.of(), ops);
    }

    private static GraphQuantizer.Result quantize(ModelProto model, Path file, GraphQuantizer.Form form,
            InputSignature input, float[] rows, Map<String, String> keepFloat, GraphQuantizer.Operators ops) {
        Map<String, GraphQuantizer.Range> ranges = null;
        if (form == GraphQuantizer.Form.STATIC) {
            GraphQuantizer.Plan plan = GraphQuantizer.plan(model, file, keepFloat, ops);
            int width = input.valuesPerRow();
            float[] first = Arrays.copyOf(rows, Math.min(rows.length, CALIBRATION_ROWS * width));
            ranges = Int8Calibration.ranges(model, file, input, first, plan.calibrationTensors());
        }
        return GraphQuantizer.quantize(model, file, form, keepFloat, ranges, ops);
    }
}
