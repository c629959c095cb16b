package org.odf2nna.method;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.graph.GraphRegression;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.Producer;
import org.odf2nna.onnx.SideBySide;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.Int8Judgement;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.Task;

/**
 * A written int8 file judged as a user judges it against the float model: sizes against the float ONNX file (the
 * input, or the float ONNX of the same network when the input is Keras or a SavedModel, whose files hold more than
 * the network), the share of rows whose prediction changed (or a regressor's mean squared difference), and both
 * files timed side by side in ONNX Runtime at batch 1 and at the user's batch, with the same thread count.
 */
final class Int8Judging {

    /** ONNX Runtime's intra-op threads in both timed sessions: one, so that the machine's other work moves least. */
    static final int THREADS = 1;
    /** What the model the user pruned from is called in the output. */
    static final String ORIGINAL = "the original float model";
    /** Training rows the agreement is measured on, when there are some. */
    static final int ROWS = 256;

    private Int8Judging() {
    }

    /**
     * @param calibration training rows (the agreement is measured on the first {@link #ROWS}), or null for the
     *                    generated check rows
     * @param batch       the larger batch timed; 0 not to time
     * @param originalFile the user's original float model (ONNX) to judge and time against, the float input timed
     *                    beside; null when the input is that model
     */
    static Int8Judgement judge(Path input, Path written, Path calibration, Task task, int batch, Path originalFile) {
        Path model = originalFile != null ? originalFile : input;
        boolean onnx = ModelFiles.formatOf(model) == ModelFormat.ONNX;
        ModelProto original;
        InputSignature signature;
        if (onnx) {
            original = OnnxModelFile.read(model);
            signature = GraphRows.dataInput(original, model);
        } else {
            org.odf2nna.onnx.OnnxDenseModel read = ModelFiles.read(model);
            original = read.model();
            signature = read.input();
        }
        long floatBytes = onnx ? Converter.bytes(model) : Producer.stamp(original).toByteArray().length;
        ModelProto int8 = OnnxModelFile.read(written);
        int width = signature.valuesPerRow();
        float[] rows = calibration == null ? Int8Conversion.generatedRows(width)
                : GraphRows.read(calibration, width, null, ROWS).features();
        String what = rows.length / width + (calibration == null ? " generated rows" : " training rows");
        float[] a = Int8Conversion.outputs(original, model, signature, rows, GraphConversionCheck.dynamicInt8(original));
        float[] b = Int8Conversion.outputs(int8, written, signature, rows, GraphConversionCheck.dynamicInt8(int8));
        boolean regression = GraphRegression.regressor(original, task);
        Int8Judgement.Agreement agreement = agreement(a, b, rows.length / width, what, regression,
                GraphConversionCheck.sigmoid(original));
        Int8Judgement.Speed speed = null;
        if (batch > 0) {
            try {
                List<ModelProto> models = new java.util.ArrayList<>(List.of(original, int8));
                List<Path> files = new java.util.ArrayList<>(List.of(model, written));
                if (originalFile != null) {
                    models.add(OnnxModelFile.read(input));
                    files.add(input);
                }
                SideBySide s = SideBySide.measure(models, files, signature, rows, batch, THREADS);
                speed = new Int8Judgement.Speed(s.threads(), s.batch(), s.repeats(), s.oneMicros()[0],
                        s.oneMicros()[1], s.batchMicros()[0], s.batchMicros()[1], new Int8Judgement.Speed.Input(
                        originalFile != null ? ORIGINAL : "the float file", originalFile != null ? s.oneMicros()[2]
                        : Double.NaN, originalFile != null ? s.batchMicros()[2] : Double.NaN));
            } catch (org.odf2nna.InputException e) {
                // A graph that fixes its batch inside runs at batch 1 only: the file is written and checked; the
                // timing is what is left out.
                speed = null;
            }
        }
        return new Int8Judgement(new Int8Judgement.Sizes(floatBytes, onnx, Converter.bytes(input),
                Converter.bytes(written), Int8Conversion.parameters(originalFile != null ? OnnxModelFile.read(input)
                        : original)), agreement, speed);
    }

    /** Predictions changed (argmax, or one value a row against 0.5 or 0), or a regressor's mean squared difference. */
    static Int8Judgement.Agreement agreement(float[] before, float[] after, int rows, String what, boolean regression,
            boolean probability) {
        if (regression) {
            double mean = 0;
            double diff = 0;
            for (int k = 0; k < before.length; k++) {
                mean += before[k];
                double d = (double) after[k] - before[k];
                diff += d * d;
            }
            mean /= before.length;
            double variance = 0;
            for (float v : before) {
                variance += (v - mean) * (v - mean);
            }
            return new Int8Judgement.Agreement(what, rows, true, 0, diff / before.length, variance / before.length);
        }
        int width = before.length / rows;
        int[] x = GraphConversionCheck.classes(new GraphConversionCheck.Outputs(before, width), probability);
        int[] y = GraphConversionCheck.classes(new GraphConversionCheck.Outputs(after, width), probability);
        int changed = 0;
        for (int r = 0; r < rows; r++) {
            changed += x[r] != y[r] ? 1 : 0;
        }
        return new Int8Judgement.Agreement(what, rows, false, changed, Double.NaN, Double.NaN);
    }
}
