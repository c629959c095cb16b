package org.odf2nna.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.odf2nna.Device;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * Each MatMul, Gemm and Conv that {@link GraphQuantizer} would quantize, timed alone against its float form on this
 * machine: the node with its constant weights as a model of its own, fed what reaches it in the float model on a few
 * rows, and the same model quantized in the form to be written (its input's quantization included), both run side by
 * side in ONNX Runtime ({@link SideBySide}: same threads, batch 1 and the larger batch, interleaved). Integer kernels
 * have a fixed cost per layer (quantizing the input, scaling the output) that a small layer, or ONNX Runtime's
 * ConvInteger, does not earn back; timing a layer alone says which.
 */
public final class Int8LayerTiming {

    /** Rows of the float model run to find what reaches each layer (repeated to fill a batch). */
    static final int ROWS = 16;
    /** About how long one repetition of one layer at one batch size runs (3 to 200 runs). */
    static final long REPEAT_NANOS = 15_000_000L;

    /** Times two models side by side; tests give their own. */
    public interface Timer {
        /**
         * @return per model in order (int8's timing: float first, int8 second) its median µs at batch 1 and at
         *         {@code batch}
         */
        double[][] micros(List<ModelProto> models, Path file, InputSignature input, float[] rows, int batch,
                int threads);
    }

    /** ONNX Runtime on this machine ({@link SideBySide}), any number of models. */
    public static final Timer SIDE_BY_SIDE = (models, file, input, rows, batch, threads) -> {
        SideBySide s = SideBySide.measure(models, java.util.Collections.nCopies(models.size(), file), input, rows,
                batch, threads, REPEAT_NANOS);
        double[][] micros = new double[models.size()][];
        for (int m = 0; m < micros.length; m++) {
            micros[m] = new double[] {s.oneMicros()[m], s.batchMicros()[m]};
        }
        return micros;
    };

    /**
     * One layer timed alone.
     *
     * @param key        its first output (what {@link GraphQuantizer#quantize}'s keepFloat names it by)
     * @param node       its name
     * @param op         MatMul, Gemm or Conv
     * @param oneRatio   int8 time over float time at batch 1
     * @param batchRatio the same at the larger batch
     */
    public record Timed(String key, String node, String op, double oneRatio, double batchRatio) {

        /** The int8 form's time over the float form's on balance: the geometric mean of both batches' ratios. */
        public double balance() {
            return Math.sqrt(oneRatio * batchRatio);
        }

        /** Whether the int8 form is the slower on balance: then the layer stays float. */
        public boolean slower() {
            return balance() > 1;
        }
    }

    /**
     * @param layers   every layer timed, in graph order
     * @param untimed  layers that could not be run alone (their weights computed from the data, a batch not first),
     *                 left int8
     */
    public record Result(List<Timed> layers, List<String> untimed) {

        public Result {
            layers = List.copyOf(layers);
            untimed = List.copyOf(untimed);
        }

        /** The layers to keep float, by key, with the reason in words. */
        public Map<String, String> keepFloat() {
            Map<String, String> keep = new HashMap<>();
            for (Timed t : layers) {
                if (t.slower()) {
                    keep.put(t.key(), "its int8 form alone was slower on this machine");
                }
            }
            return keep;
        }
    }

    private Int8LayerTiming() {
    }

    /**
     * @param model the float model (opset high enough for {@code form})
     * @param rows  row-major values for its data input (the first {@link #ROWS} rows are used)
     * @param batch the larger batch (at least 1)
     */
    public static Result measure(ModelProto model, Path file, InputSignature input, float[] rows,
            GraphQuantizer.Form form, int batch, int threads, Timer timer) {
        List<Int8Sites.Site> sites = Int8Sites.find(new GraphIndex(model, file), Map.of()).sites();
        if (sites.isEmpty()) {
            return new Result(List.of(), List.of());
        }
        int width = input.valuesPerRow();
        int n = Math.max(1, Math.min(ROWS, rows.length / width));
        List<String> tensors = new ArrayList<>(new LinkedHashSet<>(sites.stream().map(Int8Sites.Site::input)
                .toList()));
        Map<String, OnnxRunner.Out> reached;
        try (OnnxRunner runner = OnnxRunner.open(Int8Calibration.exposing(model, tensors, input.name()), input,
                Device.CPU, file)) {
            reached = runner.runInputs(List.of(new OnnxRunner.Fed(input.name(), input.elementType(),
                    input.batchShape(n, width), rows, 0, n * width)), tensors);
        }
        List<Timed> timed = new ArrayList<>();
        List<String> untimed = new ArrayList<>();
        for (Int8Sites.Site site : sites) {
            OnnxRunner.Out in = reached.get(site.input());
            long[] shape = in.shape();
            ModelProto alone = shape.length >= 2 && shape[0] == n ? alone(model, site, shape) : null;
            GraphQuantizer.Result int8 = alone == null ? null : quantized(alone, file, form, shape, in.values());
            if (int8 == null || int8.int8Layers().size() != 1) {
                untimed.add(site.name());
                continue;
            }
            double[][] t = timer.micros(List.of(alone, int8.model()), file, signature(site.input(), shape),
                    in.values(), batch, threads);
            timed.add(new Timed(GraphIndex.key(site.node()), site.name(), site.node().getOpType(), t[1][0] / t[0][0],
                    t[1][1] / t[0][1]));
        }
        return new Result(timed, untimed);
    }

    private static GraphQuantizer.Result quantized(ModelProto alone, Path file, GraphQuantizer.Form form,
            long[] shape, float[] values) {
        Map<String, GraphQuantizer.Range> ranges = null;
        if (form == GraphQuantizer.Form.STATIC) {
            GraphQuantizer.Plan plan = GraphQuantizer.plan(alone, file, Map.of());
            ranges = Int8Calibration.ranges(alone, file, signature(alone.getGraph().getInput(0).getName(), shape),
                    values, plan.calibrationTensors());
        }
        return GraphQuantizer.quantize(alone, file, form, Map.of(), ranges);
    }

    /** The layer's input as a data input: float, its batch open, the other sizes as they reached it. */
    static InputSignature signature(String tensor, long[] shape) {
        return SingleLayerModel.signature(tensor, shape);
    }

    /** The site's layer as a model of its own ({@link SingleLayerModel#of}); null when its weights depend on a graph input. */
    static ModelProto alone(ModelProto model, Int8Sites.Site site, long[] shape) {
        return SingleLayerModel.of(model, site.input(), site.output(), shape);
    }

}
