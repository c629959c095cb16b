package org.odf2nna.method;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.io.OutputPaths;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.ExternalData;
import org.odf2nna.onnx.GraphQuantizer;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.Int8Choice;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.OpsetRaise;
import org.odf2nna.onnx.Producer;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.Conversion;
import org.odf2nna.report.Int8Coverage;
import org.odf2nna.settings.ConvertChecks;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.Quantize;

/**
 * {@code convert} with int8 on any ONNX graph ({@link GraphQuantizer}): every MatMul, Gemm and Conv with a
 * constant weight on integer kernels, the others kept float and said why; the static form calibrated on training
 * rows, and with {@code int8} both forms timed and the faster written. What is judged is the written file in ONNX
 * Runtime (the dynamic form one row per run), against the original there on generated rows. A dense chain whose every
 * weight is a chain layer takes {@link Converter}'s path instead (checked bit for bit against Java) unless the static
 * form is asked for or may be chosen.
 */
final class Int8Conversion {

    private Int8Conversion() {
    }

    /** Whether {@code convert} of {@code model} with {@code quantize} goes this way. */
    static boolean appliesTo(Path model, ModelFormat format, Quantize quantize, Path calibration) {
        if (format != ModelFormat.ONNX || !quantize.integerKernels()
                || ModelFiles.formatOf(model) != ModelFormat.ONNX) {
            return false;
        }
        if (quantize == Quantize.INT8_STATIC || quantize == Quantize.INT8 && calibration != null) {
            return true;
        }
        ModelProto proto = ModelReader.read(model).graph();
        int chainLayers;
        try {
            chainLayers = DenseChainReader.read(proto, model).network().layers().size();
        } catch (InputException e) {
            return true;
        }
        GraphQuantizer.Plan plan = GraphQuantizer.plan(proto, model, Map.of());
        long weighted = plan.int8().size() + plan.kept().stream().filter(l -> l.weights() > 0).count();
        return weighted > chainLayers;
    }

    static Conversion convert(Path model, Path output, Quantize quantize, Path calibration) {
        return convert(model, output, quantize, calibration, ConvertChecks.NONE);
    }

    /**
     * @param checks whether every layer is int8 ({@link ConvertChecks#int8Everywhere}; else {@link Int8FloatLayers}
     *               decides) and the operators a static form may hold
     */
    static Conversion convert(Path model, Path output, Quantize quantize, Path calibration, ConvertChecks checks) {
        OutputPaths.checkWritable(output, model);
        if (quantize == Quantize.INT8_STATIC && calibration == null) {
            throw InputException.usage(model, "{{QUANTIZE}} int8-static needs training rows to calibrate its "
                    + "activation scales on ({{TRAIN}} FILE)");
        }
        ModelProto original = ModelReader.read(model).graph();
        long opsetFrom = OpsetRaise.opset(original);
        InputSignature input = GraphRows.dataInput(original, model);
        int width = input.valuesPerRow();
        float[] rows = calibration == null ? null : GraphRows.read(calibration, width, null,
                Int8Choice.CALIBRATION_ROWS).features();
        boolean mayStatic = quantize != Quantize.INT8_DYNAMIC && rows != null;
        ModelProto raised = OpsetRaise.atLeast(original, model, mayStatic ? GraphQuantizer.STATIC_OPSET
                : GraphQuantizer.DYNAMIC_OPSET, "int8 weights on integer kernels");
        GraphQuantizer.Operators ops = Int8FloatLayers.operators(checks.int8Operators());
        boolean everywhere = checks.int8Everywhere();
        Int8Choice choice = Int8Choice.fixed(mayStatic ? GraphQuantizer.Form.STATIC : GraphQuantizer.Form.DYNAMIC,
                quantize != Quantize.INT8 ? "asked for" : mayStatic ? Int8FloatLayers.STATIC_WITH_ROWS
                        : "no training rows to calibrate a static form on", ops);
        float[] check = generatedRows(width);
        GraphQuantizer.Result result = choice.apply(raised, model, input, rows,
                Int8FloatLayers.keepFloat(raised, model, choice.form(), everywhere));
        float[] reference = outputs(original, model, input, check, false);
        ModelProto proto = Producer.stamp(ExternalData.forOutput(result.model(), model, output));
        double[] difference = new double[1];
        AtomicFiles.writeBytes(output, proto.toByteArray(), temp -> {
            ModelProto back = OnnxModelFile.read(temp);
            float[] actual = outputs(back, output, input, check, choice.form() == GraphQuantizer.Form.DYNAMIC);
            difference[0] = difference(actual, reference, output);
        });
        Int8Coverage coverage = new Int8Coverage(choice.form().id(), choice.why(), new Int8Coverage.Layers(
                result.int8Layers().size(), result.int8Weights(), result.layers().size() - result.int8Layers().size(),
                result.floatReasons()), new Int8Coverage.Opsets(opsetFrom, OpsetRaise.opset(proto)), null);
        return new Conversion(model.toString(), "onnx", output.toString(), "onnx", describe(result),
                parameters(original), new Conversion.Check(check.length / width, difference[0]),
                new Conversion.Storage(true, Converter.bytes(model), Converter.bytes(output), Double.NaN,
                        quantize.id(), coverage));
    }

