package org.odf2nna.method;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Setting;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.io.OutputPaths;
import org.odf2nna.keras.KerasModel;
import org.odf2nna.keras.KerasReader;
import org.odf2nna.keras.KerasWriter;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.Int8Quantization;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.DenseChainWriter;
import org.odf2nna.onnx.ExternalData;
import org.odf2nna.onnx.Int8Weights;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.Producer;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.Conversion;
import org.odf2nna.settings.ConvertChecks;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.Quantize;
import org.odf2nna.tf.SavedModelRunner;

/**
 * Any model the tool reads, written in any format it writes, without pruning: read, write beside the target, run
 * the written file in its own runtime (ONNX Runtime for ONNX, TensorFlow for a SavedModel, the Keras reader and ONNX
 * Runtime for a .keras file) on generated rows, compare with the original run in ONNX Runtime, then move it into
 * place. Outputs must agree to {@link #RELATIVE_TOLERANCE} relative (absolute below magnitude 1).
 */
public final class Converter {

    public static final double RELATIVE_TOLERANCE = 1e-5;
    /** How many rows the check runs on. */
    public static final int CHECK_ROWS = 64;

    private Converter() {
    }

    public static Conversion convert(Path model, Path output, ModelFormat format) {
        return convert(model, output, format, Quantize.NONE);
    }

    public static Conversion convert(Path model, Path output, ModelFormat format, Quantize quantize) {
        return convert(model, output, format, quantize, null);
    }

    /**
     * @param calibration training rows a static int8 form calibrates its activation scales on (with {@code int8},
     *                    both integer forms are then timed and the faster written), or null
     */
    public static Conversion convert(Path model, Path output, ModelFormat format, Quantize quantize,
            Path calibration) {
        return convert(model, output, format, quantize, calibration, ConvertChecks.NONE);
    }

    /**
     * {@link #convert(Path, Path, ModelFormat, Quantize, Path)}; with {@code int8}, {@code checks} say whether each
     * layer is timed alone and kept float where its int8 form is slower ({@link Int8SpeedFallback}), and at which
     * batch.
     */
    public static Conversion convert(Path model, Path output, ModelFormat format, Quantize quantize,
            Path calibration, ConvertChecks checks) {
        return convert(model, output, format, quantize, calibration, checks, Int8SpeedFallback.of(quantize, checks));
    }

    /** @param fallback a dense chain's per-layer timing (a graph's float layers are {@link Int8FloatLayers}'s) */
    static Conversion convert(Path model, Path output, ModelFormat format, Quantize quantize, Path calibration,
            ConvertChecks checks, Int8SpeedFallback fallback) {
        quantize.checkFormat(format);
        if (format == ModelFormat.KERAS && !quantize.int8()) {
            // A graph made from a Keras file (the file itself, or a pruned ONNX of it) goes back into its layout.
            Conversion graph = KerasGraphOutput.convert(model, output);
            if (graph != null) {
                return graph;
            }
        }
        if (Int8Conversion.appliesTo(model, format, quantize, calibration)) {
            return Int8Conversion.convert(model, output, quantize, calibration, checks);
        }
        if (format == ModelFormat.ONNX && !quantize.int8() && ModelFiles.formatOf(model) != ModelFormat.ONNX
                && GraphEvaluator.chainOrNull(model) == null) {
            return graphToOnnx(model, output);
        }
        return convertChain(model, output, format, quantize, fallback);
    }

    /**
     * A Keras file or SavedModel with no dense chain at its end, as ONNX: the graph every command reads of it (its
     * layers translated, BatchNormalization folded), read back and run beside it in ONNX Runtime on made-up rows
     * before it replaces anything.
     */
    private static Conversion graphToOnnx(Path model, Path output) {
        OutputPaths.checkWritable(output, model);
        ModelProto graph = ModelReader.read(model).graph();
        double[] difference = new double[1];
        AtomicFiles.writeBytes(output, Producer.stamp(graph).toByteArray(), temp -> {
            difference[0] = KerasGraphOutput.difference(graph, model, OnnxModelFile.read(temp), temp);
            if (!(difference[0] <= KerasGraphOutput.TOLERANCE)) {
                throw new IOException("the written ONNX computes outputs " + difference[0] + " away from the graph "
                        + "read (relative)");
            }
        });
        long parameters = org.odf2nna.graph.GraphSweep.describe(graph, model).modelParameters();
        return new Conversion(model.toString(), ModelFiles.formatOf(model).id(), output.toString(), "onnx", "graph",
                parameters, new Conversion.Check(KerasGraphOutput.CHECK_ROWS, difference[0]),
                new Conversion.Storage(false, bytes(model), bytes(output), 0, "none", null));
    }

