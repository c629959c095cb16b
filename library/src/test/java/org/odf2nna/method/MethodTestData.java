package org.odf2nna.method;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.odf2nna.Device;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.TestModels;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.PruningOptions;
import org.odf2nna.settings.Quantize;

/** CSV files, model runs and shrink options shared by the method tests. */
final class MethodTestData {

    private MethodTestData() {
    }

    /**
     * A one-shot shrink of {@code model} at {@code epsilons} into {@code outputs}, scored and measured on {@code eval}:
     * the task inferred, on the CPU, written as float ONNX, with {@code retrain} (or none) and {@code pruning}.
     */
    static ShrinkOptions shrink(Path model, EvalData eval, List<Double> epsilons, List<Path> outputs, Path report,
            RetrainOptions retrain, PruningOptions pruning) {
        return new ShrinkOptions(model, eval, null, epsilons, outputs, report, null, Device.CPU, retrain,
                ModelFormat.ONNX, pruning, Quantize.NONE);
    }

    /** The same at one ε, without a report, with {@link PruningOptions#DEFAULT}. */
    static ShrinkOptions shrink(Path model, EvalData eval, double epsilon, Path output, RetrainOptions retrain) {
        return shrink(model, eval, List.of(epsilon), List.of(output), null, retrain, PruningOptions.DEFAULT);
    }

    /** Runs a model in ONNX Runtime on rows of its graph input. */
    static float[] ort(ModelProto model, float[] rows) {
        OnnxDenseModel read = DenseChainReader.read(model, Path.of("m.onnx"));
        int width = read.featuresPerRow();
        return TestModels.runOrt(model, read.input(), rows, rows.length / width, width, read.outputName());
    }

    /** The class each row is given: argmax of the outputs. */
    static double[] argmax(float[] outputs, int width) {
        int rows = outputs.length / width;
        double[] labels = new double[rows];
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int j = 1; j < width; j++) {
                if (outputs[r * width + j] > outputs[r * width + best]) {
                    best = j;
                }
            }
            labels[r] = best;
        }
        return labels;
    }

    static double accuracy(float[] outputs, double[] labels) {
        double[] predicted = argmax(outputs, outputs.length / labels.length);
        int right = 0;
        for (int r = 0; r < labels.length; r++) {
            right += predicted[r] == labels[r] ? 1 : 0;
        }
        return (double) right / labels.length;
    }

    /** A CSV with the given column names, then a target column {@code label} when labels are given. */
    static Path csv(Path file, List<String> names, float[] rows, double[] labels) throws IOException {
        int width = names.size();
        StringBuilder s = new StringBuilder(String.join(",", names));
        s.append(labels != null ? ",label\n" : "\n");
        for (int r = 0; r < rows.length / width; r++) {
            for (int k = 0; k < width; k++) {
                s.append(k > 0 ? "," : "").append(rows[r * width + k]);
            }
            if (labels != null) {
                s.append(',').append(String.format(Locale.ROOT, "%d", (long) labels[r]));
            }
            s.append('\n');
        }
        Files.writeString(file, s);
        return file;
    }

    static List<String> names(String prefix, int n) {
        return java.util.stream.IntStream.range(0, n).mapToObj(k -> prefix + (k + 1)).toList();
    }
}
