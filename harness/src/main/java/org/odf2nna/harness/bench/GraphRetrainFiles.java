package org.odf2nna.harness.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.odf2nna.api.Training;
import org.odf2nna.settings.Distillation;

/**
 * One whole-graph retraining problem on disk, as {@link RetrainFiles} is a dense chain's: {@code problem.json} (the
 * ONNX file, its trained initializers, the settings, the distillation), little-endian float32 {@code rows.f32} (the
 * graph's input values, row after row) and {@code labels.f32} (the class ids). Read by {@link GraphRetrainProbe} and
 * scripts/bench/bench_retrain_graph_torch.py. Apart from RetrainFiles because the trainers take different problems:
 * the chain's network and rows conditioned as retraining does, the graph's ONNX file and its raw rows.
 */
final class GraphRetrainFiles {

    static final int EVALUATION_BATCH = 1024;

    private GraphRetrainFiles() {
    }

    /**
     * Writes the problem (problem.json, rows.f32, labels.f32): the first {@code maxRows} rows of the CSV, whose first
     * columns are the graph's input values and whose column "label" (else the last) the class id. Returns {training
     * rows, held-out rows, parameters}.
     */
    static int[] write(Path model, Path train, Path dir, int maxRows, int epochs, int batchSize) {
        try {
            Training.GraphParameters graph = Training.graphParameters(model);
            int width = graph.valuesPerRow();
            List<String> trainable = graph.trainable();
            long parameters = graph.parameters();
            List<float[]> rows = new ArrayList<>();
            List<Float> labels = new ArrayList<>();
            readRows(train, width, maxRows > 0 ? maxRows : Integer.MAX_VALUE, rows, labels);
            int n = rows.size();
            Files.createDirectories(dir);
            ByteBuffer x = ByteBuffer.allocate(n * width * 4).order(ByteOrder.LITTLE_ENDIAN);
            rows.forEach(row -> {
                for (float v : row) {
                    x.putFloat(v);
                }
            });
            Files.write(dir.resolve("rows.f32"), x.array());
            ByteBuffer y = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
            labels.forEach(y::putFloat);
            Files.write(dir.resolve("labels.f32"), y.array());
            Files.writeString(dir.resolve("problem.json"), problem(model, n, width, epochs, batchSize, trainable)
                    .toString());
            int held = (int) Math.round(n * 0.2);
            return new int[] {n - held, held, (int) parameters};
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the retraining problem in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The first {@code limit} rows of the CSV: {@code width} input values each, and the "label" (else last) column. */
    private static void readRows(Path train, int width, int limit, List<float[]> rows, List<Float> labels)
            throws IOException {
        try (InputStream raw = Files.newInputStream(train);
             BufferedReader r = new BufferedReader(new InputStreamReader(train.toString().endsWith(".gz")
                     ? new GZIPInputStream(raw) : raw, StandardCharsets.US_ASCII))) {
            String[] header = r.readLine().split(",");
            int label = header.length - 1;
            for (int i = 0; i < header.length; i++) {
                if (header[i].trim().equalsIgnoreCase("label")) {
                    label = i;
                }
            }
            String line;
            while (rows.size() < limit && (line = r.readLine()) != null) {
                String[] cells = line.split(",");
                float[] x = new float[width];
                int k = 0;
                for (int i = 0; i < cells.length && k < width; i++) {
                    if (i != label) {
                        x[k++] = Float.parseFloat(cells[i]);
                    }
                }
                rows.add(x);
                labels.add(Float.parseFloat(cells[label]));
            }
        }
    }

    /** problem.json: what both frameworks' runs read besides the rows. */
    private static JsonObject problem(Path model, int rows, int width, int epochs, int batchSize,
            List<String> trainable) {
        JsonObject p = new JsonObject();
        p.addProperty("model", model.toAbsolutePath().toString());
        p.addProperty("rows", rows);
        p.addProperty("width", width);
        p.addProperty("epochs", epochs);
        p.addProperty("batchSize", batchSize);
        p.addProperty("learningRate", 1e-3);
        p.addProperty("seed", 0);
        p.addProperty("validationShare", 0.2);
        p.addProperty("temperature", Distillation.DEFAULT.temperature());
        p.addProperty("hardWeight", Distillation.DEFAULT.hardWeight());
        p.addProperty("evaluationBatch", EVALUATION_BATCH);
        JsonArray names = new JsonArray();
        trainable.forEach(names::add);
        p.add("trainable", names);
        return p;
    }
}