    private static Conversion convertChain(Path model, Path output, ModelFormat format, Quantize quantize,
            Int8SpeedFallback fallback) {
        if (format == ModelFormat.KERAS && output.getFileName() != null && output.getFileName().toString()
                .toLowerCase(java.util.Locale.ROOT).endsWith(".h5")) {
            // Only a graph read from a legacy .h5 is written back as one (KerasGraphOutput).
            throw InputException.usage("-o " + output + ": a dense chain is written as .keras (Keras 3's format); "
                    + "name it .keras, or .onnx");
        }
        if (format == ModelFormat.SAVEDMODEL) {
            OutputPaths.checkNewDirectory(output, model);
        } else {
            OutputPaths.checkWritable(output, model);
        }
        OnnxDenseModel read = chain(model);
        DenseNetwork network = read.network();
        ModelFormat from = ModelFiles.formatOf(model);
        KerasModel keras = from == ModelFormat.KERAS ? ModelFiles.readKeras(model) : null;
        checkExpressible(model, format, read, keras);
        ScanResult.Sample sample = generatedRows(network, read.featuresPerRow());
        boolean toFloat = !quantize.int8() && Int8Quantization.integerKernels(network);
        if (toFloat && format == ModelFormat.ONNX) {
            // The ONNX writer rewrites the file's own layers in place, and this file's are int8.
            throw InputException.usage(model, "runs on integer kernels (int8); as ONNX it is written with "
                    + Setting.QUANTIZE.ref() + " int8 or int8-weights, as float only to .keras or a SavedModel (or "
                    + "convert the float original)");
        }
        if (toFloat && sample.chainInput() == null) {
            throw InputException.usage(model, "runs on integer kernels (int8) behind a prefix this tool cannot "
                    + "compute, so its float form cannot be checked; convert the float original instead");
        }
        // An int8 file on integer kernels written as float: its dequantized weights, without the rounding of the
        // activations, which a float file cannot express; checked against what those weights compute.
        DenseNetwork written = toFloat ? Int8Quantization.withFloatKernels(network) : network;
        float[] reference = toFloat ? written.forward(sample.chainInput(), sample.rows())
                : ModelScan.outputsOn(read.model(), read.input(), sample, Device.CPU, model, read.outputName());
        double[] difference = new double[1];
        double[] inRuntime = new double[1];
        Int8SpeedFallback.Measured speeds = null;
        switch (format) {
            case ONNX -> {
                if (quantize.int8()) {
                    speeds = quantizeInt8(read, output, sample, reference, difference, inRuntime,
                            quantize.integerKernels() ? fallback : null);
                    break;
                }
                ModelProto proto = Producer.stamp(from == ModelFormat.ONNX
                        ? ExternalData.forOutput(DenseChainWriter.write(read, network), read.source(), output)
                        : read.model());
                AtomicFiles.writeBytes(output, proto.toByteArray(), temp -> {
                    ModelProto back = OnnxModelFile.read(temp);
                    OnnxDenseModel again = DenseChainReader.read(back, output);
                    difference[0] = check(ModelScan.outputsOn(back, again.input(), sample, Device.CPU, output,
                            again.outputName()), reference, output);
                });
            }
            case KERAS -> difference[0] = writeKeras(output, KerasWriter.write(keras, written), sample, reference);
            case SAVEDMODEL -> {
                ModelWriter.writeSavedModel(output, written, read.input().name(), sample, false);
                try {
                    difference[0] = check(SavedModelRunner.run(output, sample.features(), sample.rows(),
                            sample.featureWidth()), reference, output);
                } catch (RuntimeException e) {
                    AtomicFiles.deleteTree(output);
                    throw e;
                }
            }
            default -> throw new IllegalArgumentException("unknown format " + format);
        }
        Conversion.Storage storage = new Conversion.Storage(quantize.int8(), bytes(model), bytes(output), inRuntime[0],
                quantize.id(), quantize.int8() ? Int8Conversion.chain(read, quantize,
                        Math.max(read.defaultOpset(), Int8Weights.MIN_OPSET), speeds) : null);
        return new Conversion(model.toString(), from == ModelFormat.KERAS ? keras.describe() : from.id(),
                output.toString(), format.id(), network.architecture(),
                network.parameterCount() + Sweeper.outsideChain(read, network),
                new Conversion.Check(sample.rows(), difference[0]), storage);
    }

