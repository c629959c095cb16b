package org.odf2nna.onnx;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.odf2nna.Device;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * Which int8 form a graph is written in: the one asked for, or, when either may be, the one ONNX Runtime runs faster
 * at batch 1 on this machine (both forms of the model at hand timed on calibration rows, interleaved, the median of
 * each). The dynamic form needs no calibration rows; without them it is the only one.
 *
 * @param form          the form chosen
 * @param dynamicMicros the dynamic form's median batch-1 latency in µs (NaN when not timed)
 * @param staticMicros  the static form's (NaN when not timed)
 * @param why           the choice in words
 * @param ops           the operators a static form is written in
 */
public record Int8Choice(GraphQuantizer.Form form, double dynamicMicros, double staticMicros, String why,
        GraphQuantizer.Operators ops) {

    /** Timed runs per form and repeat. */
    static final int RUNS = 200;
    static final int REPEATS = 5;
    /** Calibration rows a static form's ranges are measured on. */
    public static final int CALIBRATION_ROWS = 1000;

    /** A form fixed by the caller. */
    public static Int8Choice fixed(GraphQuantizer.Form form, String why, GraphQuantizer.Operators ops) {
        return new Int8Choice(form, Double.NaN, Double.NaN, why, ops);
    }

    /**
     * Times both forms of {@code model} at batch 1 on the first calibration rows and takes the faster.
     *
     * @param rows calibration rows (training rows) for the model's data input
     */
    public static Int8Choice fastest(ModelProto model, Path file, InputSignature input, float[] rows,
            GraphQuantizer.Operators ops, java.util.function.Function<GraphQuantizer.Form, Map<String, String>> keepFloat) {
        GraphQuantizer.Result dynamic = quantize(model, file, GraphQuantizer.Form.DYNAMIC, input, rows,
                keepFloat.apply(GraphQuantizer.Form.DYNAMIC), ops);
        GraphQuantizer.Result fixed = quantize(model, file, GraphQuantizer.Form.STATIC, input, rows,
                keepFloat.apply(GraphQuantizer.Form.STATIC), ops);
        double[] micros = batchOneMicros(List.of(dynamic.model(), fixed.model()), file, input, rows);
        GraphQuantizer.Form form = micros[1] < micros[0] ? GraphQuantizer.Form.STATIC : GraphQuantizer.Form.DYNAMIC;
        String why = String.format(Locale.ROOT, "the faster at batch 1 in ONNX Runtime on this machine: median %.1f µs "
                + "dynamic, %.1f µs static (%d runs of each, %d times, interleaved)", micros[0], micros[1], RUNS,
                REPEATS);
        return new Int8Choice(form, micros[0], micros[1], why, ops);
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

    /** Median batch-1 latency of each model in µs, the models interleaved over {@link #REPEATS} repeats. */
    public static double[] batchOneMicros(List<ModelProto> models, Path file, InputSignature input, float[] rows) {
        int width = input.valuesPerRow();
        int count = Math.max(1, Math.min(RUNS, rows.length / width));
        double[][] medians = new double[models.size()][REPEATS];
        OnnxRunner[] runners = new OnnxRunner[models.size()];
        try {
            for (int m = 0; m < runners.length; m++) {
                runners[m] = OnnxRunner.open(Int8Calibration.exposing(models.get(m), List.of(), input.name()), input,
                        Device.CPU, file);
                time(runners[m], models.get(m), rows, Math.min(count, 50), width);
            }
            for (int r = 0; r < REPEATS; r++) {
                for (int k = 0; k < runners.length; k++) {
                    int m = (r + k) % runners.length;
                    medians[m][r] = time(runners[m], models.get(m), rows, count, width);
                }
            }
        } finally {
            for (OnnxRunner runner : runners) {
                if (runner != null) {
                    runner.close();
                }
            }
        }
        double[] out = new double[models.size()];
        for (int m = 0; m < out.length; m++) {
            Arrays.sort(medians[m]);
            out[m] = medians[m][REPEATS / 2];
        }
        return out;
    }

    private static double time(OnnxRunner runner, ModelProto model, float[] rows, int count, int width) {
        String output = model.getGraph().getOutput(0).getName();
        double[] t = new double[count];
        for (int r = 0; r < count; r++) {
            t[r] = runner.timedRun(rows, r, 1, width, output)[0] / 1e3;
        }
        Arrays.sort(t);
        return t[count / 2];
    }
}