    private static String describe(GraphQuantizer.Result result) {
        return "graph of " + result.layers().size() + " MatMul/Gemm/Conv nodes";
    }

    /** Float initializer elements: the model's parameters as a graph counts them. */
    static long parameters(ModelProto model) {
        return model.getGraph().getInitializerList().stream().filter(t -> t.getDataType() == 1)
                .mapToLong(t -> t.getDimsList().stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b)).sum();
    }

    /** Seeded rows like {@link Converter}'s: standardised values and raw positive ones. */
    static float[] generatedRows(int width) {
        Random random = new Random(0);
        float[] x = new float[Converter.CHECK_ROWS * width];
        for (int r = 0; r < Converter.CHECK_ROWS; r++) {
            double scale = r % 2 == 0 ? 1 : 5;
            for (int i = 0; i < width; i++) {
                double v = random.nextGaussian() * scale;
                x[r * width + i] = (float) (r % 4 == 1 ? Math.abs(v) : v);
            }
        }
        return x;
    }

    /** The first output on {@code rows}, in batches or one row per run. */
    static float[] outputs(ModelProto model, Path file, InputSignature input, float[] rows, boolean eachRow) {
        String output = model.getGraph().getOutput(0).getName();
        int width = input.valuesPerRow();
        try (OnnxRunner runner = OnnxRunner.open(GraphRows.runnable(model, input), input, Device.CPU, file)) {
            return eachRow ? runner.runEachRow(rows, rows.length / width, width, List.of(output)).get(output)
                    : runner.run(rows, rows.length / width, width, List.of(output)).get(output);
        }
    }

    private static double difference(float[] actual, float[] expected, Path output) {
        if (actual.length != expected.length) {
            throw new IllegalStateException("refusing to write " + output + ": it gives " + actual.length
                    + " output values instead of " + expected.length);
        }
        double worst = 0;
        for (int k = 0; k < actual.length; k++) {
            if (!Float.isFinite(actual[k]) && Float.isFinite(expected[k])) {
                throw new IllegalStateException("refusing to write " + output + ": output value " + k + " is "
                        + actual[k] + " where the original gives " + expected[k]);
            }
            worst = Math.max(worst, Math.abs((double) actual[k] - expected[k]));
        }
        return worst;
    }

    /**
     * The coverage of a dense chain quantized by {@link Converter}: every chain layer, one form, but those
     * {@code speeds} kept float for being slower as int8; weights outside the chain (a prefix's convolutions) stay
     * float in the weight-only form, which covers the chain only.
     *
     * @param speeds the layers timed alone (null when none were)
     */
    static Int8Coverage chain(org.odf2nna.onnx.OnnxDenseModel read, Quantize quantize, long opsetTo,
            Int8SpeedFallback.Measured speeds) {
        org.odf2nna.network.DenseNetwork network = read.network();
        Map<String, String> slower = speeds == null ? Map.of() : speeds.keepFloat();
        List<String> outputs = read.layerOutputs();
        long weights = 0;
        int int8 = 0;
        List<GraphQuantizer.Layer> outside = new java.util.ArrayList<>();
        for (int l = 0; l < outputs.size(); l++) {
            org.odf2nna.network.DenseLayer layer = network.layer(l);
            String why = slower.get(outputs.get(l));
            if (why == null) {
                weights += (long) layer.inputs() * layer.units();
                int8++;
            } else {
                outside.add(new GraphQuantizer.Layer(read.layerNodes().get(l), "MatMul/Gemm",
                        (long) layer.inputs() * layer.units(), why));
            }
        }
        GraphQuantizer.Plan plan = GraphQuantizer.plan(read.model(), read.source(), Map.of());
        for (GraphQuantizer.Layer layer : plan.int8()) {
            if (!read.layerNodes().contains(layer.node())) {
                outside.add(new GraphQuantizer.Layer(layer.node(), layer.op(), layer.weights(), "the weight-only "
                        + "form covers the dense chain's layers only (int8 quantizes every layer)"));
            }
        }
        plan.kept().stream().filter(l -> l.weights() > 0 && !read.layerNodes().contains(l.node()))
                .forEach(outside::add);
        return new Int8Coverage(quantize.integerKernels() ? "dynamic" : "weights", quantize.integerKernels()
                ? "a dense chain, judged bit for bit in Java" : "asked for", new Int8Coverage.Layers(int8, weights,
                outside.size(), GraphQuantizer.reasons(outside)), new Int8Coverage.Opsets(read.defaultOpset(), opsetTo),
                speeds == null ? null : speeds.speeds());
    }
}