    /**
     * Refuses, before anything is computed, what the chosen format cannot hold: an input prefix outside ONNX (a Keras
     * backbone excepted), a chain the Keras writer cannot express, an input without a fixed width to generate rows of.
     */
    private static void checkExpressible(Path model, ModelFormat format, OnnxDenseModel read, KerasModel keras) {
        DenseNetwork network = read.network();
        boolean backbone = format == ModelFormat.KERAS && keras != null && keras.backbone() != null;
        if (format != ModelFormat.ONNX && !network.prefix().isEmpty() && !backbone) {
            throw InputException.usage(model, "has an input prefix (" + String.join(", ", network.prefix().operations())
                    + ") that a " + (format == ModelFormat.KERAS ? "Keras file" : "SavedModel") + " written by this "
                    + "tool cannot express; convert to ONNX only");
        }
        if (format == ModelFormat.KERAS) {
            KerasWriter.checkExpressible(keras, network);
        }
        if (read.featuresPerRow() <= 0) {
            throw new InputException(model, "input '" + read.input().name() + "'", "has no fixed number of values per "
                    + "row; it cannot be checked on generated rows");
        }
    }

    /**
     * Writes the .keras bytes and checks the file read back against {@code reference}: in ONNX Runtime, and for a
     * plain chain in Java too; returns the largest difference.
     */
    private static double writeKeras(Path output, byte[] bytes, ScanResult.Sample sample, float[] reference) {
        double[] difference = new double[1];
        AtomicFiles.writeBytes(output, bytes, temp -> {
            org.odf2nna.keras.KerasWrittenCheck.verify(temp);
            KerasModel back = KerasReader.read(temp);
            OnnxDenseModel again = ModelFiles.asOnnx(back);
            float[] runtime = ModelScan.outputsOn(again.model(), again.input(), sample, Device.CPU, output,
                    again.outputName());
            difference[0] = check(runtime, reference, output);
            // A backbone's output is known to ONNX Runtime alone; a chain's input is the rows themselves.
            if (sample.chainInput() != null) {
                float[] plain = back.network().forward(sample.chainInput(), sample.rows());
                difference[0] = Math.max(difference[0], check(plain, reference, output));
            }
        });
        return difference[0];
    }

    /**
     * Every layer's weights as int8 ({@link Int8Quantization}). The written file must give in ONNX Runtime what the
     * same dequantized weights stored as float give there (ModelWriter's tolerance), and read back, the same weights
     * bit for bit; how far both are from the original is reported, not checked: that is what quantization costs.
     *
     * @param fallback on integer kernels, whether layers slower as int8 stay float; null for the weight-only form
     * @return the layers timed, and which stay float
     */
    private static Int8SpeedFallback.Measured quantizeInt8(OnnxDenseModel given, Path output, ScanResult.Sample sample,
            float[] reference, double[] difference, double[] runtime, Int8SpeedFallback fallback) {
        boolean integerKernels = fallback != null;
        OnnxDenseModel read = given.defaultOpset() >= Int8Weights.MIN_OPSET ? given : DenseChainReader.read(
                org.odf2nna.onnx.OpsetRaise.atLeast(given.model(), given.source(), Int8Weights.MIN_OPSET,
                        "int8 weights with a scale per unit"), given.source());
        DenseNetwork network = read.network();
        Int8SpeedFallback.Measured speeds = integerKernels ? fallback.measure(read.model(), read.source(),
                read.input(), sample.features(), org.odf2nna.onnx.GraphQuantizer.Form.DYNAMIC)
                : new Int8SpeedFallback.Measured(null, org.odf2nna.report.Int8LayerSpeeds.NONE);
        boolean[] int8 = Int8Quantization.all(network);
        java.util.List<String> outputs = read.layerOutputs();
        for (int l = 0; l < int8.length; l++) {
            int8[l] = !speeds.keepFloat().containsKey(outputs.get(l));
        }
        DenseNetwork quantized = Int8Quantization.quantize(network, int8, integerKernels);
        ModelProto asFloat = DenseChainWriter.write(read, quantized);
        ModelProto proto = Producer.stamp(ExternalData.forOutput(Int8Weights.apply(asFloat, read, quantized, int8),
                read.source(), output));
        if (integerKernels) {
            // Row by row, as the network judged computes; checked against it where the chain input is known.
            AtomicFiles.writeBytes(output, proto.toByteArray(), temp -> {
                ModelProto back = OnnxModelFile.read(temp);
                float[] actual = ModelScan.outputsRowByRow(back, read.input(), sample, Device.CPU, output,
                        read.outputName());
                if (sample.chainInput() != null) {
                    float[] expected = quantized.forward(sample.chainInput(), sample.rows());
                    runtime[0] = runtimeDifference(output, actual, expected, "the int8 network's");
                }
                difference[0] = ModelWriter.maxDifference(actual, reference);
            });
            return speeds;
        }
        float[] expected = ModelScan.outputsOn(asFloat, read.input(), sample, Device.CPU, read.source(),
                read.outputName());
        AtomicFiles.writeBytes(output, proto.toByteArray(), temp -> {
            ModelProto back = OnnxModelFile.read(temp);
            OnnxDenseModel again = DenseChainReader.read(back, output);
            for (int l = 0; l < quantized.layers().size(); l++) {
                if (!java.util.Arrays.equals(again.network().layer(l).weights(), quantized.layer(l).weights())) {
                    throw new IllegalStateException("refusing to write " + output + ": read back, layer " + (l + 1)
                            + " does not hold the int8 weights that were computed");
                }
            }
            float[] actual = ModelScan.outputsOn(back, again.input(), sample, Device.CPU, output, again.outputName());
            runtime[0] = runtimeDifference(output, actual, expected, "the same weights stored as float");
            difference[0] = ModelWriter.maxDifference(actual, reference);
        });
        return speeds;
    }

