package org.odf2nna.tf;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.Device;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;
import org.tensorflow.Session;

/**
 * The translation checked before it is trained: the TensorFlow graph's outputs against ONNX Runtime's on the same
 * rows. Retraining a graph whose translation computes something else would train the wrong network.
 *
 * @param largest the largest absolute difference over every output value of every row
 * @param output  the output where it occurs
 * @param row     its row
 * @param index   its place within the row's values of that output
 * @param tensorflow what TensorFlow computed there
 * @param runtime what ONNX Runtime computed there
 * @param rows    rows compared
 */
public record TranslationCheck(double largest, String output, int row, int index, float tensorflow, float runtime,
        int rows) {

    /** The tolerance the check is held to by default: float32 arithmetic done in another order. */
    public static final double DEFAULT_TOLERANCE = 1e-4;

    /** Runs both on the first {@code n} rows ({@code width} values each) and finds the largest difference. */
    public static TranslationCheck compare(ModelProto model, float[] rows, int n, Device device) {
        return compare(model, rows, n, device, null);
    }

    /**
     * The same for rows packed as {@code packing} says ({@link InputPacking}; null: rows of the first input alone),
     * ONNX Runtime fed every input from them.
     */
    public static TranslationCheck compare(ModelProto model, float[] rows, int n, Device device,
            InputPacking packing) {
        try (OnnxTfGraph g = OnnxTfGraph.translate(model, Set.of(), packing);
             Session session = g.open(device)) {
            int width = g.widths.get(0);
            // Batches of at most 16 MB of input on either side: a detector's 500 images at once held gigabytes.
            int batch = org.odf2nna.Memory.rowsPerBatch(4L * width, 1024);
            float[][] tf = g.run(session, rows, n, batch, false);
            ValueInfoProto in = input(model, g.inputNames.get(0));
            TensorShapeProto s = in.getType().getTensorType().getShape();
            long[] dims = new long[s.getDimCount()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = s.getDim(i).hasDimValue() ? s.getDim(i).getDimValue() : -1;
            }
            Map<String, float[]> ort = new java.util.HashMap<>();
            try (OnnxRunner runner = OnnxRunner.open(model, new InputSignature(in.getName(),
                    in.getType().getTensorType().getElemType(), dims), device, Path.of("pruned.onnx"))) {
                if (packing == null) {
                    ort.putAll(inBatches(runner, rows, n, width, batch, g.outputNames));
                } else {
                    runner.runInputs(packing.feeds(rows, n), g.outputNames).forEach((k, v) -> ort.put(k, v.values()));
                }
            }
            TranslationCheck worst = new TranslationCheck(0, g.outputNames.get(0), 0, 0, 0, 0, n);
            for (int o = 0; o < tf.length; o++) {
                float[] a = tf[o];
                float[] b = ort.get(g.outputNames.get(o));
                if (b == null || b.length != a.length) {
                    return new TranslationCheck(Double.POSITIVE_INFINITY, g.outputNames.get(o), 0, 0, Float.NaN,
                            Float.NaN, n);
                }
                int per = a.length / n;
                for (int i = 0; i < a.length; i++) {
                    double d = Math.abs((double) a[i] - b[i]);
                    if (d > worst.largest || Double.isNaN(d)) {
                        worst = new TranslationCheck(Double.isNaN(d) ? Double.POSITIVE_INFINITY : d,
                                g.outputNames.get(o), i / per, i % per, a[i], b[i], n);
                    }
                }
            }
            return worst;
        }
    }

    private static ValueInfoProto input(ModelProto model, String name) {
        for (ValueInfoProto v : model.getGraph().getInputList()) {
            if (v.getName().equals(name)) {
                return v;
            }
        }
        throw new IllegalArgumentException("no graph input '" + name + "'");
    }

    /** Whether the largest difference is within {@code tolerance}. */
    public boolean within(double tolerance) {
        return largest <= tolerance;
    }

    /**
     * Whether the largest difference is within {@code tolerance} times the larger of {@code scale} and the value it
     * occurs at: for outputs whose values run to hundreds (a detector's boxes in pixels), where float32 arithmetic in
     * another order differs in proportion to the value.
     */
    public boolean withinRelative(double tolerance, double scale) {
        return largest <= allowed(tolerance, scale);
    }

    /** The difference {@link #withinRelative} allows at this check's worst value. */
    public double allowed(double tolerance, double scale) {
        return tolerance * Math.max(scale, Math.max(Math.abs(runtime), Math.abs(tensorflow)));
    }

    /** One line: the largest difference and where it is. */
    public String describe() {
        return String.format(java.util.Locale.ROOT, "largest difference %.3g on output '%s', row %d, value %d "
                + "(TensorFlow %s, ONNX Runtime %s) over %d rows", largest, output, row, index, tensorflow, runtime,
                rows);
    }


    /** ONNX Runtime's outputs on the first {@code n} rows, {@code batch} rows a run, concatenated per output. */
    private static Map<String, float[]> inBatches(OnnxRunner runner, float[] rows, int n, int width, int batch,
            List<String> names) {
        Map<String, float[]> all = new java.util.HashMap<>();
        for (int from = 0; from < n; from += batch) {
            int m = Math.min(batch, n - from);
            Map<String, float[]> part = runner.run(Arrays.copyOfRange(rows, from * width, (from + m) * width), m, width,
                    names);
            for (Map.Entry<String, float[]> e : part.entrySet()) {
                int per = e.getValue().length / m;
                float[] whole = all.computeIfAbsent(e.getKey(), k -> new float[n * per]);
                System.arraycopy(e.getValue(), 0, whole, from * per, e.getValue().length);
            }
        }
        return all;
    }
}