    /**
     * How far ONNX Runtime's outputs of the file written are from {@code expected} ({@code from}, in the message),
     * refusing the file where they differ past ModelWriter's tolerance.
     */
    private static double runtimeDifference(Path output, float[] actual, float[] expected, String from) {
        double difference = ModelWriter.maxDifference(actual, expected);
        if (ModelWriter.worstExcess(actual, expected) > 0) {
            throw new IllegalStateException("refusing to write " + output + ": in ONNX Runtime its outputs differ "
                    + "from " + from + " by up to " + difference);
        }
        return difference;
    }

    /**
     * The model read as a dense chain; an int8 graph the chain reader does not take (the static form's QGemm file, a
     * quantized CNN) is refused in one line saying what it is and what reads it.
     */
    private static OnnxDenseModel chain(Path model) {
        try {
            return ModelFiles.read(model);
        } catch (InputException e) {
            String int8 = ModelFiles.formatOf(model) == ModelFormat.ONNX && !e.malformed()
                    ? Int8Layers.describe(ModelReader.read(model).graph()) : null;
            if (int8 == null) {
                throw e;
            }
            throw InputException.usage(model, "holds " + int8 + " on integer kernels and no dense chain to "
                    + "rewrite, so it is written only as it is; eval runs it and inspect describes it, and "
                    + "{{QUANTIZE}} int8 quantizes whatever float layers it has left; for another format, convert "
                    + "the float original");
        }
    }

    /** A file's size, or the total of a folder's files; -1 when unknown. */
    static long bytes(Path path) {
        try {
            if (Files.isRegularFile(path)) {
                return Files.size(path);
            }
            try (Stream<Path> files = Files.walk(path)) {
                return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            }
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Seeded rows spread like standardised data and like raw positive features, so that every unit of a ReLU
     * network is likely to be active on some of them.
     */
    static ScanResult.Sample generatedRows(DenseNetwork network, int width) {
        Random random = new Random(0);
        int rows = CHECK_ROWS;
        float[] x = new float[rows * width];
        for (int r = 0; r < rows; r++) {
            double scale = r % 2 == 0 ? 1 : 5;
            for (int i = 0; i < width; i++) {
                double v = random.nextGaussian() * scale;
                x[r * width + i] = (float) (r % 4 == 1 ? Math.abs(v) : v);
            }
        }
        float[] chain = network.prefix().isEmpty() ? x : null;
        float[] outputs = chain == null ? null : network.forward(chain, rows);
        return new ScanResult.Sample(x, width, chain, chain == null ? 0 : width, outputs, rows);
    }

    /** The largest difference; an IllegalStateException when one misses the tolerance. */
    static double check(float[] actual, float[] expected, Path output) {
        if (actual.length != expected.length) {
            throw new IllegalStateException("refusing to write " + output + ": it gives " + actual.length
                    + " output values instead of " + expected.length);
        }
        double worst = 0;
        for (int k = 0; k < actual.length; k++) {
            double diff = Math.abs((double) actual[k] - expected[k]);
            if (!(diff <= RELATIVE_TOLERANCE * Math.max(1, Math.abs(expected[k])))) {
                throw new IllegalStateException("refusing to write " + output + ": output value " + k + " is "
                        + actual[k] + " instead of " + expected[k] + " (more than " + RELATIVE_TOLERANCE + " relative)");
            }
            worst = Math.max(worst, diff);
        }
        return worst;
    }
}
